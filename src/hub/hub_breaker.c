/* hub_breaker.c - the circuit breaker of one destination.
 *
 * closed --(threshold consecutive failures)--> open --(open_ms)--> half-open
 * half-open: one probe; success -> closed, failure -> open again.
 * While open no request starts, so a down EPJ costs neither attempts (a
 * delivery's max_attempts is not used up by an outage) nor connections.
 * Poison answers (4xx) are not failures of the destination: it answered.
 */
#include "hub_deliver_int.h"

#include <stdint.h>

int hub_breaker_allow(hub_breaker *b, int64_t now, int open_ms, int *changed)
{
    *changed = 0;
    if (b->state == HUB_BREAKER_OPEN && now - b->opened_at >= open_ms) {
        b->state = HUB_BREAKER_HALF_OPEN;
        b->probing = 0;
        *changed = 1;
    }
    switch (b->state) {
    case HUB_BREAKER_CLOSED:
        return INT32_MAX;
    case HUB_BREAKER_HALF_OPEN:
        return b->probing ? 0 : 1;
    default:
        return 0;
    }
}

void hub_breaker_started(hub_breaker *b)
{
    if (b->state == HUB_BREAKER_HALF_OPEN)
        b->probing = 1;
}

int hub_breaker_result(hub_breaker *b, int success, int64_t now, int threshold)
{
    int before = b->state;
    if (success) {
        b->state = HUB_BREAKER_CLOSED;
        b->failures = 0;
    } else if (b->state == HUB_BREAKER_HALF_OPEN ||
               (b->state == HUB_BREAKER_CLOSED && ++b->failures >= threshold)) {
        b->state = HUB_BREAKER_OPEN;
        b->opened_at = now;
        b->failures = 0;
    }
    b->probing = 0;
    return b->state != before;
}

const char *hub_breaker_name(int state)
{
    return state == HUB_BREAKER_OPEN ? "open" : state == HUB_BREAKER_HALF_OPEN ? "half_open" : "closed";
}
