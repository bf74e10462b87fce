/* test_jwt.h - a stand-in JWT issuer for tests: signing keys (RS256, PS256,
 * ES256), their public JWKs and JWKS files, and compact JWS tokens, optionally
 * tampered with. Shared by tests/tools/knute_test_jwt.c (black-box suites) and
 * the unit tests (tests/support/ is linked into both). */
#ifndef KN_TEST_JWT_H
#define KN_TEST_JWT_H

#include <jansson.h>
#include <openssl/evp.h>

#define TEST_JWT_MAX_TOKEN 16384

/* 1 for the algorithms this issuer can sign with: RS256, PS256, ES256. */
int test_jwt_alg_known(const char *alg);

/* A new key pair for alg: RSA-2048 for RS256/PS256, P-256 for ES256; NULL on failure. */
EVP_PKEY *test_jwt_keygen(const char *alg);

/* PEM private key files: 0 / -1, and the key or NULL. */
int test_jwt_write_key(EVP_PKEY *pkey, const char *path);
EVP_PKEY *test_jwt_read_key(const char *path);

/* The public JWK of pkey ({kid, alg, use, kty, ...}), or NULL. */
json_t *test_jwt_jwk(EVP_PKEY *pkey, const char *alg, const char *kid);

/* Add jwk (reference taken) to the JWKS file at path, replacing the file
 * unless append. 0 / -1. */
int test_jwt_jwks_add(const char *path, json_t *jwk, int append);

/* {"alg", "typ": "JWT", "kid"}; just {"alg"} when kid is NULL. */
json_t *test_jwt_header(const char *alg, const char *kid);

/* {"iss", "aud", "client_id", "iat": now} plus "scope" when scope is not NULL. */
json_t *test_jwt_claims(const char *iss, const char *aud, const char *client_id, const char *scope);

/* The compact JWS of header.payload signed by pkey under sign_alg (the header
 * may claim another alg: tests use that); tamper flips a signature bit.
 * A malloc'd string, or NULL. */
char *test_jwt_sign(EVP_PKEY *pkey, const char *sign_alg, const json_t *header,
                    const json_t *payload, int tamper);

/* "header.payload." with an empty signature, as an alg-none attacker sends it.
 * A malloc'd string, or NULL. */
char *test_jwt_unsigned(const json_t *header, const json_t *payload);

#endif
