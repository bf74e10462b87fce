/* resp_ctx.c - the response service's context: options with their defaults,
 * the clock every "now" comes from, the live bus it owns, the background
 * worker (timers, hub intake, journaling once a second or when woken), and
 * resp_update, the one way an operator step or timer writes an alarm and
 * publishes its events to the consoles in commit order.
 */
#include "resp_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"
#include "../nid/nid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 0 (unset) takes the default; for the supervision intervals a negative
 * value means "not supervised" (0 in the context's copy). */
static void default_int(int *v, int def)
{
    if (*v == 0)
        *v = def;
}

static void default_interval(int *v, int def)
{
    if (*v == 0)
        *v = def;
    else if (*v < 0)
        *v = 0;
}

static void fill_defaults(resp_opts *o)
{
    default_int(&o->renotify_s, 60);
    default_int(&o->forgotten_s, 900);
    default_int(&o->default_step_timeout_s, 60);
    default_interval(&o->supervise_safety_alarm_s, 43200);
    default_interval(&o->supervise_medication_dispenser_s, 3600);
    default_interval(&o->supervise_gps_tracker_s, 3600);
    default_interval(&o->supervise_camera_s, 3600);
    default_interval(&o->supervise_vitals_kit_s, 86400);
    default_int(&o->flood_max, 5);
    default_int(&o->flood_window_s, 60);
    default_int(&o->bus_ring, 16384);
}

static int init_sync(resp_ctx *ctx)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return KN_EINTERNAL;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int ok = pthread_cond_init(&ctx->cv, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok)
        return KN_EINTERNAL;
    if (pthread_mutex_init(&ctx->mu, NULL) != 0) {
        pthread_cond_destroy(&ctx->cv);
        return KN_EINTERNAL;
    }
    if (pthread_mutex_init(&ctx->flood_mu, NULL) != 0) {
        pthread_mutex_destroy(&ctx->mu);
        pthread_cond_destroy(&ctx->cv);
        return KN_EINTERNAL;
    }
    return KN_OK;
}

static void destroy_sync(resp_ctx *ctx)
{
    pthread_mutex_destroy(&ctx->flood_mu);
    pthread_mutex_destroy(&ctx->mu);
    pthread_cond_destroy(&ctx->cv);
}

int resp_ctx_new(const resp_opts *o, resp_ctx **out, kn_err *err)
{
    *out = NULL;
    if (!o || !o->st)
        return kn_err_set(err, KN_EINVAL, "resp: a store is required");
    if (o->renotify_s < 0 || o->forgotten_s < 0 || o->default_step_timeout_s < 0 ||
        o->flood_max < 0 || o->flood_window_s < 0 || o->bus_ring < 0)
        return kn_err_set(err, KN_EINVAL,
                          "resp: timers, flood limits and ring size must not be negative");
    if (o->centre_herid && *o->centre_herid && nid_herid_check(o->centre_herid, NULL) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "resp: the response centre's HER-id is not valid");
    resp_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return kn_err_set(err, KN_ENOMEM, "resp: out of memory");
    ctx->o = *o;
    fill_defaults(&ctx->o);
    kn_strcpy(ctx->centre_herid, sizeof ctx->centre_herid, o->centre_herid ? o->centre_herid : "");
    ctx->o.centre_herid = ctx->centre_herid;
    ctx->st = o->st;
    ctx->hub = o->hub;
    if (init_sync(ctx) != KN_OK) {
        free(ctx);
        return kn_err_set(err, KN_EINTERNAL, "resp: cannot create locks");
    }
    int rc = resp_bus_new(ctx->o.bus_ring, &ctx->bus, err);
    if (rc != KN_OK) {
        destroy_sync(ctx);
        free(ctx);
        return rc;
    }
    *out = ctx;
    return KN_OK;
}

void resp_ctx_free(resp_ctx *ctx)
{
    if (!ctx)
        return;
    resp_stop(ctx);
    resp_metrics_unregister(ctx); /* no /metrics request runs now: the server has stopped */
    resp_bus_free(ctx->bus);
    destroy_sync(ctx);
    free(ctx);
}

int64_t resp_now(const resp_ctx *ctx)
{
    return ctx->o.clock ? ctx->o.clock(ctx->o.clock_cls) : kn_now_ms();
}

resp_bus *resp_ctx_bus(resp_ctx *ctx)
{
    return ctx->bus;
}

store *resp_ctx_store(resp_ctx *ctx)
{
    return ctx->st;
}

/* ---- the worker ---- */

static void log_failure(const char *task, int rc, const kn_err *err)
{
    kn_log(KN_LOG_WARN, "resp.worker.failed", "{s:s, s:s, s:s}", "task", task, "status",
           kn_status_code(rc), "error", err->msg);
}

/* One round: timers, hub messages in, journaling out. Failures are logged
 * and the next round tries again. */
static void worker_round(resp_ctx *ctx)
{
    kn_err err;
    kn_err_clear(&err);
    resp_tick_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = resp_tick(ctx, resp_now(ctx), &rep, &err);
    if (rc != KN_OK)
        log_failure("tick", rc, &err);
    kn_err_clear(&err);
    rc = resp_hubin_run(ctx, NULL, &err);
    if (rc != KN_OK)
        log_failure("hubin", rc, &err);
    if (!ctx->hub)
        return; /* no hub: no journaling (tests) */
    kn_err_clear(&err);
    rc = resp_journal_run(ctx, NULL, NULL, &err);
    if (rc != KN_OK)
        log_failure("journal", rc, &err);
}

static void *worker_main(void *arg)
{
    resp_ctx *ctx = arg;
    pthread_mutex_lock(&ctx->mu);
    while (!ctx->stopping) {
        ctx->woken = 0;
        pthread_mutex_unlock(&ctx->mu);
        worker_round(ctx);
        pthread_mutex_lock(&ctx->mu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += 1;
        while (!ctx->stopping && !ctx->woken)
            if (pthread_cond_timedwait(&ctx->cv, &ctx->mu, &until) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&ctx->mu);
    return NULL;
}

int resp_start(resp_ctx *ctx, kn_err *err)
{
    pthread_mutex_lock(&ctx->mu);
    int rc = KN_OK;
    if (!ctx->running) {
        ctx->stopping = 0;
        if (pthread_create(&ctx->worker, NULL, worker_main, ctx) == 0)
            ctx->running = 1;
        else
            rc = kn_err_set(err, KN_EINTERNAL, "resp: cannot start the worker thread");
    }
    pthread_mutex_unlock(&ctx->mu);
    return rc;
}

void resp_stop(resp_ctx *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    int running = ctx->running;
    ctx->stopping = 1;
    ctx->running = 0;
    pthread_cond_broadcast(&ctx->cv);
    pthread_mutex_unlock(&ctx->mu);
    if (running)
        pthread_join(ctx->worker, NULL);
}

void resp_wake(resp_ctx *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    ctx->woken = 1;
    pthread_cond_broadcast(&ctx->cv);
    pthread_mutex_unlock(&ctx->mu);
}

/* ---- resp_update ---- */

struct update_wait {
    resp_ctx *ctx;
    const store_resp_alarm *alarm;
    const store_resp_event *events;
    size_t nevents;
    store_waiter w;
};

/* Writer thread, after COMMIT: publish in commit order, then wake the caller
 * (its last touch of u). */
static void update_done(void *cls, int status, const kn_err *err)
{
    struct update_wait *u = cls;
    if (status == KN_OK)
        for (size_t i = 0; i < u->nevents; i++)
            resp_bus_publish(u->ctx->bus, u->alarm, &u->events[i]);
    store_waiter_done(&u->w, status, err);
}

int resp_update(resp_ctx *ctx, store_resp_alarm *a, int64_t expected_version,
                store_resp_event *events, size_t nevents, const store_audit *audit, kn_err *err)
{
    for (size_t i = 0; i < nevents; i++) {
        kn_strcpy(events[i].alarm_id, sizeof events[i].alarm_id, a->id);
        kn_strcpy(events[i].municipality, sizeof events[i].municipality, a->municipality);
    }
    struct update_wait u;
    u.ctx = ctx;
    u.alarm = a;
    u.events = events;
    u.nevents = nevents;
    store_waiter_init(&u.w);
    int rc = ctx->st->ops->resp->alarm_update_async(ctx->st, a, expected_version, events, nevents,
                                                    audit, update_done, &u, err);
    if (rc != KN_OK) {
        store_waiter_destroy(&u.w);
        return rc;
    }
    return store_waiter_wait(&u.w, err);
}
