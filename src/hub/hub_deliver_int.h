/* hub_deliver_int.h - private to the delivery engine (hub_deliver*.c,
 * hub_backoff.c, hub_breaker.c, hub_metrics.c) and its unit test.
 *
 * The pure parts (backoff, breaker, outcome classification, request URL) take
 * their inputs as arguments, so tests drive them with a fake clock and fixed
 * random numbers; the engine reads time through hub_clock_ms, which a test may
 * replace before hub_deliver_start().
 */
#ifndef KN_HUB_DELIVER_INT_H
#define KN_HUB_DELIVER_INT_H

#include "hub.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

/* Wall clock in ms used by the engine (default kn_now_ms). */
extern int64_t (*hub_clock_ms)(void);

/* ---- backoff (hub_backoff.c) ---- */

/* Delay before the retry after `attempt` failed attempts (1, 2, ...):
 * exponential with full jitter, uniform in [0, min(max_ms, base_ms * 2^(attempt-1))],
 * picked by rnd (any 64-bit random number). base_ms >= 1, max_ms >= base_ms. */
int64_t hub_backoff_ms(int attempt, int base_ms, int max_ms, uint64_t rnd);

/* What an attempt's answer means (http_status 0 = no answer, curl_failed set). */
enum hub_outcome { HUB_OUT_OK = 1, HUB_OUT_RETRY, HUB_OUT_POISON };
int hub_outcome_of(int curl_failed, int http_status);

/* ---- circuit breaker (hub_breaker.c) ---- */

enum hub_breaker_state { HUB_BREAKER_CLOSED = 0, HUB_BREAKER_OPEN, HUB_BREAKER_HALF_OPEN };

typedef struct hub_breaker {
    int state;              /* enum hub_breaker_state */
    int failures;           /* consecutive failures while closed */
    int64_t opened_at;      /* ms */
    int probing;            /* half-open: the single probe is in flight */
} hub_breaker;

/* How many new requests may start now (INT32_MAX closed, 0 open, 1 for the
 * half-open probe). Moves open -> half-open once open_ms have passed; *changed
 * is set when the state moved. */
int hub_breaker_allow(hub_breaker *b, int64_t now, int open_ms, int *changed);
/* A request started (marks the half-open probe). */
void hub_breaker_started(hub_breaker *b);
/* An answer came: success closes; failure counts and opens at `threshold`
 * consecutive failures (at once when half-open). Returns 1 when the state moved. */
int hub_breaker_result(hub_breaker *b, int success, int64_t now, int threshold);
const char *hub_breaker_name(int state);

/* ---- per-destination metrics (hub_metrics.c) ---- */

typedef struct hub_dest_metrics {
    long attempts, success, failure, dead;
    long inflight, failing_s, breaker;
} hub_dest_metrics;

/* Publish the series of one destination (by id; name is a label too). */
void hub_metrics_set(const char *dest_id, const char *dest_name, const hub_dest_metrics *m);
/* Register the renderer with core_metrics (idempotent). */
void hub_metrics_register(void);

/* ---- requests (hub_deliver_http.c) ---- */

/* Target of a push: "{url}/$process-message" for kind "message", else
 * "{url}/{kind}" (trailing slashes of url dropped). KN_OK or KN_ETOOLARGE. */
int hub_target_url(const char *base, const char *kind, char *out, size_t size);
/* Acknowledgement URL sent to the EPJ: public_url +
 * "/epj/r4/{receiver}/{Bundle|kind}/{id}/$journaling-acknowledged". */
int hub_ack_url(const char *public_url, const store_hub_message *msg, char *out, size_t size);


/* One push: what hub_request_setup needs (all borrowed; msg->body and errbuf
 * must live until the transfer is done). */
typedef struct hub_request {
    const store_hub_dest *dest;
    const store_hub_message *msg;
    const char *public_url;
    long timeout_ms;
    char *errbuf;            /* CURL_ERROR_SIZE bytes */
} hub_request;

/* Configure easy handle h for r; *headers receives the list the caller frees
 * (curl_slist_free_all) after the transfer. */
int hub_request_setup(CURL *h, const hub_request *r, struct curl_slist **headers, kn_err *err);

#endif
