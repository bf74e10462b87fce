/* http_hub.c - the hub's EPJ interface (VKP R4 shape) and the register API,
 * thin over hub.h:
 *   POST /epj/r4/{orgnr}/$process-message              message Bundle -> 202
 *   POST /epj/r4/{orgnr}/{Bundle|Composition|MedicationDispense}      -> 202
 *   GET  /epj/r4/{orgnr}/{type}/{id}/$status           status as a FHIR Task
 *   POST /epj/r4/{orgnr}/{type}/{id}/$journaling-acknowledged
 *   GET  /epj/r4/{orgnr}/Bundle?_lastUpdated=gt..&_tag:not=journaled&_count=N  pull
 *   GET|POST|DELETE /api/v1/hub/grants                 the authorisation register
 *
 * Intake is asynchronous like citizen create: validate, set the 202 reply,
 * suspend, queue the write; the commit resumes the request (a duplicate turns
 * the reply into 200 with the original's Location). A profile violation is
 * answered with the validator's whole OperationOutcome (422); other failures
 * become an OperationOutcome in the dispatcher.
 */
#include "http_int.h"

#include "../core/core_util.h"
#include "../hub/hub_admin.h"
#include "../hub/hub_keys.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTCOME_MAX (16u << 20)
#define PULL_DEFAULT 20
#define FHIR_JSON "application/fhir+json"

static const char *orgnr_of(const http_req *req)
{
    return http_param(&req->match.params, "orgnr");
}

static const char *base_url(const http_req *req)
{
    const char *u = req->env->app->hub ? req->env->app->hub->public_url : NULL;
    return u ? u : "";
}

/* "2026-01-02T03:04:05.678Z" for ms since the epoch. */
static void instant_format(int64_t ms, char *out, size_t size)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static int reply_outcome(http_req *req, int http, const fhir_outcome *oc, kn_err *err)
{
    kn_buf out;
    kn_buf_init(&out, OUTCOME_MAX);
    int rc = fhir_outcome_to_json(oc, &out);
    if (rc == KN_OK)
        rc = http_reply_bytes(req, http, FHIR_JSON, out.data, out.len, err);
    else
        kn_err_set(err, rc, "cannot encode the OperationOutcome");
    kn_buf_release(&out);
    return rc;
}

/* ---- intake ---- */

static int set_location(http_req *req, const store_hub_message *m)
{
    char path[160], url[320];
    if (hub_status_path(m, path, sizeof path) != KN_OK)
        return KN_ETOOLARGE;
    const char *base = base_url(req);
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '/') /* like the delivery engine's X-Knute-Ack-Url */
        len--;
    snprintf(url, sizeof url, "%.*s%s", (int)len, base, path);
    for (size_t i = 0; i < req->reply.nheaders; i++)
        if (strcmp(req->reply.headers[i].name, "Location") == 0)
            return kn_strcpy(req->reply.headers[i].value, sizeof req->reply.headers[i].value, url);
    return http_reply_header(req, "Location", url);
}

/* 202 with Location and an information OperationOutcome (plus warnings). */
static int reply_accepted(http_req *req, hub_intake_op *op, kn_err *err)
{
    fhir_outcome_add_expr(&op->outcome, FHIR_SEV_INFORMATION, "informational", NULL, NULL,
                          "Meldingen er mottatt og registrert");
    int rc = reply_outcome(req, 202, &op->outcome, err);
    if (rc == KN_OK && set_location(req, &op->msg) != KN_OK)
        rc = kn_err_set(err, KN_EINTERNAL, "cannot set the Location header");
    return rc;
}

/* The commit (writer thread): a duplicate answers 200 with the original's
 * Location; then resume. Cheap: a status and one header rewritten. */
static void intake_done(void *cls, int status, const kn_err *err)
{
    http_req *req = cls;
    hub_intake_op *op = &req->op.hub_intake;
    if (status == KN_OK && op->dup) {
        req->reply.status = 200;
        set_location(req, &op->msg);
    }
    http_req_resume(req, status, err);
}

static int intake(http_req *req, const char *kind, kn_err *err)
{
    hub_ctx *hub = req->env->app->hub;
    hub_intake_op *op = &req->op.hub_intake;
    hub_intake_req in = {&req->principal, orgnr_of(req), kind, req->body.data ? req->body.data : "",
                         req->body.len, req->request_id};
    int rc = hub_intake_prepare(hub, &in, op, err);
    if (rc == KN_EUNPROCESSABLE || (rc == KN_EINVAL && op->outcome.count))
        rc = reply_outcome(req, kn_status_http(rc), &op->outcome, err);
    else if (rc == KN_OK && (rc = reply_accepted(req, op, err)) == KN_OK) {
        hub_intake_op_release(op); /* the outcome is in the reply now */
        http_req_suspend(req);
        rc = hub_intake_submit(hub, op, intake_done, req, err);
        if (rc != KN_OK)
            http_req_resume(req, rc, err); /* nothing queued: answer the problem */
        return KN_OK;
    }
    hub_intake_op_release(op);
    return rc;
}

int http_h_hub_process_message(http_req *req, kn_err *err)
{
    return intake(req, "message", err);
}

/* POST /epj/r4/{orgnr}/<Kind>: the kind is the pattern's last segment. */
int http_h_hub_intake(http_req *req, kn_err *err)
{
    const char *slash = strrchr(req->match.route->pattern, '/');
    return intake(req, slash ? slash + 1 : "", err);
}

/* ---- status and acknowledgement ---- */

static const char *task_status(int status)
{
    switch (status) {
    case HUB_REGISTERED: return "requested";
    case HUB_DELIVERED: return "in-progress";
    case HUB_JOURNALED: return "completed";
    default: return "failed";
    }
}

static json_t *task_json(const store_hub_message *m)
{
    char authored[64], modified[64];
    instant_format(m->created_at, authored, sizeof authored);
    instant_format(m->updated_at, modified, sizeof modified);
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s}, s:s, s:s, s:{s:s}, s:{s:{s:s, s:s}}}",
                     "resourceType", "Task", "id", m->id, "status", task_status(m->status),
                     "intent", "order", "businessStatus", "text", hub_status_name(m->status),
                     "code", "text", m->event, "authoredOn", authored, "lastModified", modified,
                     "focus", "display", m->kind, "owner", "identifier", "system",
                     "urn:oid:2.16.578.1.12.4.1.4.101", "value", m->receiver);
}

static int reply_fhir_json(http_req *req, int http, json_t *doc, kn_err *err)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the resource");
    int rc = http_reply_bytes(req, http, FHIR_JSON, text, strlen(text), err);
    free(text);
    return rc;
}

/* {type} must name the message's resource ("Bundle" for messages). */
static int type_matches(const http_req *req, const store_hub_message *m, kn_err *err)
{
    const char *type = http_param(&req->match.params, "type");
    if (!type || strcmp(type, hub_kind_resource(m->kind)) != 0)
        return kn_err_set(err, KN_ENOTFOUND, "no such message");
    return KN_OK;
}

/* The delivery attempts on the Task: one extension DELIVERY_EXT per
 * delivery (destination, status, attempts, lastError, lastAttempt and one
 * "attempt" per recorded attempt: n, at, durationMs, httpStatus, error). */
#define DELIVERY_EXT "https://knute.no/fhir/StructureDefinition/hub-delivery"

static void ext_add(json_t *list, const char *url, const char *type, json_t *value)
{
    json_array_append_new(list, json_pack("{s:s, s:o}", "url", url, type, value));
}

static void ext_instant(json_t *list, const char *url, int64_t ms)
{
    char at[64];
    instant_format(ms, at, sizeof at);
    ext_add(list, url, "valueInstant", json_string(at));
}

static json_t *attempt_json(const store_hub_attempt *a)
{
    json_t *ext = json_array();
    ext_add(ext, "n", "valueInteger", json_integer(a->n));
    ext_instant(ext, "at", a->started_at);
    ext_add(ext, "durationMs", "valueInteger", json_integer(a->duration_ms));
    if (a->http_status > 0)
        ext_add(ext, "httpStatus", "valueInteger", json_integer(a->http_status));
    if (a->error[0])
        ext_add(ext, "error", "valueString", json_string(a->error));
    return json_pack("{s:s, s:o}", "url", "attempt", "extension", ext);
}

static json_t *delivery_json(const hub_delivery_info *d)
{
    json_t *ext = json_array();
    ext_add(ext, "destination", "valueString", json_string(d->dest_name));
    ext_add(ext, "status", "valueCode", json_string(hub_delivery_status_name(d->delivery.status)));
    ext_add(ext, "attempts", "valueInteger", json_integer(d->delivery.attempts));
    if (d->delivery.last_error[0])
        ext_add(ext, "lastError", "valueString", json_string(d->delivery.last_error));
    if (d->n_attempts > 0)
        ext_instant(ext, "lastAttempt", d->attempts[d->n_attempts - 1].started_at);
    for (size_t i = 0; i < d->n_attempts; i++)
        json_array_append_new(ext, attempt_json(&d->attempts[i]));
    return json_pack("{s:s, s:o}", "url", DELIVERY_EXT, "extension", ext);
}

int http_h_hub_status(http_req *req, kn_err *err)
{
    store_hub_message m;
    hub_ctx *hub = req->env->app->hub;
    int rc = hub_status_get(hub, &req->principal, orgnr_of(req),
                            http_param(&req->match.params, "id"), &m, err);
    if (rc == KN_OK)
        rc = type_matches(req, &m, err);
    hub_delivery_info *ds = NULL;
    size_t nd = 0;
    if (rc == KN_OK)
        rc = hub_status_deliveries(hub, &m, &ds, &nd, err);
    if (rc != KN_OK)
        return rc;
    json_t *task = task_json(&m);
    if (task && nd > 0) {
        json_t *ext = json_array();
        for (size_t i = 0; i < nd; i++)
            json_array_append_new(ext, delivery_json(&ds[i]));
        json_object_set_new(task, "extension", ext);
    }
    hub_delivery_info_free(ds, nd);
    return reply_fhir_json(req, 200, task, err);
}

int http_h_hub_ack(http_req *req, kn_err *err)
{
    hub_ctx *hub = req->env->app->hub;
    const char *id = http_param(&req->match.params, "id");
    store_hub_message m;
    int rc = hub_status_get(hub, &req->principal, orgnr_of(req), id, &m, err);
    if (rc == KN_OK)
        rc = type_matches(req, &m, err);
    if (rc == KN_OK)
        rc = hub_acknowledge(hub, &req->principal, orgnr_of(req), id, req->request_id, err);
    if (rc != KN_OK)
        return rc;
    if (m.status != HUB_JOURNALED) {
        m.status = HUB_JOURNALED;
        m.updated_at = kn_now_ms();
    }
    return reply_fhir_json(req, 200, task_json(&m), err);
}

/* ---- pull ---- */

/* "gt2026-01-02T03:04:05.678Z" (or ge; offsets +hh:mm, fraction optional)
 * into the cursor of q. */
static int parse_instant(const char *s, int64_t *ms)
{
    struct tm tm = {0};
    int frac = 0, fdigits = 0, consumed = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return KN_EINVAL;
    const char *p = s + consumed;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, fdigits++)
            if (fdigits < 3)
                frac = frac * 10 + (*p - '0');
    for (int i = fdigits; i < 3; i++)
        frac *= 10;
    long offset = 0;
    int oh, om;
    if ((*p == '+' || *p == '-' || *p == ' ') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && !p[6])
        offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    else if (strcmp(p, "Z") != 0)
        return KN_EINVAL;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return KN_EINVAL;
    *ms = ((int64_t)t - offset) * 1000 + frac;
    return KN_OK;
}

static int pull_cursor(const http_req *req, hub_pull_req *q, kn_err *err)
{
    const char *lu = http_req_query(req, "_lastUpdated");
    q->after_updated = -1;
    q->after_seq = 0;
    if (!lu)
        return KN_OK;
    int ge = strncmp(lu, "ge", 2) == 0;
    if ((!ge && strncmp(lu, "gt", 2) != 0) || parse_instant(lu + 2, &q->after_updated) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "_lastUpdated must be gt<instant> or ge<instant>");
    if (ge) {
        q->after_updated -= 1;
        q->after_seq = INT64_MAX;
        return KN_OK;
    }
    long seq = 0;
    int rc = http_query_long(req, "_cursor", 0, LONG_MAX, -1, &seq, err);
    q->after_seq = seq < 0 ? INT64_MAX : seq;
    return rc;
}

/* _tag:not=journaled (also "system|journaled"): skip that status. */
static int pull_tag(const http_req *req, hub_pull_req *q, kn_err *err)
{
    const char *tag = http_req_query(req, "_tag:not");
    if (!tag)
        return KN_OK;
    const char *bar = strrchr(tag, '|');
    q->not_status = hub_status_parse(bar ? bar + 1 : tag);
    if (!q->not_status)
        return kn_err_set(err, KN_EINVAL,
                          "_tag:not must be registered, delivered, journaled or failed");
    return KN_OK;
}

/* One entry: fullUrl (+ "/$journaling-acknowledged" acknowledges it), the
 * resource exactly as posted, and a link to its status. */
static int put_entry(kn_buf *out, const http_req *req, const store_hub_message *m, int first)
{
    char url[320];
    snprintf(url, sizeof url, "%s/epj/r4/%s/%s/%s", base_url(req), m->receiver,
             hub_kind_resource(m->kind), m->id);
    int rc = kn_buf_printf(out, "%s{\"fullUrl\":\"%s\",\"link\":[{\"relation\":\"status\","
                                "\"url\":\"%s/$status\"}],\"resource\":",
                           first ? "" : ",", url, url);
    if (rc == KN_OK)
        rc = kn_buf_append(out, m->body ? m->body : "{}", m->body ? m->body_len : 2);
    return rc == KN_OK ? kn_buf_puts(out, ",\"search\":{\"mode\":\"match\"}}") : rc;
}

/* The link to the next page: same filter, cursor after the last entry. */
static int put_links(kn_buf *out, const http_req *req, const hub_pull_req *q,
                     const store_hub_message *last)
{
    char self[64];
    snprintf(self, sizeof self, "/epj/r4/%s/Bundle", q->receiver);
    int rc = kn_buf_printf(out, "\"link\":[{\"relation\":\"self\",\"url\":\"%s%s\"}", base_url(req),
                           self);
    if (rc == KN_OK && last) {
        char when[64];
        instant_format(last->updated_at, when, sizeof when);
        rc = kn_buf_printf(out, ",{\"relation\":\"next\",\"url\":\"%s%s?_lastUpdated=gt%s"
                                "&_cursor=%" PRId64 "&_count=%zu%s%s\"}",
                           base_url(req), self, when, last->seq, q->limit,
                           q->not_status ? "&_tag:not=" : "",
                           q->not_status ? hub_status_name(q->not_status) : "");
    }
    return rc == KN_OK ? kn_buf_puts(out, "],") : rc;
}

static int reply_searchset(http_req *req, const hub_pull_req *q, const store_hub_message *list,
                           size_t n, kn_err *err)
{
    kn_buf out;
    kn_buf_init(&out, (size_t)HUB_PULL_MAX * (1u << 20) + 65536);
    int rc = kn_buf_puts(&out, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",");
    if (rc == KN_OK)
        rc = put_links(&out, req, q, n == q->limit && n ? &list[n - 1] : NULL);
    if (rc == KN_OK)
        rc = kn_buf_puts(&out, "\"entry\":[");
    for (size_t i = 0; rc == KN_OK && i < n; i++)
        rc = put_entry(&out, req, &list[i], i == 0);
    if (rc == KN_OK)
        rc = kn_buf_puts(&out, "]}");
    if (rc == KN_OK)
        rc = http_reply_bytes(req, 200, FHIR_JSON, out.data, out.len, err);
    else
        kn_err_set(err, rc, "cannot encode the searchset");
    kn_buf_release(&out);
    return rc;
}

int http_h_hub_pull(http_req *req, kn_err *err)
{
    long count;
    hub_pull_req q = {.who = &req->principal, .receiver = orgnr_of(req),
                      .request_id = req->request_id};
    int rc = http_query_long(req, "_count", 1, HUB_PULL_MAX, PULL_DEFAULT, &count, err);
    if (rc == KN_OK)
        rc = pull_cursor(req, &q, err);
    if (rc == KN_OK)
        rc = pull_tag(req, &q, err);
    store_hub_message *list = NULL;
    size_t n = 0;
    q.limit = (size_t)count;
    if (rc == KN_OK)
        rc = hub_pull(req->env->app->hub, &q, &list, &n, err);
    if (rc == KN_OK)
        rc = reply_searchset(req, &q, list, n, err);
    store_hub_message_list_free(list, n);
    return rc;
}
