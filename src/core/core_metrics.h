/* core_metrics.h - process-wide metrics rendered in Prometheus text format.
 *
 * Fixed families, registered here so /metrics is one list:
 *   knute_http_requests_total{route,method,status}       counter
 *   knute_http_request_duration_seconds{route,method,status} histogram
 *   knute_store_commit_duration_seconds                   histogram
 *   knute_store_commit_batch_size                          histogram
 *   knute_queue_depth{queue}                               gauge (later modules)
 * All functions are thread-safe and cheap enough for every request (atomic adds
 * on a small table; a mutex only when a new label set is first seen).
 */
#ifndef KN_CORE_METRICS_H
#define KN_CORE_METRICS_H

#include "core_buf.h"

/* One finished HTTP request. route is the route table pattern ("/api/v1/me"),
 * or "unmatched"; the strings must be static (route table literals). */
void kn_metrics_http(const char *route, const char *method, int status, double seconds);

/* One committed store transaction carrying `batch` operations. */
void kn_metrics_store_commit(double seconds, int batch);

/* Set a named queue depth gauge; name must be a static string. */
void kn_metrics_queue_depth(const char *queue, long depth);

/* A module's own families (e.g. the hub's per-destination series), appended
 * to the exposition after the fixed ones. At most 8; register once, before
 * threads render. */
typedef int (*kn_metrics_render_fn)(kn_buf *out);
void kn_metrics_add_renderer(kn_metrics_render_fn fn);

/* Append the exposition text to out. Returns KN_OK or a kn_buf error. */
int kn_metrics_render(kn_buf *out);

#endif
