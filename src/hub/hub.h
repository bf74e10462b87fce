/* hub.h - the hub (knutepunkt): supplier systems send VKP FHIR messages
 * once; Knute validates them, stores them durably, routes them to the right
 * EPJ and follows each to "journaled".
 *
 * Flow of a message (docs/ARCHITECTURE.md has the picture):
 *   1 intake   POST /epj/r4/{orgnr}/$process-message (message Bundle) or
 *              POST /epj/r4/{orgnr}/{Bundle|Composition|MedicationDispense}
 *              -> hub_intake_prepare(): receiver known (404), client allowed
 *              by the authorisation register (403), VKP-valid (422 with the
 *              OperationOutcome; 400 when not JSON), idempotency key and
 *              patient key extracted
 *              -> hub_intake_submit(): one durable transaction (message +
 *              audit), or the original when the key was seen (dedup)
 *              -> 202 Accepted (200 with the original for a duplicate),
 *              Location = the status URL
 *   2 route    the delivery engine turns new messages into outbox rows
 *              (store outbox.route_messages)
 *   3 deliver  libcurl multi, per destination: concurrency limit, per-patient
 *              order, backoff with jitter, circuit breaker, dead letters;
 *              pull destinations are read by the EPJ instead
 *   4 journal  the EPJ confirms: POST .../{id}/$journaling-acknowledged
 *
 * Domain functions take the caller's principal and decide access through the
 * register (store hub.grant_check) and auth_require; they never talk HTTP or
 * SQL. Thread-safe: a hub_ctx is read-only after set-up.
 */
#ifndef KN_HUB_H
#define KN_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "../auth/auth.h"
#include "../core/core_err.h"
#include "../fhir/fhir_outcome.h"
#include "../store/store.h"

typedef struct hub_deliver hub_deliver;

typedef struct hub_ctx {
    store *st;
    int environment;              /* enum nid_env, for validation */
    const char *public_url;       /* base of status URLs in Location headers; may be "" (relative) */
    hub_deliver *deliver;         /* notified after intake commits; may be NULL (CLI, tests) */
    /* Also called after an intake commit of a new message (not a duplicate),
     * on the store's writer thread: must be cheap (`knute serve` wakes the
     * response service's worker with it: resp_wake). NULL = none. */
    void (*on_intake)(void *cls);
    void *on_intake_cls;
} hub_ctx;

/* What intake accepts. kind "message" is a message Bundle posted to
 * $process-message; the others are journaling writes of that resource type. */
typedef struct hub_intake_req {
    const auth_principal *who;    /* the sending client (or user, for tests/UI) */
    const char *receiver;         /* orgnr from the path */
    const char *kind;             /* "message", "Bundle", "Composition", "MedicationDispense" */
    const char *body;             /* FHIR JSON as received; not owned */
    size_t len;
    const char *request_id;       /* for the audit event; may be NULL */
} hub_intake_req;

/* State of one intake between prepare and the commit's done call. Lives in
 * the caller (the HTTP request's op union, or the stack with hub_intake());
 * must stay valid until done has been called. hub_intake_op_release() frees
 * what prepare allocated (body copy, outcome). */
typedef struct hub_intake_op {
    store_hub_message msg;        /* filled by prepare; id/seq/status by the store */
    int dup;                      /* 1 after commit when the key was seen before */
    store_audit audit;
    fhir_outcome outcome;         /* validation issues (warnings even when valid) */
    hub_ctx *hub;                 /* set by submit */
    store_done_fn done;           /* set by submit: the caller's completion */
    void *cls;
} hub_intake_op;

/* Validate and authorise; fill op. Returns KN_OK, or: KN_ENOTFOUND unknown
 * receiver; KN_EFORBIDDEN not allowed by the register; KN_EINVAL not JSON
 * (op->outcome says why); KN_EUNPROCESSABLE invalid by VKP (op->outcome has
 * every issue); KN_ENOMEM. err has a one-line reason in every case. The
 * caller releases op either way. */
int hub_intake_prepare(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err);

/* Queue the durable write of a prepared op; done(cls, status, err) is called
 * after COMMIT (status KN_OK, op->dup tells whether it was a duplicate). */
int hub_intake_submit(hub_ctx *hub, hub_intake_op *op, store_done_fn done, void *cls, kn_err *err);

/* prepare + submit + wait, for the CLI and tests. */
int hub_intake(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err);

void hub_intake_op_release(hub_intake_op *op);

/* Knute's own messages (the response service's journal, resp_journal.c): the
 * sender is Knute itself, not a client of the authorisation register.
 * hub_intake() without the register check (req->who is ignored and may be
 * NULL): receiver, VKP validation and keys as for everyone; sender_client is
 * HUB_INTERNAL_SENDER (so its idempotency keys are its own) and the audit
 * actor is "system". Only domain code calls it: no HTTP route does, and
 * hub_intake_prepare() always asks the register. */
#define HUB_INTERNAL_SENDER "knute"
int hub_intake_internal(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err);

/* The status URL path of a message: "/epj/r4/{receiver}/{kind}/{id}/$status"
 * (kind "message" -> "Bundle"). */
int hub_status_path(const store_hub_message *msg, char *out, size_t size);

/* Status of a message for its sender, the receiver's readers or an admin of
 * the receiver. KN_ENOTFOUND also when the caller may not see it (no
 * existence leak). out->body is not loaded. Audited. */
int hub_status_get(hub_ctx *hub, const auth_principal *who, const char *receiver, const char *id,
                   store_hub_message *out, kn_err *err);

/* The deliveries of a message shown with its status (read-only use of the
 * outbox): each delivery with its destination's name and every recorded
 * attempt, oldest first. Call after hub_status_get() has decided access.
 * Free with hub_delivery_info_free(). A store without an outbox: none. */
typedef struct hub_delivery_info {
    store_hub_delivery delivery;
    char dest_name[128];
    store_hub_attempt *attempts;  /* malloc'd */
    size_t n_attempts;
} hub_delivery_info;

int hub_status_deliveries(hub_ctx *hub, const store_hub_message *msg, hub_delivery_info **list,
                          size_t *n, kn_err *err);
void hub_delivery_info_free(hub_delivery_info *list, size_t n);

/* The EPJ confirms journaling: status -> journaled (idempotent when already
 * journaled). Caller must have read access to the receiver in the register.
 * Audited. */
int hub_acknowledge(hub_ctx *hub, const auth_principal *who, const char *receiver, const char *id,
                    const char *request_id, kn_err *err);

/* The register's decision, shared by intake, status, acknowledgement, pull
 * and the read interfaces: KN_OK when who is a machine client the register
 * lets `access` ("read" | "write") `resource` of receiver, or a user who is
 * admin at the receiver; else KN_EFORBIDDEN with the reason. */
int hub_allowed(hub_ctx *hub, const auth_principal *who, const char *receiver,
                const char *resource, const char *access, kn_err *err);

/* The decision cache of hub_allowed (machine clients) and of intake's
 * receiver check: positive answers are remembered for ttl_s seconds (the
 * auth_cache_s setting; 0, the default, turns it off), in a bounded,
 * process-wide table keyed by store, so a busy client does not cost two
 * database reads per message. A grant added anywhere takes effect at once
 * (refusals are never cached); a grant removed through this process
 * (hub_grant_remove) at once, as does any call of hub_cache_invalidate();
 * a grant removed by another process (e.g. `knute hub grant remove` on the
 * CLI while the server runs) takes effect within ttl_s, and so does a
 * receiver that stops being a municipality. Thread-safe. */
void hub_cache_set_ttl(int ttl_s);
void hub_cache_invalidate(void);

/* Pull mode: the EPJ (a client with read access to the receiver's "Bundle"
 * in the register, or an admin of the receiver) reads unacknowledged
 * messages, oldest first by (updated_at, seq), with their bodies. The read is
 * audited ("hub.pull") before the data is returned, and each message still
 * registered becomes delivered ("hub.message.delivered"; updated_at stays,
 * so cursor paging is stable). *list is from message_list: free it with
 * store_hub_message_list_free(). KN_ENOTFOUND unknown receiver; KN_EFORBIDDEN. */
typedef struct hub_pull_req {
    const auth_principal *who;
    const char *receiver;
    const char *kind;             /* NULL = every kind */
    int not_status;               /* 0, or e.g. HUB_JOURNALED for _tag:not=journaled */
    int64_t after_updated;        /* cursor (ms): updated_at > after_updated, or equal and */
    int64_t after_seq;            /* seq > after_seq (INT64_MAX: strictly after the instant) */
    size_t limit;                 /* 1..HUB_PULL_MAX */
    const char *request_id;
} hub_pull_req;

#define HUB_PULL_MAX 100

int hub_pull(hub_ctx *hub, const hub_pull_req *q, store_hub_message **list, size_t *n, kn_err *err);

/* ---- the authorisation register (hub_register.c) ----
 * Which client may read / write which resource of which receiver. Changes
 * and listings need admin at the receiver municipality (clients also the
 * "knute/admin" scope); who NULL is the local operator (CLI). Changes are
 * audited ("hub.grant.add" / "hub.grant.remove"). g->client_id may hold the
 * client's id or its name; it is resolved to the id (KN_ENOTFOUND when no
 * such client). resource: "*" or a FHIR resource type; access "read" or
 * "write" (KN_EINVAL otherwise). KN_ENOTFOUND for an unknown receiver. */
int hub_grant_add(hub_ctx *hub, const auth_principal *who, store_hub_grant *g,
                  const char *request_id, kn_err *err);
int hub_grant_remove(hub_ctx *hub, const auth_principal *who, store_hub_grant *g,
                     const char *request_id, kn_err *err);
/* receiver NULL: every receiver (only who NULL, or the admin's own receivers).
 * *list is malloc'd; free() it. */
int hub_grant_list(hub_ctx *hub, const auth_principal *who, const char *receiver,
                   store_hub_grant **list, size_t *n, kn_err *err);

/* Status as text ("registered", "delivered", "journaled", "failed"), and
 * back (0 when unknown). */
const char *hub_status_name(int status);
int hub_status_parse(const char *name);

/* ---- delivery engine (hub_deliver*.c) ---- */

typedef struct hub_deliver_opts {
    int poll_ms;                  /* idle wake-up to look for due work (default 200) */
    int alert_after_s;            /* a destination failing this long raises the alert (default 300) */
    int breaker_failures;         /* consecutive failures that open the circuit (default 5) */
    int breaker_open_ms;          /* how long it stays open before a half-open probe (default 10000) */
    const char *public_url;       /* Knute's own base URL, sent to EPJs as the acknowledgement URL */
    int timeout_ms;               /* whole request to an EPJ (default 30000; connect at most 5000) */
} hub_deliver_opts;

/* Start the engine thread (router + libcurl multi). *out is owned by the
 * caller and stopped with hub_deliver_stop(). */
int hub_deliver_start(store *st, const hub_deliver_opts *opts, hub_deliver **out, kn_err *err);

/* Replace the acknowledgement base URL (e.g. once the port is known). Any thread. */
void hub_deliver_set_public_url(hub_deliver *d, const char *public_url);

/* Something new was committed: route and deliver soon. Cheap; any thread. */
void hub_deliver_notify(hub_deliver *d);

/* Stop: no new attempts; in-flight requests finish or are abandoned (they
 * are retried after restart: delivery is at-least-once, and the EPJ dedups
 * by the X-Knute-Message-Id / Bundle.identifier). Frees d. NULL-safe. */
void hub_deliver_stop(hub_deliver *d);

#endif
