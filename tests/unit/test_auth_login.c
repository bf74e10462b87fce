/* test_auth_login.c - password login, lock-out, sessions, logout and CSRF
 * against the real SQLite store (a fresh, migrated temp database), plus
 * registering clients through auth_client_add_*() into that store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "core/core_util.h"
#include "test_support.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG_A "123456785"
#define PASSWORD "riktig hest batteri"
#define DENIED "wrong username or password"
#define THRESHOLD 3
#define TTL_S 3600

static char db_path[512];
static store *st;
static auth_ctx *ctx;

static int add_user(const char *username, int disabled)
{
    store_user u;
    memset(&u, 0, sizeof u);
    kn_strcpy(u.username, sizeof u.username, username);
    kn_strcpy(u.display_name, sizeof u.display_name, "Test Testesen");
    u.disabled = disabled;
    u.ngrants = 1;
    kn_strcpy(u.grants[0].orgnr, sizeof u.grants[0].orgnr, ORG_A);
    u.grants[0].roles = AUTH_ROLE_OPERATOR;
    kn_err err;
    int rc = auth_user_add(st, &u, PASSWORD, &err);
    if (rc != KN_OK)
        fprintf(stderr, "auth_user_add %s: %s\n", username, err.msg);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    kn_err err;
    auth_settings s = {.session_ttl_s = TTL_S, .lockout_threshold = THRESHOLD, .lockout_s = 600};
    if (kn_util_init() != KN_OK || test_store_new(&st, db_path, sizeof db_path) != KN_OK) {
        fprintf(stderr, "setup: cannot open a store at %s\n", db_path);
        return -1;
    }
    if (auth_ctx_new(st, &s, &ctx, &err) != KN_OK) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    if (add_user("kari", 0) || add_user("per", 0) || add_user("ola", 1) || add_user("liv", 0))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    auth_ctx_free(ctx);
    test_store_destroy(st, db_path);
    return 0;
}

static void expect_denied(const char *user, const char *password, int status, const char *msg)
{
    kn_err err;
    auth_session_token tok;
    assert_int_equal(auth_login(ctx, user, password, "req-1", &tok, &err), status);
    assert_true(strncmp(err.msg, msg, strlen(msg)) == 0);
    assert_string_equal(tok.cookie, "");
}

/* Log user in with the right password; the login must succeed. */
static void login(const char *user, auth_session_token *tok)
{
    kn_err err;
    int rc = auth_login(ctx, user, PASSWORD, NULL, tok, &err);
    if (rc != KN_OK)
        fail_msg("login %s: %s", user, err.msg);
}

/* The store's key for a session: hex SHA-256 of its cookie. */
static void session_key(const char *cookie, char hex[65])
{
    unsigned char digest[32];
    crypto_hash_sha256(digest, (const unsigned char *)cookie, strlen(cookie));
    kn_hex(digest, sizeof digest, hex);
}

/* Number of auth.login audit events with this outcome. */
static size_t audited(const char *outcome)
{
    store_audit_filter f = {.action = "auth.login", .limit = 1000};
    store_audit *list = NULL;
    size_t n = 0, hits = 0;
    assert_int_equal(st->ops->audit_list(st, &f, &list, &n, NULL), KN_OK);
    for (size_t i = 0; i < n; i++)
        hits += strcmp(list[i].outcome, outcome) == 0;
    free(list);
    return hits;
}

static void test_login_success(void **state)
{
    (void)state;
    kn_err err;
    auth_session_token tok;
    size_t before = audited("ok");
    int64_t now = kn_now_s();
    assert_int_equal(auth_login(ctx, "kari", PASSWORD, "req-1", &tok, &err), KN_OK);
    assert_int_equal(strlen(tok.cookie), 43);
    assert_int_equal(strlen(tok.csrf_token), 64);
    assert_true(tok.expires_at >= now + TTL_S && tok.expires_at <= now + TTL_S + 5);
    assert_string_equal(tok.principal.name, "kari");
    assert_string_equal(tok.principal.csrf_token, tok.csrf_token);
    assert_int_equal(audited("ok"), before + 1);

    auth_principal p;
    assert_int_equal(auth_session_principal(ctx, tok.cookie, &p, &err), KN_OK);
    assert_int_equal(p.kind, AUTH_PRINCIPAL_USER);
    assert_string_equal(p.id, tok.principal.id);
    assert_string_equal(p.csrf_token, tok.csrf_token);
    assert_int_equal(auth_require(&p, AUTH_ROLE_OPERATOR, ORG_A, NULL, &err), KN_OK);
    assert_int_equal(auth_check_csrf(&p, tok.csrf_token, &err), KN_OK);
    assert_int_equal(auth_check_csrf(&p, NULL, &err), KN_EFORBIDDEN);
    assert_int_equal(auth_check_csrf(&p, "00", &err), KN_EFORBIDDEN);

    /* The store holds the cookie's hash, never the cookie. */
    store_session s;
    assert_int_equal(st->ops->session_get(st, tok.cookie, &s, NULL), KN_ENOTFOUND);
    char hex[65];
    session_key(tok.cookie, hex);
    assert_int_equal(st->ops->session_get(st, hex, &s, NULL), KN_OK);
    assert_string_equal(s.user_id, p.id);

    /* Two logins, two different sessions. */
    auth_session_token tok2;
    login("kari", &tok2);
    assert_string_not_equal(tok.cookie, tok2.cookie);
    assert_string_not_equal(tok.csrf_token, tok2.csrf_token);
}

static void test_login_denied(void **state)
{
    (void)state;
    size_t before = audited("denied");
    expect_denied("kari", "feil passord!", KN_EUNAUTH, DENIED);
    expect_denied("nobody", PASSWORD, KN_EUNAUTH, DENIED);
    expect_denied("", PASSWORD, KN_EUNAUTH, DENIED);
    expect_denied(NULL, NULL, KN_EUNAUTH, DENIED);
    /* Disabled users are refused even with the right password. */
    expect_denied("ola", PASSWORD, KN_EUNAUTH, DENIED);
    assert_int_equal(audited("denied"), before + 5);
}

static void test_lockout(void **state)
{
    (void)state;
    for (int i = 0; i < THRESHOLD; i++)
        expect_denied("per", "feil passord!", KN_EUNAUTH, DENIED);
    size_t before = audited("locked");
    expect_denied("per", PASSWORD, KN_ELOCKED, "account locked until ");
    assert_int_equal(audited("locked"), before + 1);
    /* Other users are unaffected. */
    auth_session_token tok;
    login("kari", &tok);
}

static void test_success_resets_failures(void **state)
{
    (void)state;
    auth_session_token tok;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < THRESHOLD - 1; i++)
            expect_denied("liv", "feil passord!", KN_EUNAUTH, DENIED);
        login("liv", &tok);
    }
}

static void test_logout(void **state)
{
    (void)state;
    kn_err err;
    auth_session_token tok;
    auth_principal p;
    login("kari", &tok);
    assert_int_equal(auth_logout(ctx, tok.cookie, &err), KN_OK);
    assert_int_equal(auth_session_principal(ctx, tok.cookie, &p, &err), KN_EUNAUTH);
    assert_int_equal(auth_logout(ctx, tok.cookie, &err), KN_OK); /* idempotent */
    assert_int_equal(auth_logout(ctx, NULL, &err), KN_OK);
    assert_int_equal(auth_session_principal(ctx, NULL, &p, &err), KN_EUNAUTH);
    assert_int_equal(auth_session_principal(ctx, "garbage", &p, &err), KN_EUNAUTH);
}

static void test_expired_session(void **state)
{
    (void)state;
    kn_err err;
    auth_session_token tok;
    auth_principal p;
    login("kari", &tok);
    /* Re-create the session as one that ran out ten seconds ago. */
    store_session s;
    char hex[65];
    session_key(tok.cookie, hex);
    assert_int_equal(st->ops->session_get(st, hex, &s, NULL), KN_OK);
    assert_int_equal(st->ops->session_delete(st, hex, NULL), KN_OK);
    s.expires_at = kn_now_s() - 10;
    assert_int_equal(st->ops->session_create(st, &s, NULL), KN_OK);
    assert_int_equal(auth_session_principal(ctx, tok.cookie, &p, &err), KN_EUNAUTH);
    assert_string_equal(err.msg, "session expired");
    assert_int_equal(st->ops->session_get(st, hex, &s, NULL), KN_ENOTFOUND);
}

static void test_session_of_disabled_user(void **state)
{
    (void)state;
    kn_err err;
    auth_session_token tok;
    auth_principal p;
    assert_int_equal(add_user("siri", 0), KN_OK);
    login("siri", &tok);
    assert_int_equal(st->ops->user_set_disabled(st, "siri", 1, NULL), KN_OK);
    assert_int_equal(auth_session_principal(ctx, tok.cookie, &p, &err), KN_EUNAUTH);
}

static void test_clients_in_store(void **state)
{
    (void)state;
    kn_err err;
    char key1[64], key2[64];
    store_client a = {.name = "Alarm A", .scopes = "knute/alarms.write"};
    store_client b = {.name = "Alarm B"};
    store_client j1 = {.name = "EPJ 1", .jwt_client_id = "epj-1"};
    store_client j2 = {.name = "EPJ 2", .jwt_client_id = "epj-2"};
    assert_int_equal(auth_client_add_apikey(st, &a, key1, &err), KN_OK);
    assert_int_equal(auth_client_add_apikey(st, &b, key2, &err), KN_OK);
    assert_int_equal(auth_client_add_jwt(st, &j1, &err), KN_OK);
    assert_int_equal(auth_client_add_jwt(st, &j2, &err), KN_OK);
    store_client dup = {.name = "EPJ 3", .jwt_client_id = "epj-1"};
    assert_int_equal(auth_client_add_jwt(st, &dup, &err), KN_ECONFLICT);
    store_client none = {.name = "EPJ 4"};
    assert_int_equal(auth_client_add_jwt(st, &none, &err), KN_EINVAL);

    auth_principal p;
    assert_int_equal(auth_bearer_principal(ctx, key1, &p, &err), KN_OK);
    assert_string_equal(p.name, "Alarm A");
    assert_string_equal(p.scopes, "knute/alarms.write");
    assert_int_equal(auth_bearer_principal(ctx, key2, &p, &err), KN_OK);
    assert_string_equal(p.name, "Alarm B");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_success),
        cmocka_unit_test(test_login_denied),
        cmocka_unit_test(test_lockout),
        cmocka_unit_test(test_success_resets_failures),
        cmocka_unit_test(test_logout),
        cmocka_unit_test(test_expired_session),
        cmocka_unit_test(test_session_of_disabled_user),
        cmocka_unit_test(test_clients_in_store),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
