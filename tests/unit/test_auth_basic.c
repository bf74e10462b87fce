/* test_auth_basic.c - the store-free parts of auth.h: role names, argon2id
 * password hashing, the auth_require() access matrix and the CSRF check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "test_support.h"
#include "core/core_util.h"

#include <string.h>

#define ORG_A "123456785"
#define ORG_B "987654325"
#define ORG_C "111111118"

static void test_roles_parse(void **state)
{
    (void)state;
    kn_err err;
    uint32_t mask = 0;
    assert_int_equal(auth_roles_parse("operator,admin", &mask, &err), KN_OK);
    assert_int_equal(mask, AUTH_ROLE_OPERATOR | AUTH_ROLE_ADMIN);
    assert_int_equal(auth_roles_parse(" nurse , auditor ", &mask, &err), KN_OK);
    assert_int_equal(mask, AUTH_ROLE_NURSE | AUTH_ROLE_AUDITOR);
    assert_int_equal(auth_roles_parse("reviewer", &mask, &err), KN_OK);
    assert_int_equal(mask, AUTH_ROLE_REVIEWER);

    mask = 77;
    assert_int_equal(auth_roles_parse("operator,bogus", &mask, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "bogus"));
    assert_int_equal(mask, 77);
    assert_int_equal(auth_roles_parse("", &mask, &err), KN_EINVAL);
    assert_int_equal(auth_roles_parse("operator,,admin", &mask, &err), KN_EINVAL);
    assert_int_equal(auth_roles_parse("Operator", &mask, &err), KN_EINVAL);
    assert_int_equal(auth_roles_parse("operators", &mask, &err), KN_EINVAL);
    assert_int_equal(auth_roles_parse("operator,", &mask, NULL), KN_EINVAL);
}

static void test_roles_format(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(auth_roles_format(AUTH_ROLE_ADMIN | AUTH_ROLE_OPERATOR, out, sizeof out),
                     KN_OK);
    assert_string_equal(out, "operator,admin");
    assert_int_equal(auth_roles_format(0, out, sizeof out), KN_OK);
    assert_string_equal(out, "");
    assert_int_equal(auth_roles_format(AUTH_ROLE_ANY, out, sizeof out), KN_OK);
    assert_string_equal(out, "operator,case_worker,nurse,coordinator,admin,supplier,reviewer,"
                             "auditor");
    uint32_t back = 0;
    assert_int_equal(auth_roles_parse(out, &back, NULL), KN_OK);
    assert_int_equal(back, AUTH_ROLE_ANY);
    char small[10];
    assert_int_equal(auth_roles_format(AUTH_ROLE_OPERATOR | AUTH_ROLE_ADMIN, small, sizeof small),
                     KN_ETOOLARGE);
    assert_true(strlen(small) < sizeof small);
}

static void test_password_hash_verify(void **state)
{
    (void)state;
    kn_err err;
    char h1[STORE_PWHASH_LEN], h2[STORE_PWHASH_LEN];
    assert_int_equal(auth_password_hash("korrekt hest batteri", h1, &err), KN_OK);
    assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
    assert_null(strstr(h1, "korrekt"));
    assert_int_equal(auth_password_verify(h1, "korrekt hest batteri"), 1);
    assert_int_equal(auth_password_verify(h1, "korrekt hest batterI"), 0);
    assert_int_equal(auth_password_verify(h1, ""), 0);
    /* Salted: the same password hashes differently each time. */
    assert_int_equal(auth_password_hash("korrekt hest batteri", h2, &err), KN_OK);
    assert_string_not_equal(h1, h2);
    assert_int_equal(auth_password_verify(h2, "korrekt hest batteri"), 1);
    assert_int_equal(auth_password_verify("not a hash", "korrekt hest batteri"), 0);
    assert_int_equal(auth_password_verify(NULL, "x"), 0);
}

static void test_password_too_short(void **state)
{
    (void)state;
    kn_err err;
    char h[STORE_PWHASH_LEN];
    assert_int_equal(auth_password_hash("kort", h, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "10"));
    assert_int_equal(auth_password_hash("123456789", h, &err), KN_EINVAL);
    assert_int_equal(auth_password_hash(NULL, h, &err), KN_EINVAL);
    /* Nine characters in 18 bytes is still too short; ten is enough. */
    assert_int_equal(auth_password_hash("æøåæøåæøå", h, &err), KN_EINVAL);
    assert_int_equal(auth_password_hash("æøåæøåæøåæ", h, &err), KN_OK);
    assert_int_equal(auth_password_verify(h, "æøåæøåæøåæ"), 1);
}

static auth_principal user_principal(void)
{
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, "u1");
    test_grant(&p, ORG_A, AUTH_ROLE_OPERATOR | AUTH_ROLE_NURSE);
    test_grant(&p, ORG_B, AUTH_ROLE_AUDITOR);
    return p;
}

static auth_principal client_principal(void)
{
    auth_principal p = test_principal(AUTH_PRINCIPAL_CLIENT, "c1");
    test_grant(&p, ORG_A, AUTH_ROLE_CASE_WORKER);
    kn_strcpy(p.scopes, sizeof p.scopes, "knute/citizens.read  knute/alarms.write");
    return p;
}

static void test_require_user_roles(void **state)
{
    (void)state;
    kn_err err;
    auth_principal p = user_principal();
    assert_int_equal(auth_require(&p, AUTH_ROLE_OPERATOR, ORG_A, NULL, &err), KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_OPERATOR | AUTH_ROLE_ADMIN, ORG_A, NULL, &err),
                     KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_ADMIN, ORG_A, NULL, &err), KN_EFORBIDDEN);
    assert_string_equal(err.msg, "role admin required at " ORG_A);
    /* A role held elsewhere does not count. */
    assert_int_equal(auth_require(&p, AUTH_ROLE_OPERATOR | AUTH_ROLE_ADMIN, ORG_B, NULL, &err),
                     KN_EFORBIDDEN);
    assert_string_equal(err.msg, "role operator|admin required at " ORG_B);
    assert_int_equal(auth_require(&p, AUTH_ROLE_AUDITOR, ORG_B, NULL, &err), KN_OK);
    /* Any role at an org. */
    assert_int_equal(auth_require(&p, AUTH_ROLE_ANY, ORG_B, NULL, &err), KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_ANY, ORG_C, NULL, &err), KN_EFORBIDDEN);
    assert_string_equal(err.msg, "a role required at " ORG_C);
    /* Any org. */
    assert_int_equal(auth_require(&p, AUTH_ROLE_AUDITOR, NULL, NULL, &err), KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_ADMIN, NULL, NULL, &err), KN_EFORBIDDEN);
    assert_string_equal(err.msg, "role admin required");
    /* Users are not scope-limited. */
    assert_int_equal(auth_require(&p, AUTH_ROLE_NURSE, ORG_A, "knute/citizens.write", &err), KN_OK);
    /* Nothing held, nothing allowed. */
    assert_int_equal(auth_require(&p, 0, ORG_A, NULL, &err), KN_EFORBIDDEN);
    assert_int_equal(auth_require(NULL, AUTH_ROLE_ANY, NULL, NULL, &err), KN_EFORBIDDEN);
    auth_principal none;
    memset(&none, 0, sizeof none);
    assert_int_equal(auth_require(&none, AUTH_ROLE_ANY, NULL, NULL, &err), KN_EFORBIDDEN);
}

static void test_require_client_scopes(void **state)
{
    (void)state;
    kn_err err;
    auth_principal p = client_principal();
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "knute/citizens.read", &err),
                     KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "knute/alarms.write", &err),
                     KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, NULL, &err), KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "knute/citizens.write", &err),
                     KN_EFORBIDDEN);
    assert_string_equal(err.msg, "scope knute/citizens.write required");
    /* Exact word match only: no prefixes, no substrings. */
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "knute/citizens", &err),
                     KN_EFORBIDDEN);
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "citizens.read", &err),
                     KN_EFORBIDDEN);
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "", &err), KN_EFORBIDDEN);
    /* The scope does not replace the role. */
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_B, "knute/citizens.read", &err),
                     KN_EFORBIDDEN);
    assert_string_equal(err.msg, "role case_worker required at " ORG_B);
}

static void test_csrf(void **state)
{
    (void)state;
    kn_err err;
    auth_principal p = user_principal();
    const char *token = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    kn_strcpy(p.csrf_token, sizeof p.csrf_token, token);
    assert_int_equal(auth_check_csrf(&p, token, &err), KN_OK);
    assert_int_equal(auth_check_csrf(&p, NULL, &err), KN_EFORBIDDEN);
    assert_string_equal(err.msg, "missing CSRF token");
    assert_int_equal(auth_check_csrf(&p, "", &err), KN_EFORBIDDEN);
    assert_string_equal(err.msg, "missing CSRF token");
    char wrong[65];
    kn_strcpy(wrong, sizeof wrong, token);
    wrong[63] = '0';
    assert_int_equal(auth_check_csrf(&p, wrong, &err), KN_EFORBIDDEN);
    assert_int_equal(auth_check_csrf(&p, "0011223344", &err), KN_EFORBIDDEN);
    char longer[80];
    memcpy(longer, token, 64);
    memcpy(longer + 64, "00", 3);
    assert_int_equal(auth_check_csrf(&p, longer, &err), KN_EFORBIDDEN);
    /* A user principal without a session token never passes. */
    p.csrf_token[0] = '\0';
    assert_int_equal(auth_check_csrf(&p, "x", &err), KN_EFORBIDDEN);
    /* Machine clients carry no cookie and are not subject to CSRF. */
    auth_principal c = client_principal();
    assert_int_equal(auth_check_csrf(&c, NULL, &err), KN_OK);
}

int main(void)
{
    if (kn_util_init() != KN_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles_parse),
        cmocka_unit_test(test_roles_format),
        cmocka_unit_test(test_password_hash_verify),
        cmocka_unit_test(test_password_too_short),
        cmocka_unit_test(test_require_user_roles),
        cmocka_unit_test(test_require_client_scopes),
        cmocka_unit_test(test_csrf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
