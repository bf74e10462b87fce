/* http_reply.c - building the one reply of a request: JSON bodies, extra
 * headers and RFC 9457 problem documents. The reply is plain data in the
 * http_req; http_server.c turns it into a libmicrohttpd response and adds the
 * headers every response carries.
 */
#include "http_int.h"

#include "../core/core_util.h"
#include "../fhir/fhir_outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    int http;
    const char *title;
} titles[] = {
    {400, "Ugyldig forespørsel"},
    {401, "Innlogging kreves"},
    {403, "Ingen tilgang"},
    {404, "Fant ikke ressursen"},
    {405, "Metoden er ikke tillatt"},
    {409, "Konflikt"},
    {413, "Forespørselen er for stor"},
    {415, "Medietypen støttes ikke"},
    {422, "Kan ikke behandles"},
    {429, "For mange forsøk"},
    {500, "Intern feil"},
    {503, "Tjenesten er ikke tilgjengelig"},
};

const char *http_status_title(int http_status)
{
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (titles[i].http == http_status)
            return titles[i].title;
    return "Feil";
}

void http_reply_clear(http_reply *reply)
{
    free(reply->body);
    if (reply->fd >= 0)
        close(reply->fd);
    memset(reply, 0, sizeof *reply);
    reply->fd = -1;
}

int http_reply_bytes(http_req *req, int status, const char *content_type, const char *data,
                     size_t len, kn_err *err)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return kn_err_set(err, KN_ENOMEM, "out of memory for the response");
    if (len)
        memcpy(copy, data, len);
    free(req->reply.body);
    req->reply.body = copy;
    req->reply.len = len;
    req->reply.status = status;
    req->reply.content_type = content_type;
    return KN_OK;
}

int http_reply_json(http_req *req, int status, json_t *body, kn_err *err)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return kn_err_set(err, KN_ENOMEM, "cannot encode the response");
    free(req->reply.body);
    req->reply.body = text;
    req->reply.len = strlen(text);
    req->reply.status = status;
    req->reply.content_type = "application/json";
    return KN_OK;
}

void http_reply_empty(http_req *req, int status)
{
    free(req->reply.body);
    req->reply.body = NULL;
    req->reply.len = 0;
    req->reply.status = status;
    req->reply.content_type = NULL;
}

int http_reply_header(http_req *req, const char *name, const char *value)
{
    http_reply *r = &req->reply;
    if (r->nheaders >= HTTP_MAX_HEADERS)
        return KN_ETOOLARGE;
    http_header *h = &r->headers[r->nheaders];
    if (kn_strcpy(h->value, sizeof h->value, value) != KN_OK)
        return KN_ETOOLARGE;
    h->name = name;
    r->nheaders++;
    return KN_OK;
}

/* A JSON string, or a placeholder when text is not valid UTF-8. */
static json_t *text_json(const char *text)
{
    json_t *s = json_string(text ? text : "");
    return s ? s : json_string("(unprintable reason)");
}

char *http_problem_text(int status, const char *detail, const char *request_id, size_t *len)
{
    int http = kn_status_http(status);
    const char *code = kn_status_code(status);
    char type[96];
    snprintf(type, sizeof type, "https://knute.no/problems/%s", code);
    if (http == 500)
        detail = "internal error; quote the request_id when reporting it";
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:o, s:o}", "type", type, "title",
                            http_status_title(http), "status", http, "code", code, "detail",
                            text_json(detail), "request_id", text_json(request_id));
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text && len)
        *len = strlen(text);
    return text;
}

void http_reply_problem(http_req *req, int status, const char *detail)
{
    http_reply_clear(&req->reply);
    req->reply.status = kn_status_http(status);
    req->reply.content_type = "application/problem+json";
    req->reply.body = http_problem_text(status, detail, req->request_id, &req->reply.len);
    if (req->reply.status == 401)
        http_reply_header(req, "WWW-Authenticate", "Bearer");
    if (req->reply.status == 405)
        http_reply_header(req, "Allow", req->match.allow);
}

/* FHIR issue type and VKP operation-outcome code for a failure status. */
static void outcome_codes(int http, const char **code, const char **vkp)
{
    *vkp = NULL;
    switch (http) {
    case 400: *code = "structure"; *vkp = VKP_OO_INVALID_FORMAT; break;
    case 401: *code = "login"; *vkp = VKP_OO_NO_ACCESS; break;
    case 403: *code = "forbidden"; *vkp = VKP_OO_NOT_ALLOWED; break;
    case 404: *code = "not-found"; break;
    case 405: *code = "not-supported"; break;
    case 409: *code = "conflict"; break;
    case 413: *code = "too-long"; *vkp = VKP_OO_INVALID_FORMAT; break;
    case 415: *code = "not-supported"; *vkp = VKP_OO_INVALID_FORMAT; break;
    case 422: *code = "processing"; *vkp = VKP_OO_INVALID_DATA; break;
    case 429: *code = "throttled"; break;
    default: *code = "exception"; *vkp = VKP_OO_OTHER; break;
    }
}

void http_reply_outcome(http_req *req, int status, const char *detail)
{
    int http = kn_status_http(status);
    const char *code, *vkp;
    outcome_codes(http, &code, &vkp);
    if (http == 500)
        detail = "internal error; quote the request id when reporting it";
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    kn_buf out;
    kn_buf_init(&out, 1u << 20);
    int rc = fhir_outcome_add_expr(&oc, FHIR_SEV_ERROR, code, vkp, NULL, "%s (request id %s)",
                                   detail ? detail : http_status_title(http), req->request_id);
    if (rc == KN_OK)
        rc = fhir_outcome_to_json(&oc, &out);
    fhir_outcome_release(&oc);
    if (rc != KN_OK) { /* cannot build it: fall back to the plain problem */
        kn_buf_release(&out);
        http_reply_problem(req, status, detail);
        return;
    }
    http_reply_clear(&req->reply);
    req->reply.status = http;
    req->reply.content_type = "application/fhir+json";
    req->reply.body = kn_buf_detach(&out, &req->reply.len);
    if (http == 401)
        http_reply_header(req, "WWW-Authenticate", "Bearer");
    if (http == 405)
        http_reply_header(req, "Allow", req->match.allow);
}
