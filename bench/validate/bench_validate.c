/* bench_validate.c - validation throughput of one message on one thread:
 * the full vkp_validate() path (parse, base R4, VKP rules) the hub runs on
 * every intake, repeated for a fixed time.
 *
 *   bench_validate FILE [SECONDS]     prints one JSON line:
 *   {"messages":N,"seconds":S,"per_s":R,"mb_per_s":M,"bytes":B,"valid":true,"us_per_msg":U}
 *
 * Run pinned to one core (bench/validate/run.sh does) so the figure is per
 * core. The message must be valid: a benchmark of the error path would
 * measure something else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/core_buf.h"
#include "core/core_err.h"
#include "core/core_util.h"
#include "fhir/fhir_outcome.h"
#include "nid/nid.h"
#include "vkp/vkp.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One validation; returns 1 when the message was valid. */
static int validate_once(const kn_buf *msg, const vkp_opts *opts)
{
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    int ok = vkp_validate(msg->data, msg->len, opts, &oc) == KN_OK && fhir_outcome_ok(&oc);
    fhir_outcome_release(&oc);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_validate FILE [SECONDS]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 10.0;
    kn_buf msg;
    kn_buf_init(&msg, 16u << 20);
    kn_err err;
    if (kn_file_read(argv[1], &msg, &err) != KN_OK) {
        fprintf(stderr, "bench_validate: %s\n", err.msg);
        return 2;
    }
    vkp_opts opts = {.environment = NID_ENV_TEST, .profile = NULL};
    if (!validate_once(&msg, &opts)) {
        fprintf(stderr, "bench_validate: %s is not valid; run knute validate on it\n", argv[1]);
        return 1;
    }
    for (int i = 0; i < 2000; i++) /* warm caches and the allocator */
        validate_once(&msg, &opts);
    long n = 0;
    double start = now_s(), elapsed = 0;
    while (elapsed < seconds) {
        for (int i = 0; i < 1000; i++)
            n += validate_once(&msg, &opts);
        elapsed = now_s() - start;
    }
    double rate = (double)n / elapsed;
    printf("{\"messages\":%ld,\"seconds\":%.3f,\"per_s\":%.0f,\"mb_per_s\":%.1f,\"bytes\":%zu,"
           "\"valid\":true,\"us_per_msg\":%.2f}\n",
           n, elapsed, rate, rate * (double)msg.len / 1e6, msg.len, 1e6 / rate);
    kn_buf_release(&msg);
    return 0;
}
