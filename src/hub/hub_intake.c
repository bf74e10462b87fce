/* hub_intake.c - message intake (see hub.h): receiver, authorisation,
 * validation, keys, then one durable write with its audit event.
 *
 * Order of the checks, cheapest and least revealing first: the receiver must
 * be a known municipality (404); the caller must be a machine client with
 * "write" for the kind's resource ("message" and "Bundle" -> "Bundle") at the
 * receiver in the register, or a user who is admin there (403); the body must
 * be JSON (400, the parser's reason as an OperationOutcome); the resource
 * must be of the route's kind and valid by VKP (422 with every issue); it
 * must carry an idempotency key (422). Nothing is written before all pass.
 */
#include "hub.h"

#include "hub_keys.h"

#include "../audit/audit.h"
#include "../core/core_util.h"
#include "../vkp/vkp.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* ---- the decision cache (see hub.h, hub_cache_set_ttl) ----
 * Positive answers only ("receiver is a municipality", "client may access
 * resource of receiver"), direct-mapped by an FNV-1a hash of the whole key,
 * which is compared before an entry is trusted. Static storage: bounded, no
 * allocation. An entry is live until its expiry and while the generation it
 * was stored under is current; hub_cache_invalidate() bumps the generation. */
#define CACHE_SLOTS 512
#define CACHE_STRIPES 8
#define CACHE_KEY 96

struct cache_slot {
    const store *st;
    uint64_t gen;
    int64_t expires_ms;
    char key[CACHE_KEY];
};

static struct cache_slot cache_slots[CACHE_SLOTS];
static pthread_mutex_t cache_stripes[CACHE_STRIPES] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static atomic_int cache_ttl_s;
static atomic_uint_fast64_t cache_gen = 1;

void hub_cache_set_ttl(int ttl_s)
{
    atomic_store(&cache_ttl_s, ttl_s > 0 ? ttl_s : 0);
    hub_cache_invalidate();
}

void hub_cache_invalidate(void)
{
    atomic_fetch_add(&cache_gen, 1);
}

static size_t cache_index(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % CACHE_SLOTS;
}

/* key: "kind|field|field..."; 0 when it does not fit (not cached). */
static int cache_key(char *out, const char *a, const char *b, const char *c, const char *d)
{
    int n = snprintf(out, CACHE_KEY, "%s|%s|%s|%s", a, b, c ? c : "", d ? d : "");
    return n > 0 && n < CACHE_KEY;
}

static int cache_has(const store *st, const char *key)
{
    if (atomic_load(&cache_ttl_s) <= 0)
        return 0;
    size_t i = cache_index(key);
    int64_t now = kn_now_ms();
    uint64_t gen = atomic_load(&cache_gen);
    pthread_mutex_lock(&cache_stripes[i % CACHE_STRIPES]);
    const struct cache_slot *s = &cache_slots[i];
    int hit = s->st == st && s->gen == gen && s->expires_ms > now && strcmp(s->key, key) == 0;
    pthread_mutex_unlock(&cache_stripes[i % CACHE_STRIPES]);
    return hit;
}

/* gen: the generation read before the store was asked, so an invalidation
 * during the read is not overwritten by a stale answer. */
static void cache_put(const store *st, const char *key, uint64_t gen)
{
    int ttl = atomic_load(&cache_ttl_s);
    if (ttl <= 0)
        return;
    size_t i = cache_index(key);
    pthread_mutex_lock(&cache_stripes[i % CACHE_STRIPES]);
    struct cache_slot *s = &cache_slots[i];
    s->st = st;
    s->gen = gen;
    s->expires_ms = kn_now_ms() + (int64_t)ttl * 1000;
    kn_strcpy(s->key, sizeof s->key, key);
    pthread_mutex_unlock(&cache_stripes[i % CACHE_STRIPES]);
}

/* Receiver known and a municipality. */
static int require_receiver(hub_ctx *hub, const char *receiver, kn_err *err)
{
    store_org org;
    if (!receiver || strlen(receiver) != STORE_ORGNR_LEN - 1)
        return kn_err_set(err, KN_ENOTFOUND, "unknown receiver");
    char key[CACHE_KEY];
    int cacheable = cache_key(key, "org", receiver, NULL, NULL);
    if (cacheable && cache_has(hub->st, key))
        return KN_OK;
    uint64_t gen = atomic_load(&cache_gen);
    int rc = hub->st->ops->org_get(hub->st, receiver, &org, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && org.kind != STORE_ORG_MUNICIPALITY))
        return kn_err_set(err, KN_ENOTFOUND, "unknown receiver %s: not a municipality Knute knows",
                          receiver);
    if (rc == KN_OK && cacheable)
        cache_put(hub->st, key, gen);
    return rc;
}

int hub_allowed(hub_ctx *hub, const auth_principal *who, const char *receiver,
                const char *resource, const char *access, kn_err *err)
{
    if (!who)
        return kn_err_set(err, KN_EFORBIDDEN, "not authenticated");
    if (who->kind == AUTH_PRINCIPAL_USER)
        return auth_require(who, AUTH_ROLE_ADMIN, receiver, NULL, err);
    char key[CACHE_KEY];
    int cacheable = receiver && resource && access &&
                    cache_key(key, who->id, receiver, resource, access);
    if (cacheable && cache_has(hub->st, key))
        return KN_OK;
    uint64_t gen = atomic_load(&cache_gen);
    int allowed = 0;
    int rc = hub->st->ops->hub->grant_check(hub->st, who->id, receiver, resource, access, &allowed,
                                            err);
    if (rc == KN_OK && allowed && cacheable)
        cache_put(hub->st, key, gen);
    if (rc == KN_OK && !allowed)
        return kn_err_set(err, KN_EFORBIDDEN,
                          "the authorisation register does not let this client %s %s of %s",
                          access, resource, receiver);
    return rc;
}

/* Parse, check the kind, validate by VKP and extract the keys into op. */
static int validate(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err)
{
    vkp_opts opts = {.environment = hub->environment};
    fj_doc *doc = NULL;
    if (fj_parse(req->body, req->len, &doc, NULL) != KN_OK) {
        int rc = vkp_validate(req->body, req->len, &opts, &op->outcome); /* the parser's reason */
        return kn_err_set(err, rc == KN_ENOMEM ? KN_ENOMEM : KN_EINVAL, "the body is not JSON");
    }
    const fj_node *root = fj_root(doc);
    hub_keys keys;
    int rc = hub_kind_check(root, req->kind, &op->outcome, err);
    if (rc == KN_OK && (rc = vkp_validate_tree(root, &opts, &op->outcome)) != KN_OK)
        kn_err_set(err, rc, "validation could not run");
    if (rc == KN_OK && !fhir_outcome_ok(&op->outcome))
        rc = kn_err_set(err, KN_EUNPROCESSABLE, "the message breaks the VKP profiles (%zu errors)",
                        op->outcome.errors);
    if (rc == KN_OK)
        rc = hub_keys_extract(root, req->kind, &keys, &op->outcome, err);
    if (rc == KN_OK) {
        memcpy(op->msg.idem_key, keys.idem_key, sizeof op->msg.idem_key);
        memcpy(op->msg.event, keys.event, sizeof op->msg.event);
        memcpy(op->msg.patient_key, keys.patient_key, sizeof op->msg.patient_key);
    }
    fj_doc_free(doc);
    return rc;
}

/* internal: Knute's own message (hub_intake_internal), no register check. */
static int prepare(hub_ctx *hub, const hub_intake_req *req, int internal, hub_intake_op *op,
                   kn_err *err)
{
    memset(op, 0, sizeof *op);
    fhir_outcome_init(&op->outcome);
    if (!req || !hub_kind_known(req->kind) || !req->body)
        return kn_err_set(err, KN_EINVAL, "intake: unknown kind or no body");
    int rc = require_receiver(hub, req->receiver, err);
    if (rc == KN_OK && !internal)
        rc = hub_allowed(hub, req->who, req->receiver, hub_kind_resource(req->kind), "write", err);
    if (rc == KN_OK)
        rc = validate(hub, req, op, err);
    if (rc != KN_OK)
        return rc;
    store_hub_message *m = &op->msg;
    kn_id_new(m->id);
    memcpy(m->receiver, req->receiver, sizeof m->receiver);
    kn_strcpy(m->sender_client, sizeof m->sender_client,
              internal ? HUB_INTERNAL_SENDER : req->who->id);
    kn_strcpy(m->kind, sizeof m->kind, req->kind);
    m->status = HUB_REGISTERED;
    m->body = (char *)req->body; /* borrowed until submit returns: the store copies it */
    m->body_len = req->len;
    audit_event_init(&op->audit, internal ? NULL : req->who, "hub.intake", req->receiver,
                     "hub_message", m->id, req->request_id, "ok");
    return KN_OK;
}

int hub_intake_prepare(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err)
{
    return prepare(hub, req, 0, op, err);
}

/* The store's done (writer thread): wake the delivery engine for a new
 * message, then hand the result on. Calling op->done is the last touch. */
static void intake_done(void *cls, int status, const kn_err *err)
{
    hub_intake_op *op = cls;
    op->msg.body = NULL;
    op->msg.body_len = 0;
    if (status == KN_OK && !op->dup && op->hub->deliver)
        hub_deliver_notify(op->hub->deliver);
    if (status == KN_OK && !op->dup && op->hub->on_intake)
        op->hub->on_intake(op->hub->on_intake_cls);
    op->done(op->cls, status, err);
}

int hub_intake_submit(hub_ctx *hub, hub_intake_op *op, store_done_fn done, void *cls, kn_err *err)
{
    op->hub = hub;
    op->done = done;
    op->cls = cls;
    return hub->st->ops->hub->message_put_async(hub->st, &op->msg, &op->dup, &op->audit,
                                                intake_done, op, err);
}

static int intake_wait(hub_ctx *hub, const hub_intake_req *req, int internal, hub_intake_op *op,
                       kn_err *err)
{
    int rc = prepare(hub, req, internal, op, err);
    if (rc != KN_OK)
        return rc;
    store_waiter w;
    store_waiter_init(&w);
    rc = hub_intake_submit(hub, op, store_waiter_done, &w, err);
    if (rc != KN_OK) {
        store_waiter_destroy(&w);
        return rc;
    }
    return store_waiter_wait(&w, err);
}

int hub_intake(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err)
{
    return intake_wait(hub, req, 0, op, err);
}

int hub_intake_internal(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err)
{
    return intake_wait(hub, req, 1, op, err);
}

void hub_intake_op_release(hub_intake_op *op)
{
    if (op)
        fhir_outcome_release(&op->outcome);
}
