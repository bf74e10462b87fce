/* test_resp_journal.c - the response service's journal and hub intake
 * (resp_journal.c, resp_hubin.c):
 *  - resp_journal_build gives a message that vkp_validate passes with zero
 *    errors for several alarm shapes (phone only; call-out; 113; with and
 *    without position; a DHO alert; a D-nummer; names and texts with <&>),
 *    every VKP coding's display is the code system's, the narrative is
 *    escaped, and the ids are derived from the alarm (a retry is the same
 *    message);
 *  - a call-out alarm's Composition events are 0,1,3,4,9,5,6,7 in time order;
 *  - resp_journal_run over a real store and hub: closed alarms become hub
 *    messages of the internal sender (SENT with the message id), an alarm
 *    whose citizen has no valid person number becomes FAILED, a second run
 *    sends nothing;
 *  - resp_hubin_run turns the VKP corpus messages that carry a DetectedIssue
 *    into alarms of the citizen with that person number exactly once (a
 *    second run creates nothing; Knute's own journal messages never).
 * Synthetic person numbers, test environment (production for the corpus
 * files named so). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include "audit/audit.h"
#include "core/core_util.h"
#include "hub/hub.h"
#include "nid/nid.h"
#include "resp/resp.h"
#include "test_resp_util.h"
#include "test_support.h"
#include "vkp/vkp.h"
#include "vkp/vkp_rules.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CENTRE_HERID "102287" /* the response centre in the settings */
#define MUNI_A "939000011"
#define SUPPLIER "987000015"
#define NIN_A "12834810008" /* the corpus patient (synthetic, month + 80) */
#define FNR_OID "urn:oid:2.16.578.1.12.4.1.4.1"
#define DNR_OID "urn:oid:2.16.578.1.12.4.1.4.2"
#define T0 1763802900000LL /* 2025-11-22T09:15:00Z */

/* ---- building blocks ---- */

static store_citizen citizen_of(const char *nin, const char *given, const char *family)
{
    store_citizen c;
    memset(&c, 0, sizeof c);
    kn_strcpy(c.id, sizeof c.id, "c0000000000000000000000000000001");
    kn_strcpy(c.municipality, sizeof c.municipality, MUNI_A);
    kn_strcpy(c.nin, sizeof c.nin, nin);
    kn_strcpy(c.given_name, sizeof c.given_name, given);
    kn_strcpy(c.family_name, sizeof c.family_name, family);
    return c;
}

static store_resp_alarm closed_alarm(const char *id, const char *code, int outcome)
{
    store_resp_alarm a;
    memset(&a, 0, sizeof a);
    kn_strcpy(a.id, sizeof a.id, id);
    kn_strcpy(a.municipality, sizeof a.municipality, MUNI_A);
    kn_strcpy(a.citizen_id, sizeof a.citizen_id, "c0000000000000000000000000000001");
    kn_strcpy(a.source, sizeof a.source, "api");
    kn_strcpy(a.alert_code, sizeof a.alert_code, code);
    a.severity = 30;
    a.priority = 1;
    a.state = RESP_ST_CLOSED;
    a.outcome = outcome;
    a.occurred_at = T0 - 5000;
    a.received_at = T0;
    a.closed_at = T0 + 600000;
    a.battery = -1;
    kn_strcpy(a.claimed_by_name, sizeof a.claimed_by_name, "Ola <Operatør> & co");
    return a;
}

/* Events of the given kinds, one minute apart from T0, by operator "Ola". */
static size_t events_of(const int *kinds, size_t n, store_resp_event *out)
{
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, "u0000000000000000000000000000001");
    kn_strcpy(p.name, sizeof p.name, "Ola \"O'Hara\" <Operatør>");
    for (size_t i = 0; i < n; i++) {
        const char *text = kinds[i] == RESP_EV_CAUSE     ? "Falt på badet <glatt & vått>"
                           : kinds[i] == RESP_EV_MEASURE ? "Sklimatte\nbestilt"
                           : kinds[i] == RESP_EV_CALLOUT_REQUESTED ? "Team Nord"
                                                                   : NULL;
        resp_event_init(&out[i], kinds[i], T0 + (int64_t)i * 60000, i ? &p : NULL, text);
        out[i].seq = (int64_t)i + 1;
    }
    return n;
}

static const int CALLOUT_KINDS[] = {
    RESP_EV_CREATED,         RESP_EV_CLAIMED,      RESP_EV_ACKNOWLEDGED, RESP_EV_CALLOUT_REQUESTED,
    RESP_EV_CALLOUT_STARTED, RESP_EV_CALLOUT_DONE, RESP_EV_CAUSE,        RESP_EV_MEASURE,
    RESP_EV_CLOSED};
static const int PHONE_KINDS[] = {RESP_EV_CREATED, RESP_EV_CLAIMED, RESP_EV_ACKNOWLEDGED,
                                  RESP_EV_PHONE,   RESP_EV_CAUSE,   RESP_EV_MEASURE,
                                  RESP_EV_NOTE,    RESP_EV_CLOSED};
static const int EMERGENCY_KINDS[] = {
    RESP_EV_CREATED,      RESP_EV_CLAIMED,   RESP_EV_RELEASED, RESP_EV_ESCALATED, RESP_EV_CLAIMED,
    RESP_EV_ACKNOWLEDGED, RESP_EV_EMERGENCY, RESP_EV_CAUSE,    RESP_EV_MEASURE,   RESP_EV_CLOSED};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The resource of the entry of `type`. */
static json_t *resource(json_t *bundle, const char *type)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(bundle, "entry"), i, e) {
        json_t *r = json_object_get(e, "resource");
        if (strcmp(json_string_value(json_object_get(r, "resourceType")), type) == 0)
            return r;
    }
    return NULL;
}

/* The Composition's event codes, in document order. */
static size_t event_codes(json_t *bundle, int *codes, size_t max)
{
    json_t *comp = resource(bundle, "Composition");
    size_t i, n = 0;
    json_t *ev;
    json_array_foreach(json_object_get(comp, "event"), i, ev) {
        json_t *c = json_array_get(
            json_object_get(json_array_get(json_object_get(ev, "code"), 0), "coding"), 0);
        if (n < max)
            codes[n++] = atoi(json_string_value(json_object_get(c, "code")));
    }
    return n;
}

/* The Composition's VKP event codes of an alarm with the CALLOUT_KINDS
 * events, in time order. */
static void expect_callout_codes(json_t *doc)
{
    int codes[16];
    size_t nc = event_codes(doc, codes, 16);
    const int want[] = {0, 1, 3, 4, 9, 5, 6, 7};
    assert_int_equal(nc, N(want));
    for (size_t i = 0; i < nc; i++)
        assert_int_equal(codes[i], want[i]);
}

/* Every coding of an ehelse VKP code system has that system's display. */
static void check_displays(json_t *j, size_t *checked)
{
    static const char cs[] = "http://ehelse.no/fhir/CodeSystem/";
    if (json_is_object(j)) {
        const char *sys = json_string_value(json_object_get(j, "system"));
        const char *code = json_string_value(json_object_get(j, "code"));
        if (sys && code && strncmp(sys, cs, sizeof cs - 1) == 0) {
            char vs_url[256];
            snprintf(vs_url, sizeof vs_url, "http://ehelse.no/fhir/ValueSet/%s",
                     sys + sizeof cs - 1);
            const vkp_valueset_def *vs = vkp_valueset_find(vs_url);
            assert_non_null(vs);
            const vkp_vs_entry *e = vkp_valueset_lookup(vs, sys, code);
            assert_non_null(e);
            assert_non_null(json_string_value(json_object_get(j, "display")));
            assert_string_equal(json_string_value(json_object_get(j, "display")), e->display);
            (*checked)++;
        }
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) check_displays(v, checked);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) check_displays(v, checked);
    }
}

/* Build, validate (zero errors), check displays; the parsed Bundle. */
static json_t *build_valid(const store_resp_alarm *a, const store_citizen *c,
                           const store_resp_event *ev, size_t nev)
{
    char *text = NULL;
    size_t len = 0;
    kn_err err;
    assert_int_equal(resp_journal_build(a, c, ev, nev, NULL, &text, &len, &err), KN_OK);
    assert_int_equal(len, strlen(text));
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    vkp_opts opts = {.environment = NID_ENV_TEST};
    assert_int_equal(vkp_validate(text, len, &opts, &oc), KN_OK);
    for (size_t i = 0; i < oc.count; i++)
        if (oc.issues[i].severity <= FHIR_SEV_ERROR)
            fprintf(stderr, "issue: %s: %s\n", oc.issues[i].expression, oc.issues[i].diagnostics);
    assert_int_equal(oc.errors, 0);
    assert_true(fhir_outcome_ok(&oc));
    fhir_outcome_release(&oc);
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(doc);
    size_t checked = 0;
    check_displays(doc, &checked);
    assert_true(checked >= 6); /* category, events, sections, severity, alert */
    return doc;
}

static const char *subject_system(json_t *doc, const char **value)
{
    json_t *id =
        json_object_get(json_object_get(resource(doc, "Composition"), "subject"), "identifier");
    *value = json_string_value(json_object_get(id, "value"));
    return json_string_value(json_object_get(id, "system"));
}

/* A synthetic D-nummer (day + 40, month + 80) with valid check digits. */
static void synthetic_dnr(char out[12])
{
    for (int ind = 100; ind < 500; ind++) {
        char first9[10];
        snprintf(first9, sizeof first9, "4184%02d%03d", 75, ind); /* 01.04.1975 */
        if (nid_person_complete(first9, out) == KN_OK)
            return;
    }
    fail_msg("no D-nummer found");
}

/* ---- builder ---- */

static void test_build_callout_order(void **state)
{
    (void)state;
    store_resp_alarm a = closed_alarm("a0000000000000000000000000000001", "4.1", RESP_OUT_CALLOUT);
    kn_strcpy(a.callout_team, sizeof a.callout_team, "Team Nord");
    store_resp_event ev[16];
    size_t n = events_of(CALLOUT_KINDS, N(CALLOUT_KINDS), ev);
    /* stored in another order than their times: the builder sorts by time */
    store_resp_event tmp = ev[2];
    ev[2] = ev[5];
    ev[5] = tmp;
    store_citizen c = citizen_of(NIN_A, "Kari", "Nordmann");
    json_t *doc = build_valid(&a, &c, ev, n);
    expect_callout_codes(doc);
    json_t *comp = resource(doc, "Composition");
    json_t *e4 = json_array_get(json_object_get(comp, "event"), 3);
    char at[32];
    kn_time_format((T0 + 3 * 60000) / 1000, at, sizeof at);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e4, "period"), "start")),
                        at);
    const char *value;
    assert_string_equal(subject_system(doc, &value), FNR_OID);
    assert_string_equal(value, NIN_A);
    assert_string_equal(json_string_value(json_object_get(comp, "title")), "Responssenter: Fall");
    assert_string_equal(json_string_value(json_object_get(comp, "status")), "final");
    json_t *cat = json_array_get(
        json_object_get(json_array_get(json_object_get(comp, "category"), 0), "coding"), 0);
    assert_string_equal(json_string_value(json_object_get(cat, "code")), "1");
    json_t *mh = resource(doc, "MessageHeader");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(mh, "eventCoding"), "code")),
        "PatientComposition");
    json_t *di = resource(doc, "DetectedIssue");
    json_t *di_code = json_array_get(json_object_get(json_object_get(di, "code"), "coding"), 0);
    assert_string_equal(json_string_value(json_object_get(di_code, "code")), "4.1");
    json_decref(doc);
}

/* Every section's div, concatenated. */
static void sections_text(json_t *doc, char *out, size_t size)
{
    out[0] = '\0';
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(resource(doc, "Composition"), "section"), i, s) {
        const char *div = json_string_value(json_object_get(json_object_get(s, "text"), "div"));
        strncat(out, div, size - strlen(out) - 1);
    }
}

static void test_build_shapes(void **state)
{
    (void)state;
    char dnr[12];
    synthetic_dnr(dnr);
    struct {
        const char *code;
        int outcome;
        const int *kinds;
        size_t nkinds;
        int position;
        const char *nin;
        const char *family;
        const char *category;
        const char *system;
        size_t nevents;
    } shapes[] = {
        {"3", RESP_OUT_PHONE, PHONE_KINDS, N(PHONE_KINDS), 0, NIN_A, "Nordmann", "1", FNR_OID, 6},
        {"4.1", RESP_OUT_CALLOUT, CALLOUT_KINDS, N(CALLOUT_KINDS), 1, NIN_A, "Nordmann", "1",
         FNR_OID, 8},
        {"4.13", RESP_OUT_EMERGENCY, EMERGENCY_KINDS, N(EMERGENCY_KINDS), 1, dnr,
         "<Nordmann> & \"Sønn\"", "1", DNR_OID, 7},
        {"5.1", RESP_OUT_PHONE, PHONE_KINDS, N(PHONE_KINDS), 0, dnr, "Berg", "2", DNR_OID, 6},
    };
    for (size_t s = 0; s < N(shapes); s++) {
        char id[33];
        snprintf(id, sizeof id, "a%031zu", s + 10);
        store_resp_alarm a = closed_alarm(id, shapes[s].code, shapes[s].outcome);
        if (shapes[s].position) {
            a.has_position = 1;
            a.lat = 59.91;
            a.lon = 10.75;
            a.battery = 80;
            kn_strcpy(a.text, sizeof a.text, "Knappetrykk <stue> & \"gang\"");
        }
        store_resp_event ev[16];
        size_t n = events_of(shapes[s].kinds, shapes[s].nkinds, ev);
        store_citizen c = citizen_of(shapes[s].nin, "Kari & <Per>", shapes[s].family);
        json_t *doc = build_valid(&a, &c, ev, n);
        int codes[16];
        assert_int_equal(event_codes(doc, codes, 16), shapes[s].nevents);
        const char *value;
        assert_string_equal(subject_system(doc, &value), shapes[s].system);
        assert_string_equal(value, shapes[s].nin);
        json_t *comp = resource(doc, "Composition");
        json_t *cat = json_array_get(
            json_object_get(json_array_get(json_object_get(comp, "category"), 0), "coding"), 0);
        assert_string_equal(json_string_value(json_object_get(cat, "code")), shapes[s].category);
        char text[16384];
        sections_text(doc, text, sizeof text);
        assert_null(strstr(text, "<glatt"));                       /* user text is escaped ... */
        assert_non_null(strstr(text, "&lt;glatt &amp; vått&gt;")); /* ... and present */
        assert_non_null(strstr(text, "&lt;Operatør&gt;"));
        assert_int_equal(strstr(text, "Posisjon") != NULL, shapes[s].position);
        if (shapes[s].position)
            assert_non_null(strstr(text, "&lt;stue&gt; &amp; &quot;gang&quot;"));
        json_t *subj = json_object_get(comp, "subject");
        assert_non_null(strstr(json_string_value(json_object_get(subj, "display")), "<Per>"));
        json_decref(doc);
    }
}

static void test_build_deterministic(void **state)
{
    (void)state;
    store_resp_alarm a = closed_alarm("a0000000000000000000000000000003", "3", RESP_OUT_PHONE);
    store_resp_event ev[16];
    size_t n = events_of(PHONE_KINDS, N(PHONE_KINDS), ev);
    store_citizen c = citizen_of(NIN_A, "Kari", "Nordmann");
    char *one, *two, *other;
    size_t l1, l2, l3;
    kn_err err;
    assert_int_equal(resp_journal_build(&a, &c, ev, n, NULL, &one, &l1, &err), KN_OK);
    assert_int_equal(resp_journal_build(&a, &c, ev, n, NULL, &two, &l2, &err), KN_OK);
    assert_string_equal(one, two); /* a retry is the same message */
    store_resp_alarm b = a;
    kn_strcpy(b.id, sizeof b.id, "a0000000000000000000000000000004");
    assert_int_equal(resp_journal_build(&b, &c, ev, n, NULL, &other, &l3, &err), KN_OK);
    json_t *d1 = json_loads(one, 0, NULL), *d3 = json_loads(other, 0, NULL);
    const char *k1 = json_string_value(json_object_get(json_object_get(d1, "identifier"), "value"));
    const char *k3 = json_string_value(json_object_get(json_object_get(d3, "identifier"), "value"));
    assert_int_equal(strncmp(k1, "urn:uuid:", 9), 0);
    assert_int_equal(strlen(k1), 9 + 36);
    assert_string_not_equal(k1, k3);
    /* the HER-id, when given, is the sender and author */
    char *her;
    size_t lh;
    assert_int_equal(resp_journal_build(&a, &c, ev, n, "102287", &her, &lh, &err), KN_OK);
    json_t *dh = json_loads(her, 0, NULL);
    json_t *sender = json_object_get(resource(dh, "MessageHeader"), "sender");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(sender, "identifier"), "value")),
        "102287");
    char *none = NULL;
    size_t ln;
    assert_int_equal(resp_journal_build(&a, &c, ev, n, "0123", &none, &ln, &err), KN_EINVAL);
    /* not closed, or no valid person number: refused */
    store_resp_alarm open = a;
    open.state = RESP_ST_ACKNOWLEDGED;
    assert_int_equal(resp_journal_build(&open, &c, ev, n, NULL, &none, &ln, &err), KN_EINVAL);
    store_citizen bad = citizen_of("12345678901", "Kari", "Nordmann");
    assert_int_equal(resp_journal_build(&a, &bad, ev, n, NULL, &none, &ln, &err), KN_EINVAL);
    assert_null(none);
    json_decref(d1);
    json_decref(d3);
    json_decref(dh);
    free(one);
    free(two);
    free(other);
    free(her);
}

/* ---- over a store, the hub and a resp_ctx ---- */

struct fixture {
    store *st;
    char path[512];
    hub_ctx hub, hub_prod;
    resp_ctx *ctx;
    _Atomic int64_t now;
    int intakes; /* calls of the hub's on_intake hook */
    auth_principal op;
    auth_principal sender;
};

static void count_intake(void *cls)
{
    (*(int *)cls)++;
}

static void org(store *st, const char *orgnr, int kind)
{
    store_org o = {.kind = kind};
    kn_strcpy(o.orgnr, sizeof o.orgnr, orgnr);
    kn_strcpy(o.name, sizeof o.name, "test");
    assert_int_equal(st->ops->org_put(st, &o, NULL), KN_OK);
}

static store_citizen add_citizen(struct fixture *f, const char *nin, const char *family)
{
    store_citizen c = citizen_of(nin, "Kari", family);
    c.id[0] = '\0';
    store_audit au;
    audit_event_init(&au, NULL, "citizen.create", MUNI_A, "citizen", "", NULL, "ok");
    assert_int_equal(f->st->ops->citizen_create(f->st, &c, &au, NULL), KN_OK);
    return c;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || test_store_new(&f->st, f->path, sizeof f->path) != KN_OK)
        return -1;
    f->now = T0;
    f->hub = (hub_ctx){.st = f->st,
                       .environment = NID_ENV_TEST,
                       .public_url = "",
                       .on_intake = count_intake,
                       .on_intake_cls = &f->intakes};
    f->hub_prod = (hub_ctx){.st = f->st, .environment = NID_ENV_PRODUCTION, .public_url = ""};
    org(f->st, MUNI_A, STORE_ORG_MUNICIPALITY);
    org(f->st, SUPPLIER, STORE_ORG_SUPPLIER);
    resp_opts o = {.st = f->st, .hub = &f->hub, .environment = NID_ENV_TEST,
                   .centre_herid = CENTRE_HERID};
    if (resp_test_ctx_new(&o, &f->now, &f->ctx) != 0)
        return -1;
    f->op = test_principal(AUTH_PRINCIPAL_USER, "u0000000000000000000000000000001");
    kn_strcpy(f->op.name, sizeof f->op.name, "Ola <Operatør>");
    test_grant(&f->op, MUNI_A, AUTH_ROLE_OPERATOR);
    f->sender = test_principal(AUTH_PRINCIPAL_USER, "u0000000000000000000000000000002");
    test_grant(&f->sender, MUNI_A, AUTH_ROLE_ADMIN); /* an admin may post to the hub */
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

static void act(struct fixture *f, const char *id, int action, const char *team, const char *text)
{
    resp_action_in in = {.action = action, .team = team, .text = text};
    store_resp_alarm out;
    kn_err err;
    f->now += 30000;
    int rc = resp_alarm_act(f->ctx, &f->op, id, &in, NULL, &out, &err);
    if (rc != KN_OK)
        fail_msg("%s: %s", resp_action_name(action), err.msg);
}

/* An alarm of the citizen worked through a call-out and closed. */
static void callout_alarm(struct fixture *f, const char *citizen_id, char id[33])
{
    resp_alarm_in in = {.citizen_id = citizen_id,
                        .alert_code = "4.1",
                        .time = "2025-11-22T10:14:00+01:00",
                        .severity = 30,
                        .battery = -1};
    resp_alarm_op op;
    kn_err err;
    int rc = resp_alarm_create(f->ctx, &f->op, MUNI_A, &in, NULL, &op, &err);
    if (rc != KN_OK)
        fail_msg("create: %s", err.msg);
    memcpy(id, op.alarm.id, 33);
    act(f, id, RESP_ACT_CLAIM, NULL, NULL);
    act(f, id, RESP_ACT_ACK, NULL, NULL);
    act(f, id, RESP_ACT_CALLOUT, "Team <Nord>", NULL);
    act(f, id, RESP_ACT_CALLOUT_STARTED, NULL, NULL);
    act(f, id, RESP_ACT_CALLOUT_DONE, NULL, NULL);
    act(f, id, RESP_ACT_CAUSE, NULL, "Falt i trappen");
    act(f, id, RESP_ACT_MEASURE, NULL, "Rekkverk & <lys>");
    act(f, id, RESP_ACT_CLOSE, NULL, NULL);
}

static void test_journal_run(void **state)
{
    struct fixture *f = *state;
    store_citizen c = add_citizen(f, NIN_A, "Nordmann");
    store_citizen bad = add_citizen(f, "12345678901", "Ugyldig");
    char good_id[33], bad_id[33];
    callout_alarm(f, c.id, good_id);
    callout_alarm(f, bad.id, bad_id);
    size_t sent = 0, failed = 0;
    kn_err err;
    assert_int_equal(resp_journal_run(f->ctx, &sent, &failed, &err), KN_OK);
    assert_int_equal(sent, 1);
    assert_int_equal(failed, 1);
    store_resp_alarm a;
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, good_id, &a, &err), KN_OK);
    assert_int_equal(a.journal, RESP_J_SENT);
    assert_int_equal(strlen(a.journal_message_id), 32);
    store_hub_message m;
    assert_int_equal(f->st->ops->hub->message_get(f->st, a.journal_message_id, 1, &m, &err), KN_OK);
    assert_string_equal(m.sender_client, HUB_INTERNAL_SENDER);
    assert_string_equal(m.receiver, MUNI_A);
    assert_string_equal(m.event, "PatientComposition");
    assert_int_equal(f->intakes, 1); /* the hook ran once for the one new message */
    store_audit_filter af = {.action = "hub.intake", .limit = 10};
    store_audit *au = NULL;
    size_t nau = 0;
    assert_int_equal(f->st->ops->audit_list(f->st, &af, &au, &nau, &err), KN_OK);
    assert_int_equal(nau, 1);
    assert_string_equal(au[0].actor_kind, "system");
    assert_string_equal(au[0].object_id, m.id);
    free(au);
    json_t *doc = json_loadb(m.body, m.body_len, 0, NULL);
    expect_callout_codes(doc);
    /* the response centre's HER-id from the settings is the sender */
    json_t *header = json_object_get(json_array_get(json_object_get(doc, "entry"), 0), "resource");
    json_t *sender = json_object_get(json_object_get(header, "sender"), "identifier");
    assert_non_null(json_string_value(json_object_get(sender, "value")));
    assert_string_equal(json_string_value(json_object_get(sender, "value")), CENTRE_HERID);
    json_decref(doc);
    store_hub_message_free(&m);
    store_resp_alarm b;
    assert_int_equal(f->st->ops->resp->alarm_get(f->st, bad_id, &b, &err), KN_OK);
    assert_int_equal(b.journal, RESP_J_FAILED);
    assert_true(strlen(b.journal_error) > 0);
    /* the journal events are in the alarm's log */
    store_resp_event *ev = NULL;
    size_t nev = 0;
    assert_int_equal(f->st->ops->resp->event_list_alarm(f->st, good_id, &ev, &nev, &err), KN_OK);
    assert_string_equal(ev[nev - 1].kind, "journaled");
    free(ev);
    /* nothing is pending any more; Knute's own message is no alarm */
    assert_int_equal(resp_journal_run(f->ctx, &sent, &failed, &err), KN_OK);
    assert_int_equal(sent + failed, 0);
    size_t created = 99;
    assert_int_equal(resp_hubin_run(f->ctx, &created, &err), KN_OK);
    assert_int_equal(created, 0);
}

/* The corpus file with a Bundle.identifier of its own (the files share
 * MessageHeader ids, which would make them one message to the hub). */
static char *unique_message(const char *rel, size_t i)
{
    char *text = test_read_source(rel, NULL);
    assert_non_null(text);
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    free(text);
    char value[64];
    snprintf(value, sizeof value, "urn:uuid:7e57c0de-0000-4000-8000-%012zu", i);
    json_object_set_new(doc, "identifier",
                        json_pack("{s:s, s:s}", "system", "urn:ietf:rfc:3986", "value", value));
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* The person number of the corpus file's DetectedIssue, or "" when it has none. */
static void issue_patient(const char *text, char nin[12])
{
    nin[0] = '\0';
    json_t *doc = json_loads(text, 0, NULL);
    json_t *di = resource(doc, "DetectedIssue");
    json_t *id = json_object_get(json_object_get(di, "patient"), "identifier");
    if (json_string_value(json_object_get(id, "value")))
        kn_strcpy(nin, 12, json_string_value(json_object_get(id, "value")));
    json_decref(doc);
}

/* alarms of the municipality, and their repeats */
static void count_alarms(struct fixture *f, size_t *n_out, int64_t *repeats)
{
    const char *munis[] = {MUNI_A};
    store_resp_filter flt = {.municipalities = munis, .n_munis = 1, .limit = 1000};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    kn_err err;
    assert_int_equal(f->st->ops->resp->alarm_list(f->st, &flt, &list, &n, &total, &err), KN_OK);
    *repeats = 0;
    int camera = 0;
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(list[i].source, "hub");
        assert_int_equal(strlen(list[i].hub_message_id), 32);
        *repeats += list[i].repeats;
        if (strcmp(list[i].alert_code, "4.25") == 0) {
            /* msg-cameraobservation: severity level 20, identified 08:15+01:00 */
            camera = 1;
            assert_int_equal(list[i].severity, 20);
            assert_int_equal(list[i].occurred_at, 1741072500000LL);
        }
    }
    assert_true(camera);
    *n_out = n;
    free(list);
}

static void test_hubin_corpus(void **state)
{
    struct fixture *f = *state;
    const char *dir_rel = "tests/fhir/vkp/valid";
    const char *src = getenv("KNUTE_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", src ? src : ".", dir_rel);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    char nins[32][12]; /* the DetectedIssue patient of each stored message */
    size_t nmsg = 0, nfiles = 0;
    while ((de = readdir(d)) && nmsg < 32) {
        if (strncmp(de->d_name, "msg-", 4) != 0)
            continue;
        char rel[600];
        snprintf(rel, sizeof rel, "%s/%s", dir_rel, de->d_name);
        char *text = unique_message(rel, nfiles++);
        char nin[12];
        issue_patient(text, nin);
        hub_ctx *hub = strstr(de->d_name, "production") ? &f->hub_prod : &f->hub;
        hub_intake_req req = {.who = &f->sender,
                              .receiver = MUNI_A,
                              .kind = "message",
                              .body = text,
                              .len = strlen(text)};
        hub_intake_op op;
        kn_err err;
        int rc = hub_intake(hub, &req, &op, &err);
        if (rc != KN_OK)
            fail_msg("%s: %s", de->d_name, err.msg);
        assert_int_equal(op.dup, 0);
        if (nin[0])
            memcpy(nins[nmsg++], nin, 12);
        hub_intake_op_release(&op);
        free(text);
    }
    closedir(d);
    assert_true(nmsg >= 5);
    /* every patient is a citizen but the one with the fewest messages: its
     * messages only move the cursor */
    const char *unknown = NULL;
    size_t fewest = SIZE_MAX;
    for (size_t i = 0; i < nmsg; i++) {
        size_t same = 0;
        for (size_t k = 0; k < nmsg; k++)
            same += strcmp(nins[k], nins[i]) == 0;
        if (same < fewest) {
            fewest = same;
            unknown = nins[i];
        }
    }
    size_t expected = 0;
    for (size_t i = 0; i < nmsg; i++) {
        expected += strcmp(nins[i], unknown) != 0;
        int first = 1;
        for (size_t k = 0; k < i; k++)
            first &= strcmp(nins[k], nins[i]) != 0;
        if (first && strcmp(nins[i], unknown) != 0)
            add_citizen(f, nins[i], "Kjent");
    }
    assert_true(expected >= 2);
    size_t created = 0;
    kn_err err;
    assert_int_equal(resp_hubin_run(f->ctx, &created, &err), KN_OK);
    size_t n = 0;
    int64_t repeats = 0;
    count_alarms(f, &n, &repeats);
    assert_int_equal(created, n);
    assert_true(n >= 1);
    /* every message with a known patient became an alarm or a repeat of one */
    assert_int_equal(n + (size_t)repeats, expected);
    int64_t cursor = 0, last = 0;
    assert_int_equal(f->st->ops->resp->hubin_cursor_get(f->st, &cursor, &err), KN_OK);
    store_hub_message *list = NULL;
    size_t nl = 0;
    assert_int_equal(f->st->ops->resp->hub_messages_after(f->st, 0, 100, &list, &nl, &err), KN_OK);
    for (size_t i = 0; i < nl; i++)
        last = list[i].seq > last ? list[i].seq : last;
    store_hub_message_list_free(list, nl);
    assert_int_equal(cursor, last);
    /* exactly once: a second run changes nothing */
    assert_int_equal(resp_hubin_run(f->ctx, &created, &err), KN_OK);
    assert_int_equal(created, 0);
    size_t n2 = 0;
    int64_t repeats2 = 0;
    count_alarms(f, &n2, &repeats2);
    assert_int_equal(n2, n);
    assert_int_equal(repeats2, repeats);
}

int main(void)
{
    kn_util_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_callout_order),
        cmocka_unit_test(test_build_shapes),
        cmocka_unit_test(test_build_deterministic),
        cmocka_unit_test_setup_teardown(test_journal_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hubin_corpus, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
