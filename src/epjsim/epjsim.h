/* epjsim.h - `knute epj-sim`: a test EPJ (patient record system) for the
 * hub's tests, benchmark and demo.
 *
 * It accepts deliveries (POST anything under base_path), records each in
 * memory in arrival order (X-Knute-Message-Id, Bundle.identifier, the first
 * Patient identifier, path) and appends it as one JSON line to log_file, then
 * acknowledges it by POSTing to the X-Knute-Ack-Url with api_key (after
 * ack_delay_ms; off when api_key is empty). Control endpoints:
 *   POST /_control  {"mode":"ok"|"fail"|"slow"|"down", "status":503,
 *                    "delay_ms":2000, "down_s":30, "reject":"substring",
 *                    "reject_status":400}
 *                   fail answers `status`; slow waits delay_ms then accepts;
 *                   down stops listening for down_s seconds, then comes back
 *                   in mode ok; reject answers reject_status to deliveries
 *                   whose body contains the substring ("" clears it)
 *   GET  /_received accepted deliveries in arrival order (?all=1: also refused)
 *   GET  /_stats    counters
 * With expect_bearer set, deliveries without "Authorization: Bearer
 * <expect_bearer>" are refused with 401. Test tool: binds 127.0.0.1 by default.
 */
#ifndef KN_EPJSIM_H
#define KN_EPJSIM_H

#include "../core/core_err.h"

typedef struct epjsim_opts {
    const char *listen;          /* address, default 127.0.0.1 */
    int port;                    /* 0 = any free port */
    const char *base_path;       /* deliveries are POSTs under it, default "/" */
    const char *log_file;        /* JSON lines of accepted deliveries; NULL = none */
    const char *api_key;         /* bearer for acknowledgements; NULL/"" = no acks */
    int ack_delay_ms;
    const char *expect_bearer;   /* NULL/"" = no check */
} epjsim_opts;

typedef struct epjsim epjsim;

/* Start serving; *out is stopped with epjsim_stop(). */
int epjsim_start(const epjsim_opts *opts, epjsim **out, kn_err *err);
int epjsim_port(const epjsim *sim);
/* Stop and free (NULL-safe). */
void epjsim_stop(epjsim *sim);

#endif
