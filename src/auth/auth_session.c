/* auth_session.c - password login with lock-out, browser sessions and CSRF.
 * A session cookie is 32 random bytes in base64url; the store keeps only its
 * SHA-256, so a leaked database does not leak live sessions. Every login
 * attempt is audited (auth.login: ok, denied or locked).
 */
#include "auth_internal.h"

#include "../audit/audit.h"
#include "../core/core_log.h"
#include "../core/core_util.h"

#include <sodium.h>
#include <string.h>

#define SESSION_SECRET_BYTES 32
#define SESSION_COOKIE_LEN 43 /* base64url of 32 bytes, no padding */
#define CSRF_BYTES 32

static const char login_denied[] = "wrong username or password";

/* auth.login: the user is the actor (empty id when the name is unknown). */
static void audit_login(auth_ctx *ctx, const char *user_id, const char *outcome,
                        const char *request_id)
{
    auth_principal who;
    memset(&who, 0, sizeof who);
    who.kind = AUTH_PRINCIPAL_USER;
    kn_strcpy(who.id, sizeof who.id, user_id ? user_id : "");
    store_audit ev;
    audit_event_init(&ev, &who, "auth.login", NULL, "user", who.id, request_id, outcome);
    kn_err aerr;
    kn_err_clear(&aerr);
    if (ctx->st->ops->audit_append(ctx->st, &ev, &aerr) != KN_OK)
        kn_log(KN_LOG_ERROR, "auth.audit_failed", "{s:s, s:s}", "action", "auth.login", "error",
               aerr.msg);
}

static int new_session(auth_ctx *ctx, const store_user *user, auth_session_token *out, kn_err *err)
{
    unsigned char secret[SESSION_SECRET_BYTES], csrf[CSRF_BYTES];
    kn_random(secret, sizeof secret);
    kn_random(csrf, sizeof csrf);
    kn_b64url_encode(secret, sizeof secret, out->cookie, sizeof out->cookie);
    kn_hex(csrf, sizeof csrf, out->csrf_token);
    sodium_memzero(secret, sizeof secret);
    store_session s;
    memset(&s, 0, sizeof s);
    auth_sha256_hex(out->cookie, s.token_hash);
    kn_strcpy(s.user_id, sizeof s.user_id, user->id);
    kn_strcpy(s.csrf_token, sizeof s.csrf_token, out->csrf_token);
    s.created_at = kn_now_s();
    s.expires_at = s.created_at + ctx->session_ttl_s;
    out->expires_at = s.expires_at;
    auth_principal_from_user(user, &out->principal);
    kn_strcpy(out->principal.csrf_token, sizeof out->principal.csrf_token, out->csrf_token);
    return ctx->st->ops->session_create(ctx->st, &s, err);
}

/* Password check for a found user: disabled, then lock-out, then the hash. */
static int check_user(auth_ctx *ctx, const store_user *user, const char *password,
                      const char *request_id, kn_err *err)
{
    int64_t now = kn_now_s();
    if (user->disabled) {
        auth_password_verify_dummy(password);
        audit_login(ctx, user->id, "denied", request_id);
        return kn_err_set(err, KN_EUNAUTH, "%s", login_denied);
    }
    if (user->locked_until > now) {
        char until[32];
        kn_time_format(user->locked_until, until, sizeof until);
        audit_login(ctx, user->id, "locked", request_id);
        return kn_err_set(err, KN_ELOCKED, "account locked until %s", until);
    }
    if (auth_password_verify(user->password_hash, password))
        return KN_OK;
    kn_err ferr;
    kn_err_clear(&ferr);
    if (ctx->st->ops->user_login_failed(ctx->st, user->id, ctx->lockout_threshold, now,
                                        ctx->lockout_s, &ferr) != KN_OK)
        kn_log(KN_LOG_ERROR, "auth.login_failed_not_recorded", "{s:s, s:s}", "user_id", user->id,
               "error", ferr.msg);
    audit_login(ctx, user->id, "denied", request_id);
    return kn_err_set(err, KN_EUNAUTH, "%s", login_denied);
}

/* The user named `username`, or KN_EUNAUTH after a dummy hash check. */
static int find_user(auth_ctx *ctx, const char *username, const char *password,
                     const char *request_id, store_user *user, kn_err *err)
{
    int rc = KN_ENOTFOUND;
    if (username && *username && strlen(username) < sizeof user->username)
        rc = ctx->st->ops->user_get_by_name(ctx->st, username, user, err);
    if (rc == KN_ENOTFOUND) {
        auth_password_verify_dummy(password);
        audit_login(ctx, NULL, "denied", request_id);
        return kn_err_set(err, KN_EUNAUTH, "%s", login_denied);
    }
    return rc;
}

int auth_login(auth_ctx *ctx, const char *username, const char *password, const char *request_id,
               auth_session_token *out, kn_err *err)
{
    store_user user;
    memset(&user, 0, sizeof user);
    memset(out, 0, sizeof *out);
    int rc = find_user(ctx, username, password, request_id, &user, err);
    if (rc == KN_OK)
        rc = check_user(ctx, &user, password, request_id, err);
    if (rc == KN_OK)
        rc = ctx->st->ops->user_login_succeeded(ctx->st, user.id, err);
    if (rc == KN_OK)
        rc = new_session(ctx, &user, out, err);
    if (rc != KN_OK) {
        sodium_memzero(out, sizeof *out);
        return rc;
    }
    audit_login(ctx, user.id, "ok", request_id);
    return KN_OK;
}

/* Session cookies have one exact shape; anything else is not looked up. */
static int cookie_well_formed(const char *cookie)
{
    return cookie && strnlen(cookie, SESSION_COOKIE_LEN + 1) == SESSION_COOKIE_LEN;
}

static int user_of_session(auth_ctx *ctx, const store_session *s, auth_principal *out, kn_err *err)
{
    store_user user;
    memset(&user, 0, sizeof user);
    int rc = ctx->st->ops->user_get(ctx->st, s->user_id, &user, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && user.disabled))
        return kn_err_set(err, KN_EUNAUTH, "user no longer active");
    if (rc != KN_OK)
        return rc;
    auth_principal_from_user(&user, out);
    kn_strcpy(out->csrf_token, sizeof out->csrf_token, s->csrf_token);
    return KN_OK;
}

int auth_session_principal(auth_ctx *ctx, const char *cookie, auth_principal *out, kn_err *err)
{
    if (!cookie_well_formed(cookie))
        return kn_err_set(err, KN_EUNAUTH, "no valid session");
    store_session s;
    memset(&s, 0, sizeof s);
    auth_sha256_hex(cookie, s.token_hash);
    int64_t now = kn_now_s();
    if (auth_cache_get(ctx->cache, s.token_hash, now, out))
        return KN_OK;
    int rc = ctx->st->ops->session_get(ctx->st, s.token_hash, &s, err);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_EUNAUTH, "no valid session");
    if (rc != KN_OK)
        return rc;
    if (s.expires_at <= now) {
        ctx->st->ops->session_delete(ctx->st, s.token_hash, NULL);
        return kn_err_set(err, KN_EUNAUTH, "session expired");
    }
    rc = user_of_session(ctx, &s, out, err);
    if (rc == KN_OK)
        auth_cache_put(ctx->cache, s.token_hash, out, now, s.expires_at);
    return rc;
}

int auth_logout(auth_ctx *ctx, const char *cookie, kn_err *err)
{
    if (!cookie_well_formed(cookie))
        return KN_OK;
    char hash[AUTH_SHA256_HEX_LEN];
    auth_sha256_hex(cookie, hash);
    auth_cache_remove(ctx->cache, hash);
    int rc = ctx->st->ops->session_delete(ctx->st, hash, err);
    if (rc == KN_ENOTFOUND) {
        kn_err_clear(err);
        return KN_OK;
    }
    return rc;
}

int auth_check_csrf(const auth_principal *p, const char *header_value, kn_err *err)
{
    if (p && p->kind == AUTH_PRINCIPAL_CLIENT)
        return KN_OK;
    if (!header_value || !*header_value)
        return kn_err_set(err, KN_EFORBIDDEN, "missing CSRF token");
    size_t want = p ? strnlen(p->csrf_token, sizeof p->csrf_token) : 0;
    if (want == 0 || strnlen(header_value, want + 1) != want ||
        !kn_ct_equal(p->csrf_token, header_value, want))
        return kn_err_set(err, KN_EFORBIDDEN, "CSRF token mismatch");
    return KN_OK;
}
