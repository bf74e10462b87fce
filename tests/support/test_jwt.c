/* test_jwt.c - the stand-in JWT issuer behind test_jwt.h: OpenSSL keys, JWKs
 * built from their public numbers, JWKS files, and JWS signing (PKCS#1 v1.5,
 * PSS, and ECDSA turned from DER into the JWS r || s form). */
#include "test_jwt.h"

#include "core/core_buf.h"
#include "core/core_status.h"
#include "core/core_util.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_ec(const char *alg)
{
    return strcmp(alg, "ES256") == 0;
}

int test_jwt_alg_known(const char *alg)
{
    return alg && (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0 || is_ec(alg));
}

EVP_PKEY *test_jwt_keygen(const char *alg)
{
    if (is_ec(alg))
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

int test_jwt_write_key(EVP_PKEY *pkey, const char *path)
{
    FILE *f = fopen(path, "w");
    int ok = f && PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

EVP_PKEY *test_jwt_read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return pkey;
}

/* Set obj[name] to the base64url of a big number (left-padded to pad bytes if pad > 0). */
static int put_bn(json_t *obj, const char *name, EVP_PKEY *pkey, const char *param, int pad)
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

json_t *test_jwt_jwk(EVP_PKEY *pkey, const char *alg, const char *kid)
{
    json_t *jwk = json_pack("{s:s, s:s, s:s}", "kid", kid, "alg", alg, "use", "sig");
    int rc;
    if (is_ec(alg))
        rc = json_object_set_new(jwk, "kty", json_string("EC")) |
             json_object_set_new(jwk, "crv", json_string("P-256")) |
             put_bn(jwk, "x", pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32) |
             put_bn(jwk, "y", pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    else
        rc = json_object_set_new(jwk, "kty", json_string("RSA")) |
             put_bn(jwk, "n", pkey, OSSL_PKEY_PARAM_RSA_N, 0) |
             put_bn(jwk, "e", pkey, OSSL_PKEY_PARAM_RSA_E, 0);
    if (rc != 0) {
        json_decref(jwk);
        return NULL;
    }
    return jwk;
}

int test_jwt_jwks_add(const char *path, json_t *jwk, int append)
{
    json_t *root = append ? json_load_file(path, 0, NULL) : json_pack("{s:[]}", "keys");
    json_t *keys = json_object_get(root, "keys");
    int rc = json_is_array(keys) ? json_array_append_new(keys, jwk) : (json_decref(jwk), -1);
    if (rc == 0)
        rc = json_dump_file(root, path, JSON_INDENT(2));
    json_decref(root);
    return rc;
}

json_t *test_jwt_header(const char *alg, const char *kid)
{
    return kid ? json_pack("{s:s, s:s, s:s}", "alg", alg, "typ", "JWT", "kid", kid)
               : json_pack("{s:s}", "alg", alg);
}

json_t *test_jwt_claims(const char *iss, const char *aud, const char *client_id, const char *scope)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:I}", "iss", iss, "aud", aud, "client_id", client_id,
                          "iat", (json_int_t)kn_now_s());
    if (p && scope && json_object_set_new(p, "scope", json_string(scope)) != 0) {
        json_decref(p);
        return NULL;
    }
    return p;
}

/* Append the base64url of n bytes to buf. */
static int append_b64(kn_buf *buf, const void *bytes, size_t n)
{
    char b64[TEST_JWT_MAX_TOKEN];
    if (kn_b64url_encode(bytes, n, b64, sizeof b64) != KN_OK)
        return KN_ETOOLARGE;
    return kn_buf_puts(buf, b64);
}

static int append_json(kn_buf *buf, const json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    int rc = text ? append_b64(buf, text, strlen(text)) : KN_ENOMEM;
    free(text);
    return rc;
}

/* buf = base64url(header) "." base64url(payload): the JWS signing input. */
static int signing_input(kn_buf *buf, const json_t *header, const json_t *payload)
{
    kn_buf_init(buf, TEST_JWT_MAX_TOKEN);
    int rc = append_json(buf, header);
    if (rc == KN_OK && (rc = kn_buf_puts(buf, ".")) == KN_OK)
        rc = append_json(buf, payload);
    return rc;
}

/* DER ECDSA signature -> JWS r || s (64 bytes). */
static int der_to_raw(unsigned char *sig, size_t *len)
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

/* Sign msg with pkey under alg into sig (*len bytes in, signature length out); JWS form. */
static int signature(EVP_PKEY *pkey, const char *alg, const char *msg, unsigned char *sig,
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
    if (ok && is_ec(alg))
        ok = der_to_raw(sig, len) == 0;
    return ok ? 0 : -1;
}

/* The malloc'd text of buf when rc is KN_OK; otherwise buf is released and NULL. */
static char *finish(kn_buf *buf, int rc)
{
    if (rc != KN_OK) {
        kn_buf_release(buf);
        return NULL;
    }
    return kn_buf_detach(buf, NULL);
}

char *test_jwt_sign(EVP_PKEY *pkey, const char *sign_alg, const json_t *header,
                    const json_t *payload, int tamper)
{
    kn_buf buf;
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    int rc = signing_input(&buf, header, payload);
    if (rc == KN_OK)
        rc = signature(pkey, sign_alg, buf.data, sig, &sig_len) == 0 ? KN_OK : KN_EINTERNAL;
    if (rc == KN_OK && tamper)
        sig[sig_len / 2] ^= 0x01;
    if (rc == KN_OK && (rc = kn_buf_puts(&buf, ".")) == KN_OK)
        rc = append_b64(&buf, sig, sig_len);
    return finish(&buf, rc);
}

char *test_jwt_unsigned(const json_t *header, const json_t *payload)
{
    kn_buf buf;
    int rc = signing_input(&buf, header, payload);
    if (rc == KN_OK)
        rc = kn_buf_puts(&buf, ".");
    return finish(&buf, rc);
}
