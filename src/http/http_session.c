/* http_session.c - browser sessions: POST /api/v1/session (password login,
 * sets the HttpOnly session cookie and returns the CSRF token), GET (who am I)
 * and DELETE (log out, expire the cookie). The cookie value is a secret: it is
 * only ever put in Set-Cookie, never logged.
 */
#include "http_int.h"

#include "../core/core_util.h"

#include <stdio.h>
#include <string.h>

/* {"user":{id,username,display_name,grants},"csrf_token":..} for principal p. */
static int session_json(const http_req *req, const auth_principal *p, const char *csrf,
                        json_t **out, kn_err *err)
{
    store *st = req->env->app->st;
    store_user user;
    int rc = st->ops->user_get(st, p->id, &user, err);
    if (rc != KN_OK)
        return rc;
    *out = json_pack("{s:{s:s, s:s, s:s, s:o}, s:s}", "user", "id", user.id, "username",
                     user.username, "display_name", user.display_name, "grants",
                     http_grants_json(p->grants, p->ngrants), "csrf_token", csrf);
    return *out ? KN_OK : kn_err_set(err, KN_EINTERNAL, "cannot encode the session");
}

/* Set-Cookie for the session; an empty value with max_age 0 expires it. */
static int set_cookie(http_req *req, const char *value, int64_t max_age, kn_err *err)
{
    char cookie[256];
    int n = snprintf(cookie, sizeof cookie,
                     HTTP_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
                     value, (long long)(max_age > 0 ? max_age : 0),
                     req->env->secure_cookies ? "; Secure" : "");
    if (n < 0 || (size_t)n >= sizeof cookie ||
        http_reply_header(req, "Set-Cookie", cookie) != KN_OK)
        return kn_err_set(err, KN_EINTERNAL, "cannot set the session cookie");
    return KN_OK;
}

int http_h_session_create(http_req *req, kn_err *err)
{
    const char *username, *password;
    const http_field fields[] = {{"username", 1, 63, &username}, {"password", 1, 1024, &password}};
    int rc = http_body_fields(req, fields, 2, err);
    auth_session_token token;
    if (rc == KN_OK)
        rc = auth_login(req->env->app->auth, username, password, req->request_id, &token, err);
    if (rc != KN_OK)
        return rc;
    json_t *body = NULL;
    rc = session_json(req, &token.principal, token.csrf_token, &body, err);
    if (rc == KN_OK)
        rc = set_cookie(req, token.cookie, token.expires_at - kn_now_s(), err);
    explicit_bzero(&token, sizeof token);
    if (rc != KN_OK) {
        json_decref(body);
        return rc;
    }
    return http_reply_json(req, 200, body, err);
}

int http_h_session_get(http_req *req, kn_err *err)
{
    if (req->principal.kind != AUTH_PRINCIPAL_USER)
        return kn_err_set(err, KN_EFORBIDDEN, "sessions belong to users, not machine clients");
    json_t *body = NULL;
    int rc = session_json(req, &req->principal, req->principal.csrf_token, &body, err);
    return rc == KN_OK ? http_reply_json(req, 200, body, err) : rc;
}

int http_h_session_delete(http_req *req, kn_err *err)
{
    int rc = KN_OK;
    if (req->session_cookie)
        rc = auth_logout(req->env->app->auth, req->session_cookie, err);
    if (rc == KN_OK)
        rc = set_cookie(req, "", 0, err);
    if (rc == KN_OK)
        http_reply_empty(req, 204);
    return rc;
}
