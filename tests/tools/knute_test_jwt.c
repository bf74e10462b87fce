/* knute_test_jwt.c - test tooling: mints signing keys, JWKS files and JWTs for
 * the black-box tests, standing in for an external issuer (HelseID style).
 *   keygen --alg RS256|PS256|ES256 --kid K --key-out key.pem --jwks-out jwks.json [--append]
 *   sign --key key.pem --alg A --kid K --iss I --aud A --client-id C [--scope "s1 s2"]
 *        [--exp-in S] [--nbf-in S] [--tamper]      (no --exp-in: no exp claim)
 * Only the command line lives here; the issuer itself is tests/support/test_jwt.c. */
#include "test_jwt.h"

#include "core/core_status.h"
#include "core/core_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int cmd_keygen(const mint_opts *o)
{
    if (!test_jwt_alg_known(o->alg) || !o->kid || !o->key_out || !o->jwks_out) {
        fprintf(stderr, "keygen needs --alg RS256|PS256|ES256 --kid --key-out --jwks-out\n");
        return 2;
    }
    EVP_PKEY *pkey = test_jwt_keygen(o->alg);
    json_t *jwk = pkey ? test_jwt_jwk(pkey, o->alg, o->kid) : NULL;
    int rc = jwk ? test_jwt_write_key(pkey, o->key_out) : -1;
    if (rc == 0)
        rc = test_jwt_jwks_add(o->jwks_out, jwk, o->append);
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

/* The claims from the options; exp and nbf are offsets from iat. */
static json_t *sign_payload(const mint_opts *o)
{
    json_t *p = test_jwt_claims(o->iss, o->aud, o->client_id, o->scope);
    long long now = (long long)json_integer_value(json_object_get(p, "iat"));
    if (p && (put_time(p, "exp", o->exp_in, now) != 0 || put_time(p, "nbf", o->nbf_in, now) != 0)) {
        json_decref(p);
        return NULL;
    }
    return p;
}

static int cmd_sign(const mint_opts *o)
{
    if (!test_jwt_alg_known(o->alg) || !o->key || !o->kid || !o->iss || !o->aud || !o->client_id) {
        fprintf(stderr, "sign needs --key --alg --kid --iss --aud --client-id\n");
        return 2;
    }
    EVP_PKEY *pkey = test_jwt_read_key(o->key);
    json_t *header = test_jwt_header(o->alg, o->kid);
    json_t *payload = sign_payload(o);
    char *token =
        pkey && header && payload ? test_jwt_sign(pkey, o->alg, header, payload, o->tamper) : NULL;
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
