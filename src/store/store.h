/* store.h - the storage interface: a table of function pointers.
 *
 * Domain code (auth, citizen, demo, later hub/resp/svc...) talks to storage
 * only through `st->ops->fn(st, ...)`; it never sees SQL. store_sqlite.c is the
 * implementation used today; a PostgreSQL implementation (store_pg.c) fills the
 * same table (see docs/ARCHITECTURE.md, "Storage").
 *
 * Durability contract: every write operation returns only after its
 * transaction is committed with synchronous=FULL (fsync'd); an asynchronous
 * one (*_async) reports success through its done function, called only after
 * that commit. Concurrent writers are batched by a single writer thread into
 * one transaction and one fsync (group commit); each operation still succeeds
 * or fails on its own.
 *
 * Ownership: structs passed in are borrowed. Single records returned through an
 * out-parameter are filled in place (fixed-size fields, nothing to free) unless
 * noted. Lists are allocated by the store; free them with free() (one array,
 * no nested allocations). Thread-safety: all ops may be called from any thread.
 *
 * Error returns: KN_OK; KN_ENOTFOUND (no such record); KN_ECONFLICT (unique key
 * taken); KN_EINVAL (bad argument); KN_EIO (database failure, err says why).
 */
#ifndef KN_STORE_H
#define KN_STORE_H

#include "../core/core_err.h"

#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_ID_LEN 33        /* 32 hex chars (kn_id_new) + NUL */
#define STORE_ORGNR_LEN 10     /* 9 digits + NUL */
#define STORE_NAME_LEN 128
#define STORE_HASH_LEN 129     /* hex digest or argon2id encoded string fits in 128 */
#define STORE_PWHASH_LEN 192   /* crypto_pwhash_STRBYTES is 128; headroom */
#define STORE_MAX_GRANTS 8     /* municipalities/orgs one principal may be scoped to */
#define STORE_SCOPES_LEN 256

/* Organisation kinds. */
enum store_org_kind { STORE_ORG_MUNICIPALITY = 1, STORE_ORG_SUPPLIER, STORE_ORG_EPJ_VENDOR, STORE_ORG_NATIONAL };

typedef struct store_org {
    char orgnr[STORE_ORGNR_LEN];      /* 9 digits, mod-11 checked by caller (nid_orgnr_valid) */
    int kind;                         /* enum store_org_kind */
    char name[STORE_NAME_LEN];
    int64_t inhabitants;              /* municipalities; 0 when unknown */
} store_org;

/* A grant: a bitmask of roles (enum auth_role in auth/auth.h) at one organisation. */
typedef struct store_grant {
    char orgnr[STORE_ORGNR_LEN];
    uint32_t roles;
} store_grant;

typedef struct store_user {
    char id[STORE_ID_LEN];            /* set by user_create */
    char username[64];
    char display_name[STORE_NAME_LEN];
    char password_hash[STORE_PWHASH_LEN]; /* argon2id encoded string */
    int disabled;
    int failed_logins;                /* consecutive failures since last success */
    int64_t locked_until;             /* unix seconds; 0 = not locked */
    int64_t created_at;
    size_t ngrants;
    store_grant grants[STORE_MAX_GRANTS];
} store_user;

enum store_client_kind { STORE_CLIENT_APIKEY = 1, STORE_CLIENT_JWT };

/* A machine client (supplier system, EPJ, alarm receiver). */
typedef struct store_client {
    char id[STORE_ID_LEN];            /* set by client_create */
    char name[STORE_NAME_LEN];
    int kind;                         /* enum store_client_kind */
    char key_hash[STORE_HASH_LEN];    /* APIKEY: hex SHA-256 of the key; the key itself is never stored */
    char jwt_client_id[STORE_NAME_LEN]; /* JWT: the token's client_id claim */
    char scopes[STORE_SCOPES_LEN];    /* APIKEY: space-separated scopes granted */
    int disabled;
    int64_t created_at;
    size_t ngrants;
    store_grant grants[STORE_MAX_GRANTS];
} store_client;

typedef struct store_session {
    char token_hash[STORE_HASH_LEN];  /* hex SHA-256 of the cookie value; the cookie is never stored */
    char user_id[STORE_ID_LEN];
    char csrf_token[65];              /* random, handed to the UI, checked on unsafe methods */
    int64_t created_at;
    int64_t expires_at;
} store_session;

/* A citizen (tjenestemottaker). Later modules extend the record in their own tables. */
typedef struct store_citizen {
    char id[STORE_ID_LEN];            /* set by citizen_create */
    char municipality[STORE_ORGNR_LEN];
    char nin[12];                     /* fødselsnummer / D-nummer, 11 digits */
    char given_name[STORE_NAME_LEN];
    char family_name[STORE_NAME_LEN];
    char address[STORE_NAME_LEN];
    char phone[32];
    int64_t created_at;
} store_citizen;

typedef struct store_device {
    char id[STORE_ID_LEN];
    char municipality[STORE_ORGNR_LEN];
    char citizen_id[STORE_ID_LEN];    /* empty when in stock */
    char type[32];                    /* safety_alarm, medication_dispenser, gps_tracker, camera, vitals_kit */
    char serial[64];
    char supplier_orgnr[STORE_ORGNR_LEN];
    int64_t created_at;
} store_device;

/* One audit event: who did what to which object, when. Never holds personal data
 * beyond ids. */
typedef struct store_audit {
    int64_t seq;                      /* set by the store, increasing */
    int64_t at_ms;
    char actor_kind[8];               /* "user" | "client" | "system" */
    char actor_id[STORE_ID_LEN];
    char action[48];                  /* e.g. "citizen.read", "citizen.create", "auth.login" */
    char municipality[STORE_ORGNR_LEN];
    char object_type[32];
    char object_id[STORE_ID_LEN];
    char request_id[65];              /* X-Request-Id: ours (32 hex) or a sane client one (<= 64) */
    char outcome[16];                 /* "ok" | "denied" | "failed" */
} store_audit;

typedef struct store_audit_filter {
    const char *municipality;         /* NULL = any */
    const char *actor_id;             /* NULL = any */
    const char *action;               /* NULL = any */
    int64_t after_seq;                /* return events with seq > after_seq */
    size_t limit;                     /* 1..1000 */
} store_audit_filter;

/* Benefit realisation (gain_*): a benefit plan (gevinstplan) for one service
 * or technology in a municipality, and per-citizen measurements against it.
 * Codes (technology, gain_type, interval, period_unit) are checked by gain_*;
 * dates are "YYYY-MM-DD"; money is whole NOK. */
#define STORE_GAIN_TEXT_LEN 256
#define STORE_DATE_LEN 11

typedef struct store_gain_plan {
    char id[STORE_ID_LEN];            /* set by gain_plan_create */
    char municipality[STORE_ORGNR_LEN];
    char name[STORE_NAME_LEN];
    char technology[32];
    char gain_type[24];
    char interval[16];
    char owner[STORE_NAME_LEN];
    char indicator[STORE_GAIN_TEXT_LEN];
    char prerequisites[STORE_GAIN_TEXT_LEN];
    char redeployment[STORE_GAIN_TEXT_LEN];
    char region[64];
    char start_date[STORE_DATE_LEN];
    char end_date[STORE_DATE_LEN];
    int64_t licence_per_year;
    int64_t operating_per_year;
    int64_t startup_cost;
    int64_t replaced_per_year;        /* running costs of what the technology replaces */
    int64_t created_at;
} store_gain_plan;

enum store_gain_kind { STORE_GAIN_BASELINE = 1, STORE_GAIN_FOLLOWUP };

/* One measurement of one citizen (personal data) in one plan and period. */
typedef struct store_gain_measure {
    char id[STORE_ID_LEN];            /* set by gain_measure_add */
    char plan_id[STORE_ID_LEN];
    char municipality[STORE_ORGNR_LEN];
    char citizen_id[STORE_ID_LEN];
    int kind;                         /* enum store_gain_kind */
    char period_start[STORE_DATE_LEN];
    char period_unit[8];              /* day | week | month */
    int period_count;
    char period_end[STORE_DATE_LEN];  /* last day of the period, filled by gain_* */
    int64_t visits;
    int64_t minutes_per_visit;        /* including driving */
    int64_t km;                       /* driven in the period */
    int64_t alarms_received;          /* by the response centre (or the service, without one) */
    int64_t alarms_forwarded;         /* passed on to the home service */
    int64_t minutes_per_alarm;        /* home-service time per forwarded alarm */
    int64_t night_checks;             /* physical night checks, counted in visits too */
    int quality_user;                 /* 1..6, 0 = not measured */
    int quality_staff;
    int quality_relatives;
    int64_t created_at;
} store_gain_measure;

typedef struct store_migration {
    int version;
    char name[64];
    int applied;                      /* 1 if applied */
    int64_t applied_at;
} store_migration;

typedef struct store store;

/* Completion of an asynchronous write (the *_async ops). The store calls it
 * exactly once per accepted write, from its own writer thread, after the
 * transaction holding the write has committed (status KN_OK) or failed (any
 * other status, err says why). err is valid only during the call; copy what
 * you need. A done function must be cheap and must not block or call the
 * store (it runs on the thread that commits everybody's writes): record the
 * result and wake whoever waits, nothing more. */
typedef void (*store_done_fn)(void *cls, int status, const kn_err *err);

#include "store_hub.h"
#include "store_resp.h"

struct store_ops {
    const char *name;                 /* "sqlite" */
    void (*close)(store *st);         /* frees st; NULL-safe via store_close() */

    /* Schema and maintenance */
    int (*migrate)(store *st, int *applied_out, kn_err *err);
    int (*migration_status)(store *st, store_migration **list, size_t *n, kn_err *err);
    int (*backup)(store *st, const char *path, kn_err *err);   /* online, consistent copy */
    int (*ping)(store *st, kn_err *err);                       /* readiness */

    /* Organisations */
    int (*org_put)(store *st, const store_org *org, kn_err *err);          /* insert or update */
    int (*org_get)(store *st, const char *orgnr, store_org *out, kn_err *err);
    int (*org_list)(store *st, store_org **list, size_t *n, kn_err *err);

    /* Users (username unique) */
    int (*user_create)(store *st, store_user *user, kn_err *err);          /* fills id, created_at */
    int (*user_get)(store *st, const char *id, store_user *out, kn_err *err);
    int (*user_get_by_name)(store *st, const char *username, store_user *out, kn_err *err);
    int (*user_list)(store *st, store_user **list, size_t *n, kn_err *err);
    int (*user_set_disabled)(store *st, const char *username, int disabled, kn_err *err);
    /* Record a failed login atomically: failed_logins += 1; when it reaches
     * threshold, locked_until = now + lock_seconds and the counter restarts. */
    int (*user_login_failed)(store *st, const char *id, int threshold, int64_t now,
                             int64_t lock_seconds, kn_err *err);
    int (*user_login_succeeded)(store *st, const char *id, kn_err *err);  /* counter = 0 */

    /* Machine clients (name unique; key_hash unique; jwt_client_id unique) */
    int (*client_create)(store *st, store_client *client, kn_err *err);    /* fills id, created_at */
    int (*client_get_by_key_hash)(store *st, const char *key_hash, store_client *out, kn_err *err);
    int (*client_get_by_jwt_id)(store *st, const char *jwt_client_id, store_client *out, kn_err *err);
    int (*client_list)(store *st, store_client **list, size_t *n, kn_err *err);

    /* Sessions */
    int (*session_create)(store *st, const store_session *session, kn_err *err);
    int (*session_get)(store *st, const char *token_hash, store_session *out, kn_err *err);
    int (*session_delete)(store *st, const char *token_hash, kn_err *err);

    /* Citizens ((municipality, nin) unique). citizen_create writes the citizen
     * and the audit event in one transaction: both or neither. */
    int (*citizen_create)(store *st, store_citizen *citizen, const store_audit *audit, kn_err *err);
    /* The same write, answered later: checks the records and fills citizen->id
     * and citizen->created_at before it returns. KN_OK means the write is queued
     * and done(cls, ...) will be called exactly once after its commit; any other
     * return means nothing was queued and done is never called. The store keeps
     * its own copy of both records (citizen and audit are borrowed only during
     * the call); cls must stay valid until done has been called. */
    int (*citizen_create_async)(store *st, store_citizen *citizen, const store_audit *audit,
                                store_done_fn done, void *cls, kn_err *err);
    int (*citizen_get)(store *st, const char *id, store_citizen *out, kn_err *err);
    int (*citizen_list)(store *st, const char *municipality, size_t offset, size_t limit,
                        store_citizen **list, size_t *n, kn_err *err);
    int (*citizen_count)(store *st, const char *municipality, int64_t *count, kn_err *err);

    /* Devices */
    int (*device_create)(store *st, store_device *device, kn_err *err);    /* fills id, created_at */
    int (*device_list)(store *st, const char *municipality, store_device **list, size_t *n,
                       kn_err *err);

    /* Benefit realisation. Each write stores its audit event in the same
     * transaction. gain_measure_add enforces, inside that transaction, the
     * baseline rule: a second baseline for (plan, citizen) is KN_ECONFLICT, a
     * follow-up without a baseline is KN_ECONFLICT and one that starts before
     * the baseline is KN_EUNPROCESSABLE. Lists: municipality NULL = all;
     * plan_id / citizen_id NULL = any; at most 10000 rows. */
    int (*gain_plan_create)(store *st, store_gain_plan *plan, const store_audit *audit,
                            kn_err *err);                               /* fills id, created_at */
    int (*gain_plan_get)(store *st, const char *id, store_gain_plan *out, kn_err *err);
    int (*gain_plan_list)(store *st, const char *municipality, store_gain_plan **list, size_t *n,
                          kn_err *err);
    int (*gain_measure_add)(store *st, store_gain_measure *m, const store_audit *audit,
                            kn_err *err);                               /* fills id, created_at */
    int (*gain_measure_list)(store *st, const char *municipality, const char *plan_id,
                             const char *citizen_id, store_gain_measure **list, size_t *n,
                             kn_err *err);

    /* Audit trail (append-only; the append is durable like any write) */
    int (*audit_append)(store *st, const store_audit *event, kn_err *err);
    int (*audit_list)(store *st, const store_audit_filter *filter, store_audit **list, size_t *n,
                      kn_err *err);

    /* The hub (store_hub.h): messages and register, and the outbox. */
    const struct store_hub_ops *hub;
    const struct store_outbox_ops *outbox;
    const struct store_hubread_ops *hubread; /* read interfaces: resource index, patients */
    /* The response service (store_resp.h): alarms, events, heartbeats, rules, profiles. */
    const struct store_resp_ops *resp;
};

struct store {
    const struct store_ops *ops;
    void *impl;                       /* implementation state */
};

/* Store settings, filled from configuration. */
typedef struct store_options {
    const char *url;                  /* "sqlite:/path/knute.db" or a plain path */
    int group_commit_max_batch;       /* most operations per transaction (default 1000) */
    int read_connections;             /* pooled read connections (default 8) */
} store_options;

/* Open the store named by opts->url. Does not migrate. On success *out is a new
 * store the caller closes with store_close(). */
int store_open(const store_options *opts, store **out, kn_err *err);

/* Close and free a store; finishes queued writes first (every accepted
 * asynchronous write gets its done call before this returns). NULL-safe. */
void store_close(store *st);

/* Turning an asynchronous write into a synchronous one ("async + wait"):
 *
 *     store_waiter w;
 *     store_waiter_init(&w);
 *     int rc = st->ops->x_async(st, ..., store_waiter_done, &w, err);
 *     if (rc == KN_OK)
 *         rc = store_waiter_wait(&w, err);   (also destroys w)
 *     else
 *         store_waiter_destroy(&w);
 *
 * The waiter lives on the caller's stack; store_waiter_done (the done
 * function, cls = the waiter) posts its semaphore as its last touch of it. */
typedef struct store_waiter {
    sem_t answered;
    int status;
    kn_err err;
} store_waiter;

void store_waiter_init(store_waiter *w);
void store_waiter_done(void *cls, int status, const kn_err *err);
/* Sleep until done was called; the write's status (err filled when not KN_OK). */
int store_waiter_wait(store_waiter *w, kn_err *err);
void store_waiter_destroy(store_waiter *w);

#endif
