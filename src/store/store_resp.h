/* store_resp.h - the response service's records and storage operations
 * (responstjeneste): alarms and their event log, heartbeats, routing rules,
 * the operator-facing citizen profile, and the cursors of the two background
 * feeds (hub messages in, journaling out).
 *
 * Included by store.h only (it needs store, store_audit and store_done_fn);
 * the ops are the sub-table st->ops->resp. Domain side: src/resp/resp.h.
 *
 * Concurrency model: an alarm row carries `version`, increased by every
 * update. alarm_update is compare-and-set on it: the domain reads the alarm,
 * decides the new state, and writes it only if nobody else wrote in between
 * (else KN_ECONFLICT, and the domain re-reads). That is how two operators can
 * never both claim one alarm, also across processes.
 *
 * Events: every change of an alarm appends one or more store_resp_event rows
 * in the same transaction as the alarm row and the audit event. Event seq is
 * store-assigned, global and increasing in commit order; it is the id of the
 * live stream (Server-Sent Events `id:`), so a console that reconnects with
 * Last-Event-ID gets exactly the events after it.
 *
 * All times are ms since the Unix epoch. Strings are fixed-size, NUL
 * terminated; lists are one malloc'd array the caller free()s.
 */
#ifndef KN_STORE_RESP_H
#define KN_STORE_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core_err.h"

#define STORE_RESP_CODE_LEN 16       /* VKP alert code "4.1", "1.20" */
#define STORE_RESP_TEXT_LEN 512
#define STORE_RESP_MAX_RELATIVES 8
#define STORE_RESP_MAX_PRIO_RULES 8
#define STORE_RESP_MAX_STEPS 6
#define STORE_RESP_PAGE_MAX 1000
#define STORE_RESP_PERIODIC_KEPT 20  /* newest repeats/reminders event_list_alarm keeps */

/* Alarm state (the queue shows everything but CLOSED). */
enum store_resp_state {
    RESP_ST_NEW = 1,          /* mottatt: waiting for an operator */
    RESP_ST_CLAIMED,          /* tatt: one operator has it */
    RESP_ST_ACKNOWLEDGED,     /* kvittert: the operator has talked to / seen it */
    RESP_ST_CALLOUT,          /* utrykning: a team is sent */
    RESP_ST_CLOSED,           /* avsluttet: journaling follows */
};

/* How an alarm was handled (set before close). */
enum store_resp_outcome {
    RESP_OUT_NONE = 0,
    RESP_OUT_PHONE,           /* løst på telefon */
    RESP_OUT_CALLOUT,         /* utrykning */
    RESP_OUT_DEFER,           /* utsatt til neste planlagte besøk */
    RESP_OUT_EMERGENCY,       /* overlatt til 113 */
    RESP_OUT_FALSE,           /* falsk alarm / utløst ved en feil */
};

/* Journaling of a closed alarm to the EPJ through the hub. */
enum store_resp_journal {
    RESP_J_NONE = 0,          /* not closed yet */
    RESP_J_PENDING,           /* closed; the journal worker will build and send the Composition */
    RESP_J_SENT,              /* accepted by the hub (journal_message_id); delivery is the hub's job */
    RESP_J_FAILED,            /* could not be built/validated (journal_error); needs a person */
};

/* Call-out progress (utrykning). */
enum store_resp_callout {
    RESP_CO_NONE = 0,
    RESP_CO_REQUESTED,        /* team assigned (VKP event 4) */
    RESP_CO_STARTED,          /* team on its way */
    RESP_CO_DONE,             /* team finished (VKP event 5) */
};

typedef struct store_resp_alarm {
    char id[33];                          /* set by the store on create */
    int64_t version;                      /* 1 on create, +1 per update */
    char municipality[10];
    char citizen_id[33];                  /* always set: an alarm belongs to a citizen */
    char citizen_name[128];               /* snapshot at intake, for the queue (no join per event) */
    char address[128];                    /* snapshot at intake */
    char device_id[33];                   /* store_device.id; empty for hub alarms without device */
    char source[8];                       /* "api" | "hub" | "super" (supervision: no contact) */
    char external_id[128];                /* sender's id for idempotency; unique per (municipality, source) when set */
    char hub_message_id[33];              /* source "hub": the hub message it came from */
    char alert_code[STORE_RESP_CODE_LEN]; /* VKP vkp-alert-code */
    int severity;                         /* VKP severity level 0,10,20,30,40 */
    char triage[3];                       /* VKP triage R,O,Y,G,B,BL,NR */
    int priority;                         /* 1 red (critical) .. 5 blue; queue order: priority, then received_at */
    int technical;                        /* 1 for technical alarms (no contact, battery, ...) */
    int state;                            /* enum store_resp_state */
    int outcome;                          /* enum store_resp_outcome */
    int callout;                          /* enum store_resp_callout */
    char callout_team[128];
    char claimed_by[33];                  /* user id; empty unless CLAIMED or later */
    char claimed_by_name[128];            /* display name for other consoles */
    int64_t occurred_at;                  /* the device's time */
    int64_t received_at;                  /* Knute's time on intake */
    int64_t claimed_at, acked_at, closed_at;
    int64_t callout_requested_at, callout_started_at, callout_done_at;
    int has_position;
    double lat, lon;
    int battery;                          /* percent, -1 unknown */
    int repeats;                          /* further alarms merged into this one (flood / repeats) */
    int route_step;                       /* index of the routing step now notified (0 first) */
    int escalations;                      /* how many times timers escalated or re-notified */
    int64_t next_timer_at;                /* when the timer worker must look again; 0 = never */
    char text[256];                       /* free text from the sender */
    int journal;                          /* enum store_resp_journal */
    char journal_message_id[33];
    char journal_error[256];
    int64_t last_seq;                     /* seq of the alarm's newest event */
} store_resp_alarm;

typedef struct store_resp_event {
    int64_t seq;                          /* set by the store */
    char alarm_id[33];
    char municipality[10];
    int64_t at;                           /* ms */
    char kind[24];                        /* see resp.h RESP_EVENT_* names */
    int vkp_event;                        /* VKP composition-event code, -1 when none */
    char actor_id[33];                    /* user/client id, "" for the system */
    char actor_name[128];
    char text[STORE_RESP_TEXT_LEN];
} store_resp_event;

/* Queue / list filter. */
typedef struct store_resp_filter {
    const char *const *municipalities;    /* n_munis orgnrs; required (>= 1) */
    size_t n_munis;
    int open_only;                        /* 1: state != CLOSED */
    const char *citizen_id;               /* NULL = any */
    int64_t from_ms, to_ms;               /* received_at in [from, to); 0 = open end */
    size_t offset, limit;                 /* limit 1..STORE_RESP_PAGE_MAX */
} store_resp_filter;                      /* order: open_only -> (priority, received_at, id); else received_at desc */

/* A device's last sign of life. */
typedef struct store_resp_heartbeat {
    char device_id[33];
    char municipality[10];
    char device_type[32];
    int64_t last_seen;                    /* ms */
    int battery;                          /* -1 unknown */
    char silent_alarm_id[33];             /* the open "ingen kontakt" alarm, "" when none */
} store_resp_heartbeat;

/* Routing: who is notified for an alarm, by weekday and time of day. */
enum store_resp_step_kind {
    RESP_STEP_CENTRE = 1,                 /* response centre (the operator console) */
    RESP_STEP_HOMECARE,                   /* home-care group (hjemmetjenestegruppe) */
    RESP_STEP_ONCALL,                     /* on-call phone (vakttelefon) */
    RESP_STEP_RELATIVES,                  /* the citizen's relatives, in call order */
};

typedef struct store_resp_step {
    int kind;                             /* enum store_resp_step_kind */
    char target[128];                     /* centre/group name or phone number; "" for relatives */
    int timeout_s;                        /* no answer in this many seconds -> next step (>= 10) */
} store_resp_step;

typedef struct store_resp_rule {
    char id[33];                          /* set by the store on put when empty */
    char municipality[10];
    char name[128];
    char service[16];                     /* alert-code category "3", "4", ... or "*" (all) */
    char citizen_id[33];                  /* "" = every citizen; else a citizen rule (wins) */
    int weekdays;                         /* bit 0 Monday .. bit 6 Sunday */
    int start_min, end_min;               /* minutes of the day, [start, end); end > start, end <= 1440 */
    int nsteps;                           /* 1..STORE_RESP_MAX_STEPS */
    store_resp_step steps[STORE_RESP_MAX_STEPS];
    int64_t created_at;
} store_resp_rule;

/* What an operator needs about a citizen, beside store_citizen (name,
 * address, phone). The service-lifecycle module (svc_) adds its own tables
 * keyed by citizen id; this record is the response service's part. */
typedef struct store_resp_relative {
    char name[128];
    char relation[64];                    /* "datter", "nabo", ... */
    char phone[32];
    int call_order;                       /* 1 first */
} store_resp_relative;

typedef struct store_resp_prio_rule {
    char alert_code[STORE_RESP_CODE_LEN]; /* exact code, or a category "4" for all 4.x */
    int priority;                         /* 1..5: this citizen's alarms of that code get it */
} store_resp_prio_rule;

typedef struct store_resp_profile {
    char citizen_id[33];
    char municipality[10];
    char key_safe[128];                   /* nøkkelboks: where and code (shown only in the detail view) */
    char elock[128];                      /* e-lås: system and id, "" when none */
    char access_note[256];                /* door, dog, stairs ... */
    char care_team[128];                  /* hjemmetjenestegruppe */
    char care_team_phone[32];
    char notes[1024];                     /* for operators: diagnoses relevant to alarms, habits */
    int nrelatives;
    store_resp_relative relatives[STORE_RESP_MAX_RELATIVES];
    int nprio;
    store_resp_prio_rule prio[STORE_RESP_MAX_PRIO_RULES];
    int64_t updated_at;
} store_resp_profile;

/* A compact alarm row for service-level statistics. */
typedef struct store_resp_stat_row {
    char municipality[10];
    char citizen_id[33];
    int priority, technical, state, outcome;
    int64_t received_at, claimed_at, acked_at, closed_at;
    int64_t callout_requested_at, callout_started_at, callout_done_at;
} store_resp_stat_row;

struct store_resp_ops {
    /* ---- alarms ----
     * Create an alarm with its events (usually one "created") and audit, in
     * one transaction. The store fills alarm->id (when empty), version = 1,
     * each event's seq and alarm_id, and alarm->last_seq.
     * Merge rules, decided inside the transaction:
     *  - external_id set and (municipality, source, external_id) exists:
     *    nothing is written, *merged = 2 and *alarm is the original.
     *  - merge_open set and an alarm of the same device_id (or, without a
     *    device, the same citizen) and alert_code is not CLOSED: that alarm's
     *    repeats += 1, version += 1, one event kind "repeated" is appended
     *    (events[0] with kind replaced), *merged = 1 and *alarm / events[0]
     *    are that alarm and its new event.
     *  - else a new alarm, *merged = 0.
     * hub_seq > 0 also moves the hub-intake cursor to hub_seq (max) in the
     * same transaction. Asynchronous: done after COMMIT (store_done_fn);
     * alarm, events, merged must stay valid until then. */
    int (*alarm_create_async)(store *st, store_resp_alarm *alarm, store_resp_event *events,
                              size_t nevents, int merge_open, int64_t hub_seq, int *merged,
                              const store_audit *audit, store_done_fn done, void *cls,
                              kn_err *err);
    int (*alarm_get)(store *st, const char *id, store_resp_alarm *out, kn_err *err);
    int (*alarm_list)(store *st, const store_resp_filter *f, store_resp_alarm **list, size_t *n,
                      int64_t *total, kn_err *err);
    /* Compare-and-set: write *alarm (every field but id, municipality,
     * citizen_id, received_at) when the stored version equals
     * expected_version; then version = expected_version + 1, events
     * appended (seq filled), alarm->last_seq set - all before done is
     * called. Status KN_ECONFLICT (nothing written) when the version moved;
     * KN_ENOTFOUND. audit may be NULL (system timers). Asynchronous like
     * alarm_create_async: done runs on the writer thread after COMMIT, in
     * commit order, which is what lets the domain publish events to live
     * consoles in seq order. alarm and events must stay valid until done. */
    int (*alarm_update_async)(store *st, store_resp_alarm *alarm, int64_t expected_version,
                              store_resp_event *events, size_t nevents, const store_audit *audit,
                              store_done_fn done, void *cls, kn_err *err);
    /* Events of some municipalities with seq > after_seq, oldest first, at
     * most limit (1..STORE_RESP_PAGE_MAX). For replay to a reconnecting console. */
    int (*event_list)(store *st, const char *const *municipalities, size_t n_munis,
                      int64_t after_seq, size_t limit, store_resp_event **list, size_t *n,
                      kn_err *err);
    /* One alarm's events, oldest first (at most STORE_RESP_PAGE_MAX): every
     * event but the periodic kinds "repeated" and "renotified", of which only
     * the newest STORE_RESP_PERIODIC_KEPT each (the alarm's repeats and
     * escalations count them all). So a long flood or a forgotten alarm
     * never pushes the operator's steps out of the list. */
    int (*event_list_alarm)(store *st, const char *alarm_id, store_resp_event **list, size_t *n,
                            kn_err *err);
    /* Highest event seq (0 when none). */
    int (*event_last_seq)(store *st, int64_t *seq, kn_err *err);
    /* Alarms not CLOSED with 0 < next_timer_at <= now, oldest timer first. */
    int (*timers_due)(store *st, int64_t now, size_t limit, store_resp_alarm **list, size_t *n,
                      kn_err *err);
    /* Rows for statistics: alarms of the municipalities (NULL/0 = all) with
     * received_at in [from, to), at most limit (<= 500000). */
    int (*stat_rows)(store *st, const char *const *municipalities, size_t n_munis, int64_t from,
                     int64_t to, size_t limit, store_resp_stat_row **list, size_t *n,
                     kn_err *err);

    /* ---- devices and heartbeats ----
     * Find a device of a municipality by its id or by its serial. */
    int (*device_find)(store *st, const char *municipality, const char *id_or_serial,
                       store_device *out, kn_err *err);
    /* Upsert the heartbeat (last_seen = max(old, new)); when the row had a
     * silent_alarm_id it is cleared and returned in *cleared_alarm (caller's
     * 33-byte buffer, "" when none) so the domain can note "kontakt igjen".
     * Synchronous, durable. */
    int (*heartbeat_put)(store *st, const store_resp_heartbeat *hb, char *cleared_alarm,
                         kn_err *err);
    int (*heartbeat_get)(store *st, const char *device_id, store_resp_heartbeat *out, kn_err *err);
    /* Heartbeats of device_type with last_seen < before and no silent alarm. */
    int (*heartbeat_silent)(store *st, const char *device_type, int64_t before, size_t limit,
                            store_resp_heartbeat **list, size_t *n, kn_err *err);
    /* Mark the silent alarm of a device (in the same transaction as the
     * alarm's creation is not required: a crash between the two raises the
     * alarm once more, merged by merge_open). */
    int (*heartbeat_set_silent)(store *st, const char *device_id, const char *alarm_id,
                                kn_err *err);

    /* ---- routing rules ---- */
    int (*rule_put)(store *st, store_resp_rule *rule, const store_audit *audit, kn_err *err);
    int (*rule_delete)(store *st, const char *municipality, const char *id,
                       const store_audit *audit, kn_err *err);           /* KN_ENOTFOUND */
    int (*rule_list)(store *st, const char *municipality, store_resp_rule **list, size_t *n,
                     kn_err *err);

    /* ---- citizen profile (operator view of the tjenestemottaker) ---- */
    int (*profile_put)(store *st, store_resp_profile *p, const store_audit *audit, kn_err *err);
    /* KN_ENOTFOUND when no profile was written (the domain then shows an empty one). */
    int (*profile_get)(store *st, const char *citizen_id, store_resp_profile *out, kn_err *err);

    /* ---- journaling (closed alarms -> Composition through the hub) ---- */
    int (*journal_pending)(store *st, size_t limit, store_resp_alarm **list, size_t *n,
                           kn_err *err);                                 /* oldest closed first */
    /* Set journal state (SENT with message id, FAILED with error), version
     * += 1, and append the event (kind "journaled"/"journal_failed", seq
     * filled); no version check. *alarm_out (may be NULL) receives the
     * updated alarm before done. Asynchronous like alarm_update_async. */
    int (*journal_set_async)(store *st, const char *alarm_id, int journal, const char *message_id,
                             const char *error, store_resp_event *event,
                             store_resp_alarm *alarm_out, store_done_fn done, void *cls,
                             kn_err *err);

    /* ---- hub intake cursor (hub messages -> alarms) ---- */
    int (*hubin_cursor_get)(store *st, int64_t *seq, kn_err *err);
    int (*hubin_cursor_set)(store *st, int64_t seq, kn_err *err);          /* max(old, seq) */
    /* Hub messages with seq > after_seq (every receiver), oldest first, with
     * bodies; free with store_hub_message_list_free(). */
    int (*hub_messages_after)(store *st, int64_t after_seq, size_t limit,
                              store_hub_message **list, size_t *n, kn_err *err);

    /* The citizen of a municipality with this person number (hub intake
     * finds the DetectedIssue's patient). KN_ENOTFOUND when none. */
    int (*citizen_find_nin)(store *st, const char *municipality, const char *nin,
                            store_citizen *out, kn_err *err);
};

#endif
