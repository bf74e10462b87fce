/* test_citizen.c - citizen domain rules over a real SQLite store: validation,
 * environment rules for person numbers, access per municipality, conflicts,
 * and that every read and create leaves an audit event. Also checks the demo
 * data set loads, is idempotent and obeys the same rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "citizen/citizen.h"
#include "core/core_util.h"
#include "demo/demo.h"
#include "nid/nid.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUNI_A "939000011"
#define MUNI_B "939000038"
#define SUPPLIER "987000015"

struct fixture {
    store *st;
    char path[512];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || test_store_new(&f->st, f->path, sizeof f->path) != KN_OK)
        return -1;
    demo_report report;
    if (demo_load(f->st, 0, &report, NULL) != KN_OK)
        return -1;
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

static auth_principal user_with(const char *orgnr, uint32_t roles)
{
    char id[STORE_ID_LEN];
    kn_id_new(id);
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, id);
    test_grant(&p, orgnr, roles);
    return p;
}

/* A synthetic (month + 80) or real number born on day/month/1980 with a free individual number. */
static void make_nin(int day, int month, int synthetic, int seed, char out[12])
{
    for (int ind = 100 + seed; ind < 500; ind += 7) {
        char first9[10];
        snprintf(first9, sizeof first9, "%02d%02d80%03d", day, month + (synthetic ? 80 : 0), ind);
        if (nid_person_complete(first9, out) == KN_OK)
            return;
    }
    fail_msg("no person number found");
}

static void test_create_and_read(void **state)
{
    struct fixture *f = *state;
    citizen_ctx ctx = {.st = f->st, .environment = CITIZEN_ENV_TEST};
    auth_principal cw = user_with(MUNI_A, AUTH_ROLE_CASE_WORKER);
    char nin[12];
    make_nin(12, 5, 1, 0, nin);
    citizen_input in = {nin, "Åse", "Ødegård", "Fjellveien 1", "+47 90000000"};
    store_citizen c, got;
    kn_err err;
    assert_int_equal(citizen_create(&ctx, &cw, MUNI_A, &in, "req-1", &c, &err), KN_OK);
    assert_int_equal(strlen(c.id), 32);
    assert_int_equal(test_audit_count(f->st, cw.id, "citizen.create"), 1);
    assert_int_equal(citizen_get(&ctx, &cw, c.id, "req-2", &got, &err), KN_OK);
    assert_string_equal(got.family_name, "Ødegård");
    assert_string_equal(got.nin, nin);
    assert_int_equal(test_audit_count(f->st, cw.id, "citizen.read"), 1);
    /* The same number again in the same municipality is a conflict and writes nothing. */
    assert_int_equal(citizen_create(&ctx, &cw, MUNI_A, &in, "req-3", &c, &err), KN_ECONFLICT);
    assert_int_equal(test_audit_count(f->st, cw.id, "citizen.create"), 1);
}

static void test_validation_writes_nothing(void **state)
{
    struct fixture *f = *state;
    citizen_ctx ctx = {.st = f->st, .environment = CITIZEN_ENV_TEST};
    auth_principal cw = user_with(MUNI_A, AUTH_ROLE_CASE_WORKER);
    int64_t before = 0, after = 0;
    assert_int_equal(f->st->ops->citizen_count(f->st, MUNI_A, &before, NULL), KN_OK);
    char real[12], synthetic[12];
    make_nin(3, 4, 0, 1, real);
    make_nin(3, 4, 1, 1, synthetic);
    store_citizen c;
    kn_err err;
    citizen_input bad_digits = {"12345678901", "A", "B", NULL, NULL};
    assert_int_equal(citizen_create(&ctx, &cw, MUNI_A, &bad_digits, "r", &c, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "nin"));
    citizen_input real_in_test = {real, "A", "B", NULL, NULL};
    assert_int_equal(citizen_create(&ctx, &cw, MUNI_A, &real_in_test, "r", &c, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "real person numbers"));
    citizen_input no_name = {synthetic, "", "B", NULL, NULL};
    assert_int_equal(citizen_create(&ctx, &cw, MUNI_A, &no_name, "r", &c, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "given_name"));
    citizen_ctx prod = {.st = f->st, .environment = CITIZEN_ENV_PRODUCTION};
    citizen_input synth_in_prod = {synthetic, "A", "B", NULL, NULL};
    assert_int_equal(citizen_create(&prod, &cw, MUNI_A, &synth_in_prod, "r", &c, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "production"));
    auth_principal admin_s = user_with(SUPPLIER, AUTH_ROLE_ADMIN);
    assert_int_equal(citizen_create(&ctx, &admin_s, SUPPLIER, &synth_in_prod, "r", &c, &err), KN_ENOTFOUND);
    assert_int_equal(f->st->ops->citizen_count(f->st, MUNI_A, &after, NULL), KN_OK);
    assert_int_equal(before, after);
}

static void test_access_per_municipality(void **state)
{
    struct fixture *f = *state;
    citizen_ctx ctx = {.st = f->st, .environment = CITIZEN_ENV_TEST};
    auth_principal nurse_a = user_with(MUNI_A, AUTH_ROLE_NURSE);
    auth_principal cw_b = user_with(MUNI_B, AUTH_ROLE_CASE_WORKER);
    auth_principal auditor_a = user_with(MUNI_A, AUTH_ROLE_AUDITOR);
    char nin[12];
    make_nin(20, 7, 1, 2, nin);
    citizen_input in = {nin, "A", "B", NULL, NULL};
    store_citizen c;
    kn_err err;
    /* A nurse may read but not register citizens. */
    assert_int_equal(citizen_create(&ctx, &nurse_a, MUNI_A, &in, "r", &c, &err), KN_EFORBIDDEN);
    store_citizen *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(citizen_list(&ctx, &nurse_a, MUNI_A, 0, 50, "r", &list, &n, &total, &err), KN_OK);
    assert_true(n > 0 && (int64_t)n <= total);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(list[i].municipality, MUNI_A);
    char first_id[STORE_ID_LEN];
    kn_strcpy(first_id, sizeof first_id, list[0].id);
    free(list);
    assert_int_equal(test_audit_count(f->st, nurse_a.id, "citizen.list"), 1);
    /* Another municipality's case worker and an auditor see nothing of A's citizens. */
    assert_int_equal(citizen_list(&ctx, &cw_b, MUNI_A, 0, 50, "r", &list, &n, &total, &err), KN_EFORBIDDEN);
    assert_null(list);
    assert_int_equal(citizen_get(&ctx, &cw_b, first_id, "r", &c, &err), KN_EFORBIDDEN);
    assert_string_equal(c.nin, "");
    assert_int_equal(citizen_get(&ctx, &auditor_a, first_id, "r", &c, &err), KN_EFORBIDDEN);
    assert_int_equal(citizen_list(&ctx, &nurse_a, MUNI_A, 0, 0, "r", &list, &n, &total, &err), KN_EINVAL);
    assert_int_equal(citizen_list(&ctx, &nurse_a, MUNI_A, 0, 201, "r", &list, &n, &total, &err), KN_EINVAL);
}

static void test_demo_data(void **state)
{
    struct fixture *f = *state;
    demo_report again;
    assert_int_equal(demo_load(f->st, 0, &again, NULL), KN_OK);
    assert_int_equal(again.already_loaded, 1);
    assert_int_equal(demo_load(f->st, 1, &again, NULL), KN_EFORBIDDEN);
    int64_t a = 0, b = 0;
    assert_int_equal(f->st->ops->citizen_count(f->st, MUNI_A, &a, NULL), KN_OK);
    assert_int_equal(f->st->ops->citizen_count(f->st, MUNI_B, &b, NULL), KN_OK);
    assert_true(a + b >= 20);
    assert_true(b > 0);
    store_citizen *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->citizen_list(f->st, MUNI_A, 0, 200, &list, &n, NULL), KN_OK);
    for (size_t i = 0; i < n; i++) {
        int kind = 0;
        assert_int_equal(nid_person_check(list[i].nin, &kind, NULL), KN_OK);
        assert_int_equal(kind, NID_SYNTHETIC);
    }
    free(list);
    store_org org;
    assert_int_equal(f->st->ops->org_get(f->st, MUNI_A, &org, NULL), KN_OK);
    assert_int_equal(nid_orgnr_check(org.orgnr, NULL), KN_OK);
    const char *names[16], *roles[16];
    size_t nusers = demo_users(names, roles, 16);
    uint32_t seen = 0;
    for (size_t i = 0; i < nusers; i++) {
        store_user u;
        uint32_t mask = 0;
        assert_int_equal(f->st->ops->user_get_by_name(f->st, names[i], &u, NULL), KN_OK);
        assert_true(auth_password_verify(u.password_hash, DEMO_PASSWORD));
        assert_int_equal(auth_roles_parse(roles[i], &mask, NULL), KN_OK);
        seen |= mask;
    }
    assert_int_equal(seen, AUTH_ROLE_ANY); /* a user of every role */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_per_municipality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
