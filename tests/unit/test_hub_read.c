/* test_hub_read.c - the hub's read interfaces over a real SQLite store: a
 * citizen maps to a VKP-valid Patient, the indexer picks up the resources of
 * messages stored through the hub's intake op (also after a restart of the
 * cursor, without duplicates), searches filter by patient, code and date, and
 * pages follow their next links without repeats; access and audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "core/core_util.h"
#include "demo/demo.h"
#include "hub/hub_read.h"
#include "nid/nid.h"
#include "test_support.h"
#include "vkp/vkp.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUNI_A "939000011"
#define MUNI_B "939000038"
#define FNR_OID "urn:oid:2.16.578.1.12.4.1.4.1"
#define PATIENT_NIN "12834810008"

struct fixture {
    store *st;
    char path[512];
    hub_ctx hub;
    auth_principal nurse;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || test_store_new(&f->st, f->path, sizeof f->path) != KN_OK)
        return -1;
    demo_report report;
    if (demo_load(f->st, 0, &report, NULL) != KN_OK)
        return -1;
    f->hub = (hub_ctx){.st = f->st, .environment = NID_ENV_TEST, .public_url = ""};
    char id[33];
    kn_id_new(id);
    f->nurse = test_principal(AUTH_PRINCIPAL_USER, id);
    test_grant(&f->nurse, MUNI_A, AUTH_ROLE_NURSE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_store_destroy(f->st, f->path);
    free(f);
    return 0;
}

/* Store a message body for receiver through the hub's intake op; its seq. */
static int64_t put_message(store *st, const char *receiver, const char *body)
{
    store_hub_message m;
    memset(&m, 0, sizeof m);
    kn_strcpy(m.receiver, sizeof m.receiver, receiver);
    kn_id_new(m.sender_client);
    kn_strcpy(m.kind, sizeof m.kind, "message");
    kn_strcpy(m.event, sizeof m.event, "PatientComposition");
    kn_id_new(m.idem_key);
    m.status = HUB_REGISTERED;
    m.body = (char *)body;
    m.body_len = strlen(body);
    store_audit a;
    audit_event_init(&a, NULL, "hub.intake", receiver, "hub_message", NULL, NULL, "ok");
    int dup = 0;
    kn_err err;
    store_waiter w;
    store_waiter_init(&w);
    int rc = st->ops->hub->message_put_async(st, &m, &dup, &a, store_waiter_done, &w, &err);
    if (rc == KN_OK)
        rc = store_waiter_wait(&w, &err);
    else
        store_waiter_destroy(&w);
    assert_int_equal(rc, KN_OK);
    assert_int_equal(dup, 0);
    return m.seq;
}

static char *read_corpus(const char *name)
{
    char rel[512];
    snprintf(rel, sizeof rel, "tests/fhir/vkp/valid/%s", name);
    char *text = test_read_source(rel, NULL);
    assert_non_null(text);
    return text;
}

static void observation(char *out, size_t size, int i, const char *code)
{
    snprintf(out, size,
             "{\"resourceType\":\"Observation\",\"id\":\"obs-%d\",\"status\":\"final\","
             "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]},"
             "\"subject\":{\"identifier\":{\"system\":\"" FNR_OID "\",\"value\":\"" PATIENT_NIN
             "\"}},\"effectiveDateTime\":\"2025-03-%02dT08:00:00+01:00\"}",
             i, code, i);
}

static json_t *search(struct fixture *f, const char *type, const hub_read_param *params,
                      size_t n, int expect)
{
    hub_read_req req = {.who = &f->nurse, .receiver = MUNI_A, .type = type, .params = params,
                        .nparams = n, .base = "http://x/epj/r4/" MUNI_A};
    kn_buf out;
    kn_buf_init(&out, 1u << 24);
    kn_err err;
    int rc = hub_search(&f->hub, &req, &out, &err);
    assert_int_equal(rc, expect);
    json_t *doc = rc == KN_OK ? json_loadb(out.data, out.len, 0, NULL) : NULL;
    kn_buf_release(&out);
    if (rc == KN_OK)
        assert_non_null(doc);
    return doc;
}

static size_t entries(const json_t *bundle)
{
    return json_array_size(json_object_get(bundle, "entry"));
}

/* The _page_token of the bundle's next link, or "" when there is none. */
static void next_token(const json_t *bundle, char *out, size_t size)
{
    out[0] = '\0';
    size_t i;
    json_t *link;
    json_array_foreach(json_object_get(bundle, "link"), i, link)
    {
        const char *url = json_string_value(json_object_get(link, "url"));
        const char *tok = url ? strstr(url, "_page_token=") : NULL;
        if (strcmp(json_string_value(json_object_get(link, "relation")), "next") == 0 && tok)
            snprintf(out, size, "%s", tok + strlen("_page_token="));
    }
}

static void test_patient_mapping_is_vkp_valid(void **state)
{
    struct fixture *f = *state;
    store_citizen *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->citizen_list(f->st, MUNI_A, 0, 5, &list, &n, NULL), KN_OK);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        kn_buf out;
        kn_buf_init(&out, 1u << 16);
        assert_int_equal(hub_patient_json(&list[i], &out), KN_OK);
        fhir_outcome oc;
        fhir_outcome_init(&oc);
        vkp_opts opts = {.environment = NID_ENV_TEST,
                         .profile = "http://ehelse.no/fhir/StructureDefinition/vkp-Patient-v090"};
        assert_int_equal(vkp_validate(out.data, out.len, &opts, &oc), KN_OK);
        if (!fhir_outcome_ok(&oc))
            fprintf(stderr, "invalid Patient: %s\n", out.data);
        assert_true(fhir_outcome_ok(&oc));
        assert_non_null(strstr(out.data, FNR_OID));
        assert_non_null(strstr(out.data, list[i].nin));
        assert_non_null(strstr(out.data, "\"postalCode\":\"4760\""));
        fhir_outcome_release(&oc);
        kn_buf_release(&out);
    }
    free(list);
}

static void test_patient_dnummer_slice(void **state)
{
    (void)state;
    store_citizen c = {.id = "0123456789abcdef0123456789abcdef", .given_name = "Ola",
                       .family_name = "Nordmann"};
    char full[12];
    assert_int_equal(nid_person_complete("410170123", full), KN_OK); /* 01.01.70 + 40 */
    memcpy(c.nin, full, sizeof c.nin);
    kn_buf out;
    kn_buf_init(&out, 1u << 16);
    assert_int_equal(hub_patient_json(&c, &out), KN_OK);
    assert_non_null(strstr(out.data, "urn:oid:2.16.578.1.12.4.1.4.2"));
    assert_null(strstr(out.data, "telecom")); /* nothing invented */
    kn_buf_release(&out);
}

static void test_indexer_picks_up_message_bundle(void **state)
{
    struct fixture *f = *state;
    char *body = read_corpus("msg-patientcomposition.json");
    int64_t seq = put_message(f->st, MUNI_A, body);
    assert_true(seq > 0);
    assert_int_equal(hub_index_catch_up(f->st, NULL), KN_OK);

    hub_read_param by_patient[] = {{"patient", FNR_OID "|" PATIENT_NIN}};
    json_t *b = search(f, "Composition", by_patient, 1, KN_OK);
    assert_int_equal(entries(b), 1);
    json_decref(b);
    hub_read_param by_code[] = {{"code", "http://loinc.org|8867-4"}, {"date", "ge2025-03-04"}};
    b = search(f, "Observation", by_code, 2, KN_OK);
    assert_int_equal(entries(b), 1);
    json_decref(b);
    hub_read_param other_day[] = {{"code", "8867-4"}, {"date", "2025-03-05"}};
    b = search(f, "Observation", other_day, 2, KN_OK);
    assert_int_equal(entries(b), 0);
    json_decref(b);

    /* read by id; the same message stored again indexes nothing twice */
    hub_read_req req = {.who = &f->nurse, .receiver = MUNI_A, .type = "Observation",
                        .id = "16d2a514-8865-53d5-99ef-392cadc1ce7b", .base = "x"};
    kn_buf out;
    kn_buf_init(&out, 1u << 20);
    assert_int_equal(hub_read(&f->hub, &req, &out, NULL), KN_OK);
    assert_non_null(strstr(out.data, "\"effectiveDateTime\""));
    kn_buf_release(&out);
    put_message(f->st, MUNI_A, body);
    b = search(f, "Composition", by_patient, 1, KN_OK);
    assert_int_equal(entries(b), 1);
    json_decref(b);
    /* another receiver sees none of it */
    req.receiver = MUNI_B;
    kn_buf_init(&out, 1u << 20);
    assert_int_equal(hub_read(&f->hub, &req, &out, NULL), KN_EFORBIDDEN); /* nurse of A only */
    kn_buf_release(&out);
    free(body);
}

static void test_search_paging_follows_next(void **state)
{
    struct fixture *f = *state;
    char body[1024];
    for (int i = 1; i <= 7; i++) {
        observation(body, sizeof body, i, i % 2 ? "8867-4" : "29463-7");
        put_message(f->st, MUNI_A, body);
    }
    char token[80] = "";
    int seen[8] = {0};
    size_t total = 0, pages = 0;
    do {
        hub_read_param p[] = {{"subject", PATIENT_NIN}, {"_count", "3"}, {"_page_token", token}};
        json_t *b = search(f, "Observation", p, token[0] ? 3 : 2, KN_OK);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(b, "entry"), i, e)
        {
            int k = 0;
            const char *id = json_string_value(json_object_get(json_object_get(e, "resource"), "id"));
            assert_int_equal(sscanf(id, "obs-%d", &k), 1);
            assert_int_equal(seen[k], 0);
            seen[k] = 1;
            total++;
        }
        next_token(b, token, sizeof token);
        pages++;
        json_decref(b);
    } while (token[0] && pages < 10);
    assert_int_equal(total, 7);
    assert_int_equal(pages, 3);

    hub_read_param odd[] = {{"code", "8867-4"}};
    json_t *b = search(f, "Observation", odd, 1, KN_OK);
    assert_int_equal(entries(b), 4);
    json_decref(b);
}

static void test_patient_search_pages_and_params(void **state)
{
    struct fixture *f = *state;
    int64_t count = 0;
    assert_int_equal(f->st->ops->citizen_count(f->st, MUNI_A, &count, NULL), KN_OK);
    char token[80] = "";
    size_t total = 0, pages = 0;
    do {
        hub_read_param p[] = {{"_count", "4"}, {"_page_token", token}};
        json_t *b = search(f, "Patient", p, token[0] ? 2 : 1, KN_OK);
        total += entries(b);
        next_token(b, token, sizeof token);
        pages++;
        json_decref(b);
    } while (token[0] && pages < 20);
    assert_int_equal(total, (size_t)count);

    hub_read_param unknown[] = {{"birthdate", "1950"}};
    search(f, "Patient", unknown, 1, KN_EINVAL);
    hub_read_param bad_count[] = {{"_count", "0"}};
    search(f, "Patient", bad_count, 1, KN_EINVAL);
}

static void test_reads_are_audited_and_register_enforced(void **state)
{
    struct fixture *f = *state;
    store_audit_filter af = {.municipality = MUNI_A, .action = "hub.search", .limit = 1000};
    store_audit *ev = NULL;
    size_t before = 0, after = 0;
    assert_int_equal(f->st->ops->audit_list(f->st, &af, &ev, &before, NULL), KN_OK);
    free(ev);
    json_decref(search(f, "Patient", NULL, 0, KN_OK));
    assert_int_equal(f->st->ops->audit_list(f->st, &af, &ev, &after, NULL), KN_OK);
    assert_int_equal(after, before + 1);
    assert_string_equal(ev[after - 1].actor_id, f->nurse.id);
    assert_string_equal(ev[after - 1].object_type, "Patient");
    free(ev);

    /* a machine client without a register grant is refused, with one it reads */
    store_client c = {.name = "epj-a", .kind = STORE_CLIENT_APIKEY};
    char key[64];
    assert_int_equal(auth_client_add_apikey(f->st, &c, key, NULL), KN_OK);
    auth_principal client = test_principal(AUTH_PRINCIPAL_CLIENT, c.id);
    hub_read_req req = {.who = &client, .receiver = MUNI_A, .type = "Patient", .base = "x"};
    kn_buf out;
    kn_buf_init(&out, 1u << 20);
    assert_int_equal(hub_search(&f->hub, &req, &out, NULL), KN_EFORBIDDEN);
    store_hub_grant g = {.resource = "Patient", .access = "read"};
    kn_strcpy(g.client_id, sizeof g.client_id, c.id);
    kn_strcpy(g.receiver, sizeof g.receiver, MUNI_A);
    store_audit a;
    audit_event_init(&a, NULL, "hub.grant", MUNI_A, "hub_grant", NULL, NULL, "ok");
    assert_int_equal(f->st->ops->hub->grant_put(f->st, &g, &a, NULL), KN_OK);
    assert_int_equal(hub_search(&f->hub, &req, &out, NULL), KN_OK);
    req.type = "Observation"; /* the grant is per resource type */
    assert_int_equal(hub_search(&f->hub, &req, &out, NULL), KN_EFORBIDDEN);
    req.receiver = "999999999";
    assert_int_equal(hub_search(&f->hub, &req, &out, NULL), KN_ENOTFOUND);
    kn_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patient_dnummer_slice),
        cmocka_unit_test_setup_teardown(test_patient_mapping_is_vkp_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indexer_picks_up_message_bundle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_paging_follows_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_search_pages_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_are_audited_and_register_enforced, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
