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

/* The status URL path of a message: "/epj/r4/{receiver}/{kind}/{id}/$status"
 * (kind "message" -> "Bundle"). */
int hub_status_path(const store_hub_message *msg, char *out, size_t size);

/* Status of a message for its sender, the receiver's readers or an admin of
 * the receiver. KN_ENOTFOUND also when the caller may not see it (no
 * existence leak). out->body is not loaded. Audited. */
int hub_status_get(hub_ctx *hub, const auth_principal *who, const char *receiver, const char *id,
                   store_hub_message *out, kn_err *err);

/* The EPJ confirms journaling: status -> journaled (idempotent when already
 * journaled). Caller must have read access to the receiver in the register.
 * Audited. */
int hub_acknowledge(hub_ctx *hub, const auth_principal *who, const char *receiver, const char *id,
                    const char *request_id, kn_err *err);

/* ---- delivery engine (hub_deliver*.c) ---- */

typedef struct hub_deliver_opts {
    int poll_ms;                  /* idle wake-up to look for due work (default 200) */
    int alert_after_s;            /* a destination failing this long raises the alert (default 300) */
    int breaker_failures;         /* consecutive failures that open the circuit (default 5) */
    int breaker_open_ms;          /* how long it stays open before a half-open probe (default 10000) */
    const char *public_url;       /* Knute's own base URL, sent to EPJs as the acknowledgement URL */
} hub_deliver_opts;

/* Start the engine thread (router + libcurl multi). *out is owned by the
 * caller and stopped with hub_deliver_stop(). */
int hub_deliver_start(store *st, const hub_deliver_opts *opts, hub_deliver **out, kn_err *err);

/* Something new was committed: route and deliver soon. Cheap; any thread. */
void hub_deliver_notify(hub_deliver *d);

/* Stop: no new attempts; in-flight requests finish or are abandoned (they
 * are retried after restart: delivery is at-least-once, and the EPJ dedups
 * by the X-Knute-Message-Id / Bundle.identifier). Frees d. NULL-safe. */
void hub_deliver_stop(hub_deliver *d);

#endif
