/* store_sqlite_resp_hb.c - device heartbeats (last sign of life, the silent
 * "ingen kontakt" alarm of a device) and the hub-intake cursor of the
 * response service (store_resp.h).
 *
 * A heartbeat is one row per device. heartbeat_put is one synchronous write
 * job: it reads the row's silent alarm, upserts last_seen = max(old, new) and
 * clears the silent alarm, so "contact restored" is reported exactly once.
 * The cursor is a single row, moved only forward (max), also from inside
 * alarm_create's job (sq_resp_hubin_advance).
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <string.h>

#define HB_COLS "device_id, municipality, device_type, last_seen, battery, silent_alarm_id"

static const char SQL_HB_GET[] = "SELECT " HB_COLS " FROM resp_heartbeats WHERE device_id = ?1";
static const char SQL_HB_PUT[] =
    "INSERT INTO resp_heartbeats(" HB_COLS ") VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(device_id) DO UPDATE SET municipality = excluded.municipality,"
    " device_type = excluded.device_type, last_seen = max(last_seen, excluded.last_seen),"
    " battery = CASE WHEN excluded.last_seen >= last_seen AND excluded.battery >= 0"
    " THEN excluded.battery ELSE battery END, silent_alarm_id = ''";
static const char SQL_HB_SILENT[] =
    "SELECT " HB_COLS " FROM resp_heartbeats WHERE device_type = ?1 AND last_seen < ?2"
    " AND silent_alarm_id = '' ORDER BY last_seen LIMIT ?3";
static const char SQL_HB_SET_SILENT[] =
    "UPDATE resp_heartbeats SET silent_alarm_id = ?2 WHERE device_id = ?1";
static const char SQL_CURSOR_GET[] = "SELECT seq FROM resp_hubin WHERE id = 1";
static const char SQL_CURSOR_ADVANCE[] = "UPDATE resp_hubin SET seq = ?1 WHERE id = 1 AND seq < ?1";

/* clang-format off */
static const sq_field hb_fields[] = {
    SQ_F(store_resp_heartbeat, device_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_heartbeat, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_heartbeat, device_type, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_heartbeat, last_seen, SQ_I64, 0),
    SQ_F(store_resp_heartbeat, battery, SQ_INT, 0),
    SQ_F(store_resp_heartbeat, silent_alarm_id, SQ_TEXT, 0),
};
typedef struct cursor_row {
    int64_t seq;
} cursor_row;
static const sq_field cursor_fields[] = {SQ_F(cursor_row, seq, SQ_I64, 0)};
/* clang-format on */
static const sq_table hb_table = SQ_TABLE("heartbeat", store_resp_heartbeat, hb_fields);
static const sq_table cursor_table = SQ_TABLE("hub intake cursor", cursor_row, cursor_fields);

typedef struct hb_job {
    store_resp_heartbeat hb;
    char cleared[STORE_ID_LEN];
} hb_job;

static int hb_put_fn(sq_conn *c, void *arg, kn_err *err)
{
    hb_job *j = arg;
    store_resp_heartbeat old;
    sq_arg key = SQ_TXT(j->hb.device_id);
    int status = sq_get(c, SQL_HB_GET, &key, 1, &hb_table, &old, err);
    if (status == KN_OK)
        memcpy(j->cleared, old.silent_alarm_id, sizeof j->cleared);
    else if (status == KN_ENOTFOUND)
        kn_err_clear(err);
    else
        return status;
    return sq_insert(c, SQL_HB_PUT, &hb_table, &j->hb, err);
}

int sq_resp_heartbeat_put(store *st, const store_resp_heartbeat *hb, char *cleared_alarm,
                          kn_err *err)
{
    if (!hb)
        return kn_err_set(err, KN_EINVAL, "heartbeat: missing");
    hb_job j = {.hb = *hb};
    j.hb.silent_alarm_id[0] = '\0';
    int status = sq_check(&hb_table, &j.hb, err);
    if (status == KN_OK)
        status = sq_write(SQ(st), hb_put_fn, &j, err);
    if (status == KN_OK && cleared_alarm)
        memcpy(cleared_alarm, j.cleared, sizeof j.cleared);
    return status;
}

int sq_resp_heartbeat_get(store *st, const char *device_id, store_resp_heartbeat *out, kn_err *err)
{
    int status = sq_check_key(device_id, STORE_ID_LEN, "heartbeat", err);
    if (status != KN_OK)
        return status;
    if (!out)
        return kn_err_set(err, KN_EINVAL, "heartbeat: no output");
    sq_arg key = SQ_TXT(device_id);
    return sq_read_get(SQ(st), SQL_HB_GET, &key, 1, &hb_table, out, err);
}

int sq_resp_heartbeat_silent(store *st, const char *device_type, int64_t before, size_t limit,
                             store_resp_heartbeat **list, size_t *n, kn_err *err)
{
    int status = sq_check_key(device_type, sizeof((store_resp_heartbeat *)0)->device_type,
                              "heartbeat device type", err);
    if (status != KN_OK)
        return status;
    if (!list || !n || limit == 0 || limit > STORE_RESP_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "heartbeat: limit 1..%d", STORE_RESP_PAGE_MAX);
    sq_arg args[] = {SQ_TXT(device_type), SQ_NUM(before), SQ_NUM((int64_t)limit)};
    return sq_read_list(SQ(st), SQL_HB_SILENT, args, SQ_NARGS(args), &hb_table, limit,
                        (void **)list, n, err);
}

int sq_resp_heartbeat_set_silent(store *st, const char *device_id, const char *alarm_id,
                                 kn_err *err)
{
    int status = sq_check_key(device_id, STORE_ID_LEN, "heartbeat", err);
    if (status != KN_OK)
        return status;
    if (alarm_id && strnlen(alarm_id, STORE_ID_LEN) >= STORE_ID_LEN)
        return kn_err_set(err, KN_EINVAL, "heartbeat: alarm id too long");
    sq_arg args[] = {SQ_TXT(device_id), SQ_TXT(alarm_id ? alarm_id : "")};
    return sq_write_exec(SQ(st), SQL_HB_SET_SILENT, args, SQ_NARGS(args), "heartbeat", err);
}

/* ---- hub-intake cursor ---- */

int sq_resp_hubin_advance(sq_conn *c, int64_t seq, kn_err *err)
{
    if (seq <= 0)
        return KN_OK;
    sq_arg arg = SQ_NUM(seq);
    return sq_exec(c, SQL_CURSOR_ADVANCE, &arg, 1, "hub intake cursor", NULL, err);
}

static int cursor_fn(sq_conn *c, void *arg, kn_err *err)
{
    return sq_resp_hubin_advance(c, *(const int64_t *)arg, err);
}

int sq_resp_hubin_cursor_get(store *st, int64_t *seq, kn_err *err)
{
    if (!seq)
        return kn_err_set(err, KN_EINVAL, "hub intake cursor: no output");
    cursor_row row;
    int status = sq_read_get(SQ(st), SQL_CURSOR_GET, NULL, 0, &cursor_table, &row, err);
    if (status == KN_OK)
        *seq = row.seq;
    return status;
}

int sq_resp_hubin_cursor_set(store *st, int64_t seq, kn_err *err)
{
    if (seq < 0)
        return kn_err_set(err, KN_EINVAL, "hub intake cursor: negative seq");
    return sq_write(SQ(st), cursor_fn, &seq, err);
}
