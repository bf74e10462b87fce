/* auth_ctx.c - creating and freeing the auth context: settings with their
 * defaults, the borrowed store, and the JWKS loaded once at start-up. The
 * context is immutable afterwards, so request threads share it freely.
 */
#include "auth_internal.h"

#include "../core/core_util.h"

#include <stdlib.h>

#define DEFAULT_LEEWAY_S 30
#define DEFAULT_SESSION_TTL_S (8 * 3600)
#define DEFAULT_LOCKOUT_THRESHOLD 5
#define DEFAULT_LOCKOUT_S (15 * 60)
#define MAX_LEEWAY_S 3600
#define AUTH_CACHE_SLOTS 4096

/* Zero (an unset field) or less means the default. */
static int64_t or_default(int64_t value, int64_t fallback)
{
    return value > 0 ? value : fallback;
}

static int apply_settings(auth_ctx *ctx, const auth_settings *s, kn_err *err)
{
    if (s->jwt_leeway_s > MAX_LEEWAY_S)
        return kn_err_set(err, KN_ECONFIG, "jwt_leeway_s must be at most %d", MAX_LEEWAY_S);
    ctx->leeway_s = s->jwt_leeway_s >= 0 ? s->jwt_leeway_s : DEFAULT_LEEWAY_S;
    ctx->session_ttl_s = or_default(s->session_ttl_s, DEFAULT_SESSION_TTL_S);
    ctx->lockout_threshold = (int)or_default(s->lockout_threshold, DEFAULT_LOCKOUT_THRESHOLD);
    ctx->lockout_s = or_default(s->lockout_s, DEFAULT_LOCKOUT_S);
    if (!s->jwks_file || !*s->jwks_file)
        return KN_OK;
    if (!s->jwt_issuer || !*s->jwt_issuer)
        return kn_err_set(err, KN_ECONFIG, "jwt_issuer is required when jwks_file is set");
    if (!s->jwt_audience || !*s->jwt_audience)
        return kn_err_set(err, KN_ECONFIG, "jwt_audience is required when jwks_file is set");
    if (kn_strcpy(ctx->issuer, sizeof ctx->issuer, s->jwt_issuer) != KN_OK)
        return kn_err_set(err, KN_ECONFIG, "jwt_issuer is too long");
    if (kn_strcpy(ctx->audience, sizeof ctx->audience, s->jwt_audience) != KN_OK)
        return kn_err_set(err, KN_ECONFIG, "jwt_audience is too long");
    return auth_jwks_load(s->jwks_file, &ctx->jwks, err);
}

int auth_ctx_new(store *st, const auth_settings *settings, auth_ctx **out, kn_err *err)
{
    if (kn_util_init() != KN_OK)
        return kn_err_set(err, KN_EINTERNAL, "libsodium initialisation failed");
    auth_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return kn_err_set(err, KN_ENOMEM, "out of memory");
    ctx->st = st;
    auth_settings none = {0};
    if (!settings)
        settings = &none;
    int rc = apply_settings(ctx, settings, err);
    if (rc == KN_OK)
        rc = auth_cache_new(AUTH_CACHE_SLOTS, settings->cache_ttl_s, &ctx->cache, err);
    if (rc != KN_OK) {
        auth_ctx_free(ctx);
        return rc;
    }
    *out = ctx;
    return KN_OK;
}

void auth_ctx_free(auth_ctx *ctx)
{
    if (!ctx)
        return;
    auth_jwks_free(ctx->jwks);
    auth_cache_free(ctx->cache);
    free(ctx);
}
