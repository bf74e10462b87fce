/* store_sqlite_gain.c - benefit realisation: benefit plans and per-citizen
 * measurements (gain_*; see store.h).
 *
 * Each write is one job holding the record and its audit event, so both
 * commit or neither does. gain_measure_add checks the baseline rule inside
 * its job, on the writer connection, so two concurrent writes can never leave
 * a follow-up without a baseline or two baselines (the partial unique index
 * gain_one_baseline backs the second rule). Lists are ordered by municipality
 * and creation; measurements by plan, citizen and period. Six statements in
 * all (the statement cache is shared by every topic).
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <string.h>

#define PLAN_COLS                                                                                  \
    "id, municipality, name, technology, gain_type, interval, owner, indicator, prerequisites, "   \
    "redeployment, region, start_date, end_date, licence_per_year, operating_per_year, "           \
    "startup_cost, replaced_per_year, created_at"
#define MEASURE_COLS                                                                               \
    "id, plan_id, municipality, citizen_id, kind, period_start, period_unit, period_count, "       \
    "period_end, visits, minutes_per_visit, km, alarms_received, alarms_forwarded, "               \
    "minutes_per_alarm, night_checks, quality_user, quality_staff, quality_relatives, created_at"

static const char SQL_PLAN_INSERT[] = "INSERT INTO gain_plans(" PLAN_COLS ") VALUES "
                                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_PLAN_GET[] = "SELECT " PLAN_COLS " FROM gain_plans WHERE id = ?1";
static const char SQL_PLAN_LIST[] =
    "SELECT " PLAN_COLS " FROM gain_plans WHERE ?1 IS NULL OR municipality = ?1"
    " ORDER BY municipality, created_at, id LIMIT ?2";
static const char SQL_MEASURE_INSERT[] =
    "INSERT INTO gain_measurements(" MEASURE_COLS ") VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_BASELINE[] =
    "SELECT period_start FROM gain_measurements WHERE plan_id = ?1 AND citizen_id = ?2 AND kind = 1";
static const char SQL_MEASURE_LIST[] =
    "SELECT " MEASURE_COLS " FROM gain_measurements WHERE (?1 IS NULL OR municipality = ?1)"
    " AND (?2 IS NULL OR plan_id = ?2) AND (?3 IS NULL OR citizen_id = ?3)"
    " ORDER BY municipality, plan_id, citizen_id, period_start, kind, created_at LIMIT ?4";

/* clang-format off */
static const sq_field plan_fields[] = {
    SQ_F(store_gain_plan, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, name, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, technology, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, gain_type, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, interval, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, owner, SQ_TEXT, 0),
    SQ_F(store_gain_plan, indicator, SQ_TEXT, 0),
    SQ_F(store_gain_plan, prerequisites, SQ_TEXT, 0),
    SQ_F(store_gain_plan, redeployment, SQ_TEXT, 0),
    SQ_F(store_gain_plan, region, SQ_TEXT, 0),
    SQ_F(store_gain_plan, start_date, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, end_date, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_plan, licence_per_year, SQ_I64, 0),
    SQ_F(store_gain_plan, operating_per_year, SQ_I64, 0),
    SQ_F(store_gain_plan, startup_cost, SQ_I64, 0),
    SQ_F(store_gain_plan, replaced_per_year, SQ_I64, 0),
    SQ_F(store_gain_plan, created_at, SQ_I64, 0),
};
static const sq_field measure_fields[] = {
    SQ_F(store_gain_measure, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_measure, plan_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_measure, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_measure, citizen_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_measure, kind, SQ_INT, 0),
    SQ_F(store_gain_measure, period_start, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_measure, period_unit, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_measure, period_count, SQ_INT, 0),
    SQ_F(store_gain_measure, period_end, SQ_TEXT, SQ_REQ),
    SQ_F(store_gain_measure, visits, SQ_I64, 0),
    SQ_F(store_gain_measure, minutes_per_visit, SQ_I64, 0),
    SQ_F(store_gain_measure, km, SQ_I64, 0),
    SQ_F(store_gain_measure, alarms_received, SQ_I64, 0),
    SQ_F(store_gain_measure, alarms_forwarded, SQ_I64, 0),
    SQ_F(store_gain_measure, minutes_per_alarm, SQ_I64, 0),
    SQ_F(store_gain_measure, night_checks, SQ_I64, 0),
    SQ_F(store_gain_measure, quality_user, SQ_INT, 0),
    SQ_F(store_gain_measure, quality_staff, SQ_INT, 0),
    SQ_F(store_gain_measure, quality_relatives, SQ_INT, 0),
    SQ_F(store_gain_measure, created_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table plan_table = SQ_TABLE("gain plan", store_gain_plan, plan_fields);
static const sq_table measure_table = SQ_TABLE("gain measurement", store_gain_measure, measure_fields);

typedef struct baseline_row {
    char period_start[STORE_DATE_LEN];
} baseline_row;
static const sq_field baseline_fields[] = {SQ_F(baseline_row, period_start, SQ_TEXT, 0)};
static const sq_table baseline_table = SQ_TABLE("gain baseline", baseline_row, baseline_fields);

/* One record and its audit event, written in one job. */
typedef struct gain_job {
    const sq_table *table;
    const char *insert_sql;
    const void *rec;
    const store_audit *audit;
    const store_gain_measure *measure; /* measurements: the baseline rule applies */
} gain_job;

/* The baseline rule, on the writer connection inside the job's savepoint. */
static int baseline_rule(sq_conn *c, const store_gain_measure *m, kn_err *err)
{
    if (m->kind != STORE_GAIN_FOLLOWUP)
        return KN_OK; /* a second baseline trips the unique index */
    baseline_row row;
    sq_arg args[] = {SQ_TXT(m->plan_id), SQ_TXT(m->citizen_id)};
    int status = sq_get(c, SQL_BASELINE, args, 2, &baseline_table, &row, err);
    if (status == KN_ENOTFOUND)
        return kn_err_set(err, KN_ECONFLICT,
                          "no baseline (nullpunktmåling) for this citizen in plan %s: "
                          "record the baseline before follow-ups", m->plan_id);
    if (status == KN_OK && strcmp(m->period_start, row.period_start) < 0)
        return kn_err_set(err, KN_EUNPROCESSABLE,
                          "the follow-up period starts %s, before the baseline (%s)",
                          m->period_start, row.period_start);
    return status;
}

static int gain_job_fn(sq_conn *c, void *arg, kn_err *err)
{
    gain_job *j = arg;
    int status = j->measure ? baseline_rule(c, j->measure, err) : KN_OK;
    if (status == KN_OK)
        status = sq_insert(c, j->insert_sql, j->table, j->rec, err);
    if (status == KN_ECONFLICT && j->measure)
        return kn_err_set(err, KN_ECONFLICT,
                          "a baseline (nullpunktmåling) already exists for this citizen in plan %s",
                          j->measure->plan_id);
    return status != KN_OK ? status : sq_audit_insert(c, j->audit, err);
}

/* Check both records, name the audit event's object, write both in one job. */
static int write_with_audit(store *st, gain_job *j, const char *object_id, kn_err *err)
{
    store_audit audit = *j->audit;
    int status = sq_check(j->table, j->rec, err);
    if (status == KN_OK)
        status = sq_audit_prepare(&audit, err);
    if (status != KN_OK)
        return status;
    if (!audit.object_id[0])
        kn_strcpy(audit.object_id, sizeof audit.object_id, object_id);
    j->audit = &audit;
    return sq_write(SQ(st), gain_job_fn, j, err);
}

int sq_gain_plan_create(store *st, store_gain_plan *plan, const store_audit *audit, kn_err *err)
{
    if (!plan || !audit)
        return kn_err_set(err, KN_EINVAL, "gain plan: record and audit event required");
    store_gain_plan rec = *plan;
    kn_id_new(rec.id);
    rec.created_at = kn_now_s();
    gain_job j = {&plan_table, SQL_PLAN_INSERT, &rec, audit, NULL};
    int status = write_with_audit(st, &j, rec.id, err);
    if (status == KN_OK) {
        memcpy(plan->id, rec.id, sizeof plan->id);
        plan->created_at = rec.created_at;
    }
    return status;
}

int sq_gain_plan_get(store *st, const char *id, store_gain_plan *out, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "gain plan", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(id);
    return sq_read_get(SQ(st), SQL_PLAN_GET, &key, 1, &plan_table, out, err);
}

static int check_optional_key(const char *key, size_t size, const char *what, kn_err *err)
{
    return key ? sq_check_key(key, size, what, err) : KN_OK;
}

int sq_gain_plan_list(store *st, const char *municipality, store_gain_plan **list, size_t *n,
                      kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "gain plan: no output");
    int status = check_optional_key(municipality, STORE_ORGNR_LEN, "gain plan municipality", err);
    if (status != KN_OK)
        return status;
    sq_arg args[] = {SQ_TXT(municipality), SQ_NUM(SQ_LIST_MAX)};
    return sq_read_list(SQ(st), SQL_PLAN_LIST, args, 2, &plan_table, SQ_LIST_MAX, (void **)list, n,
                        err);
}

int sq_gain_measure_add(store *st, store_gain_measure *m, const store_audit *audit, kn_err *err)
{
    if (!m || !audit)
        return kn_err_set(err, KN_EINVAL, "gain measurement: record and audit event required");
    if (m->kind != STORE_GAIN_BASELINE && m->kind != STORE_GAIN_FOLLOWUP)
        return kn_err_set(err, KN_EINVAL, "gain measurement: kind must be baseline or follow-up");
    store_gain_measure rec = *m;
    kn_id_new(rec.id);
    rec.created_at = kn_now_s();
    gain_job j = {&measure_table, SQL_MEASURE_INSERT, &rec, audit, &rec};
    int status = write_with_audit(st, &j, rec.citizen_id, err);
    if (status == KN_OK) {
        memcpy(m->id, rec.id, sizeof m->id);
        m->created_at = rec.created_at;
    }
    return status;
}

int sq_gain_measure_list(store *st, const char *municipality, const char *plan_id,
                         const char *citizen_id, store_gain_measure **list, size_t *n, kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "gain measurement: no output");
    int status = check_optional_key(municipality, STORE_ORGNR_LEN, "gain municipality", err);
    if (status == KN_OK)
        status = check_optional_key(plan_id, STORE_ID_LEN, "gain plan", err);
    if (status == KN_OK)
        status = check_optional_key(citizen_id, STORE_ID_LEN, "gain citizen", err);
    if (status != KN_OK)
        return status;
    sq_arg args[] = {SQ_TXT(municipality), SQ_TXT(plan_id), SQ_TXT(citizen_id),
                     SQ_NUM(SQ_LIST_MAX)};
    return sq_read_list(SQ(st), SQL_MEASURE_LIST, args, 4, &measure_table, SQ_LIST_MAX,
                        (void **)list, n, err);
}
