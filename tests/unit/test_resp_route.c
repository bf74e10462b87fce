/* test_resp_route.c - routing of response-service alarms (resp_route.c):
 * Europe/Oslo local time across the DST switches (also checked hour by hour
 * against the system's tz database when it is installed), rule JSON and its
 * validation, matching precedence (citizen > service > "*", list order among
 * equals), week coverage and its gaps, and - over a real SQLite store with
 * the demo data - storing rules with access and audit and the routing step
 * an alarm gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_util.h"
#include "demo/demo.h"
#include "resp/resp_int.h"
#include "test_resp_util.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MUNI_A "939000011"
#define MUNI_B "939000038"
#define ALL_DAYS 0x7f
#define WEEKDAYS 0x1f
#define SATURDAY (1 << 5)
#define SUNDAY (1 << 6)

/* ms of a UTC calendar moment. */
static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000;
}

static void expect_local(int64_t at, int weekday, int minute, const char *month)
{
    int w = -1, m = -1;
    char mon[8] = "";
    resp_local_time(at, &w, &m, mon);
    assert_int_equal(w, weekday);
    assert_int_equal(m, minute);
    assert_string_equal(mon, month);
}

static void test_local_time_dst(void **state)
{
    (void)state;
    /* 2026-03-29 is the last Sunday of March: 01:00 UTC clocks go 02:00 -> 03:00. */
    expect_local(utc_ms(2026, 3, 29, 0, 59, 59), 6, 1 * 60 + 59, "2026-03");
    expect_local(utc_ms(2026, 3, 29, 1, 0, 0), 6, 3 * 60, "2026-03");
    expect_local(utc_ms(2026, 3, 28, 23, 30, 0), 6, 0 * 60 + 30, "2026-03"); /* Sat -> Sun */
    /* 2026-10-25 is the last Sunday of October: 01:00 UTC clocks go 03:00 -> 02:00. */
    expect_local(utc_ms(2026, 10, 25, 0, 59, 59), 6, 2 * 60 + 59, "2026-10");
    expect_local(utc_ms(2026, 10, 25, 1, 0, 0), 6, 2 * 60, "2026-10");
    expect_local(utc_ms(2026, 10, 24, 22, 0, 0), 6, 0, "2026-10"); /* summer: +2 */
    /* Winter +1 across the new year; summer +2 across a month end. */
    expect_local(utc_ms(2026, 12, 31, 23, 30, 0), 4, 30, "2027-01");
    expect_local(utc_ms(2026, 6, 30, 22, 30, 0), 2, 30, "2026-07");
    expect_local(utc_ms(2026, 11, 22, 12, 0, 0), 6, 13 * 60, "2026-11");
    char text[32];
    resp_local_format(utc_ms(2026, 7, 1, 8, 5, 0), text, sizeof text);
    assert_string_equal(text, "01.07.2026 kl. 10:05");
}

/* Every 20 minutes of 2024-2031 against the tz database's Europe/Oslo. */
static void test_local_time_matches_tzdata(void **state)
{
    (void)state;
    if (access("/usr/share/zoneinfo/Europe/Oslo", R_OK) != 0) {
        print_message("no tz database here: nothing to compare with\n");
        return;
    }
    setenv("TZ", "Europe/Oslo", 1);
    tzset();
    size_t checked = 0;
    for (int64_t s = utc_ms(2024, 1, 1, 0, 0, 0) / 1000; s < utc_ms(2032, 1, 1, 0, 0, 0) / 1000;
         s += 1200, checked++) {
        time_t t = (time_t)s;
        struct tm tm;
        localtime_r(&t, &tm);
        char month[8], want[8];
        int w, m;
        resp_local_time(s * 1000 + 999, &w, &m, month);
        snprintf(want, sizeof want, "%04u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
                 (unsigned)(tm.tm_mon + 1) % 100u);
        if (w != (tm.tm_wday + 6) % 7 || m != tm.tm_hour * 60 + tm.tm_min || strcmp(month, want))
            fail_msg("local time of %lld differs: %d %d %s", (long long)s, w, m, month);
    }
    unsetenv("TZ");
    tzset();
    assert_true(checked > 200000);
}

/* ---- rules ---- */

static store_resp_rule rule(const char *service, const char *citizen, int days, int from, int to,
                            const char *target)
{
    store_resp_rule r;
    memset(&r, 0, sizeof r);
    kn_strcpy(r.municipality, sizeof r.municipality, MUNI_A);
    snprintf(r.name, sizeof r.name, "%s %s", service, target);
    kn_strcpy(r.service, sizeof r.service, service);
    kn_strcpy(r.citizen_id, sizeof r.citizen_id, citizen ? citizen : "");
    r.weekdays = days;
    r.start_min = from;
    r.end_min = to;
    r.nsteps = 1;
    r.steps[0].kind = RESP_STEP_CENTRE;
    kn_strcpy(r.steps[0].target, sizeof r.steps[0].target, target);
    r.steps[0].timeout_s = 60;
    return r;
}

static const char *rule_json_ok =
    "{\"id\":\"\",\"name\":\"Natt helg\",\"service\":\"*\",\"citizen_id\":null,"
    "\"days\":[\"l\xc3\xb8r\",\"s\xc3\xb8n\"],\"from\":\"22:00\",\"to\":\"24:00\","
    "\"steps\":[{\"kind\":\"centre\",\"target\":\"Responssenter Knutby\",\"timeout_s\":60},"
    "{\"kind\":\"oncall\",\"target\":\"99 99 99 99\",\"timeout_s\":120},"
    "{\"kind\":\"relatives\",\"timeout_s\":300}]}";

static int parse_rule(const char *text, store_resp_rule *out, kn_err *err)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int rc = resp_rule_from_json(j, MUNI_A, out, err);
    json_decref(j);
    return rc;
}

static void test_rule_json(void **state)
{
    (void)state;
    store_resp_rule r, again;
    kn_err err;
    assert_int_equal(parse_rule(rule_json_ok, &r, &err), KN_OK);
    assert_string_equal(r.municipality, MUNI_A);
    assert_int_equal(r.weekdays, SATURDAY | SUNDAY);
    assert_int_equal(r.start_min, 22 * 60);
    assert_int_equal(r.end_min, 1440);
    assert_int_equal(r.nsteps, 3);
    assert_int_equal(r.steps[1].kind, RESP_STEP_ONCALL);
    assert_string_equal(r.steps[1].target, "99 99 99 99");
    assert_int_equal(r.steps[2].kind, RESP_STEP_RELATIVES);
    /* Round trip: what to_json writes, from_json reads back to the same rule. */
    json_t *j = resp_rule_to_json(&r);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "to")), "24:00");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "days"), 1)),
                        "s\xc3\xb8n");
    assert_int_equal(resp_rule_from_json(j, MUNI_A, &again, &err), KN_OK);
    json_decref(j);
    assert_memory_equal(&r, &again, sizeof r);
}

/* The error names the field. */
static void expect_bad(const char *from, const char *to, const char *field)
{
    char text[1024];
    const char *at = strstr(rule_json_ok, from);
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - rule_json_ok), rule_json_ok, to,
             at + strlen(from));
    store_resp_rule r;
    kn_err err;
    kn_err_clear(&err);
    assert_int_equal(parse_rule(text, &r, &err), KN_EINVAL);
    if (!strstr(err.msg, field))
        fail_msg("error \"%s\" does not name %s", err.msg, field);
}

static void test_rule_validation(void **state)
{
    (void)state;
    expect_bad("\"timeout_s\":120", "\"timeout_s\":9", "steps[1].timeout_s");
    expect_bad("\"kind\":\"oncall\"", "\"kind\":\"police\"", "steps[1].kind");
    expect_bad("\"target\":\"99 99 99 99\",", "", "steps[1].target");
    expect_bad("\"service\":\"*\"", "\"service\":\"99\"", "'service'");
    expect_bad("\"service\":\"*\"", "\"service\":\"\"", "'service'");
    expect_bad("\"l\xc3\xb8r\"", "\"sat\"", "days[0]");
    expect_bad("[\"l\xc3\xb8r\",\"s\xc3\xb8n\"]", "[]", "'days'");
    expect_bad("\"22:00\"", "\"24:00\"", "'from'");
    expect_bad("\"22:00\"", "\"7:00\"", "'from'");
    expect_bad("\"24:00\"", "\"22:00\"", "'to'");
    expect_bad("\"24:00\"", "\"24:30\"", "'to'");
    expect_bad("\"name\":\"Natt helg\"", "\"name\":\"\"", "'name'");
    /* 0 steps and 7 steps */
    const char *steps = strstr(rule_json_ok, "[{\"kind\"");
    assert_non_null(steps);
    char seven[800] = "[";
    for (int i = 0; i < 7; i++)
        strcat(seven, i ? ",{\"kind\":\"centre\",\"target\":\"x\",\"timeout_s\":60}"
                        : "{\"kind\":\"centre\",\"target\":\"x\",\"timeout_s\":60}");
    strcat(seven, "]}");
    char text[1200];
    snprintf(text, sizeof text, "%.*s%s", (int)(steps - rule_json_ok), rule_json_ok, seven);
    store_resp_rule r;
    kn_err err;
    assert_int_equal(parse_rule(text, &r, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "'steps'"));
    snprintf(text, sizeof text, "%.*s[]}", (int)(steps - rule_json_ok), rule_json_ok);
    assert_int_equal(parse_rule(text, &r, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "'steps'"));
}

/* A service that is an alert-code category of vkp-alert-code. */
static void test_rule_service_category(void **state)
{
    (void)state;
    const char *from = "\"service\":\"*\"";
    const char *at = strstr(rule_json_ok, from);
    char text[1024];
    snprintf(text, sizeof text, "%.*s\"service\":\"3\"%s", (int)(at - rule_json_ok), rule_json_ok,
             at + strlen(from));
    store_resp_rule r;
    kn_err err;
    assert_int_equal(parse_rule(text, &r, &err), KN_OK);
    assert_string_equal(r.service, "3");
    /* a code, not a category */
    expect_bad("\"service\":\"*\"", "\"service\":\"3.1\"", "'service'");
}

/* ---- matching ---- */

/* resp_route_match finds `want` among the rules. */
static void expect_match(const store_resp_rule *rules, size_t n, const char *citizen_id,
                         const char *code, int64_t at, const store_resp_rule *want)
{
    const store_resp_rule *m = NULL;
    assert_int_equal(resp_route_match(rules, n, citizen_id, code, at, &m), KN_OK);
    assert_ptr_equal(m, want);
}

static void test_match_precedence(void **state)
{
    (void)state;
    store_resp_rule rules[5];
    rules[0] = rule("*", NULL, ALL_DAYS, 0, 1440, "alle");
    rules[1] = rule("*", NULL, ALL_DAYS, 0, 1440, "alle igjen");   /* equal: list order */
    rules[2] = rule("4", NULL, ALL_DAYS, 0, 1440, "tilsyn");
    rules[3] = rule("*", "citizen-1", WEEKDAYS, 8 * 60, 16 * 60, "innbygger");
    rules[4] = rule("4", "citizen-1", WEEKDAYS, 8 * 60, 12 * 60, "innbygger tilsyn");
    int64_t monday_10 = utc_ms(2026, 11, 23, 9, 0, 0);   /* 10:00 local (winter) */
    int64_t monday_13 = utc_ms(2026, 11, 23, 12, 0, 0);  /* 13:00 local */
    int64_t monday_17 = utc_ms(2026, 11, 23, 16, 0, 0);  /* 17:00 local */
    expect_match(rules, 5, "citizen-2", "3.1", monday_10, &rules[0]);
    expect_match(rules, 5, "citizen-2", "4.1", monday_10, &rules[2]);
    expect_match(rules, 5, "citizen-1", "3.1", monday_10, &rules[3]);
    expect_match(rules, 5, "citizen-1", "4.1", monday_10, &rules[4]);
    expect_match(rules, 5, "citizen-1", "4.1", monday_13, &rules[3]);
    expect_match(rules, 5, "citizen-1", "4.1", monday_17, &rules[2]);
    /* Saturday: the citizen's weekday rules do not apply. */
    int64_t saturday_10 = utc_ms(2026, 11, 28, 9, 0, 0);
    expect_match(rules, 5, "citizen-1", "3", saturday_10, &rules[0]);
    /* No rule at all, and none for that moment; the result is reset. */
    const store_resp_rule *m = &rules[0];
    assert_int_equal(resp_route_match(rules, 0, "citizen-1", "3", saturday_10, &m), KN_ENOTFOUND);
    assert_null(m);
    assert_int_equal(resp_route_match(&rules[3], 1, "citizen-1", "3", saturday_10, &m),
                     KN_ENOTFOUND);
}

/* Windows are [from, to) in local time, whatever the season. */
static void test_match_window_local(void **state)
{
    (void)state;
    store_resp_rule day = rule("*", NULL, WEEKDAYS, 7 * 60, 15 * 60 + 30, "dag");
    const store_resp_rule *m;
    /* Monday 2026-06-22 (summer, +2) and Monday 2026-11-23 (winter, +1). */
    assert_int_equal(resp_route_match(&day, 1, NULL, "3", utc_ms(2026, 6, 22, 5, 0, 0), &m), KN_OK);
    assert_int_equal(resp_route_match(&day, 1, NULL, "3", utc_ms(2026, 6, 22, 4, 59, 0), &m),
                     KN_ENOTFOUND);
    assert_int_equal(resp_route_match(&day, 1, NULL, "3", utc_ms(2026, 11, 23, 6, 0, 0), &m),
                     KN_OK);
    assert_int_equal(resp_route_match(&day, 1, NULL, "3", utc_ms(2026, 11, 23, 5, 59, 0), &m),
                     KN_ENOTFOUND);
    assert_int_equal(resp_route_match(&day, 1, NULL, "3", utc_ms(2026, 11, 23, 14, 29, 59), &m),
                     KN_OK);
    assert_int_equal(resp_route_match(&day, 1, NULL, "3", utc_ms(2026, 11, 23, 14, 30, 0), &m),
                     KN_ENOTFOUND);
}

/* ---- coverage ---- */

/* A week with day, evening and night shifts on weekdays and two weekend
 * rules; Sunday ends at sunday_end. Plus a citizen rule (which never counts). */
static size_t week_rules(store_resp_rule *r, int sunday_end)
{
    size_t n = 0;
    r[n++] = rule("*", NULL, WEEKDAYS, 7 * 60, 15 * 60 + 30, "dag");
    r[n++] = rule("*", NULL, WEEKDAYS, 15 * 60 + 30, 23 * 60, "kveld");
    r[n++] = rule("*", NULL, WEEKDAYS, 23 * 60, 1440, "natt");
    r[n++] = rule("*", NULL, WEEKDAYS, 0, 7 * 60, "natt");
    r[n++] = rule("*", NULL, SATURDAY, 0, 1440, "helg");
    r[n++] = rule("*", NULL, SUNDAY, 0, sunday_end, "helg");
    r[n++] = rule("*", "citizen-1", SUNDAY, 0, 1440, "innbygger");
    return n;
}

static void test_coverage(void **state)
{
    (void)state;
    store_resp_rule r[10];
    resp_gap *gaps = NULL;
    size_t ngaps = 99;
    kn_err err;
    size_t n = week_rules(r, 1440);
    assert_int_equal(resp_route_coverage(r, n, &gaps, &ngaps, &err), KN_OK);
    assert_int_equal(ngaps, 0);
    free(gaps);
    /* Without Sunday 22-24 exactly that gap is reported (the citizen rule
     * covering it does not count). */
    n = week_rules(r, 22 * 60);
    assert_int_equal(resp_route_coverage(r, n, &gaps, &ngaps, &err), KN_OK);
    assert_int_equal(ngaps, 1);
    assert_string_equal(gaps[0].service, "*");
    assert_int_equal(gaps[0].weekday, 6);
    assert_int_equal(gaps[0].from_min, 22 * 60);
    assert_int_equal(gaps[0].to_min, 1440);
    free(gaps);
    /* A service rule is checked too: its hours fall back to "*" rules, so
     * the "*" hole is the service's hole as well. */
    r[n++] = rule("3", NULL, WEEKDAYS, 8 * 60, 16 * 60, "trygghet");
    assert_int_equal(resp_route_coverage(r, n, &gaps, &ngaps, &err), KN_OK);
    assert_int_equal(ngaps, 2);
    assert_string_equal(gaps[1].service, "3");
    assert_int_equal(gaps[1].weekday, 6);
    assert_int_equal(gaps[1].from_min, 22 * 60);
    free(gaps);
    /* Only a service rule: "*" is uncovered all week (7 gaps of whole days),
     * the service outside its hours, merged per day. */
    store_resp_rule only = rule("3", NULL, WEEKDAYS, 8 * 60, 16 * 60, "trygghet");
    assert_int_equal(resp_route_coverage(&only, 1, &gaps, &ngaps, &err), KN_OK);
    assert_int_equal(ngaps, 7 + 5 * 2 + 2);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(gaps[i].service, "*");
        assert_int_equal(gaps[i].from_min, 0);
        assert_int_equal(gaps[i].to_min, 1440);
    }
    assert_string_equal(gaps[7].service, "3");
    assert_int_equal(gaps[7].weekday, 0);
    assert_int_equal(gaps[7].to_min, 8 * 60);
    assert_int_equal(gaps[8].from_min, 16 * 60);
    assert_int_equal(gaps[ngaps - 1].weekday, 6);
    free(gaps);
}

/* ---- over a store: access, audit, the step of an alarm ---- */

struct fixture {
    store *st;
    char path[512];
    _Atomic int64_t now;
    resp_ctx *ctx;
};

static int setup_with(void **state, int demo_rules)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || resp_test_demo_store(&f->st, f->path, sizeof f->path) != 0 ||
        (!demo_rules && resp_test_clear_rules(f->st, MUNI_A) != KN_OK))
        return -1;
    f->now = utc_ms(2026, 11, 23, 9, 0, 0); /* Monday 10:00 local */
    resp_opts o = {.st = f->st, .default_step_timeout_s = 45};
    if (resp_test_ctx_new(&o, &f->now, &f->ctx) != 0)
        return -1;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 0);
}

static int setup_demo(void **state)
{
    return setup_with(state, 1);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    resp_test_close(f->ctx, f->st, f->path);
    free(f);
    return 0;
}

static void first_citizen(store *st, const char *muni, store_citizen *out)
{
    store_citizen *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->citizen_list(st, muni, 0, 1, &list, &n, NULL), KN_OK);
    assert_true(n == 1);
    *out = list[0];
    free(list);
}

static void test_rule_store(void **state)
{
    struct fixture *f = *state;
    auth_principal coord = resp_test_user(MUNI_A, AUTH_ROLE_COORDINATOR, NULL);
    auth_principal oper = resp_test_user(MUNI_A, AUTH_ROLE_OPERATOR, NULL);
    auth_principal nurse = resp_test_user(MUNI_A, AUTH_ROLE_NURSE, NULL);
    auth_principal other = resp_test_user(MUNI_B, AUTH_ROLE_ADMIN, NULL);
    kn_err err;
    store_resp_rule r;
    assert_int_equal(parse_rule(rule_json_ok, &r, &err), KN_OK);
    assert_int_equal(resp_rule_put(f->ctx, &oper, &r, "req-1", &err), KN_EFORBIDDEN);
    assert_int_equal(resp_rule_put(f->ctx, &other, &r, "req-1", &err), KN_EFORBIDDEN);
    assert_int_equal(resp_rule_put(f->ctx, &coord, &r, "req-1", &err), KN_OK);
    assert_int_equal(strlen(r.id), 32);
    assert_int_equal(test_audit_count(f->st, coord.id, "resp.rule.put"), 1);
    assert_int_equal(test_audit_count(f->st, oper.id, "resp.rule.put"), 0);
    /* A citizen rule must name a citizen of the rule's municipality. */
    store_citizen b, a;
    first_citizen(f->st, MUNI_B, &b);
    first_citizen(f->st, MUNI_A, &a);
    store_resp_rule c = rule("*", b.id, ALL_DAYS, 0, 1440, "innbygger");
    assert_int_equal(resp_rule_put(f->ctx, &coord, &c, "req-2", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "citizen_id"));
    c = rule("*", a.id, ALL_DAYS, 0, 1440, "innbygger");
    c.steps[0].timeout_s = 5;
    assert_int_equal(resp_rule_put(f->ctx, &coord, &c, "req-2", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "timeout_s"));
    c.steps[0].timeout_s = 30;
    assert_int_equal(resp_rule_put(f->ctx, &coord, &c, "req-2", &err), KN_OK);
    /* Readers list, others may not. */
    store_resp_rule *list = NULL;
    size_t n = 0;
    assert_int_equal(resp_rule_list(f->ctx, &nurse, MUNI_A, &list, &n, &err), KN_OK);
    assert_int_equal(n, 2);
    free(list);
    assert_int_equal(resp_rule_list(f->ctx, &other, MUNI_A, &list, &n, &err), KN_EFORBIDDEN);
    assert_null(list);
    /* Delete: admin roles only, audited, then gone. */
    assert_int_equal(resp_rule_delete(f->ctx, &nurse, MUNI_A, r.id, "req-3", &err), KN_EFORBIDDEN);
    assert_int_equal(resp_rule_delete(f->ctx, &coord, MUNI_A, r.id, "req-3", &err), KN_OK);
    assert_int_equal(test_audit_count(f->st, coord.id, "resp.rule.delete"), 1);
    assert_int_equal(resp_rule_delete(f->ctx, &coord, MUNI_A, r.id, "req-4", &err), KN_ENOTFOUND);
    assert_int_equal(resp_rule_list(f->ctx, &oper, MUNI_A, &list, &n, &err), KN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].citizen_id, a.id);
    free(list);
}

static void test_route_step(void **state)
{
    struct fixture *f = *state;
    auth_principal coord = resp_test_user(MUNI_A, AUTH_ROLE_COORDINATOR, NULL);
    store_citizen a;
    first_citizen(f->st, MUNI_A, &a);
    store_resp_alarm alarm;
    memset(&alarm, 0, sizeof alarm);
    kn_strcpy(alarm.municipality, sizeof alarm.municipality, MUNI_A);
    kn_strcpy(alarm.citizen_id, sizeof alarm.citizen_id, a.id);
    kn_strcpy(alarm.alert_code, sizeof alarm.alert_code, "3");
    store_resp_step step;
    /* No rules: the response centre with the default timeout. */
    assert_int_equal(resp_route_step(f->ctx, &alarm, 0, f->now, &step), 0);
    assert_int_equal(step.kind, RESP_STEP_CENTRE);
    assert_string_equal(step.target, "Responssenter");
    assert_int_equal(step.timeout_s, 45);
    store_resp_rule r = rule("*", NULL, WEEKDAYS, 8 * 60, 16 * 60, "Responssenter Knutby");
    r.nsteps = 2;
    r.steps[1].kind = RESP_STEP_ONCALL;
    kn_strcpy(r.steps[1].target, sizeof r.steps[1].target, "99 99 99 99");
    r.steps[1].timeout_s = 120;
    kn_err err;
    assert_int_equal(resp_rule_put(f->ctx, &coord, &r, "req", &err), KN_OK);
    assert_int_equal(resp_route_step(f->ctx, &alarm, 0, f->now, &step), 1);
    assert_string_equal(step.target, "Responssenter Knutby");
    assert_int_equal(resp_route_step(f->ctx, &alarm, 1, f->now, &step), 1);
    assert_int_equal(step.kind, RESP_STEP_ONCALL);
    assert_int_equal(step.timeout_s, 120);
    /* Past the last step, and outside the rule's hours (Monday 17:00). */
    assert_int_equal(resp_route_step(f->ctx, &alarm, 2, f->now, &step), 0);
    assert_int_equal(step.kind, RESP_STEP_CENTRE);
    assert_int_equal(resp_route_step(f->ctx, &alarm, 0, f->now + 7 * 3600 * 1000LL, &step), 0);
    assert_string_equal(step.target, "Responssenter");
}

/* The demo municipalities: Knutby covers the week; Fjordvik forgot Sunday
 * evening, and that is the only gap the coverage check reports. */
static void test_demo_coverage(void **state)
{
    struct fixture *f = *state;
    auth_principal admin = resp_test_user(MUNI_A, AUTH_ROLE_ADMIN, NULL);
    test_grant(&admin, MUNI_B, AUTH_ROLE_ADMIN);
    store_resp_rule *rules = NULL;
    size_t n = 0, ngaps = 0;
    resp_gap *gaps = NULL;
    kn_err err;
    assert_int_equal(resp_rule_list(f->ctx, &admin, MUNI_A, &rules, &n, &err), KN_OK);
    assert_true(n > 0);
    assert_int_equal(resp_route_coverage(rules, n, &gaps, &ngaps, &err), KN_OK);
    assert_int_equal(ngaps, 0);
    free(gaps);
    free(rules);
    assert_int_equal(resp_rule_list(f->ctx, &admin, MUNI_B, &rules, &n, &err), KN_OK);
    assert_int_equal(resp_route_coverage(rules, n, &gaps, &ngaps, &err), KN_OK);
    assert_int_equal(ngaps, 1);
    assert_string_equal(gaps[0].service, "*");
    assert_int_equal(gaps[0].weekday, 6);
    assert_int_equal(gaps[0].from_min, 22 * 60);
    assert_int_equal(gaps[0].to_min, 24 * 60);
    free(gaps);
    free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_time_dst),
        cmocka_unit_test(test_local_time_matches_tzdata),
        cmocka_unit_test(test_rule_json),
        cmocka_unit_test(test_rule_validation),
        cmocka_unit_test(test_rule_service_category),
        cmocka_unit_test(test_match_precedence),
        cmocka_unit_test(test_match_window_local),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test_setup_teardown(test_rule_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_coverage, setup_demo, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
