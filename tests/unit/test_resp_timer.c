/* test_resp_timer.c - the response service's timers on a hand-driven clock
 * (resp_opts.clock), over a real SQLite store with the demo data:
 * escalation along a rule's steps and re-notification past the last one,
 * reminders for claimed-but-unacknowledged and forgotten alarms, and device
 * supervision: a missed heartbeat raises one "ingen kontakt" alarm, a new
 * heartbeat clears the supervision and notes "contact_restored". */
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

#define MUNI_A "939000011"
#define HOUR_MS (3600 * 1000LL)
#define RENOTIFY_S 60
#define FORGOTTEN_S 900
#define SUPERVISE_S 43200 /* 12 h */

struct fixture {
    store *st;
    char path[512];
    _Atomic int64_t now;
    resp_ctx *ctx;
    auth_principal oper, coord;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || resp_test_demo_store(&f->st, f->path, sizeof f->path) != 0 ||
        resp_test_clear_rules(f->st, MUNI_A) != KN_OK)
        return -1;
    struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 23, .tm_hour = 9};
    f->now = (int64_t)timegm(&tm) * 1000; /* Monday 2026-11-23 10:00 local */
    resp_opts o = {.st = f->st,
                   .renotify_s = RENOTIFY_S,
                   .forgotten_s = FORGOTTEN_S,
                   .default_step_timeout_s = 60,
                   .supervise_safety_alarm_s = SUPERVISE_S,
                   .supervise_medication_dispenser_s = SUPERVISE_S};
    if (resp_test_ctx_new(&o, &f->now, &f->ctx) != 0)
        return -1;
    f->oper = resp_test_user(MUNI_A, AUTH_ROLE_OPERATOR, "Ola Operatør");
    f->coord = resp_test_user(MUNI_A, AUTH_ROLE_COORDINATOR, "Kari Koordinator");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    resp_test_close(f->ctx, f->st, f->path);
    free(f);
    return 0;
}

/* A rule of MUNI_A for every day, all day, of the two steps. */
static void put_all_day_rule(struct fixture *f, const char *name, store_resp_step first,
                             store_resp_step second)
{
    store_resp_rule r;
    memset(&r, 0, sizeof r);
    kn_strcpy(r.municipality, sizeof r.municipality, MUNI_A);
    kn_strcpy(r.name, sizeof r.name, name);
    kn_strcpy(r.service, sizeof r.service, "*");
    r.weekdays = 0x7f;
    r.start_min = 0;
    r.end_min = 1440;
    r.nsteps = 2;
    r.steps[0] = first;
    r.steps[1] = second;
    kn_err err;
    assert_int_equal(resp_rule_put(f->ctx, &f->coord, &r, "req-rule", &err), KN_OK);
}

/* Every day, all day: the centre for 60 s, then the on-call phone for 120 s. */
static void put_two_step_rule(struct fixture *f)
{
    put_all_day_rule(f, "Døgnet rundt",
                     (store_resp_step){RESP_STEP_CENTRE, "Responssenter Knutby", 60},
                     (store_resp_step){RESP_STEP_ONCALL, "99 99 99 99", 120});
}

static store_resp_alarm new_alarm(struct fixture *f, const char *device)
{
    char time[32];
    kn_time_format(f->now / 1000, time, sizeof time);
    resp_alarm_in in = {.device = device, .alert_code = "3", .time = time, .severity = -1,
                        .battery = -1};
    resp_alarm_op op;
    kn_err err;
    int rc = resp_alarm_create(f->ctx, &f->oper, MUNI_A, &in, "req-alarm", &op, &err);
    if (rc != KN_OK)
        fail_msg("alarm: %s", err.msg);
    assert_int_equal(op.merged, 0);
    return op.alarm;
}

static store_resp_alarm get_alarm(struct fixture *f, const char *id)
{
    store_resp_alarm a;
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, id, &a, NULL), KN_OK);
    return a;
}

/* The alarm's newest event. */
static store_resp_event last_event(struct fixture *f, const char *alarm_id)
{
    store_resp_event *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->resp->event_list_alarm(f->st, alarm_id, &list, &n, NULL), KN_OK);
    assert_true(n > 0);
    store_resp_event e = list[n - 1];
    free(list);
    return e;
}

static size_t count_events(struct fixture *f, const char *alarm_id, const char *kind)
{
    store_resp_event *list = NULL;
    size_t n = 0, hits = 0;
    assert_int_equal(f->st->ops->resp->event_list_alarm(f->st, alarm_id, &list, &n, NULL), KN_OK);
    for (size_t i = 0; i < n; i++)
        hits += strcmp(list[i].kind, kind) == 0;
    free(list);
    return hits;
}

static resp_tick_report tick_at(struct fixture *f, int64_t at)
{
    f->now = at;
    resp_tick_report rep;
    kn_err err;
    int rc = resp_tick(f->ctx, at, &rep, &err);
    if (rc != KN_OK)
        fail_msg("tick: %s", err.msg);
    return rep;
}

static void test_escalation(void **state)
{
    struct fixture *f = *state;
    put_two_step_rule(f);
    int64_t t = f->now;
    store_resp_alarm a = new_alarm(f, "TA-100-0001");
    assert_int_equal(a.route_step, 0);
    assert_int_equal(a.next_timer_at, t + 60 * 1000);
    /* 59 s: the centre still has time. */
    resp_tick_report rep = tick_at(f, t + 59 * 1000);
    assert_int_equal(rep.escalated + rep.renotified, 0);
    assert_int_equal(get_alarm(f, a.id).version, a.version);
    /* 61 s: on to the on-call phone, with an event saying so. */
    rep = tick_at(f, t + 61 * 1000);
    assert_int_equal(rep.escalated, 1);
    assert_int_equal(rep.renotified, 0);
    store_resp_alarm b = get_alarm(f, a.id);
    assert_int_equal(b.route_step, 1);
    assert_int_equal(b.escalations, 1);
    assert_int_equal(b.state, RESP_ST_NEW);
    assert_int_equal(b.next_timer_at, t + 61 * 1000 + 120 * 1000);
    store_resp_event e = last_event(f, a.id);
    assert_string_equal(e.kind, "escalated");
    assert_string_equal(e.text, "Varslet vakttelefon 99 99 99 99");
    assert_int_equal(e.at, t + 61 * 1000);
    assert_int_equal(b.last_seq, e.seq);
    /* 180 s: the phone's 120 s are not over (61 + 120 = 181). */
    rep = tick_at(f, t + 180 * 1000);
    assert_int_equal(rep.escalated + rep.renotified, 0);
    /* 182 s: no step after the last: the phone again, every renotify_s. */
    rep = tick_at(f, t + 182 * 1000);
    assert_int_equal(rep.escalated, 0);
    assert_int_equal(rep.renotified, 1);
    b = get_alarm(f, a.id);
    assert_int_equal(b.route_step, 1);
    assert_int_equal(b.escalations, 2);
    assert_int_equal(b.next_timer_at, t + 182 * 1000 + RENOTIFY_S * 1000);
    e = last_event(f, a.id);
    assert_string_equal(e.kind, "renotified");
    assert_non_null(strstr(e.text, "vakttelefon 99 99 99 99"));
    /* The same moment again: nothing is due. */
    rep = tick_at(f, t + 182 * 1000);
    assert_int_equal(rep.escalated + rep.renotified, 0);
    rep = tick_at(f, t + (182 + RENOTIFY_S) * 1000);
    assert_int_equal(rep.renotified, 1);
    assert_int_equal(count_events(f, a.id, "escalated"), 1);
    assert_int_equal(count_events(f, a.id, "renotified"), 2);
}

/* Without any rule the centre is re-notified with the default timeout. */
static void test_escalation_without_rule(void **state)
{
    struct fixture *f = *state;
    int64_t t = f->now;
    store_resp_alarm a = new_alarm(f, "TA-100-0001");
    assert_int_equal(a.next_timer_at, t + 60 * 1000);
    resp_tick_report rep = tick_at(f, t + 61 * 1000);
    assert_int_equal(rep.escalated, 0);
    assert_int_equal(rep.renotified, 1);
    store_resp_alarm b = get_alarm(f, a.id);
    assert_int_equal(b.route_step, 0);
    assert_int_equal(b.next_timer_at, t + 61 * 1000 + RENOTIFY_S * 1000);
    assert_non_null(strstr(last_event(f, a.id).text, "Responssenter"));
}

/* A relatives step names them, in call order, with their phones. */
static void test_escalation_to_relatives(void **state)
{
    struct fixture *f = *state;
    put_all_day_rule(f, "Pårørende",
                     (store_resp_step){RESP_STEP_CENTRE, "Responssenter Knutby", 30},
                     (store_resp_step){RESP_STEP_RELATIVES, "", 300});
    kn_err err;
    store_device d;
    assert_int_equal(f->st->ops->resp->device_find(f->st, MUNI_A, "TA-100-0001", &d, NULL), KN_OK);
    store_resp_profile p;
    memset(&p, 0, sizeof p);
    p.nrelatives = 2;
    p.relatives[0] = (store_resp_relative){"Per Nabo", "nabo", "99 88 77 66", 2};
    p.relatives[1] = (store_resp_relative){"Kari Hansen", "datter", "+47 911 22 333", 1};
    assert_int_equal(resp_profile_put(f->ctx, &f->coord, d.citizen_id, &p, "req-p", &err), KN_OK);
    int64_t t = f->now;
    store_resp_alarm a = new_alarm(f, "TA-100-0001");
    resp_tick_report rep = tick_at(f, t + 31 * 1000);
    assert_int_equal(rep.escalated, 1);
    assert_string_equal(last_event(f, a.id).text,
                        "Varslet pårørende: Kari Hansen +47 911 22 333, Per Nabo 99 88 77 66");
    assert_int_equal(get_alarm(f, a.id).next_timer_at, t + (31 + 300) * 1000);
}

static store_resp_alarm act(struct fixture *f, const char *id, int action)
{
    resp_action_in in = {.action = action};
    store_resp_alarm out;
    kn_err err;
    int rc = resp_alarm_act(f->ctx, &f->oper, id, &in, "req-act", &out, &err);
    if (rc != KN_OK)
        fail_msg("%s: %s", resp_action_name(action), err.msg);
    return out;
}

static void test_claimed_and_forgotten(void **state)
{
    struct fixture *f = *state;
    put_two_step_rule(f);
    int64_t t = f->now;
    store_resp_alarm a = new_alarm(f, "TA-100-0001");
    f->now = t + 10 * 1000;
    a = act(f, a.id, RESP_ACT_CLAIM);
    int64_t claimed = f->now;
    assert_int_equal(a.next_timer_at, claimed + RENOTIFY_S * 1000);
    /* Claimed: no escalation to the phone at 61 s; a reminder after renotify_s. */
    resp_tick_report rep = tick_at(f, t + 61 * 1000);
    assert_int_equal(rep.escalated + rep.renotified, 0);
    rep = tick_at(f, claimed + RENOTIFY_S * 1000 + 1000);
    assert_int_equal(rep.escalated, 0);
    assert_int_equal(rep.renotified, 1);
    store_resp_alarm b = get_alarm(f, a.id);
    assert_int_equal(b.state, RESP_ST_CLAIMED);
    assert_int_equal(b.route_step, 0);
    assert_int_equal(b.next_timer_at, f->now + RENOTIFY_S * 1000);
    store_resp_event e = last_event(f, a.id);
    assert_string_equal(e.kind, "renotified");
    assert_non_null(strstr(e.text, "ikke kvittert"));
    /* Acknowledged and then nothing: "glemt?" after forgotten_s. */
    a = act(f, a.id, RESP_ACT_ACK);
    int64_t acked = f->now;
    rep = tick_at(f, acked + (FORGOTTEN_S - 1) * 1000);
    assert_int_equal(rep.renotified, 0);
    rep = tick_at(f, acked + (FORGOTTEN_S + 1) * 1000);
    assert_int_equal(rep.renotified, 1);
    e = last_event(f, a.id);
    assert_string_equal(e.kind, "renotified");
    assert_non_null(strstr(e.text, "Glemt?"));
    assert_int_equal(get_alarm(f, a.id).next_timer_at, f->now + FORGOTTEN_S * 1000);
}

static store_device find_device(struct fixture *f, const char *serial)
{
    store_device d;
    assert_int_equal(f->st->ops->resp->device_find(f->st, MUNI_A, serial, &d, NULL), KN_OK);
    return d;
}

static store_resp_alarm *open_alarms(struct fixture *f, const char *citizen_id, size_t *n)
{
    const char *munis[] = {MUNI_A};
    store_resp_filter filter = {.municipalities = munis, .n_munis = 1, .open_only = 1,
                                .citizen_id = citizen_id, .limit = 100};
    store_resp_alarm *list = NULL;
    int64_t total = 0;
    assert_int_equal(f->st->ops->resp->alarm_list(f->st, &filter, &list, n, &total, NULL), KN_OK);
    return list;
}

static int heartbeat(struct fixture *f, const auth_principal *p, const char *device,
                     const char *time, int battery, kn_err *err)
{
    return resp_heartbeat(f->ctx, p, MUNI_A, device, time, battery, "req-hb", err);
}

static void test_heartbeat_miss(void **state)
{
    struct fixture *f = *state;
    kn_err err;
    int64_t t0 = f->now;
    store_device alarm_dev = find_device(f, "TA-100-0001");
    store_device dispenser = find_device(f, "MD-7-0001");
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0001", NULL, 80, &err), KN_OK);
    assert_int_equal(heartbeat(f, &f->oper, dispenser.id, NULL, -1, &err), KN_OK);
    store_resp_heartbeat hb;
    assert_int_equal(f->st->ops->resp->heartbeat_get(f->st, alarm_dev.id, &hb, NULL), KN_OK);
    assert_int_equal(hb.last_seen, t0);
    assert_int_equal(hb.battery, 80);
    /* One second before the interval is over: nothing. */
    resp_tick_report rep = tick_at(f, t0 + SUPERVISE_S * 1000LL - 1000);
    assert_int_equal(rep.silent, 0);
    size_t n = 0;
    free(open_alarms(f, alarm_dev.citizen_id, &n));
    assert_int_equal(n, 0);
    /* One second after: one technical "ingen kontakt" per device. */
    rep = tick_at(f, t0 + SUPERVISE_S * 1000LL + 1000);
    assert_int_equal(rep.silent, 2);
    store_resp_alarm *list = open_alarms(f, alarm_dev.citizen_id, &n);
    assert_int_equal(n, 1);
    store_resp_alarm silent = list[0];
    free(list);
    assert_string_equal(silent.source, "super");
    assert_string_equal(silent.alert_code, "3");
    assert_string_equal(silent.device_id, alarm_dev.id);
    assert_int_equal(silent.technical, 1);
    /* technical under the safety alarm's own code: yellow, not a call for help */
    assert_int_equal(silent.priority, RESP_TECHNICAL_PRIORITY);
    char since[32], want[64];
    resp_local_format(t0, since, sizeof since);
    snprintf(want, sizeof want, "Ingen kontakt siden %s", since);
    assert_string_equal(silent.text, want);
    list = open_alarms(f, dispenser.citizen_id, &n);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].alert_code, "1.20");
    assert_int_equal(list[0].technical, 1);
    free(list);
    assert_int_equal(f->st->ops->resp->heartbeat_get(f->st, alarm_dev.id, &hb, NULL), KN_OK);
    assert_string_equal(hb.silent_alarm_id, silent.id);
    /* Later ticks do not raise it again. */
    rep = tick_at(f, f->now);
    assert_int_equal(rep.silent, 0);
    rep = tick_at(f, f->now + HOUR_MS);
    assert_int_equal(rep.silent, 0);
    free(open_alarms(f, alarm_dev.citizen_id, &n));
    assert_int_equal(n, 1);
    /* The device is back: supervision cleared, the alarm notes it and stays. */
    f->now += 60 * 1000;
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0001", NULL, 75, &err), KN_OK);
    assert_int_equal(f->st->ops->resp->heartbeat_get(f->st, alarm_dev.id, &hb, NULL), KN_OK);
    assert_string_equal(hb.silent_alarm_id, "");
    assert_int_equal(count_events(f, silent.id, "contact_restored"), 1);
    store_resp_alarm after = get_alarm(f, silent.id);
    assert_int_equal(after.state, RESP_ST_NEW);
    assert_int_equal(after.last_seq, last_event(f, silent.id).seq);
    /* A second heartbeat notes nothing more; the next miss raises a new alarm. */
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0001", NULL, 75, &err), KN_OK);
    assert_int_equal(count_events(f, silent.id, "contact_restored"), 1);
}

static void test_heartbeat_input(void **state)
{
    struct fixture *f = *state;
    kn_err err;
    char time[32];
    kn_time_format(f->now / 1000 + 10 * 60, time, sizeof time);
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0001", time, -1, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "time"));
    kn_time_format(f->now / 1000 + 4 * 60, time, sizeof time); /* small clock skew is fine */
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0001", time, -1, &err), KN_OK);
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0001", "yesterday", -1, &err), KN_EINVAL);
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0001", NULL, 101, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "battery"));
    assert_int_equal(heartbeat(f, &f->oper, "NO-SUCH-1", NULL, -1, &err), KN_ENOTFOUND);
    assert_int_equal(heartbeat(f, &f->oper, "TA-100-0003", NULL, -1, &err), KN_EUNPROCESSABLE);
    auth_principal nurse = resp_test_user(MUNI_A, AUTH_ROLE_NURSE, "Sykepleier");
    assert_int_equal(heartbeat(f, &nurse, "TA-100-0001", NULL, -1, &err), KN_EFORBIDDEN);
    auth_principal device = test_principal(AUTH_PRINCIPAL_CLIENT, "client-1");
    test_grant(&device, MUNI_A, AUTH_ROLE_OPERATOR);
    assert_int_equal(heartbeat(f, &device, "TA-100-0001", NULL, -1, &err), KN_EFORBIDDEN);
    kn_strcpy(device.scopes, sizeof device.scopes, RESP_SCOPE_ALARM);
    assert_int_equal(heartbeat(f, &device, "TA-100-0001", NULL, -1, &err), KN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escalation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_without_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_to_relatives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claimed_and_forgotten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
