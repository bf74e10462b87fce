/* knute_test_jwt.c - test tooling: mints signing keys, JWKS files and JWTs for
 * the black-box tests, standing in for an external issuer (HelseID style).
 *   keygen --alg RS256|PS256|ES256 --kid K --key-out key.pem --jwks-out jwks.json [--append]
 *   sign --key key.pem --alg A --kid K --iss I --aud A --client-id C [--scope "s1 s2"]
 *        [--exp-in S] [--nbf-in S] [--tamper]      (no --exp-in: no exp claim)
 * tests/unit/test_auth_bearer.c includes this file with KNUTE_TEST_JWT_NO_MAIN for mint_*(). */
#include "core/core_buf.h"
#include "core/core_status.h"
#include "core/core_util.h"

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MINT_MAX_TOKEN 16384

static int mint_is_ec(const char *alg)
{
    return strcmp(alg, "ES256") == 0;
}

/* A new key pair for alg: RSA-2048 for RS256/PS256, P-256 for ES256. */
static EVP_PKEY *mint_keygen(const char *alg)
{
    if (mint_is_ec(alg))
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

/* Set obj[name] to the base64url of a big number (left-padded to pad bytes if pad > 0). */
static int mint_put_bn(json_t *obj, const char *name, EVP_PKEY *pkey, const char *param, int pad)
{
    BIGNUM *bn = NULL;
    unsigned char raw[1024];
    char b64[1400];
    int n = -1;
    if (EVP_PKEY_get_bn_param(pkey, param, &bn) == 1 && BN_num_bytes(bn) <= (int)sizeof raw)
        n = pad > 0 ? BN_bn2binpad(bn, raw, pad) : BN_bn2bin(bn, raw);
    BN_free(bn);
    if (n < 0 || kn_b64url_encode(raw, (size_t)n, b64, sizeof b64) != KN_OK)
        return -1;
    return json_object_set_new(obj, name, json_string(b64));
}

/* The public JWK of pkey, or NULL. */
static json_t *mint_jwk(EVP_PKEY *pkey, const char *alg, const char *kid)
{
    json_t *jwk = json_pack("{s:s, s:s, s:s}", "kid", kid, "alg", alg, "use", "sig");
    int rc;
    if (mint_is_ec(alg))
        rc = json_object_set_new(jwk, "kty", json_string("EC")) |
             json_object_set_new(jwk, "crv", json_string("P-256")) |
             mint_put_bn(jwk, "x", pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32) |
             mint_put_bn(jwk, "y", pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    else
        rc = json_object_set_new(jwk, "kty", json_string("RSA")) |
             mint_put_bn(jwk, "n", pkey, OSSL_PKEY_PARAM_RSA_N, 0) |
             mint_put_bn(jwk, "e", pkey, OSSL_PKEY_PARAM_RSA_E, 0);
    if (rc != 0) {
        json_decref(jwk);
        return NULL;
    }
    return jwk;
}

/* Append the base64url of n bytes to buf. */
static int mint_append_b64(kn_buf *buf, const void *bytes, size_t n)
{
    char b64[MINT_MAX_TOKEN];
    if (kn_b64url_encode(bytes, n, b64, sizeof b64) != KN_OK)
        return KN_ETOOLARGE;
    return kn_buf_puts(buf, b64);
}

static int mint_append_json(kn_buf *buf, const json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    int rc = text ? mint_append_b64(buf, text, strlen(text)) : KN_ENOMEM;
    free(text);
    return rc;
}

/* DER ECDSA signature -> JWS r || s (64 bytes). */
static int mint_der_to_raw(unsigned char *sig, size_t *len)
{
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)*len);
    if (!es)
        return -1;
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(es, &r, &s);
    int ok = BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32;
    ECDSA_SIG_free(es);
    *len = 64;
    return ok ? 0 : -1;
}

/* Sign msg with pkey under alg into sig (cap bytes); JWS form. */
static int mint_signature(EVP_PKEY *pkey, const char *alg, const char *msg, unsigned char *sig,
                          size_t *len)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int pss = strcmp(alg, "PS256") == 0;
    int ok = md && EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, pkey) == 1 &&
             (!pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)) &&
             EVP_DigestSign(md, sig, len, (const unsigned char *)msg, strlen(msg)) == 1;
    EVP_MD_CTX_free(md);
    if (ok && mint_is_ec(alg))
        ok = mint_der_to_raw(sig, len) == 0;
    return ok ? 0 : -1;
}

/* The compact JWS of header.payload signed by pkey under sign_alg (the header
 * may claim a different alg: tests use that). tamper flips a signature bit.
 * Returns a malloc'd string or NULL. */
static char *mint_sign(EVP_PKEY *pkey, const char *sign_alg, const json_t *header,
                       const json_t *payload, int tamper)
{
    kn_buf buf;
    kn_buf_init(&buf, MINT_MAX_TOKEN);
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    int rc = mint_append_json(&buf, header);
    if (rc == KN_OK && (rc = kn_buf_puts(&buf, ".")) == KN_OK)
        rc = mint_append_json(&buf, payload);
    if (rc == KN_OK)
        rc = mint_signature(pkey, sign_alg, buf.data, sig, &sig_len) == 0 ? KN_OK : KN_EINTERNAL;
    if (rc == KN_OK && tamper)
        sig[sig_len / 2] ^= 0x01;
    if (rc == KN_OK && (rc = kn_buf_puts(&buf, ".")) == KN_OK)
        rc = mint_append_b64(&buf, sig, sig_len);
    if (rc != KN_OK) {
        kn_buf_release(&buf);
        return NULL;
    }
    return kn_buf_detach(&buf, NULL);
}

#ifndef KNUTE_TEST_JWT_NO_MAIN

/* Command-line options; all optional here, each command checks what it needs. */
typedef struct mint_opts {
    const char *alg, *kid, *key_out, *jwks_out, *key, *iss, *aud, *client_id, *scope;
    const char *exp_in, *nbf_in;
    int append, tamper;
} mint_opts;

static const char **opt_slot(mint_opts *o, const char *name)
{
    static const char *const names[] = {"--alg",   "--kid",    "--key-out", "--jwks-out",
                                        "--key",   "--iss",    "--aud",     "--client-id",
                                        "--scope", "--exp-in", "--nbf-in"};
    const char **slots[] = {&o->alg, &o->kid,       &o->key_out, &o->jwks_out, &o->key,   &o->iss,
                            &o->aud, &o->client_id, &o->scope,   &o->exp_in,   &o->nbf_in};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0)
            return slots[i];
    }
    return NULL;
}

static int parse_opts(int argc, char **argv, mint_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 2; i < argc; i++) {
        const char **slot = opt_slot(o, argv[i]);
        if (strcmp(argv[i], "--append") == 0)
            o->append = 1;
        else if (strcmp(argv[i], "--tamper") == 0)
            o->tamper = 1;
        else if (slot && i + 1 < argc)
            *slot = argv[++i];
        else {
            fprintf(stderr, "knute_test_jwt: bad option %s\n", argv[i]);
            return -1;
        }
    }
    return 0;
}

static int alg_ok(const char *alg)
{
    return alg && (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0 || mint_is_ec(alg));
}

static int write_key(EVP_PKEY *pkey, const char *path)
{
    FILE *f = fopen(path, "w");
    int ok = f && PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return pkey;
}

/* Add jwk (reference taken) to the JWKS at path, replacing the file unless append. */
static int jwks_add(const char *path, json_t *jwk, int append)
{
    json_t *root = append ? json_load_file(path, 0, NULL) : json_pack("{s:[]}", "keys");
    json_t *keys = json_object_get(root, "keys");
    int rc = json_is_array(keys) ? json_array_append_new(keys, jwk) : (json_decref(jwk), -1);
    if (rc == 0)
        rc = json_dump_file(root, path, JSON_INDENT(2));
    json_decref(root);
    return rc;
}

static int cmd_keygen(const mint_opts *o)
{
    if (!alg_ok(o->alg) || !o->kid || !o->key_out || !o->jwks_out) {
        fprintf(stderr, "keygen needs --alg RS256|PS256|ES256 --kid --key-out --jwks-out\n");
        return 2;
    }
    EVP_PKEY *pkey = mint_keygen(o->alg);
    json_t *jwk = pkey ? mint_jwk(pkey, o->alg, o->kid) : NULL;
    int rc = jwk ? write_key(pkey, o->key_out) : -1;
    if (rc == 0)
        rc = jwks_add(o->jwks_out, jwk, o->append);
    else
        json_decref(jwk);
    EVP_PKEY_free(pkey);
    if (rc != 0)
        fprintf(stderr, "keygen failed\n");
    return rc == 0 ? 0 : 1;
}

/* Add "name": now + offset when offset (seconds, may be negative) is given. */
static int put_time(json_t *payload, const char *name, const char *offset, long long now)
{
    long v = 0;
    if (!offset)
        return 0;
    if (kn_parse_long(offset, -100000000L, 100000000L, &v) != KN_OK) {
        fprintf(stderr, "bad number for %s: %s\n", name, offset);
        return -1;
    }
    return json_object_set_new(payload, name, json_integer(now + v));
}

static json_t *sign_payload(const mint_opts *o)
{
    long long now = (long long)kn_now_s();
    json_t *p = json_pack("{s:s, s:s, s:s, s:I}", "iss", o->iss, "aud", o->aud, "client_id",
                          o->client_id, "iat", now);
    if (p && o->scope)
        json_object_set_new(p, "scope", json_string(o->scope));
    if (p && (put_time(p, "exp", o->exp_in, now) != 0 || put_time(p, "nbf", o->nbf_in, now) != 0)) {
        json_decref(p);
        return NULL;
    }
    return p;
}

static int cmd_sign(const mint_opts *o)
{
    if (!alg_ok(o->alg) || !o->key || !o->kid || !o->iss || !o->aud || !o->client_id) {
        fprintf(stderr, "sign needs --key --alg --kid --iss --aud --client-id\n");
        return 2;
    }
    EVP_PKEY *pkey = read_key(o->key);
    json_t *header = json_pack("{s:s, s:s, s:s}", "alg", o->alg, "typ", "JWT", "kid", o->kid);
    json_t *payload = sign_payload(o);
    char *token =
        pkey && header && payload ? mint_sign(pkey, o->alg, header, payload, o->tamper) : NULL;
    int rc = token ? 0 : 1;
    if (token)
        printf("%s\n", token);
    else
        fprintf(stderr, "sign failed (key %s)\n", pkey ? "ok" : "unreadable");
    free(token);
    json_decref(header);
    json_decref(payload);
    EVP_PKEY_free(pkey);
    return rc;
}

int main(int argc, char **argv)
{
    mint_opts o;
    if (argc < 2 || parse_opts(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: knute_test_jwt keygen|sign [options]\n");
        return 2;
    }
    if (strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(&o);
    if (strcmp(argv[1], "sign") == 0)
        return cmd_sign(&o);
    fprintf(stderr, "unknown command %s\n", argv[1]);
    return 2;
}

#endif
