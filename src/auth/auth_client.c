/* auth_client.c - machine clients: resolving "Authorization: Bearer" values
 * (a JWT via auth_jwt.c, otherwise an API key looked up by its SHA-256) into
 * principals, and registering API-key and JWT clients. API keys are
 * "knk_" + 43 base64url characters; only their hash is ever stored.
 */
#include "auth_internal.h"

#include "../core/core_util.h"

#include <sodium.h>
#include <string.h>

#define APIKEY_PREFIX "knk_"
#define APIKEY_PREFIX_LEN 4
#define APIKEY_SECRET_BYTES 32
#define APIKEY_B64_LEN 43 /* base64url of 32 bytes, no padding */

static int count_dots(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '.';
    return n;
}

static int is_b64url(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static int apikey_well_formed(const char *key)
{
    return strlen(key) == APIKEY_PREFIX_LEN + APIKEY_B64_LEN &&
           strncmp(key, APIKEY_PREFIX, APIKEY_PREFIX_LEN) == 0 &&
           is_b64url(key + APIKEY_PREFIX_LEN, APIKEY_B64_LEN);
}

/* Look up a client; ENOTFOUND becomes KN_EUNAUTH with `unknown`, other store
 * failures pass through. Then check kind and disabled. */
static int client_usable(int rc, const store_client *c, int kind, const char *unknown, kn_err *err)
{
    if (rc == KN_ENOTFOUND || (rc == KN_OK && c->kind != kind))
        return kn_err_set(err, KN_EUNAUTH, "%s", unknown);
    if (rc != KN_OK)
        return rc;
    if (c->disabled)
        return kn_err_set(err, KN_EUNAUTH, "client disabled");
    return KN_OK;
}

static int apikey_principal(auth_ctx *ctx, const char *key, auth_principal *out, kn_err *err)
{
    if (!apikey_well_formed(key))
        return kn_err_set(err, KN_EUNAUTH, "invalid API key");
    char hash[AUTH_SHA256_HEX_LEN];
    auth_sha256_hex(key, hash);
    int64_t now = kn_now_s();
    if (auth_cache_get(ctx->cache, hash, now, out))
        return KN_OK;
    store_client client;
    memset(&client, 0, sizeof client);
    int rc = ctx->st->ops->client_get_by_key_hash(ctx->st, hash, &client, err);
    rc = client_usable(rc, &client, STORE_CLIENT_APIKEY, "invalid API key", err);
    if (rc != KN_OK)
        return rc;
    auth_principal_from_client(&client, out);
    kn_strcpy(out->scopes, sizeof out->scopes, client.scopes);
    auth_cache_put(ctx->cache, hash, out, now, 0);
    return KN_OK;
}

static int jwt_principal(auth_ctx *ctx, const char *token, auth_principal *out, kn_err *err)
{
    if (!ctx->jwks)
        return kn_err_set(err, KN_EUNAUTH, "JWT bearer tokens are not configured");
    char hash[AUTH_SHA256_HEX_LEN];
    auth_sha256_hex(token, hash);
    int64_t now = kn_now_s();
    if (auth_cache_get(ctx->cache, hash, now, out))
        return KN_OK;
    auth_jwt_policy policy = {ctx->issuer, ctx->audience, ctx->leeway_s, now};
    auth_jwt_claims claims;
    memset(&claims, 0, sizeof claims);
    int rc = auth_jwt_verify(ctx->jwks, &policy, token, &claims, err);
    if (rc != KN_OK)
        return rc;
    store_client client;
    memset(&client, 0, sizeof client);
    rc = ctx->st->ops->client_get_by_jwt_id(ctx->st, claims.client_id, &client, err);
    rc = client_usable(rc, &client, STORE_CLIENT_JWT, "unknown client", err);
    if (rc != KN_OK)
        return rc;
    auth_principal_from_client(&client, out);
    kn_strcpy(out->scopes, sizeof out->scopes, claims.scopes);
    auth_cache_put(ctx->cache, hash, out, now, claims.exp);
    return KN_OK;
}

int auth_bearer_principal(auth_ctx *ctx, const char *token, auth_principal *out, kn_err *err)
{
    if (!token || !*token)
        return kn_err_set(err, KN_EUNAUTH, "missing bearer token");
    if (strnlen(token, AUTH_JWT_MAX_TOKEN + 1) > AUTH_JWT_MAX_TOKEN)
        return kn_err_set(err, KN_EUNAUTH, "token too long");
    if (count_dots(token) == 2)
        return jwt_principal(ctx, token, out, err);
    return apikey_principal(ctx, token, out, err);
}

int auth_client_add_apikey(store *st, store_client *client, char key_out[64], kn_err *err)
{
    unsigned char secret[APIKEY_SECRET_BYTES];
    char key[64] = APIKEY_PREFIX;
    kn_random(secret, sizeof secret);
    int rc = kn_b64url_encode(secret, sizeof secret, key + APIKEY_PREFIX_LEN,
                              sizeof key - APIKEY_PREFIX_LEN);
    sodium_memzero(secret, sizeof secret);
    if (rc != KN_OK)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode API key");
    client->kind = STORE_CLIENT_APIKEY;
    client->jwt_client_id[0] = '\0';
    auth_sha256_hex(key, client->key_hash);
    rc = st->ops->client_create(st, client, err);
    if (rc == KN_OK)
        memcpy(key_out, key, sizeof key);
    sodium_memzero(key, sizeof key);
    return rc;
}

int auth_client_add_jwt(store *st, store_client *client, kn_err *err)
{
    if (!client->jwt_client_id[0])
        return kn_err_set(err, KN_EINVAL, "a JWT client needs its client_id");
    client->kind = STORE_CLIENT_JWT;
    client->key_hash[0] = '\0';
    return st->ops->client_create(st, client, err);
}
