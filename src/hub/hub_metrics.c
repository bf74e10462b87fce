/* hub_metrics.c - per-destination series of the delivery engine, rendered
 * into /metrics through core_metrics' renderer hook:
 *   knute_hub_delivery_attempts_total{dest,name}            counter
 *   knute_hub_delivery_success_total / _failure_total / _dead_total
 *   knute_hub_destination_inflight{dest,name}                gauge
 *   knute_hub_destination_failing_seconds{dest,name}         gauge (0 = healthy)
 *   knute_hub_destination_breaker{dest,name}                 gauge: 0 closed, 1 open, 2 half-open
 * Queue depths (pending, dead, unrouted) use knute_queue_depth. Labels are
 * destination ids and admin-given names, never message content.
 */
#include "hub_deliver_int.h"

#include "../core/core_metrics.h"
#include "../core/core_util.h"

#include <pthread.h>
#include <string.h>

#define HUB_METRICS_MAX 64

typedef struct dest_series {
    char id[33];
    char name[128];
    hub_dest_metrics m;
} dest_series;

static dest_series table[HUB_METRICS_MAX];
static size_t used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void hub_metrics_set(const char *dest_id, const char *dest_name, const hub_dest_metrics *m)
{
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < used && strcmp(table[i].id, dest_id) != 0)
        i++;
    if (i == used && used < HUB_METRICS_MAX) {
        kn_strcpy(table[i].id, sizeof table[i].id, dest_id);
        used++;
    }
    if (i < used) {
        kn_strcpy(table[i].name, sizeof table[i].name, dest_name);
        table[i].m = *m;
    }
    pthread_mutex_unlock(&lock);
}

typedef struct family {
    const char *name, *type, *help;
    size_t off;
} family;

static const family families[] = {
    {"knute_hub_delivery_attempts_total", "counter", "Delivery attempts per destination.",
     offsetof(hub_dest_metrics, attempts)},
    {"knute_hub_delivery_success_total", "counter", "Deliveries the destination accepted (2xx).",
     offsetof(hub_dest_metrics, success)},
    {"knute_hub_delivery_failure_total", "counter", "Failed attempts (will be retried or dead).",
     offsetof(hub_dest_metrics, failure)},
    {"knute_hub_delivery_dead_total", "counter", "Deliveries moved to the dead-letter queue.",
     offsetof(hub_dest_metrics, dead)},
    {"knute_hub_destination_inflight", "gauge", "Requests in flight to the destination.",
     offsetof(hub_dest_metrics, inflight)},
    {"knute_hub_destination_failing_seconds", "gauge",
     "Seconds the destination has failed without a success (0 = healthy).",
     offsetof(hub_dest_metrics, failing_s)},
    {"knute_hub_destination_breaker", "gauge", "Circuit breaker: 0 closed, 1 open, 2 half-open.",
     offsetof(hub_dest_metrics, breaker)},
};

/* Label value safe for the text format: quotes and backslashes dropped. */
static void label_clean(const char *in, char *out, size_t size)
{
    size_t j = 0;
    for (; *in && j + 1 < size; in++)
        if (*in != '"' && *in != '\\' && *in != '\n')
            out[j++] = *in;
    out[j] = '\0';
}

static int render(kn_buf *out)
{
    int rc = KN_OK;
    pthread_mutex_lock(&lock);
    for (size_t f = 0; f < sizeof families / sizeof families[0] && rc == KN_OK; f++) {
        rc = kn_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", families[f].name, families[f].help,
                           families[f].name, families[f].type);
        for (size_t i = 0; i < used && rc == KN_OK; i++) {
            char name[128];
            label_clean(table[i].name, name, sizeof name);
            long v = *(const long *)(const void *)((const char *)&table[i].m + families[f].off);
            rc = kn_buf_printf(out, "%s{dest=\"%s\",name=\"%s\"} %ld\n", families[f].name,
                               table[i].id, name, v);
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void hub_metrics_register(void)
{
    kn_metrics_add_renderer(render);
}
