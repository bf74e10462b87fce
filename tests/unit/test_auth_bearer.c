/* test_auth_bearer.c - auth_bearer_principal(): the JWT verification matrix
 * (keys and tokens from the test issuer in tests/support/test_jwt.h), JWKS
 * loading, and API keys. A small in-memory fake store holds the clients, so
 * these tests do not depend on the SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "core/core_buf.h"
#include "core/core_util.h"
#include "test_jwt.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ISS "https://issuer.test"
#define AUD "knute-api"
#define ORG_A "123456785"
#define FAKE_MAX_CLIENTS 8

/* ---- fake store: clients only ---- */

static store_client fake_clients[FAKE_MAX_CLIENTS];
static size_t fake_nclients;

static int fake_client_create(store *st, store_client *c, kn_err *err)
{
    if (fake_nclients == FAKE_MAX_CLIENTS)
        return kn_err_set(err, KN_EIO, "fake store full");
    kn_id_new(c->id);
    fake_clients[fake_nclients++] = *c;
    return KN_OK;
}

static store_client *fake_find(int jwt, const char *value)
{
    for (size_t i = 0; i < fake_nclients; i++) {
        const char *field = jwt ? fake_clients[i].jwt_client_id : fake_clients[i].key_hash;
        if (*field && strcmp(field, value) == 0)
            return &fake_clients[i];
    }
    return NULL;
}

static int fake_get(int jwt, const char *value, store_client *out, kn_err *err)
{
    store_client *c = fake_find(jwt, value);
    if (!c)
        return kn_err_set(err, KN_ENOTFOUND, "no such client");
    *out = *c;
    return KN_OK;
}

static int fake_by_hash(store *st, const char *hash, store_client *out, kn_err *err)
{
    return fake_get(0, hash, out, err);
}

static int fake_by_jwt_id(store *st, const char *id, store_client *out, kn_err *err)
{
    return fake_get(1, id, out, err);
}

static const struct store_ops fake_ops = {
    .name = "fake",
    .client_create = fake_client_create,
    .client_get_by_key_hash = fake_by_hash,
    .client_get_by_jwt_id = fake_by_jwt_id,
};
static store fake_store = {&fake_ops, NULL};

/* ---- fixture: keys, JWKS file, context ---- */

static EVP_PKEY *key_rsa, *key_pss, *key_ec;
static auth_ctx *ctx;
static char jwks_path[512];

static void write_text(const char *path, const char *text)
{
    assert_int_equal(test_write_file(path, text), 0);
}

/* Add the public JWK of key to the JWKS file at path. */
static void add_jwk(const char *path, EVP_PKEY *key, const char *alg, const char *kid)
{
    json_t *jwk = test_jwt_jwk(key, alg, kid);
    assert_non_null(jwk);
    assert_int_equal(test_jwt_jwks_add(path, jwk, 1), 0);
}

static void add_client(const char *name, const char *jwt_id, int disabled)
{
    store_client c;
    memset(&c, 0, sizeof c);
    kn_strcpy(c.name, sizeof c.name, name);
    kn_strcpy(c.jwt_client_id, sizeof c.jwt_client_id, jwt_id);
    c.disabled = disabled;
    c.ngrants = 1;
    kn_strcpy(c.grants[0].orgnr, sizeof c.grants[0].orgnr, ORG_A);
    c.grants[0].roles = AUTH_ROLE_CASE_WORKER;
    assert_int_equal(auth_client_add_jwt(&fake_store, &c, NULL), KN_OK);
}

/* JWKS with two kinds of key we skip (oct, P-384), then our three keys. */
static void write_jwks(void)
{
    test_temp_path(jwks_path, sizeof jwks_path, "-auth_jwks.json");
    write_text(jwks_path, "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"sym\", \"k\": \"c2VjcmV0\"},"
                          " {\"kty\": \"EC\", \"crv\": \"P-384\", \"kid\": \"p384\","
                          " \"x\": \"AA\", \"y\": \"AA\"}]}");
    add_jwk(jwks_path, key_rsa, "RS256", "rsa1");
    add_jwk(jwks_path, key_pss, "PS256", "pss1");
    add_jwk(jwks_path, key_ec, "ES256", "ec1");
}

static int ctx_for(const char *jwks, auth_ctx **out, kn_err *err)
{
    auth_settings s = {
        .jwks_file = jwks, .jwt_issuer = ISS, .jwt_audience = AUD, .jwt_leeway_s = 30};
    return auth_ctx_new(&fake_store, &s, out, err);
}

static int setup(void **state)
{
    (void)state;
    if (kn_util_init() != KN_OK)
        return -1;
    key_rsa = test_jwt_keygen("RS256");
    key_pss = test_jwt_keygen("PS256");
    key_ec = test_jwt_keygen("ES256");
    if (!key_rsa || !key_pss || !key_ec)
        return -1;
    write_jwks();
    add_client("EPJ system", "epj-client", 0);
    add_client("Old system", "old-client", 1);
    kn_err err;
    if (ctx_for(jwks_path, &ctx, &err) != KN_OK) {
        fprintf(stderr, "auth_ctx_new: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    auth_ctx_free(ctx);
    EVP_PKEY_free(key_rsa);
    EVP_PKEY_free(key_pss);
    EVP_PKEY_free(key_ec);
    unlink(jwks_path);
    return 0;
}

/* ---- token helpers ---- */

static json_t *with(json_t *payload, const char *name, json_t *value)
{
    if (value)
        json_object_set_new(payload, name, value);
    else
        json_object_del(payload, name);
    return payload;
}

static json_t *at(int64_t offset)
{
    return json_integer((json_int_t)(kn_now_s() + offset));
}

/* A valid claim set for epj-client, expiring in five minutes. */
static json_t *claims(void)
{
    json_t *c = test_jwt_claims(ISS, AUD, "epj-client", "knute/citizens.read knute/alarms.write");
    json_int_t iat = json_integer_value(json_object_get(c, "iat"));
    return with(c, "exp", json_integer(iat + 300));
}

static json_t *header(const char *alg, const char *kid)
{
    return test_jwt_header(alg, kid);
}

/* Sign (the header may claim another alg than sign_alg); takes both references. */
static char *token(EVP_PKEY *key, const char *sign_alg, json_t *hdr, json_t *payload, int tamper)
{
    char *t = test_jwt_sign(key, sign_alg, hdr, payload, tamper);
    json_decref(hdr);
    json_decref(payload);
    assert_non_null(t);
    return t;
}

static char *rs256(json_t *payload)
{
    return token(key_rsa, "RS256", header("RS256", "rsa1"), payload, 0);
}

static void expect_ok(char *t, const char *client_name)
{
    kn_err err;
    auth_principal p;
    int rc = auth_bearer_principal(ctx, t, &p, &err);
    if (rc != KN_OK)
        fail_msg("rejected: %s", err.msg);
    assert_int_equal(p.kind, AUTH_PRINCIPAL_CLIENT);
    assert_string_equal(p.name, client_name);
    assert_int_equal(p.ngrants, 1);
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "knute/alarms.write", &err),
                     KN_OK);
    free(t);
}

static void expect_reject(char *t, const char *reason)
{
    kn_err err;
    auth_principal p;
    assert_int_equal(auth_bearer_principal(ctx, t, &p, &err), KN_EUNAUTH);
    assert_string_equal(err.msg, reason);
    free(t);
}

/* ---- JWT matrix ---- */

static void test_valid_algs(void **state)
{
    (void)state;
    expect_ok(rs256(claims()), "EPJ system");
    expect_ok(token(key_pss, "PS256", header("PS256", "pss1"), claims(), 0), "EPJ system");
    expect_ok(token(key_ec, "ES256", header("ES256", "ec1"), claims(), 0), "EPJ system");
}

static void test_scopes_become_principal_scopes(void **state)
{
    (void)state;
    kn_err err;
    auth_principal p;
    char *t = rs256(with(claims(), "scope", json_pack("[s, s]", "a.read", "b.write")));
    assert_int_equal(auth_bearer_principal(ctx, t, &p, &err), KN_OK);
    assert_string_equal(p.scopes, "a.read b.write");
    free(t);
    t = rs256(with(claims(), "scope", NULL));
    assert_int_equal(auth_bearer_principal(ctx, t, &p, &err), KN_OK);
    assert_string_equal(p.scopes, "");
    assert_int_equal(auth_require(&p, AUTH_ROLE_CASE_WORKER, ORG_A, "a.read", &err), KN_EFORBIDDEN);
    free(t);
}

static void test_time_claims(void **state)
{
    (void)state;
    expect_reject(rs256(with(claims(), "exp", at(-100))), "token expired");
    expect_ok(rs256(with(claims(), "exp", at(-10))), "EPJ system"); /* within leeway */
    expect_reject(rs256(with(claims(), "exp", NULL)), "missing exp claim");
    expect_reject(rs256(with(claims(), "exp", json_string("soon"))), "missing exp claim");
    expect_reject(rs256(with(claims(), "nbf", at(300))), "token not yet valid");
    expect_ok(rs256(with(claims(), "nbf", at(10))), "EPJ system");
    expect_reject(rs256(with(claims(), "iat", at(3600))), "token issued in the future");
}

static void test_issuer_and_audience(void **state)
{
    (void)state;
    expect_reject(rs256(with(claims(), "iss", json_string("https://evil.test"))), "wrong issuer");
    expect_reject(rs256(with(claims(), "iss", NULL)), "wrong issuer");
    expect_reject(rs256(with(claims(), "aud", json_string("other-api"))), "wrong audience");
    expect_reject(rs256(with(claims(), "aud", NULL)), "wrong audience");
    expect_ok(rs256(with(claims(), "aud", json_pack("[s, s]", "other-api", AUD))), "EPJ system");
    expect_reject(rs256(with(claims(), "aud", json_pack("[s]", "other-api"))), "wrong audience");
}

static void test_rejected_algs(void **state)
{
    (void)state;
    /* alg none with an empty signature, as an attacker would send it. */
    json_t *h = header("none", "rsa1"), *p = claims();
    char *none = test_jwt_unsigned(h, p);
    json_decref(h);
    json_decref(p);
    assert_non_null(none);
    expect_reject(none, "unsupported alg");
    expect_reject(token(key_rsa, "RS256", header("HS256", "rsa1"), claims(), 0), "unsupported alg");
    expect_reject(token(key_rsa, "RS256", header("RS512", "rsa1"), claims(), 0), "unsupported alg");
    expect_reject(token(key_rsa, "RS256", json_pack("{s:s}", "kid", "rsa1"), claims(), 0),
                  "unsupported alg");
    /* The alg must fit the key's type and the JWK's own alg. */
    expect_reject(token(key_ec, "ES256", header("ES256", "rsa1"), claims(), 0),
                  "unsupported alg for this key");
    expect_reject(token(key_rsa, "PS256", header("PS256", "rsa1"), claims(), 0),
                  "unsupported alg for this key");
}

static void test_bad_signature(void **state)
{
    (void)state;
    expect_reject(token(key_rsa, "RS256", header("RS256", "rsa1"), claims(), 1), "bad signature");
    expect_reject(token(key_ec, "ES256", header("ES256", "ec1"), claims(), 1), "bad signature");
    expect_reject(token(key_pss, "PS256", header("PS256", "pss1"), claims(), 1), "bad signature");
    /* Signed by another key under a known kid. */
    expect_reject(token(key_pss, "RS256", header("RS256", "rsa1"), claims(), 0), "bad signature");
    /* A payload swapped in after signing. */
    char *good = rs256(claims());
    char *evil = rs256(with(claims(), "client_id", json_string("old-client")));
    char *dot1 = strchr(good, '.'), *dot2 = strrchr(good, '.');
    char *edot1 = strchr(evil, '.'), *edot2 = strrchr(evil, '.');
    kn_buf b;
    kn_buf_init(&b, TEST_JWT_MAX_TOKEN);
    kn_buf_append(&b, good, (size_t)(dot1 - good));
    kn_buf_append(&b, edot1, (size_t)(edot2 - edot1));
    kn_buf_puts(&b, dot2);
    free(good);
    free(evil);
    expect_reject(kn_buf_detach(&b, NULL), "bad signature");
}

static void test_key_selection(void **state)
{
    (void)state;
    expect_reject(token(key_rsa, "RS256", header("RS256", "nope"), claims(), 0), "unknown key id");
    /* No kid and more than one key: ambiguous. */
    expect_reject(token(key_rsa, "RS256", header("RS256", NULL), claims(), 0), "unknown key id");
    /* No kid and exactly one key: that key. */
    char path[600];
    test_temp_path(path, sizeof path, "-auth_jwks_one.json");
    write_text(path, "{\"keys\": []}");
    add_jwk(path, key_ec, "ES256", "only");
    auth_ctx *one = NULL;
    assert_int_equal(ctx_for(path, &one, NULL), KN_OK);
    char *t = token(key_ec, "ES256", header("ES256", NULL), claims(), 0);
    auth_principal p;
    kn_err err;
    assert_int_equal(auth_bearer_principal(one, t, &p, &err), KN_OK);
    free(t);
    auth_ctx_free(one);
    unlink(path);
}

static void test_malformed(void **state)
{
    (void)state;
    char *good = rs256(claims());
    char *bad = strdup(good);
    bad[2] = '@'; /* inside the header segment */
    expect_reject(bad, "malformed token");
    bad = strdup(good);
    bad[strlen(bad) - 3] = '*'; /* inside the signature */
    expect_reject(bad, "malformed token");
    free(good);
    expect_reject(strdup("a.b.c"), "malformed token");
    expect_reject(strdup(".."), "malformed token");
    /* Signed, but the payload is not a JSON object. */
    json_t *arr = json_pack("[i]", 1);
    expect_reject(token(key_rsa, "RS256", header("RS256", "rsa1"), arr, 0), "malformed token");
    /* Over the 8 KiB limit. */
    char *huge = malloc(9000);
    assert_non_null(huge);
    memset(huge, 'a', 8999);
    huge[8999] = '\0';
    huge[100] = '.';
    huge[200] = '.';
    expect_reject(huge, "token too long");
}

static void test_clients(void **state)
{
    (void)state;
    expect_reject(rs256(with(claims(), "client_id", json_string("nobody"))), "unknown client");
    expect_reject(rs256(with(claims(), "client_id", json_string("old-client"))), "client disabled");
    expect_reject(rs256(with(claims(), "client_id", NULL)), "missing client_id claim");
    /* sub stands in when client_id is absent. */
    json_t *p = with(claims(), "client_id", NULL);
    expect_ok(rs256(with(p, "sub", json_string("epj-client"))), "EPJ system");
}

static void test_jwks_loading(void **state)
{
    (void)state;
    char path[600];
    test_temp_path(path, sizeof path, "-auth_jwks_bad.json");
    auth_ctx *c = NULL;
    kn_err err;
    const char *bad[] = {
        "{\"keys\": [",                                                      /* not JSON */
        "{\"keys\": {}}",                                                    /* not an array */
        "{\"keys\": [{\"kty\": \"oct\", \"k\": \"AA\"}]}",                   /* no usable key */
        "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"x\", \"e\": \"AQAB\"}]}", /* no n */
        "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"AA\", \"y\": \"AA\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(path, bad[i]);
        assert_int_equal(ctx_for(path, &c, &err), KN_ECONFIG);
    }
    kn_buf many;
    kn_buf_init(&many, 1 << 16);
    kn_buf_puts(&many, "{\"keys\": [");
    for (int i = 0; i < 33; i++)
        kn_buf_printf(&many, "%s{\"kty\": \"oct\", \"k\": \"AA\"}", i ? "," : "");
    kn_buf_puts(&many, "]}");
    write_text(path, many.data);
    kn_buf_release(&many);
    assert_int_equal(ctx_for(path, &c, &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "32"));
    unlink(path);
    assert_int_equal(ctx_for(path, &c, &err), KN_ECONFIG); /* missing file */
    auth_settings s = {.jwks_file = jwks_path, .jwt_audience = AUD};
    assert_int_equal(auth_ctx_new(&fake_store, &s, &c, &err), KN_ECONFIG);
}

static void test_jwt_not_configured(void **state)
{
    (void)state;
    auth_ctx *plain = NULL;
    assert_int_equal(auth_ctx_new(&fake_store, NULL, &plain, NULL), KN_OK);
    char *t = rs256(claims());
    kn_err err;
    auth_principal p;
    assert_int_equal(auth_bearer_principal(plain, t, &p, &err), KN_EUNAUTH);
    free(t);
    auth_ctx_free(plain);
}

/* ---- API keys ---- */

static void test_apikey(void **state)
{
    (void)state;
    store_client c;
    memset(&c, 0, sizeof c);
    kn_strcpy(c.name, sizeof c.name, "Alarm receiver");
    kn_strcpy(c.scopes, sizeof c.scopes, "knute/alarms.write");
    c.ngrants = 1;
    kn_strcpy(c.grants[0].orgnr, sizeof c.grants[0].orgnr, ORG_A);
    c.grants[0].roles = AUTH_ROLE_SUPPLIER;
    char key[64];
    kn_err err;
    assert_int_equal(auth_client_add_apikey(&fake_store, &c, key, &err), KN_OK);
    assert_int_equal(strlen(key), 47);
    assert_int_equal(strncmp(key, "knk_", 4), 0);
    /* Only the hash is stored. */
    store_client *stored = &fake_clients[fake_nclients - 1];
    assert_int_equal(stored->kind, STORE_CLIENT_APIKEY);
    assert_int_equal(strlen(stored->key_hash), 64);
    assert_null(strstr(stored->key_hash, key + 4));

    auth_principal p;
    assert_int_equal(auth_bearer_principal(ctx, key, &p, &err), KN_OK);
    assert_string_equal(p.name, "Alarm receiver");
    assert_string_equal(p.scopes, "knute/alarms.write");
    assert_int_equal(auth_require(&p, AUTH_ROLE_SUPPLIER, ORG_A, "knute/alarms.write", &err),
                     KN_OK);
    assert_int_equal(auth_require(&p, AUTH_ROLE_SUPPLIER, ORG_A, "knute/citizens.read", &err),
                     KN_EFORBIDDEN);

    char other[64];
    memcpy(other, key, sizeof other);
    other[10] = other[10] == 'A' ? 'B' : 'A';
    assert_int_equal(auth_bearer_principal(ctx, other, &p, &err), KN_EUNAUTH);
    assert_string_equal(err.msg, "invalid API key");
    assert_int_equal(auth_bearer_principal(ctx, "knk_short", &p, &err), KN_EUNAUTH);
    assert_string_equal(err.msg, "invalid API key");
    assert_int_equal(auth_bearer_principal(ctx, "", &p, &err), KN_EUNAUTH);
    assert_int_equal(auth_bearer_principal(ctx, NULL, &p, &err), KN_EUNAUTH);

    stored->disabled = 1;
    assert_int_equal(auth_bearer_principal(ctx, key, &p, &err), KN_EUNAUTH);
    assert_string_equal(err.msg, "client disabled");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_algs),
        cmocka_unit_test(test_scopes_become_principal_scopes),
        cmocka_unit_test(test_time_claims),
        cmocka_unit_test(test_issuer_and_audience),
        cmocka_unit_test(test_rejected_algs),
        cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_key_selection),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_clients),
        cmocka_unit_test(test_jwks_loading),
        cmocka_unit_test(test_jwt_not_configured),
        cmocka_unit_test(test_apikey),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
