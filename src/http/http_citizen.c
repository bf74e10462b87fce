/* http_citizen.c - citizen endpoints, thin over citizen.h:
 *   POST /api/v1/municipalities/{orgnr}/citizens   create (201 + Location)
 *   GET  /api/v1/municipalities/{orgnr}/citizens   page of a municipality
 *   GET  /api/v1/citizens/{id}                     one citizen
 * citizen_* check access and write the audit trail; this file only decodes
 * the request and encodes the records.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>

#define CITIZEN_PAGE_MAX 200
#define CITIZEN_PAGE_DEFAULT 50
#define CITIZEN_OFFSET_MAX 1000000000L

/* null for an empty optional field. */
static json_t *optional(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *citizen_json(const void *record)
{
    const store_citizen *c = record;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", c->id, "municipality",
                     c->municipality, "nin", c->nin, "given_name", c->given_name, "family_name",
                     c->family_name, "address", optional(c->address), "phone", optional(c->phone),
                     "created_at", http_time_json(c->created_at));
}

static int reply_citizen(http_req *req, int status, const store_citizen *c, kn_err *err)
{
    json_t *body = citizen_json(c);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the citizen");
    return http_reply_json(req, status, body, err);
}

static const char *orgnr_of(const http_req *req)
{
    return http_param(&req->match.params, "orgnr");
}

static int reply_created(http_req *req, const store_citizen *c, kn_err *err)
{
    char location[64];
    snprintf(location, sizeof location, "/api/v1/citizens/%s", c->id);
    http_reply_header(req, "Location", location);
    return reply_citizen(req, 201, c, err);
}

/* Validate now; then suspend, queue the write and set the 201 reply, which is
 * sent when the commit resumes the request (or replaced by the problem when
 * the write failed). The worker thread is free for other connections meanwhile. */
int http_h_citizen_create(http_req *req, kn_err *err)
{
    citizen_input in;
    const http_field fields[] = {
        {"nin", 1, 11, &in.nin},
        {"given_name", 1, STORE_NAME_LEN - 1, &in.given_name},
        {"family_name", 1, STORE_NAME_LEN - 1, &in.family_name},
        {"address", 0, STORE_NAME_LEN - 1, &in.address},
        {"phone", 0, 31, &in.phone},
    };
    citizen_ctx *ctx = req->env->app->citizens;
    citizen_create_op *op = &req->op.citizen_create;
    int rc = http_body_fields(req, fields, sizeof fields / sizeof fields[0], err);
    if (rc == KN_OK)
        rc = citizen_create_prepare(ctx, &req->principal, orgnr_of(req), &in, req->request_id, op,
                                    err);
    if (rc != KN_OK)
        return rc;
    http_req_suspend(req);
    rc = citizen_create_submit(ctx, op, http_req_resume, req, err);
    if (rc != KN_OK) {
        http_req_resume(req, rc, err); /* nothing queued: answer the problem */
        return KN_OK;
    }
    return reply_created(req, &op->citizen, err);
}

static json_t *page_json(const store_citizen *list, size_t n, int64_t total, long offset,
                         long limit)
{
    json_t *items = http_items_json(list, n, sizeof *list, citizen_json);
    return json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total, "offset",
                     (int)offset, "limit", (int)limit);
}

int http_h_citizen_list(http_req *req, kn_err *err)
{
    long offset, limit;
    int rc = http_query_long(req, "offset", 0, CITIZEN_OFFSET_MAX, 0, &offset, err);
    if (rc == KN_OK)
        rc = http_query_long(req, "limit", 1, CITIZEN_PAGE_MAX, CITIZEN_PAGE_DEFAULT, &limit, err);
    store_citizen *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (rc == KN_OK)
        rc = citizen_list(req->env->app->citizens, &req->principal, orgnr_of(req), (size_t)offset,
                          (size_t)limit, req->request_id, &list, &n, &total, err);
    if (rc != KN_OK)
        return rc;
    json_t *body = page_json(list, n, total, offset, limit);
    free(list);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the citizen list");
    return http_reply_json(req, 200, body, err);
}

int http_h_citizen_get(http_req *req, kn_err *err)
{
    store_citizen c;
    int rc = citizen_get(req->env->app->citizens, &req->principal,
                         http_param(&req->match.params, "id"), req->request_id, &c, err);
    return rc == KN_OK ? reply_citizen(req, 200, &c, err) : rc;
}
