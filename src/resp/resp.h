/* resp.h - the response service (responstjeneste): alarms in, triage and
 * routing, the operator's steps, escalation timers, device supervision,
 * automatic journaling to the EPJ, service levels, and the live event bus the
 * operator consoles listen to.
 *
 * Flow of an alarm (docs/ARCHITECTURE.md has the picture):
 *   1 intake   resp_alarm_prepare/submit (JSON API), resp_hubin_run (hub
 *              DetectedIssue), resp_tick (supervision: "ingen kontakt")
 *              -> priority (resp_priority), routing step 0 (resp_route_match),
 *              one durable transaction: alarm + "created" event (VKP 0) + audit
 *   2 publish  after COMMIT, on the store's writer thread, in commit order:
 *              resp_bus_publish -> every console stream of that municipality
 *   3 operator claim (1) -> acknowledge (3) -> phone (8) | call-out (4, started
 *              9, done 5) | defer (9) | 113 (10); notes cause (6), measure (7);
 *              close. Each step: resp_alarm_act = compare-and-set + event + audit
 *   4 timers   resp_tick: unclaimed past the step's timeout -> next routing
 *              step (escalated); unacknowledged / claimed-but-forgotten ->
 *              re-notify
 *   5 journal  resp_journal_run: closed alarm -> VKP message (PatientComposition
 *              with the Composition and the DetectedIssue) -> vkp_validate ->
 *              hub intake (internal sender) -> the hub routes it to the EPJ
 *
 * Domain only: no SQL (st->ops->resp), no HTTP. Access: every function that
 * takes a principal decides it with auth_require; reads of personal data
 * write an audit event first. Thread-safe: resp_ctx may be shared.
 * Clock: every "now" comes from ctx->clock, so tests drive timers by hand.
 */
#ifndef KN_RESP_H
#define KN_RESP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../auth/auth.h"
#include "../core/core_buf.h"
#include "../core/core_err.h"
#include "../hub/hub.h"
#include "../store/store.h"

/* Scopes of machine clients. */
#define RESP_SCOPE_ALARM "knute/alarms.write"     /* alarm receivers and devices: alarms, heartbeats */
#define RESP_SCOPE_READ "knute/resp.read"         /* queue, stream, statistics */
#define RESP_SCOPE_WRITE "knute/resp.write"       /* operator steps, rules, profiles */

/* Roles. Operators work the queue; coordinators and admins also edit rules
 * and profiles; nurses read profiles and statistics. */
#define RESP_ROLES_OPERATE (AUTH_ROLE_OPERATOR | AUTH_ROLE_COORDINATOR | AUTH_ROLE_ADMIN)
#define RESP_ROLES_ADMIN (AUTH_ROLE_COORDINATOR | AUTH_ROLE_ADMIN)
#define RESP_ROLES_READ (AUTH_ROLE_OPERATOR | AUTH_ROLE_NURSE | AUTH_ROLE_COORDINATOR | AUTH_ROLE_ADMIN)

/* Event kinds (store_resp_event.kind) and their VKP composition-event code
 * (-1: not journaled as an event). */
#define RESP_EVENT_LIST(X)                                         \
    X(CREATED,           "created",           0)  /* hendelse meldt */      \
    X(REPEATED,          "repeated",          -1) /* merged repeat */       \
    X(CLAIMED,           "claimed",           1)  /* hendelse behandles */  \
    X(RELEASED,          "released",          -1)                           \
    X(ACKNOWLEDGED,      "acknowledged",      3)  /* hendelse kvittert */   \
    X(PHONE,             "phone",             8)  /* samtale */             \
    X(CALLOUT_REQUESTED, "callout_requested", 4)  /* til utrykning */       \
    X(CALLOUT_STARTED,   "callout_started",   9)  /* aksjon */              \
    X(CALLOUT_DONE,      "callout_done",      5)  /* ok utrykning */        \
    X(DEFERRED,          "deferred",          9)  /* aksjon */              \
    X(EMERGENCY,         "emergency",         10) /* annen aktør (113) */   \
    X(CAUSE,             "cause",             6)  /* årsak */               \
    X(MEASURE,           "measure",           7)  /* tiltak */              \
    X(NOTE,              "note",              -1)                           \
    X(CLOSED,            "closed",            -1)                           \
    X(ESCALATED,         "escalated",         -1) /* next routing step */   \
    X(RENOTIFIED,        "renotified",        -1) /* reminder */            \
    X(CONTACT_RESTORED,  "contact_restored",  -1) /* heartbeat back */      \
    X(JOURNALED,         "journaled",         -1)                           \
    X(JOURNAL_FAILED,    "journal_failed",    -1)

enum resp_event_kind {
#define RESP_EVENT_ENUM(name, text, vkp) RESP_EV_##name,
    RESP_EVENT_LIST(RESP_EVENT_ENUM)
#undef RESP_EVENT_ENUM
    RESP_EV__COUNT
};
const char *resp_event_name(int kind);     /* "claimed" */
int resp_event_vkp(int kind);              /* 1, or -1 */
/* Fill an event record (at, kind name, vkp code, actor from p (NULL =
 * system), text may be NULL). */
void resp_event_init(store_resp_event *ev, int kind, int64_t at, const auth_principal *p,
                     const char *text);

/* ---- codes: VKP alert codes, severity, triage, priority ---- */

typedef struct resp_alert_info {
    const char *code;        /* "4.1" */
    const char *display;     /* "Fall" */
    int category;            /* 1 medisinering, 2 lokalisering, 3 trygghetsalarm, 4 digitalt tilsyn, 5 DHO, 6, 7 */
    int priority;            /* default priority 1..5 of this code */
    int technical;           /* 1: technical alarm (battery, no contact, device fault) */
} resp_alert_info;

/* The code's entry, or NULL when the code is not in vkp-alert-code. */
const resp_alert_info *resp_alert_lookup(const char *code);
/* Severity: 1 when one of 0,10,20,30,40. Triage: 1 when one of R,O,Y,G,B,BL,NR. */
int resp_severity_valid(int severity);
int resp_triage_valid(const char *triage);
/* Priority 1 (red) .. 5 (blue): the most urgent of the code's default, the
 * triage colour (R 1, O 2, Y 3, G 4, B 5; BL/NR none) and the severity
 * (40 1, 30 2, 20 3, 10 4; 0 none); then a citizen rule for that exact code
 * or its category (profile may be NULL) replaces it. */
int resp_priority(const char *alert_code, int severity, const char *triage,
                  const store_resp_profile *profile);
/* Most urgent priority of a technical alarm raised under a non-technical
 * code (supervision's "ingen kontakt" on a safety alarm): 3, yellow. */
#define RESP_TECHNICAL_PRIORITY 3
const char *resp_priority_name(int priority);   /* "rød", "oransje", "gul", "grønn", "blå" */
const char *resp_state_name(int state);         /* "ny", "tatt", "kvittert", "utrykning", "avsluttet" */
const char *resp_outcome_name(int outcome);     /* "", "telefon", "utrykning", "utsatt", "113", "falsk" */

/* ---- the context ---- */

typedef int64_t (*resp_clock_fn)(void *cls);    /* ms since the epoch */

typedef struct resp_bus resp_bus;

typedef struct resp_opts {
    store *st;                   /* borrowed */
    hub_ctx *hub;                /* journaling goes through it; NULL = no journaling (tests) */
    int environment;             /* enum nid_env */
    resp_clock_fn clock;         /* NULL = kn_now_ms */
    void *clock_cls;
    /* timers (seconds) */
    int renotify_s;              /* unclaimed or claimed-but-unacknowledged: re-notify every (default 60) */
    int forgotten_s;             /* acknowledged / call-out without progress: re-notify after (default 900) */
    int default_step_timeout_s;  /* escalation when no routing rule matches (default 60) */
    /* supervision: heartbeat interval per device type (seconds; 0 = the
     * default, negative = not supervised, which ctx->o holds as 0) */
    int supervise_safety_alarm_s;        /* default 43200 (12 h) */
    int supervise_medication_dispenser_s;/* default 3600 */
    int supervise_gps_tracker_s;         /* default 3600 */
    int supervise_camera_s;              /* default 3600 */
    int supervise_vitals_kit_s;          /* default 86400 */
    /* flood: repeats of an open alarm from one device are merged (always);
     * in addition a device sending more than flood_max alarms within
     * flood_window_s gets all further alarms merged into its newest open one
     * that is at least as urgent (a more urgent one keeps its own line) */
    int flood_max;               /* default 5 */
    int flood_window_s;          /* default 60 */
    int bus_ring;                /* events kept for reconnecting consoles (default 16384) */
    const char *centre_herid;    /* the response centre's HER-id: sender and author of the
                                    journal; NULL/"" = the municipality's orgnr (copied) */
} resp_opts;

typedef struct resp_ctx resp_ctx;

/* Create (nothing is started). *out owned by the caller: resp_ctx_free. */
int resp_ctx_new(const resp_opts *o, resp_ctx **out, kn_err *err);
void resp_ctx_free(resp_ctx *ctx);                 /* stops the worker first; NULL-safe */
int64_t resp_now(const resp_ctx *ctx);
resp_bus *resp_ctx_bus(resp_ctx *ctx);              /* borrowed */
store *resp_ctx_store(resp_ctx *ctx);

/* The background worker: once a second (and at once after resp_wake) runs
 * resp_tick, resp_hubin_run and resp_journal_run. */
int resp_start(resp_ctx *ctx, kn_err *err);
void resp_stop(resp_ctx *ctx);                      /* joins the worker; idempotent */
void resp_wake(resp_ctx *ctx);                      /* e.g. after a hub intake or a close */

/* ---- alarm intake ---- */

typedef struct resp_alarm_in {
    const char *device;          /* device id or serial in the municipality; NULL when citizen given */
    const char *citizen_id;      /* NULL: the device's citizen. Both given: must agree */
    const char *alert_code;      /* required, in vkp-alert-code */
    const char *time;            /* required, RFC 3339 with offset ("2026-11-22T10:15:00+01:00") */
    int severity;                /* -1 absent (= 0) */
    const char *triage;          /* NULL absent */
    int has_position;
    double lat, lon;             /* WGS84; lat -90..90, lon -180..180 */
    int battery;                 /* -1 absent; 0..100 */
    const char *text;            /* optional, <= 255 bytes */
    const char *external_id;     /* optional idempotency key, <= 127 bytes */
} resp_alarm_in;

/* State of one intake between prepare and the commit (like hub_intake_op). */
typedef struct resp_alarm_op {
    store_resp_alarm alarm;
    store_resp_event event;
    int merged;                  /* after commit: 0 new, 1 merged into an open alarm, 2 duplicate external_id */
    int64_t hub_seq;             /* hub intake: cursor to move with the write */
    store_audit audit;
    resp_ctx *ctx;               /* set by submit */
    store_done_fn done;
    void *cls;
} resp_alarm_op;

/* Check access (RESP_SCOPE_ALARM clients with a grant at municipality, or
 * RESP_ROLES_OPERATE users there), the input, the device and the citizen;
 * compute priority and the first routing step. Nothing is written.
 * KN_EINVAL bad input (err names the field: unknown alert code, malformed
 * time, bad position/battery); KN_ENOTFOUND unknown device or citizen in
 * that municipality (err says which); KN_EUNPROCESSABLE device and citizen
 * disagree, or the device is in stock; KN_EFORBIDDEN. */
int resp_alarm_prepare(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                       const resp_alarm_in *in, const char *request_id, resp_alarm_op *op,
                       kn_err *err);
/* Queue the durable write; done(cls, status, err) after COMMIT, after the
 * event was published on the bus. op must stay valid until then. */
int resp_alarm_submit(resp_ctx *ctx, resp_alarm_op *op, store_done_fn done, void *cls,
                      kn_err *err);
/* prepare + submit + wait (CLI, tests, hub intake). */
int resp_alarm_create(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                      const resp_alarm_in *in, const char *request_id, resp_alarm_op *op,
                      kn_err *err);
/* The same for system sources (hub, supervision): no principal, fields set
 * by the caller in op->alarm (municipality, citizen_id, alert_code, ...);
 * fills names, priority, route step, timers, event; waits for the commit.
 * received_at 0 = now (resp_tick passes its own); technical set by the
 * caller is kept (else the code's flag); battery is the caller's (-1 unknown). */
int resp_alarm_create_system(resp_ctx *ctx, resp_alarm_op *op, kn_err *err);

/* ---- operator steps ---- */

enum resp_action {
    RESP_ACT_CLAIM = 1,          /* NEW -> CLAIMED by p; someone else's claim: KN_ECONFLICT "claimed by <name>" */
    RESP_ACT_RELEASE,            /* CLAIMED by p -> NEW */
    RESP_ACT_ACK,                /* CLAIMED by p -> ACKNOWLEDGED */
    RESP_ACT_PHONE,              /* ACKNOWLEDGED: resolved on the phone (outcome phone) */
    RESP_ACT_CALLOUT,            /* ACKNOWLEDGED -> CALLOUT, team required */
    RESP_ACT_CALLOUT_STARTED,    /* CALLOUT requested -> started */
    RESP_ACT_CALLOUT_DONE,       /* CALLOUT started (or requested) -> done */
    RESP_ACT_DEFER,              /* ACKNOWLEDGED: to the next planned visit (outcome defer) */
    RESP_ACT_EMERGENCY,          /* ACKNOWLEDGED or CALLOUT: handed to 113 (outcome emergency) */
    RESP_ACT_CAUSE,              /* note: cause (årsak), text required */
    RESP_ACT_MEASURE,            /* note: measure (tiltak), text required */
    RESP_ACT_NOTE,               /* free note, text required */
    RESP_ACT_CLOSE,              /* needs an outcome, a cause and a measure, and no call-out under way */
};
/* "claim", "release", "acknowledge", "phone", "callout", "callout_started",
 * "callout_done", "defer", "emergency", "cause", "measure", "note", "close";
 * 0 when unknown. */
int resp_action_parse(const char *name);
const char *resp_action_name(int action);

typedef struct resp_action_in {
    int action;                  /* enum resp_action */
    const char *team;            /* CALLOUT */
    const char *text;            /* notes; optional comment on the others (<= 500 bytes) */
    int64_t expected_version;    /* 0 = the current one; else KN_ECONFLICT when it moved */
} resp_action_in;

/* Apply one step as principal p (RESP_ROLES_OPERATE at the alarm's
 * municipality; every step but CLAIM needs p to hold the claim). State rules
 * above; a step not allowed in the current state is KN_ECONFLICT with the
 * reason in Norwegian-free English ("alarm is not acknowledged"). Writes the
 * alarm (compare-and-set), its event(s) and audit; publishes; *out is the
 * new alarm. CLOSE sets journal PENDING and wakes the worker. */
int resp_alarm_act(resp_ctx *ctx, const auth_principal *p, const char *alarm_id,
                   const resp_action_in *in, const char *request_id, store_resp_alarm *out,
                   kn_err *err);

/* One alarm with its events, the citizen, the profile and the current
 * routing recipient, for the detail view. Audited ("resp.alarm.read").
 * *events malloc'd (free()). */
typedef struct resp_alarm_detail {
    store_resp_alarm alarm;
    store_citizen citizen;
    store_resp_profile profile;  /* empty (citizen_id "") when none */
    store_resp_event *events;
    size_t nevents;
    store_resp_step step;        /* the step now notified (kind 0 when none) */
} resp_alarm_detail;
int resp_alarm_get(resp_ctx *ctx, const auth_principal *p, const char *alarm_id,
                   const char *request_id, resp_alarm_detail *out, kn_err *err);
void resp_alarm_detail_free(resp_alarm_detail *d);

/* The queue (open alarms, priority then age) or history of the given
 * municipalities; each must be one where p has RESP_ROLES_READ (clients:
 * RESP_SCOPE_READ + grant). Audited ("resp.queue.read"). *list malloc'd. */
int resp_alarm_list(resp_ctx *ctx, const auth_principal *p, const store_resp_filter *f,
                    const char *request_id, store_resp_alarm **list, size_t *n, int64_t *total,
                    kn_err *err);
/* Highest committed event seq (0 when none): the queue's "last_seq", read
 * before the list, so a console that streams from it misses nothing
 * (resp_seq.c). */
int resp_last_seq(resp_ctx *ctx, int64_t *seq, kn_err *err);

/* ---- heartbeats and timers ---- */

/* A device's sign of life (RESP_SCOPE_ALARM clients or operators). time NULL
 * = now. Clears a running "ingen kontakt" alarm's supervision and notes
 * "contact_restored" on it (the alarm itself stays for the operator). */
int resp_heartbeat(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                   const char *device, const char *time, int battery, const char *request_id,
                   kn_err *err);

typedef struct resp_tick_report {
    size_t escalated;            /* alarms moved to the next routing step */
    size_t renotified;           /* reminders */
    size_t silent;               /* "ingen kontakt" alarms raised */
} resp_tick_report;
/* One pass of the timers at `now`: due alarm timers (store timers_due) and
 * silent devices per supervised type. Tests call it with their own clock. */
int resp_tick(resp_ctx *ctx, int64_t now, resp_tick_report *out, kn_err *err);

/* ---- routing rules (resp_route.c) ---- */

/* Validate and store a rule (RESP_ROLES_ADMIN at rule->municipality).
 * KN_EINVAL names the bad field. */
int resp_rule_put(resp_ctx *ctx, const auth_principal *p, store_resp_rule *rule,
                  const char *request_id, kn_err *err);
int resp_rule_delete(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                     const char *id, const char *request_id, kn_err *err);
int resp_rule_list(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                   store_resp_rule **list, size_t *n, kn_err *err);
/* Parse/format a rule as JSON (the API's shape, docs/response.md):
 * {"id","name","service","citizen_id","days":["man",..],"from":"07:00",
 *  "to":"15:30","steps":[{"kind":"centre|homecare|oncall|relatives",
 *  "target":"...","timeout_s":60}]}. "to":"24:00" is end of day. */
int resp_rule_from_json(const json_t *j, const char *municipality, store_resp_rule *out,
                        kn_err *err);
json_t *resp_rule_to_json(const store_resp_rule *r);    /* new reference */
/* One step: {"kind","target","timeout_s"}, or JSON null for a step of no
 * kind (none notified). New reference. */
json_t *resp_step_to_json(const store_resp_step *s);

/* The rule that applies to an alarm at time `at` (local Norwegian time,
 * Europe/Oslo, DST included): a citizen rule wins over a service rule, a
 * service rule over "*"; among equals the first in list order. KN_ENOTFOUND
 * when no rule covers that moment. Pure: rules are passed in. */
int resp_route_match(const store_resp_rule *rules, size_t n, const char *citizen_id,
                     const char *alert_code, int64_t at, const store_resp_rule **out);

/* Coverage of the week: for each service ("*" plus every service that has a
 * rule) every hour of the week (168) must be covered by some rule
 * (citizen rules do not count). gaps: malloc'd list, *ngaps (0 = fully
 * covered). */
typedef struct resp_gap {
    char service[16];
    int weekday;                 /* 0 Monday .. 6 Sunday */
    int from_min, to_min;        /* uncovered [from, to) minutes of that day, merged */
} resp_gap;
int resp_route_coverage(const store_resp_rule *rules, size_t n, resp_gap **gaps, size_t *ngaps,
                        kn_err *err);

/* ---- citizen profile (resp_profile.c) ---- */

/* RESP_ROLES_READ at the citizen's municipality; audited ("resp.profile.read").
 * A citizen without a profile gets an empty one (KN_OK). */
int resp_profile_get(resp_ctx *ctx, const auth_principal *p, const char *citizen_id,
                     const char *request_id, store_resp_profile *out, kn_err *err);
/* RESP_ROLES_ADMIN or case_worker/nurse at the citizen's municipality. */
int resp_profile_put(resp_ctx *ctx, const auth_principal *p, const char *citizen_id,
                     const store_resp_profile *in, const char *request_id, kn_err *err);
/* JSON shape: {"key_safe","elock","access_note","care_team","care_team_phone",
 * "notes","relatives":[{"name","relation","phone","call_order"}],
 * "priority_rules":[{"alert_code","priority"}]} */
int resp_profile_from_json(const json_t *j, store_resp_profile *out, kn_err *err);
json_t *resp_profile_to_json(const store_resp_profile *p);

/* ---- service levels (resp_stats.c) ---- */

/* TSA targets: shares of alarms answered (claimed) within 60 s and 180 s. */
#define RESP_TARGET_60 0.975
#define RESP_TARGET_180 0.99

typedef struct resp_month_stats {
    char month[8];               /* "2026-11" (Europe/Oslo) */
    char municipality[10];
    int64_t alarms, answered_60, answered_180;    /* answered = claimed */
    double share_60, share_180;                   /* 0..1; targets 0.975 and 0.99 (TSA) */
    double claim_median_s, claim_p90_s;           /* received -> claimed (-1 when none, like every time) */
    double close_median_s, close_p90_s;           /* received -> closed */
    int64_t callouts;
    double callout_start_median_s;                /* requested -> started */
    double callout_duration_median_s;             /* started -> done */
    int64_t citizens;                             /* with at least one alarm */
    double alarms_per_citizen;
} resp_month_stats;

typedef struct resp_citizen_rate {
    char citizen_id[33];
    char municipality[10];
    int64_t alarms;
    double per_30_days;
    int abnormal;                /* per_30_days >= 3 x the municipality median and alarms >= 10 */
    double municipality_median;  /* median per_30_days of the municipality's citizens with alarms */
} resp_citizen_rate;

typedef struct resp_stats {
    resp_month_stats *months;    /* malloc'd, by municipality then month */
    size_t nmonths;
    resp_citizen_rate *rates;    /* malloc'd, highest rate first */
    size_t nrates;
    int64_t from, to;            /* the period [from, to), ms */
} resp_stats;

/* Service levels of the municipalities (RESP_ROLES_READ each) over
 * [from, to). Audited. Pure computation over store stat_rows.
 * p NULL: the local CLI (no access check, audited as "system"). */
int resp_stats_get(resp_ctx *ctx, const auth_principal *p, const char *const *municipalities,
                   size_t n_munis, int64_t from, int64_t to, const char *request_id,
                   resp_stats *out, kn_err *err);
/* The same over given rows (unit tests feed rows directly). */
int resp_stats_compute(const store_resp_stat_row *rows, size_t n, int64_t from, int64_t to,
                       resp_stats *out, kn_err *err);
void resp_stats_free(resp_stats *s);
/* Midnight Europe/Oslo at the start of date "YYYY-MM-DD" as ms (the API's
 * and CLI's from/to). KN_EINVAL when not a real date. */
int resp_stats_day_start(const char *date, int64_t *ms_out, kn_err *err);
json_t *resp_stats_to_json(const resp_stats *s);
/* CSV: one table per kind ("months" or "citizens"), via src/report. */
int resp_stats_csv(const resp_stats *s, const char *table, kn_buf *out, kn_err *err);

/* ---- journaling (resp_journal.c) ---- */

/* Build the VKP message for a closed alarm: a message Bundle (event
 * PatientComposition) whose Composition has category 1 (Trygghet og
 * mestring) or 2 (DHO, alert category 5), subject = the citizen's person
 * number, one Composition.event per step with a VKP event code (period.start
 * = the step's time), sections 1.2 (beskrivelse av hendelse: alert code,
 * time, position), 1.1 (oppfølging: steps, outcome), 1.3 (kommentar: cause,
 * measure, notes), and the DetectedIssue of the alarm. *json malloc'd. */
int resp_journal_build(const store_resp_alarm *a, const store_citizen *c,
                       const store_resp_event *events, size_t nevents, const char *sender_herid,
                       char **json, size_t *len, kn_err *err);
/* Journal every pending closed alarm: build, vkp_validate, hub intake as
 * the internal sender; journal_set SENT/FAILED. *sent / *failed may be NULL. */
int resp_journal_run(resp_ctx *ctx, size_t *sent, size_t *failed, kn_err *err);

/* ---- hub intake (resp_hubin.c) ---- */

/* Turn new hub messages carrying a DetectedIssue with a VKP alert code into
 * alarms of the receiving municipality (citizen found by person number);
 * moves the hub cursor. Messages without one are skipped. *created may be NULL. */
int resp_hubin_run(resp_ctx *ctx, size_t *created, kn_err *err);

/* ---- JSON views (resp_json.c), shared by the API and the bus ---- */

/* The alarm as the console sees it:
 * {"id","version","municipality","citizen":{"id","name","address"},
 *  "device_id","source","alert_code","alert":"Fall","category":4,
 *  "severity":30,"triage":"R","priority":1,"priority_name":"rød",
 *  "technical":false,"state":"tatt","outcome":"","callout":"", "team":"",
 *  "claimed_by":{"id","name"}|null,"occurred_at","received_at","claimed_at",
 *  "acked_at","closed_at","callout_requested_at","callout_started_at",
 *  "callout_done_at" (RFC 3339 UTC or null),"position":{"lat","lon"}|null,
 *  "battery":n|null,"repeats","route_step","escalations","text",
 *  "journal":"none|pending|sent|failed","journal_message_id","last_seq"} */
json_t *resp_alarm_to_json(const store_resp_alarm *a);
/* {"seq","alarm_id","at","kind","vkp_event"(n|null),"actor":{"id","name"}|null,"text"} */
json_t *resp_event_to_json(const store_resp_event *e);

/* ---- the live bus (resp_bus.c) ----
 *
 * Every committed event is published (from the store's writer thread, in
 * seq order; publish only copies into a queue). A dispatcher thread renders
 * each event once to its SSE frame
 *     id: <seq>\nevent: alarm\ndata: {"seq":..,"event":{..},"alarm":{..}}\n\n
 * into a ring of opts.bus_ring frames and wakes the subscribers whose
 * municipalities it concerns. A subscriber reads frames after its cursor;
 * one that fell behind the ring (or reconnects with a Last-Event-ID older
 * than the ring) first gets "event: reset" (reload the queue), then live
 * frames. Comment frames ": ping" keep idle streams open (every 15 s). */

typedef struct resp_sub resp_sub;

/* Called by the bus (dispatcher thread) when the subscriber has new frames
 * after a read returned none. Must be cheap (e.g. MHD_resume_connection). */
typedef void (*resp_sub_notify_fn)(void *cls);

void resp_bus_publish(resp_bus *bus, const store_resp_alarm *a, const store_resp_event *e);
/* Subscribe to municipalities (copied). after_seq: Last-Event-ID, or -1 for
 * "from now" (the client loads the queue itself first). */
int resp_bus_subscribe(resp_bus *bus, const char *const *municipalities, size_t n,
                       int64_t after_seq, resp_sub_notify_fn notify, void *cls, resp_sub **out,
                       kn_err *err);
/* Copy whole frames into buf (at most max bytes; a frame never split).
 * Returns bytes written; 0 = nothing now: the subscriber is armed and notify
 * will be called once when there is (call with the caller's lock discipline:
 * see http_resp_stream.c). -1 when the bus is closing (end the stream).
 * One reader per subscriber at a time. */
long resp_sub_read(resp_sub *sub, char *buf, size_t max);
void resp_sub_close(resp_sub *sub);     /* unsubscribe and free; notify is never called after */
/* Close every subscriber's stream (server stop): their reads return -1 and
 * each is notified once. */
void resp_bus_shutdown(resp_bus *bus);
/* Export the context's bus on /metrics (knute_resp_streams,
 * knute_resp_frames_published_total, knute_resp_stream_resets_total); one
 * context per process (`knute serve`). resp_ctx_free unregisters it. */
void resp_metrics_register(resp_ctx *ctx);
void resp_metrics_unregister(resp_ctx *ctx);
/* Gauges for /metrics: subscribers, frames published, ring lag resets. */
void resp_bus_stats(resp_bus *bus, int64_t *subs, int64_t *published, int64_t *resets);
/* Open a console stream as principal p (GET /api/v1/resp/stream): every
 * municipality (n >= 1; the handler fills in the caller's own when none is
 * asked for) must be one where p has RESP_ROLES_READ (clients RESP_SCOPE_READ
 * and a grant), else KN_EFORBIDDEN; audited once per municipality
 * ("resp.stream.open"); then resp_bus_subscribe. *out: resp_sub_close. */
int resp_stream_open(resp_ctx *ctx, const auth_principal *p, const char *const *municipalities,
                     size_t n, int64_t after_seq, const char *request_id,
                     resp_sub_notify_fn notify, void *cls, resp_sub **out, kn_err *err);

#endif
