/* test_resp_core.c - the response service's intake and operator steps over a
 * real SQLite store with the demo data and a manual clock: bad input of every
 * kind writes nothing; the full path claim -> ... -> close with its VKP
 * event codes and timers; close refused without cause/measure; two (and
 * eight concurrent) operators claiming one alarm; flood control (merge of
 * repeats and the per-device window) never hiding another citizen's alarm;
 * idempotent external ids; access per municipality; the detail view, the
 * queue's audit trail, events on the live bus, and the worker's life cycle. */
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

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MUNI_A "939000011" /* Knutby */
#define MUNI_B "939000038" /* Fjordvik */
#define T0 1795334400000LL /* 2026-11-22T08:00:00Z */

struct fixture {
    store *st;
    char path[512];
    resp_ctx *ctx;
    _Atomic int64_t now;
    store_citizen *citizens;
    size_t ncitizens;
    store_device *devices;
    size_t ndevices;
    auth_principal operator; /* demo "operator": Ola Operatør, Knutby and Fjordvik */
    auth_principal admin;    /* demo "admin": Anders Admin, Knutby and Fjordvik */
    auth_principal fjordvik; /* an operator of Fjordvik only */
    auth_principal receiver; /* an alarm receiver client of Knutby */
};

static void advance(struct fixture *f, int64_t ms)
{
    atomic_fetch_add(&f->now, ms);
}

/* a (na records) then b (nb) of `size` bytes in one new array; frees a and b. */
static void *join(void *a, size_t na, void *b, size_t nb, size_t size)
{
    char *all = calloc(na + nb, size);
    assert_non_null(all);
    memcpy(all, a, na * size);
    memcpy(all + na * size, b, nb * size);
    free(a);
    free(b);
    return all;
}

static void load_people(struct fixture *f)
{
    store_citizen *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(f->st->ops->citizen_list(f->st, MUNI_A, 0, 100, &a, &na, NULL), KN_OK);
    assert_int_equal(f->st->ops->citizen_list(f->st, MUNI_B, 0, 100, &b, &nb, NULL), KN_OK);
    f->citizens = join(a, na, b, nb, sizeof *a);
    f->ncitizens = na + nb;
    store_device *da = NULL, *db = NULL;
    assert_int_equal(f->st->ops->device_list(f->st, MUNI_A, &da, &na, NULL), KN_OK);
    assert_int_equal(f->st->ops->device_list(f->st, MUNI_B, &db, &nb, NULL), KN_OK);
    f->devices = join(da, na, db, nb, sizeof *da);
    f->ndevices = na + nb;
}

/* The demo data set is loaded once (argon2id hashing of the demo users is
 * slow) into a template database; each test works on its own copy. */
static char template_db[512];

static int group_setup(void **state)
{
    (void)state;
    store *st = NULL;
    char path[512];
    demo_report report;
    if (test_store_new(&st, path, sizeof path) != KN_OK || demo_load(st, 0, &report, NULL) != KN_OK)
        return -1;
    test_db_path(template_db, sizeof template_db, "resp-template");
    int rc = st->ops->backup(st, template_db, NULL);
    test_store_destroy(st, path);
    return rc == KN_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    test_db_remove(template_db);
    return 0;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    int ok = in && out;
    char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static int setup_with(void **state, int flood_max)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    test_db_path(f->path, sizeof f->path, "resp");
    store_options so = {f->path, 1000, 4};
    if (copy_file(template_db, f->path) != 0 || store_open(&so, &f->st, NULL) != KN_OK)
        return -1;
    atomic_store(&f->now, T0);
    resp_opts o = {.st = f->st, .flood_max = flood_max, .bus_ring = 4096};
    if (resp_test_ctx_new(&o, &f->now, &f->ctx) != 0)
        return -1;
    load_people(f);
    f->operator= resp_test_demo_user(f->st, "operator");
    f->admin = resp_test_demo_user(f->st, "admin");
    char id[33];
    kn_id_new(id);
    f->fjordvik = test_principal(AUTH_PRINCIPAL_USER, id);
    kn_strcpy(f->fjordvik.name, sizeof f->fjordvik.name, "fjordvik-op");
    test_grant(&f->fjordvik, MUNI_B, AUTH_ROLE_OPERATOR);
    kn_id_new(id);
    f->receiver = test_principal(AUTH_PRINCIPAL_CLIENT, id);
    kn_strcpy(f->receiver.name, sizeof f->receiver.name, "alarmmottak");
    kn_strcpy(f->receiver.scopes, sizeof f->receiver.scopes, RESP_SCOPE_ALARM);
    test_grant(&f->receiver, MUNI_A, AUTH_ROLE_SUPPLIER);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 0);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    resp_test_close(f->ctx, f->st, f->path);
    free(f->citizens);
    free(f->devices);
    free(f);
    return 0;
}

/* The demo device with this serial. */
static const store_device *device(struct fixture *f, const char *serial)
{
    for (size_t i = 0; i < f->ndevices; i++)
        if (strcmp(f->devices[i].serial, serial) == 0)
            return &f->devices[i];
    fail_msg("no demo device %s", serial);
    return NULL;
}

static const store_citizen *citizen(struct fixture *f, const char *id)
{
    for (size_t i = 0; i < f->ncitizens; i++)
        if (strcmp(f->citizens[i].id, id) == 0)
            return &f->citizens[i];
    return NULL;
}

/* A citizen of municipality m without any device. */
static const store_citizen *citizen_without_device(struct fixture *f, const char *m)
{
    for (size_t i = 0; i < f->ncitizens; i++) {
        int has = 0;
        for (size_t d = 0; d < f->ndevices; d++)
            has |= strcmp(f->devices[d].citizen_id, f->citizens[i].id) == 0;
        if (!has && strcmp(f->citizens[i].municipality, m) == 0)
            return &f->citizens[i];
    }
    fail_msg("no citizen without a device in %s", m);
    return NULL;
}

static resp_alarm_in alarm_in(const char *device_serial, const char *code)
{
    resp_alarm_in in;
    memset(&in, 0, sizeof in);
    in.device = device_serial;
    in.alert_code = code;
    in.time = "2026-11-22T09:00:00+01:00";
    in.severity = -1;
    in.battery = -1;
    return in;
}

/* Counts that any write would change. */
typedef struct counts {
    int64_t alarms, last_seq;
    size_t audits;
} counts;

static counts count_all(struct fixture *f)
{
    counts c = {0, 0, 0};
    const char *munis[] = {MUNI_A, MUNI_B};
    store_resp_filter flt = {munis, 2, 0, NULL, 0, 0, 0, 1};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->resp->alarm_list(f->st, &flt, &list, &n, &c.alarms, NULL), KN_OK);
    free(list);
    assert_int_equal(f->st->ops->resp->event_last_seq(f->st, &c.last_seq, NULL), KN_OK);
    c.audits = test_audit_count(f->st, NULL, "resp.alarm.create");
    return c;
}

static void create_ok(struct fixture *f, const auth_principal *p, const resp_alarm_in *in,
                      resp_alarm_op *op)
{
    kn_err err;
    kn_err_clear(&err);
    int rc = resp_alarm_create(f->ctx, p, MUNI_A, in, "req", op, &err);
    if (rc != KN_OK)
        fail_msg("create: %s (%s)", kn_status_code(rc), err.msg);
}

/* An alarm of the receiver client from the device with this serial. */
static resp_alarm_op new_alarm(struct fixture *f, const char *serial, const char *code)
{
    resp_alarm_in in = alarm_in(serial, code);
    resp_alarm_op op;
    create_ok(f, &f->receiver, &in, &op);
    return op;
}

static int act(struct fixture *f, const auth_principal *p, const char *id, int action,
               const char *text, store_resp_alarm *out, kn_err *err)
{
    resp_action_in in = {action, action == RESP_ACT_CALLOUT ? "Hjemmetjenesten sone 2" : NULL, text,
                         0};
    kn_err_clear(err);
    return resp_alarm_act(f->ctx, p, id, &in, "req", out, err);
}

static void act_ok(struct fixture *f, const auth_principal *p, const char *id, int action,
                   const char *text, store_resp_alarm *out)
{
    kn_err err;
    int rc = act(f, p, id, action, text, out, &err);
    if (rc != KN_OK)
        fail_msg("%s: %s (%s)", resp_action_name(action), kn_status_code(rc), err.msg);
}

static void expect_fail(struct fixture *f, const auth_principal *p, const char *m,
                        const resp_alarm_in *in, int status, const char *needle)
{
    resp_alarm_op op;
    kn_err err;
    kn_err_clear(&err);
    int rc = resp_alarm_create(f->ctx, p, m, in, "req", &op, &err);
    if (rc != status || !strstr(err.msg, needle))
        fail_msg("expected %s '%s', got %s '%s'", kn_status_code(status), needle,
                 kn_status_code(rc), err.msg);
}

/* ---- intake ---- */

static void test_bad_input_creates_nothing(void **state)
{
    struct fixture *f = *state;
    counts before = count_all(f);
    resp_alarm_in in = alarm_in("TA-100-0001", "3");
    const auth_principal *op = &f->operator;

    in.device = "TA-999-9999";
    expect_fail(f, op, MUNI_A, &in, KN_ENOTFOUND, "device");
    in.device = device(f, "GPS-3-0001")->serial; /* a Fjordvik device, asked for in Knutby */
    expect_fail(f, op, MUNI_A, &in, KN_ENOTFOUND, "device");
    in.device = NULL;
    in.citizen_id = "0123456789abcdef0123456789abcdef";
    expect_fail(f, op, MUNI_A, &in, KN_ENOTFOUND, "citizen");
    in.citizen_id = citizen_without_device(f, MUNI_B)->id; /* a Fjordvik citizen */
    expect_fail(f, op, MUNI_A, &in, KN_ENOTFOUND, "citizen");
    in.citizen_id = NULL;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "'device' or 'citizen_id'");
    in = alarm_in("TA-100-0003", "3"); /* in stock */
    expect_fail(f, op, MUNI_A, &in, KN_EUNPROCESSABLE, "stock");
    in = alarm_in("TA-100-0001", "3");
    in.citizen_id = device(f, "TA-100-0002")->citizen_id;
    expect_fail(f, op, MUNI_A, &in, KN_EUNPROCESSABLE, "disagree");

    const char *codes[] = {"", "4.27", "8", "4,1", "Fall"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        in = alarm_in("TA-100-0001", codes[i]);
        expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "alert_code");
    }
    in = alarm_in("TA-100-0001", NULL);
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "alert_code");
    const char *times[] = {"2026-11-22T09:00:00", "2026-02-30T09:00:00Z", "22.11.2026 09:00",
                           "2026-11-22T25:00:00Z", ""};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        in = alarm_in("TA-100-0001", "3");
        in.time = times[i];
        expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "time");
    }
    in = alarm_in("TA-100-0001", "3");
    in.time = NULL;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "time");
    in = alarm_in("TA-100-0001", "3");
    in.has_position = 1;
    in.lat = 91;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "position");
    in.lat = 59;
    in.lon = -181;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "position");
    in = alarm_in("TA-100-0001", "3");
    in.battery = 101;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "battery");
    in.battery = -2;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "battery");
    in = alarm_in("TA-100-0001", "3");
    in.severity = 15;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "severity");
    in = alarm_in("TA-100-0001", "3");
    in.triage = "red";
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "triage");
    in = alarm_in("TA-100-0001", "3");
    char long_text[300];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    in.text = long_text;
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "text");
    in.text = "\xff\xfe";
    expect_fail(f, op, MUNI_A, &in, KN_EINVAL, "text");
    /* Access: Fjordvik's operator in Knutby; a client without the scope. */
    in = alarm_in("TA-100-0001", "3");
    expect_fail(f, &f->fjordvik, MUNI_A, &in, KN_EFORBIDDEN, MUNI_A);
    auth_principal no_scope = f->receiver;
    no_scope.scopes[0] = '\0';
    expect_fail(f, &no_scope, MUNI_A, &in, KN_EFORBIDDEN, "scope");

    counts after = count_all(f);
    assert_int_equal(after.alarms, before.alarms);
    assert_int_equal(after.last_seq, before.last_seq);
    assert_int_equal(after.audits, before.audits);
    /* ... and the same input, corrected, does create one. */
    resp_alarm_op ok;
    create_ok(f, &f->receiver, &in, &ok);
    after = count_all(f);
    assert_int_equal(after.alarms, before.alarms + 1);
    assert_int_equal(after.audits, before.audits + 1);
    assert_true(after.last_seq > before.last_seq);
}

static void test_intake_fills_the_alarm(void **state)
{
    struct fixture *f = *state;
    const store_device *dev = device(f, "TA-100-0001");
    resp_alarm_in in = alarm_in(dev->serial, "4.5"); /* default priority 5 */
    in.severity = 30;                                /* -> 2 */
    in.triage = "Y";
    in.has_position = 1;
    in.lat = 59.91;
    in.lon = 10.75;
    in.battery = 80;
    in.text = "Knappetrykk";
    resp_alarm_op op;
    create_ok(f, &f->receiver, &in, &op);
    store_resp_alarm a;
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, op.alarm.id, &a, NULL), KN_OK);
    const store_citizen *c = citizen(f, dev->citizen_id);
    char name[300];
    snprintf(name, sizeof name, "%s %s", c->given_name, c->family_name);
    assert_string_equal(a.citizen_id, dev->citizen_id);
    assert_string_equal(a.citizen_name, name);
    assert_string_equal(a.address, c->address);
    assert_string_equal(a.device_id, dev->id);
    assert_string_equal(a.source, "api");
    /* Citizen 0 of the demo has a rule "all of category 4 are red". */
    store_resp_profile prof;
    memset(&prof, 0, sizeof prof);
    resp_profile_load(f->ctx, c->id, &prof);
    assert_int_equal(a.priority, resp_priority("4.5", 30, "Y", &prof));
    assert_int_equal(a.priority, 1);
    assert_int_equal(a.state, RESP_ST_NEW);
    assert_int_equal(a.version, 1);
    assert_int_equal(a.occurred_at, T0); /* 09:00+01:00 = 08:00Z */
    assert_int_equal(a.received_at, T0);
    assert_int_equal(a.battery, 80);
    assert_true(a.has_position && a.lat == 59.91 && a.lon == 10.75);
    store_resp_step step;
    memset(&step, 0, sizeof step);
    resp_route_step(f->ctx, &a, 0, a.received_at, &step);
    int timeout = step.timeout_s > 0 ? step.timeout_s : 60;
    assert_int_equal(a.next_timer_at, a.received_at + timeout * 1000LL);
    assert_int_equal(a.route_step, 0);
    store_resp_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->resp->event_list_alarm(f->st, a.id, &ev, &n, NULL), KN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ev[0].kind, "created");
    assert_int_equal(ev[0].vkp_event, 0);
    assert_string_equal(ev[0].actor_id, f->receiver.id);
    assert_int_equal(ev[0].seq, a.last_seq);
    free(ev);
    assert_int_equal(test_audit_count(f->st, f->receiver.id, "resp.alarm.create"), 1);
    /* Without a rule: the most urgent of code (5), triage Y (3), severity 30 (2). */
    in.device = "TA-100-0002";
    create_ok(f, &f->receiver, &in, &op);
    assert_int_equal(op.alarm.priority, resp_priority("4.5", 30, "Y", NULL));
    assert_int_equal(op.alarm.priority, 2);
    /* By citizen only (no device), from an operator. */
    in = alarm_in(NULL, "1.17");
    in.citizen_id = c->id;
    create_ok(f, &f->operator, & in, &op);
    assert_int_equal(op.merged, 0);
    assert_true(op.alarm.technical);
    assert_string_equal(op.alarm.device_id, "");
}

static void test_idempotent_external_id(void **state)
{
    struct fixture *f = *state;
    resp_alarm_in in = alarm_in("TA-100-0001", "3");
    in.external_id = "alarmmottak-77123";
    resp_alarm_op first, again;
    create_ok(f, &f->receiver, &in, &first);
    assert_int_equal(first.merged, 0);
    counts c1 = count_all(f);
    in.alert_code = "4.1"; /* not a repeat of the open alarm: only the id makes it a duplicate */
    in.text = "sent again";
    create_ok(f, &f->receiver, &in, &again);
    assert_int_equal(again.merged, 2);
    assert_string_equal(again.alarm.id, first.alarm.id);
    assert_string_equal(again.alarm.alert_code, "3");
    counts c2 = count_all(f);
    assert_int_equal(c2.alarms, c1.alarms);
    assert_int_equal(c2.last_seq, c1.last_seq);
    /* Another id is a new alarm. */
    in.external_id = "alarmmottak-77124";
    create_ok(f, &f->receiver, &in, &again);
    assert_int_equal(again.merged, 0);
    assert_string_not_equal(again.alarm.id, first.alarm.id);
}

static void test_create_system(void **state)
{
    struct fixture *f = *state;
    const store_device *dev = device(f, "MD-7-0001");
    resp_alarm_op op;
    memset(&op, 0, sizeof op);
    kn_strcpy(op.alarm.municipality, sizeof op.alarm.municipality, MUNI_A);
    kn_strcpy(op.alarm.citizen_id, sizeof op.alarm.citizen_id, dev->citizen_id);
    kn_strcpy(op.alarm.device_id, sizeof op.alarm.device_id, dev->id);
    kn_strcpy(op.alarm.alert_code, sizeof op.alarm.alert_code, "1.20");
    op.alarm.battery = -1;
    kn_err err;
    assert_int_equal(resp_alarm_create_system(f->ctx, &op, &err), KN_OK);
    assert_int_equal(op.merged, 0);
    store_resp_alarm a;
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, op.alarm.id, &a, NULL), KN_OK);
    assert_string_equal(a.source, "super");
    assert_true(a.technical);
    assert_int_equal(a.occurred_at, T0);
    assert_true(a.citizen_name[0] != '\0');
    assert_int_equal(test_audit_count(f->st, NULL, "resp.alarm.create"), 1);
    /* A timer's own "now" and a technical flag the source knows are kept. */
    memset(&op, 0, sizeof op);
    kn_strcpy(op.alarm.municipality, sizeof op.alarm.municipality, MUNI_A);
    kn_strcpy(op.alarm.citizen_id, sizeof op.alarm.citizen_id,
              device(f, "TA-100-0001")->citizen_id);
    kn_strcpy(op.alarm.device_id, sizeof op.alarm.device_id, device(f, "TA-100-0001")->id);
    kn_strcpy(op.alarm.alert_code, sizeof op.alarm.alert_code, "3");
    op.alarm.technical = 1;
    op.alarm.received_at = T0 - 5000;
    op.alarm.battery = -1;
    assert_int_equal(resp_alarm_create_system(f->ctx, &op, &err), KN_OK);
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, op.alarm.id, &a, NULL), KN_OK);
    assert_int_equal(a.received_at, T0 - 5000);
    assert_int_equal(a.occurred_at, T0 - 5000);
    assert_true(a.technical);
    /* code 3's default is red (a call for help); technical under it: yellow */
    assert_int_equal(a.priority, RESP_TECHNICAL_PRIORITY);
    /* Unknown code or citizen: nothing written. */
    counts before = count_all(f);
    kn_strcpy(op.alarm.alert_code, sizeof op.alarm.alert_code, "1.99");
    op.alarm.id[0] = '\0';
    assert_int_equal(resp_alarm_create_system(f->ctx, &op, &err), KN_EINVAL);
    kn_strcpy(op.alarm.alert_code, sizeof op.alarm.alert_code, "1.20");
    kn_strcpy(op.alarm.citizen_id, sizeof op.alarm.citizen_id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(resp_alarm_create_system(f->ctx, &op, &err), KN_ENOTFOUND);
    counts after = count_all(f);
    assert_int_equal(after.alarms, before.alarms);
    assert_int_equal(after.last_seq, before.last_seq);
}

/* ---- operator steps ---- */

static void expect_act(struct fixture *f, const auth_principal *p, const char *id, int action,
                       const char *text, int status, const char *needle)
{
    store_resp_alarm out;
    kn_err err;
    int rc = act(f, p, id, action, text, &out, &err);
    if (rc != status || !strstr(err.msg, needle))
        fail_msg("%s: expected %s '%s', got %s '%s'", resp_action_name(action),
                 kn_status_code(status), needle, kn_status_code(rc), err.msg);
}

static void test_happy_path_and_rules(void **state)
{
    struct fixture *f = *state;
    resp_alarm_op op = new_alarm(f, "TA-100-0001", "3");
    const char *id = op.alarm.id;
    const auth_principal *me = &f->operator;
    int64_t renotify = f->ctx->o.renotify_s * 1000LL, forgotten = f->ctx->o.forgotten_s * 1000LL;
    store_resp_alarm a;

    expect_act(f, me, id, RESP_ACT_ACK, NULL, KN_ECONFLICT, "not claimed");
    advance(f, 20000);
    act_ok(f, me, id, RESP_ACT_CLAIM, NULL, &a);
    assert_int_equal(a.state, RESP_ST_CLAIMED);
    assert_string_equal(a.claimed_by, me->id);
    assert_string_equal(a.claimed_by_name, "Ola Operatør");
    assert_int_equal(a.claimed_at, T0 + 20000);
    assert_int_equal(a.next_timer_at, T0 + 20000 + renotify);
    assert_int_equal(a.version, 2);
    expect_act(f, me, id, RESP_ACT_PHONE, NULL, KN_ECONFLICT, "not acknowledged");
    resp_action_in no_team = {RESP_ACT_CALLOUT, NULL, NULL, 0};
    kn_err err;
    assert_int_equal(resp_alarm_act(f->ctx, me, id, &no_team, "r", &a, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "team"));
    expect_act(f, me, id, RESP_ACT_CAUSE, "", KN_EINVAL, "text");
    advance(f, 5000);
    act_ok(f, me, id, RESP_ACT_ACK, NULL, &a);
    assert_int_equal(a.state, RESP_ST_ACKNOWLEDGED);
    assert_int_equal(a.acked_at, T0 + 25000);
    assert_int_equal(a.next_timer_at, T0 + 25000 + forgotten);
    expect_act(f, me, id, RESP_ACT_CALLOUT_STARTED, NULL, KN_ECONFLICT, "no call-out");
    advance(f, 1000);
    act_ok(f, me, id, RESP_ACT_CALLOUT, "nøkkel i nøkkelboks", &a);
    assert_int_equal(a.state, RESP_ST_CALLOUT);
    assert_int_equal(a.callout, RESP_CO_REQUESTED);
    assert_int_equal(a.outcome, RESP_OUT_CALLOUT);
    assert_string_equal(a.callout_team, "Hjemmetjenesten sone 2");
    assert_int_equal(a.callout_requested_at, T0 + 26000);
    assert_int_equal(a.next_timer_at, T0 + 26000 + forgotten);
    advance(f, 60000);
    act_ok(f, me, id, RESP_ACT_CALLOUT_STARTED, NULL, &a);
    assert_int_equal(a.callout, RESP_CO_STARTED);
    expect_act(f, me, id, RESP_ACT_CLOSE, NULL, KN_ECONFLICT, "cause");
    act_ok(f, me, id, RESP_ACT_CAUSE, "Falt på badet", &a);
    act_ok(f, me, id, RESP_ACT_MEASURE, "Hjulpet opp, ingen skade", &a);
    expect_act(f, me, id, RESP_ACT_CLOSE, NULL, KN_ECONFLICT, "call-out is under way");
    expect_act(f, me, id, RESP_ACT_RELEASE, NULL, KN_ECONFLICT, "call-out is under way");
    advance(f, 600000);
    act_ok(f, me, id, RESP_ACT_CALLOUT_DONE, NULL, &a);
    assert_int_equal(a.callout, RESP_CO_DONE);
    assert_int_equal(a.callout_done_at, T0 + 26000 + 60000 + 600000);
    advance(f, 1000);
    act_ok(f, me, id, RESP_ACT_CLOSE, NULL, &a);
    assert_int_equal(a.state, RESP_ST_CLOSED);
    assert_int_equal(a.closed_at, T0 + 26000 + 60000 + 600000 + 1000);
    assert_int_equal(a.journal, RESP_J_PENDING);
    assert_int_equal(a.next_timer_at, 0);
    expect_act(f, me, id, RESP_ACT_NOTE, "etterpå", KN_ECONFLICT, "closed");

    store_resp_alarm stored;
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, id, &stored, NULL), KN_OK);
    assert_int_equal(stored.state, RESP_ST_CLOSED);
    assert_int_equal(stored.version, a.version);
    assert_int_equal(stored.journal, RESP_J_PENDING);
    store_resp_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->resp->event_list_alarm(f->st, id, &ev, &n, NULL), KN_OK);
    const char *kinds[] = {"created",           "claimed",         "acknowledged",
                           "callout_requested", "callout_started", "cause",
                           "measure",           "callout_done",    "closed"};
    const int vkp[] = {0, 1, 3, 4, 9, 6, 7, 5, -1};
    assert_int_equal(n, sizeof kinds / sizeof kinds[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ev[i].kind, kinds[i]);
        assert_int_equal(ev[i].vkp_event, vkp[i]);
        if (i > 0) {
            assert_string_equal(ev[i].actor_id, me->id);
            assert_string_equal(ev[i].actor_name, "Ola Operatør");
            assert_true(ev[i].seq > ev[i - 1].seq);
        }
    }
    assert_string_equal(ev[3].text, "Hjemmetjenesten sone 2: nøkkel i nøkkelboks");
    assert_string_equal(ev[5].text, "Falt på badet");
    free(ev);
    assert_int_equal(test_audit_count(f->st, me->id, "resp.alarm.claim"), 1);
    assert_int_equal(test_audit_count(f->st, me->id, "resp.alarm.close"), 1);
}

static void test_close_needs_outcome_cause_measure(void **state)
{
    struct fixture *f = *state;
    resp_alarm_op op = new_alarm(f, "TA-100-0002", "4.1");
    const char *id = op.alarm.id;
    const auth_principal *me = &f->admin;
    store_resp_alarm a;
    act_ok(f, me, id, RESP_ACT_CLAIM, NULL, &a);
    act_ok(f, me, id, RESP_ACT_ACK, NULL, &a);
    expect_act(f, me, id, RESP_ACT_CLOSE, NULL, KN_ECONFLICT, "outcome");
    act_ok(f, me, id, RESP_ACT_PHONE, "snakket med bruker", &a);
    assert_int_equal(a.outcome, RESP_OUT_PHONE);
    expect_act(f, me, id, RESP_ACT_CLOSE, NULL, KN_ECONFLICT, "cause");
    act_ok(f, me, id, RESP_ACT_MEASURE, "Ringte datter", &a);
    expect_act(f, me, id, RESP_ACT_CLOSE, NULL, KN_ECONFLICT, "cause");
    act_ok(f, me, id, RESP_ACT_NOTE, "ringer igjen i morgen", &a);
    expect_act(f, me, id, RESP_ACT_CLOSE, NULL, KN_ECONFLICT, "cause");
    act_ok(f, me, id, RESP_ACT_CAUSE, "Snublet", &a);
    int64_t v = a.version;
    /* A stale expected version is refused, and nothing moves. */
    resp_action_in close = {RESP_ACT_CLOSE, NULL, NULL, v - 1};
    kn_err err;
    assert_int_equal(resp_alarm_act(f->ctx, me, id, &close, "r", &a, &err), KN_ECONFLICT);
    close.expected_version = v;
    assert_int_equal(resp_alarm_act(f->ctx, me, id, &close, "r", &a, &err), KN_OK);
    assert_int_equal(a.state, RESP_ST_CLOSED);
    assert_int_equal(a.version, v + 1);
    /* Unknown action, unknown alarm. */
    resp_action_in bogus = {99, NULL, NULL, 0};
    assert_int_equal(resp_alarm_act(f->ctx, me, id, &bogus, "r", &a, &err), KN_EINVAL);
    resp_action_in claim = {RESP_ACT_CLAIM, NULL, NULL, 0};
    assert_int_equal(
        resp_alarm_act(f->ctx, me, "0123456789abcdef0123456789abcdef", &claim, "r", &a, &err),
        KN_ENOTFOUND);
}

static void test_other_outcomes_and_release(void **state)
{
    struct fixture *f = *state;
    resp_alarm_op op = new_alarm(f, "TA-100-0002", "4.9");
    const char *id = op.alarm.id;
    store_resp_alarm a;
    act_ok(f, &f->operator, id, RESP_ACT_CLAIM, NULL, &a);
    act_ok(f, &f->operator, id, RESP_ACT_RELEASE, NULL, &a);
    assert_int_equal(a.state, RESP_ST_NEW);
    assert_string_equal(a.claimed_by, "");
    int64_t first_claim = a.claimed_at;
    advance(f, 1000);
    act_ok(f, &f->admin, id, RESP_ACT_CLAIM, NULL, &a); /* free again for anyone */
    assert_int_equal(a.claimed_at, first_claim);        /* time to claim counts the first */
    act_ok(f, &f->admin, id, RESP_ACT_ACK, NULL, &a);
    expect_act(f, &f->admin, id, RESP_ACT_ACK, NULL, KN_ECONFLICT, "already acknowledged");
    act_ok(f, &f->admin, id, RESP_ACT_DEFER, NULL, &a);
    assert_int_equal(a.outcome, RESP_OUT_DEFER);
    act_ok(f, &f->admin, id, RESP_ACT_EMERGENCY, "113 varslet", &a);
    assert_int_equal(a.outcome, RESP_OUT_EMERGENCY);
    store_resp_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->resp->event_list_alarm(f->st, id, &ev, &n, NULL), KN_OK);
    assert_int_equal(n, 7);
    assert_string_equal(ev[2].kind, "released");
    assert_int_equal(ev[2].vkp_event, -1);
    assert_int_equal(ev[5].vkp_event, 9);
    assert_int_equal(ev[6].vkp_event, 10);
    free(ev);
}

static void test_two_operators_one_claim(void **state)
{
    struct fixture *f = *state;
    resp_alarm_op op = new_alarm(f, "TA-100-0001", "3");
    store_resp_alarm a;
    act_ok(f, &f->operator, op.alarm.id, RESP_ACT_CLAIM, NULL, &a);
    expect_act(f, &f->admin, op.alarm.id, RESP_ACT_CLAIM, NULL, KN_ECONFLICT,
               "claimed by Ola Operatør");
    expect_act(f, &f->admin, op.alarm.id, RESP_ACT_ACK, NULL, KN_ECONFLICT,
               "claimed by Ola Operatør");
    expect_act(f, &f->admin, op.alarm.id, RESP_ACT_RELEASE, NULL, KN_ECONFLICT,
               "claimed by Ola Operatør");
    expect_act(f, &f->operator, op.alarm.id, RESP_ACT_CLAIM, NULL, KN_ECONFLICT, "by you");
    assert_int_equal(test_audit_count(f->st, f->admin.id, "resp.alarm.claim"), 0);
}

#define RACERS 8

struct race {
    struct fixture *f;
    const char *id;
    pthread_barrier_t barrier;
    auth_principal p[RACERS];
    int rc[RACERS];
    kn_err err[RACERS];
};

struct racer {
    struct race *r;
    int i;
};

static void *race_main(void *arg)
{
    struct racer *me = arg;
    struct race *r = me->r;
    resp_action_in claim = {RESP_ACT_CLAIM, NULL, NULL, 0};
    store_resp_alarm out;
    pthread_barrier_wait(&r->barrier);
    r->rc[me->i] =
        resp_alarm_act(r->f->ctx, &r->p[me->i], r->id, &claim, "race", &out, &r->err[me->i]);
    return NULL;
}

static void test_concurrent_claims(void **state)
{
    struct fixture *f = *state;
    resp_alarm_op op = new_alarm(f, "TA-100-0002", "3");
    struct race *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->f = f;
    r->id = op.alarm.id;
    pthread_barrier_init(&r->barrier, NULL, RACERS);
    pthread_t th[RACERS];
    struct racer racers[RACERS];
    for (int i = 0; i < RACERS; i++) {
        char id[33];
        kn_id_new(id);
        r->p[i] = test_principal(AUTH_PRINCIPAL_USER, id);
        snprintf(r->p[i].name, sizeof r->p[i].name, "racer-%d", i);
        test_grant(&r->p[i], MUNI_A, AUTH_ROLE_OPERATOR);
        racers[i] = (struct racer){r, i};
        assert_int_equal(pthread_create(&th[i], NULL, race_main, &racers[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&r->barrier);
    int winner = -1, wins = 0;
    for (int i = 0; i < RACERS; i++)
        if (r->rc[i] == KN_OK) {
            winner = i;
            wins++;
        }
    assert_int_equal(wins, 1);
    char want[64];
    snprintf(want, sizeof want, "claimed by racer-%d", winner);
    for (int i = 0; i < RACERS; i++) {
        if (i == winner)
            continue;
        assert_int_equal(r->rc[i], KN_ECONFLICT);
        if (!strstr(r->err[i].msg, want))
            fail_msg("racer %d: '%s', want '%s'", i, r->err[i].msg, want);
    }
    store_resp_alarm a;
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, op.alarm.id, &a, NULL), KN_OK);
    assert_string_equal(a.claimed_by, r->p[winner].id);
    assert_int_equal(a.version, 2);
    store_resp_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->resp->event_list_alarm(f->st, a.id, &ev, &n, NULL), KN_OK);
    assert_int_equal(n, 2); /* created + one claimed */
    free(ev);
    assert_int_equal(test_audit_count(f->st, NULL, "resp.alarm.claim"), 1);
    free(r);
}

/* ---- flood ---- */

struct batch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending, failed;
};

static void batch_done(void *cls, int status, const kn_err *err)
{
    (void)err;
    struct batch *b = cls;
    pthread_mutex_lock(&b->mu);
    b->failed += status != KN_OK;
    if (--b->pending == 0)
        pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* Submit the n prepared alarms together (one group commit) and wait until
 * every one is done; none may fail. */
static void submit_all(struct fixture *f, resp_alarm_op *ops, int n)
{
    struct batch b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, n, 0};
    kn_err err;
    for (int i = 0; i < n; i++)
        assert_int_equal(resp_alarm_submit(f->ctx, &ops[i], batch_done, &b, &err), KN_OK);
    pthread_mutex_lock(&b.mu);
    while (b.pending > 0)
        pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    assert_int_equal(b.failed, 0);
}

static void test_flood_cannot_hide_others(void **state)
{
    struct fixture *f = *state;
    enum { N = 200 };
    resp_alarm_op *ops = calloc(N + 1, sizeof *ops);
    assert_non_null(ops);
    counts before = count_all(f);
    kn_err err;
    /* 200 low-battery alarms from one device, all queued at once (one
     * group commit); another citizen's safety alarm in the middle. */
    for (int i = 0; i <= N; i++) {
        resp_alarm_in in =
            i == N / 2 ? alarm_in("TA-100-0002", "3") : alarm_in("TA-100-0001", "1.17");
        assert_int_equal(
            resp_alarm_prepare(f->ctx, &f->receiver, MUNI_A, &in, "flood", &ops[i], &err), KN_OK);
        advance(f, 10);
    }
    submit_all(f, ops, N + 1);
    int merged = 0;
    for (int i = 0; i <= N; i++)
        merged += ops[i].merged == 1;
    assert_int_equal(merged, N - 1);
    counts after = count_all(f);
    assert_int_equal(after.alarms, before.alarms + 2);
    assert_int_equal(after.last_seq - before.last_seq, N + 1); /* every alarm left its event */

    const char *munis[] = {MUNI_A};
    store_resp_filter q = {munis, 1, 1, NULL, 0, 0, 0, 50};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(resp_alarm_list(f->ctx, &f->operator, & q, "q", &list, &n, &total, &err),
                     KN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    const char *noisy = device(f, "TA-100-0001")->id, *other = device(f, "TA-100-0002")->id;
    /* Queue order: priority, then age - the other citizen's red alarm first,
     * although it came after 100 of the noisy device's. */
    assert_string_equal(list[0].device_id, other);
    assert_int_equal(list[0].priority, 1);
    assert_int_equal(list[0].repeats, 0);
    assert_string_equal(list[1].device_id, noisy);
    assert_int_equal(list[1].repeats, N - 1);
    assert_int_equal(list[1].priority, resp_alert_lookup("1.17")->priority);
    free(list);
    free(ops);
}

/* An alarm with more events than one page (a long flood of repeats) can
 * still be closed: its cause and measure are found after the first page. */
static void test_close_after_long_flood(void **state)
{
    struct fixture *f = *state;
    enum { N = STORE_RESP_PAGE_MAX + 100 };
    resp_alarm_op *ops = calloc(N, sizeof *ops);
    assert_non_null(ops);
    kn_err err;
    for (int i = 0; i < N; i++) {
        resp_alarm_in in = alarm_in("TA-100-0002", "4.13");
        assert_int_equal(
            resp_alarm_prepare(f->ctx, &f->receiver, MUNI_A, &in, "flood", &ops[i], &err), KN_OK);
    }
    submit_all(f, ops, N);
    char id[33];
    kn_strcpy(id, sizeof id, ops[N - 1].alarm.id);
    assert_int_equal(ops[N - 1].alarm.repeats, N - 1);
    free(ops);
    const auth_principal *me = &f->operator;
    store_resp_alarm a;
    act_ok(f, me, id, RESP_ACT_CLAIM, NULL, &a);
    act_ok(f, me, id, RESP_ACT_ACK, NULL, &a);
    act_ok(f, me, id, RESP_ACT_PHONE, NULL, &a);
    act_ok(f, me, id, RESP_ACT_CAUSE, "Knappen satt fast", &a);
    expect_act(f, me, id, RESP_ACT_CLOSE, NULL, KN_ECONFLICT, "measure");
    act_ok(f, me, id, RESP_ACT_MEASURE, "Ny alarmknapp bestilt", &a);
    act_ok(f, me, id, RESP_ACT_CLOSE, NULL, &a);
    assert_int_equal(a.state, RESP_ST_CLOSED);
    /* The detail's timeline: every step of the operator, and only the
     * newest repeats (the alarm's counter has them all). */
    resp_alarm_detail d;
    assert_int_equal(resp_alarm_get(f->ctx, me, id, "read", &d, &err), KN_OK);
    size_t repeated = 0, steps = 0;
    for (size_t i = 0; i < d.nevents; i++) {
        repeated += strcmp(d.events[i].kind, "repeated") == 0;
        steps += d.events[i].actor_id[0] && strcmp(d.events[i].actor_id, me->id) == 0;
    }
    assert_int_equal(repeated, STORE_RESP_PERIODIC_KEPT);
    assert_int_equal(steps, 6); /* claim, ack, phone, cause, measure, close (the refused close wrote nothing) */
    assert_string_equal(d.events[d.nevents - 1].kind, "closed");
    assert_int_equal(d.alarm.repeats, N - 1);
    resp_alarm_detail_free(&d);
}

static int setup_flood(void **state)
{
    return setup_with(state, 3);
}

static void test_flood_window(void **state)
{
    struct fixture *f = *state; /* flood_max 3, window 60 s */
    /* Citizen 1 (TA-100-0002) has no priority rules: 4.2 yellow, 4.3/4.4/4.6 green. */
    const char *codes[] = {"4.2", "4.3", "4.4"};
    resp_alarm_op op;
    for (size_t i = 0; i < 3; i++) {
        op = new_alarm(f, "TA-100-0002", codes[i]);
        assert_int_equal(op.merged, 0);
        advance(f, 1000);
    }
    /* Over the limit: merged into the newest open alarm at least as urgent. */
    op = new_alarm(f, "TA-100-0002", "4.6");
    assert_int_equal(op.merged, 1);
    assert_string_equal(op.alarm.alert_code, "4.4");
    assert_int_equal(op.alarm.repeats, 1);
    assert_non_null(strstr(op.event.text, "4.6"));
    advance(f, 1000);
    op = new_alarm(f, "TA-100-0002", "4.15"); /* yellow: the green ones cannot take it */
    assert_int_equal(op.merged, 1);
    assert_string_equal(op.alarm.alert_code, "4.2");
    advance(f, 1000);
    op = new_alarm(f, "TA-100-0002", "4.18");
    assert_string_equal(op.alarm.alert_code, "4.2");
    assert_int_equal(op.alarm.repeats, 2);
    assert_non_null(strstr(op.event.text, "4.18"));
    /* A fall is more urgent than all of them: its own queue line. */
    op = new_alarm(f, "TA-100-0002", "4.1");
    assert_int_equal(op.merged, 0);
    assert_int_equal(op.alarm.priority, 1);
    /* Another device is not affected by that device's window. */
    op = new_alarm(f, "TA-100-0001", "4.2");
    assert_int_equal(op.merged, 0);
    /* After the window a new code is its own alarm again. */
    advance(f, 61000);
    op = new_alarm(f, "TA-100-0002", "4.19");
    assert_int_equal(op.merged, 0);
    assert_string_equal(op.alarm.alert_code, "4.19");
    const char *munis[] = {MUNI_A};
    store_resp_filter q = {munis, 1, 1, NULL, 0, 0, 0, 50};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    kn_err err;
    assert_int_equal(resp_alarm_list(f->ctx, &f->operator, & q, "q", &list, &n, &total, &err),
                     KN_OK);
    assert_int_equal(n, 6); /* 4.2, 4.3, 4.4, 4.1, the other device's 4.2, 4.19 */
    assert_int_equal(list[0].priority, 1);
    free(list);
}

/* ---- reads and access ---- */

static void test_access_per_municipality(void **state)
{
    struct fixture *f = *state;
    resp_alarm_op op = new_alarm(f, "TA-100-0001", "3");
    const char *id = op.alarm.id;
    resp_alarm_detail d;
    kn_err err;
    assert_int_equal(resp_alarm_get(f->ctx, &f->fjordvik, id, "r", &d, &err), KN_EFORBIDDEN);
    assert_null(d.events);
    store_resp_alarm a;
    expect_act(f, &f->fjordvik, id, RESP_ACT_CLAIM, NULL, KN_EFORBIDDEN, MUNI_A);
    const char *knutby[] = {MUNI_A}, *fjordvik[] = {MUNI_B}, *both[] = {MUNI_B, MUNI_A};
    store_resp_filter q = {knutby, 1, 1, NULL, 0, 0, 0, 100};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(resp_alarm_list(f->ctx, &f->fjordvik, &q, "r", &list, &n, &total, &err),
                     KN_EFORBIDDEN);
    q.municipalities = both;
    q.n_munis = 2;
    assert_int_equal(resp_alarm_list(f->ctx, &f->fjordvik, &q, "r", &list, &n, &total, &err),
                     KN_EFORBIDDEN);
    assert_int_equal(test_audit_count(f->st, f->fjordvik.id, NULL), 0);
    q.municipalities = fjordvik;
    q.n_munis = 1;
    assert_int_equal(resp_alarm_list(f->ctx, &f->fjordvik, &q, "r", &list, &n, &total, &err),
                     KN_OK);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(test_audit_count(f->st, f->fjordvik.id, "resp.queue.read"), 1);
    /* A nurse of Knutby reads but cannot act. */
    auth_principal nurse = resp_test_demo_user(f->st, "sykepleier");
    assert_int_equal(resp_alarm_get(f->ctx, &nurse, id, "r", &d, &err), KN_OK);
    resp_alarm_detail_free(&d);
    expect_act(f, &nurse, id, RESP_ACT_CLAIM, NULL, KN_EFORBIDDEN, "required");
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, id, &a, NULL), KN_OK);
    assert_int_equal(a.state, RESP_ST_NEW);
    assert_int_equal(a.version, 1);
    /* Bad filters. */
    q.limit = 0;
    assert_int_equal(resp_alarm_list(f->ctx, &f->operator, & q, "r", &list, &n, &total, &err),
                     KN_EINVAL);
    q.limit = 10;
    q.n_munis = 0;
    assert_int_equal(resp_alarm_list(f->ctx, &f->operator, & q, "r", &list, &n, &total, &err),
                     KN_EINVAL);
}

static void test_detail(void **state)
{
    struct fixture *f = *state;
    const store_device *dev = device(f, "TA-100-0001");
    resp_alarm_op op = new_alarm(f, dev->serial, "4.1");
    store_resp_alarm a;
    act_ok(f, &f->operator, op.alarm.id, RESP_ACT_CLAIM, NULL, &a);
    resp_alarm_detail d;
    kn_err err;
    assert_int_equal(resp_alarm_get(f->ctx, &f->operator, op.alarm.id, "r", &d, &err), KN_OK);
    assert_string_equal(d.alarm.id, op.alarm.id);
    assert_int_equal(d.alarm.state, RESP_ST_CLAIMED);
    assert_string_equal(d.citizen.id, dev->citizen_id);
    assert_string_equal(d.citizen.nin, citizen(f, dev->citizen_id)->nin);
    assert_int_equal(d.nevents, 2);
    assert_string_equal(d.events[1].kind, "claimed");
    assert_true(d.step.kind != 0);
    assert_true(d.step.timeout_s > 0);
    resp_alarm_detail_free(&d);
    assert_int_equal(test_audit_count(f->st, f->operator.id, "resp.alarm.read"), 1);
    assert_int_equal(
        resp_alarm_get(f->ctx, &f->operator, "0123456789abcdef0123456789abcdef", "r", &d, &err),
        KN_ENOTFOUND);
}

/* ---- the bus and the worker ---- */

static void notify_none(void *cls)
{
    (void)cls;
}

/* Read frames until one contains needle (or 2 s pass). */
static int bus_has(resp_sub *sub, const char *needle)
{
    static char buf[1 << 16];
    for (int tries = 0; tries < 200; tries++) {
        long got = resp_sub_read(sub, buf, sizeof buf - 1);
        if (got > 0) {
            buf[got] = '\0';
            if (strstr(buf, needle))
                return 1;
            continue;
        }
        usleep(10000);
    }
    return 0;
}

static void test_events_reach_the_bus(void **state)
{
    struct fixture *f = *state;
    const char *munis[] = {MUNI_A};
    resp_sub *sub = NULL;
    kn_err err;
    assert_int_equal(
        resp_bus_subscribe(resp_ctx_bus(f->ctx), munis, 1, -1, notify_none, NULL, &sub, &err),
        KN_OK);
    resp_alarm_op op = new_alarm(f, "TA-100-0001", "3");
    char needle[80];
    snprintf(needle, sizeof needle, "\"seq\":%lld", (long long)op.event.seq);
    assert_true(bus_has(sub, needle));
    store_resp_alarm a;
    act_ok(f, &f->operator, op.alarm.id, RESP_ACT_CLAIM, NULL, &a);
    snprintf(needle, sizeof needle, "id: %lld\n", (long long)a.last_seq);
    assert_true(bus_has(sub, needle));
    resp_sub_close(sub);
}

static void test_worker_life_cycle(void **state)
{
    struct fixture *f = *state;
    kn_err err;
    assert_ptr_equal(resp_ctx_store(f->ctx), f->st);
    assert_int_equal(resp_now(f->ctx), T0);
    resp_alarm_op op = new_alarm(f, "TA-100-0001", "3");
    assert_int_equal(resp_start(f->ctx, &err), KN_OK);
    assert_int_equal(resp_start(f->ctx, &err), KN_OK); /* idempotent */
    /* Nobody claims: once the step's timer is due the worker's tick moves it on. */
    advance(f, op.alarm.next_timer_at - T0 + 1);
    resp_wake(f->ctx);
    store_resp_alarm a;
    int moved = 0;
    for (int i = 0; i < 300 && !moved; i++) {
        assert_int_equal(f->st->ops->resp->alarm_get(f->st, op.alarm.id, &a, NULL), KN_OK);
        moved = a.escalations > 0;
        if (!moved)
            usleep(10000);
    }
    assert_true(moved);
    resp_stop(f->ctx);
    resp_stop(f->ctx);
    assert_int_equal(resp_start(f->ctx, &err), KN_OK); /* restartable */
    resp_wake(f->ctx);
    /* teardown's resp_ctx_free stops it */
}

static void test_ctx_defaults(void **state)
{
    (void)state;
    resp_opts o;
    memset(&o, 0, sizeof o);
    resp_ctx *ctx = NULL;
    kn_err err;
    assert_int_equal(resp_ctx_new(&o, &ctx, &err), KN_EINVAL); /* no store */
    struct fixture *f = *state;
    o.st = f->st;
    o.supervise_camera_s = -1;
    o.flood_window_s = 30;
    assert_int_equal(resp_ctx_new(&o, &ctx, &err), KN_OK);
    assert_int_equal(ctx->o.renotify_s, 60);
    assert_int_equal(ctx->o.forgotten_s, 900);
    assert_int_equal(ctx->o.default_step_timeout_s, 60);
    assert_int_equal(ctx->o.supervise_safety_alarm_s, 43200);
    assert_int_equal(ctx->o.supervise_vitals_kit_s, 86400);
    assert_int_equal(ctx->o.supervise_camera_s, 0);
    assert_int_equal(ctx->o.flood_max, 5);
    assert_int_equal(ctx->o.flood_window_s, 30);
    assert_int_equal(ctx->o.bus_ring, 16384);
    assert_string_equal(ctx->centre_herid, ""); /* none: the journal uses the orgnr */
    int64_t before = kn_now_ms();
    int64_t now = resp_now(ctx);
    assert_true(now >= before && now <= kn_now_ms());
    resp_ctx_free(ctx);
    resp_ctx_free(NULL);
    /* The response centre's HER-id is checked and kept (the caller's string
     * need not outlive the call). */
    char herid[16] = "0102287";
    o.centre_herid = herid;
    assert_int_equal(resp_ctx_new(&o, &ctx, &err), KN_EINVAL); /* leading zero */
    assert_non_null(strstr(err.msg, "HER-id"));
    kn_strcpy(herid, sizeof herid, "102287");
    assert_int_equal(resp_ctx_new(&o, &ctx, &err), KN_OK);
    memset(herid, 0, sizeof herid);
    assert_string_equal(ctx->o.centre_herid, "102287");
    resp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_input_creates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intake_fills_the_alarm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_external_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_system, setup, teardown),
        cmocka_unit_test_setup_teardown(test_happy_path_and_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_needs_outcome_cause_measure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_outcomes_and_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_operators_one_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_cannot_hide_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_window, setup_flood, teardown),
        cmocka_unit_test_setup_teardown(test_close_after_long_flood, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_per_municipality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_reach_the_bus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_life_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ctx_defaults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
