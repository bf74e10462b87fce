/* resp_metrics.c - the response service's families on /metrics: console
 * streams open, frames published by the live bus, and resets (a console that
 * fell behind the ring and reloads its queue). core_metrics renderers take no
 * context, so the serving process's bus is kept here (one per process:
 * `knute serve` registers it; resp_ctx_free unregisters it).
 */
#include "resp_int.h"

#include "../core/core_metrics.h"

#include <stdatomic.h>

static _Atomic(resp_bus *) served_bus;

static int render(kn_buf *out)
{
    resp_bus *bus = atomic_load(&served_bus);
    if (!bus)
        return KN_OK;
    int64_t subs = 0, published = 0, resets = 0;
    resp_bus_stats(bus, &subs, &published, &resets);
    return kn_buf_printf(out,
                         "# HELP knute_resp_streams Operator console streams (SSE) open.\n"
                         "# TYPE knute_resp_streams gauge\n"
                         "knute_resp_streams %lld\n"
                         "# HELP knute_resp_frames_published_total Alarm events rendered to the live bus.\n"
                         "# TYPE knute_resp_frames_published_total counter\n"
                         "knute_resp_frames_published_total %lld\n"
                         "# HELP knute_resp_stream_resets_total Streams told to reload their queue (missed frames no longer kept).\n"
                         "# TYPE knute_resp_stream_resets_total counter\n"
                         "knute_resp_stream_resets_total %lld\n",
                         (long long)subs, (long long)published, (long long)resets);
}

void resp_metrics_register(resp_ctx *ctx)
{
    atomic_store(&served_bus, ctx ? ctx->bus : NULL);
    kn_metrics_add_renderer(render);
}

void resp_metrics_unregister(resp_ctx *ctx)
{
    resp_bus *mine = ctx ? ctx->bus : NULL;
    atomic_compare_exchange_strong(&served_bus, &mine, NULL);
}
