/* http_resp_admin.c - the response service's set-up and reporting endpoints,
 * thin over resp.h (docs/response.md):
 *   GET    /api/v1/municipalities/{orgnr}/resp/rules        routing rules
 *   POST   /api/v1/municipalities/{orgnr}/resp/rules        create or replace (id) -> 201
 *   DELETE /api/v1/municipalities/{orgnr}/resp/rules/{id}   -> 204
 *   GET    /api/v1/municipalities/{orgnr}/resp/coverage     hours of the week nobody covers
 *   GET|PUT /api/v1/citizens/{id}/resp-profile              the operator's record of a citizen
 *   GET    /api/v1/resp/stats                               service levels, JSON or CSV
 * resp_* decide access and audit; the alarm endpoints are in http_resp.c.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATS_REPLY_MAX (64u << 20)

static const char *orgnr_of(const http_req *req)
{
    return http_param(&req->match.params, "orgnr");
}

/* ---- routing rules ---- */

static json_t *rule_item(const void *record)
{
    return resp_rule_to_json(record);
}

int http_h_resp_rule_list(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    store_resp_rule *list = NULL;
    size_t n = 0;
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = resp_rule_list(ctx, &req->principal, orgnr_of(req), &list, &n, err);
    if (rc != KN_OK)
        return rc;
    json_t *rules = http_items_json(list, n, sizeof *list, rule_item);
    free(list);
    if (!rules)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the rules");
    return http_reply_json(req, 200, json_pack("{s:o}", "rules", rules), err);
}

int http_h_resp_rule_put(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    store_resp_rule rule;
    memset(&rule, 0, sizeof rule);
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = resp_rule_from_json(req->json, orgnr_of(req), &rule, err);
    if (rc == KN_OK)
        rc = resp_rule_put(ctx, &req->principal, &rule, req->request_id, err);
    if (rc != KN_OK)
        return rc;
    json_t *body = resp_rule_to_json(&rule);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the rule");
    char location[128];
    snprintf(location, sizeof location, "/api/v1/municipalities/%s/resp/rules/%s", rule.municipality,
             rule.id);
    http_reply_header(req, "Location", location);
    return http_reply_json(req, 201, body, err);
}

int http_h_resp_rule_delete(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = resp_rule_delete(ctx, &req->principal, orgnr_of(req),
                              http_param(&req->match.params, "id"), req->request_id, err);
    if (rc == KN_OK)
        http_reply_empty(req, 204);
    return rc;
}

/* ---- coverage ---- */

static const char *const day_names[7] = {"man", "tir", "ons", "tor", "fre", "lør", "søn"};

static json_t *clock_json(int minutes)
{
    char text[8];
    snprintf(text, sizeof text, "%02d:%02d", minutes / 60 % 100, minutes % 60);
    return json_string(text);
}

static json_t *gap_item(const void *record)
{
    const resp_gap *g = record;
    if (g->weekday < 0 || g->weekday > 6)
        return NULL;
    return json_pack("{s:s, s:s, s:o, s:o}", "service", g->service, "day", day_names[g->weekday],
                     "from", clock_json(g->from_min), "to", clock_json(g->to_min));
}

int http_h_resp_coverage(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    store_resp_rule *list = NULL;
    resp_gap *gaps = NULL;
    size_t n = 0, ngaps = 0;
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = resp_rule_list(ctx, &req->principal, orgnr_of(req), &list, &n, err);
    if (rc == KN_OK)
        rc = resp_route_coverage(list, n, &gaps, &ngaps, err);
    free(list);
    if (rc != KN_OK) {
        free(gaps);
        return rc;
    }
    json_t *items = http_items_json(gaps, ngaps, sizeof *gaps, gap_item);
    free(gaps);
    if (!items)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the coverage");
    return http_reply_json(req, 200,
                           json_pack("{s:b, s:o}", "covered", ngaps == 0, "gaps", items), err);
}

/* ---- citizen profile ---- */

static int reply_profile(http_req *req, const store_resp_profile *p, kn_err *err)
{
    json_t *body = resp_profile_to_json(p);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the profile");
    return http_reply_json(req, 200, body, err);
}

int http_h_resp_profile_get(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    store_resp_profile p;
    memset(&p, 0, sizeof p);
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = resp_profile_get(ctx, &req->principal, http_param(&req->match.params, "id"),
                              req->request_id, &p, err);
    return rc == KN_OK ? reply_profile(req, &p, err) : rc;
}

/* Replace the profile; the answer is the profile as written. */
int http_h_resp_profile_put(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    store_resp_profile p;
    memset(&p, 0, sizeof p);
    const char *id = http_param(&req->match.params, "id");
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = resp_profile_from_json(req->json, &p, err);
    if (rc == KN_OK)
        rc = resp_profile_put(ctx, &req->principal, id, &p, req->request_id, err);
    if (rc != KN_OK)
        return rc;
    snprintf(p.citizen_id, sizeof p.citizen_id, "%s", id);
    return reply_profile(req, &p, err);
}

/* ---- service levels ---- */

static int valid_format(const char *s)
{
    return strcmp(s, "json") == 0 || strcmp(s, "csv") == 0;
}

static int valid_table(const char *s)
{
    return strcmp(s, "months") == 0 || strcmp(s, "citizens") == 0;
}

/* Default period: from the first day of the month eleven months back
 * (twelve whole months with the current one) until now. */
static int default_from(int64_t now_ms, int64_t *from, kn_err *err)
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    int month = tm.tm_year * 12 + tm.tm_mon - 11;
    char date[48];
    snprintf(date, sizeof date, "%04d-%02d-01", month / 12 + 1900, month % 12 + 1);
    return resp_stats_day_start(date, from, err);
}

static int reply_stats(http_req *req, const resp_stats *s, const char *format, const char *table,
                       kn_err *err)
{
    if (strcmp(format, "json") == 0) {
        json_t *body = resp_stats_to_json(s);
        if (!body)
            return kn_err_set(err, KN_EINTERNAL, "cannot encode the statistics");
        return http_reply_json(req, 200, body, err);
    }
    kn_buf out;
    kn_buf_init(&out, STATS_REPLY_MAX);
    int rc = resp_stats_csv(s, table, &out, err);
    if (rc == KN_OK)
        rc = http_reply_bytes(req, 200, "text/csv; charset=utf-8", out.data ? out.data : "",
                              out.len, err);
    kn_buf_release(&out);
    if (rc == KN_OK) {
        char value[96];
        snprintf(value, sizeof value, "attachment; filename=\"responstid-%s.csv\"", table);
        http_reply_header(req, "Content-Disposition", value);
    }
    return rc;
}

int http_h_resp_stats(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    http_resp_munis m;
    const char *format = NULL, *table = NULL;
    int64_t from = 0, to = 0;
    resp_stats s;
    memset(&s, 0, sizeof s);
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = http_resp_munis_get(req, RESP_ROLES_READ, &m, err);
    if (rc == KN_OK)
        rc = http_query_str(req, "format", valid_format, "json or csv", &format, err);
    if (rc == KN_OK)
        rc = http_query_str(req, "table", valid_table, "months or citizens", &table, err);
    if (rc == KN_OK)
        rc = http_resp_dates(req, &from, &to, err);
    if (rc == KN_OK && !to)
        to = resp_now(ctx) + 1;
    if (rc == KN_OK && !from)
        rc = default_from(to, &from, err);
    if (rc == KN_OK)
        rc = resp_stats_get(ctx, &req->principal, m.ptr, m.n, from, to, req->request_id, &s,
                            err);
    if (rc == KN_OK)
        rc = reply_stats(req, &s, format ? format : "json", table ? table : "months", err);
    resp_stats_free(&s);
    return rc;
}
