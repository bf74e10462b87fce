/* test_gain_calc.c - the benefit calculations (gain_calc.c) and the rules in
 * gain_check.c, without a database. Expected values are worked out here from
 * the inputs (the formulas of docs/gevinst.md), never copied from the
 * program's output: annualisation, hours/visits/km avoided, reductions, the
 * clarification rate, avoided cost, net gain, FTEs, the cumulative series,
 * quality means, the groups (technology, size class, quarter, region), and
 * every error: negative durations, quality outside 1-6, unknown codes,
 * periods outside the plan and the baseline rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_util.h"
#include "gain/gain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-9

/* ---- building scenarios in C ---- */

static void plan_init(store_gain_plan *p, const char *id, const char *unit, const char *tech)
{
    memset(p, 0, sizeof *p);
    kn_strcpy(p->id, sizeof p->id, id);
    kn_strcpy(p->municipality, sizeof p->municipality, unit);
    kn_strcpy(p->name, sizeof p->name, id);
    kn_strcpy(p->technology, sizeof p->technology, tech);
    kn_strcpy(p->gain_type, sizeof p->gain_type, "time_freed");
    kn_strcpy(p->interval, sizeof p->interval, "quarterly");
    kn_strcpy(p->start_date, sizeof p->start_date, "2021-01-01");
    kn_strcpy(p->end_date, sizeof p->end_date, "2022-12-31");
}

static store_gain_measure measure(const char *plan, const char *subject, int kind,
                                  const char *start, const char *unit, int count)
{
    store_gain_measure m;
    memset(&m, 0, sizeof m);
    kn_strcpy(m.plan_id, sizeof m.plan_id, plan);
    kn_strcpy(m.citizen_id, sizeof m.citizen_id, subject);
    m.kind = kind;
    kn_strcpy(m.period_start, sizeof m.period_start, start);
    kn_strcpy(m.period_unit, sizeof m.period_unit, unit);
    m.period_count = count;
    return m;
}

/* A scenario owning copies of the given arrays (freed by gain_scenario_free). */
static gain_scenario scenario(const gain_unit *units, size_t nunits, const store_gain_plan *plans,
                              size_t nplans, const store_gain_measure *ms, size_t nms)
{
    gain_scenario s = {0};
    s.units = malloc(nunits * sizeof *units);
    s.plans = malloc(nplans * sizeof *plans);
    s.measures = malloc((nms ? nms : 1) * sizeof *ms);
    assert_non_null(s.units);
    assert_non_null(s.plans);
    assert_non_null(s.measures);
    memcpy(s.units, units, nunits * sizeof *units);
    memcpy(s.plans, plans, nplans * sizeof *plans);
    memcpy(s.measures, ms, nms * sizeof *ms);
    s.nunits = nunits;
    s.nplans = nplans;
    s.nmeasures = nms;
    return s;
}

static gain_unit unit(const char *key, int64_t inhabitants)
{
    gain_unit u;
    memset(&u, 0, sizeof u);
    kn_strcpy(u.key, sizeof u.key, key);
    kn_strcpy(u.name, sizeof u.name, key);
    u.inhabitants = inhabitants;
    gain_params_default(&u.params);
    return u;
}

static double input_of(const gain_figure *f, const char *name)
{
    for (size_t i = 0; i < f->ninputs; i++)
        if (strcmp(f->inputs[i].name, name) == 0)
            return f->inputs[i].value;
    fail_msg("figure %s has no input %s", f->key, name);
    return NAN;
}

/* ---- codes, dates, parameters ---- */

static void test_annual_factor(void **state)
{
    (void)state;
    assert_true(fabs(gain_annual_factor("month", 1, 365) - 12.0) < EPS);
    assert_true(fabs(gain_annual_factor("month", 3, 360) - 4.0) < EPS);
    assert_true(fabs(gain_annual_factor("week", 1, 364) - 52.0) < EPS);
    assert_true(fabs(gain_annual_factor("week", 2, 365) - 365.0 / 14.0) < EPS);
    assert_true(fabs(gain_annual_factor("day", 30, 360) - 12.0) < EPS);
    assert_true(fabs(gain_annual_factor("day", 30, 365) - 365.0 / 30.0) < EPS);
}

static void test_dates_and_periods(void **state)
{
    (void)state;
    int64_t d;
    char out[STORE_DATE_LEN];
    assert_int_equal(gain_date_parse("1970-01-01", &d), KN_OK);
    assert_int_equal(d, 0);
    assert_int_equal(gain_date_parse("2000-03-01", &d), KN_OK);
    assert_int_equal(d, 30 * 365 + 7 + 31 + 29); /* 7 leap days 1972..1996, Jan, leap Feb */
    gain_date_format(d, out);
    assert_string_equal(out, "2000-03-01");
    const char *bad[] = {"2021-02-29", "2021-13-01", "2021-00-10", "21-01-01", "2021-1-01",
                         "2021-01-01x", "abcd-ef-gh", "", "1899-12-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(gain_date_parse(bad[i], &d), KN_EINVAL);
    kn_err err;
    assert_int_equal(gain_period_end("2021-01-01", "month", 1, out, &err), KN_OK);
    assert_string_equal(out, "2021-01-31");
    assert_int_equal(gain_period_end("2020-02-01", "month", 1, out, &err), KN_OK);
    assert_string_equal(out, "2020-02-29");
    assert_int_equal(gain_period_end("2017-01-01", "month", 12, out, &err), KN_OK);
    assert_string_equal(out, "2017-12-31");
    assert_int_equal(gain_period_end("2021-01-04", "week", 1, out, &err), KN_OK);
    assert_string_equal(out, "2021-01-10");
    assert_int_equal(gain_period_end("2019-12-15", "day", 30, out, &err), KN_OK);
    assert_string_equal(out, "2020-01-13");
    assert_int_equal(gain_period_end("2021-01-01", "fortnight", 1, out, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "period_unit"));
    assert_int_equal(gain_period_end("2021-01-01", "day", 0, out, &err), KN_EINVAL);
    char q[8];
    gain_quarter("2021-03-31", q);
    assert_string_equal(q, "2021-Q1");
    gain_quarter("2021-04-01", q);
    assert_string_equal(q, "2021-Q2");
    gain_quarter("2021-12-01", q);
    assert_string_equal(q, "2021-Q4");
}

static void test_codes(void **state)
{
    (void)state;
    kn_err err;
    assert_int_equal(gain_code_check(GAIN_CODE_TECHNOLOGY, "technology", "safety_alarm", &err), KN_OK);
    assert_int_equal(gain_code_check(GAIN_CODE_TECHNOLOGY, "technology", "robot", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "'robot'"));
    assert_non_null(strstr(err.msg, "medication_dispenser")); /* names the allowed values */
    assert_int_equal(gain_code_check(GAIN_CODE_INTERVAL, "interval", "weekly", &err), KN_EINVAL);
    assert_int_equal(gain_code_check(GAIN_CODE_GAIN_TYPE, "gain_type", NULL, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "required"));
    assert_string_equal(gain_code_label(GAIN_CODE_INTERVAL, "bimonthly"), "Hver 2. måned");
    assert_int_equal(gain_kind_parse("baseline"), STORE_GAIN_BASELINE);
    assert_int_equal(gain_kind_parse("followup"), STORE_GAIN_FOLLOWUP);
    assert_int_equal(gain_kind_parse("Baseline"), 0);
    assert_string_equal(gain_size_class(4999), "small");
    assert_string_equal(gain_size_class(5000), "medium");
    assert_string_equal(gain_size_class(19999), "medium");
    assert_string_equal(gain_size_class(20000), "large");
    assert_string_equal(gain_size_class(0), "unknown");
}

static void test_params(void **state)
{
    (void)state;
    gain_params p;
    kn_err err;
    gain_params_default(&p);
    assert_true(p.wage_per_hour == 430 && p.km_rate == 4.03 && p.days_per_year == 365);
    assert_true(p.hours_per_fte == 1667 && p.analysis_years == 4);
    assert_int_equal(gain_params_set(&p, "wage_per_hour", "512.5", &err), KN_OK);
    assert_true(p.wage_per_hour == 512.5);
    assert_int_equal(gain_params_set(&p, "days_per_year", "360", &err), KN_OK);
    assert_true(gain_param_value(&p, "days_per_year") == 360);
    assert_int_equal(gain_params_set(&p, "colour", "1", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "colour"));
    assert_int_equal(gain_params_set(&p, "km_rate", "-1", &err), KN_EINVAL);
    assert_int_equal(gain_params_set(&p, "km_rate", "4,03", &err), KN_EINVAL);
    assert_int_equal(gain_params_set(&p, "analysis_years", "2.5", &err), KN_EINVAL);
    assert_int_equal(gain_params_set(&p, "analysis_years", "31", &err), KN_EINVAL);
    assert_int_equal(p.analysis_years, 4); /* unchanged by the failures */
}

/* ---- validation ---- */

static void test_measure_errors(void **state)
{
    (void)state;
    store_gain_plan plan;
    plan_init(&plan, "p", "u", "safety_alarm");
    kn_err err;
    store_gain_measure ok = measure("p", "s", STORE_GAIN_BASELINE, "2021-02-01", "month", 1);
    ok.visits = 10;
    ok.night_checks = 4;
    ok.alarms_received = 5;
    ok.alarms_forwarded = 5;
    assert_int_equal(gain_measure_check(&ok, &plan, &err), KN_OK);
    assert_string_equal(ok.period_end, "2021-02-28");

    const char *names[] = {"visits", "minutes_per_visit", "km", "alarms_received",
                           "alarms_forwarded", "minutes_per_alarm", "night_checks"};
    for (size_t i = 0; i < 7; i++) { /* negative durations and counts */
        store_gain_measure m = ok;
        int64_t *fields[] = {&m.visits, &m.minutes_per_visit, &m.km, &m.alarms_received,
                             &m.alarms_forwarded, &m.minutes_per_alarm, &m.night_checks};
        *fields[i] = -1;
        assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EINVAL);
        assert_non_null(strstr(err.msg, names[i]));
        assert_non_null(strstr(err.msg, "0 or more"));
    }
    int scores[] = {7, -1, 100};
    for (size_t i = 0; i < 3; i++) { /* quality outside 1-6 */
        store_gain_measure m = ok;
        m.quality_staff = scores[i];
        assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EINVAL);
        assert_non_null(strstr(err.msg, "quality_staff"));
    }
    store_gain_measure m = ok;
    m.quality_user = 6;
    m.quality_relatives = 1;
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_OK);
    m = ok;
    m.alarms_forwarded = 6; /* more forwarded than received */
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EINVAL);
    m = ok;
    m.night_checks = 11; /* night checks are among the visits */
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EINVAL);
    m = ok;
    m.kind = 3;
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EINVAL);
    m = measure("p", "s", STORE_GAIN_BASELINE, "2022-12-25", "week", 1); /* ends 2022-12-31: inside */
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_OK);
    m = measure("p", "s", STORE_GAIN_BASELINE, "2022-12-26", "week", 1); /* ends 2023-01-01 */
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EUNPROCESSABLE);
    assert_non_null(strstr(err.msg, "outside the plan"));
    m = measure("p", "s", STORE_GAIN_FOLLOWUP, "2020-12-31", "day", 1);
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EUNPROCESSABLE);
    m = measure("p", "", STORE_GAIN_FOLLOWUP, "2021-03-01", "day", 1);
    assert_int_equal(gain_measure_check(&m, &plan, &err), KN_EINVAL);
}

static void test_plan_errors(void **state)
{
    (void)state;
    store_gain_plan p;
    kn_err err;
    plan_init(&p, "p", "u", "medication_dispenser");
    assert_int_equal(gain_plan_check(&p, &err), KN_OK);
    plan_init(&p, "p", "u", "teleporter");
    assert_int_equal(gain_plan_check(&p, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "technology"));
    plan_init(&p, "p", "u", "gps_tracker");
    kn_strcpy(p.gain_type, sizeof p.gain_type, "happiness");
    assert_int_equal(gain_plan_check(&p, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "gain_type"));
    plan_init(&p, "p", "u", "gps_tracker");
    kn_strcpy(p.end_date, sizeof p.end_date, "2020-12-31");
    assert_int_equal(gain_plan_check(&p, &err), KN_EINVAL);
    plan_init(&p, "p", "u", "gps_tracker");
    p.startup_cost = -5;
    assert_int_equal(gain_plan_check(&p, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "startup"));
    plan_init(&p, "p", "u", "gps_tracker");
    p.name[0] = '\0';
    assert_int_equal(gain_plan_check(&p, &err), KN_EINVAL);
}

static void test_baseline_rule(void **state)
{
    (void)state;
    kn_err err;
    store_gain_measure list[2];
    list[0] = measure("p", "anna", STORE_GAIN_BASELINE, "2021-02-01", "month", 1);
    store_gain_measure follow = measure("p", "anna", STORE_GAIN_FOLLOWUP, "2021-05-01", "month", 1);
    assert_int_equal(gain_baseline_rule(list, 0, &follow, &err), KN_ECONFLICT); /* none yet */
    assert_non_null(strstr(err.msg, "no baseline"));
    assert_int_equal(gain_baseline_rule(list, 1, &follow, &err), KN_OK);
    store_gain_measure other = measure("p", "bjorn", STORE_GAIN_FOLLOWUP, "2021-05-01", "month", 1);
    assert_int_equal(gain_baseline_rule(list, 1, &other, &err), KN_ECONFLICT); /* per subject */
    store_gain_measure other_plan = measure("q", "anna", STORE_GAIN_FOLLOWUP, "2021-05-01", "month", 1);
    assert_int_equal(gain_baseline_rule(list, 1, &other_plan, &err), KN_ECONFLICT); /* per plan */
    store_gain_measure again = measure("p", "anna", STORE_GAIN_BASELINE, "2021-03-01", "month", 1);
    assert_int_equal(gain_baseline_rule(list, 1, &again, &err), KN_ECONFLICT);
    store_gain_measure early = measure("p", "anna", STORE_GAIN_FOLLOWUP, "2021-01-15", "day", 7);
    assert_int_equal(gain_baseline_rule(list, 1, &early, &err), KN_EUNPROCESSABLE);

    /* the calculation refuses a scenario that breaks the rule */
    gain_unit u = unit("u", 1000);
    store_gain_plan plan;
    plan_init(&plan, "p", "u", "gps_tracker");
    gain_scenario s = scenario(&u, 1, &plan, 1, &follow, 1);
    gain_result r;
    assert_int_equal(gain_compute(&s, &r, &err), KN_ECONFLICT);
    gain_scenario_free(&s);
}

/* ---- the calculations ---- */

/* One medication plan, one user, a week before and after; 364 days a year, so
 * a week annualises by exactly 52. */
static void test_plan_figures(void **state)
{
    (void)state;
    gain_unit u = unit("u", 12000);
    u.params.wage_per_hour = 500;
    u.params.km_rate = 4;
    u.params.days_per_year = 364;
    u.params.hours_per_fte = 1500;
    u.params.analysis_years = 3;
    store_gain_plan plan;
    plan_init(&plan, "p", "u", "medication_dispenser");
    plan.licence_per_year = 1000;
    plan.operating_per_year = 2000;
    plan.startup_cost = 3000;
    plan.replaced_per_year = 500;
    store_gain_measure ms[2];
    ms[0] = measure("p", "s", STORE_GAIN_BASELINE, "2021-01-04", "week", 1);
    ms[0].visits = 21, ms[0].minutes_per_visit = 20, ms[0].km = 84;
    ms[1] = measure("p", "s", STORE_GAIN_FOLLOWUP, "2021-06-07", "week", 1);
    ms[1].visits = 7, ms[1].minutes_per_visit = 20, ms[1].km = 28;
    gain_scenario s = scenario(&u, 1, &plan, 1, ms, 2);
    gain_result r;
    kn_err err;
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    const gain_figure *f = r.plans[0].t.figs;

    double visits_b = 21 * 52.0, visits_a = 7 * 52.0;
    double hours_b = visits_b * 20 / 60, hours_a = visits_a * 20 / 60;
    double km_b = 84 * 52.0, km_a = 28 * 52.0;
    double hours = hours_b - hours_a, km = km_b - km_a;
    double avoided = hours * 500 + km * 4;
    assert_true(fabs(f[GAIN_F_VISITS_BEFORE].value - 1092) < EPS);
    assert_true(fabs(f[GAIN_F_VISITS_AVOIDED].value - (visits_b - visits_a)) < EPS);
    assert_true(fabs(f[GAIN_F_HOURS_BEFORE].value - 364) < EPS);
    assert_true(fabs(f[GAIN_F_HOURS_AFTER].value - hours_a) < EPS);
    assert_true(fabs(f[GAIN_F_HOURS_AVOIDED].value - hours) < EPS);
    assert_true(fabs(f[GAIN_F_HOURS_PCT].value - 100.0 * 2 / 3) < 1e-9);
    assert_true(fabs(f[GAIN_F_KM_AVOIDED].value - 2912) < EPS);
    assert_true(fabs(f[GAIN_F_STAFF_COST_AVOIDED].value - hours * 500) < EPS);
    assert_true(fabs(f[GAIN_F_KM_COST_AVOIDED].value - 11648) < EPS);
    assert_true(fabs(f[GAIN_F_COST_AVOIDED].value - avoided) < EPS);
    assert_true(fabs(f[GAIN_F_NET_ANNUAL].value - (avoided - 1000 - 2000 + 500 - 3000 / 3.0)) < EPS);
    assert_true(fabs(f[GAIN_F_NET_PERIOD].value - (3 * (avoided - 2500) - 3000)) < EPS);
    assert_true(fabs(f[GAIN_F_FTE].value - hours / 1500) < EPS);
    assert_true(fabs(f[GAIN_F_HOURS_PER_USER].value - hours) < EPS);
    assert_false(f[GAIN_F_CLARIFICATION_PCT].defined); /* no alarms */
    /* traceability: the formula's inputs are the numbers it used */
    assert_string_equal(f[GAIN_F_COST_AVOIDED].formula,
                        "hours_avoided x wage_per_hour + km_avoided x km_rate");
    assert_true(fabs(input_of(&f[GAIN_F_COST_AVOIDED], "hours_avoided") - hours) < EPS);
    assert_true(input_of(&f[GAIN_F_COST_AVOIDED], "wage_per_hour") == 500);
    assert_true(input_of(&f[GAIN_F_COST_AVOIDED], "km_rate") == 4);
    assert_true(input_of(&f[GAIN_F_NET_ANNUAL], "startup") == 3000);
    /* cumulative: without = y (cost before + replaced); with = startup + y (cost after + licence + operating) */
    const gain_totals *t = &r.plans[0].t;
    assert_int_equal(t->years, 3);
    for (int y = 0; y <= 3; y++) {
        double without = y * (hours_b * 500 + km_b * 4 + 500);
        double with = 3000 + y * (hours_a * 500 + km_a * 4 + 1000 + 2000);
        assert_true(fabs(t->without[y] - without) < 1e-6);
        assert_true(fabs(t->with[y] - with) < 1e-6);
    }
    assert_true(fabs((t->without[3] - t->with[3]) - f[GAIN_F_NET_PERIOD].value) < 1e-6);
    gain_result_free(&r);
    gain_scenario_free(&s);
}

/* Alarms: 500 a month straight to the service before; 274 at the response
 * centre and 114 forwarded after; 20 minutes per forwarded alarm. */
static void test_alarms_and_clarification(void **state)
{
    (void)state;
    gain_unit u = unit("u", 10500);
    store_gain_plan plan;
    plan_init(&plan, "p", "u", "safety_alarm");
    plan.operating_per_year = 14000;
    store_gain_measure ms[2];
    ms[0] = measure("p", "all", STORE_GAIN_BASELINE, "2021-01-01", "month", 1);
    ms[0].alarms_received = 500, ms[0].alarms_forwarded = 500, ms[0].minutes_per_alarm = 20;
    ms[1] = measure("p", "all", STORE_GAIN_FOLLOWUP, "2022-01-01", "month", 1);
    ms[1].alarms_received = 274, ms[1].alarms_forwarded = 114, ms[1].minutes_per_alarm = 20;
    gain_scenario s = scenario(&u, 1, &plan, 1, ms, 2);
    gain_result r;
    kn_err err;
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    const gain_figure *f = r.plans[0].t.figs;
    assert_true(fabs(f[GAIN_F_ALARMS_BEFORE].value - 6000) < EPS);
    assert_true(fabs(f[GAIN_F_ALARMS_AFTER].value - 114 * 12) < EPS);
    assert_true(fabs(f[GAIN_F_ALARMS_PCT].value - 100.0 * (6000 - 1368) / 6000) < EPS);
    assert_true(fabs(f[GAIN_F_CLARIFICATION_PCT].value - 100.0 * (274 - 114) / 274) < EPS);
    double hours = 6000 * 20 / 60.0 - 1368 * 20 / 60.0;
    assert_true(fabs(f[GAIN_F_HOURS_AVOIDED].value - hours) < EPS);
    assert_true(fabs(f[GAIN_F_NET_ANNUAL].value - (hours * 430 - 14000)) < 1e-6);
    assert_false(f[GAIN_F_VISITS_PCT].defined); /* no visits before: no reduction to speak of */
    gain_result_free(&r);
    gain_scenario_free(&s);
}

/* Two users: only the latest follow-up counts; quality means per dimension;
 * a user with a baseline only is counted but not in the gains. */
static void test_latest_followup_and_quality(void **state)
{
    (void)state;
    gain_unit u = unit("u", 3000);
    store_gain_plan plan;
    plan_init(&plan, "p", "u", "digital_supervision");
    store_gain_measure ms[6];
    ms[0] = measure("p", "a", STORE_GAIN_BASELINE, "2021-01-01", "day", 30);
    ms[0].visits = 60, ms[0].minutes_per_visit = 30, ms[0].quality_user = 2, ms[0].quality_staff = 3;
    ms[1] = measure("p", "a", STORE_GAIN_FOLLOWUP, "2021-09-01", "day", 30); /* latest */
    ms[1].visits = 6, ms[1].minutes_per_visit = 30, ms[1].quality_user = 5;
    ms[2] = measure("p", "a", STORE_GAIN_FOLLOWUP, "2021-04-01", "day", 30);
    ms[2].visits = 20, ms[2].minutes_per_visit = 30, ms[2].quality_user = 3;
    ms[3] = measure("p", "b", STORE_GAIN_BASELINE, "2021-01-01", "day", 30);
    ms[3].visits = 30, ms[3].minutes_per_visit = 60, ms[3].quality_user = 4;
    ms[4] = measure("p", "b", STORE_GAIN_FOLLOWUP, "2021-04-01", "day", 30);
    ms[4].visits = 10, ms[4].minutes_per_visit = 60, ms[4].quality_user = 6, ms[4].quality_staff = 5;
    ms[5] = measure("p", "c", STORE_GAIN_BASELINE, "2021-01-01", "day", 30);
    ms[5].visits = 99, ms[5].minutes_per_visit = 99;
    gain_scenario s = scenario(&u, 1, &plan, 1, ms, 6);
    gain_result r;
    kn_err err;
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    const gain_totals *t = &r.plans[0].t;
    assert_int_equal(t->users, 3);
    assert_int_equal(t->followed, 2);
    double k = 365.0 / 30;
    double before = (60 * 30 + 30 * 60) / 60.0 * k, after = (6 * 30 + 10 * 60) / 60.0 * k;
    assert_true(fabs(t->figs[GAIN_F_HOURS_BEFORE].value - before) < 1e-9);
    assert_true(fabs(t->figs[GAIN_F_HOURS_AFTER].value - after) < 1e-9);
    assert_true(fabs(t->figs[GAIN_F_HOURS_PER_USER].value - (before - after) / 2) < 1e-9);
    assert_true(fabs(t->quality[0].before - 3.0) < EPS); /* users: (2 + 4) / 2 */
    assert_true(fabs(t->quality[0].after - 5.5) < EPS);  /* (5 + 6) / 2: the latest of a */
    assert_int_equal(t->quality[1].n_before, 1);          /* staff: only a before, only b after */
    assert_true(fabs(t->quality[1].after - 5.0) < EPS);
    assert_int_equal(t->quality[2].n_before + t->quality[2].n_after, 0);
    gain_result_free(&r);
    gain_scenario_free(&s);
}

static const gain_group *group(const gain_result *r, int dim, const char *key)
{
    for (size_t i = 0; i < r->ngroups; i++)
        if (r->groups[i].dim == dim && strcmp(r->groups[i].key, key) == 0)
            return &r->groups[i];
    fail_msg("no group %d/%s", dim, key);
    return NULL;
}

static void inputs_add_up(const gain_figure *f)
{
    double sum = 0;
    for (size_t i = 0; i < f->ninputs; i++)
        sum += f->inputs[i].value;
    assert_true(fabs(sum - f->value) < 1e-6);
}

/* Three plans in two municipalities (small, large) and two regions; each
 * plan saves a known number of hours. Groups sum the plans; quarters take
 * each user's latest follow-up in the quarter. */
static void test_groups(void **state)
{
    (void)state;
    gain_unit units[2] = {unit("small", 2500), unit("large", 25000)};
    units[1].params.wage_per_hour = 600; /* each plan is costed at its own municipality's rate */
    store_gain_plan plans[3];
    plan_init(&plans[0], "p1", "small", "safety_alarm");
    plan_init(&plans[1], "p2", "large", "safety_alarm");
    plan_init(&plans[2], "p3", "large", "gps_tracker");
    kn_strcpy(plans[0].region, sizeof plans[0].region, "Vestland");
    kn_strcpy(plans[1].region, sizeof plans[1].region, "Agder");
    kn_strcpy(plans[2].region, sizeof plans[2].region, "Agder");
    store_gain_measure ms[7];
    const char *ids[] = {"p1", "p2", "p3"};
    int before_visits[] = {12, 24, 36}; /* a month, 60 minutes each: 12 x hours a year */
    for (int i = 0; i < 3; i++) {
        ms[2 * i] = measure(ids[i], "x", STORE_GAIN_BASELINE, "2021-01-01", "month", 1);
        ms[2 * i].visits = before_visits[i], ms[2 * i].minutes_per_visit = 60;
        ms[2 * i + 1] = measure(ids[i], "x", STORE_GAIN_FOLLOWUP, "2021-04-01", "month", 1);
        ms[2 * i + 1].minutes_per_visit = 60; /* no visits after */
    }
    ms[6] = measure("p3", "x", STORE_GAIN_FOLLOWUP, "2021-05-01", "month", 1); /* later in Q2 */
    ms[6].visits = 6, ms[6].minutes_per_visit = 60;
    gain_scenario s = scenario(units, 2, plans, 3, ms, 7);
    gain_result r;
    kn_err err;
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    double h1 = 12 * 12, h2 = 24 * 12, h3 = (36 - 6) * 12; /* p3: the May follow-up is the latest */
    assert_true(fabs(group(&r, GAIN_DIM_TECHNOLOGY, "safety_alarm")->hours_avoided.value - (h1 + h2)) < EPS);
    assert_true(fabs(group(&r, GAIN_DIM_TECHNOLOGY, "gps_tracker")->hours_avoided.value - h3) < EPS);
    assert_true(fabs(group(&r, GAIN_DIM_SIZE, "small")->hours_avoided.value - h1) < EPS);
    const gain_group *large = group(&r, GAIN_DIM_SIZE, "large");
    assert_int_equal(large->plans, 2);
    assert_true(fabs(large->cost_avoided.value - (h2 + h3) * 600) < 1e-6);
    assert_true(fabs(group(&r, GAIN_DIM_REGION, "Agder")->hours_avoided.value - (h2 + h3)) < EPS);
    assert_true(fabs(group(&r, GAIN_DIM_REGION, "Vestland")->cost_avoided.value - h1 * 430) < 1e-6);
    const gain_group *q2 = group(&r, GAIN_DIM_QUARTER, "2021-Q2");
    assert_int_equal(q2->users, 3);
    assert_true(fabs(q2->hours_avoided.value - (h1 + h2 + h3)) < EPS);
    assert_false(q2->net_annual.defined);
    for (size_t i = 0; i < r.ngroups; i++) {
        inputs_add_up(&r.groups[i].hours_avoided);
        inputs_add_up(&r.groups[i].cost_avoided);
    }
    assert_true(fabs(r.total.figs[GAIN_F_COST_AVOIDED].value - (h1 * 430 + (h2 + h3) * 600)) < 1e-6);
    inputs_add_up(&r.total.figs[GAIN_F_COST_AVOIDED]);
    assert_true(fabs(r.total.figs[GAIN_F_HOURS_AVOIDED].value - (h1 + h2 + h3)) < EPS);
    gain_result_free(&r);
    gain_scenario_free(&s);
}

/* ---- scenario files ---- */

static const char FILE_OK[] =
    "{\"title\":\"t\",\"municipality\":{\"name\":\"Testvik\",\"inhabitants\":4000,\"region\":\"Agder\"},"
    "\"params\":{\"wage_per_hour\":400,\"days_per_year\":360},"
    "\"plans\":[{\"name\":\"Tilsyn\",\"technology\":\"digital_supervision\",\"gain_type\":\"time_freed\","
    "\"interval\":\"monthly\",\"start\":\"2019-01-01\",\"end\":\"2020-12-31\",\"measurements\":["
    "{\"subject\":\"a\",\"kind\":\"baseline\",\"period_start\":\"2019-01-01\",\"period_unit\":\"day\","
    "\"period_count\":30,\"visits\":60,\"minutes_per_visit\":30},"
    "{\"subject\":\"a\",\"kind\":\"followup\",\"period_start\":\"2020-01-01\",\"period_unit\":\"day\","
    "\"period_count\":30,\"visits\":7,\"minutes_per_visit\":30}]}]}";

static void test_scenario_file(void **state)
{
    (void)state;
    gain_scenario s = {0};
    kn_err err;
    assert_int_equal(gain_scenario_parse(&s, FILE_OK, strlen(FILE_OK), &err), KN_OK);
    assert_int_equal(s.nunits, 1);
    assert_string_equal(s.plans[0].region, "Agder");
    gain_result r;
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    /* 360-day year: 60 visits in 30 days = 720 a year, half an hour each */
    assert_true(fabs(r.plans[0].t.figs[GAIN_F_HOURS_BEFORE].value - 360) < EPS);
    assert_true(fabs(r.plans[0].t.figs[GAIN_F_HOURS_AFTER].value - 42) < EPS);
    assert_true(fabs(r.plans[0].t.figs[GAIN_F_STAFF_COST_AVOIDED].value - 318 * 400) < 1e-6);
    assert_string_equal(r.plans[0].size_class, "small");
    gain_result_free(&r);
    assert_int_equal(gain_scenario_set_param(&s, "days_per_year", "365", &err), KN_OK);
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    assert_true(fabs(r.plans[0].t.figs[GAIN_F_HOURS_BEFORE].value - 365) < EPS);
    gain_result_free(&r);
    assert_int_equal(gain_scenario_set_param(&s, "days_per_year", "0", &err), KN_EINVAL);
    gain_scenario_free(&s);
}

/* Replace the first `from` in FILE_OK by `to` and parse: the status and a word of the reason. */
static void parse_variant(const char *from, const char *to, int status, const char *word)
{
    char text[sizeof FILE_OK + 256];
    const char *at = strstr(FILE_OK, from);
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - FILE_OK), FILE_OK, to, at + strlen(from));
    gain_scenario s = {0};
    kn_err err;
    assert_int_equal(gain_scenario_parse(&s, text, strlen(text), &err), status);
    if (!strstr(err.msg, word))
        fail_msg("'%s' not in: %s", word, err.msg);
    gain_scenario_free(&s);
}

static void test_scenario_file_errors(void **state)
{
    (void)state;
    parse_variant("\"minutes_per_visit\":30}", "\"minutes_per_visit\":-30}", KN_EINVAL,
                  "measurements[0]: field 'minutes_per_visit' must be 0 or more");
    parse_variant("\"visits\":60", "\"visits\":60,\"quality_user\":0,\"quality_staff\":9", KN_EINVAL,
                  "quality_staff");
    parse_variant("\"digital_supervision\"", "\"hologram\"", KN_EINVAL, "plans[0]: field 'technology'");
    parse_variant("\"kind\":\"baseline\"", "\"kind\":\"nullpunkt\"", KN_EINVAL, "kind");
    parse_variant("\"kind\":\"baseline\"", "\"kind\":\"followup\"", KN_ECONFLICT, "no baseline");
    parse_variant("\"period_start\":\"2020-01-01\"", "\"period_start\":\"2021-01-01\"",
                  KN_EUNPROCESSABLE, "outside the plan");
    parse_variant("\"visits\":7", "\"visits\":7.5", KN_EINVAL, "whole number");
    parse_variant("\"title\":\"t\"", "\"title\":\"t\",\"colour\":1", KN_EINVAL, "unknown field 'colour'");
    parse_variant("\"wage_per_hour\":400", "\"wage_per_hour\":\"400\"", KN_EINVAL, "number");
    parse_variant("\"subject\":\"a\"", "\"citizen_id\":\"a\"", KN_EINVAL, "subject");
    parse_variant("{\"title\"", "[{\"title\"", KN_EINVAL, "JSON");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_annual_factor),
        cmocka_unit_test(test_dates_and_periods),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_measure_errors),
        cmocka_unit_test(test_plan_errors),
        cmocka_unit_test(test_baseline_rule),
        cmocka_unit_test(test_plan_figures),
        cmocka_unit_test(test_alarms_and_clarification),
        cmocka_unit_test(test_latest_followup_and_quality),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_scenario_file),
        cmocka_unit_test(test_scenario_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
