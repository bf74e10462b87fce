/* resp_int.h - private to the src/resp files: the context struct, the bus's
 * life cycle, and helpers shared between the module's files.
 *
 * Files: resp_ctx.c (context, worker thread, clock), resp_codes.c (alert
 * codes, priority, names), resp_alarm.c (intake), resp_act.c (operator
 * steps), resp_timer.c (escalation, re-notify, supervision), resp_route.c
 * (rules, matching, coverage, Europe/Oslo time), resp_profile.c,
 * resp_stats.c, resp_journal.c, resp_hubin.c, resp_json.c, resp_bus.c.
 */
#ifndef KN_RESP_INT_H
#define KN_RESP_INT_H

#include "resp.h"

#include <pthread.h>

struct resp_ctx {
    resp_opts o;                 /* copy, defaults filled in */
    store *st;
    hub_ctx *hub;
    resp_bus *bus;               /* owned */
    char centre_herid[16];       /* from opts (checked); "" = none */
    /* worker */
    pthread_t worker;
    int running;                 /* worker started */
    int stopping;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int woken;
    /* flood accounting: per device, alarms in the current window (resp_alarm.c) */
    pthread_mutex_t flood_mu;
    struct resp_flood_slot {
        char device_id[33];
        int64_t window_start;
        int count;
    } flood[1024];
};

/* The bus's life (resp_bus.c). ring = frames kept. The dispatcher thread
 * starts in resp_bus_new and stops in resp_bus_free. */
int resp_bus_new(int ring, resp_bus **out, kn_err *err);
void resp_bus_free(resp_bus *bus);      /* NULL-safe; shuts down first */
/* Tests: ping idle subscribers every ms (default 15000; <= 0 restores it). */
void resp_bus_set_ping_ms(resp_bus *bus, int ms);

/* Local time Europe/Oslo of a UTC ms instant (resp_route.c): weekday 0
 * Monday..6 Sunday, minute of the day 0..1439, and "YYYY-MM" month. */
void resp_local_time(int64_t at_ms, int *weekday, int *minute, char month[8]);
/* The same instant as operators read it: "22.11.2026 kl. 10:15" (size >= 24). */
void resp_local_format(int64_t at_ms, char *out, size_t size);

/* Calendar arithmetic shared by the module's date parsers and its Europe/Oslo
 * time (resp_route.c): days since 1970-01-01 of a proleptic Gregorian date;
 * the number of days of month m (1..12) in year y; the n decimal digits at s
 * into *out (returns 1, or 0 and *out untouched when one is not a digit). */
int64_t resp_days_from_civil(int64_t y, int m, int d);
int resp_days_in_month(int y, int m);
int resp_digits(const char *s, int n, int *out);

/* RFC 3339 (with offset or Z) -> ms since the epoch. KN_EINVAL when
 * malformed or not a real date/time (resp_alarm.c). */
int resp_parse_time(const char *s, int64_t *ms_out, kn_err *err);

/* Optional string member `key` of obj into dst (size bytes; "" when absent or
 * null); KN_EINVAL naming `field` when it is not a string or too long
 * (resp_json.c). Shared by the rule and profile parsers. */
int resp_json_str(const json_t *obj, const char *key, const char *field, char *dst, size_t size,
                  kn_err *err);

/* Decide access for p at municipality: users need a role in `roles` there;
 * clients need `scope` and a grant there. Returns auth_require's status. */
int resp_access(const auth_principal *p, uint32_t roles, const char *municipality,
                const char *scope, kn_err *err);

/* Write an alarm update (compare-and-set) with its events and publish them
 * after the commit; synchronous (waits). audit may be NULL (system). */
int resp_update(resp_ctx *ctx, store_resp_alarm *a, int64_t expected_version,
                store_resp_event *events, size_t nevents, const store_audit *audit, kn_err *err);

/* The citizen's profile, or an empty one (citizen_id "") when none. No audit. */
void resp_profile_load(resp_ctx *ctx, const char *citizen_id, store_resp_profile *out);

/* Routing step for an alarm at `at` from the municipality's rules (resp_route.c):
 * fills *step with step `index` of the matching rule; a step past the last
 * one, or no matching rule, gives a centre step with default timeout and
 * returns 0; else 1. */
int resp_route_step(resp_ctx *ctx, const store_resp_alarm *a, int index, int64_t at,
                    store_resp_step *step);

#endif
