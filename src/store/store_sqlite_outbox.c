/* store_sqlite_outbox.c - the hub's outbox: destinations, routes, deliveries
 * (one row per message x push destination), their attempts and the
 * dead-letter queue (deliveries with status dead).
 *
 * Schema (migration 4 "outbox", sq_outbox_schema_sql): hub_destinations,
 * hub_routes (receiver, event or "*", destination), hub_deliveries (seq is the
 * rowid: creation order, which per-patient order follows) and hub_attempts.
 * Partial indexes on status = pending keep the due query cheap however many
 * deliveries are done.
 *
 * Every write is one job of the group-commit writer (sync wait), with its
 * audit event where it changes state, so the router's "deliveries + routed=1"
 * and an attempt's "attempt + delivery + message status" are atomic.
 * Message status rules (hub_messages belongs to the hub ops, migration 3):
 *   success  -> delivered, unless already journaled
 *   dead     -> failed, only from registered
 *   requeue  -> registered, only from failed
 * Messages whose receiver/event has no push route are marked routed with no
 * delivery rows (pull destinations read them; otherwise nothing to do), and
 * logged as hub.no_route.
 */
#include "store_sqlite_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

const char sq_outbox_schema_sql[] =
    "CREATE TABLE hub_destinations ("
    " id TEXT PRIMARY KEY,"
    " receiver TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " mode INTEGER NOT NULL CHECK (mode BETWEEN 1 AND 2),"
    " url TEXT NOT NULL DEFAULT '',"
    " auth INTEGER NOT NULL DEFAULT 0 CHECK (auth BETWEEN 0 AND 2),"
    " secret TEXT NOT NULL DEFAULT '',"
    " cert_file TEXT NOT NULL DEFAULT '',"
    " key_file TEXT NOT NULL DEFAULT '',"
    " ca_file TEXT NOT NULL DEFAULT '',"
    " max_concurrency INTEGER NOT NULL DEFAULT 4 CHECK (max_concurrency >= 1),"
    " max_attempts INTEGER NOT NULL DEFAULT 0 CHECK (max_attempts >= 0),"
    " backoff_base_ms INTEGER NOT NULL DEFAULT 500,"
    " backoff_max_ms INTEGER NOT NULL DEFAULT 60000,"
    " created_at INTEGER NOT NULL,"
    " UNIQUE (receiver, name));"
    "CREATE TABLE hub_routes ("
    " receiver TEXT NOT NULL,"
    " event TEXT NOT NULL,"
    " dest_id TEXT NOT NULL REFERENCES hub_destinations(id),"
    " PRIMARY KEY (receiver, event, dest_id));"
    "CREATE TABLE hub_deliveries ("
    " seq INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " message_id TEXT NOT NULL,"
    " dest_id TEXT NOT NULL,"
    " patient_key TEXT NOT NULL DEFAULT '',"
    " status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 3),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at INTEGER NOT NULL,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (message_id, dest_id));"
    "CREATE INDEX hub_deliveries_due ON hub_deliveries(dest_id, seq) WHERE status = 1;"
    "CREATE INDEX hub_deliveries_patient ON hub_deliveries(dest_id, patient_key, seq)"
    " WHERE status = 1;"
    "CREATE INDEX hub_deliveries_dead ON hub_deliveries(dest_id, seq) WHERE status = 3;"
    "CREATE TABLE hub_attempts ("
    " delivery_id TEXT NOT NULL,"
    " n INTEGER NOT NULL,"
    " started_at INTEGER NOT NULL,"
    " duration_ms INTEGER NOT NULL,"
    " http_status INTEGER NOT NULL DEFAULT 0,"
    " error TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (delivery_id, n));";

#define DEST_COLS                                                                                  \
    "id, receiver, name, mode, url, auth, secret, cert_file, key_file, ca_file, max_concurrency, " \
    "max_attempts, backoff_base_ms, backoff_max_ms, created_at"
#define DELIVERY_COLS                                                                              \
    "d.id, d.seq, d.message_id, d.dest_id, d.patient_key, d.status, d.attempts, d.next_at, "       \
    "d.last_error, d.created_at, d.updated_at"
#define DELIVERY_LIST_MAX 1000

static const char SQL_DEST_PUT[] =
    "INSERT INTO hub_destinations(" DEST_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET name = excluded.name, mode = excluded.mode,"
    " url = excluded.url, auth = excluded.auth, secret = excluded.secret,"
    " cert_file = excluded.cert_file, key_file = excluded.key_file, ca_file = excluded.ca_file,"
    " max_concurrency = excluded.max_concurrency, max_attempts = excluded.max_attempts,"
    " backoff_base_ms = excluded.backoff_base_ms, backoff_max_ms = excluded.backoff_max_ms"
    " WHERE receiver = excluded.receiver";
static const char SQL_DEST_GET[] = "SELECT " DEST_COLS " FROM hub_destinations WHERE id = ?1";
static const char SQL_DEST_LIST[] =
    "SELECT " DEST_COLS " FROM hub_destinations WHERE ?1 IS NULL OR receiver = ?1"
    " ORDER BY receiver, name";
static const char SQL_DEST_RECEIVER[] =
    "SELECT " DEST_COLS " FROM hub_destinations WHERE id = ?1 AND receiver = ?2";
static const char SQL_ROUTE_PUT[] =
    "INSERT OR IGNORE INTO hub_routes(receiver, event, dest_id) VALUES (?, ?, ?)";
static const char SQL_ROUTE_DELETE[] =
    "DELETE FROM hub_routes WHERE receiver = ?1 AND event = ?2 AND dest_id = ?3";
static const char SQL_ROUTE_LIST[] =
    "SELECT receiver, event, dest_id FROM hub_routes WHERE ?1 IS NULL OR receiver = ?1"
    " ORDER BY receiver, event, dest_id";
static const char SQL_UNROUTED[] =
    "SELECT id, receiver, event, patient_key FROM hub_messages WHERE routed = 0"
    " ORDER BY seq LIMIT ?1";
static const char SQL_MATCHING_DESTS[] =
    "SELECT DISTINCT r.dest_id FROM hub_routes r JOIN hub_destinations t ON t.id = r.dest_id"
    " WHERE r.receiver = ?1 AND (r.event = ?2 OR r.event = '*') AND t.mode = 1";
static const char SQL_DELIVERY_INSERT[] =
    "INSERT INTO hub_deliveries(id, message_id, dest_id, patient_key, status, attempts, next_at,"
    " last_error, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 1, 0, ?5, '', ?5, ?5)";
static const char SQL_MARK_ROUTED[] = "UPDATE hub_messages SET routed = 1 WHERE id = ?1";
/* Candidates are the oldest DUE_WINDOW pending deliveries of the destination,
 * read in seq order from the partial index (an index range, no sort); the
 * per-patient head test is done in memory while stepping (the first pending
 * row of a patient in that range is its oldest pending one, since the range
 * starts at the destination's oldest), and stepping stops as soon as `limit`
 * heads are due. The usual case reads about `limit` rows; a backlog of one
 * patient costs at most DUE_WINDOW rows, and heads further back come into the
 * window as the older ones finish. (Before: an SQL NOT EXISTS probe of the
 * patient index for each of the 2 000 window rows on every call, which the
 * hub bench showed as the delivery thread's main cost.) */
#define DUE_WINDOW 2000
static const char SQL_DUE_WINDOW[] =
    "SELECT " DELIVERY_COLS " FROM hub_deliveries d WHERE d.dest_id = ?1 AND d.status = 1"
    " ORDER BY d.seq LIMIT ?2";
/* n continues across requeues (attempts restarts at 0; the history stays) */
static const char SQL_ATTEMPT_INSERT[] =
    "INSERT INTO hub_attempts(delivery_id, n, started_at, duration_ms, http_status, error)"
    " VALUES (?1, coalesce((SELECT max(n) FROM hub_attempts WHERE delivery_id = ?1), 0) + 1"
    " + 0 * ?2, ?3, ?4, ?5, ?6)";
static const char SQL_DELIVERY_DONE[] =
    "UPDATE hub_deliveries SET status = 2, attempts = attempts + 1, last_error = '',"
    " updated_at = ?2 WHERE id = ?1 AND status = 1";
static const char SQL_DELIVERY_RETRY[] =
    "UPDATE hub_deliveries SET attempts = attempts + 1, last_error = ?3, next_at = ?4,"
    " updated_at = ?2 WHERE id = ?1 AND status = 1";
static const char SQL_DELIVERY_DEAD[] =
    "UPDATE hub_deliveries SET status = 3, attempts = attempts + 1, last_error = ?3,"
    " updated_at = ?2 WHERE id = ?1 AND status = 1";
static const char SQL_MESSAGE_DELIVERED[] =
    "UPDATE hub_messages SET status = 2, updated_at = ?2 WHERE id = ?1 AND status IN (1, 4)";
static const char SQL_MESSAGE_FAILED[] =
    "UPDATE hub_messages SET status = 4, updated_at = ?2 WHERE id = ?1 AND status = 1";
static const char SQL_MESSAGE_REQUEUED[] =
    "UPDATE hub_messages SET status = 1, updated_at = ?2 WHERE id = ?1 AND status = 4";
static const char SQL_MESSAGE_BODY[] =
    "UPDATE hub_messages SET body = ?2, updated_at = ?3 WHERE id = ?1";
static const char SQL_DELIVERY_GET[] = "SELECT " DELIVERY_COLS " FROM hub_deliveries d WHERE d.id = ?1";
static const char SQL_DELIVERY_REQUEUE[] =
    "UPDATE hub_deliveries SET status = 1, attempts = 0, next_at = ?2, last_error = '',"
    " updated_at = ?2 WHERE id = ?1 AND status = 3";
static const char SQL_DELIVERY_LIST[] =
    "SELECT " DELIVERY_COLS " FROM hub_deliveries d WHERE d.message_id = ?1 ORDER BY d.seq";
static const char SQL_ATTEMPT_LIST[] =
    "SELECT delivery_id, n, started_at, duration_ms, http_status, error FROM hub_attempts"
    " WHERE delivery_id = ?1 ORDER BY n LIMIT 1000";
static const char SQL_DEAD_LIST[] =
    "SELECT " DELIVERY_COLS " FROM hub_deliveries d JOIN hub_destinations t ON t.id = d.dest_id"
    " WHERE t.receiver = ?1 AND d.status = 3 ORDER BY d.seq LIMIT ?2 OFFSET ?3";
static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM hub_deliveries WHERE status = 1),"
    " (SELECT count(*) FROM hub_deliveries WHERE status = 3),"
    " (SELECT count(*) FROM hub_messages WHERE routed = 0)";

/* clang-format off */
static const sq_field dest_fields[] = {
    SQ_F(store_hub_dest, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_dest, receiver, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_dest, name, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_dest, mode, SQ_INT, 0),
    SQ_F(store_hub_dest, url, SQ_TEXT, 0),
    SQ_F(store_hub_dest, auth, SQ_INT, 0),
    SQ_F(store_hub_dest, secret, SQ_TEXT, 0),
    SQ_F(store_hub_dest, cert_file, SQ_TEXT, 0),
    SQ_F(store_hub_dest, key_file, SQ_TEXT, 0),
    SQ_F(store_hub_dest, ca_file, SQ_TEXT, 0),
    SQ_F(store_hub_dest, max_concurrency, SQ_INT, 0),
    SQ_F(store_hub_dest, max_attempts, SQ_INT, 0),
    SQ_F(store_hub_dest, backoff_base_ms, SQ_INT, 0),
    SQ_F(store_hub_dest, backoff_max_ms, SQ_INT, 0),
    SQ_F(store_hub_dest, created_at, SQ_I64, 0),
};
static const sq_field route_fields[] = {
    SQ_F(store_hub_route, receiver, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_route, event, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_route, dest_id, SQ_TEXT, SQ_REQ),
};
static const sq_field delivery_fields[] = {
    SQ_F(store_hub_delivery, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_delivery, seq, SQ_I64, 0),
    SQ_F(store_hub_delivery, message_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_delivery, dest_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_delivery, patient_key, SQ_TEXT, 0),
    SQ_F(store_hub_delivery, status, SQ_INT, 0),
    SQ_F(store_hub_delivery, attempts, SQ_INT, 0),
    SQ_F(store_hub_delivery, next_at, SQ_I64, 0),
    SQ_F(store_hub_delivery, last_error, SQ_TEXT, 0),
    SQ_F(store_hub_delivery, created_at, SQ_I64, 0),
    SQ_F(store_hub_delivery, updated_at, SQ_I64, 0),
};
static const sq_field attempt_fields[] = {
    SQ_F(store_hub_attempt, delivery_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_attempt, n, SQ_INT, 0),
    SQ_F(store_hub_attempt, started_at, SQ_I64, 0),
    SQ_F(store_hub_attempt, duration_ms, SQ_I64, 0),
    SQ_F(store_hub_attempt, http_status, SQ_INT, 0),
    SQ_F(store_hub_attempt, error, SQ_TEXT, 0),
};
/* clang-format on */
static const sq_table dest_table = SQ_TABLE("hub destination", store_hub_dest, dest_fields);
static const sq_table route_table = SQ_TABLE("hub route", store_hub_route, route_fields);
static const sq_table delivery_table = SQ_TABLE("hub delivery", store_hub_delivery, delivery_fields);
static const sq_table attempt_table = SQ_TABLE("hub attempt", store_hub_attempt, attempt_fields);

/* An unrouted message, as the router needs it. */
typedef struct unrouted_row {
    char id[STORE_ID_LEN];
    char receiver[STORE_ORGNR_LEN];
    char event[STORE_HUB_EVENT_LEN];
    char patient_key[STORE_HUB_PKEY_LEN];
} unrouted_row;
/* clang-format off */
static const sq_field unrouted_fields[] = {
    SQ_F(unrouted_row, id, SQ_TEXT, 0),
    SQ_F(unrouted_row, receiver, SQ_TEXT, 0),
    SQ_F(unrouted_row, event, SQ_TEXT, 0),
    SQ_F(unrouted_row, patient_key, SQ_TEXT, 0),
};
/* clang-format on */
static const sq_table unrouted_table = SQ_TABLE("hub message", unrouted_row, unrouted_fields);

typedef struct id_row {
    char id[STORE_ID_LEN];
} id_row;
static const sq_field id_fields[] = {SQ_F(id_row, id, SQ_TEXT, 0)};
static const sq_table id_table = SQ_TABLE("hub destination id", id_row, id_fields);

typedef struct counts_row {
    int64_t pending, dead, unrouted;
} counts_row;
/* clang-format off */
static const sq_field counts_fields[] = {
    SQ_F(counts_row, pending, SQ_I64, 0),
    SQ_F(counts_row, dead, SQ_I64, 0),
    SQ_F(counts_row, unrouted, SQ_I64, 0),
};
/* clang-format on */
static const sq_table counts_table = SQ_TABLE("hub counts", counts_row, counts_fields);

/* The audit event of a write, checked and stamped; NULL audit = none. */
static int audit_in_job(sq_conn *c, const store_audit *audit, kn_err *err)
{
    if (!audit)
        return KN_OK;
    store_audit copy = *audit;
    int status = sq_audit_prepare(&copy, err);
    return status == KN_OK ? sq_audit_insert(c, &copy, err) : status;
}

/* ---- destinations ---- */

typedef struct dest_job {
    store_hub_dest *d;
    const store_audit *audit;
} dest_job;

static int dest_put_fn(sq_conn *c, void *arg, kn_err *err)
{
    dest_job *j = arg;
    int status = sq_insert(c, SQL_DEST_PUT, &dest_table, j->d, err);
    if (status != KN_OK)
        return status;
    if (sqlite3_changes(c->db) == 0)
        return kn_err_set(err, KN_ECONFLICT, "hub destination %s belongs to another receiver",
                          j->d->id);
    return audit_in_job(c, j->audit, err);
}

static int dest_check(const store_hub_dest *d, kn_err *err)
{
    if (d->mode != DEST_PUSH && d->mode != DEST_PULL)
        return kn_err_set(err, KN_EINVAL, "hub destination: mode must be push or pull");
    if (d->auth < DEST_AUTH_NONE || d->auth > DEST_AUTH_MTLS)
        return kn_err_set(err, KN_EINVAL, "hub destination: unknown auth");
    if (d->mode == DEST_PUSH && !d->url[0])
        return kn_err_set(err, KN_EINVAL, "hub destination: push needs a url");
    if (d->max_concurrency < 1 || d->max_attempts < 0 || d->backoff_base_ms < 1 ||
        d->backoff_max_ms < d->backoff_base_ms)
        return kn_err_set(err, KN_EINVAL, "hub destination: bad limits");
    return KN_OK;
}

static int sq_dest_put(store *st, store_hub_dest *d, const store_audit *audit, kn_err *err)
{
    if (!d)
        return kn_err_set(err, KN_EINVAL, "hub destination: missing");
    store_hub_dest copy = *d;
    if (!copy.id[0])
        kn_id_new(copy.id);
    if (!copy.created_at)
        copy.created_at = kn_now_s();
    int status = sq_check(&dest_table, &copy, err);
    if (status == KN_OK)
        status = dest_check(&copy, err);
    if (status != KN_OK)
        return status;
    dest_job j = {&copy, audit};
    status = sq_write(SQ(st), dest_put_fn, &j, err);
    if (status == KN_OK) {
        memcpy(d->id, copy.id, sizeof d->id);
        d->created_at = copy.created_at;
    }
    return status;
}

static int sq_dest_get(store *st, const char *id, store_hub_dest *out, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "hub destination", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(id);
    return sq_read_get(SQ(st), SQL_DEST_GET, &key, 1, &dest_table, out, err);
}

static int sq_dest_list(store *st, const char *receiver, store_hub_dest **list, size_t *n,
                        kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "hub destination: no output");
    sq_arg key = SQ_TXT(receiver);
    return sq_read_list(SQ(st), SQL_DEST_LIST, &key, 1, &dest_table, SQ_LIST_MAX, (void **)list,
                        n, err);
}

/* ---- routes ---- */

typedef struct route_job {
    const store_hub_route *r;
    const store_audit *audit;
} route_job;

static int route_put_fn(sq_conn *c, void *arg, kn_err *err)
{
    route_job *j = arg;
    store_hub_dest dest;
    sq_arg args[] = {SQ_TXT(j->r->dest_id), SQ_TXT(j->r->receiver)};
    int status = sq_get(c, SQL_DEST_RECEIVER, args, 2, &dest_table, &dest, err);
    if (status == KN_ENOTFOUND)
        return kn_err_set(err, KN_EINVAL, "hub route: no destination %s for receiver %s",
                          j->r->dest_id, j->r->receiver);
    if (status == KN_OK)
        status = sq_insert(c, SQL_ROUTE_PUT, &route_table, j->r, err);
    return status == KN_OK ? audit_in_job(c, j->audit, err) : status;
}

static int route_delete_fn(sq_conn *c, void *arg, kn_err *err)
{
    route_job *j = arg;
    int64_t changes = 0;
    sq_arg args[] = {SQ_TXT(j->r->receiver), SQ_TXT(j->r->event), SQ_TXT(j->r->dest_id)};
    int status = sq_exec(c, SQL_ROUTE_DELETE, args, 3, "hub route", &changes, err);
    if (status == KN_OK && changes == 0)
        return kn_err_set(err, KN_ENOTFOUND, "hub route: not found");
    return status == KN_OK ? audit_in_job(c, j->audit, err) : status;
}

static int route_write(store *st, const store_hub_route *r, const store_audit *audit, sq_fn fn,
                       kn_err *err)
{
    if (!r)
        return kn_err_set(err, KN_EINVAL, "hub route: missing");
    int status = sq_check(&route_table, r, err);
    if (status != KN_OK)
        return status;
    route_job j = {r, audit};
    return sq_write(SQ(st), fn, &j, err);
}

static int sq_route_put(store *st, const store_hub_route *r, const store_audit *audit, kn_err *err)
{
    return route_write(st, r, audit, route_put_fn, err);
}

static int sq_route_delete(store *st, const store_hub_route *r, const store_audit *audit,
                           kn_err *err)
{
    return route_write(st, r, audit, route_delete_fn, err);
}

static int sq_route_list(store *st, const char *receiver, store_hub_route **list, size_t *n,
                         kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "hub route: no output");
    sq_arg key = SQ_TXT(receiver);
    return sq_read_list(SQ(st), SQL_ROUTE_LIST, &key, 1, &route_table, SQ_LIST_MAX,
                        (void **)list, n, err);
}

/* ---- router ---- */

typedef struct routing_job {
    size_t limit;
    size_t routed;
} routing_job;

/* Delivery rows for one message; 0 rows is "no route". */
static int route_one(sq_conn *c, const unrouted_row *m, int64_t now, kn_err *err)
{
    void *dests = NULL;
    size_t ndest = 0;
    sq_arg args[] = {SQ_TXT(m->receiver), SQ_TXT(m->event)};
    int status = sq_list(c, SQL_MATCHING_DESTS, args, 2, &id_table, SQ_LIST_MAX, &dests, &ndest, err);
    for (size_t i = 0; status == KN_OK && i < ndest; i++) {
        char id[STORE_ID_LEN];
        kn_id_new(id);
        sq_arg ins[] = {SQ_TXT(id), SQ_TXT(m->id), SQ_TXT(((id_row *)dests)[i].id),
                        SQ_TXT(m->patient_key), SQ_NUM(now)};
        status = sq_exec(c, SQL_DELIVERY_INSERT, ins, SQ_NARGS(ins), "hub delivery", NULL, err);
    }
    free(dests);
    if (status == KN_OK && ndest == 0)
        kn_log(KN_LOG_WARN, "hub.no_route", "{s:s, s:s, s:s}", "message", m->id, "receiver",
               m->receiver, "event", m->event);
    sq_arg id = SQ_TXT(m->id);
    return status == KN_OK ? sq_exec(c, SQL_MARK_ROUTED, &id, 1, "hub message", NULL, err)
                           : status;
}

static int routing_fn(sq_conn *c, void *arg, kn_err *err)
{
    routing_job *j = arg;
    void *rows = NULL;
    size_t n = 0;
    sq_arg limit = SQ_NUM((int64_t)j->limit);
    int status = sq_list(c, SQL_UNROUTED, &limit, 1, &unrouted_table, j->limit, &rows, &n, err);
    int64_t now = kn_now_ms();
    for (size_t i = 0; status == KN_OK && i < n; i++)
        status = route_one(c, &((unrouted_row *)rows)[i], now, err);
    free(rows);
    j->routed = status == KN_OK ? n : 0;
    return status;
}

static int sq_route_messages(store *st, size_t limit, size_t *routed, kn_err *err)
{
    if (!routed || limit == 0)
        return kn_err_set(err, KN_EINVAL, "hub router: bad arguments");
    routing_job j = {limit > SQ_LIST_MAX ? SQ_LIST_MAX : limit, 0};
    int status = sq_write(SQ(st), routing_fn, &j, err);
    *routed = status == KN_OK ? j.routed : 0;
    return status;
}

/* ---- deliveries ---- */

/* Patient keys seen in the due window: open addressing over 2x the window,
 * slots hold 1 + the index of the key in `keys` (grown on demand). */
#define DUE_SEEN_SLOTS 4096

typedef struct due_read {
    const char *dest_id;
    int64_t now;
    size_t limit;
    store_hub_delivery *list;
    size_t n;
    uint16_t slot[DUE_SEEN_SLOTS];
    char (*keys)[STORE_HUB_PKEY_LEN];
    size_t nkeys, capkeys;
} due_read;

/* 1 when key was already seen (the row is not its patient's head), 0 after
 * recording it, -1 out of memory. */
static int due_seen(due_read *r, const char *key)
{
    uint32_t h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (size_t i = h % DUE_SEEN_SLOTS;; i = (i + 1) % DUE_SEEN_SLOTS) {
        if (!r->slot[i]) {
            if (r->nkeys == r->capkeys) {
                size_t cap = r->capkeys ? r->capkeys * 2 : 64;
                void *p = realloc(r->keys, cap * sizeof *r->keys);
                if (!p)
                    return -1;
                r->keys = p;
                r->capkeys = cap;
            }
            kn_strcpy(r->keys[r->nkeys], sizeof r->keys[0], key);
            r->slot[i] = (uint16_t)++r->nkeys;
            return 0;
        }
        if (strcmp(r->keys[r->slot[i] - 1], key) == 0)
            return 1;
    }
}

static int due_fn(sq_conn *c, void *arg, kn_err *err)
{
    due_read *r = arg;
    sq_arg args[] = {SQ_TXT(r->dest_id), SQ_NUM(DUE_WINDOW)};
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, SQL_DUE_WINDOW, args, 2, &st, err);
    if (status != KN_OK)
        return status;
    int rc = SQLITE_DONE;
    while (r->n < r->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_hub_delivery *d = &r->list[r->n];
        sq_read_row(st, &delivery_table, d);
        int seen = d->patient_key[0] ? due_seen(r, d->patient_key) : 0;
        if (seen < 0) {
            status = kn_err_set(err, KN_ENOMEM, "hub delivery: out of memory");
            break;
        }
        if (!seen && d->next_at <= r->now)
            r->n++;
    }
    if (status == KN_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        status = sq_error(c, rc, "hub delivery", err);
    sq_done(st);
    return status;
}

static int sq_delivery_due(store *st, const char *dest_id, int64_t now, size_t limit,
                           store_hub_delivery **list, size_t *n, kn_err *err)
{
    int status = sq_check_key(dest_id, STORE_ID_LEN, "hub destination", err);
    if (status != KN_OK)
        return status;
    if (!list || !n || limit == 0)
        return kn_err_set(err, KN_EINVAL, "hub delivery: bad list arguments");
    if (limit > DELIVERY_LIST_MAX)
        limit = DELIVERY_LIST_MAX;
    *list = NULL;
    *n = 0;
    due_read *r = calloc(1, sizeof *r);
    store_hub_delivery *rows = r ? calloc(limit, sizeof *rows) : NULL;
    if (!rows) {
        free(r);
        return kn_err_set(err, KN_ENOMEM, "hub delivery: out of memory");
    }
    r->dest_id = dest_id;
    r->now = now;
    r->limit = limit;
    r->list = rows;
    status = sq_read(SQ(st), due_fn, r, 0, err);
    free(r->keys);
    size_t got = r->n;
    free(r);
    if (status != KN_OK) {
        free(rows);
        return status;
    }
    *list = rows;
    *n = got;
    return KN_OK;
}

/* One attempt's result in flight: the store's own copies, freed by result_done. */
typedef struct result_job {
    sq_job job;
    store_hub_delivery d;
    store_hub_attempt a;
    int success, dead, has_audit;
    int64_t next_at;
    store_audit audit;
    store_done_fn done;
    void *cls;
} result_job;

static int result_message(sq_conn *c, const result_job *j, int64_t now, kn_err *err)
{
    if (!j->success && !j->dead)
        return KN_OK;
    sq_arg args[] = {SQ_TXT(j->d.message_id), SQ_NUM(now)};
    return sq_exec(c, j->success ? SQL_MESSAGE_DELIVERED : SQL_MESSAGE_FAILED, args, 2,
                   "hub message", NULL, err);
}

static int result_fn(sq_conn *c, void *arg, kn_err *err)
{
    result_job *j = arg;
    int64_t now = kn_now_ms(), changes = 0;
    int status = sq_insert(c, SQL_ATTEMPT_INSERT, &attempt_table, &j->a, err);
    if (status != KN_OK)
        return status;
    const char *sql = j->success ? SQL_DELIVERY_DONE : j->dead ? SQL_DELIVERY_DEAD : SQL_DELIVERY_RETRY;
    sq_arg args[] = {SQ_TXT(j->d.id), SQ_NUM(now), SQ_TXT(j->a.error), SQ_NUM(j->next_at)};
    size_t nargs = j->success ? 2 : j->dead ? 3 : 4;
    status = sq_exec(c, sql, args, nargs, "hub delivery", &changes, err);
    if (status == KN_OK && changes == 0)
        return kn_err_set(err, KN_ECONFLICT, "hub delivery %s is not pending", j->d.id);
    if (status == KN_OK)
        status = result_message(c, j, now, err);
    return status == KN_OK ? audit_in_job(c, j->has_audit ? &j->audit : NULL, err) : status;
}

static void result_done(void *cls, int status, const kn_err *err)
{
    result_job *j = cls;
    j->done(j->cls, status, err);
    free(j);
}

static int sq_delivery_result_async(store *st, const store_hub_delivery *d,
                                    const store_hub_attempt *a, int success, int dead,
                                    int64_t next_at, const store_audit *audit, store_done_fn done,
                                    void *cls, kn_err *err)
{
    if (!d || !a || !done)
        return kn_err_set(err, KN_EINVAL, "hub delivery: delivery, attempt and done required");
    int status = sq_check(&attempt_table, a, err);
    if (status != KN_OK)
        return status;
    result_job *j = calloc(1, sizeof *j);
    if (!j)
        return kn_err_set(err, KN_ENOMEM, "hub delivery: out of memory");
    *j = (result_job){.d = *d, .a = *a, .success = success, .dead = dead, .next_at = next_at,
                      .has_audit = audit != NULL, .done = done, .cls = cls};
    if (audit)
        j->audit = *audit;
    j->job = (sq_job){.fn = result_fn, .arg = j, .done = result_done, .cls = j};
    status = sq_write_async(SQ(st), &j->job, err);
    if (status != KN_OK)
        free(j);
    return status;
}

static int sq_delivery_result(store *st, const store_hub_delivery *d, const store_hub_attempt *a,
                              int success, int dead, int64_t next_at, const store_audit *audit,
                              kn_err *err)
{
    store_waiter w;
    store_waiter_init(&w);
    int status = sq_delivery_result_async(st, d, a, success, dead, next_at, audit,
                                          store_waiter_done, &w, err);
    if (status != KN_OK) {
        store_waiter_destroy(&w);
        return status;
    }
    return store_waiter_wait(&w, err);
}

static int sq_delivery_list(store *st, const char *message_id, store_hub_delivery **list,
                            size_t *n, kn_err *err)
{
    int status = sq_check_key(message_id, STORE_ID_LEN, "hub message", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(message_id);
    return sq_read_list(SQ(st), SQL_DELIVERY_LIST, &key, 1, &delivery_table, DELIVERY_LIST_MAX,
                        (void **)list, n, err);
}

static int sq_attempt_list(store *st, const char *delivery_id, store_hub_attempt **list,
                           size_t *n, kn_err *err)
{
    int status = sq_check_key(delivery_id, STORE_ID_LEN, "hub delivery", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(delivery_id);
    return sq_read_list(SQ(st), SQL_ATTEMPT_LIST, &key, 1, &attempt_table, DELIVERY_LIST_MAX,
                        (void **)list, n, err);
}

static int sq_dead_list(store *st, const char *receiver, size_t offset, size_t limit,
                        store_hub_delivery **list, size_t *n, kn_err *err)
{
    int status = sq_check_key(receiver, STORE_ORGNR_LEN, "hub receiver", err);
    if (status != KN_OK)
        return status;
    if (!list || !n || limit == 0 || offset > (size_t)INT64_MAX)
        return kn_err_set(err, KN_EINVAL, "hub dead letters: bad list arguments");
    if (limit > DELIVERY_LIST_MAX)
        limit = DELIVERY_LIST_MAX;
    sq_arg args[] = {SQ_TXT(receiver), SQ_NUM((int64_t)limit), SQ_NUM((int64_t)offset)};
    return sq_read_list(SQ(st), SQL_DEAD_LIST, args, 3, &delivery_table, limit, (void **)list, n,
                        err);
}

typedef struct requeue_job {
    const char *delivery_id;
    const char *body;
    size_t body_len;
    const store_audit *audit;
} requeue_job;

static int requeue_body(sq_conn *c, const char *message_id, const requeue_job *j, int64_t now,
                        kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = sq_prepare(c, SQL_MESSAGE_BODY, &st, err);
    if (status != KN_OK)
        return status;
    sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, j->body, (int)j->body_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    status = rc == SQLITE_DONE ? KN_OK : sq_error(c, rc, "hub message body", err);
    sq_done(st);
    return status;
}

static int requeue_fn(sq_conn *c, void *arg, kn_err *err)
{
    requeue_job *j = arg;
    store_hub_delivery d;
    sq_arg key = SQ_TXT(j->delivery_id);
    int status = sq_get(c, SQL_DELIVERY_GET, &key, 1, &delivery_table, &d, err);
    if (status != KN_OK)
        return status;
    if (d.status != DELIVERY_DEAD)
        return kn_err_set(err, KN_ECONFLICT, "hub delivery %s is not dead-lettered", d.id);
    int64_t now = kn_now_ms();
    if (j->body)
        status = requeue_body(c, d.message_id, j, now, err);
    sq_arg dargs[] = {SQ_TXT(d.id), SQ_NUM(now)};
    if (status == KN_OK)
        status = sq_exec(c, SQL_DELIVERY_REQUEUE, dargs, 2, "hub delivery", NULL, err);
    sq_arg margs[] = {SQ_TXT(d.message_id), SQ_NUM(now)};
    if (status == KN_OK)
        status = sq_exec(c, SQL_MESSAGE_REQUEUED, margs, 2, "hub message", NULL, err);
    return status == KN_OK ? audit_in_job(c, j->audit, err) : status;
}

static int sq_delivery_requeue(store *st, const char *delivery_id, const char *new_body,
                               size_t new_body_len, const store_audit *audit, kn_err *err)
{
    int status = sq_check_key(delivery_id, STORE_ID_LEN, "hub delivery", err);
    if (status != KN_OK)
        return status;
    if (new_body && (new_body_len == 0 || new_body_len > INT32_MAX))
        return kn_err_set(err, KN_EINVAL, "hub delivery: bad new body");
    requeue_job j = {delivery_id, new_body, new_body_len, audit};
    return sq_write(SQ(st), requeue_fn, &j, err);
}

static int sq_delivery_get(store *st, const char *id, store_hub_delivery *out, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "hub delivery", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(id);
    return sq_read_get(SQ(st), SQL_DELIVERY_GET, &key, 1, &delivery_table, out, err);
}

static int sq_outbox_counts(store *st, int64_t *pending, int64_t *dead, int64_t *unrouted,
                            kn_err *err)
{
    counts_row row;
    int status = sq_read_get(SQ(st), SQL_COUNTS, NULL, 0, &counts_table, &row, err);
    if (status != KN_OK)
        return status;
    *pending = row.pending;
    *dead = row.dead;
    *unrouted = row.unrouted;
    return KN_OK;
}

const struct store_outbox_ops sq_outbox_ops = {
    .dest_put = sq_dest_put,
    .dest_get = sq_dest_get,
    .dest_list = sq_dest_list,
    .route_put = sq_route_put,
    .route_delete = sq_route_delete,
    .route_list = sq_route_list,
    .route_messages = sq_route_messages,
    .delivery_due = sq_delivery_due,
    .delivery_result = sq_delivery_result,
    .delivery_list = sq_delivery_list,
    .attempt_list = sq_attempt_list,
    .dead_list = sq_dead_list,
    .delivery_requeue = sq_delivery_requeue,
    .delivery_result_async = sq_delivery_result_async,
    .delivery_get = sq_delivery_get,
    .counts = sq_outbox_counts,
};
