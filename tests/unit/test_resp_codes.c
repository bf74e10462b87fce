/* test_resp_codes.c - the response service's pure parts: the compiled-in VKP
 * alert codes against the code system file of the VKP package
 * ($KNUTE_SOURCE_DIR/../shared/vkp/...), severity/triage, the priority rule
 * with a citizen's rules, the names of events/states/outcomes/actions, the
 * strict RFC 3339 parser, access decisions, and the JSON views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/core_util.h"
#include "resp/resp_int.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CODESYSTEM "../shared/vkp/VKP-R4/CodeSystem/vkp-alert-code-v090.codesystem.xml"
#define MAX_CONCEPTS 200

/* Append the UTF-8 encoding of code point cp. */
static char *put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* XML attribute value [s, end) with entities decoded, into out. */
static void xml_decode(const char *s, const char *end, char *out, size_t size)
{
    static const struct {
        const char *ent;
        char ch;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    char *o = out;
    while (s < end && (size_t)(o - out) + 4 < size) {
        if (*s != '&') {
            *o++ = *s++;
            continue;
        }
        if (s[1] == '#') {
            char *stop;
            unsigned long cp = s[2] == 'x' ? strtoul(s + 3, &stop, 16) : strtoul(s + 2, &stop, 10);
            assert_true(*stop == ';');
            o = put_utf8(o, cp);
            s = stop + 1;
            continue;
        }
        size_t i = 0;
        while (i < 5 && strncmp(s, named[i].ent, strlen(named[i].ent)) != 0)
            i++;
        assert_true(i < 5);
        *o++ = named[i].ch;
        s += strlen(named[i].ent);
    }
    *o = '\0';
}

/* The value of the first <tag value="..."/> after p (before limit). */
static int xml_value(const char *p, const char *limit, const char *tag, char *out, size_t size)
{
    char open[64];
    snprintf(open, sizeof open, "<%s value=\"", tag);
    const char *s = strstr(p, open);
    if (!s || s > limit)
        return 0;
    s += strlen(open);
    const char *e = strchr(s, '"');
    assert_non_null(e);
    xml_decode(s, e, out, size);
    return 1;
}

typedef struct concept {
    char code[16];
    char display[256];
}
concept;

/* Every <concept> of the code system (flat or nested). */
static size_t load_concepts(concept *out, size_t max)
{
    char *xml = test_read_source(CODESYSTEM, NULL);
    if (!xml)
        fail_msg("cannot read %s", CODESYSTEM);
    size_t n = 0;
    for (const char *p = strstr(xml, "<concept>"); p; p = strstr(p + 1, "<concept>")) {
        assert_true(n < max);
        const char *next = strstr(p + 1, "<concept>");
        const char *limit = next ? next : p + strlen(p);
        assert_true(xml_value(p, limit, "code", out[n].code, sizeof out[n].code));
        assert_true(xml_value(p, limit, "display", out[n].display, sizeof out[n].display));
        n++;
    }
    free(xml);
    return n;
}

static int in_codesystem(const concept *c, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].code, code) == 0)
            return 1;
    return 0;
}

static void test_alert_codes_match_codesystem(void **state)
{
    (void)state;
    concept *c = calloc(MAX_CONCEPTS, sizeof *c);
    assert_non_null(c);
    size_t n = load_concepts(c, MAX_CONCEPTS);
    assert_true(n >= 60);
    for (size_t i = 0; i < n; i++) {
        const resp_alert_info *info = resp_alert_lookup(c[i].code);
        if (!info)
            fail_msg("VKP alert code %s (%s) is missing from resp_codes.c", c[i].code,
                     c[i].display);
        if (strcmp(info->display, c[i].display) != 0)
            fail_msg("VKP alert code %s: resp_codes.c says '%s', the code system '%s'", c[i].code,
                     info->display, c[i].display);
        assert_int_equal(info->category, atoi(c[i].code));
        assert_true(info->priority >= 1 && info->priority <= 5);
        assert_true(info->technical == 0 || info->technical == 1);
    }
    /* Nothing beyond the code system: every plausible code outside it is unknown. */
    char code[32];
    for (int a = 0; a <= 9; a++)
        for (int b = -1; b <= 40; b++)
            for (int d = -1; d <= 5; d++) {
                if (b < 0 && d >= 0)
                    continue;
                if (b < 0)
                    snprintf(code, sizeof code, "%d", a);
                else if (d < 0)
                    snprintf(code, sizeof code, "%d.%d", a, b);
                else
                    snprintf(code, sizeof code, "%d.%d.%d", a, b, d);
                if ((resp_alert_lookup(code) != NULL) != in_codesystem(c, n, code))
                    fail_msg("code %s: table and code system disagree", code);
            }
    assert_null(resp_alert_lookup(""));
    assert_null(resp_alert_lookup(NULL));
    assert_null(resp_alert_lookup("4.1 "));
    free(c);
}

static void test_defaults_of_key_codes(void **state)
{
    (void)state;
    const char *red[] = {"3", "4.1", "4.11", "4.24", "4.13", "4.14"};
    for (size_t i = 0; i < sizeof red / sizeof red[0]; i++)
        assert_int_equal(resp_alert_lookup(red[i])->priority, 1);
    assert_int_equal(resp_alert_lookup("4.17")->priority, 2);
    assert_true(resp_alert_lookup("1.17")->technical);
    assert_true(resp_alert_lookup("1.20")->technical);
    assert_false(resp_alert_lookup("4.1")->technical);
    assert_false(resp_alert_lookup("1.22")->technical);
    assert_string_equal(resp_alert_lookup("4.12")->display, "Fravær");
}

static void test_severity_triage(void **state)
{
    (void)state;
    for (int s = -20; s <= 60; s++)
        assert_int_equal(resp_severity_valid(s), s >= 0 && s <= 40 && s % 10 == 0);
    const char *ok[] = {"R", "O", "Y", "G", "B", "BL", "NR"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(resp_triage_valid(ok[i]));
    const char *bad[] = {"", "r", "X", "RR", "BLU", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(resp_triage_valid(bad[i]));
}

static void test_priority(void **state)
{
    (void)state;
    /* The code's default alone. */
    assert_int_equal(resp_priority("4.5", 0, NULL, NULL), resp_alert_lookup("4.5")->priority);
    assert_int_equal(resp_priority("4.5", 0, "", NULL), 5);
    /* The most urgent of code, triage and severity. */
    const char *triage[] = {"R", "O", "Y", "G", "B"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(resp_priority("4.5", 0, triage[i], NULL), i + 1);
    assert_int_equal(resp_priority("4.5", 0, "BL", NULL), 5);
    assert_int_equal(resp_priority("4.5", 0, "NR", NULL), 5);
    for (int sev = 10; sev <= 40; sev += 10)
        assert_int_equal(resp_priority("4.5", sev, NULL, NULL), 5 - sev / 10);
    assert_int_equal(resp_priority("4.1", 10, "B", NULL), 1); /* never less urgent than the code */
    assert_int_equal(resp_priority("4.8", 20, "G", NULL), 3);
    assert_int_equal(resp_priority("9.9", 0, NULL, NULL), 3); /* unknown code: middle */
    /* A citizen rule replaces it: the exact code wins over the category. */
    store_resp_profile prof;
    memset(&prof, 0, sizeof prof);
    prof.nprio = 2;
    kn_strcpy(prof.prio[0].alert_code, sizeof prof.prio[0].alert_code, "4");
    prof.prio[0].priority = 4;
    kn_strcpy(prof.prio[1].alert_code, sizeof prof.prio[1].alert_code, "4.9");
    prof.prio[1].priority = 1;
    assert_int_equal(resp_priority("4.1", 40, "R", &prof), 4);
    assert_int_equal(resp_priority("4.9", 0, NULL, &prof), 1);
    assert_int_equal(resp_priority("3", 0, NULL, &prof), 1);    /* other category: untouched */
    assert_int_equal(resp_priority("4.10", 0, NULL, &prof), 4); /* category rule "4" */
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(resp_priority_name(1), "rød");
    assert_string_equal(resp_priority_name(5), "blå");
    assert_string_equal(resp_priority_name(6), "");
    assert_string_equal(resp_state_name(RESP_ST_NEW), "ny");
    assert_string_equal(resp_state_name(RESP_ST_CLOSED), "avsluttet");
    assert_string_equal(resp_outcome_name(RESP_OUT_EMERGENCY), "113");
    assert_string_equal(resp_outcome_name(RESP_OUT_NONE), "");
    assert_string_equal(resp_state_name(-1), "");
    /* Every action's name parses back to it; unknown names are 0. */
    int seen = 0;
    for (int a = RESP_ACT_CLAIM; a <= RESP_ACT_CLOSE; a++, seen++) {
        assert_true(resp_action_name(a)[0] != '\0');
        assert_int_equal(resp_action_parse(resp_action_name(a)), a);
    }
    assert_int_equal(seen, 13);
    assert_int_equal(resp_action_parse("acknowledge"), RESP_ACT_ACK);
    assert_int_equal(resp_action_parse("ack"), 0);
    assert_int_equal(resp_action_parse(""), 0);
    assert_int_equal(resp_action_parse(NULL), 0);
    assert_string_equal(resp_action_name(0), "");
    assert_string_equal(resp_action_name(14), "");
}

static void test_events(void **state)
{
    (void)state;
    /* The issue's VKP composition-event codes. */
    const struct {
        int kind;
        const char *name;
        int vkp;
    } want[] = {
        {RESP_EV_CREATED, "created", 0},
        {RESP_EV_CLAIMED, "claimed", 1},
        {RESP_EV_ACKNOWLEDGED, "acknowledged", 3},
        {RESP_EV_CALLOUT_REQUESTED, "callout_requested", 4},
        {RESP_EV_CALLOUT_DONE, "callout_done", 5},
        {RESP_EV_CAUSE, "cause", 6},
        {RESP_EV_MEASURE, "measure", 7},
        {RESP_EV_PHONE, "phone", 8},
        {RESP_EV_CALLOUT_STARTED, "callout_started", 9},
        {RESP_EV_DEFERRED, "deferred", 9},
        {RESP_EV_EMERGENCY, "emergency", 10},
        {RESP_EV_CLOSED, "closed", -1},
        {RESP_EV_REPEATED, "repeated", -1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(resp_event_name(want[i].kind), want[i].name);
        assert_int_equal(resp_event_vkp(want[i].kind), want[i].vkp);
    }
    assert_string_equal(resp_event_name(RESP_EV__COUNT), "");
    assert_int_equal(resp_event_vkp(-1), -1);
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, "u1");
    kn_strcpy(p.name, sizeof p.name, "ola");
    store_resp_event ev;
    resp_event_init(&ev, RESP_EV_CAUSE, 1234, &p, "Falt i gangen");
    assert_string_equal(ev.kind, "cause");
    assert_int_equal(ev.vkp_event, 6);
    assert_int_equal(ev.at, 1234);
    assert_string_equal(ev.actor_id, "u1");
    assert_string_equal(ev.actor_name, "ola");
    assert_string_equal(ev.text, "Falt i gangen");
    resp_event_init(&ev, RESP_EV_CREATED, 5, NULL, NULL);
    assert_string_equal(ev.actor_id, "");
    assert_string_equal(ev.text, "");
}

static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000;
}

static void test_parse_time(void **state)
{
    (void)state;
    int64_t ms = 0;
    kn_err err;
    assert_int_equal(resp_parse_time("2026-11-22T10:15:00+01:00", &ms, &err), KN_OK);
    assert_int_equal(ms, utc_ms(2026, 11, 22, 9, 15, 0));
    assert_int_equal(resp_parse_time("2026-11-22T09:15:00Z", &ms, &err), KN_OK);
    assert_int_equal(ms, utc_ms(2026, 11, 22, 9, 15, 0));
    assert_int_equal(resp_parse_time("2026-11-22T09:15:00.25Z", &ms, &err), KN_OK);
    assert_int_equal(ms, utc_ms(2026, 11, 22, 9, 15, 0) + 250);
    assert_int_equal(resp_parse_time("2026-01-01T00:30:00-02:30", &ms, &err), KN_OK);
    assert_int_equal(ms, utc_ms(2026, 1, 1, 3, 0, 0));
    assert_int_equal(resp_parse_time("2024-02-29T23:59:59+00:00", &ms, &err), KN_OK);
    assert_int_equal(ms, utc_ms(2024, 2, 29, 23, 59, 59));
    assert_int_equal(resp_parse_time("2000-02-29T12:00:00Z", &ms, &err), KN_OK);
    const char *bad[] = {
        "",
        "2026-11-22",
        "2026-11-22T10:15:00",       /* no offset */
        "2026-11-22 10:15:00+01:00", /* space */
        "2026-02-29T10:00:00Z",      /* not a leap year */
        "1900-02-29T10:00:00Z",
        "2026-04-31T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-00-10T10:00:00Z",
        "2026-11-22T24:00:00Z",
        "2026-11-22T10:60:00Z",
        "2026-11-22T10:15:61Z",
        "2026-11-22T10:15:00+1:00",
        "2026-11-22T10:15:00+01:00x",
        "2026-11-22T10:15:00+24:00",
        "2026-11-22T10:15:00.Z",
        "2026-11-22T10:15:00ZZ",
        "26-11-22T10:15:00Z",
        "2026-11-2xT10:15:00Z",
        "i går",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kn_err_clear(&err);
        if (resp_parse_time(bad[i], &ms, &err) != KN_EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
        assert_non_null(strstr(err.msg, "RFC 3339"));
    }
    assert_int_equal(resp_parse_time(NULL, &ms, &err), KN_EINVAL);
}

static void test_access(void **state)
{
    (void)state;
    kn_err err;
    auth_principal op = test_principal(AUTH_PRINCIPAL_USER, "u1");
    test_grant(&op, "939000011", AUTH_ROLE_OPERATOR);
    assert_int_equal(resp_access(&op, RESP_ROLES_OPERATE, "939000011", RESP_SCOPE_WRITE, &err),
                     KN_OK);
    assert_int_equal(resp_access(&op, RESP_ROLES_OPERATE, "939000038", RESP_SCOPE_WRITE, &err),
                     KN_EFORBIDDEN);
    assert_int_equal(resp_access(&op, RESP_ROLES_ADMIN, "939000011", NULL, &err), KN_EFORBIDDEN);
    auth_principal nurse = test_principal(AUTH_PRINCIPAL_USER, "u2");
    test_grant(&nurse, "939000011", AUTH_ROLE_NURSE);
    assert_int_equal(resp_access(&nurse, RESP_ROLES_READ, "939000011", RESP_SCOPE_READ, &err),
                     KN_OK);
    assert_int_equal(resp_access(&nurse, RESP_ROLES_OPERATE, "939000011", NULL, &err),
                     KN_EFORBIDDEN);
    /* Clients: the scope and a grant at the municipality. */
    auth_principal cl = test_principal(AUTH_PRINCIPAL_CLIENT, "c1");
    test_grant(&cl, "939000011", AUTH_ROLE_SUPPLIER);
    kn_strcpy(cl.scopes, sizeof cl.scopes, "knute/other " RESP_SCOPE_ALARM);
    assert_int_equal(resp_access(&cl, RESP_ROLES_OPERATE, "939000011", RESP_SCOPE_ALARM, &err),
                     KN_OK);
    assert_int_equal(resp_access(&cl, RESP_ROLES_OPERATE, "939000011", RESP_SCOPE_READ, &err),
                     KN_EFORBIDDEN);
    assert_int_equal(resp_access(&cl, RESP_ROLES_OPERATE, "939000038", RESP_SCOPE_ALARM, &err),
                     KN_EFORBIDDEN);
    assert_int_equal(resp_access(NULL, RESP_ROLES_OPERATE, "939000011", NULL, &err), KN_EFORBIDDEN);
}

static void test_json_views(void **state)
{
    (void)state;
    store_resp_alarm a;
    memset(&a, 0, sizeof a);
    kn_strcpy(a.id, sizeof a.id, "a1");
    a.version = 3;
    kn_strcpy(a.municipality, sizeof a.municipality, "939000011");
    kn_strcpy(a.citizen_id, sizeof a.citizen_id, "c1");
    kn_strcpy(a.citizen_name, sizeof a.citizen_name, "Åse Ødegård");
    kn_strcpy(a.alert_code, sizeof a.alert_code, "4.1");
    a.priority = 1;
    a.state = RESP_ST_NEW;
    a.battery = -1;
    a.received_at = utc_ms(2026, 11, 22, 9, 15, 0) + 7;
    a.journal = RESP_J_PENDING;
    json_t *j = resp_alarm_to_json(&a);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "alert")), "Fall");
    assert_int_equal(json_integer_value(json_object_get(j, "category")), 4);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "ny");
    assert_string_equal(json_string_value(json_object_get(j, "priority_name")), "rød");
    assert_string_equal(json_string_value(json_object_get(j, "received_at")),
                        "2026-11-22T09:15:00.007Z");
    assert_true(json_is_null(json_object_get(j, "claimed_at")));
    assert_true(json_is_null(json_object_get(j, "claimed_by")));
    assert_true(json_is_null(json_object_get(j, "position")));
    assert_true(json_is_null(json_object_get(j, "battery")));
    assert_true(json_is_false(json_object_get(j, "technical")));
    assert_string_equal(json_string_value(json_object_get(j, "journal")), "pending");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "citizen"), "name")),
                        "Åse Ødegård");
    json_decref(j);
    a.state = RESP_ST_CLAIMED;
    kn_strcpy(a.claimed_by, sizeof a.claimed_by, "u1");
    kn_strcpy(a.claimed_by_name, sizeof a.claimed_by_name, "Ola Operatør");
    a.has_position = 1;
    a.lat = 59.5;
    a.battery = 80;
    j = resp_alarm_to_json(&a);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "claimed_by"), "name")),
        "Ola Operatør");
    assert_true(json_real_value(json_object_get(json_object_get(j, "position"), "lat")) == 59.5);
    assert_int_equal(json_integer_value(json_object_get(j, "battery")), 80);
    json_decref(j);
    store_resp_event ev;
    resp_event_init(&ev, RESP_EV_NOTE, 0, NULL, "x");
    ev.seq = 42;
    j = resp_event_to_json(&ev);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 42);
    assert_true(json_is_null(json_object_get(j, "vkp_event")));
    assert_true(json_is_null(json_object_get(j, "actor")));
    assert_true(json_is_null(json_object_get(j, "at")));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_codes_match_codesystem),
        cmocka_unit_test(test_defaults_of_key_codes),
        cmocka_unit_test(test_severity_triage),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_json_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
