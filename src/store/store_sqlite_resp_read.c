/* store_sqlite_resp_read.c - the response service's reads (store_resp.h):
 * alarm get and lists, event replay, due timers, pending journaling,
 * statistics rows, device lookup and the hub messages the intake follows.
 *
 * Lists over several municipalities (a response centre serves many) are read
 * per municipality, each an ordered range of its index with a LIMIT, and
 * merged in memory: SQLite cannot merge ordered index ranges of an IN list
 * and would sort every open alarm instead. The alarm queue first merges small
 * keys (rid, priority, received_at, id), then reads the page's rows by rid.
 * A list reads in one snapshot, so its page and total agree.
 */
#include "store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#define RESP_MUNIS_MAX 64       /* municipalities in one list call */
#define RESP_OFFSET_MAX 1000000 /* deepest queue page */
#define RESP_STAT_MAX 500000

#define ALARM_SELECT "SELECT " SQ_RESP_ALARM_COLS " FROM resp_alarms WHERE "
#define EVENT_SELECT "SELECT " SQ_RESP_EVENT_COLS " FROM resp_events WHERE "
#define KEY_SELECT "SELECT rid, priority, received_at, id FROM resp_alarms WHERE municipality = ?1"
#define COUNT_SELECT "SELECT count(*) FROM resp_alarms WHERE municipality = ?1"
#define RANGE " AND received_at >= ?3 AND received_at < ?4"
#define QUEUE_ORDER " ORDER BY priority, received_at, id LIMIT ?5"
#define RECENT_ORDER " ORDER BY received_at DESC, id DESC LIMIT ?5"
#define OPEN " AND state <> 5"
#define CITIZEN " AND citizen_id = ?2"

static const char SQL_ALARM_GET[] = ALARM_SELECT "id = ?1";
static const char SQL_ALARM_BY_RID[] = ALARM_SELECT "rid = ?1";
/* the queue walks its partial index in order (INDEXED BY: with a time range
 * the planner would pick the received_at index and sort every open alarm) */
static const char SQL_KEYS_OPEN[] =
    "SELECT rid, priority, received_at, id FROM resp_alarms INDEXED BY resp_alarms_queue"
    " WHERE municipality = ?1" OPEN RANGE QUEUE_ORDER;
static const char SQL_KEYS_OPEN_CITIZEN[] = KEY_SELECT OPEN CITIZEN RANGE QUEUE_ORDER;
static const char SQL_KEYS_ALL[] = KEY_SELECT RANGE RECENT_ORDER;
static const char SQL_KEYS_ALL_CITIZEN[] = KEY_SELECT CITIZEN RANGE RECENT_ORDER;
static const char SQL_COUNT_OPEN[] = COUNT_SELECT OPEN RANGE;
static const char SQL_COUNT_OPEN_CITIZEN[] = COUNT_SELECT OPEN CITIZEN RANGE;
static const char SQL_COUNT_ALL[] = COUNT_SELECT RANGE;
static const char SQL_COUNT_ALL_CITIZEN[] = COUNT_SELECT CITIZEN RANGE;
static const char SQL_OPEN_COUNTER[] = "SELECT open FROM resp_alarm_counts WHERE municipality = ?1";
static const char SQL_TOTAL_COUNTER[] =
    "SELECT total FROM resp_alarm_counts WHERE municipality = ?1";
static const char SQL_MUNIS[] = "SELECT municipality FROM resp_alarm_counts ORDER BY municipality";
static const char SQL_EVENTS_AFTER[] =
    EVENT_SELECT "municipality = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
/* Periodic kinds (a flood's repeats, reminders) are kept to their newest
 * STORE_RESP_PERIODIC_KEPT each, so the operator's own steps always fit. */
#define PERIODIC_NEWEST(kind)                                                                      \
    "seq IN (SELECT seq FROM resp_events WHERE alarm_id = ?1 AND kind = '" kind "'"                \
    " ORDER BY seq DESC LIMIT 20)"
_Static_assert(STORE_RESP_PERIODIC_KEPT == 20, "the LIMIT in PERIODIC_NEWEST");
static const char SQL_EVENTS_ALARM[] =
    EVENT_SELECT "alarm_id = ?1 AND (kind NOT IN ('repeated', 'renotified')"
                 " OR " PERIODIC_NEWEST("repeated") " OR " PERIODIC_NEWEST("renotified") ")"
                 " ORDER BY seq LIMIT ?2";
static const char SQL_EVENT_LAST[] = "SELECT coalesce(max(seq), 0) FROM resp_events";
static const char SQL_TIMERS_DUE[] =
    ALARM_SELECT "state <> 5 AND next_timer_at > 0 AND next_timer_at <= ?1"
                 " ORDER BY next_timer_at LIMIT ?2";
static const char SQL_JOURNAL_PENDING[] =
    ALARM_SELECT "journal = 1 ORDER BY closed_at, id LIMIT ?1";
static const char SQL_STAT_ROWS[] =
    "SELECT municipality, citizen_id, priority, technical, state, outcome, received_at,"
    " claimed_at, acked_at, closed_at, callout_requested_at, callout_started_at, callout_done_at"
    " FROM resp_alarms WHERE municipality = ?1 AND received_at >= ?2 AND received_at < ?3"
    " ORDER BY received_at LIMIT ?4";
/* columns in the order of sq_device_table and sq_hub_message_row */
static const char SQL_DEVICE_FIND[] =
    "SELECT id, municipality, citizen_id, type, serial, supplier_orgnr, created_at FROM devices"
    " WHERE municipality = ?1 AND (id = ?2 OR serial = ?2) ORDER BY id = ?2 DESC, rowid LIMIT 1";
static const char SQL_HUB_AFTER[] =
    "SELECT id, seq, receiver, sender_client, kind, event, idem_key, patient_key, status, routed,"
    " created_at, updated_at, body FROM hub_messages WHERE seq > ?1 ORDER BY seq LIMIT ?2";

/* One alarm of a list in list order (the queue's or the newest-first one). */
typedef struct alarm_key {
    int64_t rid, priority, received_at;
    char id[STORE_ID_LEN];
} alarm_key;

typedef struct num_row {
    int64_t n;
} num_row;

typedef struct muni_row {
    char municipality[STORE_ORGNR_LEN];
} muni_row;

/* clang-format off */
static const sq_field key_fields[] = {
    SQ_F(alarm_key, rid, SQ_I64, 0),
    SQ_F(alarm_key, priority, SQ_I64, 0),
    SQ_F(alarm_key, received_at, SQ_I64, 0),
    SQ_F(alarm_key, id, SQ_TEXT, 0),
};
static const sq_field num_fields[] = {SQ_F(num_row, n, SQ_I64, 0)};
static const sq_field muni_fields[] = {SQ_F(muni_row, municipality, SQ_TEXT, 0)};
static const sq_field stat_fields[] = {
    SQ_F(store_resp_stat_row, municipality, SQ_TEXT, 0),
    SQ_F(store_resp_stat_row, citizen_id, SQ_TEXT, 0),
    SQ_F(store_resp_stat_row, priority, SQ_INT, 0),
    SQ_F(store_resp_stat_row, technical, SQ_INT, 0),
    SQ_F(store_resp_stat_row, state, SQ_INT, 0),
    SQ_F(store_resp_stat_row, outcome, SQ_INT, 0),
    SQ_F(store_resp_stat_row, received_at, SQ_I64, 0),
    SQ_F(store_resp_stat_row, claimed_at, SQ_I64, 0),
    SQ_F(store_resp_stat_row, acked_at, SQ_I64, 0),
    SQ_F(store_resp_stat_row, closed_at, SQ_I64, 0),
    SQ_F(store_resp_stat_row, callout_requested_at, SQ_I64, 0),
    SQ_F(store_resp_stat_row, callout_started_at, SQ_I64, 0),
    SQ_F(store_resp_stat_row, callout_done_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table key_table = SQ_TABLE("alarm", alarm_key, key_fields);
static const sq_table num_table = SQ_TABLE("alarm count", num_row, num_fields);
static const sq_table muni_table = SQ_TABLE("alarm municipality", muni_row, muni_fields);
static const sq_table stat_table = SQ_TABLE("alarm statistics", store_resp_stat_row, stat_fields);

static int check_munis(const char *const *munis, size_t n, int required, kn_err *err)
{
    if ((required && n == 0) || n > RESP_MUNIS_MAX || (n && !munis))
        return kn_err_set(err, KN_EINVAL, "alarm: 1..%d municipalities", RESP_MUNIS_MAX);
    for (size_t i = 0; i < n; i++) {
        int status = sq_check_key(munis[i], STORE_ORGNR_LEN, "alarm municipality", err);
        if (status != KN_OK)
            return status;
    }
    return KN_OK;
}

/* Append the rows of sql(args) (at most max) to *arr (*n rows of t->size). */
static int append_rows(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs,
                       const sq_table *t, size_t max, void **arr, size_t *n, kn_err *err)
{
    void *rows = NULL;
    size_t nrows = 0;
    int status = sq_list(c, sql, args, nargs, t, max, &rows, &nrows, err);
    if (status != KN_OK)
        return status;
    if (*arr == NULL) {
        *arr = rows;
        *n = nrows;
        return KN_OK;
    }
    char *grown = nrows ? realloc(*arr, (*n + nrows) * t->size) : *arr;
    if (!grown) {
        free(rows);
        return kn_err_set(err, KN_ENOMEM, "%s: out of memory", t->what);
    }
    memcpy(grown + *n * t->size, rows, nrows * t->size);
    *arr = grown;
    *n += nrows;
    free(rows);
    return KN_OK;
}

static int64_t scalar_or_zero(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs,
                              int *status, kn_err *err)
{
    num_row row = {0};
    *status = sq_get(c, sql, args, nargs, &num_table, &row, err);
    if (*status == KN_ENOTFOUND) {
        kn_err_clear(err);
        *status = KN_OK;
    }
    return row.n;
}

/* ---- alarms ---- */

int sq_resp_alarm_get(store *st, const char *id, store_resp_alarm *out, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "alarm", err);
    if (status != KN_OK)
        return status;
    if (!out)
        return kn_err_set(err, KN_EINVAL, "alarm: no output");
    sq_arg key = SQ_TXT(id);
    status = sq_read_get(SQ(st), SQL_ALARM_GET, &key, 1, &sq_resp_alarm_table, out, err);
    if (status == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "alarm %s not found", id);
    return status;
}

typedef struct list_read {
    const store_resp_filter *f;
    const char *keys_sql, *count_sql;
    size_t want; /* offset + limit keys per municipality */
    alarm_key *keys;
    size_t nkeys;
    store_resp_alarm *list;
    size_t n;
    int64_t total;
} list_read;

static int cmp_queue(const void *pa, const void *pb)
{
    const alarm_key *a = pa, *b = pb;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    if (a->received_at != b->received_at)
        return a->received_at < b->received_at ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int cmp_recent(const void *a, const void *b)
{
    const alarm_key *x = a, *y = b;
    if (x->received_at != y->received_at)
        return x->received_at > y->received_at ? -1 : 1;
    return -strcmp(x->id, y->id);
}

/* Keys and count of every municipality of the filter. */
static int list_keys(sq_conn *c, list_read *r, kn_err *err)
{
    const store_resp_filter *f = r->f;
    int64_t to = f->to_ms > 0 ? f->to_ms : INT64_MAX;
    int status = KN_OK;
    for (size_t i = 0; i < f->n_munis && status == KN_OK; i++) {
        sq_arg args[] = {SQ_TXT(f->municipalities[i]), SQ_TXT(f->citizen_id), SQ_NUM(f->from_ms),
                         SQ_NUM(to), SQ_NUM((int64_t)r->want)};
        status = append_rows(c, r->keys_sql, args, SQ_NARGS(args), &key_table, r->want,
                             (void **)&r->keys, &r->nkeys, err);
        int counter = r->count_sql == SQL_OPEN_COUNTER || r->count_sql == SQL_TOTAL_COUNTER;
        size_t ncount = counter ? 1 : 4; /* ?1 only, or ?1..?4 */
        if (status == KN_OK)
            r->total += scalar_or_zero(c, r->count_sql, args, ncount, &status, err);
    }
    return status;
}

static int list_fn(sq_conn *c, void *arg, kn_err *err)
{
    list_read *r = arg;
    int status = list_keys(c, r, err);
    if (status != KN_OK)
        return status;
    qsort(r->keys, r->nkeys, sizeof *r->keys, r->f->open_only ? cmp_queue : cmp_recent);
    size_t from = r->f->offset < r->nkeys ? r->f->offset : r->nkeys;
    size_t count = r->nkeys - from < r->f->limit ? r->nkeys - from : r->f->limit;
    r->list = calloc(count ? count : 1, sizeof *r->list);
    if (!r->list)
        return kn_err_set(err, KN_ENOMEM, "alarm: out of memory");
    for (r->n = 0; r->n < count; r->n++) {
        sq_arg rid = SQ_NUM(r->keys[from + r->n].rid);
        status = sq_get(c, SQL_ALARM_BY_RID, &rid, 1, &sq_resp_alarm_table, &r->list[r->n], err);
        if (status != KN_OK)
            return status;
    }
    return KN_OK;
}

/* The statements for a filter: keys in list order, and the count. */
static void list_sql(const store_resp_filter *f, list_read *r)
{
    int citizen = f->citizen_id != NULL, range = f->from_ms || f->to_ms;
    if (f->open_only) {
        r->keys_sql = citizen ? SQL_KEYS_OPEN_CITIZEN : SQL_KEYS_OPEN;
        r->count_sql = citizen ? SQL_COUNT_OPEN_CITIZEN : range ? SQL_COUNT_OPEN : SQL_OPEN_COUNTER;
    } else {
        r->keys_sql = citizen ? SQL_KEYS_ALL_CITIZEN : SQL_KEYS_ALL;
        r->count_sql = citizen ? SQL_COUNT_ALL_CITIZEN : range ? SQL_COUNT_ALL : SQL_TOTAL_COUNTER;
    }
}

int sq_resp_alarm_list(store *st, const store_resp_filter *f, store_resp_alarm **list, size_t *n,
                       int64_t *total, kn_err *err)
{
    if (!f || !list || !n || f->limit == 0 || f->limit > STORE_RESP_PAGE_MAX ||
        f->offset > RESP_OFFSET_MAX)
        return kn_err_set(err, KN_EINVAL, "alarm: bad list arguments (limit 1..%d)",
                          STORE_RESP_PAGE_MAX);
    int status = check_munis(f->municipalities, f->n_munis, 1, err);
    if (status == KN_OK && f->citizen_id)
        status = sq_check_key(f->citizen_id, STORE_ID_LEN, "alarm citizen", err);
    if (status != KN_OK)
        return status;
    list_read r = {.f = f, .want = f->offset + f->limit};
    list_sql(f, &r);
    status = sq_read(SQ(st), list_fn, &r, 1, err);
    free(r.keys);
    if (status != KN_OK) {
        free(r.list);
        return status;
    }
    *list = r.list;
    *n = r.n;
    if (total)
        *total = r.total;
    return KN_OK;
}

int sq_resp_timers_due(store *st, int64_t now, size_t limit, store_resp_alarm **list, size_t *n,
                       kn_err *err)
{
    if (!list || !n || limit == 0 || limit > STORE_RESP_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "alarm: timers limit 1..%d", STORE_RESP_PAGE_MAX);
    sq_arg args[] = {SQ_NUM(now), SQ_NUM((int64_t)limit)};
    return sq_read_list(SQ(st), SQL_TIMERS_DUE, args, SQ_NARGS(args), &sq_resp_alarm_table, limit,
                        (void **)list, n, err);
}

int sq_resp_journal_pending(store *st, size_t limit, store_resp_alarm **list, size_t *n,
                            kn_err *err)
{
    if (!list || !n || limit == 0 || limit > STORE_RESP_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "alarm: journal limit 1..%d", STORE_RESP_PAGE_MAX);
    sq_arg arg = SQ_NUM((int64_t)limit);
    return sq_read_list(SQ(st), SQL_JOURNAL_PENDING, &arg, 1, &sq_resp_alarm_table, limit,
                        (void **)list, n, err);
}

/* ---- events ---- */

static int cmp_seq(const void *a, const void *b)
{
    int64_t x = ((const store_resp_event *)a)->seq, y = ((const store_resp_event *)b)->seq;
    return x < y ? -1 : x > y;
}

typedef struct event_read {
    const char *const *munis;
    size_t n_munis;
    int64_t after;
    size_t limit;
    store_resp_event *list;
    size_t n;
} event_read;

static int events_fn(sq_conn *c, void *arg, kn_err *err)
{
    event_read *r = arg;
    int status = KN_OK;
    for (size_t i = 0; i < r->n_munis && status == KN_OK; i++) {
        sq_arg args[] = {SQ_TXT(r->munis[i]), SQ_NUM(r->after), SQ_NUM((int64_t)r->limit)};
        status = append_rows(c, SQL_EVENTS_AFTER, args, SQ_NARGS(args), &sq_resp_event_table,
                             r->limit, (void **)&r->list, &r->n, err);
    }
    return status;
}

int sq_resp_event_list(store *st, const char *const *municipalities, size_t n_munis,
                       int64_t after_seq, size_t limit, store_resp_event **list, size_t *n,
                       kn_err *err)
{
    if (!list || !n || limit == 0 || limit > STORE_RESP_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "alarm event: limit 1..%d", STORE_RESP_PAGE_MAX);
    int status = check_munis(municipalities, n_munis, 1, err);
    if (status != KN_OK)
        return status;
    event_read r = {municipalities, n_munis, after_seq, limit, NULL, 0};
    status = sq_read(SQ(st), events_fn, &r, 1, err);
    if (status != KN_OK) {
        free(r.list);
        return status;
    }
    qsort(r.list, r.n, sizeof *r.list, cmp_seq);
    *list = r.list;
    *n = r.n < limit ? r.n : limit;
    return KN_OK;
}

int sq_resp_event_list_alarm(store *st, const char *alarm_id, store_resp_event **list, size_t *n,
                             kn_err *err)
{
    int status = sq_check_key(alarm_id, STORE_ID_LEN, "alarm", err);
    if (status != KN_OK)
        return status;
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "alarm event: no output");
    sq_arg args[] = {SQ_TXT(alarm_id), SQ_NUM(STORE_RESP_PAGE_MAX)};
    return sq_read_list(SQ(st), SQL_EVENTS_ALARM, args, SQ_NARGS(args), &sq_resp_event_table,
                        STORE_RESP_PAGE_MAX, (void **)list, n, err);
}

int sq_resp_event_last_seq(store *st, int64_t *seq, kn_err *err)
{
    if (!seq)
        return kn_err_set(err, KN_EINVAL, "alarm event: no output");
    num_row row = {0};
    int status = sq_read_get(SQ(st), SQL_EVENT_LAST, NULL, 0, &num_table, &row, err);
    if (status == KN_OK)
        *seq = row.n;
    return status;
}

/* ---- statistics ---- */

typedef struct stat_read {
    const char *const *munis;
    size_t n_munis;
    int64_t from, to;
    size_t limit;
    store_resp_stat_row *list;
    size_t n;
} stat_read;

static int stat_fn(sq_conn *c, void *arg, kn_err *err)
{
    stat_read *r = arg;
    muni_row *all = NULL;
    size_t nall = 0;
    int status = KN_OK;
    if (r->n_munis == 0) { /* every municipality that ever had an alarm */
        status =
            sq_list(c, SQL_MUNIS, NULL, 0, &muni_table, SQ_LIST_MAX, (void **)&all, &nall, err);
        r->n_munis = nall;
    }
    for (size_t i = 0; i < r->n_munis && r->n < r->limit && status == KN_OK; i++) {
        const char *m = all ? all[i].municipality : r->munis[i];
        sq_arg args[] = {SQ_TXT(m), SQ_NUM(r->from), SQ_NUM(r->to),
                         SQ_NUM((int64_t)(r->limit - r->n))};
        status = append_rows(c, SQL_STAT_ROWS, args, SQ_NARGS(args), &stat_table, r->limit - r->n,
                             (void **)&r->list, &r->n, err);
    }
    free(all);
    return status;
}

int sq_resp_stat_rows(store *st, const char *const *municipalities, size_t n_munis, int64_t from,
                      int64_t to, size_t limit, store_resp_stat_row **list, size_t *n, kn_err *err)
{
    if (!list || !n || limit == 0 || limit > RESP_STAT_MAX)
        return kn_err_set(err, KN_EINVAL, "alarm statistics: limit 1..%d", RESP_STAT_MAX);
    int status = check_munis(municipalities, municipalities ? n_munis : 0, 0, err);
    if (status != KN_OK)
        return status;
    stat_read r = {municipalities,
                   municipalities ? n_munis : 0,
                   from,
                   to > 0 ? to : INT64_MAX,
                   limit,
                   NULL,
                   0};
    status = sq_read(SQ(st), stat_fn, &r, 1, err);
    if (status == KN_OK && !r.list && !(r.list = calloc(1, sizeof *r.list)))
        status = kn_err_set(err, KN_ENOMEM, "alarm statistics: out of memory");
    if (status != KN_OK) {
        free(r.list);
        return status;
    }
    *list = r.list;
    *n = r.n;
    return KN_OK;
}

/* ---- devices and hub messages ---- */

int sq_resp_device_find(store *st, const char *municipality, const char *id_or_serial,
                        store_device *out, kn_err *err)
{
    int status = sq_check_key(municipality, STORE_ORGNR_LEN, "device municipality", err);
    if (status == KN_OK)
        status = sq_check_key(id_or_serial, sizeof out->serial, "device", err);
    if (status != KN_OK)
        return status;
    if (!out)
        return kn_err_set(err, KN_EINVAL, "device: no output");
    sq_arg args[] = {SQ_TXT(municipality), SQ_TXT(id_or_serial)};
    status = sq_read_get(SQ(st), SQL_DEVICE_FIND, args, SQ_NARGS(args), &sq_device_table, out, err);
    if (status == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "device not found");
    return status;
}

typedef struct hub_read {
    int64_t after;
    size_t limit;
    store_hub_message *list;
    size_t n;
} hub_read;

static int hub_fn(sq_conn *c, void *arg, kn_err *err)
{
    hub_read *r = arg;
    sq_arg args[] = {SQ_NUM(r->after), SQ_NUM((int64_t)r->limit)};
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, SQL_HUB_AFTER, args, SQ_NARGS(args), &st, err);
    if (status != KN_OK)
        return status;
    r->list = calloc(r->limit, sizeof *r->list);
    int rc = SQLITE_DONE;
    while (r->list && r->n < r->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sq_hub_message_row(st, &r->list[r->n]) != KN_OK)
            break;
        r->n++;
    }
    if (!r->list || (rc == SQLITE_ROW && r->n < r->limit))
        status = kn_err_set(err, KN_ENOMEM, "hub message: out of memory");
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        status = sq_error(c, rc, "hub message", err);
    sq_done(st);
    return status;
}

int sq_resp_hub_messages_after(store *st, int64_t after_seq, size_t limit, store_hub_message **list,
                               size_t *n, kn_err *err)
{
    if (!list || !n || limit == 0 || limit > STORE_RESP_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "hub message: limit 1..%d", STORE_RESP_PAGE_MAX);
    hub_read r = {after_seq, limit, NULL, 0};
    int status = sq_read(SQ(st), hub_fn, &r, 0, err);
    if (status != KN_OK) {
        store_hub_message_list_free(r.list, r.n);
        return status;
    }
    *list = r.list;
    *n = r.n;
    return KN_OK;
}
