/* citizen.h - the citizen record (tjenestemottaker): create, read and list
 * citizens of a municipality, with access control and audit.
 *
 * Domain logic: called by http_citizen.c, the CLI and the demo loader. Every
 * read of citizen data writes an audit event (who, what, when); every create
 * writes the citizen and its audit event in one durable transaction.
 * Later modules (resp, svc) extend the record in their own tables.
 */
#ifndef KN_CITIZEN_H
#define KN_CITIZEN_H

#include "../auth/auth.h"
#include "../nid/nid.h"
#include "../store/store.h"

#include <stdatomic.h>
#include <stdint.h>

typedef struct citizen_input {
    const char *nin;            /* 11 digits, checked with nid_person_check */
    const char *given_name;     /* required, <= 127 bytes */
    const char *family_name;    /* required, <= 127 bytes */
    const char *address;        /* optional */
    const char *phone;          /* optional */
} citizen_input;

/* Environment rule for person numbers (nid_person_allowed): production
 * rejects synthetic/test numbers, test rejects real ones. The same values as
 * enum nid_env. */
enum citizen_env { CITIZEN_ENV_PRODUCTION = NID_ENV_PRODUCTION, CITIZEN_ENV_TEST = NID_ENV_TEST };

#define CITIZEN_ORG_CACHE_SLOTS 64
#define CITIZEN_ORG_CACHE_S 5   /* how long "orgnr is a municipality" is trusted */

typedef struct citizen_ctx {
    store *st;                  /* borrowed */
    int environment;            /* enum citizen_env */
    /* Private to citizen.c; zero-initialise (`{st, env}` does). Municipalities
     * recently read from the store, so a busy write path skips the org_get:
     * one packed word (orgnr, expiry) per slot. Only "is a municipality" is
     * cached, for CITIZEN_ORG_CACHE_S seconds: an organisation that stops being
     * one (org_put, possibly from another process) is refused again within that
     * time; an unknown one is looked up every time. */
    _Atomic uint64_t org_cache[CITIZEN_ORG_CACHE_SLOTS];
} citizen_ctx;

/* Create a citizen in `municipality` as principal p (roles: case_worker,
 * coordinator or admin at that municipality). KN_EINVAL for bad input (err
 * names the field), KN_ENOTFOUND for an unknown municipality, KN_ECONFLICT when
 * the number is already registered there, KN_EFORBIDDEN without access.
 * Fills *out on success. Synchronous: citizen_create_prepare, then
 * citizen_create_submit, then a wait for the commit. */
int citizen_create(citizen_ctx *ctx, const auth_principal *p, const char *municipality,
                   const citizen_input *in, const char *request_id, store_citizen *out,
                   kn_err *err);

/* Completion of an asynchronous create: called exactly once, on the store's
 * writer thread, after the commit (KN_OK) or with the failure (KN_ECONFLICT,
 * KN_EIO, ...; err says why, valid only during the call). It must be cheap,
 * must not block and must not call the store or the citizen domain. */
typedef void (*citizen_done_fn)(void *cls, int status, const kn_err *err);

/* One create in two steps, for callers that must not block (the HTTP server).
 * Owned by the caller, which must keep it valid from citizen_create_submit
 * until done has been called (done's call is the domain's last touch of it). */
typedef struct citizen_create_op {
    store_citizen citizen; /* prepare fills the record; submit adds id and created_at */
    store_audit audit;     /* filled by prepare */
    citizen_done_fn done;  /* set by submit */
    void *cls;
} citizen_create_op;

/* Step 1, synchronous: access, municipality and input checks (the same errors
 * as citizen_create); nothing is written. Fills op on success. */
int citizen_create_prepare(citizen_ctx *ctx, const auth_principal *p,
                           const char *municipality, const citizen_input *in,
                           const char *request_id, citizen_create_op *op, kn_err *err);

/* Step 2: queue the prepared write. KN_OK: op->citizen.id and created_at are
 * set, and done(cls, status, err) follows once the write is committed or has
 * failed. Any other status: nothing was queued and done is never called. */
int citizen_create_submit(const citizen_ctx *ctx, citizen_create_op *op, citizen_done_fn done,
                          void *cls, kn_err *err);

/* Read one citizen; audit "citizen.read". Any municipal role at the citizen's
 * municipality may read. */
int citizen_get(const citizen_ctx *ctx, const auth_principal *p, const char *id,
                const char *request_id, store_citizen *out, kn_err *err);

/* List a municipality's citizens (page of at most 200); audit "citizen.list".
 * *list is allocated (caller frees with free()). */
int citizen_list(citizen_ctx *ctx, const auth_principal *p, const char *municipality,
                 size_t offset, size_t limit, const char *request_id, store_citizen **list,
                 size_t *n, int64_t *total, kn_err *err);

#endif
