/* test_gain_store.c - stored benefit plans and measurements over a real
 * SQLite store with the demo data: access per role and municipality, the
 * baseline rule (in the domain and, for concurrent writers, in the store's
 * transaction), errors that write nothing, an audit event for every write and
 * every read of per-citizen data, the report read (gain.report), and that the
 * demo's plans compute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_util.h"
#include "demo/demo.h"
#include "gain/gain.h"
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUNI_A "939000011"
#define MUNI_B "939000038"
#define SUPPLIER "987000015"

struct fixture {
    store *st;
    char path[512];
    char citizen_a[STORE_ID_LEN], citizen_a2[STORE_ID_LEN], citizen_b[STORE_ID_LEN];
};

/* Two citizens of Knutby (A) and one of Fjordvik (B) from the demo data. */
static void pick_citizens(struct fixture *f)
{
    store_citizen *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->citizen_list(f->st, MUNI_A, 0, 10, &list, &n, NULL), KN_OK);
    assert_true(n >= 2);
    kn_strcpy(f->citizen_a, sizeof f->citizen_a, list[0].id);
    kn_strcpy(f->citizen_a2, sizeof f->citizen_a2, list[1].id);
    free(list);
    assert_int_equal(f->st->ops->citizen_list(f->st, MUNI_B, 0, 1, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 1);
    kn_strcpy(f->citizen_b, sizeof f->citizen_b, list[0].id);
    free(list);
}

/* One demo store for the whole group: every test makes its own plans and
 * users, so the tests do not see each other's rows. */
static int group_setup(void **state)
{
    static struct fixture f;
    demo_report report;
    if (test_store_new(&f.st, f.path, sizeof f.path) != KN_OK ||
        demo_load(f.st, 0, &report, NULL) != KN_OK)
        return -1;
    pick_citizens(&f);
    *state = &f;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *f = *state;
    test_store_destroy(f->st, f->path);
    return 0;
}

/* A user no other test knows ("gain-user-<n>"), holding `roles` at orgnr. */
static auth_principal user_with(const char *orgnr, uint32_t roles)
{
    static int serial;
    char id[STORE_ID_LEN];
    snprintf(id, sizeof id, "gain-user-%d", ++serial);
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, id);
    test_grant(&p, orgnr, roles);
    return p;
}

static size_t audit_count(store *st, const char *actor, const char *action, const char *object)
{
    store_audit *list = NULL;
    size_t n = 0, hits = 0;
    store_audit_filter filter = {NULL, actor, action, 0, 1000};
    assert_int_equal(st->ops->audit_list(st, &filter, &list, &n, NULL), KN_OK);
    for (size_t i = 0; i < n; i++)
        hits += !object || strcmp(list[i].object_id, object) == 0;
    free(list);
    return hits;
}

static size_t measure_count(store *st, const char *plan)
{
    store_gain_measure *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->gain_measure_list(st, NULL, plan, NULL, &list, &n, NULL), KN_OK);
    free(list);
    return n;
}

static store_gain_plan plan_input(void)
{
    store_gain_plan p;
    memset(&p, 0, sizeof p);
    kn_strcpy(p.name, sizeof p.name, "Medisindispensere");
    kn_strcpy(p.technology, sizeof p.technology, "medication_dispenser");
    kn_strcpy(p.gain_type, sizeof p.gain_type, "time_freed");
    kn_strcpy(p.interval, sizeof p.interval, "bimonthly");
    kn_strcpy(p.start_date, sizeof p.start_date, "2024-01-01");
    kn_strcpy(p.end_date, sizeof p.end_date, "2024-12-31");
    p.licence_per_year = 1200;
    return p;
}

static store_gain_measure measure_input(const char *plan, const char *citizen, int kind,
                                        const char *start)
{
    store_gain_measure m;
    memset(&m, 0, sizeof m);
    kn_strcpy(m.plan_id, sizeof m.plan_id, plan);
    kn_strcpy(m.citizen_id, sizeof m.citizen_id, citizen);
    m.kind = kind;
    kn_strcpy(m.period_start, sizeof m.period_start, start);
    kn_strcpy(m.period_unit, sizeof m.period_unit, "week");
    m.period_count = 1;
    m.visits = kind == STORE_GAIN_BASELINE ? 14 : 7;
    m.minutes_per_visit = 30;
    return m;
}

static void test_plan_access(void **state)
{
    struct fixture *f = *state;
    auth_principal cw = user_with(MUNI_A, AUTH_ROLE_CASE_WORKER);
    auth_principal nurse = user_with(MUNI_A, AUTH_ROLE_NURSE);
    auth_principal other = user_with(MUNI_B, AUTH_ROLE_COORDINATOR);
    store_gain_plan p = plan_input(), *list = NULL;
    size_t before, n;
    kn_err err;
    assert_int_equal(gain_plan_list(f->st, &cw, MUNI_A, &list, &before, &err), KN_OK);
    free(list);
    assert_int_equal(gain_plan_create(f->st, &nurse, MUNI_A, &p, "r1", &err), KN_EFORBIDDEN);
    assert_int_equal(gain_plan_create(f->st, &other, MUNI_A, &p, "r1", &err), KN_EFORBIDDEN);
    auth_principal sup = user_with(SUPPLIER, AUTH_ROLE_ADMIN);
    assert_int_equal(gain_plan_create(f->st, &sup, SUPPLIER, &p, "r1", &err), KN_ENOTFOUND);
    kn_strcpy(p.interval, sizeof p.interval, "weekly");
    assert_int_equal(gain_plan_create(f->st, &cw, MUNI_A, &p, "r1", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "interval"));
    p = plan_input();
    assert_int_equal(gain_plan_create(f->st, &cw, MUNI_A, &p, "r2", &err), KN_OK);
    assert_int_equal(strlen(p.id), 32);
    assert_int_equal(audit_count(f->st, cw.id, "gain.plan.create", p.id), 1);
    assert_int_equal(audit_count(f->st, nurse.id, "gain.plan.create", NULL), 0);
    /* plans are no personal data: a nurse may list them, another municipality may not */
    assert_int_equal(gain_plan_list(f->st, &nurse, MUNI_A, &list, &n, &err), KN_OK);
    assert_int_equal(n, before + 1);
    free(list);
    assert_int_equal(gain_plan_list(f->st, &other, MUNI_A, &list, &n, &err), KN_EFORBIDDEN);
    assert_null(list);
}

static void test_measurements_and_baseline_rule(void **state)
{
    struct fixture *f = *state;
    auth_principal cw = user_with(MUNI_A, AUTH_ROLE_COORDINATOR);
    store_gain_plan p = plan_input();
    kn_err err;
    assert_int_equal(gain_plan_create(f->st, &cw, MUNI_A, &p, NULL, &err), KN_OK);

    store_gain_measure follow = measure_input(p.id, f->citizen_a, STORE_GAIN_FOLLOWUP, "2024-03-04");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &follow, "r", &err), KN_ECONFLICT);
    assert_non_null(strstr(err.msg, "baseline"));
    assert_int_equal(measure_count(f->st, p.id), 0); /* refused: nothing written */

    store_gain_measure base = measure_input(p.id, f->citizen_a, STORE_GAIN_BASELINE, "2024-01-08");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &base, "r", &err), KN_OK);
    assert_string_equal(base.period_end, "2024-01-14");
    assert_int_equal(audit_count(f->st, cw.id, "gain.measure.create", f->citizen_a), 1);
    follow = measure_input(p.id, f->citizen_a, STORE_GAIN_FOLLOWUP, "2024-03-04");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &follow, "r", &err), KN_OK);
    store_gain_measure again = measure_input(p.id, f->citizen_a, STORE_GAIN_BASELINE, "2024-02-05");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &again, "r", &err), KN_ECONFLICT);
    store_gain_measure early = measure_input(p.id, f->citizen_a, STORE_GAIN_FOLLOWUP, "2024-01-01");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &early, "r", &err), KN_EUNPROCESSABLE);
    store_gain_measure late = measure_input(p.id, f->citizen_a, STORE_GAIN_FOLLOWUP, "2024-12-30");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &late, "r", &err), KN_EUNPROCESSABLE);
    assert_non_null(strstr(err.msg, "outside the plan"));
    store_gain_measure negative = measure_input(p.id, f->citizen_a, STORE_GAIN_FOLLOWUP, "2024-05-06");
    negative.minutes_per_visit = -10;
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &negative, "r", &err), KN_EINVAL);
    store_gain_measure quality = measure_input(p.id, f->citizen_a, STORE_GAIN_FOLLOWUP, "2024-05-06");
    quality.quality_user = 7;
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &quality, "r", &err), KN_EINVAL);
    /* a citizen of another municipality, a plan of another municipality, an unknown citizen */
    store_gain_measure foreign = measure_input(p.id, f->citizen_b, STORE_GAIN_BASELINE, "2024-01-08");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &foreign, "r", &err), KN_ENOTFOUND);
    auth_principal cw_b = user_with(MUNI_B, AUTH_ROLE_CASE_WORKER);
    foreign = measure_input(p.id, f->citizen_b, STORE_GAIN_BASELINE, "2024-01-08");
    assert_int_equal(gain_measure_add(f->st, &cw_b, MUNI_B, &foreign, "r", &err), KN_ENOTFOUND);
    store_gain_measure ghost = measure_input(p.id, "00000000000000000000000000000000",
                                             STORE_GAIN_BASELINE, "2024-01-08");
    assert_int_equal(gain_measure_add(f->st, &cw, MUNI_A, &ghost, "r", &err), KN_ENOTFOUND);
    auth_principal nurse = user_with(MUNI_A, AUTH_ROLE_NURSE);
    store_gain_measure by_nurse = measure_input(p.id, f->citizen_a2, STORE_GAIN_BASELINE, "2024-01-08");
    assert_int_equal(gain_measure_add(f->st, &nurse, MUNI_A, &by_nurse, "r", &err), KN_EFORBIDDEN);
    assert_int_equal(measure_count(f->st, p.id), 2);
    assert_int_equal(audit_count(f->st, cw.id, "gain.measure.create", NULL), 2);
}

/* The store enforces the rule itself, for writers that race past the domain check. */
static void test_store_enforces_rule(void **state)
{
    struct fixture *f = *state;
    store_gain_plan p = plan_input();
    kn_err err;
    assert_int_equal(gain_plan_create(f->st, NULL, MUNI_A, &p, NULL, &err), KN_OK);
    store_gain_measure m = measure_input(p.id, f->citizen_a2, STORE_GAIN_FOLLOWUP, "2024-03-04");
    kn_strcpy(m.municipality, sizeof m.municipality, MUNI_A);
    kn_strcpy(m.period_end, sizeof m.period_end, "2024-03-10");
    store_audit audit;
    memset(&audit, 0, sizeof audit);
    kn_strcpy(audit.actor_kind, sizeof audit.actor_kind, "system");
    kn_strcpy(audit.action, sizeof audit.action, "gain.measure.create");
    kn_strcpy(audit.outcome, sizeof audit.outcome, "ok");
    size_t audits = audit_count(f->st, NULL, "gain.measure.create", f->citizen_a2);
    assert_int_equal(f->st->ops->gain_measure_add(f->st, &m, &audit, &err), KN_ECONFLICT);
    m.kind = STORE_GAIN_BASELINE;
    kn_strcpy(m.period_start, sizeof m.period_start, "2024-02-05");
    assert_int_equal(f->st->ops->gain_measure_add(f->st, &m, &audit, &err), KN_OK);
    assert_int_equal(f->st->ops->gain_measure_add(f->st, &m, &audit, &err), KN_ECONFLICT);
    m.kind = STORE_GAIN_FOLLOWUP;
    kn_strcpy(m.period_start, sizeof m.period_start, "2024-02-01");
    assert_int_equal(f->st->ops->gain_measure_add(f->st, &m, &audit, &err), KN_EUNPROCESSABLE);
    /* one record and one audit event for the one accepted write */
    assert_int_equal(measure_count(f->st, p.id), 1);
    assert_int_equal(audit_count(f->st, NULL, "gain.measure.create", f->citizen_a2), audits + 1);
}

static void test_reads_are_audited(void **state)
{
    struct fixture *f = *state;
    auth_principal cw = user_with(MUNI_A, AUTH_ROLE_CASE_WORKER);
    auth_principal nurse = user_with(MUNI_A, AUTH_ROLE_NURSE);
    store_gain_measure *list = NULL;
    size_t n = 0;
    kn_err err;
    assert_int_equal(gain_measure_list(f->st, &nurse, MUNI_A, NULL, NULL, "r", &list, &n, &err),
                     KN_EFORBIDDEN);
    assert_null(list);
    assert_int_equal(audit_count(f->st, nurse.id, "gain.measure.list", NULL), 0);
    assert_int_equal(gain_measure_list(f->st, &cw, MUNI_A, NULL, f->citizen_a, "r", &list, &n, &err),
                     KN_OK);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(list[i].citizen_id, f->citizen_a);
    free(list);
    assert_int_equal(audit_count(f->st, cw.id, "gain.measure.list", f->citizen_a), 1);
    assert_int_equal(gain_measure_list(f->st, &cw, MUNI_A, NULL, NULL, "r", &list, &n, &err), KN_OK);
    assert_true(n >= 16); /* the demo's measurements */
    for (size_t i = 0; i < n; i++)
        assert_string_equal(list[i].municipality, MUNI_A);
    free(list);
    assert_int_equal(audit_count(f->st, cw.id, "gain.measure.list", NULL), 2);
    auth_principal cw_b = user_with(MUNI_B, AUTH_ROLE_CASE_WORKER);
    assert_int_equal(gain_measure_list(f->st, &cw_b, MUNI_A, NULL, NULL, "r", &list, &n, &err),
                     KN_EFORBIDDEN);

    /* the report: aggregates for report roles, read audited as gain.report */
    gain_params params;
    gain_params_default(&params);
    gain_scenario s;
    assert_int_equal(gain_scenario_load(f->st, &nurse, MUNI_A, &params, "r", &s, &err), KN_OK);
    assert_int_equal(s.subjects_public, 0);
    assert_int_equal(audit_count(f->st, nurse.id, "gain.report", NULL), 1);
    gain_result r;
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    assert_true(r.nplans >= 3);
    assert_true(r.total.followed >= 6);
    assert_true(r.total.figs[GAIN_F_HOURS_AVOIDED].value > 0);
    gain_result_free(&r);
    gain_scenario_free(&s);
    auth_principal supplier = user_with(SUPPLIER, AUTH_ROLE_SUPPLIER);
    assert_int_equal(gain_scenario_load(f->st, &supplier, MUNI_A, &params, "r", &s, &err),
                     KN_EFORBIDDEN);
    assert_int_equal(gain_scenario_load(f->st, &cw, NULL, &params, "r", &s, &err), KN_EINVAL);
}

/* The demo's medication plan, from its inputs: three users, a week each. */
static void test_demo_plan_figures(void **state)
{
    struct fixture *f = *state;
    gain_params params;
    gain_params_default(&params);
    gain_scenario s;
    kn_err err;
    assert_int_equal(gain_scenario_load(f->st, NULL, MUNI_A, &params, NULL, &s, &err), KN_OK);
    gain_result r;
    assert_int_equal(gain_compute(&s, &r, &err), KN_OK);
    const gain_totals *t = NULL;
    for (size_t i = 0; i < r.nplans; i++)
        if (strcmp(s.plans[r.plans[i].plan].name, "Elektronisk medisineringsstøtte") == 0)
            t = &r.plans[i].t;
    assert_non_null(t);
    double w = 365.0 / 7; /* a week's share of the year */
    /* before: 21 x 20 min, 14 x 25 min, 21 x 15 min a week; latest after: 7 x 20, 7 x 25, 7 x 15 */
    double before = (21 * 20 + 14 * 25 + 21 * 15) / 60.0 * w, after = (7 * 20 + 7 * 25 + 7 * 15) / 60.0 * w;
    assert_int_equal(t->followed, 3);
    assert_true(fabs(t->figs[GAIN_F_HOURS_BEFORE].value - before) < 1e-9);
    assert_true(fabs(t->figs[GAIN_F_HOURS_AFTER].value - after) < 1e-9);
    assert_true(fabs(t->figs[GAIN_F_NET_ANNUAL].value -
                     ((before - after) * 430 + (84 + 112 + 42 - 28 - 56 - 14) * w * 4.03 - 24000 -
                      6000 - 40000 / 4.0)) < 1e-6);
    gain_result_free(&r);
    gain_scenario_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_access),
        cmocka_unit_test(test_measurements_and_baseline_rule),
        cmocka_unit_test(test_store_enforces_rule),
        cmocka_unit_test(test_reads_are_audited),
        cmocka_unit_test(test_demo_plan_figures),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
