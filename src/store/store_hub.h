/* store_hub.h - the hub's records and storage operations (knutepunkt).
 *
 * Included by store.h only (it needs store, store_audit and store_done_fn from
 * there); the ops are two sub-tables of struct store_ops so the
 * two halves of the hub stay apart:
 *
 *   st->ops->hub->...      messages (intake, dedup, status, acknowledgement,
 *                          pull listing) and the authorisation register
 *                          (which client may write to / read from which
 *                          receiver, per resource type)
 *   st->ops->outbox->...   destinations (EPJ endpoints or pull mode), routes
 *                          (receiver × event → destinations), deliveries (the
 *                          outbox: one row per message × destination) and
 *                          their attempts, the dead-letter queue
 *
 * The message table is itself the router's inbox: intake writes a message
 * with routed = 0 in one durable transaction (with its audit event); the
 * delivery side later turns each unrouted message into delivery rows and sets
 * routed = 1 in one transaction (hub_out.route_messages). So an acknowledged
 * message is on disk before the answer, and no message is lost between
 * intake and the outbox, also on kill -9.
 *
 * Bodies are the exact bytes the sender posted (validated FHIR JSON).
 * Records with a `body` pointer: the store allocates it on reads and the
 * caller frees it with store_hub_message_free(); on writes the store copies it.
 * All other fields are fixed-size, as in store.h.
 */
#ifndef KN_STORE_HUB_H
#define KN_STORE_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core_err.h"

#define STORE_HUB_KEY_LEN 256      /* idempotency key: "system|value" of Bundle.identifier, or MessageHeader.id */
#define STORE_HUB_KIND_LEN 32      /* "message", "Bundle", "Composition", "MedicationDispense" */
#define STORE_HUB_EVENT_LEN 64     /* VKP message event or resource type */
#define STORE_HUB_PKEY_LEN 65      /* hex SHA-256 of the patient identifier system|value */
#define STORE_HUB_URL_LEN 512
#define STORE_HUB_ERR_LEN 256

/* Message status lifecycle: registered -> delivered -> journaled; a delivery
 * that exhausts its attempts makes the message failed and its delivery
 * dead-lettered; a requeue makes it registered again. */
enum store_hub_status {
    HUB_REGISTERED = 1,
    HUB_DELIVERED,       /* pushed to (2xx) or read by the EPJ */
    HUB_JOURNALED,       /* the EPJ confirmed with $journaling-acknowledged */
    HUB_FAILED,          /* a delivery is dead-lettered */
};

typedef struct store_hub_message {
    char id[33];
    int64_t seq;                          /* store-assigned, increasing: the _lastUpdated cursor tie-break */
    char receiver[10];                    /* municipality orgnr (path of /epj/r4/{orgnr}/...) */
    char sender_client[33];               /* store_client.id of the supplier system */
    char kind[STORE_HUB_KIND_LEN];
    char event[STORE_HUB_EVENT_LEN];
    char idem_key[STORE_HUB_KEY_LEN];     /* unique per (sender_client, receiver, kind) */
    char patient_key[STORE_HUB_PKEY_LEN]; /* empty when the message names no patient */
    int status;                           /* enum store_hub_status */
    int routed;                           /* 0 until the outbox has its delivery rows */
    int64_t created_at, updated_at;       /* ms since epoch; updated_at drives _lastUpdated */
    char *body;                           /* owned: see the file comment */
    size_t body_len;
} store_hub_message;

/* The authorisation register: client may `access` ("read" | "write")
 * `resource` ("Bundle", "Composition", "MedicationDispense", "Patient", ...,
 * or "*") of `receiver`. */
typedef struct store_hub_grant {
    char client_id[33];
    char receiver[10];
    char resource[STORE_HUB_KIND_LEN];
    char access[8];
    int64_t created_at;
} store_hub_grant;

typedef struct store_hub_filter {
    const char *receiver;                 /* required */
    const char *kind;                     /* NULL = any */
    int status;                           /* 0 = any */
    int not_status;                       /* 0 = none; e.g. HUB_JOURNALED for "_tag:not=journaled" */
    int64_t after_updated;                /* cursor: updated_at > after_updated, or equal with seq > after_seq */
    int64_t after_seq;
    size_t limit;                         /* 1..1000 */
} store_hub_filter;

struct store_hub_ops {
    /* Intake: insert msg (seq, created/updated set by the store; id too when
     * msg->id is empty, else the caller's new id is kept) with its
     * audit event in one transaction. When (sender_client, receiver, kind,
     * idem_key) exists already nothing is written and *dup is set to 1 with
     * the original's id/status/seq filled into msg (body untouched). The done
     * function is called after COMMIT (see store_done_fn in store.h); msg and
     * dup must stay valid until then. */
    int (*message_put_async)(store *st, store_hub_message *msg, int *dup, const store_audit *audit,
                             store_done_fn done, void *cls, kn_err *err);
    /* One message by id (with body when with_body). KN_ENOTFOUND when absent. */
    int (*message_get)(store *st, const char *id, int with_body, store_hub_message *out, kn_err *err);
    /* Page of messages by filter, ordered by (updated_at, seq); bodies included
     * when with_body. *list is one malloc'd array; free with
     * store_hub_message_list_free(). */
    int (*message_list)(store *st, const store_hub_filter *f, int with_body, store_hub_message **list,
                        size_t *n, kn_err *err);
    /* Status change with its audit event, durable. KN_ENOTFOUND when absent;
     * KN_ECONFLICT when the transition is not allowed (journaled is final).
     * Setting the current status again is KN_OK and writes nothing. */
    int (*message_set_status)(store *st, const char *id, int status, const store_audit *audit,
                              kn_err *err);
    /* Pull mode: the EPJ has read these messages. Each one still registered
     * becomes delivered, with its own audit event (a copy of *audit naming the
     * message), in one transaction. updated_at is NOT changed, so reading
     * never moves a message in the _lastUpdated cursor order. *changed (may
     * be NULL) = messages that became delivered. */
    int (*message_pulled)(store *st, const char *const *ids, size_t n, const store_audit *audit,
                          size_t *changed, kn_err *err);
    /* Authorisation register. */
    int (*grant_put)(store *st, const store_hub_grant *g, const store_audit *audit, kn_err *err);
    int (*grant_delete)(store *st, const store_hub_grant *g, const store_audit *audit, kn_err *err);
    int (*grant_list)(store *st, const char *receiver, store_hub_grant **list, size_t *n, kn_err *err);
    /* 1 in *allowed when the register lets client_id `access` `resource` of receiver. */
    int (*grant_check)(store *st, const char *client_id, const char *receiver, const char *resource,
                       const char *access, int *allowed, kn_err *err);
};

/* ---- outbox: destinations, routes, deliveries ---- */

enum store_dest_mode { DEST_PUSH = 1, DEST_PULL };
enum store_dest_auth { DEST_AUTH_NONE = 0, DEST_AUTH_BEARER, DEST_AUTH_MTLS };
enum store_delivery_status { DELIVERY_PENDING = 1, DELIVERY_DONE, DELIVERY_DEAD };

typedef struct store_hub_dest {
    char id[33];
    char receiver[10];
    char name[128];
    int mode;                             /* enum store_dest_mode */
    char url[STORE_HUB_URL_LEN];          /* push: EPJ base URL the message is POSTed to */
    int auth;                             /* enum store_dest_auth */
    char secret[512];                     /* bearer token (never logged, never returned by the API) */
    char cert_file[256], key_file[256];   /* mutual TLS client certificate and key (PEM paths) */
    char ca_file[256];                    /* CA bundle for the EPJ's server certificate; empty = system */
    int max_concurrency;                  /* in-flight requests to this destination, >= 1 */
    int max_attempts;                     /* 0 = retry forever */
    int backoff_base_ms, backoff_max_ms;  /* exponential backoff with full jitter */
    int64_t created_at;
} store_hub_dest;

typedef struct store_hub_route {
    char receiver[10];
    char event[STORE_HUB_EVENT_LEN];      /* message event / resource type, or "*" */
    char dest_id[33];
} store_hub_route;

typedef struct store_hub_delivery {
    char id[33];
    int64_t seq;                          /* order of creation: per (dest, patient) order follows seq */
    char message_id[33];
    char dest_id[33];
    char patient_key[STORE_HUB_PKEY_LEN];
    int status;                           /* enum store_delivery_status */
    int attempts;
    int64_t next_at;                      /* ms: not before */
    char last_error[STORE_HUB_ERR_LEN];
    int64_t created_at, updated_at;
} store_hub_delivery;

typedef struct store_hub_attempt {
    char delivery_id[33];
    int n;                                /* 1, 2, ... */
    int64_t started_at, duration_ms;
    int http_status;                      /* 0 when no HTTP answer */
    char error[STORE_HUB_ERR_LEN];        /* empty on success */
} store_hub_attempt;

struct store_outbox_ops {
    int (*dest_put)(store *st, store_hub_dest *d, const store_audit *audit, kn_err *err); /* insert/update; fills id */
    int (*dest_get)(store *st, const char *id, store_hub_dest *out, kn_err *err);
    int (*dest_list)(store *st, const char *receiver, store_hub_dest **list, size_t *n, kn_err *err);
    int (*route_put)(store *st, const store_hub_route *r, const store_audit *audit, kn_err *err);
    int (*route_delete)(store *st, const store_hub_route *r, const store_audit *audit, kn_err *err);
    int (*route_list)(store *st, const char *receiver, store_hub_route **list, size_t *n, kn_err *err);
    /* Router: for up to `limit` unrouted messages (oldest first), create one
     * delivery per matching route's destination and mark them routed, all in
     * one transaction. *routed = messages handled. */
    int (*route_messages)(store *st, size_t limit, size_t *routed, kn_err *err);
    /* Deliveries due at `now` for dest: pending, next_at <= now, and the
     * oldest pending one of their (dest, patient) pair (per-patient order),
     * oldest first, at most limit. */
    int (*delivery_due)(store *st, const char *dest_id, int64_t now, size_t limit,
                        store_hub_delivery **list, size_t *n, kn_err *err);
    /* Record an attempt and its consequence in one transaction: success ->
     * delivery done and message delivered; failure -> attempts+1 and next_at,
     * or dead (message failed) when dead is set. */
    int (*delivery_result)(store *st, const store_hub_delivery *d, const store_hub_attempt *a,
                           int success, int dead, int64_t next_at, const store_audit *audit,
                           kn_err *err);
    int (*delivery_list)(store *st, const char *message_id, store_hub_delivery **list, size_t *n,
                         kn_err *err);
    int (*attempt_list)(store *st, const char *delivery_id, store_hub_attempt **list, size_t *n,
                        kn_err *err);
    /* Dead-letter queue of a receiver (oldest first). */
    int (*dead_list)(store *st, const char *receiver, size_t offset, size_t limit,
                     store_hub_delivery **list, size_t *n, kn_err *err);
    /* Requeue a dead delivery (attempts reset, next_at now, message registered);
     * with new_body != NULL the message body is replaced first (edit-then-requeue).
     * Audited. KN_ECONFLICT when the delivery is not dead. */
    int (*delivery_requeue)(store *st, const char *delivery_id, const char *new_body,
                            size_t new_body_len, const store_audit *audit, kn_err *err);
    /* The same write, answered later (the delivery engine's form): the store
     * copies d, a and audit; done(cls, status, err) is called once after the
     * commit, on the writer thread (see store_done_fn). KN_OK = queued. */
    int (*delivery_result_async)(store *st, const store_hub_delivery *d,
                                 const store_hub_attempt *a, int success, int dead,
                                 int64_t next_at, const store_audit *audit, store_done_fn done,
                                 void *cls, kn_err *err);
    /* One delivery by id. KN_ENOTFOUND when absent. */
    int (*delivery_get)(store *st, const char *id, store_hub_delivery *out, kn_err *err);
    /* Gauges: pending and dead deliveries, messages not yet routed. */
    int (*counts)(store *st, int64_t *pending, int64_t *dead, int64_t *unrouted, kn_err *err);
};

/* Free a message's body (NULL-safe), and a list from message_list. */
void store_hub_message_free(store_hub_message *msg);
void store_hub_message_list_free(store_hub_message *list, size_t n);

/* ---- read interfaces: the index of resources inside hub messages ----
 * (st->ops->hubread; store_sqlite_hubread.c; domain side src/hub/hub_read.h)
 *
 * The hub's FHIR read interfaces (/epj/r4/{orgnr}/Composition, Observation,
 * EpisodeOfCare, CarePlan) answer from an index of the resources carried by
 * stored messages. The index trails the message table: `pending` hands out
 * messages after its cursor (by seq), the caller extracts their resources and
 * `index_put` writes them and moves the cursor in one durable transaction. A
 * resource id seen again (a later message) replaces the stored version and
 * keeps its place. Patients are read from the citizen register. */

#define STORE_HUBREAD_ID_LEN 65          /* FHIR id: up to 64 chars */
#define STORE_HUBREAD_TOKENS 8           /* token values indexed per resource */
#define STORE_HUBREAD_PAGE_MAX 200

/* A message to index (body owned: free the list with store_hubread_msg_list_free). */
typedef struct store_hubread_msg {
    int64_t seq;
    char id[33];
    char receiver[10];
    char *body;
    size_t body_len;
} store_hubread_msg;

/* One token value of a resource: search parameter, system and code. */
typedef struct store_hubread_token {
    char param[16];                       /* "code", "category", "type" */
    char system[128];                     /* "" when the coding has none (or a text) */
    char code[128];
} store_hubread_token;

/* One indexed resource. tokens are written, never read back. */
typedef struct store_hubread_res {
    int64_t seq;                          /* index position, increasing: the page cursor */
    char receiver[10];
    char type[32];
    char id[STORE_HUBREAD_ID_LEN];
    char patient_system[128];             /* subject/patient identifier; "" when none */
    char patient_value[64];
    char date[40];                        /* FHIR date/dateTime as written; "" when none */
    char message_id[33];
    int64_t msg_seq;
    size_t ntokens;
    store_hubread_token tokens[STORE_HUBREAD_TOKENS];
    char *body;                           /* resource JSON; owned (reads), borrowed (writes) */
    size_t body_len;
} store_hubread_res;

/* A token condition: param and code required; system NULL = any system. */
typedef struct store_hubread_match {
    const char *param, *system, *code;
} store_hubread_match;

/* Search of the index. Dates compare at the precision of the given value
 * (its length): "2025-03" ge/le matches every day of March. */
typedef struct store_hubread_query {
    const char *receiver;                 /* required */
    const char *type;                     /* required */
    const char *id;                       /* NULL = any */
    const char *patient_system;           /* NULL = any */
    const char *patient_value;            /* NULL = any */
    size_t nmatch;                        /* 0..2 */
    store_hubread_match match[2];
    const char *date_ge, *date_gt, *date_le, *date_lt; /* NULL = unbounded */
    int64_t after_seq;                    /* cursor: seq > after_seq */
    size_t limit;                         /* 1..STORE_HUBREAD_PAGE_MAX */
} store_hubread_query;

/* Patients of a municipality from the citizen register. */
typedef struct store_hubread_patient_query {
    const char *municipality;             /* required */
    const char *id;                       /* citizen id, NULL = any */
    const char *nin;                      /* NULL = any */
    const char *name;                     /* prefix of given or family name (ASCII case-folded); NULL = any */
    const char *after_id;                 /* cursor: id > after_id; NULL = from the start */
    size_t limit;                         /* 1..STORE_HUBREAD_PAGE_MAX */
} store_hubread_patient_query;

struct store_hubread_ops {
    /* Up to limit messages after the index cursor, by seq, with bodies. */
    int (*pending)(store *st, size_t limit, store_hubread_msg **list, size_t *n, kn_err *err);
    /* Upsert rows (bodies copied) and move the cursor to upto_seq (never
     * backwards), one durable transaction. */
    int (*index_put)(store *st, const store_hubread_res *rows, size_t n, int64_t upto_seq,
                     kn_err *err);
    /* Page of indexed resources ordered by seq; free with store_hubread_list_free(). */
    int (*search)(store *st, const store_hubread_query *q, store_hubread_res **list, size_t *n,
                  kn_err *err);
    /* Page of citizens ordered by id; *list is one malloc'd array (free()). */
    int (*patient_search)(store *st, const store_hubread_patient_query *q, store_citizen **list,
                          size_t *n, kn_err *err);
};

void store_hubread_msg_list_free(store_hubread_msg *list, size_t n);   /* NULL-safe */
void store_hubread_list_free(store_hubread_res *list, size_t n);       /* NULL-safe */

#endif
