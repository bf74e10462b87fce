/* resp_json.c - the JSON views of an alarm and of one of its events, shared
 * by the HTTP API (src/http/http_resp*.c) and the live bus's SSE frames.
 * Shapes: resp.h and docs/response.md. Times are RFC 3339 UTC with
 * milliseconds ("2026-11-22T09:15:00.123Z"), null when 0. Also the member
 * reader the module's JSON parsers (rules, profiles) share.
 */
#include "resp_int.h"

#include "../core/core_util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* A time in ms since the epoch as a JSON string, or null for 0. */
static json_t *time_json(int64_t ms)
{
    if (ms == 0)
        return json_null();
    int64_t s = ms / 1000, rest = ms % 1000;
    if (rest < 0) {
        rest += 1000;
        s -= 1;
    }
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return json_null();
    char buf[80];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)rest);
    return json_string(buf);
}

/* {"id","name"} or null when id is empty. */
static json_t *who_json(const char *id, const char *name)
{
    if (!id[0])
        return json_null();
    return json_pack("{s:s, s:s}", "id", id, "name", name);
}

static const char *journal_name(int journal)
{
    static const char *const names[] = {"none", "pending", "sent", "failed"};
    return journal >= 0 && journal <= RESP_J_FAILED ? names[journal] : "none";
}

static const char *callout_name(int callout)
{
    static const char *const names[] = {"", "requested", "started", "done"};
    return callout >= 0 && callout <= RESP_CO_DONE ? names[callout] : "";
}

/* Set key to a new value reference; NULL values (out of memory) are skipped
 * and make the caller's result incomplete rather than crash. */
static void put(json_t *o, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(o, key, v);
}

static void put_times(json_t *o, const store_resp_alarm *a)
{
    put(o, "occurred_at", time_json(a->occurred_at));
    put(o, "received_at", time_json(a->received_at));
    put(o, "claimed_at", time_json(a->claimed_at));
    put(o, "acked_at", time_json(a->acked_at));
    put(o, "closed_at", time_json(a->closed_at));
    put(o, "callout_requested_at", time_json(a->callout_requested_at));
    put(o, "callout_started_at", time_json(a->callout_started_at));
    put(o, "callout_done_at", time_json(a->callout_done_at));
}

json_t *resp_alarm_to_json(const store_resp_alarm *a)
{
    const resp_alert_info *info = resp_alert_lookup(a->alert_code);
    json_t *o = json_pack(
        "{s:s, s:I, s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:s, s:b,"
        " s:s, s:s, s:s, s:s}",
        "id", a->id, "version", (json_int_t)a->version, "municipality", a->municipality, "citizen",
        "id", a->citizen_id, "name", a->citizen_name, "address", a->address, "device_id",
        a->device_id, "source", a->source, "alert_code", a->alert_code, "alert",
        info ? info->display : "", "category", info ? info->category : 0, "severity", a->severity,
        "triage", a->triage, "priority", a->priority, "priority_name",
        resp_priority_name(a->priority), "technical", a->technical != 0, "state",
        resp_state_name(a->state), "outcome", resp_outcome_name(a->outcome), "callout",
        callout_name(a->callout), "team", a->callout_team);
    if (!o)
        return NULL;
    put(o, "claimed_by",
        a->state != RESP_ST_NEW ? who_json(a->claimed_by, a->claimed_by_name) : json_null());
    put_times(o, a);
    put(o, "position",
        a->has_position ? json_pack("{s:f, s:f}", "lat", a->lat, "lon", a->lon) : json_null());
    put(o, "battery", a->battery >= 0 ? json_integer(a->battery) : json_null());
    put(o, "repeats", json_integer(a->repeats));
    put(o, "route_step", json_integer(a->route_step));
    put(o, "escalations", json_integer(a->escalations));
    put(o, "text", json_string(a->text));
    put(o, "journal", json_string(journal_name(a->journal)));
    put(o, "journal_message_id", json_string(a->journal_message_id));
    put(o, "last_seq", json_integer(a->last_seq));
    return o;
}

json_t *resp_event_to_json(const store_resp_event *e)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq, "alarm_id", e->alarm_id,
                  "municipality", e->municipality, "kind", e->kind, "text", e->text);
    if (!o)
        return NULL;
    put(o, "at", time_json(e->at));
    put(o, "vkp_event", e->vkp_event >= 0 ? json_integer(e->vkp_event) : json_null());
    put(o, "actor", who_json(e->actor_id, e->actor_name));
    return o;
}

/* ---- input ---- */

int resp_json_str(const json_t *obj, const char *key, const char *field, char *dst, size_t size,
                  kn_err *err)
{
    const json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (!v || json_is_null(v))
        return KN_OK;
    if (!json_is_string(v))
        return kn_err_set(err, KN_EINVAL, "field '%s': must be a string", field);
    if (kn_strcpy(dst, size, json_string_value(v)) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field '%s': longer than %zu bytes", field, size - 1);
    return KN_OK;
}
