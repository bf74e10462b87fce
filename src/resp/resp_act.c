/* resp_act.c - the operator's side of an alarm: the step state machine of
 * docs/response.md ("Operator steps and VKP composition events"), written as
 * compare-and-set through resp_update so two operators can never both hold
 * one alarm, plus the detail view and the queue (both audited).
 *
 * A step is decided by apply_step(), a pure function of the alarm as read,
 * the actor and the input; resp_alarm_act reads, decides, writes, and after
 * a lost race reads once more to decide again or to say who holds it.
 */
#include "resp_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACT_TEXT_MAX 500

/* Who acts: the principal's id and the name other consoles show. */
typedef struct actor {
    const auth_principal *p;
    char name[128];
} actor;

static void actor_load(resp_ctx *ctx, const auth_principal *p, actor *out)
{
    out->p = p;
    kn_strcpy(out->name, sizeof out->name, p->name);
    store_user u;
    if (p->kind == AUTH_PRINCIPAL_USER &&
        ctx->st->ops->user_get(ctx->st, p->id, &u, NULL) == KN_OK && u.display_name[0])
        kn_strcpy(out->name, sizeof out->name, u.display_name);
}

/* What a step needs beside the alarm: whether cause and measure are noted. */
typedef struct notes_seen {
    int cause, measure;
} notes_seen;

static int holds(const store_resp_alarm *a, const actor *who)
{
    return a->state != RESP_ST_NEW && strcmp(a->claimed_by, who->p->id) == 0;
}

static int held_by_other(const store_resp_alarm *a, kn_err *err)
{
    return kn_err_set(err, KN_ECONFLICT, "claimed by %s", a->claimed_by_name);
}

/* Every step but claim: the alarm must be open and held by the actor. */
static int require_holder(const store_resp_alarm *a, const actor *who, kn_err *err)
{
    if (a->state == RESP_ST_NEW)
        return kn_err_set(err, KN_ECONFLICT, "alarm is not claimed");
    if (!holds(a, who))
        return held_by_other(a, err);
    return KN_OK;
}

static int callout_running(const store_resp_alarm *a)
{
    return a->callout == RESP_CO_REQUESTED || a->callout == RESP_CO_STARTED;
}

static int step_claim(store_resp_alarm *a, const actor *who, int64_t now, kn_err *err)
{
    if (a->state != RESP_ST_NEW)
        return holds(a, who) ? kn_err_set(err, KN_ECONFLICT, "alarm is already claimed by you")
                             : held_by_other(a, err);
    a->state = RESP_ST_CLAIMED;
    kn_strcpy(a->claimed_by, sizeof a->claimed_by, who->p->id);
    kn_strcpy(a->claimed_by_name, sizeof a->claimed_by_name, who->name);
    if (a->claimed_at == 0)
        a->claimed_at = now;
    return KN_OK;
}

static int step_release(store_resp_alarm *a, kn_err *err)
{
    if (callout_running(a))
        return kn_err_set(err, KN_ECONFLICT, "a call-out is under way");
    a->state = RESP_ST_NEW;
    a->claimed_by[0] = '\0';
    a->claimed_by_name[0] = '\0';
    return KN_OK;
}

static int step_ack(store_resp_alarm *a, int64_t now, kn_err *err)
{
    if (a->state != RESP_ST_CLAIMED)
        return kn_err_set(err, KN_ECONFLICT, "alarm is already acknowledged");
    a->state = RESP_ST_ACKNOWLEDGED;
    a->acked_at = now;
    return KN_OK;
}

/* phone, defer: acknowledged; the outcome is set. */
static int step_outcome(store_resp_alarm *a, int outcome, kn_err *err)
{
    if (a->state != RESP_ST_ACKNOWLEDGED)
        return kn_err_set(err, KN_ECONFLICT, "alarm is not acknowledged");
    a->outcome = outcome;
    return KN_OK;
}

static int step_callout(store_resp_alarm *a, const char *team, int64_t now, kn_err *err)
{
    if (a->state != RESP_ST_ACKNOWLEDGED)
        return kn_err_set(err, KN_ECONFLICT, "alarm is not acknowledged");
    a->state = RESP_ST_CALLOUT;
    a->callout = RESP_CO_REQUESTED;
    a->outcome = RESP_OUT_CALLOUT;
    kn_strcpy(a->callout_team, sizeof a->callout_team, team);
    a->callout_requested_at = now;
    a->callout_started_at = 0;
    a->callout_done_at = 0;
    return KN_OK;
}

static int step_callout_progress(store_resp_alarm *a, int to, int64_t now, kn_err *err)
{
    int ok = a->state == RESP_ST_CALLOUT &&
             (to == RESP_CO_STARTED ? a->callout == RESP_CO_REQUESTED : callout_running(a));
    if (!ok)
        return kn_err_set(err, KN_ECONFLICT,
                          to == RESP_CO_STARTED ? "no call-out is requested"
                                                : "no call-out is under way");
    a->callout = to;
    if (to == RESP_CO_STARTED)
        a->callout_started_at = now;
    else
        a->callout_done_at = now;
    return KN_OK;
}

static int step_emergency(store_resp_alarm *a, kn_err *err)
{
    if (a->state != RESP_ST_ACKNOWLEDGED && a->state != RESP_ST_CALLOUT)
        return kn_err_set(err, KN_ECONFLICT, "alarm is not acknowledged");
    a->outcome = RESP_OUT_EMERGENCY;
    return KN_OK;
}

static int step_close(store_resp_alarm *a, const notes_seen *seen, int64_t now, kn_err *err)
{
    if (a->outcome == RESP_OUT_NONE)
        return kn_err_set(err, KN_ECONFLICT, "no outcome yet (phone, callout, defer or emergency)");
    if (!seen->cause)
        return kn_err_set(err, KN_ECONFLICT, "no cause noted");
    if (!seen->measure)
        return kn_err_set(err, KN_ECONFLICT, "no measure noted");
    if (callout_running(a))
        return kn_err_set(err, KN_ECONFLICT, "a call-out is under way");
    a->state = RESP_ST_CLOSED;
    a->closed_at = now;
    a->journal = RESP_J_PENDING;
    return KN_OK;
}

/* The event kind of each action (index enum resp_action). */
static const int action_event[] = {
    [RESP_ACT_CLAIM] = RESP_EV_CLAIMED,
    [RESP_ACT_RELEASE] = RESP_EV_RELEASED,
    [RESP_ACT_ACK] = RESP_EV_ACKNOWLEDGED,
    [RESP_ACT_PHONE] = RESP_EV_PHONE,
    [RESP_ACT_CALLOUT] = RESP_EV_CALLOUT_REQUESTED,
    [RESP_ACT_CALLOUT_STARTED] = RESP_EV_CALLOUT_STARTED,
    [RESP_ACT_CALLOUT_DONE] = RESP_EV_CALLOUT_DONE,
    [RESP_ACT_DEFER] = RESP_EV_DEFERRED,
    [RESP_ACT_EMERGENCY] = RESP_EV_EMERGENCY,
    [RESP_ACT_CAUSE] = RESP_EV_CAUSE,
    [RESP_ACT_MEASURE] = RESP_EV_MEASURE,
    [RESP_ACT_NOTE] = RESP_EV_NOTE,
    [RESP_ACT_CLOSE] = RESP_EV_CLOSED,
};

static int apply_state(store_resp_alarm *a, const actor *who, const resp_action_in *in,
                       const notes_seen *seen, int64_t now, kn_err *err)
{
    switch (in->action) {
    case RESP_ACT_CLAIM:
        return step_claim(a, who, now, err);
    case RESP_ACT_RELEASE:
        return step_release(a, err);
    case RESP_ACT_ACK:
        return step_ack(a, now, err);
    case RESP_ACT_PHONE:
        return step_outcome(a, RESP_OUT_PHONE, err);
    case RESP_ACT_DEFER:
        return step_outcome(a, RESP_OUT_DEFER, err);
    case RESP_ACT_CALLOUT:
        return step_callout(a, in->team, now, err);
    case RESP_ACT_CALLOUT_STARTED:
        return step_callout_progress(a, RESP_CO_STARTED, now, err);
    case RESP_ACT_CALLOUT_DONE:
        return step_callout_progress(a, RESP_CO_DONE, now, err);
    case RESP_ACT_EMERGENCY:
        return step_emergency(a, err);
    case RESP_ACT_CLOSE:
        return step_close(a, seen, now, err);
    default:
        return KN_OK; /* cause, measure, note: only the event */
    }
}

/* The timer after a step: claimed -> remind that it is not acknowledged
 * (renotify_s); acknowledged or call-out -> "forgotten" reminder after
 * forgotten_s without progress; released -> renotify_s; closed -> none. */
static void set_timer(resp_ctx *ctx, store_resp_alarm *a, int action, int64_t now)
{
    if (a->state == RESP_ST_CLOSED)
        a->next_timer_at = 0;
    else if (action == RESP_ACT_CLAIM || action == RESP_ACT_RELEASE)
        a->next_timer_at = now + (int64_t)ctx->o.renotify_s * 1000;
    else if (a->state == RESP_ST_ACKNOWLEDGED || a->state == RESP_ST_CALLOUT)
        a->next_timer_at = now + (int64_t)ctx->o.forgotten_s * 1000;
}

/* Decide one step on *a (as read): state, timer and its event. */
static int apply_step(resp_ctx *ctx, store_resp_alarm *a, const actor *who,
                      const resp_action_in *in, const notes_seen *seen, int64_t now,
                      store_resp_event *ev, kn_err *err)
{
    if (a->state == RESP_ST_CLOSED)
        return kn_err_set(err, KN_ECONFLICT, "alarm is closed");
    if (in->action != RESP_ACT_CLAIM) {
        int rc = require_holder(a, who, err);
        if (rc != KN_OK)
            return rc;
    }
    int rc = apply_state(a, who, in, seen, now, err);
    if (rc != KN_OK)
        return rc;
    set_timer(ctx, a, in->action, now);
    char text[STORE_RESP_TEXT_LEN];
    const char *comment = in->text ? in->text : "";
    if (in->action == RESP_ACT_CALLOUT)
        snprintf(text, sizeof text, *comment ? "%s: %s" : "%s%s", in->team, comment);
    else
        kn_strcpy(text, sizeof text, comment);
    resp_event_init(ev, action_event[in->action], now, who->p, text);
    kn_strcpy(ev->actor_name, sizeof ev->actor_name, who->name);
    return KN_OK;
}

static int check_action(const resp_action_in *in, kn_err *err)
{
    if (!resp_action_name(in->action)[0])
        return kn_err_set(err, KN_EINVAL, "field 'action': unknown action");
    if (in->text && strlen(in->text) > ACT_TEXT_MAX)
        return kn_err_set(err, KN_EINVAL, "field 'text' is longer than %d bytes", ACT_TEXT_MAX);
    if (in->text) {
        json_t *probe = json_string(in->text);
        if (!probe)
            return kn_err_set(err, KN_EINVAL, "field 'text' is not valid UTF-8");
        json_decref(probe);
    }
    int needs_text = in->action == RESP_ACT_CAUSE || in->action == RESP_ACT_MEASURE ||
                     in->action == RESP_ACT_NOTE;
    if (needs_text && (!in->text || !*in->text))
        return kn_err_set(err, KN_EINVAL, "field 'text' is required for %s",
                          resp_action_name(in->action));
    if (in->action == RESP_ACT_CALLOUT && (!in->team || !*in->team))
        return kn_err_set(err, KN_EINVAL, "field 'team' is required for callout");
    if (in->team && strlen(in->team) > 127)
        return kn_err_set(err, KN_EINVAL, "field 'team' is longer than 127 bytes");
    return KN_OK;
}

static int read_alarm(resp_ctx *ctx, const char *id, store_resp_alarm *a, kn_err *err)
{
    kn_err why;
    int rc = ctx->st->ops->resp->alarm_get(ctx->st, id, a, &why);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "no alarm with id %.32s", id);
    return rc == KN_OK ? KN_OK : kn_err_set(err, rc, "%s", why.msg);
}

static void notes_scan(const store_resp_event *list, size_t n, const char *alarm_id,
                       notes_seen *seen)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].alarm_id, alarm_id) != 0)
            continue;
        seen->cause |= strcmp(list[i].kind, resp_event_name(RESP_EV_CAUSE)) == 0;
        seen->measure |= strcmp(list[i].kind, resp_event_name(RESP_EV_MEASURE)) == 0;
    }
}

/* Close needs to know whether cause and measure were noted. The store's
 * list of an alarm keeps only the newest of its periodic events (repeats,
 * reminders), so the operator's notes are in it even after a long flood. */
static int load_notes(resp_ctx *ctx, const store_resp_alarm *a, notes_seen *seen, kn_err *err)
{
    memset(seen, 0, sizeof *seen);
    store_resp_event *list = NULL;
    size_t n = 0;
    int rc = ctx->st->ops->resp->event_list_alarm(ctx->st, a->id, &list, &n, err);
    if (rc == KN_OK)
        notes_scan(list, n, a->id, seen);
    free(list);
    return rc;
}

/* One attempt: decide on the alarm as read and write it. */
static int act_once(resp_ctx *ctx, const actor *who, const store_resp_alarm *read,
                    const resp_action_in *in, const store_audit *audit, store_resp_alarm *out,
                    kn_err *err)
{
    notes_seen seen = {0, 0};
    if (in->action == RESP_ACT_CLOSE) {
        int rc = load_notes(ctx, read, &seen, err);
        if (rc != KN_OK)
            return rc;
    }
    store_resp_alarm a = *read;
    store_resp_event ev;
    int64_t now = resp_now(ctx);
    int rc = apply_step(ctx, &a, who, in, &seen, now, &ev, err);
    if (rc == KN_OK) {
        rc = resp_update(ctx, &a, read->version, &ev, 1, audit, err);
        if (rc == KN_ECONFLICT)
            kn_err_set(err, KN_ECONFLICT, "alarm changed meanwhile; reload");
    }
    if (rc == KN_OK)
        *out = a;
    return rc;
}

int resp_alarm_act(resp_ctx *ctx, const auth_principal *p, const char *alarm_id,
                   const resp_action_in *in, const char *request_id, store_resp_alarm *out,
                   kn_err *err)
{
    store_resp_alarm a;
    int rc = read_alarm(ctx, alarm_id, &a, err);
    if (rc == KN_OK)
        rc = resp_access(p, RESP_ROLES_OPERATE, a.municipality, RESP_SCOPE_WRITE, err);
    if (rc == KN_OK)
        rc = check_action(in, err);
    if (rc != KN_OK)
        return rc;
    if (in->expected_version && in->expected_version != a.version)
        return kn_err_set(err, KN_ECONFLICT, "alarm changed (version %lld, now %lld); reload",
                          (long long)in->expected_version, (long long)a.version);
    actor who;
    actor_load(ctx, p, &who);
    char action[48];
    snprintf(action, sizeof action, "resp.alarm.%s", resp_action_name(in->action));
    store_audit audit;
    audit_event_init(&audit, p, action, a.municipality, "resp_alarm", a.id, request_id, "ok");
    rc = act_once(ctx, &who, &a, in, &audit, out, err);
    if (rc == KN_ECONFLICT && !in->expected_version) {
        /* Lost a race (the store's compare-and-set): read again and decide
         * again; a claim by someone else now reads as "claimed by <name>". */
        store_resp_alarm again;
        if (read_alarm(ctx, alarm_id, &again, NULL) == KN_OK && again.version != a.version)
            rc = act_once(ctx, &who, &again, in, &audit, out, err);
    }
    if (rc == KN_OK && in->action == RESP_ACT_CLOSE)
        resp_wake(ctx);
    return rc;
}

/* ---- detail and queue ---- */

static int audit_read(resp_ctx *ctx, const auth_principal *p, const char *action,
                      const char *municipality, const char *object_id, const char *request_id,
                      kn_err *err)
{
    store_audit audit;
    audit_event_init(&audit, p, action, municipality, "resp_alarm", object_id, request_id, "ok");
    return ctx->st->ops->audit_append(ctx->st, &audit, err);
}

int resp_alarm_get(resp_ctx *ctx, const auth_principal *p, const char *alarm_id,
                   const char *request_id, resp_alarm_detail *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    store_resp_alarm *a = &out->alarm;
    int rc = read_alarm(ctx, alarm_id, a, err);
    if (rc == KN_OK)
        rc = resp_access(p, RESP_ROLES_READ, a->municipality, RESP_SCOPE_READ, err);
    /* Audit first: no personal data leaves without a durable record. */
    if (rc == KN_OK)
        rc = audit_read(ctx, p, "resp.alarm.read", a->municipality, a->id, request_id, err);
    if (rc == KN_OK) {
        rc = ctx->st->ops->citizen_get(ctx->st, a->citizen_id, &out->citizen, err);
        if (rc == KN_ENOTFOUND) /* deleted later: show the snapshot only */
            rc = KN_OK;
    }
    if (rc == KN_OK)
        rc = ctx->st->ops->resp->event_list_alarm(ctx->st, a->id, &out->events, &out->nevents, err);
    if (rc != KN_OK) {
        resp_alarm_detail_free(out);
        return rc;
    }
    resp_profile_load(ctx, a->citizen_id, &out->profile);
    if (a->state != RESP_ST_CLOSED)
        resp_route_step(ctx, a, a->route_step, a->received_at, &out->step);
    return KN_OK;
}

void resp_alarm_detail_free(resp_alarm_detail *d)
{
    if (!d)
        return;
    free(d->events);
    memset(d, 0, sizeof *d);
}

int resp_alarm_list(resp_ctx *ctx, const auth_principal *p, const store_resp_filter *f,
                    const char *request_id, store_resp_alarm **list, size_t *n, int64_t *total,
                    kn_err *err)
{
    *list = NULL;
    *n = 0;
    *total = 0;
    if (!f->municipalities || f->n_munis == 0)
        return kn_err_set(err, KN_EINVAL, "field 'municipality': at least one is required");
    if (f->limit == 0 || f->limit > STORE_RESP_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "field 'limit': must be 1..%d", STORE_RESP_PAGE_MAX);
    for (size_t i = 0; i < f->n_munis; i++) {
        int rc = resp_access(p, RESP_ROLES_READ, f->municipalities[i], RESP_SCOPE_READ, err);
        if (rc != KN_OK)
            return rc;
    }
    for (size_t i = 0; i < f->n_munis; i++) {
        int rc = audit_read(ctx, p, "resp.queue.read", f->municipalities[i], NULL, request_id, err);
        if (rc != KN_OK)
            return rc;
    }
    return ctx->st->ops->resp->alarm_list(ctx->st, f, list, n, total, err);
}
