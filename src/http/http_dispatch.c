/* http_dispatch.c - the request pipeline every route goes through, in order:
 * route (404/405) -> body size (413) -> authentication (401) -> CSRF (403) ->
 * media type (415) -> JSON parse (400) -> auth_require (403) -> handler.
 * FHIR routes (HTTP_BODY_FHIR, /fhir/, /epj/) skip the jansson parse (their
 * handler parses with fhir_json) and fail with an OperationOutcome.
 * The first five run on the headers alone, so a refused request's body is
 * never read. Each stage returns a status with err filled; the first failure
 * becomes the problem reply.
 */
#include "http_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <string.h>
#include <strings.h>

typedef int (*stage_fn)(http_req *req, kn_err *err);

static const http_route *route_of(const http_req *req)
{
    return req->match.route;
}

static int method_is(const http_req *req, const char *method)
{
    return strcmp(req->method, method) == 0;
}

static int stage_route(http_req *req, kn_err *err)
{
    size_t n;
    const http_route *table = http_routes(&n);
    if (req->bad_raw_path)
        return kn_err_set(err, KN_EINVAL, "the path holds an encoded NUL byte");
    int rc = http_route_find(table, n, req->method, req->path, &req->match);
    if (rc == KN_OK) {
        req->route_label = req->match.route->pattern;
        return KN_OK;
    }
    if (rc == KN_ENOTFOUND && http_path_is_static(req->path)) {
        req->route_label = "static";
        if (method_is(req, "GET") || method_is(req, "HEAD"))
            return KN_OK;
        kn_strcpy(req->match.allow, sizeof req->match.allow, "GET, HEAD");
        return kn_err_set(err, KN_EMETHOD, "static files answer GET and HEAD only");
    }
    if (rc == KN_EMETHOD)
        return kn_err_set(err, rc, "the method is not allowed here; see the Allow header");
    return kn_err_set(err, KN_ENOTFOUND, "no such resource");
}

static int stage_size(http_req *req, kn_err *err)
{
    const http_route *r = route_of(req);
    long cfg_max = req->env->app->cfg->max_body_bytes;
    req->body_limit = r && r->max_body ? r->max_body : (size_t)(cfg_max > 0 ? cfg_max : 0);
    kn_buf_init(&req->body, req->body_limit);
    const char *length = http_req_header(req, "Content-Length");
    long declared = 0;
    if (length && kn_parse_long(length, 0, LONG_MAX, &declared) == KN_OK &&
        (size_t)declared > req->body_limit)
        return kn_err_set(err, KN_ETOOLARGE, "the request body exceeds %zu bytes", req->body_limit);
    return KN_OK;
}

/* The token of "Authorization: Bearer <token>", or NULL for other schemes. */
static const char *bearer_token(const char *authorization)
{
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    return *token ? token : NULL;
}

static int stage_authenticate(http_req *req, kn_err *err)
{
    const http_route *r = route_of(req);
    if (!r || r->auth == HTTP_AUTH_NONE)
        return KN_OK;
    auth_ctx *auth = req->env->app->auth;
    const char *authorization = http_req_header(req, "Authorization");
    const char *cookie = http_req_cookie(req, HTTP_SESSION_COOKIE);
    int rc;
    if (authorization) {
        const char *token = bearer_token(authorization);
        if (!token)
            return kn_err_set(err, KN_EUNAUTH, "the Authorization header must use Bearer");
        rc = auth_bearer_principal(auth, token, &req->principal, err);
    } else if (cookie && *cookie) {
        rc = auth_session_principal(auth, cookie, &req->principal, err);
        req->session_cookie = rc == KN_OK ? cookie : NULL;
    } else {
        return kn_err_set(err, KN_EUNAUTH, "authentication required");
    }
    req->authenticated = rc == KN_OK;
    return rc;
}

static int stage_csrf(http_req *req, kn_err *err)
{
    if (!req->session_cookie || method_is(req, "GET") || method_is(req, "HEAD") ||
        method_is(req, "OPTIONS"))
        return KN_OK;
    const char *token = http_req_header(req, "X-CSRF-Token");
    return auth_check_csrf(&req->principal, token ? token : "", err);
}

static int stage_media_type(http_req *req, kn_err *err)
{
    const http_route *r = route_of(req);
    if (!r || r->body == HTTP_BODY_NONE)
        return KN_OK;
    if (!http_content_type_is_json(http_req_header(req, "Content-Type")))
        return kn_err_set(err, KN_EMEDIA, r->body == HTTP_BODY_FHIR
                                              ? "the request body must be application/fhir+json"
                                              : "the request body must be application/json");
    return KN_OK;
}

static int stage_body_status(http_req *req, kn_err *err)
{
    if (req->body_status == KN_ETOOLARGE)
        return kn_err_set(err, KN_ETOOLARGE, "the request body exceeds %zu bytes", req->body_limit);
    if (req->body_status != KN_OK)
        return kn_err_set(err, req->body_status, "cannot hold the request body");
    return KN_OK;
}

static int stage_parse(http_req *req, kn_err *err)
{
    const http_route *r = route_of(req);
    if (!r || r->body != HTTP_BODY_JSON)
        return KN_OK;
    const char *text = req->body.data ? req->body.data : "";
    if (!http_json_depth_ok(text, req->body.len, HTTP_JSON_MAX_DEPTH))
        return kn_err_set(err, KN_EINVAL, "the JSON body nests deeper than %d levels",
                          HTTP_JSON_MAX_DEPTH);
    json_error_t jerr;
    req->json = json_loadb(text, req->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req->json)
        return kn_err_set(err, KN_EINVAL, "malformed JSON at line %d, column %d: %s", jerr.line,
                          jerr.column, jerr.text);
    return KN_OK;
}

static int stage_access(http_req *req, kn_err *err)
{
    const http_route *r = route_of(req);
    if (!r || r->auth == HTTP_AUTH_NONE || (!r->roles && !r->scope))
        return KN_OK;
    const char *orgnr = r->org_param ? http_param(&req->match.params, r->org_param) : NULL;
    uint32_t roles = r->roles ? r->roles : AUTH_ROLE_ANY;
    if (req->principal.kind == AUTH_PRINCIPAL_CLIENT && r->client_roles)
        roles = r->client_roles;
    return auth_require(&req->principal, roles, orgnr, r->scope, err);
}

static int stage_handler(http_req *req, kn_err *err)
{
    const http_route *r = route_of(req);
    int rc = r ? r->handler(req, err) : http_static_serve(req, err);
    if (rc == KN_OK && req->reply.status == 0 && !req->suspended)
        return kn_err_set(err, KN_EINTERNAL, "the handler set no reply");
    return rc;
}

/* A failed stage: its status and reason become the problem reply. */
static void fail(http_req *req, int rc, const kn_err *err)
{
    if (kn_status_http(rc) == 500) /* the reply hides the reason; keep it here */
        kn_log(KN_LOG_ERROR, "http.internal_error", "{s:s, s:s, s:s, s:s}", "request_id",
               req->request_id, "route", req->route_label, "code", kn_status_code(rc), "reason",
               err->msg);
    if (http_route_is_fhir(route_of(req)))
        http_reply_outcome(req, rc, err->msg);
    else
        http_reply_problem(req, rc, err->msg);
}

/* Run stages until one fails. */
static void run_stages(http_req *req, const stage_fn *stages, size_t n)
{
    kn_err err;
    kn_err_clear(&err);
    for (size_t i = 0; i < n; i++) {
        int rc = stages[i](req, &err);
        if (rc != KN_OK) {
            fail(req, rc, &err);
            return;
        }
    }
}

void http_dispatch_headers(http_req *req)
{
    static const stage_fn stages[] = {stage_route, stage_size, stage_authenticate, stage_csrf,
                                      stage_media_type};
    run_stages(req, stages, sizeof stages / sizeof stages[0]);
}

void http_dispatch_body(http_req *req, const char *data, size_t len)
{
    if (req->body_status != KN_OK)
        return;
    if (len > req->body_limit - req->body_seen) {
        req->body_status = KN_ETOOLARGE;
        kn_buf_release(&req->body);
        return;
    }
    req->body_seen += len;
    const http_route *r = route_of(req);
    if (r && r->body != HTTP_BODY_NONE) {
        int rc = kn_buf_append(&req->body, data, len);
        if (rc != KN_OK) {
            req->body_status = rc;
            kn_buf_release(&req->body);
        }
    }
}

void http_dispatch_resumed(http_req *req)
{
    if (req->async_status == KN_OK && req->resumed) {
        kn_err err;
        kn_err_clear(&err);
        int rc = req->resumed(req, &err);
        if (rc != KN_OK)
            fail(req, rc, &err);
        return;
    }
    if (req->async_status != KN_OK)
        fail(req, req->async_status, &req->async_err);
}

void http_dispatch_final(http_req *req)
{
    static const stage_fn stages[] = {stage_body_status, stage_parse, stage_access, stage_handler};
    if (req->reply.status)
        return;
    run_stages(req, stages, sizeof stages / sizeof stages[0]);
}
