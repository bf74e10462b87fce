/* resp_seq.c - the newest event seq for the queue API: GET /api/v1/resp/alarms
 * answers it as "last_seq" and the console opens the live stream after it
 * (docs/response.md). Kept apart from the bus: the store is the truth. */
#include "resp_int.h"

int resp_last_seq(resp_ctx *ctx, int64_t *seq, kn_err *err)
{
    store *st = resp_ctx_store(ctx);
    *seq = 0;
    if (!st || !st->ops->resp)
        return kn_err_set(err, KN_EUNAVAILABLE, "the response service is not running");
    return st->ops->resp->event_last_seq(st, seq, err);
}
