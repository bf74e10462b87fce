/* hub_backoff.c - retry timing and outcome classification of deliveries.
 *
 * Backoff is exponential with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): the n-th retry waits a uniform random time in
 * [0, min(cap, base * 2^(n-1))], so many deliveries failing together spread
 * their retries instead of hitting a recovering EPJ at once.
 *
 * Outcomes: 2xx delivered; 408, 429, other 4xx-less failures (5xx, no answer,
 * timeouts, connection errors) retried; any other 4xx is poison - the EPJ
 * refuses the content and a retry of the same bytes cannot help, so the
 * delivery is dead-lettered at once (an admin may edit and requeue it).
 */
#include "hub_deliver_int.h"

int64_t hub_backoff_ms(int attempt, int base_ms, int max_ms, uint64_t rnd)
{
    if (base_ms < 1)
        base_ms = 1;
    if (max_ms < base_ms)
        max_ms = base_ms;
    int64_t cap = base_ms;
    for (int i = 1; i < attempt && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    return (int64_t)(rnd % (uint64_t)(cap + 1));
}

int hub_outcome_of(int curl_failed, int http_status)
{
    if (curl_failed || http_status == 0)
        return HUB_OUT_RETRY;
    if (http_status >= 200 && http_status < 300)
        return HUB_OUT_OK;
    if (http_status >= 400 && http_status < 500 && http_status != 408 && http_status != 429)
        return HUB_OUT_POISON;
    return HUB_OUT_RETRY;
}
