/* core_metrics.c - process-wide metrics (see core_metrics.h).
 *
 * Label sets live in fixed open-addressed tables. A slot is published once with
 * a release store and never moves, so the hot path (an existing label set) is a
 * lock-free probe plus relaxed atomic adds; a mutex is taken only to claim a
 * new slot. Buckets are stored per bucket and made cumulative when rendered.
 */
#include "core_metrics.h"

#include "core_status.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define HTTP_MAX_SERIES 512
#define HTTP_SLOTS 1024 /* power of two, twice the series limit */
#define QUEUE_MAX 32

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define LATENCY_N (sizeof latency_bounds / sizeof latency_bounds[0])

static const double batch_bounds[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
#define BATCH_N (sizeof batch_bounds / sizeof batch_bounds[0])

/* A histogram over latency_bounds (or batch_bounds); the last bucket is +Inf.
 * The sum is kept as an integer (nanoseconds, or plain units for batches). */
typedef struct histogram {
    _Atomic uint64_t buckets[LATENCY_N + 1];
    _Atomic uint64_t sum;
} histogram;

typedef struct http_series {
    _Atomic int ready;
    const char *route;
    const char *method;
    int status;
    histogram hist;
} http_series;

typedef struct queue_gauge {
    _Atomic int ready;
    const char *name;
    _Atomic long depth;
} queue_gauge;

static http_series http_table[HTTP_SLOTS];
static _Atomic int http_used;
static _Atomic uint64_t http_dropped;
static histogram commit_hist;
static histogram batch_hist;
static queue_gauge queues[QUEUE_MAX];
static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;

/* Methods are interned to static strings so the label table never points
 * into request memory. */
static const char *method_intern(const char *method)
{
    static const char *const known[] = {"GET",    "HEAD",    "POST",  "PUT",
                                        "DELETE", "OPTIONS", "PATCH", "TRACE"};
    for (size_t i = 0; method && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "OTHER";
}

static size_t bucket_index(const double *bounds, size_t n, double value)
{
    size_t i = 0;
    while (i < n && value > bounds[i])
        i++;
    return i;
}

static uint32_t series_hash(const char *route, const char *method, int status)
{
    uint32_t h = 2166136261u;
    for (const char *p = route; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (const char *p = method; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (h ^ (uint32_t)status) * 16777619u;
}

static int series_is(const http_series *s, const char *route, const char *method, int status)
{
    return s->status == status && s->method == method &&
           (s->route == route || strcmp(s->route, route) == 0);
}

/* Claim a slot under the lock (re-checking, another thread may have won). */
static http_series *series_insert(const char *route, const char *method, int status, size_t slot)
{
    http_series *found = NULL;
    pthread_mutex_lock(&metrics_lock);
    for (size_t i = 0; i < HTTP_SLOTS && !found; i++) {
        http_series *s = &http_table[(slot + i) & (HTTP_SLOTS - 1)];
        if (atomic_load_explicit(&s->ready, memory_order_acquire)) {
            if (series_is(s, route, method, status))
                found = s;
            continue;
        }
        if (atomic_load_explicit(&http_used, memory_order_relaxed) >= HTTP_MAX_SERIES)
            break;
        s->route = route;
        s->method = method;
        s->status = status;
        atomic_fetch_add_explicit(&http_used, 1, memory_order_relaxed);
        atomic_store_explicit(&s->ready, 1, memory_order_release);
        found = s;
    }
    pthread_mutex_unlock(&metrics_lock);
    return found;
}

static http_series *series_find(const char *route, const char *method, int status)
{
    size_t slot = series_hash(route, method, status) & (HTTP_SLOTS - 1);
    for (size_t i = 0; i < HTTP_SLOTS; i++) {
        http_series *s = &http_table[(slot + i) & (HTTP_SLOTS - 1)];
        if (!atomic_load_explicit(&s->ready, memory_order_acquire))
            return series_insert(route, method, status, slot);
        if (series_is(s, route, method, status))
            return s;
    }
    return NULL;
}

static void hist_observe(histogram *h, const double *bounds, size_t n, double value,
                         uint64_t sum_units)
{
    atomic_fetch_add_explicit(&h->buckets[bucket_index(bounds, n, value)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum, sum_units, memory_order_relaxed);
}

static uint64_t seconds_to_ns(double seconds)
{
    return seconds > 0 ? (uint64_t)(seconds * 1e9) : 0;
}

void kn_metrics_http(const char *route, const char *method, int status, double seconds)
{
    http_series *s = series_find(route ? route : "unmatched", method_intern(method), status);
    if (!s) {
        atomic_fetch_add_explicit(&http_dropped, 1, memory_order_relaxed);
        return;
    }
    hist_observe(&s->hist, latency_bounds, LATENCY_N, seconds, seconds_to_ns(seconds));
}

void kn_metrics_store_commit(double seconds, int batch)
{
    hist_observe(&commit_hist, latency_bounds, LATENCY_N, seconds, seconds_to_ns(seconds));
    uint64_t units = batch > 0 ? (uint64_t)batch : 0;
    hist_observe(&batch_hist, batch_bounds, BATCH_N, (double)batch, units);
}

void kn_metrics_queue_depth(const char *queue, long depth)
{
    for (size_t i = 0; i < QUEUE_MAX; i++) {
        queue_gauge *g = &queues[i];
        if (!atomic_load_explicit(&g->ready, memory_order_acquire)) {
            pthread_mutex_lock(&metrics_lock);
            if (!atomic_load_explicit(&g->ready, memory_order_relaxed)) {
                g->name = queue;
                atomic_store_explicit(&g->depth, depth, memory_order_relaxed);
                atomic_store_explicit(&g->ready, 1, memory_order_release);
                pthread_mutex_unlock(&metrics_lock);
                return;
            }
            pthread_mutex_unlock(&metrics_lock);
        }
        if (strcmp(g->name, queue) == 0) {
            atomic_store_explicit(&g->depth, depth, memory_order_relaxed);
            return;
        }
    }
}

/* ---- rendering (Prometheus text format 0.0.4) ---- */

static int render_family(kn_buf *out, const char *name, const char *type, const char *help)
{
    return kn_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Append a label value with \\, \" and \n escaped. */
static int render_value(kn_buf *out, const char *s)
{
    int rc = KN_OK;
    for (; *s && rc == KN_OK; s++) {
        if (*s == '\\' || *s == '"')
            rc = kn_buf_printf(out, "\\%c", *s);
        else if (*s == '\n')
            rc = kn_buf_puts(out, "\\n");
        else
            rc = kn_buf_append(out, s, 1);
    }
    return rc;
}

/* labels: `route="..",method="..",status=".."` for one series. */
static int series_labels(const http_series *s, kn_buf *labels)
{
    int rc = kn_buf_puts(labels, "route=\"");
    if (rc == KN_OK)
        rc = render_value(labels, s->route);
    if (rc == KN_OK)
        rc = kn_buf_printf(labels, "\",method=\"%s\",status=\"%d\"", s->method, s->status);
    return rc;
}

static uint64_t hist_total(const histogram *h, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i <= n; i++)
        total += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
    return total;
}

/* One histogram: cumulative _bucket lines, +Inf, _sum (sum * scale), _count.
 * The count is the +Inf bucket, so the two always agree. */
static int render_hist(kn_buf *out, const char *name, const char *labels, const histogram *h,
                       const double *bounds, size_t n, double scale)
{
    const char *sep = labels[0] ? "," : "";
    uint64_t cum = 0;
    int rc = KN_OK;
    for (size_t i = 0; i <= n && rc == KN_OK; i++) {
        cum += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
        if (i < n)
            rc = kn_buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n", name, labels, sep,
                               bounds[i], cum);
        else
            rc = kn_buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep,
                               cum);
    }
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    double sum = (double)atomic_load_explicit(&h->sum, memory_order_relaxed) * scale;
    if (rc == KN_OK)
        rc = kn_buf_printf(out, "%s_sum%s%s%s %.10g\n%s_count%s%s%s %" PRIu64 "\n", name, open,
                           labels, close, sum, name, open, labels, close, cum);
    return rc;
}

/* Visit every published HTTP series with its rendered labels. */
typedef int (*series_fn)(kn_buf *out, const http_series *s, const char *labels);

static int each_series(kn_buf *out, series_fn fn)
{
    kn_buf labels;
    kn_buf_init(&labels, 1024);
    int rc = KN_OK;
    for (size_t i = 0; i < HTTP_SLOTS && rc == KN_OK; i++) {
        const http_series *s = &http_table[i];
        if (!atomic_load_explicit(&s->ready, memory_order_acquire))
            continue;
        kn_buf_reset(&labels);
        rc = series_labels(s, &labels);
        if (rc == KN_OK)
            rc = fn(out, s, labels.data);
    }
    kn_buf_release(&labels);
    return rc;
}

static int render_count_line(kn_buf *out, const http_series *s, const char *labels)
{
    return kn_buf_printf(out, "knute_http_requests_total{%s} %" PRIu64 "\n", labels,
                         hist_total(&s->hist, LATENCY_N));
}

static int render_duration(kn_buf *out, const http_series *s, const char *labels)
{
    return render_hist(out, "knute_http_request_duration_seconds", labels, &s->hist, latency_bounds,
                       LATENCY_N, 1e-9);
}

static int render_http(kn_buf *out)
{
    int rc = render_family(out, "knute_http_requests_total", "counter",
                           "HTTP requests answered, by route pattern, method and status.");
    if (rc == KN_OK)
        rc = each_series(out, render_count_line);
    if (rc == KN_OK)
        rc = render_family(out, "knute_http_request_duration_seconds", "histogram",
                           "Time from request line to response sent, in seconds.");
    if (rc == KN_OK)
        rc = each_series(out, render_duration);
    if (rc == KN_OK)
        rc = render_family(out, "knute_metrics_dropped_total", "counter",
                           "HTTP observations dropped because the label table was full.");
    if (rc == KN_OK)
        rc = kn_buf_printf(out, "knute_metrics_dropped_total %" PRIu64 "\n",
                           atomic_load_explicit(&http_dropped, memory_order_relaxed));
    return rc;
}

static int render_store(kn_buf *out)
{
    int rc = render_family(out, "knute_store_commit_duration_seconds", "histogram",
                           "Duration of one store transaction commit including fsync, in seconds.");
    if (rc == KN_OK)
        rc = render_hist(out, "knute_store_commit_duration_seconds", "", &commit_hist,
                         latency_bounds, LATENCY_N, 1e-9);
    if (rc == KN_OK)
        rc = render_family(out, "knute_store_commit_batch_size", "histogram",
                           "Operations carried by one group-commit transaction.");
    if (rc == KN_OK)
        rc = render_hist(out, "knute_store_commit_batch_size", "", &batch_hist, batch_bounds,
                         BATCH_N, 1);
    return rc;
}

static int render_queues(kn_buf *out)
{
    int rc = render_family(out, "knute_queue_depth", "gauge", "Items waiting in a named queue.");
    for (size_t i = 0; i < QUEUE_MAX && rc == KN_OK; i++) {
        const queue_gauge *g = &queues[i];
        if (!atomic_load_explicit(&g->ready, memory_order_acquire))
            break;
        rc = kn_buf_puts(out, "knute_queue_depth{queue=\"");
        if (rc == KN_OK)
            rc = render_value(out, g->name);
        if (rc == KN_OK)
            rc = kn_buf_printf(out, "\"} %ld\n",
                               atomic_load_explicit(&g->depth, memory_order_relaxed));
    }
    return rc;
}

#define RENDERERS_MAX 8
static _Atomic(kn_metrics_render_fn) renderers[RENDERERS_MAX];

void kn_metrics_add_renderer(kn_metrics_render_fn fn)
{
    for (size_t i = 0; i < RENDERERS_MAX; i++) {
        kn_metrics_render_fn expected = NULL;
        if (atomic_load(&renderers[i]) == fn ||
            atomic_compare_exchange_strong(&renderers[i], &expected, fn))
            return;
    }
}

int kn_metrics_render(kn_buf *out)
{
    int rc = render_http(out);
    if (rc == KN_OK)
        rc = render_store(out);
    if (rc == KN_OK)
        rc = render_queues(out);
    for (size_t i = 0; i < RENDERERS_MAX && rc == KN_OK; i++) {
        kn_metrics_render_fn fn = atomic_load(&renderers[i]);
        if (fn)
            rc = fn(out);
    }
    return rc;
}
