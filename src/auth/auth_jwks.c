/* auth_jwks.c - loading the configured JWKS file ({"keys":[...]}) into OpenSSL
 * public keys once at start-up: RSA keys (for RS256/PS256) from n/e, EC P-256
 * keys (for ES256) from x/y. Keys of other types are skipped with a log line;
 * anything broken is a configuration error, so a bad file fails start-up.
 */
#include "auth_jwt.h"

#include "../core/core_buf.h"
#include "../core/core_log.h"
#include "../core/core_util.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWK_SKIPPED 1 /* jwk_load(): a valid JWK we do not use */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BYTES 1024 /* 8192-bit modulus */

static int read_file(const char *path, kn_buf *buf, kn_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kn_err_set(err, KN_ECONFIG, "cannot open JWKS file %s: %s", path, strerror(errno));
    char chunk[4096];
    size_t n;
    int rc = KN_OK;
    while (rc == KN_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = kn_buf_append(buf, chunk, n);
    if (rc == KN_OK && ferror(f))
        rc = kn_err_set(err, KN_ECONFIG, "cannot read JWKS file %s", path);
    else if (rc != KN_OK)
        rc = kn_err_set(err, KN_ECONFIG, "JWKS file %s is larger than %d bytes", path,
                        AUTH_JWKS_MAX_FILE);
    fclose(f);
    return rc;
}

/* Decode the base64url string member `name` of jwk into out. */
static int jwk_bytes(const json_t *jwk, const char *name, unsigned char *out, size_t cap,
                     size_t *len)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    if (!s || !*s)
        return KN_EINVAL;
    return kn_b64url_decode(s, strlen(s), out, cap, len);
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    if (pctx && EVP_PKEY_fromdata_init(pctx) == 1)
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(pctx);
    return pkey;
}

static EVP_PKEY *rsa_from_ne(const unsigned char *n, size_t nlen, const unsigned char *e,
                             size_t elen)
{
    BIGNUM *bn_n = BN_bin2bn(n, (int)nlen, NULL);
    BIGNUM *bn_e = BN_bin2bn(e, (int)elen, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY *pkey = params ? pkey_from_params("RSA", params) : NULL;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pkey;
}

static int rsa_load(const json_t *jwk, auth_jwk *out, kn_err *err)
{
    unsigned char n[RSA_MAX_BYTES], e[8];
    size_t nlen = 0, elen = 0;
    if (jwk_bytes(jwk, "n", n, sizeof n, &nlen) != KN_OK ||
        jwk_bytes(jwk, "e", e, sizeof e, &elen) != KN_OK)
        return kn_err_set(err, KN_ECONFIG, "JWKS key '%s': RSA key needs base64url n and e",
                          out->kid);
    out->pkey = rsa_from_ne(n, nlen, e, elen);
    if (!out->pkey)
        return kn_err_set(err, KN_ECONFIG, "JWKS key '%s': invalid RSA key", out->kid);
    if (EVP_PKEY_get_bits(out->pkey) < RSA_MIN_BITS)
        return kn_err_set(err, KN_ECONFIG, "JWKS key '%s': RSA key shorter than %d bits", out->kid,
                          RSA_MIN_BITS);
    out->kty = AUTH_JWK_RSA;
    return KN_OK;
}

static int ec_load(const json_t *jwk, auth_jwk *out, kn_err *err)
{
    unsigned char point[65]; /* uncompressed: 0x04 || x || y */
    size_t xlen = 0, ylen = 0;
    point[0] = 0x04;
    if (jwk_bytes(jwk, "x", point + 1, 32, &xlen) != KN_OK ||
        jwk_bytes(jwk, "y", point + 33, 32, &ylen) != KN_OK || xlen != 32 || ylen != 32)
        return kn_err_set(err, KN_ECONFIG, "JWKS key '%s': P-256 key needs 32-byte x and y",
                          out->kid);
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_construct_end(),
    };
    out->pkey = pkey_from_params("EC", params);
    if (!out->pkey)
        return kn_err_set(err, KN_ECONFIG, "JWKS key '%s': invalid P-256 key", out->kid);
    out->kty = AUTH_JWK_EC_P256;
    return KN_OK;
}

static int skip_key(const char *kid, const char *why)
{
    kn_log(KN_LOG_WARN, "auth.jwks.key_skipped", "{s:s, s:s}", "kid", kid, "reason", why);
    return JWK_SKIPPED;
}

/* Which loader fits the key, or a reason to skip it. */
static int jwk_dispatch(const json_t *jwk, auth_jwk *out, kn_err *err)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const char *alg = out->alg;
    if (!kty)
        return kn_err_set(err, KN_ECONFIG, "JWKS key '%s' has no kty", out->kid);
    if (strcmp(kty, "RSA") == 0) {
        if (*alg && strcmp(alg, "RS256") != 0 && strcmp(alg, "PS256") != 0)
            return skip_key(out->kid, "unsupported alg");
        return rsa_load(jwk, out, err);
    }
    if (strcmp(kty, "EC") == 0) {
        if (!crv || strcmp(crv, "P-256") != 0)
            return skip_key(out->kid, "unsupported curve");
        if (*alg && strcmp(alg, "ES256") != 0)
            return skip_key(out->kid, "unsupported alg");
        return ec_load(jwk, out, err);
    }
    return skip_key(out->kid, "unsupported kty");
}

static int jwk_load(const json_t *jwk, auth_jwk *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(jwk))
        return kn_err_set(err, KN_ECONFIG, "JWKS keys must be objects");
    const json_t *kid = json_object_get(jwk, "kid");
    const json_t *alg = json_object_get(jwk, "alg");
    const char *use = json_string_value(json_object_get(jwk, "use"));
    if ((kid && !json_is_string(kid)) ||
        kn_strcpy(out->kid, sizeof out->kid, kid ? json_string_value(kid) : "") != KN_OK)
        return kn_err_set(err, KN_ECONFIG, "JWKS key has a bad kid");
    if (alg && (!json_is_string(alg) ||
                kn_strcpy(out->alg, sizeof out->alg, json_string_value(alg)) != KN_OK))
        return skip_key(out->kid, "unsupported alg");
    if (use && strcmp(use, "sig") != 0)
        return skip_key(out->kid, "not a signing key");
    return jwk_dispatch(jwk, out, err);
}

static int jwks_from_json(const json_t *root, auth_jwks *jwks, kn_err *err)
{
    const json_t *keys = json_object_get(root, "keys");
    if (!json_is_array(keys))
        return kn_err_set(err, KN_ECONFIG, "JWKS file has no \"keys\" array");
    if (json_array_size(keys) > AUTH_JWKS_MAX_KEYS)
        return kn_err_set(err, KN_ECONFIG, "JWKS file has more than %d keys", AUTH_JWKS_MAX_KEYS);
    for (size_t i = 0; i < json_array_size(keys); i++) {
        int rc = jwk_load(json_array_get(keys, i), &jwks->keys[jwks->nkeys], err);
        if (rc < 0)
            return rc;
        if (rc == KN_OK)
            jwks->nkeys++;
    }
    if (jwks->nkeys == 0)
        return kn_err_set(err, KN_ECONFIG, "JWKS file has no usable key");
    return KN_OK;
}

static int jwks_parse(const char *path, const kn_buf *buf, auth_jwks *jwks, kn_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(buf->data ? buf->data : "", buf->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return kn_err_set(err, KN_ECONFIG, "JWKS file %s is not valid JSON (line %d)", path,
                          jerr.line);
    int rc = jwks_from_json(root, jwks, err);
    json_decref(root);
    if (rc == KN_OK)
        kn_log(KN_LOG_INFO, "auth.jwks.loaded", "{s:i}", "keys", (int)jwks->nkeys);
    return rc;
}

int auth_jwks_load(const char *path, auth_jwks **out, kn_err *err)
{
    auth_jwks *jwks = calloc(1, sizeof *jwks);
    if (!jwks)
        return kn_err_set(err, KN_ENOMEM, "out of memory");
    kn_buf buf;
    kn_buf_init(&buf, AUTH_JWKS_MAX_FILE);
    int rc = read_file(path, &buf, err);
    if (rc == KN_OK)
        rc = jwks_parse(path, &buf, jwks, err);
    kn_buf_release(&buf);
    if (rc != KN_OK) {
        auth_jwks_free(jwks);
        return rc;
    }
    *out = jwks;
    return KN_OK;
}

void auth_jwks_free(auth_jwks *jwks)
{
    if (!jwks)
        return;
    for (size_t i = 0; i < AUTH_JWKS_MAX_KEYS; i++)
        EVP_PKEY_free(jwks->keys[i].pkey);
    free(jwks);
}

const auth_jwk *auth_jwks_find(const auth_jwks *jwks, const char *kid)
{
    if (!jwks)
        return NULL;
    if (!kid)
        return jwks->nkeys == 1 ? &jwks->keys[0] : NULL;
    for (size_t i = 0; i < jwks->nkeys; i++) {
        if (strcmp(jwks->keys[i].kid, kid) == 0)
            return &jwks->keys[i];
    }
    return NULL;
}
