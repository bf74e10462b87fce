/* cli_serve.c - `knute serve`: open and migrate the store, build the auth and
 * domain contexts, start the HTTP server and run until SIGTERM/SIGINT, then
 * shut down gracefully (in-flight requests finish, queued writes commit). */
#include "cli.h"

#include "../nid/nid.h"

#include "../auth/auth.h"
#include "../citizen/citizen.h"
#include "../core/core_log.h"
#include "../http/http.h"
#include "../resp/resp.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void auth_settings_from(const kn_config *cfg, auth_settings *s)
{
    memset(s, 0, sizeof *s);
    s->jwks_file = cfg->jwks_file;
    s->jwt_issuer = cfg->jwt_issuer;
    s->jwt_audience = cfg->jwt_audience;
    s->jwt_leeway_s = cfg->jwt_leeway_s;
    s->session_ttl_s = cfg->session_ttl_s;
    s->lockout_threshold = (int)cfg->lockout_threshold;
    s->lockout_s = cfg->lockout_s;
    s->cache_ttl_s = cfg->auth_cache_s;
}

static void print_login_url(const kn_config *cfg, int port)
{
    if (cfg->public_url[0])
        printf("Knute kjører. Logg inn på %s\n", cfg->public_url);
    else
        printf("Knute kjører. Logg inn på %s://%s:%d/\n", cfg->tls_cert[0] ? "https" : "http",
               strcmp(cfg->listen, "127.0.0.1") == 0 || strcmp(cfg->listen, "0.0.0.0") == 0
                   ? "localhost" : cfg->listen, port);
    fflush(stdout);
}

/* The signals `serve` handles, blocked in every thread (workers inherit the
 * mask) and taken here with sigwait: SIGTERM/SIGINT stop, SIGHUP reopens the
 * log file (for logrotate). */
static void serve_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

static int wait_for_stop(const sigset_t *set)
{
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0 || sig != SIGHUP)
            return sig;
        kn_err err;
        if (kn_log_reopen(&err) == KN_OK)
            kn_log(KN_LOG_INFO, "log.reopened", NULL);
        else
            kn_log(KN_LOG_ERROR, "log.reopen_failed", "{s:s}", "reason", err.msg);
    }
}

/* The hub's delivery engine, with its settings; acknowledgement URLs use
 * public_url, or this server's own address once the port is known. */
static int deliver_start(const kn_config *cfg, store *st, hub_deliver **out, kn_err *err)
{
    hub_deliver_opts o = {.poll_ms = (int)cfg->hub_poll_ms,
                          .alert_after_s = (int)cfg->hub_alert_after_s,
                          .breaker_failures = (int)cfg->hub_breaker_failures,
                          .breaker_open_ms = (int)cfg->hub_breaker_open_ms,
                          .public_url = cfg->public_url,
                          .timeout_ms = (int)cfg->hub_timeout_ms};
    return hub_deliver_start(st, &o, out, err);
}

static void deliver_public_url(const kn_config *cfg, hub_deliver *d, int port)
{
    if (!d || cfg->public_url[0])
        return;
    char url[300];
    snprintf(url, sizeof url, "%s://%s:%d", cfg->tls_cert[0] ? "https" : "http",
             strcmp(cfg->listen, "0.0.0.0") == 0 ? "127.0.0.1" : cfg->listen, port);
    hub_deliver_set_public_url(d, url);
}

/* The response service from the resp_* settings (docs/config.md). */
static int resp_create(const kn_config *cfg, store *st, hub_ctx *hub, resp_ctx **out, kn_err *err)
{
    /* a setting of 0 means "not supervised"; resp_opts says that with -1 */
#define SUPERVISE(v) ((v) > 0 ? (int)(v) : -1)
    resp_opts o = {.st = st,
                   .hub = hub,
                   .environment = hub->environment,
                   .renotify_s = (int)cfg->resp_renotify_s,
                   .forgotten_s = (int)cfg->resp_forgotten_s,
                   .default_step_timeout_s = (int)cfg->resp_default_step_timeout_s,
                   .supervise_safety_alarm_s = SUPERVISE(cfg->resp_supervise_safety_alarm_s),
                   .supervise_medication_dispenser_s =
                       SUPERVISE(cfg->resp_supervise_medication_dispenser_s),
                   .supervise_gps_tracker_s = SUPERVISE(cfg->resp_supervise_gps_tracker_s),
                   .supervise_camera_s = SUPERVISE(cfg->resp_supervise_camera_s),
                   .supervise_vitals_kit_s = SUPERVISE(cfg->resp_supervise_vitals_kit_s),
                   .flood_max = (int)cfg->resp_flood_max,
                   .flood_window_s = (int)cfg->resp_flood_window_s,
                   .bus_ring = (int)cfg->resp_bus_ring,
                   .centre_herid = cfg->resp_centre_herid};
#undef SUPERVISE
    return resp_ctx_new(&o, out, err);
}

/* hub_ctx.on_intake (store writer thread): a new hub message may carry an
 * alarm; wake the response worker, which reads it (resp_hubin_run). */
static void resp_on_hub_intake(void *cls)
{
    resp_wake(cls);
}

/* Stop the response service's worker and end every console stream, so the
 * server can stop (streams are long-lived requests). */
static void resp_quiesce(resp_ctx *resp)
{
    resp_stop(resp);
    resp_bus_shutdown(resp_ctx_bus(resp));
}

static int serve_with(const kn_config *cfg, store *st, auth_ctx *auth)
{
    citizen_ctx citizens = {.st = st,
                            .environment = strcmp(cfg->environment, "production") == 0
                                               ? CITIZEN_ENV_PRODUCTION
                                               : CITIZEN_ENV_TEST};
    hub_ctx hub = {.st = st,
                   .environment = citizens.environment == CITIZEN_ENV_PRODUCTION ? NID_ENV_PRODUCTION
                                                                               : NID_ENV_TEST,
                   .public_url = cfg->public_url,
                   .deliver = NULL};
    kn_err err;
    hub_cache_set_ttl((int)cfg->auth_cache_s); /* the register's decisions, like credentials */
    if (cfg->hub_delivery && deliver_start(cfg, st, &hub.deliver, &err) != KN_OK) {
        cli_error("cannot start hub delivery: %s", err.msg);
        return CLI_EXIT_FAIL;
    }
    resp_ctx *resp = NULL;
    if (resp_create(cfg, st, &hub, &resp, &err) != KN_OK) {
        cli_error("cannot set up the response service: %s", err.msg);
        hub_deliver_stop(hub.deliver);
        return CLI_EXIT_FAIL;
    }
    resp_metrics_register(resp);
    hub.on_intake = resp_on_hub_intake; /* set before any request can reach the hub */
    hub.on_intake_cls = resp;
    http_app app = {cfg, st, auth, &citizens, &hub, resp};
    http_server *srv = NULL;
    if (http_server_start(&app, &srv, &err) != KN_OK) {
        cli_error("cannot start HTTP server: %s", err.msg);
        hub_deliver_stop(hub.deliver);
        resp_ctx_free(resp);
        return CLI_EXIT_FAIL;
    }
    if (resp_start(resp, &err) != KN_OK) {
        cli_error("cannot start the response service: %s", err.msg);
        resp_quiesce(resp);
        http_server_stop(srv);
        hub_deliver_stop(hub.deliver);
        resp_ctx_free(resp);
        return CLI_EXIT_FAIL;
    }
    deliver_public_url(cfg, hub.deliver, http_server_port(srv));
    kn_log(KN_LOG_INFO, "server.started", "{s:s,s:i}", "listen", cfg->listen, "port",
           http_server_port(srv));
    print_login_url(cfg, http_server_port(srv));
    sigset_t signals;
    serve_signals(&signals);
    int sig = wait_for_stop(&signals);
    kn_log(KN_LOG_INFO, "server.stopping", "{s:i}", "signal", sig);
    resp_quiesce(resp); /* console streams end, so the server can stop */
    http_server_stop(srv);
    hub_deliver_stop(hub.deliver); /* before the store closes; intake has stopped */
    resp_ctx_free(resp);
    kn_log(KN_LOG_INFO, "server.stopped", NULL);
    return CLI_EXIT_OK;
}

static int serve_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    sigset_t signals;
    serve_signals(&signals);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    auth_settings settings;
    auth_settings_from(cfg, &settings);
    auth_ctx *auth = NULL;
    kn_err err;
    if (auth_ctx_new(st, &settings, &auth, &err) != KN_OK) {
        cli_error("cannot set up authentication: %s", err.msg);
        store_close(st);
        return err.status == KN_ECONFIG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    rc = serve_with(cfg, st, auth);
    auth_ctx_free(auth);
    store_close(st);
    return rc;
}

const cli_command cli_serve_command = {
    "serve", "Run the HTTP server (API and web UI) until SIGTERM",
    "Usage: knute serve [--SETTING=VALUE ...]\n\n"
    "Opens the database (applying pending migrations), then serves the API and the\n"
    "web UI on listen:port. SIGTERM or SIGINT stops accepting connections, lets\n"
    "in-flight requests finish (up to shutdown_grace_s) and commits queued writes.\n"
    "SIGHUP reopens log_file (after logrotate has moved it).\n"
    "Any setting may be given as a flag, e.g. --port=8081 --log-level=debug;\n"
    "see docs/config.md for the full list.\n",
    serve_run,
};
