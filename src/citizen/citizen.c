/* citizen.c - create, read and list citizens with access control and audit
 * (see citizen.h). Validation happens before anything is written; the store
 * writes the citizen and its audit event in one transaction. A create is
 * prepare (checks) + submit (queued write, answered through a done function);
 * the synchronous citizen_create waits for that answer.
 */
#include "citizen.h"

#include "../audit/audit.h"
#include "../core/core_util.h"
#include "../nid/nid.h"

#include <string.h>

#define CITIZEN_ROLES_WRITE (AUTH_ROLE_CASE_WORKER | AUTH_ROLE_COORDINATOR | AUTH_ROLE_ADMIN)
#define CITIZEN_ROLES_READ \
    (AUTH_ROLE_OPERATOR | AUTH_ROLE_CASE_WORKER | AUTH_ROLE_NURSE | AUTH_ROLE_COORDINATOR | AUTH_ROLE_ADMIN)
#define CITIZEN_PAGE_MAX 200

static int copy_field(char *dst, size_t size, const char *value, const char *field, int required,
                      kn_err *err)
{
    if (!value || !*value) {
        if (required)
            return kn_err_set(err, KN_EINVAL, "field '%s' is required", field);
        dst[0] = '\0';
        return KN_OK;
    }
    if (kn_strcpy(dst, size, value) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field '%s' is longer than %zu bytes", field, size - 1);
    return KN_OK;
}

static int check_nin(int environment, const char *nin, kn_err *err)
{
    kn_err why;
    if (nid_person_allowed(nin, environment, NULL, &why) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'nin': %s", why.msg);
    return KN_OK;
}

static int citizen_fill(const citizen_ctx *ctx, const char *municipality, const citizen_input *in,
                        store_citizen *c, kn_err *err)
{
    memset(c, 0, sizeof *c);
    int rc = check_nin(ctx->environment, in->nin, err);
    if (rc == KN_OK)
        rc = copy_field(c->municipality, sizeof c->municipality, municipality, "municipality", 1, err);
    if (rc == KN_OK)
        rc = copy_field(c->nin, sizeof c->nin, in->nin, "nin", 1, err);
    if (rc == KN_OK)
        rc = copy_field(c->given_name, sizeof c->given_name, in->given_name, "given_name", 1, err);
    if (rc == KN_OK)
        rc = copy_field(c->family_name, sizeof c->family_name, in->family_name, "family_name", 1, err);
    if (rc == KN_OK)
        rc = copy_field(c->address, sizeof c->address, in->address, "address", 0, err);
    if (rc == KN_OK)
        rc = copy_field(c->phone, sizeof c->phone, in->phone, "phone", 0, err);
    return rc;
}

/* ---- the municipality cache (citizen_ctx.org_cache) ----
 * A slot holds (orgnr << 34 | expiry), expiry in monotonic seconds (never 0),
 * orgnr (9 digits, < 2^30) picking the slot. Lock-free: a slot is one word. */
#define ORG_EXPIRY_BITS 34

static int org_number(const char *orgnr, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; orgnr[i] >= '0' && orgnr[i] <= '9'; i++)
        v = v * 10 + (uint64_t)(orgnr[i] - '0');
    *out = v;
    return i == 9 && orgnr[i] == '\0';
}

static uint64_t mono_s(void)
{
    return (uint64_t)(kn_mono_ns() / 1000000000) + 1;
}

static int org_cached(citizen_ctx *ctx, const char *orgnr)
{
    uint64_t n;
    if (!org_number(orgnr, &n))
        return 0;
    uint64_t slot = atomic_load_explicit(&ctx->org_cache[n % CITIZEN_ORG_CACHE_SLOTS],
                                         memory_order_relaxed);
    return slot >> ORG_EXPIRY_BITS == n && (slot & ((1ull << ORG_EXPIRY_BITS) - 1)) > mono_s();
}

static void org_remember(citizen_ctx *ctx, const char *orgnr)
{
    uint64_t n;
    if (org_number(orgnr, &n))
        atomic_store_explicit(&ctx->org_cache[n % CITIZEN_ORG_CACHE_SLOTS],
                              n << ORG_EXPIRY_BITS | (mono_s() + CITIZEN_ORG_CACHE_S),
                              memory_order_relaxed);
}

static int require_municipality(citizen_ctx *ctx, const char *orgnr, kn_err *err)
{
    if (org_cached(ctx, orgnr))
        return KN_OK;
    store_org org;
    int rc = ctx->st->ops->org_get(ctx->st, orgnr, &org, err);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "unknown municipality %s", orgnr);
    if (rc == KN_OK && org.kind != STORE_ORG_MUNICIPALITY)
        return kn_err_set(err, KN_ENOTFOUND, "organisation %s is not a municipality", orgnr);
    if (rc == KN_OK)
        org_remember(ctx, orgnr);
    return rc;
}

/* Citizen events: object "citizen", outcome "ok". */
static void audit_fill(store_audit *a, const auth_principal *p, const char *action,
                       const char *municipality, const char *object_id, const char *request_id)
{
    audit_event_init(a, p, action, municipality, "citizen", object_id, request_id, "ok");
}

int citizen_create_prepare(citizen_ctx *ctx, const auth_principal *p,
                           const char *municipality, const citizen_input *in,
                           const char *request_id, citizen_create_op *op, kn_err *err)
{
    int rc = auth_require(p, CITIZEN_ROLES_WRITE, municipality, "knute/citizens.write", err);
    if (rc == KN_OK)
        rc = require_municipality(ctx, municipality, err);
    if (rc == KN_OK)
        rc = citizen_fill(ctx, municipality, in, &op->citizen, err);
    if (rc == KN_OK)
        audit_fill(&op->audit, p, "citizen.create", municipality, NULL, request_id);
    return rc;
}

/* The store's done function for a create (writer thread): name the conflict,
 * then hand the result on. Calling op->done is the last touch of op. */
static void create_done(void *cls, int status, const kn_err *err)
{
    citizen_create_op *op = cls;
    kn_err why;
    if (status == KN_ECONFLICT) {
        kn_err_set(&why, KN_ECONFLICT,
                   "a citizen with this person number is already registered in %s",
                   op->citizen.municipality);
        err = &why;
    }
    op->done(op->cls, status, err);
}

int citizen_create_submit(const citizen_ctx *ctx, citizen_create_op *op, citizen_done_fn done,
                          void *cls, kn_err *err)
{
    op->done = done;
    op->cls = cls;
    return ctx->st->ops->citizen_create_async(ctx->st, &op->citizen, &op->audit, create_done, op,
                                              err);
}

int citizen_create(citizen_ctx *ctx, const auth_principal *p, const char *municipality,
                   const citizen_input *in, const char *request_id, store_citizen *out,
                   kn_err *err)
{
    citizen_create_op op;
    int rc = citizen_create_prepare(ctx, p, municipality, in, request_id, &op, err);
    if (rc != KN_OK)
        return rc;
    store_waiter w;
    store_waiter_init(&w);
    rc = citizen_create_submit(ctx, &op, store_waiter_done, &w, err);
    if (rc != KN_OK) {
        store_waiter_destroy(&w);
        return rc;
    }
    rc = store_waiter_wait(&w, err);
    if (rc == KN_OK)
        *out = op.citizen;
    return rc;
}

int citizen_get(const citizen_ctx *ctx, const auth_principal *p, const char *id,
                const char *request_id, store_citizen *out, kn_err *err)
{
    int rc = ctx->st->ops->citizen_get(ctx->st, id, out, err);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "no citizen with id %s", id);
    if (rc != KN_OK)
        return rc;
    /* Same answer for "exists elsewhere" as for "missing" would hide existence,
     * but an authenticated user of another municipality gets a clear 403. */
    rc = auth_require(p, CITIZEN_ROLES_READ, out->municipality, "knute/citizens.read", err);
    if (rc != KN_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    store_audit audit;
    audit_fill(&audit, p, "citizen.read", out->municipality, out->id, request_id);
    rc = ctx->st->ops->audit_append(ctx->st, &audit, err);
    if (rc != KN_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

int citizen_list(citizen_ctx *ctx, const auth_principal *p, const char *municipality,
                 size_t offset, size_t limit, const char *request_id, store_citizen **list,
                 size_t *n, int64_t *total, kn_err *err)
{
    *list = NULL;
    *n = 0;
    if (limit == 0 || limit > CITIZEN_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "limit must be 1..%d", CITIZEN_PAGE_MAX);
    int rc = auth_require(p, CITIZEN_ROLES_READ, municipality, "knute/citizens.read", err);
    if (rc == KN_OK)
        rc = require_municipality(ctx, municipality, err);
    /* Audit first: no personal data leaves the store without a durable record. */
    store_audit audit;
    audit_fill(&audit, p, "citizen.list", municipality, NULL, request_id);
    if (rc == KN_OK)
        rc = ctx->st->ops->audit_append(ctx->st, &audit, err);
    if (rc == KN_OK)
        rc = ctx->st->ops->citizen_count(ctx->st, municipality, total, err);
    if (rc == KN_OK)
        rc = ctx->st->ops->citizen_list(ctx->st, municipality, offset, limit, list, n, err);
    return rc;
}
