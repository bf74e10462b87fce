/* resp_timer.c - what happens when nobody acts: escalation of unclaimed alarms
 * along their routing steps, reminders for claimed-but-unacknowledged and
 * forgotten alarms, and supervision of devices that stop sending heartbeats
 * (the technical alarm "ingen kontakt"). resp_tick is one pass at a given
 * moment (the worker calls it every second with the context's clock; tests
 * call it with their own). Every alarm change goes through resp_update
 * (compare-and-set): when an operator wrote in between, the timer skips that
 * alarm and the next tick looks again.
 */
#include "resp_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_BATCH 256
#define TICK_ROUNDS 16                      /* batches per tick at most */
#define HEARTBEAT_FUTURE_MS (5 * 60 * 1000) /* clock skew a device may have */
#define NOTE_ATTEMPTS 3
/* silent_alarm_id of a silent device no alarm can be raised for (back in
 * stock, deleted, its citizen gone): marked so that it does not come first in
 * every pass again; its next heartbeat clears the mark like an alarm's. */
#define SILENT_NO_CITIZEN "-"

/* ---- escalation and reminders ---- */

/* "pårørende: Kari Hansen +47 911 22 333, Per Nabo 99 88 77 66": the
 * citizen's relatives in call order, as far as they fit. */
static void relatives_text(resp_ctx *ctx, const store_resp_alarm *a, char *out, size_t size)
{
    store_resp_profile *p = calloc(1, sizeof *p);
    size_t len = (size_t)snprintf(out, size, "pårørende");
    int named = 0;
    if (p)
        resp_profile_load(ctx, a->citizen_id, p);
    for (int order = 1; p && order <= STORE_RESP_MAX_RELATIVES && len < size; order++)
        for (int i = 0; i < p->nrelatives && len < size; i++)
            if (p->relatives[i].call_order == order)
                len += (size_t)snprintf(out + len, size - len, "%s%s %s", named++ ? ", " : ": ",
                                        p->relatives[i].name, p->relatives[i].phone);
    if (!named && len < size)
        snprintf(out + len, size - len, " (ingen registrert)");
    free(p);
}

/* "vakttelefon 99 99 99 99": who a step notifies, as operators read it. */
static void step_recipient(resp_ctx *ctx, const store_resp_alarm *a, const store_resp_step *s,
                           char *out, size_t size)
{
    switch (s->kind) {
    case RESP_STEP_HOMECARE:
        snprintf(out, size, "hjemmetjenestegruppe %s", s->target);
        break;
    case RESP_STEP_ONCALL:
        snprintf(out, size, "vakttelefon %s", s->target);
        break;
    case RESP_STEP_RELATIVES:
        relatives_text(ctx, a, out, size);
        break;
    default:
        snprintf(out, size, "%s", s->target[0] ? s->target : "responssenteret");
        break;
    }
}

/* Write the timer's change of one alarm with its one event (system actor). */
static int timer_write(resp_ctx *ctx, const store_resp_alarm *old, store_resp_alarm *next, int kind,
                       int64_t now, const char *text, kn_err *err)
{
    store_resp_event ev;
    resp_event_init(&ev, kind, now, NULL, text);
    kn_strcpy(ev.alarm_id, sizeof ev.alarm_id, old->id);
    kn_strcpy(ev.municipality, sizeof ev.municipality, old->municipality);
    next->escalations = old->escalations + 1;
    return resp_update(ctx, next, old->version, &ev, 1, NULL, err);
}

/* NEW alarm whose step timed out: the next routing step, or, past the last
 * one, the same recipient once more every renotify_s. */
static int escalate(resp_ctx *ctx, const store_resp_alarm *a, int64_t now, resp_tick_report *rep,
                    kn_err *err)
{
    store_resp_alarm next = *a;
    store_resp_step step;
    char who[400], text[STORE_RESP_TEXT_LEN];
    int kind;
    if (resp_route_step(ctx, a, a->route_step + 1, now, &step)) {
        next.route_step = a->route_step + 1;
        next.next_timer_at = now + (int64_t)step.timeout_s * 1000;
        kind = RESP_EV_ESCALATED;
        step_recipient(ctx, a, &step, who, sizeof who);
        snprintf(text, sizeof text, "Varslet %s", who);
    } else {
        resp_route_step(ctx, a, a->route_step, now, &step);
        next.next_timer_at = now + (int64_t)ctx->o.renotify_s * 1000;
        kind = RESP_EV_RENOTIFIED;
        step_recipient(ctx, a, &step, who, sizeof who);
        snprintf(text, sizeof text, "Ikke tatt: varslet %s på nytt", who);
    }
    int rc = timer_write(ctx, a, &next, kind, now, text, err);
    if (rc == KN_OK)
        ++*(kind == RESP_EV_ESCALATED ? &rep->escalated : &rep->renotified);
    return rc;
}

/* Claimed but not acknowledged, or acknowledged / called out without
 * progress: remind, and look again after `every_s`. */
static int remind(resp_ctx *ctx, const store_resp_alarm *a, int64_t now, int every_s,
                  const char *text, resp_tick_report *rep, kn_err *err)
{
    store_resp_alarm next = *a;
    next.next_timer_at = now + (int64_t)every_s * 1000;
    int rc = timer_write(ctx, a, &next, RESP_EV_RENOTIFIED, now, text, err);
    if (rc == KN_OK)
        rep->renotified++;
    return rc;
}

static int timer_fire(resp_ctx *ctx, const store_resp_alarm *a, int64_t now, resp_tick_report *rep,
                      kn_err *err)
{
    char text[256];
    switch (a->state) {
    case RESP_ST_NEW:
        return escalate(ctx, a, now, rep, err);
    case RESP_ST_CLAIMED:
        snprintf(text, sizeof text, "Påminnelse: tatt av %s, men ikke kvittert",
                 a->claimed_by_name[0] ? a->claimed_by_name : "en operatør");
        return remind(ctx, a, now, ctx->o.renotify_s, text, rep, err);
    case RESP_ST_ACKNOWLEDGED:
        return remind(ctx, a, now, ctx->o.forgotten_s, "Glemt? Kvittert, men ikke fulgt opp", rep,
                      err);
    case RESP_ST_CALLOUT:
        return remind(ctx, a, now, ctx->o.forgotten_s, "Glemt? Utrykning uten fremdrift", rep, err);
    default:
        return KN_OK;
    }
}

/* Due alarm timers, in batches; a batch in which nothing could be written
 * (every alarm changed under us) ends the pass: the next tick retries. */
static int tick_timers(resp_ctx *ctx, int64_t now, resp_tick_report *rep, kn_err *err)
{
    for (int round = 0; round < TICK_ROUNDS; round++) {
        store_resp_alarm *list = NULL;
        size_t n = 0, written = 0;
        int rc = ctx->st->ops->resp->timers_due(ctx->st, now, TICK_BATCH, &list, &n, err);
        for (size_t i = 0; rc == KN_OK && i < n; i++) {
            int r = timer_fire(ctx, &list[i], now, rep, err);
            if (r == KN_OK)
                written++;
            else if (r != KN_ECONFLICT && r != KN_ENOTFOUND)
                rc = r;
        }
        free(list);
        if (rc != KN_OK)
            return rc;
        if (n < TICK_BATCH || written == 0)
            break;
    }
    return KN_OK;
}

/* ---- supervision ---- */

typedef struct supervised {
    const char *type;       /* store_device.type */
    size_t interval_off;    /* offsetof the resp_opts interval */
    const char *alert_code; /* "ingen kontakt": the category of the device, 1.20 for dispensers */
} supervised;

static const supervised supervised_types[] = {
    {"safety_alarm", offsetof(resp_opts, supervise_safety_alarm_s), "3"},
    {"medication_dispenser", offsetof(resp_opts, supervise_medication_dispenser_s), "1.20"},
    {"gps_tracker", offsetof(resp_opts, supervise_gps_tracker_s), "2"},
    {"camera", offsetof(resp_opts, supervise_camera_s), "4"},
    {"vitals_kit", offsetof(resp_opts, supervise_vitals_kit_s), "5"},
};
#define NSUPERVISED (sizeof supervised_types / sizeof supervised_types[0])

static int interval_s(const resp_ctx *ctx, const supervised *t)
{
    int v;
    memcpy(&v, (const char *)&ctx->o + t->interval_off, sizeof v);
    return v;
}

/* Raise "ingen kontakt" for one silent device and mark its heartbeat, so the
 * next pass does not raise it again. A device back in stock has no citizen
 * to raise it for: only marked. */
static int raise_silent(resp_ctx *ctx, const supervised *t, const store_resp_heartbeat *hb,
                        int64_t now, resp_tick_report *rep, kn_err *err)
{
    store_device d;
    int rc = ctx->st->ops->resp->device_find(ctx->st, hb->municipality, hb->device_id, &d, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && !d.citizen_id[0]))
        return ctx->st->ops->resp->heartbeat_set_silent(ctx->st, hb->device_id, SILENT_NO_CITIZEN,
                                                        err);
    if (rc != KN_OK)
        return rc;
    resp_alarm_op *op = calloc(1, sizeof *op);
    if (!op)
        return kn_err_set(err, KN_ENOMEM, "out of memory");
    store_resp_alarm *a = &op->alarm;
    kn_strcpy(a->municipality, sizeof a->municipality, hb->municipality);
    kn_strcpy(a->citizen_id, sizeof a->citizen_id, d.citizen_id);
    kn_strcpy(a->device_id, sizeof a->device_id, d.id);
    kn_strcpy(a->source, sizeof a->source, "super");
    kn_strcpy(a->alert_code, sizeof a->alert_code, t->alert_code);
    a->technical = 1;
    a->occurred_at = now;
    a->received_at = now;
    a->battery = hb->battery;
    char since[32];
    resp_local_format(hb->last_seen, since, sizeof since);
    snprintf(a->text, sizeof a->text, "Ingen kontakt siden %s", since);
    rc = resp_alarm_create_system(ctx, op, err);
    const char *mark = rc == KN_OK ? a->id : NULL;
    if (rc == KN_EINVAL || rc == KN_ENOTFOUND || rc == KN_EUNPROCESSABLE) {
        /* this device's data will not make an alarm (e.g. its citizen is
         * gone): say so once and go on with the others */
        kn_log(KN_LOG_WARN, "resp.supervise.failed", "{s:s, s:s}", "device_id", hb->device_id,
               "status", kn_status_code(rc));
        mark = SILENT_NO_CITIZEN;
    } else if (rc == KN_OK && op->merged == 0) {
        rep->silent++;
    }
    if (mark)
        rc = ctx->st->ops->resp->heartbeat_set_silent(ctx->st, hb->device_id, mark, err);
    free(op);
    return rc;
}

static int supervise_type(resp_ctx *ctx, const supervised *t, int64_t now, resp_tick_report *rep,
                          kn_err *err)
{
    int every = interval_s(ctx, t);
    if (every <= 0)
        return KN_OK;
    int rc = KN_OK;
    for (int round = 0; rc == KN_OK && round < TICK_ROUNDS; round++) {
        store_resp_heartbeat *list = NULL;
        size_t n = 0;
        rc = ctx->st->ops->resp->heartbeat_silent(ctx->st, t->type, now - (int64_t)every * 1000,
                                                  TICK_BATCH, &list, &n, err);
        for (size_t i = 0; rc == KN_OK && i < n; i++)
            rc = raise_silent(ctx, t, &list[i], now, rep, err);
        free(list);
        if (n < TICK_BATCH)
            break;
    }
    return rc;
}

int resp_tick(resp_ctx *ctx, int64_t now, resp_tick_report *out, kn_err *err)
{
    resp_tick_report rep = {0};
    /* Each part runs even when an earlier one failed; the first error is returned. */
    int rc = tick_timers(ctx, now, &rep, err);
    for (size_t i = 0; i < NSUPERVISED; i++) {
        kn_err more;
        int r = supervise_type(ctx, &supervised_types[i], now, &rep, rc == KN_OK ? err : &more);
        if (rc == KN_OK)
            rc = r;
    }
    if (out)
        *out = rep;
    return rc;
}

/* ---- heartbeats ---- */

/* Note "kontakt igjen" on the alarm whose supervision the heartbeat cleared
 * (retrying when an operator wrote it at the same moment). */
static int note_restored(resp_ctx *ctx, const char *alarm_id, int64_t seen, int64_t now,
                         kn_err *err)
{
    char when[32], text[64];
    resp_local_format(seen, when, sizeof when);
    snprintf(text, sizeof text, "Kontakt igjen %s", when);
    int rc = KN_ECONFLICT;
    for (int attempt = 0; rc == KN_ECONFLICT && attempt < NOTE_ATTEMPTS; attempt++) {
        store_resp_alarm a;
        rc = ctx->st->ops->resp->alarm_get(ctx->st, alarm_id, &a, err);
        if (rc == KN_ENOTFOUND || (rc == KN_OK && a.state == RESP_ST_CLOSED))
            return KN_OK;
        if (rc != KN_OK)
            return rc;
        store_resp_event ev;
        resp_event_init(&ev, RESP_EV_CONTACT_RESTORED, now, NULL, text);
        kn_strcpy(ev.alarm_id, sizeof ev.alarm_id, a.id);
        kn_strcpy(ev.municipality, sizeof ev.municipality, a.municipality);
        int64_t version = a.version;
        rc = resp_update(ctx, &a, version, &ev, 1, NULL, err);
    }
    return rc == KN_ECONFLICT ? KN_OK : rc;
}

static int heartbeat_time(const char *time, int64_t now, int64_t *at, kn_err *err)
{
    *at = now;
    if (!time)
        return KN_OK;
    int rc = resp_parse_time(time, at, err);
    if (rc == KN_OK && *at > now + HEARTBEAT_FUTURE_MS)
        return kn_err_set(err, KN_EINVAL, "field 'time': more than 5 minutes in the future");
    return rc;
}

int resp_heartbeat(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                   const char *device, const char *time, int battery, const char *request_id,
                   kn_err *err)
{
    (void)request_id;
    int rc = resp_access(p, RESP_ROLES_OPERATE, municipality, RESP_SCOPE_ALARM, err);
    if (rc != KN_OK)
        return rc;
    if (!device || !*device)
        return kn_err_set(err, KN_EINVAL, "field 'device' is required");
    if (battery < -1 || battery > 100)
        return kn_err_set(err, KN_EINVAL, "field 'battery': must be 0..100");
    int64_t now = resp_now(ctx), at;
    rc = heartbeat_time(time, now, &at, err);
    if (rc != KN_OK)
        return rc;
    store_device d;
    rc = ctx->st->ops->resp->device_find(ctx->st, municipality, device, &d, err);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "field 'device': no device %s in %s", device,
                          municipality);
    if (rc != KN_OK)
        return rc;
    if (!d.citizen_id[0])
        return kn_err_set(err, KN_EUNPROCESSABLE, "device %s is in stock (not lent out)", device);
    store_resp_heartbeat hb;
    memset(&hb, 0, sizeof hb);
    kn_strcpy(hb.device_id, sizeof hb.device_id, d.id);
    kn_strcpy(hb.municipality, sizeof hb.municipality, d.municipality);
    kn_strcpy(hb.device_type, sizeof hb.device_type, d.type);
    hb.last_seen = at;
    hb.battery = battery;
    char cleared[33] = "";
    rc = ctx->st->ops->resp->heartbeat_put(ctx->st, &hb, cleared, err);
    if (rc == KN_OK && cleared[0] && strcmp(cleared, SILENT_NO_CITIZEN) != 0)
        rc = note_restored(ctx, cleared, at, now, err);
    return rc;
}
