/* store_sqlite_resp.c - the response service's storage (struct store_resp_ops
 * in store_resp.h) on SQLite: the alarm and event record tables and the
 * alarm writes (create with its merge rules, compare-and-set update, journal
 * state); the ops table is at the end. The schema is in
 * store_sqlite_resp_schema.c, reads in store_sqlite_resp_read.c, heartbeats
 * and the hub cursor in store_sqlite_resp_hb.c, routing rules and profiles in
 * store_sqlite_resp_rule.c.
 *
 * Each write is one group-commit job on the writer thread that works on the
 * store's own copy of the records: events are inserted first (their seq comes
 * from AUTOINCREMENT, so it increases in commit order), then the alarm row
 * with last_seq, then the audit event. The job's done function copies the
 * results into the caller's records and only then calls the caller's done,
 * after COMMIT; a failed job changed nothing, neither in the database (its
 * savepoint is rolled back) nor in the caller's records.
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

#define RESP_JOB_EVENTS_MAX 64 /* events one write may append */

/* clang-format off */
static const sq_field alarm_fields[] = {
    SQ_F(store_resp_alarm, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_alarm, version, SQ_I64, 0),
    SQ_F(store_resp_alarm, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_alarm, citizen_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_alarm, citizen_name, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, address, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, device_id, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, source, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_alarm, external_id, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, hub_message_id, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, alert_code, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, severity, SQ_INT, 0),
    SQ_F(store_resp_alarm, triage, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, priority, SQ_INT, 0),
    SQ_F(store_resp_alarm, technical, SQ_INT, 0),
    SQ_F(store_resp_alarm, state, SQ_INT, 0),
    SQ_F(store_resp_alarm, outcome, SQ_INT, 0),
    SQ_F(store_resp_alarm, callout, SQ_INT, 0),
    SQ_F(store_resp_alarm, callout_team, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, claimed_by, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, claimed_by_name, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, occurred_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, received_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, claimed_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, acked_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, closed_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, callout_requested_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, callout_started_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, callout_done_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, has_position, SQ_INT, 0),
    SQ_F(store_resp_alarm, lat, SQ_I64, 0),  /* the double's bits */
    SQ_F(store_resp_alarm, lon, SQ_I64, 0),
    SQ_F(store_resp_alarm, battery, SQ_INT, 0),
    SQ_F(store_resp_alarm, repeats, SQ_INT, 0),
    SQ_F(store_resp_alarm, route_step, SQ_INT, 0),
    SQ_F(store_resp_alarm, escalations, SQ_INT, 0),
    SQ_F(store_resp_alarm, next_timer_at, SQ_I64, 0),
    SQ_F(store_resp_alarm, text, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, journal, SQ_INT, 0),
    SQ_F(store_resp_alarm, journal_message_id, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, journal_error, SQ_TEXT, 0),
    SQ_F(store_resp_alarm, last_seq, SQ_I64, 0),
};
static const sq_field event_fields[] = {
    SQ_F(store_resp_event, seq, SQ_I64, SQ_NULL),
    SQ_F(store_resp_event, alarm_id, SQ_TEXT, 0),
    SQ_F(store_resp_event, municipality, SQ_TEXT, 0),
    SQ_F(store_resp_event, at, SQ_I64, 0),
    SQ_F(store_resp_event, kind, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_event, vkp_event, SQ_INT, 0),
    SQ_F(store_resp_event, actor_id, SQ_TEXT, 0),
    SQ_F(store_resp_event, actor_name, SQ_TEXT, 0),
    SQ_F(store_resp_event, text, SQ_TEXT, 0),
};
/* clang-format on */
const sq_table sq_resp_alarm_table = SQ_TABLE("alarm", store_resp_alarm, alarm_fields);
const sq_table sq_resp_event_table = SQ_TABLE("alarm event", store_resp_event, event_fields);

_Static_assert(sizeof(double) == sizeof(int64_t), "lat/lon are stored as 64-bit patterns");

#define ALARM_SELECT "SELECT " SQ_RESP_ALARM_COLS " FROM resp_alarms WHERE "

static const char SQL_ALARM_INSERT[] =
    "INSERT INTO resp_alarms(" SQ_RESP_ALARM_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* Bound like the insert (field n is ?n); id (1), municipality (3), citizen_id
 * (4) and received_at (23) are never changed; ?2 is the new version. */
static const char SQL_ALARM_UPDATE[] =
    "UPDATE resp_alarms SET version = ?2, citizen_name = ?5, address = ?6, device_id = ?7,"
    " source = ?8, external_id = ?9, hub_message_id = ?10, alert_code = ?11, severity = ?12,"
    " triage = ?13, priority = ?14, technical = ?15, state = ?16, outcome = ?17, callout = ?18,"
    " callout_team = ?19, claimed_by = ?20, claimed_by_name = ?21, occurred_at = ?22,"
    " claimed_at = ?24, acked_at = ?25, closed_at = ?26, callout_requested_at = ?27,"
    " callout_started_at = ?28, callout_done_at = ?29, has_position = ?30, lat_bits = ?31,"
    " lon_bits = ?32, battery = ?33, repeats = ?34, route_step = ?35, escalations = ?36,"
    " next_timer_at = ?37, text = ?38, journal = ?39, journal_message_id = ?40,"
    " journal_error = ?41, last_seq = ?42 WHERE id = ?1 AND version = ?2 - 1";
static const char SQL_ALARM_GET[] = ALARM_SELECT "id = ?1";
static const char SQL_ALARM_EXTERNAL[] =
    ALARM_SELECT "municipality = ?1 AND source = ?2 AND external_id = ?3 AND external_id <> ''";
/* INDEXED BY: without statistics the planner prefers the wide municipality
 * index to the small partial ones over open alarms (600 000 rows vs a few). */
static const char SQL_ALARM_OPEN_DEVICE[] =
    "SELECT " SQ_RESP_ALARM_COLS " FROM resp_alarms INDEXED BY resp_alarms_open_device WHERE "
    "device_id = ?1 AND alert_code = ?2 AND municipality = ?3 AND state <> 5"
    " AND device_id <> '' ORDER BY received_at DESC LIMIT 1";
static const char SQL_ALARM_OPEN_CITIZEN[] =
    "SELECT " SQ_RESP_ALARM_COLS " FROM resp_alarms INDEXED BY resp_alarms_open_citizen WHERE "
    "citizen_id = ?1 AND alert_code = ?2 AND municipality = ?3 AND state <> 5"
    " ORDER BY received_at DESC LIMIT 1";
static const char SQL_ALARM_REPEATED[] =
    "UPDATE resp_alarms SET repeats = ?2, version = ?3, last_seq = ?4 WHERE id = ?1";
static const char SQL_EVENT_INSERT[] =
    "INSERT INTO resp_events(" SQ_RESP_EVENT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* ---- the write job shared by create, update and journal ---- */

typedef struct resp_job {
    sq_job job;
    store_resp_alarm alarm; /* the store's copy; the answer */
    int64_t expected;       /* update: the version the caller read */
    int merge_open, merged;
    int64_t hub_seq;
    int has_audit;
    store_audit audit;
    int journal; /* journal_set: the new state, message id and error */
    char message_id[STORE_ID_LEN];
    char error[sizeof((store_resp_alarm *)0)->journal_error];
    store_resp_alarm *out_alarm; /* the caller's records (may be NULL) */
    store_resp_event *out_events;
    int *out_merged;
    store_done_fn done;
    void *cls;
    size_t nevents, nanswer; /* events to write; to copy back */
    store_resp_event events[];
} resp_job;

/* After COMMIT: the answer into the caller's records, then the caller's done. */
static void job_done(void *cls, int status, const kn_err *err)
{
    resp_job *j = cls;
    if (status == KN_OK) {
        if (j->out_alarm)
            *j->out_alarm = j->alarm;
        if (j->out_events && j->nanswer)
            memcpy(j->out_events, j->events, j->nanswer * sizeof *j->events);
        if (j->out_merged)
            *j->out_merged = j->merged;
    }
    j->done(j->cls, status, err);
    free(j);
}

/* A job with a copy of the events (checked) and of the audit event (may be NULL). */
static int job_new(const store_resp_event *events, size_t nevents, const store_audit *audit,
                   resp_job **out, kn_err *err)
{
    if (nevents > RESP_JOB_EVENTS_MAX || (nevents && !events))
        return kn_err_set(err, KN_EINVAL, "alarm: 0..%d events", RESP_JOB_EVENTS_MAX);
    resp_job *j = calloc(1, sizeof *j + nevents * sizeof *j->events);
    if (!j)
        return kn_err_set(err, KN_ENOMEM, "alarm: out of memory");
    int status = KN_OK;
    for (size_t i = 0; i < nevents && status == KN_OK; i++) {
        j->events[i] = events[i];
        j->events[i].seq = 0;
        if (!j->events[i].at)
            j->events[i].at = kn_now_ms();
        status = sq_check(&sq_resp_event_table, &j->events[i], err);
    }
    j->nevents = nevents;
    if (status == KN_OK && audit) {
        j->has_audit = 1;
        j->audit = *audit;
        status = sq_audit_prepare(&j->audit, err);
        if (status == KN_OK && !j->audit.object_type[0])
            kn_strcpy(j->audit.object_type, sizeof j->audit.object_type, "alarm");
    }
    if (status != KN_OK) {
        free(j);
        return status;
    }
    *out = j;
    return KN_OK;
}

static int job_submit(store *st, resp_job *j, sq_fn fn, store_done_fn done, void *cls, kn_err *err)
{
    j->done = done;
    j->cls = cls;
    j->job = (sq_job){.fn = fn, .arg = j, .done = job_done, .cls = j};
    int status = sq_write_async(SQ(st), &j->job, err);
    if (status != KN_OK)
        free(j);
    return status;
}

/* Append events[0..n) of alarm a (seq filled; a->last_seq = the last one). */
static int events_insert(sq_conn *c, store_resp_alarm *a, store_resp_event *events, size_t n,
                         kn_err *err)
{
    for (size_t i = 0; i < n; i++) {
        store_resp_event *ev = &events[i];
        ev->seq = 0;
        memcpy(ev->alarm_id, a->id, sizeof ev->alarm_id);
        memcpy(ev->municipality, a->municipality, sizeof ev->municipality);
        int status = sq_insert(c, SQL_EVENT_INSERT, &sq_resp_event_table, ev, err);
        if (status != KN_OK)
            return status;
        ev->seq = sqlite3_last_insert_rowid(c->db);
        a->last_seq = ev->seq;
    }
    return KN_OK;
}

static int audit_write(sq_conn *c, resp_job *j, kn_err *err)
{
    if (!j->has_audit)
        return KN_OK;
    memcpy(j->audit.object_id, j->alarm.id, sizeof j->audit.object_id);
    if (!j->audit.municipality[0])
        memcpy(j->audit.municipality, j->alarm.municipality, sizeof j->audit.municipality);
    return sq_audit_insert(c, &j->audit, err);
}

/* sq_get that turns "not found" into 0 (err cleared), a row into 1. */
static int get_opt(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, void *out,
                   kn_err *err)
{
    int status = sq_get(c, sql, args, nargs, &sq_resp_alarm_table, out, err);
    if (status == KN_ENOTFOUND) {
        kn_err_clear(err);
        return 0;
    }
    return status == KN_OK ? 1 : status;
}

/* ---- create ---- */

/* The open alarm a new one merges into (1), none (0), or a status. */
static int find_open(sq_conn *c, const store_resp_alarm *a, store_resp_alarm *out, kn_err *err)
{
    if (a->device_id[0]) {
        sq_arg args[] = {SQ_TXT(a->device_id), SQ_TXT(a->alert_code), SQ_TXT(a->municipality)};
        return get_opt(c, SQL_ALARM_OPEN_DEVICE, args, SQ_NARGS(args), out, err);
    }
    sq_arg args[] = {SQ_TXT(a->citizen_id), SQ_TXT(a->alert_code), SQ_TXT(a->municipality)};
    return get_opt(c, SQL_ALARM_OPEN_CITIZEN, args, SQ_NARGS(args), out, err);
}

/* repeats += 1 on the open alarm, with one "repeated" event (events[0]). */
static int merge_into(sq_conn *c, resp_job *j, const store_resp_alarm *open, kn_err *err)
{
    j->alarm = *open;
    j->alarm.repeats++;
    j->alarm.version++;
    size_t n = j->nevents ? 1 : 0;
    if (n)
        kn_strcpy(j->events[0].kind, sizeof j->events[0].kind, "repeated");
    int status = events_insert(c, &j->alarm, j->events, n, err);
    if (status != KN_OK)
        return status;
    sq_arg args[] = {SQ_TXT(j->alarm.id), SQ_NUM(j->alarm.repeats), SQ_NUM(j->alarm.version),
                     SQ_NUM(j->alarm.last_seq)};
    status = sq_exec(c, SQL_ALARM_REPEATED, args, SQ_NARGS(args), "alarm", NULL, err);
    if (status != KN_OK)
        return status;
    j->merged = 1;
    j->nanswer = n;
    return audit_write(c, j, err);
}

static int create_fn(sq_conn *c, void *arg, kn_err *err)
{
    resp_job *j = arg;
    store_resp_alarm found;
    int status = sq_resp_hubin_advance(c, j->hub_seq, err);
    if (status != KN_OK)
        return status;
    if (j->alarm.external_id[0]) {
        sq_arg key[] = {SQ_TXT(j->alarm.municipality), SQ_TXT(j->alarm.source),
                        SQ_TXT(j->alarm.external_id)};
        int hit = get_opt(c, SQL_ALARM_EXTERNAL, key, SQ_NARGS(key), &found, err);
        if (hit < 0)
            return hit;
        if (hit) {
            j->alarm = found;
            j->merged = 2;
            j->nanswer = 0;
            return KN_OK;
        }
    }
    if (j->merge_open) {
        int hit = find_open(c, &j->alarm, &found, err);
        if (hit < 0)
            return hit;
        if (hit)
            return merge_into(c, j, &found, err);
    }
    status = events_insert(c, &j->alarm, j->events, j->nevents, err);
    if (status == KN_OK)
        status = sq_insert(c, SQL_ALARM_INSERT, &sq_resp_alarm_table, &j->alarm, err);
    j->merged = 0;
    j->nanswer = j->nevents;
    return status != KN_OK ? status : audit_write(c, j, err);
}

static int sq_resp_alarm_create_async(store *st, store_resp_alarm *alarm, store_resp_event *events,
                                      size_t nevents, int merge_open, int64_t hub_seq, int *merged,
                                      const store_audit *audit, store_done_fn done, void *cls,
                                      kn_err *err)
{
    if (!alarm || !merged || !done)
        return kn_err_set(err, KN_EINVAL, "alarm: record, merged and done required");
    resp_job *j = NULL;
    int status = job_new(events, nevents, audit, &j, err);
    if (status != KN_OK)
        return status;
    j->alarm = *alarm;
    if (!j->alarm.id[0])
        kn_id_new(j->alarm.id);
    j->alarm.version = 1;
    j->alarm.last_seq = 0;
    if (!j->alarm.received_at)
        j->alarm.received_at = kn_now_ms();
    if (!j->alarm.state)
        j->alarm.state = RESP_ST_NEW;
    j->merge_open = merge_open;
    j->hub_seq = hub_seq;
    j->out_alarm = alarm;
    j->out_events = events;
    j->out_merged = merged;
    status = sq_check(&sq_resp_alarm_table, &j->alarm, err);
    if (status != KN_OK) {
        free(j);
        return status;
    }
    return job_submit(st, j, create_fn, done, cls, err);
}

/* ---- update (compare-and-set) and journal state ---- */

/* Write j->alarm over the stored row cur (version cur->version + 1) with the
 * events; the fields an update never changes are taken from cur. */
static int rewrite(sq_conn *c, resp_job *j, const store_resp_alarm *cur, kn_err *err)
{
    store_resp_alarm *a = &j->alarm;
    memcpy(a->municipality, cur->municipality, sizeof a->municipality);
    memcpy(a->citizen_id, cur->citizen_id, sizeof a->citizen_id);
    a->received_at = cur->received_at;
    a->version = cur->version + 1;
    a->last_seq = cur->last_seq;
    int status = events_insert(c, a, j->events, j->nevents, err);
    if (status == KN_OK)
        status = sq_insert(c, SQL_ALARM_UPDATE, &sq_resp_alarm_table, a, err);
    if (status == KN_OK && sqlite3_changes64(c->db) != 1)
        status = kn_err_set(err, KN_ECONFLICT, "alarm %s: changed meanwhile", a->id);
    j->nanswer = j->nevents;
    return status != KN_OK ? status : audit_write(c, j, err);
}

static int current(sq_conn *c, const char *id, store_resp_alarm *cur, kn_err *err)
{
    sq_arg key = SQ_TXT(id);
    int hit = get_opt(c, SQL_ALARM_GET, &key, 1, cur, err);
    if (hit == 0)
        return kn_err_set(err, KN_ENOTFOUND, "alarm %s not found", id);
    return hit < 0 ? hit : KN_OK;
}

static int update_fn(sq_conn *c, void *arg, kn_err *err)
{
    resp_job *j = arg;
    store_resp_alarm cur;
    int status = current(c, j->alarm.id, &cur, err);
    if (status != KN_OK)
        return status;
    if (cur.version != j->expected)
        return kn_err_set(err, KN_ECONFLICT, "alarm %s: version %lld, expected %lld", cur.id,
                          (long long)cur.version, (long long)j->expected);
    return rewrite(c, j, &cur, err);
}

static int sq_resp_alarm_update_async(store *st, store_resp_alarm *alarm, int64_t expected_version,
                                      store_resp_event *events, size_t nevents,
                                      const store_audit *audit, store_done_fn done, void *cls,
                                      kn_err *err)
{
    if (!alarm || !done)
        return kn_err_set(err, KN_EINVAL, "alarm: record and done required");
    int status = sq_check_key(alarm->id, STORE_ID_LEN, "alarm", err);
    if (status != KN_OK)
        return status;
    resp_job *j = NULL;
    status = job_new(events, nevents, audit, &j, err);
    if (status != KN_OK)
        return status;
    j->alarm = *alarm;
    j->expected = expected_version;
    j->out_alarm = alarm;
    j->out_events = events;
    status = sq_check(&sq_resp_alarm_table, &j->alarm, err);
    if (status != KN_OK) {
        free(j);
        return status;
    }
    return job_submit(st, j, update_fn, done, cls, err);
}

static int journal_fn(sq_conn *c, void *arg, kn_err *err)
{
    resp_job *j = arg;
    store_resp_alarm cur;
    int status = current(c, j->alarm.id, &cur, err);
    if (status != KN_OK)
        return status;
    j->alarm = cur;
    j->alarm.journal = j->journal;
    memcpy(j->alarm.journal_message_id, j->message_id, sizeof j->message_id);
    memcpy(j->alarm.journal_error, j->error, sizeof j->error);
    return rewrite(c, j, &cur, err);
}

static int sq_resp_journal_set_async(store *st, const char *alarm_id, int journal,
                                     const char *message_id, const char *error,
                                     store_resp_event *event, store_resp_alarm *alarm_out,
                                     store_done_fn done, void *cls, kn_err *err)
{
    int status = sq_check_key(alarm_id, STORE_ID_LEN, "alarm", err);
    if (status != KN_OK)
        return status;
    if (!done || journal < RESP_J_NONE || journal > RESP_J_FAILED)
        return kn_err_set(err, KN_EINVAL, "alarm: journal state 0..3 and done required");
    resp_job *j = NULL;
    status = job_new(event, event ? 1 : 0, NULL, &j, err);
    if (status != KN_OK)
        return status;
    if (kn_strcpy(j->message_id, sizeof j->message_id, message_id ? message_id : "") != KN_OK ||
        kn_strcpy(j->error, sizeof j->error, error ? error : "") != KN_OK) {
        free(j);
        return kn_err_set(err, KN_EINVAL, "alarm: journal message id or error too long");
    }
    kn_strcpy(j->alarm.id, sizeof j->alarm.id, alarm_id);
    j->journal = journal;
    j->out_alarm = alarm_out;
    j->out_events = event;
    return job_submit(st, j, journal_fn, done, cls, err);
}

const struct store_resp_ops sq_resp_ops = {
    .alarm_create_async = sq_resp_alarm_create_async,
    .alarm_get = sq_resp_alarm_get,
    .alarm_list = sq_resp_alarm_list,
    .alarm_update_async = sq_resp_alarm_update_async,
    .event_list = sq_resp_event_list,
    .event_list_alarm = sq_resp_event_list_alarm,
    .event_last_seq = sq_resp_event_last_seq,
    .timers_due = sq_resp_timers_due,
    .stat_rows = sq_resp_stat_rows,
    .device_find = sq_resp_device_find,
    .heartbeat_put = sq_resp_heartbeat_put,
    .heartbeat_get = sq_resp_heartbeat_get,
    .heartbeat_silent = sq_resp_heartbeat_silent,
    .heartbeat_set_silent = sq_resp_heartbeat_set_silent,
    .rule_put = sq_resp_rule_put,
    .rule_delete = sq_resp_rule_delete,
    .rule_list = sq_resp_rule_list,
    .profile_put = sq_resp_profile_put,
    .profile_get = sq_resp_profile_get,
    .journal_pending = sq_resp_journal_pending,
    .journal_set_async = sq_resp_journal_set_async,
    .hubin_cursor_get = sq_resp_hubin_cursor_get,
    .hubin_cursor_set = sq_resp_hubin_cursor_set,
    .hub_messages_after = sq_resp_hub_messages_after,
    .citizen_find_nin = sq_resp_citizen_find_nin,
};
