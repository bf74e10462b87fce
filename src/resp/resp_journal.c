/* resp_journal.c - automatic journaling (resp.h, step 5 of an alarm): a
 * closed alarm becomes one VKP message (Bundle of type message, event
 * PatientComposition) with the MessageHeader, the Composition of the
 * operator's steps and the DetectedIssue of the alarm, which goes through the
 * hub's intake as Knute's own message (hub_intake_internal: validated by
 * VKP there, routed to the municipality's EPJ by the delivery engine).
 *
 * resp_journal_build is pure (records in, JSON out). Its ids are derived
 * from the alarm id, so a retry after a crash builds the same message with
 * the same Bundle.identifier and the hub answers with the original
 * (deduplicated). resp_journal_run is called by the worker (resp_ctx.c):
 * each pending alarm ends SENT (hub message id) or FAILED (the reason); a
 * transient store or hub error leaves it pending for the next round.
 */
#include "resp_int.h"

#include "../audit/audit.h"
#include "../core/core_log.h"
#include "../core/core_util.h"
#include "../nid/nid.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS "http://ehelse.no/fhir/CodeSystem/"
#define SD "http://ehelse.no/fhir/StructureDefinition/"
#define OID_HERID "urn:oid:2.16.578.1.12.4.1.2"
#define OID_FNR "urn:oid:2.16.578.1.12.4.1.4.1"
#define OID_DNR "urn:oid:2.16.578.1.12.4.1.4.2"
#define OID_FHN "urn:oid:2.16.578.1.12.4.1.4.3"
#define URI_SYSTEM "urn:ietf:rfc:3986"
#define CENTRE_NAME "Responssenteret"
#define JOURNAL_BATCH 50
#define NARRATIVE_MAX (256u * 1024u)

/* vkp-composition-event-v090 displays by code (NULL: no such code). */
static const char *const event_display[] = {
    "hendelse meldt",
    "hendelse behandles",
    NULL,
    "hendelse kvittert",
    "hendelse til utrykning",
    "hendelse ok utrykning",
    "årsak",
    "tiltak",
    "samtale",
    "aksjon",
    "annen aktør",
};
#define NEVENT_CODES ((int)(sizeof event_display / sizeof event_display[0]))

/* Operator-facing names of the steps without a VKP code (1.1 narrative). */
static const struct {
    const char *kind, *label;
} other_steps[] = {
    {"repeated", "gjentatt alarm"},
    {"released", "frigitt"},
    {"escalated", "eskalert"},
    {"renotified", "varslet på nytt"},
    {"contact_restored", "kontakt igjen"},
    {"closed", "avsluttet"},
};

/* vkp-severity-level-v090 displays by code / 10. */
static const char *const severity_display[] = {"Ikke rapportert", "Normal", "Moderat", "Alvorlig",
                                               "Kritisk"};
/* DetectedIssue.severity (base R4) by code / 10; NULL: left out. */
static const char *const severity_r4[] = {NULL, "low", "moderate", "high", "high"};

/* ---- small helpers ---- */

/* A FHIR instant/dateTime (UTC, seconds) of a ms time. */
static void iso_time(int64_t ms, char out[32])
{
    kn_time_format(ms / 1000, out, 32);
}

/* A version-5-style UUID from SHA-256("knute:resp:journal:<alarm>:<part>"):
 * the same alarm and part always give the same id. */
static void derived_uuid(const char *alarm_id, const char *part, char out[37])
{
    crypto_hash_sha256_state h;
    unsigned char d[crypto_hash_sha256_BYTES];
    static const char prefix[] = "knute:resp:journal:";
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)prefix, sizeof prefix - 1);
    crypto_hash_sha256_update(&h, (const unsigned char *)alarm_id, strlen(alarm_id));
    crypto_hash_sha256_update(&h, (const unsigned char *)":", 1);
    crypto_hash_sha256_update(&h, (const unsigned char *)part, strlen(part));
    crypto_hash_sha256_final(&h, d);
    d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);
    d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
    char hex[33];
    kn_hex(d, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 2 && s[0] < 0xc2)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Copy text that is valid UTF-8 without control characters (XML 1.0 and
 * JSON both accept it): invalid bytes and controls but \n and \t are
 * dropped; never cuts a character. */
static void clean_text(const char *in, char *out, size_t size)
{
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    while (*s) {
        size_t n = utf8_seq(s);
        if (n == 0 || (n == 1 && *s < 0x20 && *s != '\n' && *s != '\t')) {
            s++;
            continue;
        }
        if (o + n >= size)
            break;
        memcpy(out + o, s, n);
        o += n;
        s += n;
    }
    out[o] = '\0';
}

/* ---- narrative (XHTML) ---- */

typedef struct narr {
    kn_buf b;
    int rc;
} narr;

static void n_raw(narr *n, const char *s)
{
    if (n->rc == KN_OK)
        n->rc = kn_buf_puts(&n->b, s);
}

/* Cleaned and escaped text. */
static void n_text(narr *n, const char *s)
{
    char clean[STORE_RESP_TEXT_LEN * 2];
    clean_text(s, clean, sizeof clean);
    for (const char *p = clean; *p && n->rc == KN_OK; p++) {
        switch (*p) {
        case '&':
            n_raw(n, "&amp;");
            break;
        case '<':
            n_raw(n, "&lt;");
            break;
        case '>':
            n_raw(n, "&gt;");
            break;
        case '"':
            n_raw(n, "&quot;");
            break;
        case '\'':
            n_raw(n, "&#39;");
            break;
        default:
            n->rc = kn_buf_append(&n->b, p, 1);
        }
    }
}

/* Formatted markup; every %s must be trusted (no user text: use n_text). */
__attribute__((format(printf, 2, 3))) static void n_fmt(narr *n, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    n_raw(n, tmp);
}

static void n_time(narr *n, int64_t ms)
{
    char t[40];
    resp_local_format(ms, t, sizeof t);
    n_raw(n, t);
}

static void n_open(narr *n)
{
    kn_buf_init(&n->b, NARRATIVE_MAX);
    n->rc = KN_OK;
    n_raw(n, "<div xmlns=\"http://www.w3.org/1999/xhtml\">");
}

/* Close the div; the text as a JSON string (new reference) or NULL. */
static json_t *n_close(narr *n)
{
    n_raw(n, "</div>");
    json_t *s = n->rc == KN_OK ? json_stringn(n->b.data, n->b.len) : NULL;
    kn_buf_release(&n->b);
    return s;
}

/* ---- FHIR pieces ---- */

static json_t *coding(const char *system, const char *code, const char *display)
{
    return json_pack("{s:s, s:s, s:s}", "system", system, "code", code, "display", display);
}

static json_t *concept(const char *system, const char *code, const char *display)
{
    return json_pack("{s:[o]}", "coding", coding(system, code, display));
}

static json_t *ident_ref(const char *system, const char *value, const char *display)
{
    return json_pack("{s:{s:s, s:s}, s:s}", "identifier", "system", system, "value", value,
                     "display", display);
}

static json_t *profile(const char *name)
{
    char url[128];
    snprintf(url, sizeof url, SD "%s", name);
    return json_pack("{s:[s]}", "profile", url);
}

static json_t *entry(const char *uuid, json_t *resource)
{
    char full[64];
    snprintf(full, sizeof full, "urn:uuid:%s", uuid);
    return json_pack("{s:s, s:o}", "fullUrl", full, "resource", resource);
}

/* The identifier system of a person number: fødselsnummer, D-nummer (day +
 * 40) or the help numbers (H-nummer, FH-nummer); NULL when none fits. */
static const char *person_system(const char *nin)
{
    int kind = 0;
    if (nid_person_check(nin, &kind, NULL) == KN_OK)
        return kind == NID_HNR ? OID_FHN : nin[0] >= '4' ? OID_DNR : OID_FNR;
    return nid_fhn_check(nin, NULL) == KN_OK ? OID_FHN : NULL;
}

/* What the builder works from, checked once. */
typedef struct jctx {
    const store_resp_alarm *a;
    const resp_alert_info *alert;
    const char *subject_system;
    char subject_name[2 * STORE_NAME_LEN + 2];
    const char *nin;
    char sender[16];                /* HER-id, or the municipality's orgnr */
    const store_resp_event **steps; /* every event in time order */
    size_t nsteps;
    char id_bundle[37], id_key[37], id_header[37], id_comp[37], id_issue[37];
} jctx;

static int by_time(const void *x, const void *y)
{
    const store_resp_event *a = *(const store_resp_event *const *)x;
    const store_resp_event *b = *(const store_resp_event *const *)y;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int jctx_init(jctx *j, const store_resp_alarm *a, const store_citizen *c,
                     const store_resp_event *events, size_t nevents, const char *herid, kn_err *err)
{
    memset(j, 0, sizeof *j);
    j->a = a;
    if (a->state != RESP_ST_CLOSED || a->closed_at <= 0)
        return kn_err_set(err, KN_EINVAL, "journal: the alarm is not closed");
    if (!(j->alert = resp_alert_lookup(a->alert_code)))
        return kn_err_set(err, KN_EINVAL, "journal: '%.15s' is not a VKP alert code",
                          a->alert_code);
    if (!resp_severity_valid(a->severity))
        return kn_err_set(err, KN_EINVAL, "journal: severity %d is not a VKP level", a->severity);
    j->nin = c->nin;
    if (!(j->subject_system = person_system(c->nin)))
        return kn_err_set(err, KN_EINVAL,
                          "journal: the citizen's person number is not a valid fødselsnummer, "
                          "D-nummer or hjelpenummer");
    if (herid && *herid && nid_herid_check(herid, NULL) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "journal: the response centre's HER-id is not valid");
    kn_strcpy(j->sender, sizeof j->sender, herid && *herid ? herid : a->municipality);
    char name[sizeof j->subject_name];
    snprintf(name, sizeof name, "%s %s", c->given_name, c->family_name);
    clean_text(name, j->subject_name, sizeof j->subject_name);
    if (nevents && !(j->steps = malloc(nevents * sizeof *j->steps)))
        return kn_err_set(err, KN_ENOMEM, "journal: out of memory");
    for (size_t i = 0; i < nevents; i++)
        j->steps[i] = &events[i];
    j->nsteps = nevents;
    if (nevents)
        qsort(j->steps, nevents, sizeof *j->steps, by_time);
    derived_uuid(a->id, "bundle", j->id_bundle);
    derived_uuid(a->id, "identifier", j->id_key);
    derived_uuid(a->id, "header", j->id_header);
    derived_uuid(a->id, "composition", j->id_comp);
    derived_uuid(a->id, "issue", j->id_issue);
    return KN_OK;
}

static int has_vkp(const store_resp_event *e)
{
    return e->vkp_event >= 0 && e->vkp_event < NEVENT_CODES && event_display[e->vkp_event];
}

/* Composition.event: one per step with a VKP code, in time order. */
static json_t *comp_events(const jctx *j)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < j->nsteps; i++) {
        const store_resp_event *e = j->steps[i];
        if (!has_vkp(e))
            continue;
        char code[8], at[32];
        snprintf(code, sizeof code, "%d", e->vkp_event);
        iso_time(e->at, at);
        json_array_append_new(arr, json_pack("{s:[o], s:{s:s}}", "code",
                                             concept(CS "vkp-composition-event-v090", code,
                                                     event_display[e->vkp_event]),
                                             "period", "start", at));
    }
    return arr;
}

static json_t *section(const char *title, const char *code, const char *display, json_t *div)
{
    return json_pack("{s:s, s:o, s:{s:s, s:o}}", "title", title, "code",
                     concept(CS "vkp-composition-section-v090", code, display), "text", "status",
                     "generated", "div", div);
}

/* 1.2 beskrivelse av hendelse: the alert, when, where, battery, sender's text. */
static json_t *section_event(const jctx *j)
{
    const store_resp_alarm *a = j->a;
    narr n;
    n_open(&n);
    n_raw(&n, "<p>Alarm: ");
    n_text(&n, j->alert->display);
    n_fmt(&n, " (kode %s), prioritet %s", a->alert_code, resp_priority_name(a->priority));
    if (a->severity > 0)
        n_fmt(&n, ", alvorlighet %s", severity_display[a->severity / 10]);
    if (a->triage[0]) {
        n_raw(&n, ", triage ");
        n_text(&n, a->triage);
    }
    n_raw(&n, ".</p><p>Utløst: ");
    n_time(&n, a->occurred_at);
    n_raw(&n, ". Mottatt: ");
    n_time(&n, a->received_at);
    n_raw(&n, ".</p>");
    if (a->has_position)
        n_fmt(&n, "<p>Posisjon: %.6f, %.6f (WGS84).</p>", a->lat, a->lon);
    if (a->battery >= 0)
        n_fmt(&n, "<p>Batteri: %d %%.</p>", a->battery);
    if (a->repeats > 0)
        n_fmt(&n, "<p>Gjentatt %d ganger.</p>", a->repeats);
    if (a->text[0]) {
        n_raw(&n, "<p>Melding: ");
        n_text(&n, a->text);
        n_raw(&n, "</p>");
    }
    json_t *s = section("Hendelse", "1.2", "beskrivelse av hendelse", n_close(&n));
    char ref[64];
    snprintf(ref, sizeof ref, "urn:uuid:%s", j->id_issue);
    if (s)
        json_object_set_new(s, "entry", json_pack("[{s:s}]", "reference", ref));
    return s;
}

static const char *step_label(const store_resp_event *e)
{
    if (has_vkp(e))
        return event_display[e->vkp_event];
    for (size_t i = 0; i < sizeof other_steps / sizeof other_steps[0]; i++)
        if (strcmp(e->kind, other_steps[i].kind) == 0)
            return other_steps[i].label;
    return NULL; /* notes and the journal's own events: not a step */
}

static int is_comment(const store_resp_event *e)
{
    return !strcmp(e->kind, "cause") || !strcmp(e->kind, "measure") || !strcmp(e->kind, "note");
}

/* 1.1 beskrivelse av oppfølging: each step with time and who, then the outcome. */
static json_t *section_followup(const jctx *j)
{
    narr n;
    n_open(&n);
    n_raw(&n, "<ul>");
    for (size_t i = 0; i < j->nsteps; i++) {
        const store_resp_event *e = j->steps[i];
        const char *label = step_label(e);
        if (!label)
            continue;
        n_raw(&n, "<li>");
        n_time(&n, e->at);
        n_raw(&n, ": ");
        n_text(&n, label);
        if (e->actor_name[0]) {
            n_raw(&n, " (");
            n_text(&n, e->actor_name);
            n_raw(&n, ")");
        }
        if (e->text[0] && !is_comment(e)) {
            n_raw(&n, " - ");
            n_text(&n, e->text);
        }
        n_raw(&n, "</li>");
    }
    n_raw(&n, "</ul><p>Utfall: ");
    n_text(&n,
           resp_outcome_name(j->a->outcome)[0] ? resp_outcome_name(j->a->outcome) : "ikke satt");
    n_raw(&n, ".");
    if (j->a->callout_team[0]) {
        n_raw(&n, " Utrykning: ");
        n_text(&n, j->a->callout_team);
        n_raw(&n, ".");
    }
    if (j->a->claimed_by_name[0]) {
        n_raw(&n, " Operatør: ");
        n_text(&n, j->a->claimed_by_name);
        n_raw(&n, ".");
    }
    n_raw(&n, "</p>");
    return section("Oppfølging", "1.1", "beskrivelse av oppfølging", n_close(&n));
}

/* 1.3 kommentar: cause, measure and notes, in time order. */
static json_t *section_comment(const jctx *j)
{
    static const struct {
        const char *kind, *label;
    } kinds[] = {{"cause", "Årsak"}, {"measure", "Tiltak"}, {"note", "Notat"}};
    narr n;
    n_open(&n);
    size_t written = 0;
    for (size_t i = 0; i < j->nsteps; i++)
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            if (strcmp(j->steps[i]->kind, kinds[k].kind) == 0) {
                n_fmt(&n, "<p>%s: ", kinds[k].label);
                n_text(&n, j->steps[i]->text);
                n_raw(&n, "</p>");
                written++;
            }
    if (!written)
        n_raw(&n, "<p>Ingen kommentar.</p>");
    return section("Kommentar", "1.3", "kommentar", n_close(&n));
}

static json_t *composition(const jctx *j)
{
    const int dho = j->alert->category == 5;
    char date[32], title[160];
    iso_time(j->a->closed_at, date);
    snprintf(title, sizeof title, "Responssenter: %s", j->alert->display);
    return json_pack(
        "{s:s, s:s, s:o, s:s, s:o, s:[o], s:o, s:s, s:[o], s:s, s:o, s:[o,o,o]}", "resourceType",
        "Composition", "id", j->id_comp, "meta", profile("vkp-Composition-v090"), "status", "final",
        "type", concept("http://loinc.org", "11488-4", "Consult note"), "category",
        concept(CS "vkp-composition-category-v090", dho ? "2" : "1",
                dho ? "Digital hjemmeoppfølging" : "Trygghet og mestring"),
        "subject", ident_ref(j->subject_system, j->nin, j->subject_name), "date", date, "author",
        ident_ref(OID_HERID, j->sender, CENTRE_NAME), "title", title, "event", comp_events(j),
        "section", section_event(j), section_followup(j), section_comment(j));
}

static json_t *detected_issue(const jctx *j)
{
    const store_resp_alarm *a = j->a;
    char code[8], when[32];
    snprintf(code, sizeof code, "%d", a->severity);
    iso_time(a->occurred_at > 0 ? a->occurred_at : a->received_at, when);
    json_t *di = json_pack(
        "{s:s, s:s, s:o, s:[{s:s, s:o}], s:s, s:o, s:o, s:s}", "resourceType", "DetectedIssue",
        "id", j->id_issue, "meta", profile("vkp-DetectedIssue-v090"), "extension", "url",
        SD "vkp-severity-level-v090", "valueCodeableConcept",
        concept(CS "vkp-severity-level-v090", code, severity_display[a->severity / 10]), "status",
        "final", "code", concept(CS "vkp-alert-code-v090", a->alert_code, j->alert->display),
        "patient", ident_ref(j->subject_system, j->nin, j->subject_name), "identifiedDateTime",
        when);
    if (di && severity_r4[a->severity / 10])
        json_object_set_new(di, "severity", json_string(severity_r4[a->severity / 10]));
    if (di && a->text[0]) {
        char text[sizeof a->text];
        clean_text(a->text, text, sizeof text);
        json_object_set_new(di, "detail", json_string(text));
    }
    return di;
}

static json_t *message_header(const jctx *j)
{
    char focus[64], endpoint[64];
    snprintf(focus, sizeof focus, "urn:uuid:%s", j->id_comp);
    snprintf(endpoint, sizeof endpoint, "urn:knute:epj:%s", j->a->municipality);
    return json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:[{s:s, s:o}], s:{s:s, s:s, s:s}, s:[{s:s, s:s}]}",
        "resourceType", "MessageHeader", "id", j->id_header, "meta",
        profile("vkp-MessageHeader-v090"), "eventCoding",
        coding(CS "vkp-message-event-v090", "PatientComposition", "PatientComposition"), "sender",
        ident_ref(OID_HERID, j->sender, CENTRE_NAME), "destination", "endpoint", endpoint,
        "receiver",
        json_pack("{s:{s:s, s:s}}", "identifier", "system", OID_HERID, "value", j->a->municipality),
        "source", "name", "Knute", "software", "Knute responssenter", "endpoint",
        "urn:knute:responssenter", "focus", "reference", focus, "display", "Composition");
}

static json_t *bundle(const jctx *j)
{
    char key[64], stamp[32];
    snprintf(key, sizeof key, "urn:uuid:%s", j->id_key);
    iso_time(j->a->closed_at, stamp);
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:[o,o,o]}", "resourceType", "Bundle",
                     "id", j->id_bundle, "identifier", "system", URI_SYSTEM, "value", key, "type",
                     "message", "timestamp", stamp, "entry", entry(j->id_header, message_header(j)),
                     entry(j->id_comp, composition(j)), entry(j->id_issue, detected_issue(j)));
}

int resp_journal_build(const store_resp_alarm *a, const store_citizen *c,
                       const store_resp_event *events, size_t nevents, const char *sender_herid,
                       char **json, size_t *len, kn_err *err)
{
    if (!a || !c || (nevents && !events) || !json || !len)
        return kn_err_set(err, KN_EINVAL, "journal: alarm, citizen and output required");
    *json = NULL;
    *len = 0;
    jctx j;
    int rc = jctx_init(&j, a, c, events, nevents, sender_herid, err);
    json_t *doc = rc == KN_OK ? bundle(&j) : NULL;
    free(j.steps);
    if (rc != KN_OK)
        return rc;
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return kn_err_set(err, KN_ENOMEM, "journal: could not build the message");
    *json = text;
    *len = strlen(text);
    return KN_OK;
}

/* ---- the journal run ---- */

/* A failure that a retry cannot mend: the alarm becomes FAILED. */
static int permanent(int rc)
{
    return rc == KN_EINVAL || rc == KN_EUNPROCESSABLE || rc == KN_ENOTFOUND;
}

/* The hub's first validation error as the reason (the OperationOutcome
 * names element and rule). */
static void outcome_reason(const hub_intake_op *op, kn_err *err)
{
    for (size_t i = 0; i < op->outcome.count; i++) {
        const fhir_issue *is = &op->outcome.issues[i];
        if (is->severity == FHIR_SEV_ERROR || is->severity == FHIR_SEV_FATAL) {
            kn_err_set(err, KN_EUNPROCESSABLE, "VKP: %s: %s", is->expression ? is->expression : "",
                       is->diagnostics ? is->diagnostics : "");
            return;
        }
    }
}

/* Build and hand one alarm's message to the hub. KN_OK: msg_id is the hub
 * message (the original one when the hub had it already). */
static int send_one(resp_ctx *ctx, const store_resp_alarm *a, char msg_id[33], kn_err *err)
{
    store *st = ctx->st;
    store_audit audit;
    audit_event_init(&audit, NULL, "resp.alarm.journal", a->municipality, "resp_alarm", a->id, NULL,
                     "ok");
    int rc = st->ops->audit_append(st, &audit, err); /* the citizen is read for the EPJ */
    store_citizen c;
    if (rc == KN_OK)
        rc = st->ops->citizen_get(st, a->citizen_id, &c, err);
    store_resp_event *ev = NULL;
    size_t nev = 0;
    if (rc == KN_OK)
        rc = st->ops->resp->event_list_alarm(st, a->id, &ev, &nev, err);
    char *json = NULL;
    size_t len = 0;
    if (rc == KN_OK)
        rc = resp_journal_build(a, &c, ev, nev, ctx->centre_herid, &json, &len, err);
    free(ev);
    if (rc != KN_OK)
        return rc;
    hub_intake_req req = {.receiver = a->municipality, .kind = "message", .body = json, .len = len};
    hub_intake_op op;
    rc = hub_intake_internal(ctx->hub, &req, &op, err);
    if (rc == KN_EUNPROCESSABLE)
        outcome_reason(&op, err);
    if (rc == KN_OK)
        memcpy(msg_id, op.msg.id, 33);
    hub_intake_op_release(&op);
    free(json);
    return rc;
}

struct set_wait {
    resp_ctx *ctx;
    store_resp_alarm alarm;
    store_resp_event event;
    store_waiter w;
};

/* Writer thread, after COMMIT: publish the journal event, then wake the caller. */
static void set_done(void *cls, int status, const kn_err *err)
{
    struct set_wait *s = cls;
    if (status == KN_OK)
        resp_bus_publish(s->ctx->bus, &s->alarm, &s->event);
    store_waiter_done(&s->w, status, err);
}

static int journal_set(resp_ctx *ctx, const store_resp_alarm *a, int journal, const char *msg_id,
                       const char *error, kn_err *err)
{
    struct set_wait s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    resp_event_init(&s.event, journal == RESP_J_SENT ? RESP_EV_JOURNALED : RESP_EV_JOURNAL_FAILED,
                    resp_now(ctx), NULL, journal == RESP_J_SENT ? msg_id : error);
    kn_strcpy(s.event.alarm_id, sizeof s.event.alarm_id, a->id);
    kn_strcpy(s.event.municipality, sizeof s.event.municipality, a->municipality);
    store_waiter_init(&s.w);
    int rc = ctx->st->ops->resp->journal_set_async(ctx->st, a->id, journal, msg_id, error, &s.event,
                                                   &s.alarm, set_done, &s, err);
    if (rc != KN_OK) {
        store_waiter_destroy(&s.w);
        return rc;
    }
    return store_waiter_wait(&s.w, err);
}

/* One alarm: 1 sent, 2 failed, 0 left pending (transient error in err). */
static int journal_one(resp_ctx *ctx, const store_resp_alarm *a, int *result, kn_err *err)
{
    char msg_id[33] = "";
    kn_err why;
    kn_err_clear(&why);
    int rc = send_one(ctx, a, msg_id, &why);
    *result = 0;
    if (rc != KN_OK && !permanent(rc)) {
        kn_log(KN_LOG_WARN, "resp.journal.retry", "{s:s, s:s}", "alarm_id", a->id, "status",
               kn_status_code(rc));
        *err = why;
        return rc;
    }
    int journal = rc == KN_OK ? RESP_J_SENT : RESP_J_FAILED;
    if (journal == RESP_J_FAILED)
        kn_log(KN_LOG_WARN, "resp.journal.failed", "{s:s, s:s}", "alarm_id", a->id, "status",
               kn_status_code(rc));
    rc = journal_set(ctx, a, journal, msg_id, journal == RESP_J_FAILED ? why.msg : NULL, err);
    if (rc == KN_OK)
        *result = journal == RESP_J_SENT ? 1 : 2;
    return rc;
}

int resp_journal_run(resp_ctx *ctx, size_t *sent, size_t *failed, kn_err *err)
{
    size_t ns = 0, nf = 0;
    int first = KN_OK;
    if (ctx->hub) {
        store_resp_alarm *list = NULL;
        size_t n = 0;
        first = ctx->st->ops->resp->journal_pending(ctx->st, JOURNAL_BATCH, &list, &n, err);
        for (size_t i = 0; i < n; i++) { /* a transient error does not stop the others */
            int result = 0;
            kn_err e;
            kn_err_clear(&e);
            int rc = journal_one(ctx, &list[i], &result, &e);
            ns += result == 1;
            nf += result == 2;
            if (rc != KN_OK && first == KN_OK && err)
                *err = e;
            if (rc != KN_OK && first == KN_OK)
                first = rc;
        }
        free(list);
    }
    if (sent)
        *sent = ns;
    if (failed)
        *failed = nf;
    return first;
}
