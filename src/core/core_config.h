/* core_config.h - Knute's settings: defaults, knute.conf, KNUTE_* environment
 * and command-line flags, applied in that order (later wins).
 *
 * Every setting is declared once in the table in core_config.c (key, type,
 * default, documentation) from which parsing, `knute serve --help` and
 * docs/config.md are made. An unknown key or a bad value is an error that names
 * the key; the CLI turns it into exit code 2.
 */
#ifndef KN_CORE_CONFIG_H
#define KN_CORE_CONFIG_H

#include "core_err.h"

#include <stddef.h>
#include <stdint.h>

#define KN_CONFIG_STR 256

typedef struct kn_config {
    char config_file[KN_CONFIG_STR];  /* the file read (empty when none) */
    /* server */
    char listen[64];                  /* address to bind, default 127.0.0.1 */
    long port;                        /* default 8080 */
    long threads;                     /* HTTP worker threads, default 4 */
    long max_body_bytes;              /* request body limit, default 1 MiB */
    long shutdown_grace_s;            /* seconds to finish in-flight requests on SIGTERM */
    char web_root[KN_CONFIG_STR];     /* static UI files, default ./web */
    char tls_cert[KN_CONFIG_STR];     /* PEM; TLS on when set together with tls_key */
    char tls_key[KN_CONFIG_STR];
    char public_url[KN_CONFIG_STR];   /* printed login address */
    /* storage */
    char database[KN_CONFIG_STR];     /* sqlite path or url, default knute.db */
    long group_commit_max_batch;      /* default 1000 */
    long read_connections;            /* default 8 */
    /* logging */
    char log_file[KN_CONFIG_STR];     /* "-" = stderr */
    char log_level[16];               /* debug|info|warn|error|off */
    int access_log;                   /* log one line per request, default on */
    /* identity */
    char jwks_file[KN_CONFIG_STR];
    char jwt_issuer[KN_CONFIG_STR];
    char jwt_audience[KN_CONFIG_STR];
    long jwt_leeway_s;
    long session_ttl_s;
    long lockout_threshold;
    long lockout_s;
    long auth_cache_s;                /* credential cache lifetime; 0 = off */
    /* hub delivery engine (hub_deliver.c) */
    int hub_delivery;                 /* run the engine in `serve`, default on */
    long hub_poll_ms;
    long hub_alert_after_s;
    long hub_breaker_failures;
    long hub_breaker_open_ms;
    long hub_timeout_ms;
    /* response service (src/resp): timers, device supervision, flood, live bus */
    long resp_renotify_s;
    long resp_forgotten_s;
    long resp_default_step_timeout_s;
    long resp_supervise_safety_alarm_s;
    long resp_supervise_medication_dispenser_s;
    long resp_supervise_gps_tracker_s;
    long resp_supervise_camera_s;
    long resp_supervise_vitals_kit_s;
    long resp_flood_max;
    long resp_flood_window_s;
    long resp_bus_ring;
    char resp_centre_herid[16];       /* the response centre's HER-id for journaling */
    /* deployment */
    char environment[16];             /* production | test */
} kn_config;

/* Fill cfg with built-in defaults. */
void kn_config_defaults(kn_config *cfg);

/* Apply one setting by key ("port", "database", ...). Returns KN_OK, or
 * KN_ECONFIG with err naming the key and what is wrong. `origin` ("knute.conf:12",
 * "KNUTE_PORT", "--port") is quoted in the message. */
int kn_config_set(kn_config *cfg, const char *key, const char *value, const char *origin,
                  kn_err *err);

/* Read a knute.conf file ("key = value" lines, '#' comments). A missing file is
 * an error only when `required`. */
int kn_config_load_file(kn_config *cfg, const char *path, int required, kn_err *err);

/* Apply every KNUTE_<KEY> variable from envp; unknown KNUTE_ variables are errors. */
int kn_config_load_env(kn_config *cfg, char *const *envp, kn_err *err);

/* Check cross-field rules (e.g. jwt_issuer required with jwks_file). */
int kn_config_validate(const kn_config *cfg, kn_err *err);

/* Visit every setting: key, current value as text, documentation line. */
typedef void (*kn_config_visit_fn)(const char *key, const char *value, const char *doc, void *arg);
void kn_config_each(const kn_config *cfg, kn_config_visit_fn fn, void *arg);

/* Whether `key` names a setting (used by the CLI to tell flags from settings). */
int kn_config_known(const char *key);

#endif
