/* resp_alarm.c - alarm intake (resp.h "alarm intake"): access, strict input
 * checks, the device and the citizen, priority with the citizen's profile,
 * the first routing step and its timer, flood control, then one durable
 * write (alarm + "created" event + audit) whose committed event is published
 * on the live bus before the caller hears of it. Nothing is written unless
 * every check passed. Also the module's RFC 3339 parser and access helper.
 */
#include "resp_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- RFC 3339 ---- */

/* "YYYY-MM-DDTHH:MM:SS" at s; fills the parts; 1 when well-formed and real. */
static int parse_datetime(const char *s, int *y, int *mo, int *d, int *h, int *mi, int *sec)
{
    if (!resp_digits(s, 4, y) || s[4] != '-' || !resp_digits(s + 5, 2, mo) || s[7] != '-' ||
        !resp_digits(s + 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !resp_digits(s + 11, 2, h) ||
        s[13] != ':' || !resp_digits(s + 14, 2, mi) || s[16] != ':' || !resp_digits(s + 17, 2, sec))
        return 0;
    return *y >= 1 && *mo >= 1 && *mo <= 12 && *d >= 1 && *d <= resp_days_in_month(*y, *mo) &&
           *h <= 23 && *mi <= 59 && *sec <= 59;
}

/* ".123" (any number of digits; ms kept), then "Z" or "+HH:MM"/"-HH:MM". */
static int parse_tail(const char *s, int *ms, int *offset_min)
{
    *ms = 0;
    if (*s == '.') {
        int n = 0, scale = 100;
        for (s++; *s >= '0' && *s <= '9'; s++, n++) {
            *ms += (*s - '0') * scale;
            scale /= 10;
        }
        if (n == 0 || n > 9)
            return 0;
    }
    if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
        *offset_min = 0;
        return 1;
    }
    int oh, om;
    if ((s[0] != '+' && s[0] != '-') || !resp_digits(s + 1, 2, &oh) || s[3] != ':' ||
        !resp_digits(s + 4, 2, &om) || s[6] != '\0' || oh > 23 || om > 59)
        return 0;
    *offset_min = (s[0] == '-' ? -1 : 1) * (oh * 60 + om);
    return 1;
}

int resp_parse_time(const char *s, int64_t *ms_out, kn_err *err)
{
    int y, mo, d, h, mi, sec, ms, off;
    if (!s || strlen(s) < 20 || !parse_datetime(s, &y, &mo, &d, &h, &mi, &sec) ||
        !parse_tail(s + 19, &ms, &off))
        return kn_err_set(err, KN_EINVAL,
                          "not an RFC 3339 time with offset (e.g. 2026-11-22T10:15:00+01:00)");
    int64_t secs = resp_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off * 60;
    *ms_out = secs * 1000 + ms;
    return KN_OK;
}

/* ---- access ---- */

int resp_access(const auth_principal *p, uint32_t roles, const char *municipality,
                const char *scope, kn_err *err)
{
    if (p && p->kind == AUTH_PRINCIPAL_CLIENT)
        return auth_require(p, AUTH_ROLE_ANY, municipality, scope, err);
    return auth_require(p, roles, municipality, NULL, err);
}

/* ---- input checks ---- */

static int check_text(const char *value, size_t max, const char *field, kn_err *err)
{
    if (!value)
        return KN_OK;
    if (strlen(value) > max)
        return kn_err_set(err, KN_EINVAL, "field '%s' is longer than %zu bytes", field, max);
    json_t *probe = json_string(value); /* NULL unless valid UTF-8 */
    if (!probe)
        return kn_err_set(err, KN_EINVAL, "field '%s' is not valid UTF-8", field);
    json_decref(probe);
    return KN_OK;
}

static int check_code(const char *code, int severity, const char *triage, kn_err *err)
{
    if (!code || !*code)
        return kn_err_set(err, KN_EINVAL, "field 'alert_code' is required");
    if (!resp_alert_lookup(code))
        return kn_err_set(err, KN_EINVAL, "field 'alert_code': '%.15s' is not a VKP alert code",
                          code);
    if (!resp_severity_valid(severity))
        return kn_err_set(err, KN_EINVAL, "field 'severity': must be one of 0, 10, 20, 30, 40");
    if (triage && *triage && !resp_triage_valid(triage))
        return kn_err_set(err, KN_EINVAL, "field 'triage': must be one of R, O, Y, G, B, BL, NR");
    return KN_OK;
}

static int check_input(const resp_alarm_in *in, int64_t *occurred, kn_err *err)
{
    if ((!in->device || !*in->device) && (!in->citizen_id || !*in->citizen_id))
        return kn_err_set(err, KN_EINVAL, "field 'device' or 'citizen_id' is required");
    int rc = check_code(in->alert_code, in->severity < 0 ? 0 : in->severity, in->triage, err);
    if (rc != KN_OK)
        return rc;
    if (!in->time || !*in->time)
        return kn_err_set(err, KN_EINVAL, "field 'time' is required");
    kn_err why;
    if (resp_parse_time(in->time, occurred, &why) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'time': %s", why.msg);
    if (in->has_position && (!isfinite(in->lat) || !isfinite(in->lon) || in->lat < -90 ||
                             in->lat > 90 || in->lon < -180 || in->lon > 180))
        return kn_err_set(err, KN_EINVAL, "field 'position': lat must be -90..90, lon -180..180");
    if (in->battery < -1 || in->battery > 100)
        return kn_err_set(err, KN_EINVAL, "field 'battery': must be 0..100");
    rc = check_text(in->text, 255, "text", err);
    if (rc == KN_OK)
        rc = check_text(in->external_id, 127, "id", err);
    if (rc == KN_OK)
        rc = check_text(in->device, 63, "device", err);
    if (rc == KN_OK)
        rc = check_text(in->citizen_id, 32, "citizen_id", err);
    return rc;
}

/* The device of the municipality and the citizen it is lent to. */
static int find_device(resp_ctx *ctx, const char *municipality, const resp_alarm_in *in,
                       store_device *dev, kn_err *err)
{
    kn_err why;
    int rc = ctx->st->ops->resp->device_find(ctx->st, municipality, in->device, dev, &why);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "field 'device': unknown device in %s", municipality);
    if (rc != KN_OK)
        return kn_err_set(err, rc, "%s", why.msg);
    if (!dev->citizen_id[0])
        return kn_err_set(err, KN_EUNPROCESSABLE,
                          "field 'device': the device is in stock, not lent to a citizen");
    if (in->citizen_id && *in->citizen_id && strcmp(in->citizen_id, dev->citizen_id) != 0)
        return kn_err_set(
            err, KN_EUNPROCESSABLE,
            "fields 'device' and 'citizen_id' disagree: the device is lent to another citizen");
    return KN_OK;
}

/* The citizen, who must belong to the municipality; snapshot name/address. */
static int load_citizen(resp_ctx *ctx, store_resp_alarm *a, kn_err *err)
{
    store_citizen c;
    kn_err why;
    int rc = ctx->st->ops->citizen_get(ctx->st, a->citizen_id, &c, &why);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && strcmp(c.municipality, a->municipality) != 0))
        return kn_err_set(err, KN_ENOTFOUND, "field 'citizen_id': unknown citizen in %s",
                          a->municipality);
    if (rc != KN_OK)
        return kn_err_set(err, rc, "%s", why.msg);
    char name[2 * STORE_NAME_LEN];
    snprintf(name, sizeof name, "%s %s", c.given_name, c.family_name);
    kn_strcpy(a->citizen_name, sizeof a->citizen_name, name); /* truncated if very long */
    kn_strcpy(a->address, sizeof a->address, c.address);
    return KN_OK;
}

/* Priority (with the citizen's rules), the first routing step and its timer,
 * state NEW; a->received_at must be set. */
static void triage_and_route(resp_ctx *ctx, store_resp_alarm *a)
{
    store_resp_profile profile;
    memset(&profile, 0, sizeof profile);
    resp_profile_load(ctx, a->citizen_id, &profile);
    const resp_alert_info *info = resp_alert_lookup(a->alert_code);
    int code_technical = info && info->technical;
    a->priority = resp_priority(a->alert_code, a->severity, a->triage, &profile);
    /* A source may know better: supervision raises "ingen kontakt" under the
     * device's category code (3 for a safety alarm), whose default is a
     * person's call for help. A technical alarm is yellow at most urgent. */
    if (a->technical && !code_technical && a->priority < RESP_TECHNICAL_PRIORITY)
        a->priority = RESP_TECHNICAL_PRIORITY;
    a->technical = a->technical || code_technical;
    a->state = RESP_ST_NEW;
    a->route_step = 0;
    store_resp_step step;
    memset(&step, 0, sizeof step);
    resp_route_step(ctx, a, 0, a->received_at, &step);
    int timeout = step.timeout_s > 0 ? step.timeout_s : ctx->o.default_step_timeout_s;
    a->next_timer_at = a->received_at + (int64_t)timeout * 1000;
}

/* ---- flood control ---- */

static size_t flood_slot(const char *device_id)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *c = device_id; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ull;
    return (size_t)(h % (sizeof((resp_ctx *)0)->flood / sizeof((resp_ctx *)0)->flood[0]));
}

/* Count one alarm of the device; 1 when it is over flood_max in the window. */
static int flood_count(resp_ctx *ctx, const char *device_id, int64_t now)
{
    if (!device_id[0] || ctx->o.flood_max <= 0)
        return 0;
    pthread_mutex_lock(&ctx->flood_mu);
    struct resp_flood_slot *s = &ctx->flood[flood_slot(device_id)];
    if (strcmp(s->device_id, device_id) != 0 ||
        now - s->window_start >= (int64_t)ctx->o.flood_window_s * 1000) {
        kn_strcpy(s->device_id, sizeof s->device_id, device_id);
        s->window_start = now;
        s->count = 0;
    }
    int over = ++s->count > ctx->o.flood_max;
    pthread_mutex_unlock(&ctx->flood_mu);
    return over;
}

/* A flooding device's alarm takes the code of the device's newest open
 * alarm that is at least as urgent, so the store merges it there
 * (merge_open); the event text keeps the code it came with. A more urgent
 * alarm than every open one of the device (a fall amid battery warnings)
 * keeps its own queue line: a flood never hides an urgent alarm. */
static void flood_redirect(resp_ctx *ctx, resp_alarm_op *op)
{
    store_resp_alarm *a = &op->alarm;
    const char *munis[1] = {a->municipality};
    store_resp_filter f = {munis, 1, 1, a->citizen_id, 0, 0, 0, STORE_RESP_PAGE_MAX};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (ctx->st->ops->resp->alarm_list(ctx->st, &f, &list, &n, &total, NULL) != KN_OK)
        return;
    const store_resp_alarm *into = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].device_id, a->device_id) == 0 && list[i].priority <= a->priority &&
            (!into || list[i].received_at > into->received_at))
            into = &list[i];
    if (into && strcmp(into->alert_code, a->alert_code) != 0) {
        snprintf(op->event.text, sizeof op->event.text, "flom: %s %s", a->alert_code,
                 resp_alert_lookup(a->alert_code)->display);
        kn_strcpy(a->alert_code, sizeof a->alert_code, into->alert_code);
        a->priority = into->priority; /* should it be new after all (closed meanwhile) */
        a->technical = into->technical;
    }
    free(list);
}

/* ---- prepare / submit ---- */

/* Everything after the alarm's own fields: citizen, triage, route, event,
 * audit, flood. p NULL = system. */
static int finish_prepare(resp_ctx *ctx, const auth_principal *p, const char *request_id,
                          resp_alarm_op *op, kn_err *err)
{
    store_resp_alarm *a = &op->alarm;
    int rc = load_citizen(ctx, a, err);
    if (rc != KN_OK)
        return rc;
    if (!a->id[0])
        kn_id_new(a->id);
    triage_and_route(ctx, a);
    a->version = 0;
    a->journal = RESP_J_NONE;
    resp_event_init(&op->event, RESP_EV_CREATED, a->received_at, p, NULL);
    kn_strcpy(op->event.alarm_id, sizeof op->event.alarm_id, a->id);
    kn_strcpy(op->event.municipality, sizeof op->event.municipality, a->municipality);
    audit_event_init(&op->audit, p, "resp.alarm.create", a->municipality, "resp_alarm", a->id,
                     request_id, "ok");
    if (flood_count(ctx, a->device_id, a->received_at))
        flood_redirect(ctx, op);
    return KN_OK;
}

static void fill_from_input(resp_ctx *ctx, const char *municipality, const resp_alarm_in *in,
                            int64_t occurred, const store_device *dev, store_resp_alarm *a)
{
    kn_strcpy(a->municipality, sizeof a->municipality, municipality);
    kn_strcpy(a->citizen_id, sizeof a->citizen_id, dev ? dev->citizen_id : in->citizen_id);
    kn_strcpy(a->device_id, sizeof a->device_id, dev ? dev->id : "");
    kn_strcpy(a->source, sizeof a->source, "api");
    kn_strcpy(a->external_id, sizeof a->external_id, in->external_id ? in->external_id : "");
    kn_strcpy(a->alert_code, sizeof a->alert_code, in->alert_code);
    a->severity = in->severity < 0 ? 0 : in->severity;
    kn_strcpy(a->triage, sizeof a->triage, in->triage ? in->triage : "");
    a->occurred_at = occurred;
    a->received_at = resp_now(ctx);
    a->has_position = in->has_position != 0;
    a->lat = in->has_position ? in->lat : 0;
    a->lon = in->has_position ? in->lon : 0;
    a->battery = in->battery;
    kn_strcpy(a->text, sizeof a->text, in->text ? in->text : "");
}

int resp_alarm_prepare(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                       const resp_alarm_in *in, const char *request_id, resp_alarm_op *op,
                       kn_err *err)
{
    memset(op, 0, sizeof *op);
    if (!municipality || !*municipality)
        return kn_err_set(err, KN_EINVAL, "municipality is required");
    int rc = resp_access(p, RESP_ROLES_OPERATE, municipality, RESP_SCOPE_ALARM, err);
    if (rc != KN_OK)
        return rc;
    int64_t occurred = 0;
    rc = check_input(in, &occurred, err);
    if (rc != KN_OK)
        return rc;
    store_device dev;
    int has_device = in->device && *in->device;
    if (has_device && (rc = find_device(ctx, municipality, in, &dev, err)) != KN_OK)
        return rc;
    fill_from_input(ctx, municipality, in, occurred, has_device ? &dev : NULL, &op->alarm);
    return finish_prepare(ctx, p, request_id, op, err);
}

/* Writer thread, after COMMIT: publish what was written, then tell the
 * caller (its last touch of op). A duplicate wrote nothing. */
static void submit_done(void *cls, int status, const kn_err *err)
{
    resp_alarm_op *op = cls;
    if (status == KN_OK && op->merged != 2)
        resp_bus_publish(op->ctx->bus, &op->alarm, &op->event);
    op->done(op->cls, status, err);
}

int resp_alarm_submit(resp_ctx *ctx, resp_alarm_op *op, store_done_fn done, void *cls, kn_err *err)
{
    op->ctx = ctx;
    op->done = done;
    op->cls = cls;
    op->merged = 0;
    return ctx->st->ops->resp->alarm_create_async(ctx->st, &op->alarm, &op->event, 1, 1,
                                                  op->hub_seq, &op->merged, &op->audit, submit_done,
                                                  op, err);
}

static int submit_and_wait(resp_ctx *ctx, resp_alarm_op *op, kn_err *err)
{
    store_waiter w;
    store_waiter_init(&w);
    int rc = resp_alarm_submit(ctx, op, store_waiter_done, &w, err);
    if (rc != KN_OK) {
        store_waiter_destroy(&w);
        return rc;
    }
    return store_waiter_wait(&w, err);
}

int resp_alarm_create(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                      const resp_alarm_in *in, const char *request_id, resp_alarm_op *op,
                      kn_err *err)
{
    int rc = resp_alarm_prepare(ctx, p, municipality, in, request_id, op, err);
    return rc == KN_OK ? submit_and_wait(ctx, op, err) : rc;
}

int resp_alarm_create_system(resp_ctx *ctx, resp_alarm_op *op, kn_err *err)
{
    store_resp_alarm *a = &op->alarm;
    if (!a->municipality[0] || !a->citizen_id[0])
        return kn_err_set(err, KN_EINVAL, "system alarm: municipality and citizen_id are required");
    int rc = check_code(a->alert_code, a->severity, a->triage, err);
    if (rc != KN_OK)
        return rc;
    if (!a->source[0])
        kn_strcpy(a->source, sizeof a->source, "super");
    if (a->received_at == 0) /* resp_tick passes its own "now" */
        a->received_at = resp_now(ctx);
    if (a->occurred_at == 0)
        a->occurred_at = a->received_at;
    rc = finish_prepare(ctx, NULL, NULL, op, err);
    return rc == KN_OK ? submit_and_wait(ctx, op, err) : rc;
}
