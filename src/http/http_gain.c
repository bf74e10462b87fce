/* http_gain.c - benefit-realisation endpoints, thin over gain.h:
 *   POST /api/v1/gevinst/calc                    a scenario file computed, nothing stored
 *   GET  /api/v1/gevinst/{orgnr}/plans           plans of a municipality
 *   POST /api/v1/gevinst/{orgnr}/plans           create a plan (201)
 *   POST /api/v1/gevinst/{orgnr}/measurements    a citizen's baseline or follow-up (201)
 *   GET  /api/v1/gevinst/{orgnr}/measurements    per-citizen measurements (audited)
 *   GET  /api/v1/gevinst/{orgnr}/report          the report (audited read; no citizen ids)
 * calc and report answer ?format=json (default) | csv | xlsx | html; report
 * takes the rate parameters (wage_per_hour, km_rate, ...) as query values.
 * gain_* checks access for the measurement and report data and writes the
 * audit trail; this file decodes, calls and encodes.
 */
#include "http_int.h"

#include "../gain/gain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GAIN_REPLY_MAX (64u << 20)
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static const char *orgnr_of(const http_req *req)
{
    return http_param(&req->match.params, "orgnr");
}

/* ---- records ---- */

static json_t *plan_json(const void *record)
{
    const store_gain_plan *p = record;
    json_t *obj = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", p->id,
        "municipality", p->municipality, "name", p->name, "technology", p->technology, "gain_type",
        p->gain_type, "interval", p->interval, "owner", p->owner, "indicator", p->indicator,
        "prerequisites", p->prerequisites, "redeployment", p->redeployment, "region", p->region,
        "start", p->start_date, "end", p->end_date);
    json_t *costs = json_pack("{s:I, s:I, s:I, s:I, s:o}", "licence_per_year",
                              (json_int_t)p->licence_per_year, "operating_per_year",
                              (json_int_t)p->operating_per_year, "startup",
                              (json_int_t)p->startup_cost, "replaced_per_year",
                              (json_int_t)p->replaced_per_year, "created_at",
                              http_time_json(p->created_at));
    if (obj && costs)
        json_object_update(obj, costs);
    json_decref(costs);
    return obj;
}

static json_t *measure_json(const void *record)
{
    const store_gain_measure *m = record;
    json_t *obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o}", "id", m->id,
                            "plan_id", m->plan_id, "municipality", m->municipality, "citizen_id",
                            m->citizen_id, "kind", gain_kind_code(m->kind), "period_start",
                            m->period_start, "period_unit", m->period_unit, "period_count",
                            m->period_count, "period_end", m->period_end, "created_at",
                            http_time_json(m->created_at));
    json_t *counts = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i}", "visits", (json_int_t)m->visits,
        "minutes_per_visit", (json_int_t)m->minutes_per_visit, "km", (json_int_t)m->km,
        "alarms_received", (json_int_t)m->alarms_received, "alarms_forwarded",
        (json_int_t)m->alarms_forwarded, "minutes_per_alarm", (json_int_t)m->minutes_per_alarm,
        "night_checks", (json_int_t)m->night_checks, "quality_user", m->quality_user,
        "quality_staff", m->quality_staff, "quality_relatives", m->quality_relatives);
    if (obj && counts)
        json_object_update(obj, counts);
    json_decref(counts);
    return obj;
}

static int reply_record(http_req *req, int status, json_t *body, kn_err *err)
{
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the record");
    return http_reply_json(req, status, body, err);
}

static int reply_items(http_req *req, const void *list, size_t n, size_t size,
                       http_encode_fn encode, kn_err *err)
{
    json_t *items = http_items_json(list, n, size, encode);
    return reply_record(req, 200, items ? json_pack("{s:o}", "items", items) : NULL, err);
}

/* ---- plans and measurements ---- */

static int reject_field(const http_req *req, const char *field, kn_err *err)
{
    if (json_is_object(req->json) && json_object_get(req->json, field))
        return kn_err_set(err, KN_EINVAL, "unknown field '%s'", field);
    return KN_OK;
}

int http_h_gain_plan_create(http_req *req, kn_err *err)
{
    store_gain_plan plan;
    int rc = reject_field(req, "id", err);
    if (rc == KN_OK)
        rc = reject_field(req, "measurements", err);
    if (rc == KN_OK)
        rc = gain_plan_from_json(req->json, &plan, err);
    if (rc == KN_OK)
        rc = gain_plan_create(req->env->app->st, &req->principal, orgnr_of(req), &plan,
                              req->request_id, err);
    return rc == KN_OK ? reply_record(req, 201, plan_json(&plan), err) : rc;
}

int http_h_gain_plans(http_req *req, kn_err *err)
{
    store_gain_plan *list = NULL;
    size_t n = 0;
    int rc = gain_plan_list(req->env->app->st, &req->principal, orgnr_of(req), &list, &n, err);
    if (rc == KN_OK)
        rc = reply_items(req, list, n, sizeof *list, plan_json, err);
    free(list);
    return rc;
}

int http_h_gain_measure_add(http_req *req, kn_err *err)
{
    store_gain_measure m;
    int rc = reject_field(req, "subject", err);
    if (rc == KN_OK)
        rc = gain_measure_from_json(req->json, &m, err);
    if (rc == KN_OK)
        rc = gain_measure_add(req->env->app->st, &req->principal, orgnr_of(req), &m,
                              req->request_id, err);
    return rc == KN_OK ? reply_record(req, 201, measure_json(&m), err) : rc;
}

static int id_query(const http_req *req, const char *name, const char **out, kn_err *err)
{
    *out = http_req_query(req, name);
    if (*out && (!**out || strlen(*out) >= STORE_ID_LEN))
        return kn_err_set(err, KN_EINVAL, "query parameter '%s' must be an id", name);
    return KN_OK;
}

int http_h_gain_measure_list(http_req *req, kn_err *err)
{
    const char *plan = NULL, *citizen = NULL;
    store_gain_measure *list = NULL;
    size_t n = 0;
    int rc = id_query(req, "plan", &plan, err);
    if (rc == KN_OK)
        rc = id_query(req, "citizen", &citizen, err);
    if (rc == KN_OK)
        rc = gain_measure_list(req->env->app->st, &req->principal, orgnr_of(req), plan, citizen,
                               req->request_id, &list, &n, err);
    if (rc == KN_OK)
        rc = reply_items(req, list, n, sizeof *list, measure_json, err);
    free(list);
    return rc;
}

/* ---- results in four formats ---- */

/* The workbook is written to a private temporary file ($TMPDIR or /tmp),
 * read back into the reply and removed. */
static int reply_xlsx(http_req *req, const report_book *book, kn_err *err)
{
    const char *dir = getenv("TMPDIR");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/knute-gevinst-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return kn_err_set(err, KN_EIO, "cannot create a temporary file for the workbook");
    close(fd);
    kn_buf data;
    kn_buf_init(&data, GAIN_REPLY_MAX);
    int rc = report_write_xlsx(book, path, err);
    FILE *f = rc == KN_OK ? fopen(path, "rb") : NULL;
    char chunk[65536];
    size_t got;
    while (f && rc == KN_OK && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = kn_buf_append(&data, chunk, got);
    if (rc == KN_OK && (!f || ferror(f)))
        rc = kn_err_set(err, KN_EIO, "cannot read the workbook back");
    if (f)
        fclose(f);
    unlink(path);
    if (rc == KN_OK)
        rc = http_reply_bytes(req, 200, XLSX_TYPE, data.data, data.len, err);
    kn_buf_release(&data);
    return rc;
}

static int reply_text(http_req *req, const report_book *book, const gain_result *r,
                      const char *format, kn_err *err)
{
    kn_buf out;
    kn_buf_init(&out, GAIN_REPLY_MAX);
    int rc = KN_OK;
    const char *type = "application/json";
    if (strcmp(format, "csv") == 0) {
        type = "text/csv; charset=utf-8";
        for (size_t i = 0; i < book->nsheets; i++)
            if (strcmp(book->sheets[i]->title, GAIN_CSV_SHEET) == 0)
                rc = report_write_csv(book->sheets[i], &out);
    } else if (strcmp(format, "html") == 0) {
        type = "text/html; charset=utf-8";
        rc = gain_report_html(book, "Gevinstrealiseringsrapport", "/css/gevinst.css", &out);
    } else {
        rc = gain_result_write_json(r, book, &out);
    }
    if (rc == KN_OK)
        rc = http_reply_bytes(req, 200, type, out.data, out.len, err);
    else
        kn_err_set(err, rc, "cannot write the report");
    kn_buf_release(&out);
    return rc;
}

static int valid_format(const char *f)
{
    return strcmp(f, "json") == 0 || strcmp(f, "csv") == 0 || strcmp(f, "xlsx") == 0 ||
           strcmp(f, "html") == 0;
}

static void attachment(http_req *req, const char *format, const char *name)
{
    char value[160];
    snprintf(value, sizeof value, "%s; filename=\"%s.%s\"",
             strcmp(format, "html") == 0 ? "inline" : "attachment", name, format);
    if (strcmp(format, "json") != 0)
        http_reply_header(req, "Content-Disposition", value);
}

static int reply_result(http_req *req, const gain_scenario *s, const char *name, kn_err *err)
{
    const char *format = NULL;
    int rc = http_query_str(req, "format", valid_format, "json, csv, xlsx or html", &format, err);
    if (rc != KN_OK)
        return rc;
    format = format ? format : "json";
    gain_result r;
    report_book book = {0};
    rc = gain_compute(s, &r, err);
    if (rc != KN_OK)
        return rc;
    rc = gain_report_book(&r, &book, err);
    if (rc == KN_OK && strcmp(format, "xlsx") == 0)
        rc = reply_xlsx(req, &book, err);
    else if (rc == KN_OK)
        rc = reply_text(req, &book, &r, format, err);
    if (rc == KN_OK)
        attachment(req, format, name);
    report_book_free(&book);
    gain_result_free(&r);
    return rc;
}

int http_h_gain_calc(http_req *req, kn_err *err)
{
    gain_scenario s = {0};
    int rc = gain_scenario_parse(&s, req->body.data, req->body.len, err);
    if (rc == KN_OK)
        rc = reply_result(req, &s, "gevinstberegning", err);
    gain_scenario_free(&s);
    return rc;
}

/* Rate parameters from the query (?wage_per_hour=450&days_per_year=360). */
static int query_params(const http_req *req, gain_params *p, kn_err *err)
{
    size_t n;
    const gain_param_doc *docs = gain_param_docs(&n);
    gain_params_default(p);
    for (size_t i = 0; i < n; i++) {
        const char *v = http_req_query(req, docs[i].key);
        if (v && gain_params_set(p, docs[i].key, v, err) != KN_OK)
            return KN_EINVAL;
    }
    return KN_OK;
}

int http_h_gain_report(http_req *req, kn_err *err)
{
    gain_params params;
    gain_scenario s;
    int rc = query_params(req, &params, err);
    if (rc == KN_OK)
        rc = gain_scenario_load(req->env->app->st, &req->principal, orgnr_of(req), &params,
                                req->request_id, &s, err);
    if (rc != KN_OK)
        return rc;
    char name[48];
    snprintf(name, sizeof name, "gevinstrapport-%s", orgnr_of(req));
    rc = reply_result(req, &s, name, err);
    gain_scenario_free(&s);
    return rc;
}
