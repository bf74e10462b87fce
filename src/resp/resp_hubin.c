/* resp_hubin.c - alarms from the hub (resp.h, intake from the hub): a VKP
 * message Bundle that carries a DetectedIssue with a VKP alert code becomes
 * an alarm of the receiving municipality's citizen with that person number.
 *
 * The worker (resp_ctx.c) calls resp_hubin_run every round and at once after
 * a hub intake (the hub's on_intake hook, set by `knute serve`). It reads the hub
 * messages after its cursor, oldest first. An alarm is created together with
 * the cursor move (resp_alarm_create_system with hub_seq: one transaction),
 * and carries the hub message id as its external id, so a message becomes an
 * alarm exactly once. Messages without an alert, with an unknown citizen or
 * with an alarm the intake refuses only move the cursor (logged with the
 * message id, never the person). Knute's own messages (the journal) are
 * skipped: they describe alarms that already exist.
 */
#include "resp_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

#define HUBIN_BATCH 100
#define HUBIN_BATCHES 20 /* per run, so a backlog does not hold up the timers */
#define CS "http://ehelse.no/fhir/CodeSystem/"
#define PERSON_OID "urn:oid:2.16.578.1.12.4.1.4."

/* ---- reading the message ---- */

static const char *str_at(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int is_type(const json_t *res, const char *type)
{
    const char *t = str_at(res, "resourceType");
    return t && strcmp(t, type) == 0;
}

/* The code of the first coding of `system` in a CodeableConcept, or NULL. */
static const char *code_of(const json_t *concept, const char *system)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(concept, "coding"), i, c) {
        const char *sys = str_at(c, "system");
        if (sys && strcmp(sys, system) == 0)
            return str_at(c, "code");
    }
    return NULL;
}

/* The resource of the entry with this fullUrl, or NULL. */
static const json_t *resolve(const json_t *bundle, const char *ref)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(bundle, "entry"), i, e) {
        const char *full = str_at(e, "fullUrl");
        if (ref && full && strcmp(full, ref) == 0)
            return json_object_get(e, "resource");
    }
    return NULL;
}

/* A person number of an identifier (or an identifier array's first person
 * identifier), else NULL. */
static const char *person_value(const json_t *ident)
{
    if (json_is_array(ident)) {
        size_t i;
        json_t *one;
        json_array_foreach(ident, i, one) {
            const char *v = person_value(one);
            if (v)
                return v;
        }
        return NULL;
    }
    const char *sys = str_at(ident, "system");
    if (!sys || strncmp(sys, PERSON_OID, sizeof PERSON_OID - 1) != 0)
        return NULL;
    return str_at(ident, "value");
}

/* The DetectedIssue's patient: its inline identifier, or that of the Patient
 * entry it references. */
static const char *patient_nin(const json_t *bundle, const json_t *issue)
{
    const json_t *ref = json_object_get(issue, "patient");
    const char *v = person_value(json_object_get(ref, "identifier"));
    if (v)
        return v;
    const json_t *pat = resolve(bundle, str_at(ref, "reference"));
    return is_type(pat, "Patient") ? person_value(json_object_get(pat, "identifier")) : NULL;
}

/* The first entry resource of `type` for which ok() holds, or NULL. */
static const json_t *find_entry(const json_t *bundle, const char *type,
                                int (*ok)(const json_t *res))
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(bundle, "entry"), i, e) {
        const json_t *res = json_object_get(e, "resource");
        if (is_type(res, type) && ok(res))
            return res;
    }
    return NULL;
}

static int has_alert(const json_t *issue)
{
    return resp_alert_lookup(code_of(json_object_get(issue, "code"), CS "vkp-alert-code-v090")) !=
           NULL;
}

static int has_position(const json_t *loc)
{
    const json_t *p = json_object_get(loc, "position");
    return json_is_number(json_object_get(p, "latitude")) &&
           json_is_number(json_object_get(p, "longitude"));
}

/* Severity level (extension) and triage (a vkp-triage coding in the code or
 * an extension), when present and valid. */
static void severity_triage(const json_t *issue, store_resp_alarm *a)
{
    const char *triage = code_of(json_object_get(issue, "code"), CS "vkp-triage-v090");
    size_t i;
    json_t *ext;
    json_array_foreach(json_object_get(issue, "extension"), i, ext) {
        const json_t *cc = json_object_get(ext, "valueCodeableConcept");
        const char *sev = code_of(cc, CS "vkp-severity-level-v090");
        long v = 0;
        if (sev && kn_parse_long(sev, 0, 40, &v) == KN_OK && resp_severity_valid((int)v))
            a->severity = (int)v;
        if (!triage)
            triage = code_of(cc, CS "vkp-triage-v090");
        const json_t *coding = json_object_get(ext, "valueCoding");
        const char *sys = str_at(coding, "system");
        if (!triage && sys && strcmp(sys, CS "vkp-triage-v090") == 0)
            triage = str_at(coding, "code");
    }
    if (triage && resp_triage_valid(triage))
        kn_strcpy(a->triage, sizeof a->triage, triage);
}

/* Copy at most size-1 bytes without cutting a UTF-8 character. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
    if (kn_strcpy(dst, size, src ? src : "") != KN_ETOOLARGE)
        return;
    size_t n = strlen(dst), end = n;
    while (end > 0 && ((unsigned char)dst[end - 1] & 0xc0) == 0x80)
        end--; /* back to the lead byte of the last character */
    if (end > 0 && ((unsigned char)dst[end - 1] & 0x80)) {
        unsigned char lead = (unsigned char)dst[end - 1];
        size_t want = (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : 4;
        if (n - (end - 1) < want)
            dst[end - 1] = '\0';
    }
}

/* What a hub message says about an alarm. KN_OK with the alarm's fields in
 * op->alarm and the person number in nin; KN_ENOTFOUND when the message
 * carries no alarm (reason: a static text). */
static int read_alarm(const store_hub_message *m, resp_alarm_op *op, char nin[12],
                      const char **reason)
{
    *reason = "no DetectedIssue with a VKP alert code";
    if (strcmp(m->sender_client, HUB_INTERNAL_SENDER) == 0) {
        *reason = "Knute's own message";
        return KN_ENOTFOUND;
    }
    json_t *doc = m->body ? json_loadb(m->body, m->body_len, 0, NULL) : NULL;
    const char *type = str_at(doc, "type");
    const json_t *issue = is_type(doc, "Bundle") && type && strcmp(type, "message") == 0
                              ? find_entry(doc, "DetectedIssue", has_alert)
                              : NULL;
    const char *person = issue ? patient_nin(doc, issue) : NULL;
    if (issue && !person)
        *reason = "the DetectedIssue names no patient by person number";
    int rc = KN_ENOTFOUND;
    if (person && strlen(person) == 11) {
        store_resp_alarm *a = &op->alarm;
        memcpy(nin, person, 12);
        kn_strcpy(a->alert_code, sizeof a->alert_code,
                  code_of(json_object_get(issue, "code"), CS "vkp-alert-code-v090"));
        severity_triage(issue, a);
        int64_t at = 0;
        if (resp_parse_time(str_at(issue, "identifiedDateTime"), &at, NULL) == KN_OK)
            a->occurred_at = at;
        copy_utf8(a->text, sizeof a->text, str_at(issue, "detail"));
        const json_t *loc = find_entry(doc, "Location", has_position);
        if (loc) {
            const json_t *p = json_object_get(loc, "position");
            a->has_position = 1;
            a->lat = json_number_value(json_object_get(p, "latitude"));
            a->lon = json_number_value(json_object_get(p, "longitude"));
        }
        rc = KN_OK;
    }
    json_decref(doc);
    return rc;
}

/* ---- one message ---- */

/* A refusal a retry cannot mend: the message is skipped. */
static int permanent(int rc)
{
    return rc == KN_EINVAL || rc == KN_ENOTFOUND || rc == KN_EUNPROCESSABLE || rc == KN_EFORBIDDEN;
}

static void skipped(const store_hub_message *m, const char *reason, int level)
{
    kn_log(level, "resp.hubin.skipped", "{s:s, s:s}", "message_id", m->id, "reason", reason);
}

/* Turn one message into an alarm. KN_OK: *made 1 when a new alarm was
 * created (its write moved the cursor to m->seq), 0 when the message was
 * skipped (the caller moves the cursor). Else a transient error. */
static int take(resp_ctx *ctx, const store_hub_message *m, int *made, kn_err *err)
{
    *made = 0;
    resp_alarm_op op;
    memset(&op, 0, sizeof op);
    op.alarm.battery = -1;
    char nin[12] = "";
    const char *reason = NULL;
    if (read_alarm(m, &op, nin, &reason) != KN_OK) {
        skipped(m, reason, KN_LOG_DEBUG);
        return KN_OK;
    }
    store *st = ctx->st;
    if (!st->ops->resp->citizen_find_nin)
        return kn_err_set(err, KN_EINTERNAL, "hub intake: the store cannot find citizens by nin");
    store_citizen c;
    kn_err why;
    int rc = st->ops->resp->citizen_find_nin(st, m->receiver, nin, &c, &why);
    if (rc == KN_ENOTFOUND) {
        skipped(m, "no citizen with that person number in the receiving municipality", KN_LOG_WARN);
        return KN_OK;
    }
    if (rc != KN_OK)
        return err ? (*err = why, rc) : rc;
    store_resp_alarm *a = &op.alarm;
    kn_strcpy(a->municipality, sizeof a->municipality, m->receiver);
    kn_strcpy(a->citizen_id, sizeof a->citizen_id, c.id);
    kn_strcpy(a->source, sizeof a->source, "hub");
    kn_strcpy(a->hub_message_id, sizeof a->hub_message_id, m->id);
    kn_strcpy(a->external_id, sizeof a->external_id, m->id);
    op.hub_seq = m->seq;
    rc = resp_alarm_create_system(ctx, &op, &why);
    if (rc != KN_OK && permanent(rc)) {
        kn_log(KN_LOG_WARN, "resp.hubin.refused", "{s:s, s:s}", "message_id", m->id, "status",
               kn_status_code(rc));
        return KN_OK;
    }
    if (rc != KN_OK)
        return err ? (*err = why, rc) : rc;
    *made = op.merged == 0;
    return KN_OK;
}

int resp_hubin_run(resp_ctx *ctx, size_t *created, kn_err *err)
{
    store *st = ctx->st;
    size_t made = 0;
    int64_t cursor = 0;
    int rc = st->ops->resp->hubin_cursor_get(st, &cursor, err);
    for (int round = 0, more = rc == KN_OK; more; round++) {
        store_hub_message *list = NULL;
        size_t n = 0;
        rc = st->ops->resp->hub_messages_after(st, cursor, HUBIN_BATCH, &list, &n, err);
        if (rc != KN_OK)
            break;
        int64_t done_to = 0; /* the last message handled */
        for (size_t i = 0; i < n; i++) {
            int one = 0;
            rc = take(ctx, &list[i], &one, err);
            if (rc != KN_OK)
                break;
            made += (size_t)one;
            done_to = list[i].seq;
            cursor = list[i].seq;
        }
        if (done_to > 0) {
            kn_err e;
            int set = st->ops->resp->hubin_cursor_set(st, done_to, &e);
            if (set != KN_OK && rc == KN_OK) {
                rc = set;
                if (err)
                    *err = e;
            }
        }
        more = rc == KN_OK && n == HUBIN_BATCH && round + 1 < HUBIN_BATCHES;
        store_hub_message_list_free(list, n);
    }
    if (created)
        *created = made;
    return rc;
}
