/* test_hub_intake.c - the hub's intake over a real SQLite store: idempotency,
 * patient and event keys, the authorisation register's decisions, the status
 * lifecycle (pull -> delivered, acknowledgement -> journaled) and cursor
 * paging. Messages are the VKP corpus (tests/fhir/vkp), synthetic numbers,
 * test environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_util.h"
#include "audit/audit.h"
#include "hub/hub.h"
#include "hub/hub_deliver_int.h"
#include "hub/hub_keys.h"
#include "nid/nid.h"
#include "test_support.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUNI_A "939000011"
#define MUNI_B "939000038"
#define SUPPLIER "987000015"
#define MH_ID "d87237f3"
#define PATIENT_FNR "12834810008"
#define PATIENT_SYSTEM "urn:oid:2.16.578.1.12.4.1.4.1"

struct fixture {
    store *st;
    char path[512];
    hub_ctx hub;
    char *msg;              /* bench-medicationdispense-3k.json */
    auth_principal sender;  /* client with write Bundle at MUNI_A */
    auth_principal epj;     /* client with read * at MUNI_A */
    auth_principal other;   /* client with no register grants */
};

/* The text with every `from` (same length as `to`) replaced: a new message. */
static char *variant(const char *text, const char *from, const char *to)
{
    char *copy = strdup(text);
    size_t len = strlen(from);
    for (char *p = copy; (p = strstr(p, from)); p += len)
        memcpy(p, to, len);
    return copy;
}

static void org(store *st, const char *orgnr, int kind)
{
    store_org o = {.kind = kind, .inhabitants = 0};
    kn_strcpy(o.orgnr, sizeof o.orgnr, orgnr);
    kn_strcpy(o.name, sizeof o.name, "test");
    assert_int_equal(st->ops->org_put(st, &o, NULL), KN_OK);
}

static auth_principal client(store *st, const char *name)
{
    store_client c = {.kind = STORE_CLIENT_APIKEY, .ngrants = 1};
    kn_strcpy(c.name, sizeof c.name, name);
    kn_id_new(c.key_hash);
    kn_strcpy(c.scopes, sizeof c.scopes, "vkp/write vkp/read");
    kn_strcpy(c.grants[0].orgnr, sizeof c.grants[0].orgnr, SUPPLIER);
    c.grants[0].roles = AUTH_ROLE_SUPPLIER;
    assert_int_equal(st->ops->client_create(st, &c, NULL), KN_OK);
    return test_principal(AUTH_PRINCIPAL_CLIENT, c.id);
}

static void grant(struct fixture *f, const char *client_id, const char *resource,
                  const char *access)
{
    store_hub_grant g = {0};
    kn_strcpy(g.client_id, sizeof g.client_id, client_id);
    kn_strcpy(g.receiver, sizeof g.receiver, MUNI_A);
    kn_strcpy(g.resource, sizeof g.resource, resource);
    kn_strcpy(g.access, sizeof g.access, access);
    kn_err err;
    assert_int_equal(hub_grant_add(&f->hub, NULL, &g, NULL, &err), KN_OK);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || test_store_new(&f->st, f->path, sizeof f->path) != KN_OK)
        return -1;
    f->hub = (hub_ctx){.st = f->st, .environment = NID_ENV_TEST, .public_url = ""};
    org(f->st, MUNI_A, STORE_ORG_MUNICIPALITY);
    org(f->st, MUNI_B, STORE_ORG_MUNICIPALITY);
    org(f->st, SUPPLIER, STORE_ORG_SUPPLIER);
    f->sender = client(f->st, "leverandor");
    f->epj = client(f->st, "epj");
    f->other = client(f->st, "fremmed");
    grant(f, f->sender.id, "Bundle", "write");
    grant(f, f->epj.id, "*", "read");
    f->msg = test_read_source("tests/fhir/vkp/bench-medicationdispense-3k.json", NULL);
    *state = f;
    return f->msg ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    hub_cache_set_ttl(0);
    test_store_destroy(f->st, f->path);
    free(f->msg);
    free(f);
    return 0;
}

static int send_as(struct fixture *f, const auth_principal *who, const char *receiver,
                   const char *kind, const char *body, hub_intake_op *op)
{
    hub_intake_req req = {who, receiver, kind, body, strlen(body), "req-1"};
    kn_err err;
    return hub_intake(&f->hub, &req, op, &err);
}

static int send_msg(struct fixture *f, const char *body, hub_intake_op *op)
{
    return send_as(f, &f->sender, MUNI_A, "message", body, op);
}

static size_t stored(struct fixture *f)
{
    store_hub_filter filter = {.receiver = MUNI_A, .limit = 1000};
    store_hub_message *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->hub->message_list(f->st, &filter, 0, &list, &n, NULL), KN_OK);
    store_hub_message_list_free(list, n);
    return n;
}

static size_t audit_count(store *st, const char *action)
{
    store_audit *list = NULL;
    size_t n = 0;
    store_audit_filter filter = {NULL, NULL, action, 0, 1000};
    assert_int_equal(st->ops->audit_list(st, &filter, &list, &n, NULL), KN_OK);
    free(list);
    return n;
}

/* ---- keys ---- */

static void keys_of(const char *text, const char *kind, hub_keys *k, int expect)
{
    fj_doc *doc = NULL;
    assert_int_equal(fj_parse(text, strlen(text), &doc, NULL), KN_OK);
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    assert_int_equal(hub_keys_extract(fj_root(doc), kind, k, &oc, NULL), expect);
    assert_true(expect == KN_OK ? oc.count == 0 : oc.errors == 1);
    fhir_outcome_release(&oc);
    fj_doc_free(doc);
}

static void test_keys_message(void **state)
{
    struct fixture *f = *state;
    hub_keys k;
    keys_of(f->msg, "message", &k, KN_OK);
    assert_string_equal(k.idem_key, "MessageHeader/d87237f3-1e39-5c58-affd-f5781a53bd5c");
    assert_string_equal(k.event, "MedicationDispense");
    char want[STORE_HUB_PKEY_LEN];
    hub_patient_key(PATIENT_SYSTEM, PATIENT_FNR, want);
    assert_string_equal(k.patient_key, want);
    assert_int_equal(strlen(k.patient_key), 64);
    assert_null(strstr(k.patient_key, PATIENT_FNR));
    assert_null(strstr(k.idem_key, PATIENT_FNR));
}

static void test_keys_identifier_and_resources(void **state)
{
    (void)state;
    hub_keys k;
    keys_of("{\"resourceType\":\"Bundle\",\"type\":\"message\",\"identifier\":{\"system\":\"urn:s\","
            "\"value\":\"v1\"},\"entry\":[]}",
            "message", &k, KN_OK);
    assert_string_equal(k.idem_key, "urn:s|v1");
    assert_string_equal(k.patient_key, "");
    keys_of("{\"resourceType\":\"MedicationDispense\",\"id\":\"m1\",\"identifier\":[{\"value\":\"x\"}],"
            "\"subject\":{\"identifier\":{\"system\":\"s\",\"value\":\"p\"}}}",
            "MedicationDispense", &k, KN_OK);
    assert_string_equal(k.idem_key, "|x");
    assert_string_equal(k.event, "MedicationDispense");
    char want[STORE_HUB_PKEY_LEN];
    hub_patient_key("s", "p", want);
    assert_string_equal(k.patient_key, want);
    keys_of("{\"resourceType\":\"Composition\",\"id\":\"c1\"}", "Composition", &k, KN_OK);
    assert_string_equal(k.idem_key, "Composition/c1");
    keys_of("{\"resourceType\":\"Composition\"}", "Composition", &k, KN_EUNPROCESSABLE);
    keys_of("{\"resourceType\":\"Bundle\",\"type\":\"message\",\"entry\":[]}", "message", &k,
            KN_EUNPROCESSABLE);
}

static void test_kind_check(void **state)
{
    struct fixture *f = *state;
    hub_intake_op op;
    char *collection = variant(f->msg, "\"type\": \"message\"", "\"type\":\"history\"");
    if (strcmp(collection, f->msg) == 0) { /* compact file: the same edit without spaces */
        free(collection);
        collection = variant(f->msg, "\"type\":\"message\"", "\"type\":\"history\"");
    }
    assert_int_equal(send_msg(f, collection, &op), KN_EUNPROCESSABLE);
    assert_true(op.outcome.errors >= 1);
    hub_intake_op_release(&op);
    assert_int_equal(send_as(f, &f->sender, MUNI_A, "Composition", f->msg, &op), KN_EFORBIDDEN);
    hub_intake_op_release(&op);
    grant(f, f->sender.id, "Composition", "write");
    assert_int_equal(send_as(f, &f->sender, MUNI_A, "Composition", f->msg, &op),
                     KN_EUNPROCESSABLE);
    hub_intake_op_release(&op);
    assert_int_equal(stored(f), 0);
    free(collection);
}

/* ---- intake and dedup ---- */

static void test_dedup(void **state)
{
    struct fixture *f = *state;
    hub_intake_op first, again;
    assert_int_equal(send_msg(f, f->msg, &first), KN_OK);
    assert_int_equal(first.dup, 0);
    assert_int_equal(first.msg.status, HUB_REGISTERED);
    assert_true(first.msg.seq > 0);
    assert_string_equal(first.msg.sender_client, f->sender.id);
    assert_string_equal(first.msg.event, "MedicationDispense");
    assert_int_equal(send_msg(f, f->msg, &again), KN_OK);
    assert_int_equal(again.dup, 1);
    assert_string_equal(again.msg.id, first.msg.id);
    assert_int_equal(again.msg.seq, first.msg.seq);
    assert_int_equal(stored(f), 1);
    assert_int_equal(audit_count(f->st, "hub.intake"), 1);
    assert_int_equal(audit_count(f->st, "hub.intake.duplicate"), 1);
    char path[160];
    assert_int_equal(hub_status_path(&again.msg, path, sizeof path), KN_OK);
    char want[160];
    snprintf(want, sizeof want, "/epj/r4/%s/Bundle/%s/$status", MUNI_A, first.msg.id);
    assert_string_equal(path, want);
    /* the body is stored exactly as sent */
    store_hub_message m;
    assert_int_equal(f->st->ops->hub->message_get(f->st, first.msg.id, 1, &m, NULL), KN_OK);
    assert_int_equal(m.body_len, strlen(f->msg));
    assert_memory_equal(m.body, f->msg, m.body_len);
    store_hub_message_free(&m);
    /* a different message from the same sender is new */
    char *other = variant(f->msg, MH_ID, "aaaa0001");
    assert_int_equal(send_msg(f, other, &again), KN_OK);
    assert_int_equal(again.dup, 0);
    assert_true(again.msg.seq > first.msg.seq);
    assert_int_equal(stored(f), 2);
    hub_intake_op_release(&first);
    hub_intake_op_release(&again);
    free(other);
}

static void test_bad_input_stores_nothing(void **state)
{
    struct fixture *f = *state;
    hub_intake_op op;
    assert_int_equal(send_msg(f, "{not json", &op), KN_EINVAL);
    assert_true(op.outcome.count >= 1);
    hub_intake_op_release(&op);
    char *bad = variant(f->msg, PATIENT_FNR, "12834810009"); /* check digit */
    assert_int_equal(send_msg(f, bad, &op), KN_EUNPROCESSABLE);
    assert_true(op.outcome.errors >= 1);
    hub_intake_op_release(&op);
    assert_int_equal(send_as(f, &f->sender, "123456785", "message", f->msg, &op), KN_ENOTFOUND);
    hub_intake_op_release(&op);
    assert_int_equal(send_as(f, &f->sender, SUPPLIER, "message", f->msg, &op), KN_ENOTFOUND);
    hub_intake_op_release(&op);
    assert_int_equal(stored(f), 0);
    assert_int_equal(audit_count(f->st, "hub.intake"), 0);
    free(bad);
}

/* ---- the register ---- */

static void test_register_decisions(void **state)
{
    struct fixture *f = *state;
    hub_intake_op op;
    assert_int_equal(send_as(f, &f->other, MUNI_A, "message", f->msg, &op), KN_EFORBIDDEN);
    hub_intake_op_release(&op);
    assert_int_equal(send_as(f, &f->sender, MUNI_B, "message", f->msg, &op), KN_EFORBIDDEN);
    hub_intake_op_release(&op);
    assert_int_equal(send_as(f, &f->epj, MUNI_A, "message", f->msg, &op), KN_EFORBIDDEN);
    hub_intake_op_release(&op); /* read is not write */
    kn_err err;
    assert_int_equal(hub_allowed(&f->hub, &f->epj, MUNI_A, "Observation", "read", &err), KN_OK);
    assert_int_equal(hub_allowed(&f->hub, &f->sender, MUNI_A, "Bundle", "read", &err),
                     KN_EFORBIDDEN);
    /* users: admin at the receiver only */
    char uid[STORE_ID_LEN];
    kn_id_new(uid);
    auth_principal admin = test_principal(AUTH_PRINCIPAL_USER, uid);
    test_grant(&admin, MUNI_A, AUTH_ROLE_ADMIN);
    auth_principal nurse = test_principal(AUTH_PRINCIPAL_USER, uid);
    test_grant(&nurse, MUNI_A, AUTH_ROLE_NURSE);
    assert_int_equal(hub_allowed(&f->hub, &admin, MUNI_A, "Bundle", "write", &err), KN_OK);
    assert_int_equal(hub_allowed(&f->hub, &nurse, MUNI_A, "Bundle", "write", &err), KN_EFORBIDDEN);
    /* changes: admins of the receiver, audited; by client name too */
    store_hub_grant g = {0};
    kn_strcpy(g.client_id, sizeof g.client_id, "fremmed");
    kn_strcpy(g.receiver, sizeof g.receiver, MUNI_A);
    kn_strcpy(g.resource, sizeof g.resource, "*");
    kn_strcpy(g.access, sizeof g.access, "write");
    assert_int_equal(hub_grant_add(&f->hub, &nurse, &g, NULL, &err), KN_EFORBIDDEN);
    assert_int_equal(hub_grant_add(&f->hub, &admin, &g, NULL, &err), KN_OK);
    assert_string_equal(g.client_id, f->other.id);
    assert_int_equal(send_as(f, &f->other, MUNI_A, "message", f->msg, &op), KN_OK);
    hub_intake_op_release(&op);
    assert_int_equal(hub_grant_remove(&f->hub, &admin, &g, NULL, &err), KN_OK);
    assert_int_equal(hub_grant_remove(&f->hub, &admin, &g, NULL, &err), KN_ENOTFOUND);
    assert_int_equal(hub_allowed(&f->hub, &f->other, MUNI_A, "Bundle", "write", &err),
                     KN_EFORBIDDEN);
    assert_int_equal(audit_count(f->st, "hub.grant.add"), 3); /* two in setup */
    assert_int_equal(audit_count(f->st, "hub.grant.remove"), 1);
    kn_strcpy(g.access, sizeof g.access, "admin");
    assert_int_equal(hub_grant_add(&f->hub, &admin, &g, NULL, &err), KN_EINVAL);
    kn_strcpy(g.access, sizeof g.access, "read");
    kn_strcpy(g.client_id, sizeof g.client_id, "nobody");
    assert_int_equal(hub_grant_add(&f->hub, &admin, &g, NULL, &err), KN_ENOTFOUND);
    store_hub_grant *list = NULL;
    size_t n = 0;
    assert_int_equal(hub_grant_list(&f->hub, &admin, MUNI_A, &list, &n, &err), KN_OK);
    assert_int_equal(n, 2);
    free(list);
    assert_int_equal(hub_grant_list(&f->hub, &nurse, MUNI_A, &list, &n, &err), KN_EFORBIDDEN);
}

/* The decision cache: a grant removed through the hub takes effect at once;
 * removed behind its back (another process: straight in the store) within
 * the TTL; refusals are never cached. */
static void test_grant_cache(void **state)
{
    struct fixture *f = *state;
    kn_err err;
    hub_cache_set_ttl(1);
    store_hub_grant g = {0};
    kn_strcpy(g.client_id, sizeof g.client_id, f->sender.id);
    kn_strcpy(g.receiver, sizeof g.receiver, MUNI_A);
    kn_strcpy(g.resource, sizeof g.resource, "Bundle");
    kn_strcpy(g.access, sizeof g.access, "write");
    assert_int_equal(hub_allowed(&f->hub, &f->sender, MUNI_A, "Bundle", "write", &err), KN_OK);
    /* another process removes it: still allowed from the cache, not after the TTL */
    store_audit ev;
    audit_event_init(&ev, NULL, "hub.grant.remove", MUNI_A, "hub_grant", g.client_id, NULL, "ok");
    assert_int_equal(f->st->ops->hub->grant_delete(f->st, &g, &ev, &err), KN_OK);
    assert_int_equal(hub_allowed(&f->hub, &f->sender, MUNI_A, "Bundle", "write", &err), KN_OK);
    hub_intake_op op;
    assert_int_equal(send_msg(f, f->msg, &op), KN_OK);
    hub_intake_op_release(&op);
    int64_t t0 = kn_now_ms();
    while (kn_now_ms() - t0 < 1100)
        (void)poll(NULL, 0, 50); /* EINTR is fine: the loop checks the clock */
    assert_int_equal(hub_allowed(&f->hub, &f->sender, MUNI_A, "Bundle", "write", &err),
                     KN_EFORBIDDEN);
    /* a refusal is not remembered: a grant added elsewhere counts at once */
    assert_int_equal(f->st->ops->hub->grant_put(f->st, &g, &ev, &err), KN_OK);
    assert_int_equal(hub_allowed(&f->hub, &f->sender, MUNI_A, "Bundle", "write", &err), KN_OK);
    /* removed through this process: at once */
    assert_int_equal(hub_grant_remove(&f->hub, NULL, &g, NULL, &err), KN_OK);
    assert_int_equal(hub_allowed(&f->hub, &f->sender, MUNI_A, "Bundle", "write", &err),
                     KN_EFORBIDDEN);
    assert_int_equal(send_msg(f, f->msg, &op), KN_EFORBIDDEN);
    hub_intake_op_release(&op);
    hub_cache_set_ttl(0);
}

/* The delivery engine's X-Knute-Ack-Url is the status URL (public_url +
 * hub_status_path) with $journaling-acknowledged in place of $status. */
static void test_ack_url_is_status_url(void **state)
{
    (void)state;
    static const char *const kinds[] = {"message", "Bundle", "Composition", "MedicationDispense"};
    static const char *const bases[] = {"https://knute.example.no", "https://knute.example.no/",
                                        "http://127.0.0.1:8080/hub", ""};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
            store_hub_message m = {0};
            kn_id_new(m.id);
            kn_strcpy(m.receiver, sizeof m.receiver, MUNI_A);
            kn_strcpy(m.kind, sizeof m.kind, kinds[k]);
            char path[256], want[512], ack[512];
            assert_int_equal(hub_status_path(&m, path, sizeof path), KN_OK);
            char *tail = strstr(path, "/$status");
            assert_non_null(tail);
            assert_string_equal(tail, "/$status");
            *tail = '\0';
            size_t len = strlen(bases[b]);
            while (len > 0 && bases[b][len - 1] == '/')
                len--;
            snprintf(want, sizeof want, "%.*s%s/$journaling-acknowledged", (int)len, bases[b], path);
            assert_int_equal(hub_ack_url(bases[b], &m, ack, sizeof ack), KN_OK);
            assert_string_equal(ack, want);
        }
    }
}

/* ---- status lifecycle ---- */

static void test_status_lifecycle(void **state)
{
    struct fixture *f = *state;
    hub_intake_op op;
    kn_err err;
    assert_int_equal(send_msg(f, f->msg, &op), KN_OK);
    const char *id = op.msg.id;
    store_hub_message m;
    assert_int_equal(hub_status_get(&f->hub, &f->sender, MUNI_A, id, &m, &err), KN_OK);
    assert_int_equal(m.status, HUB_REGISTERED);
    assert_int_equal(hub_status_get(&f->hub, &f->epj, MUNI_A, id, &m, &err), KN_OK);
    assert_int_equal(hub_status_get(&f->hub, &f->other, MUNI_A, id, &m, &err), KN_ENOTFOUND);
    assert_int_equal(hub_status_get(&f->hub, &f->sender, MUNI_B, id, &m, &err), KN_ENOTFOUND);
    /* the sender cannot acknowledge; a stranger does not see the message */
    assert_int_equal(hub_acknowledge(&f->hub, &f->sender, MUNI_A, id, NULL, &err), KN_EFORBIDDEN);
    assert_int_equal(hub_acknowledge(&f->hub, &f->other, MUNI_A, id, NULL, &err), KN_ENOTFOUND);
    /* pull: registered -> delivered, updated_at unchanged */
    int64_t updated = op.msg.updated_at;
    hub_pull_req q = {&f->epj, MUNI_A, NULL, HUB_JOURNALED, -1, 0, 10, NULL};
    store_hub_message *list = NULL;
    size_t n = 0;
    assert_int_equal(hub_pull(&f->hub, &q, &list, &n, &err), KN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].status, HUB_DELIVERED);
    assert_non_null(list[0].body);
    store_hub_message_list_free(list, n);
    assert_int_equal(f->st->ops->hub->message_get(f->st, id, 0, &m, NULL), KN_OK);
    assert_int_equal(m.status, HUB_DELIVERED);
    assert_int_equal(m.updated_at, updated);
    assert_int_equal(audit_count(f->st, "hub.message.delivered"), 1);
    assert_int_equal(audit_count(f->st, "hub.pull"), 1);
    /* acknowledgement: journaled, idempotent, final */
    assert_int_equal(hub_acknowledge(&f->hub, &f->epj, MUNI_A, id, NULL, &err), KN_OK);
    assert_int_equal(hub_acknowledge(&f->hub, &f->epj, MUNI_A, id, NULL, &err), KN_OK);
    assert_int_equal(hub_status_get(&f->hub, &f->sender, MUNI_A, id, &m, &err), KN_OK);
    assert_int_equal(m.status, HUB_JOURNALED);
    assert_int_equal(audit_count(f->st, "hub.journaled"), 1);
    store_audit ev = {0};
    kn_strcpy(ev.actor_kind, sizeof ev.actor_kind, "system");
    kn_strcpy(ev.action, sizeof ev.action, "hub.requeue");
    kn_strcpy(ev.outcome, sizeof ev.outcome, "ok");
    assert_int_equal(f->st->ops->hub->message_set_status(f->st, id, HUB_REGISTERED, &ev, &err),
                     KN_ECONFLICT);
    /* journaled messages are filtered out of the pull */
    assert_int_equal(hub_pull(&f->hub, &q, &list, &n, &err), KN_OK);
    assert_int_equal(n, 0);
    store_hub_message_list_free(list, n);
    hub_intake_op_release(&op);
}

static void test_pull_paging(void **state)
{
    struct fixture *f = *state;
    static const char *const ids[] = {"aaaa0001", "aaaa0002", "aaaa0003", "aaaa0004", "aaaa0005"};
    for (size_t i = 0; i < 5; i++) {
        char *v = variant(f->msg, MH_ID, ids[i]);
        hub_intake_op op;
        assert_int_equal(send_msg(f, v, &op), KN_OK);
        hub_intake_op_release(&op);
        free(v);
    }
    hub_pull_req q = {&f->epj, MUNI_A, NULL, HUB_JOURNALED, -1, 0, 2, NULL};
    int64_t last_seq = 0;
    size_t total = 0, pages = 0;
    kn_err err;
    for (;;) {
        store_hub_message *list = NULL;
        size_t n = 0;
        assert_int_equal(hub_pull(&f->hub, &q, &list, &n, &err), KN_OK);
        for (size_t i = 0; i < n; i++) {
            assert_true(list[i].seq > last_seq);
            last_seq = list[i].seq;
        }
        total += n;
        pages++;
        if (n)
            q.after_updated = list[n - 1].updated_at, q.after_seq = list[n - 1].seq;
        store_hub_message_list_free(list, n);
        if (n < q.limit)
            break;
    }
    assert_int_equal(total, 5);
    assert_int_equal(pages, 3);
    hub_pull_req bad = q;
    bad.limit = HUB_PULL_MAX + 1;
    store_hub_message *list = NULL;
    size_t n = 0;
    assert_int_equal(hub_pull(&f->hub, &bad, &list, &n, &err), KN_EINVAL);
    bad = q;
    bad.who = &f->sender;
    assert_int_equal(hub_pull(&f->hub, &bad, &list, &n, &err), KN_EFORBIDDEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_identifier_and_resources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_decisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grant_cache, setup, teardown),
        cmocka_unit_test(test_ack_url_is_status_url),
        cmocka_unit_test_setup_teardown(test_status_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pull_paging, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
