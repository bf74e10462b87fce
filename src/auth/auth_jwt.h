/* auth_jwt.h - private to src/auth: JWKS key sets and compact-JWT verification.
 *
 * auth_jwks.c loads the configured JWKS file into OpenSSL keys; auth_jwt.c
 * checks a token's structure, alg and signature; auth_jwt_claims.c checks the
 * claims. auth_client.c maps the verified claims to a registered client.
 * Every verification failure is KN_EUNAUTH with a short reason in err.
 */
#ifndef KN_AUTH_JWT_H
#define KN_AUTH_JWT_H

#include "../core/core_err.h"
#include "../store/store.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_JWT_MAX_TOKEN 8192         /* longest compact token accepted */
#define AUTH_JWKS_MAX_FILE (256 * 1024) /* largest JWKS file read */
#define AUTH_JWKS_MAX_KEYS 32           /* most keys kept from one JWKS */
#define AUTH_JWK_KID_LEN 128

enum auth_jwk_kty { AUTH_JWK_RSA = 1, AUTH_JWK_EC_P256 };

typedef struct auth_jwk {
    char kid[AUTH_JWK_KID_LEN]; /* empty when the JWK has none */
    char alg[8];                /* the JWK's "alg" if given (then tokens must match), else empty */
    int kty;                    /* enum auth_jwk_kty */
    EVP_PKEY *pkey;             /* public key */
} auth_jwk;

typedef struct auth_jwks {
    size_t nkeys;
    auth_jwk keys[AUTH_JWKS_MAX_KEYS];
} auth_jwks;

/* Load {"keys":[...]} from path. Keys of unsupported types are skipped with a
 * log line; an unreadable/unparsable file, a broken supported key or a set with
 * no usable key is KN_ECONFIG. */
int auth_jwks_load(const char *path, auth_jwks **out, kn_err *err);
void auth_jwks_free(auth_jwks *jwks); /* NULL-safe */

/* The key for a token: by kid, or the only key when the token has no kid.
 * NULL when none fits. */
const auth_jwk *auth_jwks_find(const auth_jwks *jwks, const char *kid);

/* What a token must satisfy besides its signature. */
typedef struct auth_jwt_policy {
    const char *issuer;
    const char *audience;
    int64_t leeway_s;
    int64_t now; /* unix seconds */
} auth_jwt_policy;

/* What a verified token says about its bearer. */
typedef struct auth_jwt_claims {
    char client_id[STORE_NAME_LEN]; /* client_id claim, else sub */
    char scopes[STORE_SCOPES_LEN];  /* scope claim, space-separated */
    int64_t exp;                    /* exp claim (unix seconds) */
} auth_jwt_claims;

/* Verify a compact JWS (alg RS256/PS256/ES256 only) and its claims. */
int auth_jwt_verify(const auth_jwks *jwks, const auth_jwt_policy *policy, const char *token,
                    auth_jwt_claims *out, kn_err *err);

/* Check the claims of an already signature-verified payload (auth_jwt_claims.c). */
int auth_jwt_check_claims(const json_t *payload, const auth_jwt_policy *policy,
                          auth_jwt_claims *out, kn_err *err);

#endif
