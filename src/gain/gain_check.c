/* gain_check.c - the vocabulary of benefit realisation and its validation:
 * the codes (technologies, gain types, measurement intervals, kinds, period
 * units) with bokmål labels, dates and periods, the documented parameters
 * with their defaults, and the checks every plan and measurement passes,
 * whether it comes from the API, the CLI or a scenario file (see gain.h).
 */
#include "gain.h"

#include "../core/core_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- codes ---- */

static const gain_code technologies[] = {
    {"safety_alarm", "Trygghetsalarm"},
    {"medication_dispenser", "Elektronisk medisineringsstøtte"},
    {"digital_supervision", "Digitalt tilsyn"},
    {"gps_tracker", "Lokaliseringsteknologi (GPS)"},
    {"electronic_lock", "E-lås"},
    {"video_communication", "Videokommunikasjon"},
};
static const gain_code gain_types[] = {
    {"time_freed", "Frigjort tid"},
    {"avoided_cost", "Unngåtte kostnader"},
    {"quality", "Økt kvalitet"},
};
static const gain_code intervals[] = {
    {"monthly", "Månedlig"},
    {"bimonthly", "Hver 2. måned"},
    {"quarterly", "Kvartalsvis"},
};
static const gain_code kinds[] = {
    {"baseline", "Nullpunktmåling"},
    {"followup", "Oppfølgingsmåling"},
};
static const gain_code units[] = {
    {"day", "dager"},
    {"week", "uker"},
    {"month", "måneder"},
};

#define TABLE(t) {t, sizeof t / sizeof t[0]}
static const struct {
    const gain_code *codes;
    size_t n;
} code_tables[GAIN_CODE_KINDS] = {TABLE(technologies), TABLE(gain_types), TABLE(intervals),
                                  TABLE(kinds), TABLE(units)};

const gain_code *gain_codes(int kind, size_t *n)
{
    if (kind < 0 || kind >= GAIN_CODE_KINDS) {
        *n = 0;
        return NULL;
    }
    *n = code_tables[kind].n;
    return code_tables[kind].codes;
}

const char *gain_code_label(int kind, const char *code)
{
    size_t n;
    const gain_code *codes = gain_codes(kind, &n);
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(codes[i].code, code) == 0)
            return codes[i].label;
    return NULL;
}

int gain_code_check(int kind, const char *field, const char *code, kn_err *err)
{
    if (gain_code_label(kind, code))
        return KN_OK;
    size_t n;
    const gain_code *codes = gain_codes(kind, &n);
    char allowed[200] = "";
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(allowed);
        snprintf(allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "", codes[i].code);
    }
    if (!code || !*code)
        return kn_err_set(err, KN_EINVAL, "field '%s' is required (one of %s)", field, allowed);
    return kn_err_set(err, KN_EINVAL, "field '%s': unknown value '%.40s' (one of %s)", field, code,
                      allowed);
}

int gain_kind_parse(const char *code)
{
    if (code && strcmp(code, "baseline") == 0)
        return STORE_GAIN_BASELINE;
    if (code && strcmp(code, "followup") == 0)
        return STORE_GAIN_FOLLOWUP;
    return 0;
}

const char *gain_kind_code(int kind)
{
    return kind == STORE_GAIN_BASELINE ? "baseline" : kind == STORE_GAIN_FOLLOWUP ? "followup" : "";
}

/* ---- dates ---- */

static int leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && leap(y));
}

/* Days from 1970-01-01 to y-m-d, for years from 1900 on. */
static int64_t days_from_date(int64_t y, int m, int d)
{
    int64_t days = 0;
    for (int64_t year = 1900; year < y; year++)
        days += 365 + leap(year);
    for (int month = 1; month < m; month++)
        days += month_days(y, month);
    return days + d - 1 - 25567; /* 1900-01-01 .. 1970-01-01 */
}

static void date_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t left = days + 25567, year = 1900;
    while (left >= 365 + leap(year))
        left -= 365 + leap(year++);
    int month = 1;
    while (left >= month_days(year, month))
        left -= month_days(year, month++);
    *y = year;
    *m = month;
    *d = (int)left + 1;
}

int gain_date_parse(const char *text, int64_t *days_out)
{
    int y, m, d, used = 0;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
        sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10)
        return KN_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
            return KN_EINVAL;
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return KN_EINVAL;
    *days_out = days_from_date(y, m, d);
    return KN_OK;
}

void gain_date_format(int64_t days, char out[STORE_DATE_LEN])
{
    int64_t y;
    int m, d;
    char text[40];
    date_from_days(days, &y, &m, &d);
    snprintf(text, sizeof text, "%04d-%02d-%02d", (int)(y % 10000), m, d);
    kn_strcpy(out, STORE_DATE_LEN, text);
}

static int64_t add_months(int64_t start, int count)
{
    int64_t y;
    int m, d;
    date_from_days(start, &y, &m, &d);
    int64_t months = y * 12 + (m - 1) + count;
    y = months / 12;
    m = (int)(months % 12) + 1;
    if (d > month_days(y, m))
        d = month_days(y, m);
    return days_from_date(y, m, d);
}

int gain_period_end(const char *start, const char *unit, int count, char out[STORE_DATE_LEN],
                    kn_err *err)
{
    int64_t first;
    if (gain_date_parse(start, &first) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'period_start' must be a date YYYY-MM-DD");
    int rc = gain_code_check(GAIN_CODE_PERIOD_UNIT, "period_unit", unit, err);
    if (rc != KN_OK)
        return rc;
    if (count < 1 || count > 366)
        return kn_err_set(err, KN_EINVAL, "field 'period_count' must be 1..366");
    int64_t next = strcmp(unit, "month") == 0 ? add_months(first, count)
                   : strcmp(unit, "week") == 0 ? first + 7 * (int64_t)count
                                               : first + count;
    gain_date_format(next - 1, out);
    return KN_OK;
}

void gain_quarter(const char *date, char out[8])
{
    int64_t days;
    if (gain_date_parse(date, &days) != KN_OK) {
        snprintf(out, 8, "0000-Q1");
        return;
    }
    char text[24];
    int month = (date[5] - '0') * 10 + (date[6] - '0');
    snprintf(text, sizeof text, "%.4s-Q%d", date, (month - 1) / 3 + 1);
    kn_strcpy(out, 8, text);
}

/* ---- parameters ---- */

/* clang-format off */
static const gain_param_doc param_docs[] = {
    {"wage_per_hour", "Lønnskostnad per time", "kr/time", 430, 0, 10000,
     "Seed 003 names no rate (the cases use 'kommunens egne lønnskostnader'); 430 kr/h is "
     "consistent with Kinn (210 000 kr) and Vik (over 1.2 MNOK). Use the municipality's own."},
    {"km_rate", "Kilometersats", "kr/km", 4.03, 0, 100,
     "Statens sats for kilometergodtgjørelse 2019-2021 (seed 003 footnote 5 points to the "
     "rates at Skatteetaten)."},
    {"days_per_year", "Dager per år", "dager", 365, 300, 366,
     "Annualises periods given in days or weeks; 360 is the 30/360 convention (30-day "
     "months) that the Vik case uses. Month periods always count 12 per year."},
    {"hours_per_fte", "Timer per årsverk", "timer", 1667, 1000, 2500,
     "Seed 003 section 1.1.4: about 160 000 hours = 96 årsverk, so 1 667 hours."},
    {"analysis_years", "Analyseperiode", "år", 4, 1, GAIN_YEARS_MAX,
     "Years compared with and without technology; seed 003 figures 13-16 cover 2020-2023."},
};
/* clang-format on */
#define NPARAMS (sizeof param_docs / sizeof param_docs[0])

const gain_param_doc *gain_param_docs(size_t *n)
{
    *n = NPARAMS;
    return param_docs;
}

void gain_params_default(gain_params *p)
{
    p->wage_per_hour = param_docs[0].dflt;
    p->km_rate = param_docs[1].dflt;
    p->days_per_year = param_docs[2].dflt;
    p->hours_per_fte = param_docs[3].dflt;
    p->analysis_years = (int)param_docs[4].dflt;
}

double gain_param_value(const gain_params *p, const char *key)
{
    const double values[NPARAMS] = {p->wage_per_hour, p->km_rate, p->days_per_year,
                                    p->hours_per_fte, p->analysis_years};
    for (size_t i = 0; i < NPARAMS; i++)
        if (strcmp(param_docs[i].key, key) == 0)
            return values[i];
    return NAN;
}

int gain_params_set(gain_params *p, const char *key, const char *value, kn_err *err)
{
    size_t i = 0;
    while (i < NPARAMS && (!key || strcmp(param_docs[i].key, key) != 0))
        i++;
    if (i == NPARAMS)
        return kn_err_set(err, KN_EINVAL, "unknown parameter '%.40s'", key ? key : "");
    char *end = NULL;
    double v = value && *value ? strtod(value, &end) : NAN;
    if (!end || *end || !isfinite(v) || v < param_docs[i].min || v > param_docs[i].max ||
        (i == 4 && v != floor(v)))
        return kn_err_set(err, KN_EINVAL, "parameter '%s' must be a%s number in %g..%g",
                          param_docs[i].key, i == 4 ? " whole" : "", param_docs[i].min,
                          param_docs[i].max);
    double *slots[] = {&p->wage_per_hour, &p->km_rate, &p->days_per_year, &p->hours_per_fte};
    if (i < 4)
        *slots[i] = v;
    else
        p->analysis_years = (int)v;
    return KN_OK;
}

/* ---- plans ---- */

static int required(const char *value, const char *field, kn_err *err)
{
    return value[0] ? KN_OK : kn_err_set(err, KN_EINVAL, "field '%s' is required", field);
}

static int not_negative(int64_t value, const char *field, kn_err *err)
{
    return value >= 0 ? KN_OK : kn_err_set(err, KN_EINVAL, "field '%s' must be 0 or more", field);
}

static int plan_dates(const store_gain_plan *plan, kn_err *err)
{
    int64_t start, end;
    if (gain_date_parse(plan->start_date, &start) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'start' must be a date YYYY-MM-DD");
    if (gain_date_parse(plan->end_date, &end) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'end' must be a date YYYY-MM-DD");
    if (end < start)
        return kn_err_set(err, KN_EINVAL, "the plan ends (%s) before it starts (%s)",
                          plan->end_date, plan->start_date);
    return KN_OK;
}

int gain_plan_check(const store_gain_plan *plan, kn_err *err)
{
    int rc = required(plan->name, "name", err);
    if (rc == KN_OK)
        rc = gain_code_check(GAIN_CODE_TECHNOLOGY, "technology", plan->technology, err);
    if (rc == KN_OK)
        rc = gain_code_check(GAIN_CODE_GAIN_TYPE, "gain_type", plan->gain_type, err);
    if (rc == KN_OK)
        rc = gain_code_check(GAIN_CODE_INTERVAL, "interval", plan->interval, err);
    if (rc == KN_OK)
        rc = plan_dates(plan, err);
    const int64_t costs[] = {plan->licence_per_year, plan->operating_per_year, plan->startup_cost,
                             plan->replaced_per_year};
    static const char *const names[] = {"licence_per_year", "operating_per_year", "startup",
                                        "replaced_per_year"};
    for (size_t i = 0; rc == KN_OK && i < 4; i++)
        rc = not_negative(costs[i], names[i], err);
    return rc;
}

/* ---- measurements ---- */

static int check_counts(const store_gain_measure *m, kn_err *err)
{
    const int64_t values[] = {m->visits,           m->minutes_per_visit, m->km,
                              m->alarms_received,  m->alarms_forwarded,  m->minutes_per_alarm,
                              m->night_checks};
    static const char *const names[] = {"visits",           "minutes_per_visit", "km",
                                        "alarms_received",  "alarms_forwarded",  "minutes_per_alarm",
                                        "night_checks"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        int rc = not_negative(values[i], names[i], err);
        if (rc != KN_OK)
            return rc;
    }
    if (m->alarms_received > 0 && m->alarms_forwarded > m->alarms_received)
        return kn_err_set(err, KN_EINVAL,
                          "field 'alarms_forwarded' (%lld) exceeds 'alarms_received' (%lld)",
                          (long long)m->alarms_forwarded, (long long)m->alarms_received);
    if (m->night_checks > m->visits)
        return kn_err_set(err, KN_EINVAL,
                          "field 'night_checks' (%lld) exceeds 'visits' (%lld): night checks "
                          "are counted among the visits",
                          (long long)m->night_checks, (long long)m->visits);
    return KN_OK;
}

static int check_quality(const store_gain_measure *m, kn_err *err)
{
    const int scores[] = {m->quality_user, m->quality_staff, m->quality_relatives};
    static const char *const names[] = {"quality_user", "quality_staff", "quality_relatives"};
    for (size_t i = 0; i < GAIN_QUALITY_DIMS; i++)
        if (scores[i] < 0 || scores[i] > 6)
            return kn_err_set(err, KN_EINVAL,
                              "field '%s' must be a score from 1 to 6 (or absent), not %d",
                              names[i], scores[i]);
    return KN_OK;
}

/* The period lies inside the plan's start..end dates. */
static int check_period(store_gain_measure *m, const store_gain_plan *plan, kn_err *err)
{
    int rc = gain_period_end(m->period_start, m->period_unit, m->period_count, m->period_end, err);
    if (rc != KN_OK)
        return rc;
    if (strcmp(m->period_start, plan->start_date) < 0 || strcmp(m->period_end, plan->end_date) > 0)
        return kn_err_set(err, KN_EUNPROCESSABLE,
                          "the period %s..%s lies outside the plan's period %s..%s",
                          m->period_start, m->period_end, plan->start_date, plan->end_date);
    return KN_OK;
}

int gain_measure_check(store_gain_measure *m, const store_gain_plan *plan, kn_err *err)
{
    if (m->kind != STORE_GAIN_BASELINE && m->kind != STORE_GAIN_FOLLOWUP)
        return gain_code_check(GAIN_CODE_KIND, "kind", "", err);
    int rc = required(m->citizen_id, "citizen_id", err);
    if (rc == KN_OK)
        rc = check_counts(m, err);
    if (rc == KN_OK)
        rc = check_quality(m, err);
    if (rc == KN_OK)
        rc = check_period(m, plan, err);
    return rc;
}

int gain_baseline_rule(const store_gain_measure *list, size_t n, const store_gain_measure *m,
                       kn_err *err)
{
    const store_gain_measure *baseline = NULL;
    for (size_t i = 0; i < n && !baseline; i++)
        if (list[i].kind == STORE_GAIN_BASELINE && strcmp(list[i].plan_id, m->plan_id) == 0 &&
            strcmp(list[i].citizen_id, m->citizen_id) == 0)
            baseline = &list[i];
    if (m->kind == STORE_GAIN_BASELINE && baseline)
        return kn_err_set(err, KN_ECONFLICT,
                          "a baseline (nullpunktmåling) already exists for '%s' in plan %s",
                          m->citizen_id, m->plan_id);
    if (m->kind == STORE_GAIN_FOLLOWUP && !baseline)
        return kn_err_set(err, KN_ECONFLICT,
                          "no baseline (nullpunktmåling) for '%s' in plan %s: record the "
                          "baseline before follow-ups", m->citizen_id, m->plan_id);
    if (m->kind == STORE_GAIN_FOLLOWUP && strcmp(m->period_start, baseline->period_start) < 0)
        return kn_err_set(err, KN_EUNPROCESSABLE,
                          "the follow-up period starts %s, before the baseline (%s)",
                          m->period_start, baseline->period_start);
    return KN_OK;
}

/* ---- scenarios ---- */

void gain_scenario_free(gain_scenario *s)
{
    if (!s)
        return;
    free(s->units);
    free(s->plans);
    free(s->measures);
    memset(s, 0, sizeof *s);
}

int gain_scenario_set_param(gain_scenario *s, const char *key, const char *value, kn_err *err)
{
    gain_params probe;
    gain_params_default(&probe);
    int rc = gain_params_set(&probe, key, value, err);
    for (size_t i = 0; rc == KN_OK && i < s->nunits; i++)
        rc = gain_params_set(&s->units[i].params, key, value, err);
    return rc;
}
