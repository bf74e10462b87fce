/* store_sqlite_int.h - private to the SQLite store (src/store/store_sqlite*.c).
 *
 * Layers, bottom up: sq_conn (one sqlite3 handle + its prepared-statement
 * cache), statement helpers that bind/read whole records through field tables
 * (sq_table), the reader pool and the group-commit writer (sq_read/sq_write),
 * and finally the store_ops functions, one file per topic.
 */
#ifndef KN_STORE_SQLITE_INT_H
#define KN_STORE_SQLITE_INT_H

#include "store.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define SQ_CACHE_MAX 256 /* distinct cached statements per connection */
#define SQ_READERS_MAX 64
#define SQ_BATCH_DEFAULT 1000
#define SQ_READERS_DEFAULT 8
#define SQ_LIST_MAX 10000 /* cap for org/user/client/device lists */
#define SQ_CITIZEN_LIST_MAX 200
#define SQ_AUDIT_LIST_MAX 1000
#define SQ_BUSY_TIMEOUT_MS 5000

/* One connection and its statement cache (keyed by the SQL text's address:
 * every cached statement is a static const char array). */
typedef struct sq_conn {
    sqlite3 *db;
    size_t ncached;
    const char *cached_sql[SQ_CACHE_MAX];
    sqlite3_stmt *cached[SQ_CACHE_MAX];
    struct sq_conn *next_free; /* reader pool link */
} sq_conn;

/* Work to run on a connection: a read, or a write job on the writer. */
typedef int (*sq_fn)(sq_conn *c, void *arg, kn_err *err);

/* A queued write (see store_sqlite_writer.c). Owned by its submitter: on a
 * synchronous caller's stack, or in memory an async op allocated and its done
 * function frees. The writer's last touch is the done call. */
typedef struct sq_job {
    sq_fn fn;
    void *arg;
    int alone; /* run outside any batch; fn manages its own transactions */
    int status;
    kn_err err;
    store_done_fn done; /* called by the writer once status and err are final */
    void *cls;
    struct sq_job *next;
} sq_job;

typedef struct sq_store {
    store base;     /* base.impl points back here */
    sq_conn writer; /* used only by the writer thread after open */
    sq_conn readers[SQ_READERS_MAX];
    int nreaders;
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    sq_conn *free_readers;
    pthread_mutex_t q_mu;   /* guards the queue and stopping */
    pthread_cond_t q_cv;    /* signalled when a job is queued or on stop */
    sq_job *head, *tail;
    int stopping;
    atomic_int inflight; /* jobs queued or running, not yet answered (a metric) */
    int64_t commits; /* committed batches (tests observe batching) */
    int max_batch;
    sq_job **batch; /* max_batch slots, writer thread only */
    pthread_t thread;
    int thread_started;
} sq_store;

#define SQ(st) ((sq_store *)(st)->impl)

/* ---- connections (store_sqlite_conn.c) ---- */
int sq_conn_open(sq_conn *c, const char *path, int reader, kn_err *err);
void sq_conn_close(sq_conn *c);
/* The cached statement for `sql` (prepared on first use). Reset it with sq_done(). */
int sq_prepare(sq_conn *c, const char *sql, sqlite3_stmt **out, kn_err *err);
/* Map an sqlite result code to a KN status: constraint UNIQUE/PRIMARYKEY ->
 * KN_ECONFLICT, other constraints -> KN_EINVAL, NOMEM -> KN_ENOMEM, else KN_EIO. */
int sq_error(sq_conn *c, int rc, const char *what, kn_err *err);

/* ---- records and statements (store_sqlite_stmt.c) ---- */
enum sq_type { SQ_TEXT = 1, SQ_INT, SQ_I64, SQ_U32 };
enum sq_flag { SQ_REQ = 1, SQ_NULL = 2 }; /* must be non-empty; empty/0 stored as NULL */

/* One struct member <-> one column. Records are bound and read in field order. */
typedef struct sq_field {
    const char *name;
    unsigned char type, flags;
    size_t off, size;
} sq_field;

#define SQ_F(T, m, type, flags)                                                                    \
    {                                                                                              \
#m, type, flags, offsetof(T, m), sizeof(((T *)0)->m)                                       \
    }

typedef struct sq_table {
    const char *what; /* "citizen", for messages */
    size_t size;      /* sizeof the struct */
    size_t nfields;
    const sq_field *fields;
} sq_table;

#define SQ_TABLE(what, T, fields)                                                                  \
    {                                                                                              \
        what, sizeof(T), sizeof(fields) / sizeof((fields)[0]), fields                              \
    }

/* A bound parameter: text (NULL binds SQL NULL) or integer. */
typedef struct sq_arg {
    int kind; /* SQ_TEXT or SQ_I64 */
    const char *text;
    int64_t num;
} sq_arg;

#define SQ_TXT(s) ((sq_arg){.kind = SQ_TEXT, .text = (s)})
#define SQ_NUM(v) ((sq_arg){.kind = SQ_I64, .num = (v)})
#define SQ_NARGS(a) (sizeof(a) / sizeof((a)[0]))

extern const char SQ_SQL_BEGIN[], SQ_SQL_BEGIN_IMMEDIATE[], SQ_SQL_COMMIT[], SQ_SQL_ROLLBACK[];

/* Check a record before writing: text fields terminated, SQ_REQ fields non-empty. */
int sq_check(const sq_table *t, const void *rec, kn_err *err);
/* Check a lookup key: non-NULL, non-empty and shorter than `size`. */
int sq_check_key(const char *key, size_t size, const char *what, kn_err *err);
/* Cached statement with args bound to ?1..?n. */
int sq_stmt(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, sqlite3_stmt **out,
            kn_err *err);
void sq_done(sqlite3_stmt *st);
void sq_read_row(sqlite3_stmt *st, const sq_table *t, void *rec);
void sq_col_text(sqlite3_stmt *st, int col, char *dst, size_t size);
/* Run a statement to completion; *changes (may be NULL) gets the rows changed. */
int sq_exec(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, const char *what,
            int64_t *changes, kn_err *err);
/* Insert a record: its fields bound to ?1..?n in order. */
int sq_insert(sq_conn *c, const char *sql, const sq_table *t, const void *rec, kn_err *err);
/* First row into out; KN_ENOTFOUND when there is none. */
int sq_get(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
           void *out, kn_err *err);
/* Rows of a bound statement into one malloc'd array (at most max). Resets st. */
int sq_collect(sq_conn *c, sqlite3_stmt *st, const sq_table *t, size_t max, void **list, size_t *n,
               kn_err *err);
int sq_list(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
            size_t max, void **list, size_t *n, kn_err *err);

/* ---- store-level helpers: one statement on a reader or as a write job ---- */
int sq_read_get(sq_store *s, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
                void *out, kn_err *err);
int sq_read_list(sq_store *s, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
                 size_t max, void **list, size_t *n, kn_err *err);
int sq_write_insert(sq_store *s, const char *sql, const sq_table *t, const void *rec, kn_err *err);
/* Update/delete that must touch a row: KN_ENOTFOUND when it changed none. */
int sq_write_exec(sq_store *s, const char *sql, const sq_arg *args, size_t nargs, const char *what,
                  kn_err *err);

/* ---- reader pool (store_sqlite.c) ---- */
/* Run fn on a pooled reader; `snapshot` wraps it in one read transaction. */
int sq_read(sq_store *s, sq_fn fn, void *arg, int snapshot, kn_err *err);

/* ---- writer (store_sqlite_writer.c) ---- */
int sq_writer_start(sq_store *s, kn_err *err);
void sq_writer_stop(sq_store *s); /* drains the queue, joins the thread */
/* Run fn as a job in the next group commit; returns after COMMIT. */
int sq_write(sq_store *s, sq_fn fn, void *arg, kn_err *err);
/* Run fn alone on the writer connection, outside any batch (migrations). */
int sq_write_alone(sq_store *s, sq_fn fn, void *arg, kn_err *err);
/* Queue job (fn, arg, done, cls set; alone 0) for the next group commit. KN_OK:
 * job->done is called once, after COMMIT, on the writer thread, and the job
 * must stay valid until then. Otherwise (store closing) nothing was queued. */
int sq_write_async(sq_store *s, sq_job *job, kn_err *err);

/* ---- open (store_sqlite.c); used by store.c ---- */
int sq_store_open(const char *path, const store_options *opts, store **out, kn_err *err);

/* Debug/test hook: run "PRAGMA <name>" on the writer connection, result as text. */
int sq_debug_writer_pragma(store *st, const char *name, char *out, size_t size, kn_err *err);

/* ---- shared record helpers ---- */
extern const sq_table sq_audit_table;
int sq_audit_insert(sq_conn *c, const store_audit *event, kn_err *err);
int sq_audit_prepare(store_audit *event, kn_err *err); /* validate; fill at_ms when 0 */

/* Principals (users, clients): a record plus its grants, written in one job and
 * read in one snapshot (store_sqlite_principal.c). grant_insert_sql binds
 * (owner_id, orgnr, roles); grant_select_sql binds owner_id, returns (orgnr, roles). */
typedef struct sq_principal {
    const sq_table *table;
    const char *insert_sql, *list_sql, *grant_insert_sql, *grant_select_sql;
    size_t id_off, created_off, ngrants_off, grants_off;
} sq_principal;

/* Validate rec (a copy the caller owns), give it a new id and created_at, write it. */
int sq_principal_create(sq_store *s, const sq_principal *p, void *rec, kn_err *err);
/* The record selected by sql(key) with its grants. */
int sq_principal_get(sq_store *s, const sq_principal *p, const char *sql, const char *key,
                     void *out, kn_err *err);
int sq_principal_list(sq_store *s, const sq_principal *p, void **list, size_t *n, kn_err *err);

/* ---- store_ops functions, by topic ---- */
int sq_migrate(store *st, int *applied_out, kn_err *err);
int sq_migration_status(store *st, store_migration **list, size_t *n, kn_err *err);
int sq_backup(store *st, const char *path, kn_err *err);

int sq_org_put(store *st, const store_org *org, kn_err *err);
int sq_org_get(store *st, const char *orgnr, store_org *out, kn_err *err);
int sq_org_list(store *st, store_org **list, size_t *n, kn_err *err);

int sq_user_create(store *st, store_user *user, kn_err *err);
int sq_user_get(store *st, const char *id, store_user *out, kn_err *err);
int sq_user_get_by_name(store *st, const char *username, store_user *out, kn_err *err);
int sq_user_list(store *st, store_user **list, size_t *n, kn_err *err);
int sq_user_set_disabled(store *st, const char *username, int disabled, kn_err *err);
int sq_user_login_failed(store *st, const char *id, int threshold, int64_t now,
                         int64_t lock_seconds, kn_err *err);
int sq_user_login_succeeded(store *st, const char *id, kn_err *err);

int sq_client_create(store *st, store_client *client, kn_err *err);
int sq_client_get_by_key_hash(store *st, const char *key_hash, store_client *out, kn_err *err);
int sq_client_get_by_jwt_id(store *st, const char *jwt_client_id, store_client *out, kn_err *err);
int sq_client_list(store *st, store_client **list, size_t *n, kn_err *err);

int sq_session_create(store *st, const store_session *session, kn_err *err);
int sq_session_get(store *st, const char *token_hash, store_session *out, kn_err *err);
int sq_session_delete(store *st, const char *token_hash, kn_err *err);

int sq_citizen_create(store *st, store_citizen *citizen, const store_audit *audit, kn_err *err);
int sq_citizen_create_async(store *st, store_citizen *citizen, const store_audit *audit,
                            store_done_fn done, void *cls, kn_err *err);
int sq_citizen_get(store *st, const char *id, store_citizen *out, kn_err *err);
int sq_citizen_list(store *st, const char *municipality, size_t offset, size_t limit,
                    store_citizen **list, size_t *n, kn_err *err);
int sq_citizen_count(store *st, const char *municipality, int64_t *count, kn_err *err);

int sq_device_create(store *st, store_device *device, kn_err *err);
int sq_device_list(store *st, const char *municipality, store_device **list, size_t *n,
                   kn_err *err);
/* The devices record table, columns in DEVICE_COLS order (store_sqlite_device.c). */
extern const sq_table sq_device_table;

int sq_gain_plan_create(store *st, store_gain_plan *plan, const store_audit *audit, kn_err *err);
int sq_gain_plan_get(store *st, const char *id, store_gain_plan *out, kn_err *err);
int sq_gain_plan_list(store *st, const char *municipality, store_gain_plan **list, size_t *n,
                      kn_err *err);
int sq_gain_measure_add(store *st, store_gain_measure *m, const store_audit *audit, kn_err *err);
int sq_gain_measure_list(store *st, const char *municipality, const char *plan_id,
                         const char *citizen_id, store_gain_measure **list, size_t *n, kn_err *err);

/* The hub's messages and register (store_sqlite_hub.c). */
extern const struct store_hub_ops sq_hub_ops;
/* One hub_messages row read as "id, seq, receiver, sender_client, kind, event,
 * idem_key, patient_key, status, routed, created_at, updated_at, body" into m
 * (m->body malloc'd, the caller frees it with store_hub_message_free).
 * KN_ENOMEM when the body cannot be allocated. */
int sq_hub_message_row(sqlite3_stmt *st, store_hub_message *m);

/* The hub outbox (store_sqlite_outbox.c): its ops table and migration 4. */
extern const struct store_outbox_ops sq_outbox_ops;
extern const char sq_outbox_schema_sql[];

/* The hub read interfaces (store_sqlite_hubread.c): resource index, patient search. */
extern const struct store_hubread_ops sq_hubread_ops;

/* The response service (store_sqlite_resp*.c): ops table, migration 6, the
 * record tables shared by its files, and the ops implemented outside
 * store_sqlite_resp.c. Alarm lat/lon are stored as the IEEE-754 bit pattern
 * of the double (INTEGER columns lat_bits, lon_bits): exact round trip. */
extern const struct store_resp_ops sq_resp_ops;
extern const char sq_resp_schema_sql[];
extern const sq_table sq_resp_alarm_table, sq_resp_event_table;
#define SQ_RESP_ALARM_COLS                                                                         \
    "id, version, municipality, citizen_id, citizen_name, address, device_id, source, "            \
    "external_id, hub_message_id, alert_code, severity, triage, priority, technical, state, "      \
    "outcome, callout, callout_team, claimed_by, claimed_by_name, occurred_at, received_at, "      \
    "claimed_at, acked_at, closed_at, callout_requested_at, callout_started_at, "                  \
    "callout_done_at, has_position, lat_bits, lon_bits, battery, repeats, route_step, "            \
    "escalations, next_timer_at, text, journal, journal_message_id, journal_error, last_seq"
#define SQ_RESP_EVENT_COLS                                                                         \
    "seq, alarm_id, municipality, at, kind, vkp_event, actor_id, actor_name, text"
int sq_resp_alarm_get(store *st, const char *id, store_resp_alarm *out, kn_err *err);
int sq_resp_alarm_list(store *st, const store_resp_filter *f, store_resp_alarm **list, size_t *n,
                       int64_t *total, kn_err *err);
int sq_resp_event_list(store *st, const char *const *municipalities, size_t n_munis,
                       int64_t after_seq, size_t limit, store_resp_event **list, size_t *n,
                       kn_err *err);
int sq_resp_event_list_alarm(store *st, const char *alarm_id, store_resp_event **list, size_t *n,
                             kn_err *err);
int sq_resp_event_last_seq(store *st, int64_t *seq, kn_err *err);
int sq_resp_timers_due(store *st, int64_t now, size_t limit, store_resp_alarm **list, size_t *n,
                       kn_err *err);
int sq_resp_stat_rows(store *st, const char *const *municipalities, size_t n_munis, int64_t from,
                      int64_t to, size_t limit, store_resp_stat_row **list, size_t *n,
                      kn_err *err);
int sq_resp_journal_pending(store *st, size_t limit, store_resp_alarm **list, size_t *n,
                            kn_err *err);
int sq_resp_device_find(store *st, const char *municipality, const char *id_or_serial,
                        store_device *out, kn_err *err);
int sq_resp_hub_messages_after(store *st, int64_t after_seq, size_t limit,
                               store_hub_message **list, size_t *n, kn_err *err);
int sq_resp_heartbeat_put(store *st, const store_resp_heartbeat *hb, char *cleared_alarm,
                          kn_err *err);
int sq_resp_heartbeat_get(store *st, const char *device_id, store_resp_heartbeat *out,
                          kn_err *err);
int sq_resp_heartbeat_silent(store *st, const char *device_type, int64_t before, size_t limit,
                             store_resp_heartbeat **list, size_t *n, kn_err *err);
int sq_resp_heartbeat_set_silent(store *st, const char *device_id, const char *alarm_id,
                                 kn_err *err);
int sq_resp_hubin_cursor_get(store *st, int64_t *seq, kn_err *err);
int sq_resp_hubin_cursor_set(store *st, int64_t seq, kn_err *err);
/* Move the hub-intake cursor to max(cursor, seq) inside a write job. */
int sq_resp_hubin_advance(sq_conn *c, int64_t seq, kn_err *err);
int sq_resp_rule_put(store *st, store_resp_rule *rule, const store_audit *audit, kn_err *err);
int sq_resp_rule_delete(store *st, const char *municipality, const char *id,
                        const store_audit *audit, kn_err *err);
int sq_resp_rule_list(store *st, const char *municipality, store_resp_rule **list, size_t *n,
                      kn_err *err);
int sq_resp_profile_put(store *st, store_resp_profile *p, const store_audit *audit, kn_err *err);
int sq_resp_profile_get(store *st, const char *citizen_id, store_resp_profile *out, kn_err *err);
int sq_resp_citizen_find_nin(store *st, const char *municipality, const char *nin,
                             store_citizen *out, kn_err *err); /* store_sqlite_resp_nin.c */

int sq_audit_append(store *st, const store_audit *event, kn_err *err);
int sq_audit_list(store *st, const store_audit_filter *filter, store_audit **list, size_t *n,
                  kn_err *err);

#endif
