/* test_resp_profile.c - the response service's citizen profile
 * (resp_profile.c): JSON both ways, validation that names the field (phones,
 * call order, priority rules with real VKP alert codes), and - over a real
 * SQLite store with the demo data - access per role and municipality, audit
 * of every read and write, and the unaudited internal load. */
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

#define MUNI_A "939000011"
#define MUNI_B "939000038"

static const char *profile_json =
    "{\"key_safe\":\"Nøkkelboks ved inngangsdøra, kode 1234\",\"elock\":\"Phoniro 55-102\","
    "\"access_note\":\"Hund i gangen\",\"care_team\":\"Hjemmetjenesten sone nord\","
    "\"care_team_phone\":\"+47 22 33 44 55\",\"notes\":\"Diabetes\","
    "\"relatives\":[{\"name\":\"Kari Hansen\",\"relation\":\"datter\",\"phone\":\"+47 911 22 333\","
    "\"call_order\":1},{\"name\":\"Per Nabo\",\"relation\":\"nabo\",\"phone\":\"99 88 77 66\","
    "\"call_order\":2}],"
    "\"priority_rules\":[{\"alert_code\":\"4.2\",\"priority\":1},"
    "{\"alert_code\":\"4\",\"priority\":2}]}";

static int parse(const char *text, store_resp_profile *out, kn_err *err)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int rc = resp_profile_from_json(j, out, err);
    json_decref(j);
    return rc;
}

static void test_profile_json(void **state)
{
    (void)state;
    store_resp_profile p, again;
    kn_err err;
    assert_int_equal(parse(profile_json, &p, &err), KN_OK);
    assert_string_equal(p.elock, "Phoniro 55-102");
    assert_int_equal(p.nrelatives, 2);
    assert_string_equal(p.relatives[1].phone, "99 88 77 66");
    assert_int_equal(p.relatives[1].call_order, 2);
    assert_int_equal(p.nprio, 2);
    assert_string_equal(p.prio[1].alert_code, "4");
    assert_int_equal(p.prio[1].priority, 2);
    json_t *j = resp_profile_to_json(&p);
    assert_non_null(j);
    assert_true(json_is_null(json_object_get(j, "updated_at")));
    assert_int_equal(resp_profile_from_json(j, &again, &err), KN_OK);
    json_decref(j);
    assert_memory_equal(&p, &again, sizeof p);
    /* Nothing at all is an empty profile. */
    assert_int_equal(parse("{}", &p, &err), KN_OK);
    assert_int_equal(p.nrelatives + p.nprio, 0);
}

static void expect_bad(const char *from, const char *to, const char *field)
{
    char text[2048];
    const char *at = strstr(profile_json, from);
    assert_non_null(at);
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - profile_json), profile_json, to,
             at + strlen(from));
    store_resp_profile p;
    kn_err err;
    kn_err_clear(&err);
    assert_int_equal(parse(text, &p, &err), KN_EINVAL);
    if (!strstr(err.msg, field))
        fail_msg("error \"%s\" does not name %s", err.msg, field);
}

static void test_profile_validation(void **state)
{
    (void)state;
    expect_bad("\"99 88 77 66\"", "\"ring meg\"", "relatives[1].phone");
    expect_bad("\"99 88 77 66\"", "\"12\"", "relatives[1].phone");
    expect_bad("\"99 88 77 66\"", "\"99+88\"", "relatives[1].phone");
    expect_bad("\"call_order\":2", "\"call_order\":1", "relatives[1].call_order");
    expect_bad("\"call_order\":2", "\"call_order\":0", "relatives[1].call_order");
    expect_bad("\"call_order\":2", "\"call_order\":9", "relatives[1].call_order");
    expect_bad("\"call_order\":2", "\"call_order\":\"2\"", "relatives[1].call_order");
    expect_bad("\"name\":\"Per Nabo\",", "", "relatives[1].name");
    expect_bad("\"+47 22 33 44 55\"", "\"sentralbordet\"", "care_team_phone");
    expect_bad("\"alert_code\":\"4.2\"", "\"alert_code\":\"4.99\"", "priority_rules[0].alert_code");
    expect_bad("\"alert_code\":\"4\"", "\"alert_code\":\"4.2\"", "priority_rules[1].alert_code");
    expect_bad("\"priority\":2", "\"priority\":6", "priority_rules[1].priority");
    expect_bad("\"priority\":1", "\"priority\":0", "priority_rules[0].priority");
    expect_bad("\"elock\":\"Phoniro 55-102\"", "\"elock\":5", "elock");
    /* More relatives than there is room for. */
    char text[4096] = "{\"relatives\":[";
    for (int i = 1; i <= STORE_RESP_MAX_RELATIVES + 1; i++) {
        char one[128];
        snprintf(one, sizeof one, "%s{\"name\":\"R%d\",\"phone\":\"9000000%d\",\"call_order\":%d}",
                 i > 1 ? "," : "", i, i, i);
        strcat(text, one);
    }
    strcat(text, "]}");
    store_resp_profile p;
    kn_err err;
    assert_int_equal(parse(text, &p, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "relatives"));
}

/* ---- over a store ---- */

struct fixture {
    store *st;
    char path[512];
    resp_ctx *ctx;
    store_citizen a;          /* a citizen of MUNI_A without a profile */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || resp_test_demo_store(&f->st, f->path, sizeof f->path) != 0)
        return -1;
    store_citizen *list = NULL;
    size_t n = 0;
    if (f->st->ops->citizen_list(f->st, MUNI_A, 0, 100, &list, &n, NULL) != KN_OK)
        return -1;
    /* a citizen the demo data wrote no profile for */
    store_resp_profile none;
    for (size_t i = 0; i < n && !f->a.id[0]; i++)
        if (f->st->ops->resp->profile_get(f->st, list[i].id, &none, NULL) == KN_ENOTFOUND)
            f->a = list[i];
    free(list);
    if (!f->a.id[0])
        return -1;
    resp_opts o = {.st = f->st};
    if (resp_test_ctx_new(&o, NULL, &f->ctx) != 0)
        return -1;
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

static void test_profile_access_and_audit(void **state)
{
    struct fixture *f = *state;
    auth_principal nurse = resp_test_user(MUNI_A, AUTH_ROLE_NURSE, NULL);
    auth_principal oper = resp_test_user(MUNI_A, AUTH_ROLE_OPERATOR, NULL);
    auth_principal other = resp_test_user(MUNI_B, AUTH_ROLE_ADMIN, NULL);
    auth_principal auditor = resp_test_user(MUNI_A, AUTH_ROLE_AUDITOR, NULL);
    store_resp_profile in, got;
    kn_err err;
    /* Nothing written yet: an empty profile, and the read is audited. */
    assert_int_equal(resp_profile_get(f->ctx, &oper, f->a.id, "r1", &got, &err), KN_OK);
    assert_string_equal(got.citizen_id, "");
    assert_int_equal(got.nrelatives, 0);
    assert_int_equal(test_audit_count(f->st, oper.id, "resp.profile.read"), 1);
    /* Who may write. */
    assert_int_equal(parse(profile_json, &in, &err), KN_OK);
    assert_int_equal(resp_profile_put(f->ctx, &oper, f->a.id, &in, "r2", &err), KN_EFORBIDDEN);
    assert_int_equal(resp_profile_put(f->ctx, &other, f->a.id, &in, "r2", &err), KN_EFORBIDDEN);
    assert_int_equal(resp_profile_put(f->ctx, &nurse, "0123456789abcdef0123456789abcdef", &in,
                                      "r2", &err),
                     KN_ENOTFOUND);
    in.relatives[0].call_order = 2; /* the same as relatives[1] */
    assert_int_equal(resp_profile_put(f->ctx, &nurse, f->a.id, &in, "r2", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "call_order"));
    assert_int_equal(test_audit_count(f->st, nurse.id, "resp.profile.write"), 0);
    in.relatives[0].call_order = 1;
    assert_int_equal(resp_profile_put(f->ctx, &nurse, f->a.id, &in, "r3", &err), KN_OK);
    assert_int_equal(test_audit_count(f->st, nurse.id, "resp.profile.write"), 1);
    /* Who may read; what comes back. */
    assert_int_equal(resp_profile_get(f->ctx, &other, f->a.id, "r4", &got, &err), KN_EFORBIDDEN);
    assert_int_equal(resp_profile_get(f->ctx, &auditor, f->a.id, "r4", &got, &err), KN_EFORBIDDEN);
    assert_int_equal(test_audit_count(f->st, other.id, "resp.profile.read"), 0);
    assert_int_equal(resp_profile_get(f->ctx, &oper, f->a.id, "r5", &got, &err), KN_OK);
    assert_int_equal(test_audit_count(f->st, oper.id, "resp.profile.read"), 2);
    assert_string_equal(got.citizen_id, f->a.id);
    assert_string_equal(got.municipality, MUNI_A);
    assert_string_equal(got.key_safe, in.key_safe);
    assert_int_equal(got.nrelatives, 2);
    assert_string_equal(got.relatives[0].name, "Kari Hansen");
    assert_int_equal(got.nprio, 2);
    assert_true(got.updated_at > 0);
    /* The internal load: the same record, no audit. */
    size_t before = test_audit_count(f->st, NULL, "resp.profile.read");
    store_resp_profile loaded;
    resp_profile_load(f->ctx, f->a.id, &loaded);
    assert_string_equal(loaded.care_team, "Hjemmetjenesten sone nord");
    assert_int_equal(test_audit_count(f->st, NULL, "resp.profile.read"), before);
    resp_profile_load(f->ctx, "0123456789abcdef0123456789abcdef", &loaded);
    assert_string_equal(loaded.citizen_id, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_json),
        cmocka_unit_test(test_profile_validation),
        cmocka_unit_test_setup_teardown(test_profile_access_and_audit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
