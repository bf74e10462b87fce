/* http_resp.c - the response service's alarm endpoints, thin over resp.h
 * (docs/response.md):
 *   POST /api/v1/municipalities/{orgnr}/alarms       intake: 201 new, 200 repeat/duplicate
 *   POST /api/v1/municipalities/{orgnr}/heartbeats   a device's sign of life: 204
 *   GET  /api/v1/resp/alarms                         queue or history (+ last_seq)
 *   GET  /api/v1/resp/alarms/{id}                    one alarm with events, citizen, profile
 *   POST /api/v1/resp/alarms/{id}/actions            an operator's step
 * plus the helpers the other http_resp*.c files share (municipality lists,
 * date ranges). Rules, coverage, profiles and statistics: http_resp_admin.c;
 * the live stream: http_resp_stream.c.
 *
 * Intake is asynchronous like the hub's: decode, resp_alarm_prepare (all
 * checks, nothing written), suspend, resp_alarm_submit; the commit resumes
 * the request and the reply is built on the worker (req->resumed), so the
 * store's writer thread only flips a flag. resp_* decide access and write
 * the audit trail; this file decodes and encodes.
 */
#include "http_int.h"

#include "../core/core_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALARM_PAGE_DEFAULT 200
#define ALARM_OFFSET_MAX 1000000000L
#define DEVICE_MAX 64
#define TIME_MAX 64

int http_resp_ctx(const http_req *req, resp_ctx **out, kn_err *err)
{
    *out = req->env->app->resp;
    if (!*out)
        return kn_err_set(err, KN_EUNAVAILABLE, "the response service is not running");
    return KN_OK;
}

/* ---- typed body fields ---- */

/* A whole number in [min, max]; absent/null keeps *out. */
static int take_int(const char *name, const json_t *v, long min, long max, int *out, kn_err *err)
{
    if (json_is_null(v))
        return KN_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return kn_err_set(err, KN_EINVAL, "field '%s' must be a whole number in %ld..%ld", name,
                          min, max);
    *out = (int)json_integer_value(v);
    return KN_OK;
}

static int take_number(const char *name, const json_t *v, double *out, kn_err *err)
{
    if (!json_is_number(v))
        return kn_err_set(err, KN_EINVAL, "field 'position.%s' must be a number", name);
    *out = json_number_value(v);
    return KN_OK;
}

/* "position": {"lat": n, "lon": n} or null. Range checks are the domain's. */
static int take_position(const json_t *v, resp_alarm_in *in, kn_err *err)
{
    if (json_is_null(v))
        return KN_OK;
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_object_get(v, "lat") ||
        !json_object_get(v, "lon"))
        return kn_err_set(err, KN_EINVAL,
                          "field 'position' must be an object {\"lat\": number, \"lon\": number}");
    int rc = take_number("lat", json_object_get(v, "lat"), &in->lat, err);
    if (rc == KN_OK)
        rc = take_number("lon", json_object_get(v, "lon"), &in->lon, err);
    in->has_position = rc == KN_OK;
    return rc;
}

static int alarm_field(const char *key, const json_t *v, resp_alarm_in *in, kn_err *err)
{
    if (strcmp(key, "device") == 0)
        return http_json_string(key, v, 0, DEVICE_MAX, &in->device, err);
    if (strcmp(key, "citizen_id") == 0)
        return http_json_string(key, v, 0, STORE_ID_LEN - 1, &in->citizen_id, err);
    if (strcmp(key, "alert_code") == 0)
        return http_json_string(key, v, 0, STORE_RESP_CODE_LEN - 1, &in->alert_code, err);
    if (strcmp(key, "time") == 0)
        return http_json_string(key, v, 0, TIME_MAX, &in->time, err);
    if (strcmp(key, "severity") == 0)
        return take_int(key, v, 0, 1000, &in->severity, err);
    if (strcmp(key, "triage") == 0)
        return http_json_string(key, v, 0, 2, &in->triage, err);
    if (strcmp(key, "position") == 0)
        return take_position(v, in, err);
    if (strcmp(key, "battery") == 0)
        return take_int(key, v, 0, 100, &in->battery, err);
    if (strcmp(key, "text") == 0)
        return http_json_string(key, v, 0, 255, &in->text, err);
    if (strcmp(key, "id") == 0)
        return http_json_string(key, v, 0, 127, &in->external_id, err);
    return kn_err_set(err, KN_EINVAL, "unknown field '%.64s'", key);
}

/* The intake body (docs/response.md) into *in; strings point into req->json. */
static int alarm_decode(const http_req *req, resp_alarm_in *in, kn_err *err)
{
    memset(in, 0, sizeof *in);
    in->severity = -1;
    in->battery = -1;
    if (!json_is_object(req->json))
        return kn_err_set(err, KN_EINVAL, "the body must be a JSON object");
    const char *key;
    json_t *value;
    json_object_foreach(req->json, key, value)
    {
        int rc = alarm_field(key, value, in, err);
        if (rc != KN_OK)
            return rc;
    }
    if (!in->device && !in->citizen_id)
        return kn_err_set(err, KN_EINVAL, "field 'device' or 'citizen_id' is required");
    if (!in->alert_code)
        return kn_err_set(err, KN_EINVAL, "field 'alert_code' is required");
    if (!in->time)
        return kn_err_set(err, KN_EINVAL, "field 'time' is required");
    return KN_OK;
}

/* ---- alarm intake ---- */

static int reply_alarm(http_req *req, int status, const store_resp_alarm *a, const char *intake,
                       kn_err *err)
{
    json_t *body = resp_alarm_to_json(a);
    if (body && intake)
        json_object_set_new(body, "intake", json_string(intake));
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the alarm");
    return http_reply_json(req, status, body, err);
}

/* After the commit (worker thread): 201 + Location for a new alarm, 200 for
 * one merged into an open alarm or a repeated external id. */
static int alarm_created(http_req *req, kn_err *err)
{
    static const char *const intake[] = {"new", "repeat", "duplicate"};
    const resp_alarm_op *op = &req->op.resp_alarm;
    int merged = op->merged >= 0 && op->merged <= 2 ? op->merged : 0;
    if (merged == 0) {
        char location[80];
        snprintf(location, sizeof location, "/api/v1/resp/alarms/%s", op->alarm.id);
        http_reply_header(req, "Location", location);
    }
    return reply_alarm(req, merged == 0 ? 201 : 200, &op->alarm, intake[merged], err);
}

int http_h_resp_alarm_create(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    resp_alarm_in in;
    resp_alarm_op *op = &req->op.resp_alarm;
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = alarm_decode(req, &in, err);
    if (rc == KN_OK)
        rc = resp_alarm_prepare(ctx, &req->principal, http_param(&req->match.params, "orgnr"),
                                &in, req->request_id, op, err);
    if (rc != KN_OK)
        return rc;
    req->resumed = alarm_created;
    http_req_suspend(req);
    rc = resp_alarm_submit(ctx, op, http_req_resume, req, err);
    if (rc != KN_OK)
        http_req_resume(req, rc, err); /* nothing queued: answer the problem */
    return KN_OK;
}

/* ---- heartbeats ---- */

static int heartbeat_field(const char *key, const json_t *v, const char **device,
                           const char **at, int *battery, kn_err *err)
{
    if (strcmp(key, "device") == 0)
        return http_json_string(key, v, 0, DEVICE_MAX, device, err);
    if (strcmp(key, "time") == 0)
        return http_json_string(key, v, 0, TIME_MAX, at, err);
    if (strcmp(key, "battery") == 0)
        return take_int(key, v, 0, 100, battery, err);
    return kn_err_set(err, KN_EINVAL, "unknown field '%.64s'", key);
}

/* {"device","time"?,"battery"?} -> 204 */
int http_h_resp_heartbeat(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    const char *device = NULL, *at = NULL, *key;
    int battery = -1;
    json_t *v;
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc != KN_OK)
        return rc;
    if (!json_is_object(req->json))
        return kn_err_set(err, KN_EINVAL, "the body must be a JSON object");
    json_object_foreach(req->json, key, v)
    {
        if ((rc = heartbeat_field(key, v, &device, &at, &battery, err)) != KN_OK)
            return rc;
    }
    if (!device)
        return kn_err_set(err, KN_EINVAL, "field 'device' is required");
    rc = resp_heartbeat(ctx, &req->principal, http_param(&req->match.params, "orgnr"), device,
                        at, battery, req->request_id, err);
    if (rc == KN_OK)
        http_reply_empty(req, 204);
    return rc;
}

/* ---- shared query helpers ---- */

/* Append one orgnr of a comma list; rejects what cannot be an orgnr. */
static int munis_add(http_resp_munis *m, const char *s, size_t len, kn_err *err)
{
    if (len == 0 || len >= sizeof m->orgnr[0] || strspn(s, "0123456789") < len)
        return kn_err_set(err, KN_EINVAL,
                          "query parameter 'municipality' must be organisation numbers "
                          "separated by commas");
    for (size_t i = 0; i < m->n; i++)
        if (strncmp(m->orgnr[i], s, len) == 0 && m->orgnr[i][len] == '\0')
            return KN_OK;
    if (m->n >= HTTP_RESP_MUNIS_MAX)
        return kn_err_set(err, KN_EINVAL, "query parameter 'municipality' names more than %d",
                          HTTP_RESP_MUNIS_MAX);
    memcpy(m->orgnr[m->n], s, len);
    m->orgnr[m->n][len] = '\0';
    m->ptr[m->n] = m->orgnr[m->n];
    m->n++;
    return KN_OK;
}

int http_resp_munis_get(const http_req *req, uint32_t roles, http_resp_munis *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    const char *q = http_req_query(req, "municipality");
    if (q) {
        for (const char *p = q;;) {
            size_t len = strcspn(p, ",");
            int rc = munis_add(out, p, len, err);
            if (rc != KN_OK)
                return rc;
            if (!p[len])
                return KN_OK;
            p += len + 1;
        }
    }
    const auth_principal *p = &req->principal;
    for (size_t i = 0; i < p->ngrants; i++)
        if (p->kind == AUTH_PRINCIPAL_CLIENT || (p->grants[i].roles & roles))
            munis_add(out, p->grants[i].orgnr, strlen(p->grants[i].orgnr), err);
    if (out->n == 0)
        return kn_err_set(err, KN_EFORBIDDEN, "no municipality where you may read alarms");
    return KN_OK;
}

/* The start of the day after date ("YYYY-MM-DD", already checked). */
static int next_day_start(const char *date, int64_t *ms, kn_err *err)
{
    int y = 0, m = 0, d = 0;
    if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return kn_err_set(err, KN_EINVAL, "not a date: %.32s", date);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_hour = 12};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    char next[48];
    snprintf(next, sizeof next, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return resp_stats_day_start(next, ms, err);
}

static int date_param(const http_req *req, const char *name, int end, int64_t *ms, kn_err *err)
{
    const char *v = http_req_query(req, name);
    if (!v)
        return KN_OK;
    kn_err dummy;
    int64_t start;
    if (strlen(v) != 10 || resp_stats_day_start(v, &start, &dummy) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "query parameter '%s' must be a date YYYY-MM-DD", name);
    *ms = start;
    return end ? next_day_start(v, ms, err) : KN_OK;
}

int http_resp_dates(const http_req *req, int64_t *from, int64_t *to, kn_err *err)
{
    int rc = date_param(req, "from", 0, from, err);
    if (rc == KN_OK)
        rc = date_param(req, "to", 1, to, err);
    if (rc == KN_OK && *from && *to && *from >= *to)
        rc = kn_err_set(err, KN_EINVAL, "query parameter 'to' must not be before 'from'");
    return rc;
}

/* ---- the queue ---- */

static int valid_state(const char *s)
{
    return strcmp(s, "open") == 0 || strcmp(s, "all") == 0;
}

static int valid_id(const char *s)
{
    return strlen(s) < STORE_ID_LEN && strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

static json_t *alarm_item(const void *record)
{
    return resp_alarm_to_json(record);
}

static int list_filter(const http_req *req, http_resp_munis *m, store_resp_filter *f, kn_err *err)
{
    const char *state = NULL;
    long offset = 0, limit = 0;
    memset(f, 0, sizeof *f);
    int rc = http_resp_munis_get(req, RESP_ROLES_READ, m, err);
    if (rc == KN_OK)
        rc = http_query_str(req, "state", valid_state, "open or all", &state, err);
    if (rc == KN_OK)
        rc = http_query_str(req, "citizen", valid_id, "a citizen id", &f->citizen_id, err);
    if (rc == KN_OK)
        rc = http_resp_dates(req, &f->from_ms, &f->to_ms, err);
    if (rc == KN_OK)
        rc = http_query_long(req, "offset", 0, ALARM_OFFSET_MAX, 0, &offset, err);
    if (rc == KN_OK)
        rc = http_query_long(req, "limit", 1, STORE_RESP_PAGE_MAX, ALARM_PAGE_DEFAULT, &limit, err);
    f->municipalities = m->ptr;
    f->n_munis = m->n;
    f->open_only = !state || strcmp(state, "open") == 0;
    f->offset = (size_t)offset;
    f->limit = (size_t)limit;
    return rc;
}

int http_h_resp_alarm_list(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    http_resp_munis m;
    store_resp_filter f;
    int64_t last_seq = 0, total = 0;
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = list_filter(req, &m, &f, err);
    if (rc == KN_OK) /* before the list: a stream from here misses nothing */
        rc = resp_last_seq(ctx, &last_seq, err);
    if (rc == KN_OK)
        rc = resp_alarm_list(ctx, &req->principal, &f, req->request_id, &list, &n, &total, err);
    if (rc != KN_OK)
        return rc;
    json_t *items = http_items_json(list, n, sizeof *list, alarm_item);
    free(list);
    if (!items)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the alarms");
    return http_reply_json(req, 200,
                           json_pack("{s:o, s:I, s:I}", "alarms", items, "total",
                                     (json_int_t)total, "last_seq", (json_int_t)last_seq),
                           err);
}

/* ---- one alarm ---- */

static json_t *optional(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

/* Birth date shown, the personal number hidden: "120348*****". */
static json_t *nin_masked(const char *nin)
{
    char masked[12];
    if (strlen(nin) != 11)
        return json_null();
    memcpy(masked, nin, 6);
    memcpy(masked + 6, "*****", 6);
    return json_string(masked);
}

static json_t *citizen_json(const store_citizen *c)
{
    char name[2 * STORE_NAME_LEN + 2];
    snprintf(name, sizeof name, "%s %s", c->given_name, c->family_name);
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", c->id, "name", name, "nin_masked",
                     nin_masked(c->nin), "address", optional(c->address), "phone",
                     optional(c->phone));
}

static json_t *event_item(const void *record)
{
    return resp_event_to_json(record);
}

static json_t *detail_json(const resp_alarm_detail *d)
{
    json_t *events = http_items_json(d->events, d->nevents, sizeof *d->events, event_item);
    json_t *alarm = resp_alarm_to_json(&d->alarm);
    json_t *profile = resp_profile_to_json(&d->profile);
    json_t *citizen = citizen_json(&d->citizen);
    if (!events || !alarm || !profile || !citizen) {
        json_decref(events);
        json_decref(alarm);
        json_decref(profile);
        json_decref(citizen);
        return NULL;
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "alarm", alarm, "events", events, "citizen",
                     citizen, "profile", profile, "step", resp_step_to_json(&d->step));
}

int http_h_resp_alarm_get(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    resp_alarm_detail d;
    memset(&d, 0, sizeof d);
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = resp_alarm_get(ctx, &req->principal, http_param(&req->match.params, "id"),
                            req->request_id, &d, err);
    if (rc != KN_OK) {
        resp_alarm_detail_free(&d);
        return rc;
    }
    json_t *body = detail_json(&d);
    resp_alarm_detail_free(&d);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the alarm");
    return http_reply_json(req, 200, body, err);
}

/* ---- operator steps ---- */

static int action_decode(const http_req *req, resp_action_in *in, kn_err *err)
{
    const char *action = NULL;
    json_int_t version = 0;
    memset(in, 0, sizeof *in);
    if (!json_is_object(req->json))
        return kn_err_set(err, KN_EINVAL, "the body must be a JSON object");
    const char *key;
    json_t *v;
    int rc = KN_OK;
    json_object_foreach(req->json, key, v)
    {
        if (strcmp(key, "action") == 0)
            rc = http_json_string(key, v, 0, 32, &action, err);
        else if (strcmp(key, "team") == 0)
            rc = http_json_string(key, v, 0, 127, &in->team, err);
        else if (strcmp(key, "text") == 0)
            rc = http_json_string(key, v, 0, 500, &in->text, err);
        else if (strcmp(key, "version") == 0 && !json_is_null(v)) {
            if (!json_is_integer(v) || (version = json_integer_value(v)) < 0)
                rc = kn_err_set(err, KN_EINVAL, "field 'version' must be a whole number >= 0");
        } else if (strcmp(key, "version") != 0)
            rc = kn_err_set(err, KN_EINVAL, "unknown field '%.64s'", key);
        if (rc != KN_OK)
            return rc;
    }
    if (!action)
        return kn_err_set(err, KN_EINVAL, "field 'action' is required");
    in->action = resp_action_parse(action);
    in->expected_version = (int64_t)version;
    if (!in->action)
        return kn_err_set(err, KN_EINVAL,
                          "field 'action' must be one of claim, release, acknowledge, phone, "
                          "callout, callout_started, callout_done, defer, emergency, cause, "
                          "measure, note, close");
    return KN_OK;
}

int http_h_resp_alarm_act(http_req *req, kn_err *err)
{
    resp_ctx *ctx;
    resp_action_in in;
    store_resp_alarm a;
    int rc = http_resp_ctx(req, &ctx, err);
    if (rc == KN_OK)
        rc = action_decode(req, &in, err);
    if (rc == KN_OK)
        rc = resp_alarm_act(ctx, &req->principal, http_param(&req->match.params, "id"), &in,
                            req->request_id, &a, err);
    return rc == KN_OK ? reply_alarm(req, 200, &a, NULL, err) : rc;
}
