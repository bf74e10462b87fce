/* auth_jwt.c - verifying a compact JWS bearer token: structure, header (alg
 * must be RS256, PS256 or ES256; kid picks the JWKS key) and signature with
 * OpenSSL EVP, then hands the payload to auth_jwt_check_claims(). Nothing in
 * the payload is trusted before the signature has been verified.
 */
#include "auth_jwt.h"

#include "../core/core_util.h"

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <string.h>

#define JWT_MAX_JSON 6144 /* a segment of an 8 KiB token decodes to at most 6 KiB */
#define JWT_MAX_SIG 1024  /* RSA-8192 */

/* The three dot-separated segments of a token, still base64url. */
typedef struct jwt_segments {
    const char *part[3];
    size_t len[3];
    size_t signed_len; /* length of "header.payload", the signing input */
} jwt_segments;

static int split_token(const char *token, jwt_segments *seg)
{
    const char *p = token;
    for (int i = 0; i < 3; i++) {
        size_t len = strcspn(p, ".");
        seg->part[i] = p;
        seg->len[i] = len;
        if ((i < 2 && p[len] != '.') || (i == 2 && p[len] != '\0'))
            return KN_EINVAL;
        p += len + 1;
    }
    seg->signed_len = seg->len[0] + 1 + seg->len[1];
    return KN_OK;
}

/* Decode one segment and parse it as a JSON object. NULL on any failure. */
static json_t *segment_json(const char *b64, size_t len)
{
    unsigned char raw[JWT_MAX_JSON];
    size_t n = 0;
    if (len == 0 || kn_b64url_decode(b64, len, raw, sizeof raw, &n) != KN_OK)
        return NULL;
    json_t *obj = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    if (obj && !json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static int alg_supported(const char *alg)
{
    return alg &&
           (strcmp(alg, "RS256") == 0 || strcmp(alg, "PS256") == 0 || strcmp(alg, "ES256") == 0);
}

static int alg_fits_key(const char *alg, const auth_jwk *key)
{
    if (key->alg[0] && strcmp(key->alg, alg) != 0)
        return 0;
    return key->kty == (strcmp(alg, "ES256") == 0 ? AUTH_JWK_EC_P256 : AUTH_JWK_RSA);
}

/* Check the header and find the key; *alg_out points into header. */
static int header_key(const json_t *header, const auth_jwks *jwks, const char **alg_out,
                      const auth_jwk **key_out, kn_err *err)
{
    const char *alg = json_string_value(json_object_get(header, "alg"));
    const json_t *kid = json_object_get(header, "kid");
    if (!alg_supported(alg))
        return kn_err_set(err, KN_EUNAUTH, "unsupported alg");
    if (json_object_get(header, "crit"))
        return kn_err_set(err, KN_EUNAUTH, "unsupported crit header");
    if (kid && !json_is_string(kid))
        return kn_err_set(err, KN_EUNAUTH, "malformed token");
    const auth_jwk *key = auth_jwks_find(jwks, kid ? json_string_value(kid) : NULL);
    if (!key)
        return kn_err_set(err, KN_EUNAUTH, "unknown key id");
    if (!alg_fits_key(alg, key))
        return kn_err_set(err, KN_EUNAUTH, "unsupported alg for this key");
    *alg_out = alg;
    *key_out = key;
    return KN_OK;
}

/* JWS ES256 signatures are r || s (32 bytes each); EVP wants DER. */
static int es256_to_der(const unsigned char *sig, size_t len, unsigned char *der, size_t cap,
                        size_t *der_len)
{
    if (len != 64)
        return KN_EINVAL;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL);
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return KN_ENOMEM;
    }
    int n = i2d_ECDSA_SIG(es, NULL);
    unsigned char *p = der;
    int rc = (n > 0 && (size_t)n <= cap && i2d_ECDSA_SIG(es, &p) == n) ? KN_OK : KN_EINVAL;
    *der_len = rc == KN_OK ? (size_t)n : 0;
    ECDSA_SIG_free(es);
    return rc;
}

static int set_pss(EVP_PKEY_CTX *pctx)
{
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
}

/* 1 when sig is a valid signature of msg by key under alg. */
static int signature_ok(const auth_jwk *key, const char *alg, const char *msg, size_t msg_len,
                        const unsigned char *sig, size_t sig_len)
{
    unsigned char der[80];
    if (key->kty == AUTH_JWK_EC_P256) {
        if (es256_to_der(sig, sig_len, der, sizeof der, &sig_len) != KN_OK)
            return 0;
        sig = der;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = md && EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key->pkey) == 1 &&
             (strcmp(alg, "PS256") != 0 || set_pss(pctx)) &&
             EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)msg, msg_len) == 1;
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return ok;
}

static int verify_signature(const jwt_segments *seg, const auth_jwk *key, const char *alg,
                            kn_err *err)
{
    unsigned char sig[JWT_MAX_SIG];
    size_t sig_len = 0;
    if (seg->len[2] == 0 ||
        kn_b64url_decode(seg->part[2], seg->len[2], sig, sizeof sig, &sig_len) != KN_OK)
        return kn_err_set(err, KN_EUNAUTH, "malformed token");
    if (!signature_ok(key, alg, seg->part[0], seg->signed_len, sig, sig_len))
        return kn_err_set(err, KN_EUNAUTH, "bad signature");
    return KN_OK;
}

/* Header and signature; the header JSON is freed here. */
static int verify_jws(const auth_jwks *jwks, const jwt_segments *seg, kn_err *err)
{
    json_t *header = segment_json(seg->part[0], seg->len[0]);
    if (!header)
        return kn_err_set(err, KN_EUNAUTH, "malformed token");
    const char *alg = NULL;
    const auth_jwk *key = NULL;
    int rc = header_key(header, jwks, &alg, &key, err);
    if (rc == KN_OK)
        rc = verify_signature(seg, key, alg, err);
    json_decref(header);
    return rc;
}

int auth_jwt_verify(const auth_jwks *jwks, const auth_jwt_policy *policy, const char *token,
                    auth_jwt_claims *out, kn_err *err)
{
    jwt_segments seg;
    if (strnlen(token, AUTH_JWT_MAX_TOKEN + 1) > AUTH_JWT_MAX_TOKEN)
        return kn_err_set(err, KN_EUNAUTH, "token too long");
    if (split_token(token, &seg) != KN_OK)
        return kn_err_set(err, KN_EUNAUTH, "malformed token");
    int rc = verify_jws(jwks, &seg, err);
    if (rc != KN_OK)
        return rc;
    json_t *payload = segment_json(seg.part[1], seg.len[1]);
    if (!payload)
        return kn_err_set(err, KN_EUNAUTH, "malformed token");
    rc = auth_jwt_check_claims(payload, policy, out, err);
    json_decref(payload);
    return rc;
}
