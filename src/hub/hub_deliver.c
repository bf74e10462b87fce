/* hub_deliver.c - the delivery engine: one thread, one libcurl multi handle.
 *
 * Loop (woken by hub_deliver_notify through curl_multi_wakeup, by socket
 * activity, by a finished result write, or after poll_ms):
 *   1 route   new messages become delivery rows (outbox.route_messages)
 *   2 start   per push destination, while its breaker allows: the due
 *             deliveries (store: pending, next_at <= now, the oldest pending
 *             of their (destination, patient)), not already in flight, up to
 *             max_concurrency in flight
 *   3 finish  each finished transfer is classified (2xx done; 4xx other than
 *             408/429 poison -> dead at once; else retry with backoff, dead
 *             after max_attempts when that is not 0) and its result written
 *             asynchronously (attempt + delivery + message status + audit in
 *             one transaction); the delivery stays "in flight" until that
 *             commit, so the next one of the same patient can only start after
 *             the previous one is final: per-patient order holds, and a dead
 *             one releases the next (a poison message never blocks the rest)
 *   4 watch   breaker transitions and the destination-down alert are logged
 *             (hub.breaker, hub.destination_down once per episode,
 *             hub.destination_recovered) and published as metrics
 * Delivery is at-least-once: a crash or stop between the EPJ's 2xx and the
 * commit of the result retries the same message with the same
 * X-Knute-Message-Id.
 */
#include "hub_deliver_int.h"

#include "../audit/audit.h"
#include "../core/core_log.h"
#include "../core/core_metrics.h"
#include "../core/core_util.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUTE_BATCH 500
#define ROUTE_ROUNDS 20      /* batches per loop at most, so starting never starves */
#define DEST_RELOAD_MS 2000
#define GAUGE_MS 1000
#define DEST_MAX 64
#define WRITE_FAIL_HOLD_MS 5000
#define MAX_CONNS 256        /* idle connections kept for reuse, all destinations */

int64_t (*hub_clock_ms)(void) = kn_now_ms;

enum slot_state { SLOT_HTTP = 1, SLOT_RECORDING };

typedef struct dest_state {
    store_hub_dest cfg;
    hub_breaker breaker;
    int inflight;
    int64_t failing_since;   /* ms of the first failure since the last success; 0 = healthy */
    int alerted;
    hub_dest_metrics m;
} dest_state;

typedef struct slot {
    struct slot *next;
    struct hub_deliver *eng;
    int state;
    CURL *easy;
    struct curl_slist *headers;
    store_hub_delivery d;
    store_hub_message msg;   /* body owned */
    int64_t started_ms, started_mono;
    char errbuf[CURL_ERROR_SIZE];
    atomic_int recorded;     /* set by the store's done (writer thread) */
    atomic_int write_failed; /* the result was not written: hold the delivery back */
    int64_t hold_until;      /* ms; a slot whose write failed stays "in flight" until then */
} slot;

struct hub_deliver {
    store *st;
    hub_deliver_opts opts;
    pthread_mutex_t url_mu;
    pthread_mutex_t done_mu; /* held by a result's done around its wake-up */
    char public_url[STORE_HUB_URL_LEN];
    pthread_t thread;
    int started;
    atomic_int stop;
    atomic_int notified;
    CURLM *multi;
    dest_state dests[DEST_MAX];
    size_t ndests;
    slot *slots;             /* in flight or recording */
    int finished;            /* transfers finished since the last start pass */
    int64_t last_route, last_dests, last_scan, last_gauge;
};

/* ---- destinations ---- */

static dest_state *dest_find(hub_deliver *e, const char *id)
{
    for (size_t i = 0; i < e->ndests; i++)
        if (strcmp(e->dests[i].cfg.id, id) == 0)
            return &e->dests[i];
    return NULL;
}

/* Reload push destinations; keep the state of those still there. A
 * destination with requests in flight is kept even if it was removed. */
static void dests_reload(hub_deliver *e)
{
    store_hub_dest *list = NULL;
    size_t n = 0;
    kn_err err;
    if (e->st->ops->outbox->dest_list(e->st, NULL, &list, &n, &err) != KN_OK) {
        kn_log(KN_LOG_ERROR, "hub.dest_reload_failed", "{s:s}", "reason", err.msg);
        return;
    }
    static dest_state fresh[DEST_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n && k < DEST_MAX; i++) {
        if (list[i].mode != DEST_PUSH)
            continue;
        dest_state *old = dest_find(e, list[i].id);
        fresh[k] = old ? *old : (dest_state){0};
        fresh[k++].cfg = list[i];
    }
    for (size_t i = 0; i < e->ndests && k < DEST_MAX; i++)
        if (e->dests[i].inflight > 0 && !dest_find(e, e->dests[i].cfg.id)) {
            int seen = 0;
            for (size_t j = 0; j < k; j++)
                seen |= strcmp(fresh[j].cfg.id, e->dests[i].cfg.id) == 0;
            if (!seen)
                fresh[k++] = e->dests[i];
        }
    memcpy(e->dests, fresh, k * sizeof *fresh);
    e->ndests = k;
    free(list);
}

/* ---- routing ---- */

static void route_new(hub_deliver *e)
{
    for (int round = 0; round < ROUTE_ROUNDS; round++) {
        size_t routed = 0;
        kn_err err;
        if (e->st->ops->outbox->route_messages(e->st, ROUTE_BATCH, &routed, &err) != KN_OK) {
            kn_log(KN_LOG_ERROR, "hub.route_failed", "{s:s}", "reason", err.msg);
            return;
        }
        if (routed < ROUTE_BATCH)
            return;
    }
}

/* ---- starting ---- */

/* Slots of a destination, transfers and result writes alike: all of them are
 * still pending in the store, so the due query returns them again. */
static size_t slots_of(const hub_deliver *e, const char *dest_id)
{
    size_t n = 0;
    for (const slot *s = e->slots; s; s = s->next)
        n += strcmp(s->d.dest_id, dest_id) == 0;
    return n;
}

static int in_flight(const hub_deliver *e, const char *delivery_id)
{
    for (const slot *s = e->slots; s; s = s->next)
        if (strcmp(s->d.id, delivery_id) == 0)
            return 1;
    return 0;
}

static void slot_free(slot *s)
{
    if (!s)
        return;
    if (s->easy)
        curl_easy_cleanup(s->easy);
    curl_slist_free_all(s->headers);
    store_hub_message_free(&s->msg);
    free(s);
}

static void public_url_copy(hub_deliver *e, char *out, size_t size)
{
    pthread_mutex_lock(&e->url_mu);
    kn_strcpy(out, size, e->public_url);
    pthread_mutex_unlock(&e->url_mu);
}

/* Build the transfer of one delivery; NULL (logged) when it cannot start. */
static slot *slot_new(hub_deliver *e, const dest_state *ds, const store_hub_delivery *d)
{
    slot *s = calloc(1, sizeof *s);
    kn_err err;
    kn_err_clear(&err);
    if (!s)
        return NULL;
    s->eng = e;
    s->d = *d;
    int status = e->st->ops->hub->message_get(e->st, d->message_id, 1, &s->msg, &err);
    s->easy = status == KN_OK ? curl_easy_init() : NULL;
    if (status == KN_OK && !s->easy)
        status = kn_err_set(&err, KN_ENOMEM, "curl_easy_init failed");
    char public_url[STORE_HUB_URL_LEN];
    public_url_copy(e, public_url, sizeof public_url);
    hub_request r = {&ds->cfg, &s->msg, public_url, e->opts.timeout_ms, s->errbuf};
    if (status == KN_OK)
        status = hub_request_setup(s->easy, &r, &s->headers, &err);
    if (status != KN_OK) {
        kn_log(KN_LOG_ERROR, "hub.delivery_setup_failed", "{s:s, s:s}", "delivery", d->id,
               "reason", err.msg);
        slot_free(s);
        return NULL;
    }
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    return s;
}

static void slot_start(hub_deliver *e, dest_state *ds, slot *s)
{
    s->state = SLOT_HTTP;
    s->started_ms = hub_clock_ms();
    s->started_mono = kn_mono_ns();
    if (curl_multi_add_handle(e->multi, s->easy) != CURLM_OK) {
        slot_free(s);
        return;
    }
    s->next = e->slots;
    e->slots = s;
    ds->inflight++;
    hub_breaker_started(&ds->breaker);
}

static void breaker_log(const dest_state *ds)
{
    kn_log(ds->breaker.state == HUB_BREAKER_CLOSED ? KN_LOG_INFO : KN_LOG_WARN, "hub.breaker",
           "{s:s, s:s, s:s}", "dest", ds->cfg.id, "name", ds->cfg.name, "state",
           hub_breaker_name(ds->breaker.state));
}

static void start_due(hub_deliver *e, dest_state *ds, int64_t now)
{
    int changed = 0;
    int allow = hub_breaker_allow(&ds->breaker, now, e->opts.breaker_open_ms, &changed);
    if (changed)
        breaker_log(ds);
    int room = ds->cfg.max_concurrency - ds->inflight;
    if (allow < room)
        room = allow;
    if (room <= 0)
        return;
    store_hub_delivery *due = NULL;
    size_t n = 0;
    kn_err err;
    /* max_concurrency counts transfers; a finished one waiting for its result
     * commit no longer loads the EPJ, but it is still a pending row (and the
     * head of its patient), so ask for enough rows to get past all of them */
    size_t want = (size_t)room + slots_of(e, ds->cfg.id);
    if (e->st->ops->outbox->delivery_due(e->st, ds->cfg.id, now, want, &due, &n, &err) != KN_OK) {
        kn_log(KN_LOG_ERROR, "hub.due_failed", "{s:s, s:s}", "dest", ds->cfg.id, "reason", err.msg);
        return;
    }
    for (size_t i = 0; i < n && room > 0; i++) {
        if (in_flight(e, due[i].id))
            continue;
        slot *s = slot_new(e, ds, &due[i]);
        if (!s)
            continue;
        slot_start(e, ds, s);
        room--;
    }
    free(due);
}

/* ---- finishing ---- */

static void recorded_done(void *cls, int status, const kn_err *err)
{
    slot *s = cls;
    if (status != KN_OK)
        kn_log(KN_LOG_ERROR, "hub.result_write_failed", "{s:s, s:s}", "delivery", s->d.id,
               "reason", err ? err->msg : "");
    hub_deliver *e = s->eng;
    if (status != KN_OK)
        atomic_store(&s->write_failed, 1);
    /* engine_free takes done_mu before freeing the multi handle, so the
     * wake-up never touches a freed engine; s may be freed once recorded */
    pthread_mutex_lock(&e->done_mu);
    atomic_store(&s->recorded, 1);
    curl_multi_wakeup(e->multi);
    pthread_mutex_unlock(&e->done_mu);
}

static void alert_watch(hub_deliver *e, dest_state *ds, int success, int64_t now)
{
    if (success) {
        if (ds->alerted)
            kn_log(KN_LOG_INFO, "hub.destination_recovered", "{s:s, s:s, s:I}", "dest", ds->cfg.id,
                   "name", ds->cfg.name, "down_s", (json_int_t)((now - ds->failing_since) / 1000));
        ds->failing_since = 0;
        ds->alerted = 0;
    } else if (!ds->failing_since) {
        ds->failing_since = now;
    }
    (void)e;
}

static void alert_check(hub_deliver *e, dest_state *ds, int64_t now)
{
    if (!ds->failing_since || ds->alerted ||
        now - ds->failing_since < (int64_t)e->opts.alert_after_s * 1000)
        return;
    ds->alerted = 1;
    kn_log(KN_LOG_ERROR, "hub.destination_down", "{s:s, s:s, s:I, s:s}", "dest", ds->cfg.id, "name",
           ds->cfg.name, "failing_s", (json_int_t)((now - ds->failing_since) / 1000), "breaker",
           hub_breaker_name(ds->breaker.state));
}

/* What to write for a finished attempt. */
typedef struct verdict {
    int success, dead;
    int64_t next_at;
} verdict;

static verdict judge(const dest_state *ds, const slot *s, int outcome, int64_t now)
{
    verdict v = {outcome == HUB_OUT_OK, outcome == HUB_OUT_POISON, 0};
    int attempts = s->d.attempts + 1;
    if (outcome == HUB_OUT_RETRY && ds->cfg.max_attempts > 0 && attempts >= ds->cfg.max_attempts)
        v.dead = 1;
    if (!v.success && !v.dead) {
        uint64_t rnd;
        kn_random(&rnd, sizeof rnd);
        v.next_at = now + hub_backoff_ms(attempts, ds->cfg.backoff_base_ms, ds->cfg.backoff_max_ms, rnd);
    }
    return v;
}

static void attempt_fill(store_hub_attempt *a, const slot *s, CURLcode rc, long http)
{
    memset(a, 0, sizeof *a);
    kn_strcpy(a->delivery_id, sizeof a->delivery_id, s->d.id);
    a->n = s->d.attempts + 1;
    a->started_at = s->started_ms;
    a->duration_ms = (kn_mono_ns() - s->started_mono) / 1000000;
    a->http_status = (int)http;
    if (rc != CURLE_OK)
        snprintf(a->error, sizeof a->error, "%s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
    else if (http < 200 || http >= 300)
        snprintf(a->error, sizeof a->error, "HTTP %ld", http);
}

static void record(hub_deliver *e, dest_state *ds, slot *s, const store_hub_attempt *a,
                   const verdict *v)
{
    store_audit ev;
    audit_event_init(&ev, NULL, v->dead ? "hub.delivery.dead" : "hub.delivery.attempt",
                     s->msg.receiver, "hub_message", s->msg.id, NULL, v->success ? "ok" : "failed");
    kn_err err;
    s->state = SLOT_RECORDING;
    if (e->st->ops->outbox->delivery_result_async(e->st, &s->d, a, v->success, v->dead, v->next_at,
                                                  &ev, recorded_done, s, &err) != KN_OK) {
        kn_log(KN_LOG_ERROR, "hub.result_write_failed", "{s:s, s:s}", "delivery", s->d.id,
               "reason", err.msg);
        atomic_store(&s->recorded, 1);
    }
    if (v->dead)
        kn_log(KN_LOG_WARN, "hub.dead_lettered", "{s:s, s:s, s:s, s:i, s:s}", "delivery", s->d.id,
               "message", s->msg.id, "dest", ds->cfg.id, "http_status", a->http_status, "error",
               a->error);
}

static void finish(hub_deliver *e, slot *s, CURLcode rc)
{
    long http = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &http);
    curl_multi_remove_handle(e->multi, s->easy);
    dest_state *ds = dest_find(e, s->d.dest_id);
    int64_t now = hub_clock_ms();
    int outcome = hub_outcome_of(rc != CURLE_OK, (int)http);
    store_hub_attempt a;
    attempt_fill(&a, s, rc, http);
    if (!ds) { /* destination vanished: nothing recorded, retried when it is back */
        s->state = SLOT_RECORDING;
        atomic_store(&s->recorded, 1);
        return;
    }
    ds->inflight--;
    verdict v = judge(ds, s, outcome, now);
    ds->m.attempts++;
    ds->m.success += v.success;
    ds->m.failure += !v.success;
    ds->m.dead += v.dead;
    if (outcome != HUB_OUT_POISON) {
        if (hub_breaker_result(&ds->breaker, v.success, now, e->opts.breaker_failures))
            breaker_log(ds);
        alert_watch(e, ds, v.success, now);
    } else {
        ds->breaker.probing = 0;
    }
    record(e, ds, s, &a, &v);
}

static void read_finished(hub_deliver *e)
{
    CURLMsg *m;
    int left = 0;
    while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        slot *s = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        if (s) {
            finish(e, s, m->data.result);
            e->finished++;
        }
    }
}

/* A slot whose result is answered may go; one whose write failed is held
 * (still "in flight", so not restarted) for WRITE_FAIL_HOLD_MS: the store is
 * in trouble, and a tight loop of re-sends would not help it. */
static int slot_done(slot *s, int64_t now, int stopping)
{
    if (s->state != SLOT_RECORDING || !atomic_load(&s->recorded))
        return 0;
    if (stopping || !atomic_load(&s->write_failed))
        return 1;
    if (!s->hold_until)
        s->hold_until = now + WRITE_FAIL_HOLD_MS;
    return now >= s->hold_until;
}

/* Free the slots whose result is committed. Returns how many. */
static int reap_recorded(hub_deliver *e)
{
    int n = 0;
    int64_t now = hub_clock_ms();
    int stopping = atomic_load(&e->stop);
    for (slot **p = &e->slots; *p;) {
        slot *s = *p;
        if (slot_done(s, now, stopping)) {
            *p = s->next;
            slot_free(s);
            n++;
        } else {
            p = &s->next;
        }
    }
    return n;
}

/* ---- gauges ---- */

static void publish(hub_deliver *e, int64_t now)
{
    for (size_t i = 0; i < e->ndests; i++) {
        dest_state *ds = &e->dests[i];
        alert_check(e, ds, now);
        ds->m.inflight = ds->inflight;
        ds->m.failing_s = ds->failing_since ? (long)((now - ds->failing_since) / 1000) : 0;
        ds->m.breaker = ds->breaker.state;
        hub_metrics_set(ds->cfg.id, ds->cfg.name, &ds->m);
    }
    int64_t pending = 0, dead = 0, unrouted = 0;
    if (e->st->ops->outbox->counts(e->st, &pending, &dead, &unrouted, NULL) == KN_OK) {
        kn_metrics_queue_depth("hub_outbox_pending", (long)pending);
        kn_metrics_queue_depth("hub_dead_letters", (long)dead);
        kn_metrics_queue_depth("hub_unrouted", (long)unrouted);
    }
}

/* ---- the loop ---- */

static void step(hub_deliver *e)
{
    int64_t now = hub_clock_ms();
    int woke = atomic_exchange(&e->notified, 0);
    int reaped = reap_recorded(e);
    if (woke || now - e->last_route >= e->opts.poll_ms) {
        route_new(e);
        e->last_route = now;
    }
    if (now - e->last_dests >= DEST_RELOAD_MS) {
        dests_reload(e);
        e->last_dests = now;
    }
    if (woke || reaped || e->finished || now - e->last_scan >= e->opts.poll_ms) {
        e->finished = 0;
        for (size_t i = 0; i < e->ndests; i++)
            start_due(e, &e->dests[i], now);
        e->last_scan = now;
    }
    if (now - e->last_gauge >= GAUGE_MS) {
        publish(e, now);
        e->last_gauge = now;
    }
    int running = 0;
    curl_multi_perform(e->multi, &running);
    read_finished(e);
    curl_multi_poll(e->multi, NULL, 0, e->finished ? 0 : e->opts.poll_ms, NULL);
}

/* Stop: abandon transfers (retried after restart), wait for result writes. */
static void drain(hub_deliver *e)
{
    for (slot *s = e->slots; s; s = s->next)
        if (s->state == SLOT_HTTP) {
            curl_multi_remove_handle(e->multi, s->easy);
            s->state = SLOT_RECORDING;
            atomic_store(&s->recorded, 1);
        }
    while (e->slots) {
        if (!reap_recorded(e))
            curl_multi_poll(e->multi, NULL, 0, 50, NULL);
    }
}

static void *engine_main(void *arg)
{
    hub_deliver *e = arg;
    dests_reload(e);
    e->last_dests = hub_clock_ms();
    while (!atomic_load(&e->stop))
        step(e);
    drain(e);
    return NULL;
}

static void opts_defaults(hub_deliver_opts *o)
{
    if (o->poll_ms <= 0)
        o->poll_ms = 200;
    if (o->alert_after_s <= 0)
        o->alert_after_s = 300;
    if (o->breaker_failures <= 0)
        o->breaker_failures = 5;
    if (o->breaker_open_ms <= 0)
        o->breaker_open_ms = 10000;
    if (o->timeout_ms <= 0)
        o->timeout_ms = 30000;
}

static void engine_free(hub_deliver *e)
{
    pthread_mutex_lock(&e->done_mu); /* a done call still waking us has finished */
    pthread_mutex_unlock(&e->done_mu);
    pthread_mutex_destroy(&e->done_mu);
    if (e->multi)
        curl_multi_cleanup(e->multi);
    pthread_mutex_destroy(&e->url_mu);
    free(e);
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int hub_deliver_start(store *st, const hub_deliver_opts *opts, hub_deliver **out, kn_err *err)
{
    if (!st || !opts || !out || !st->ops->outbox || !st->ops->hub)
        return kn_err_set(err, KN_EINVAL, "hub delivery: store with hub and outbox required");
    static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
    pthread_once(&curl_once, curl_init_once);
    hub_deliver *e = calloc(1, sizeof *e);
    if (!e)
        return kn_err_set(err, KN_ENOMEM, "hub delivery: out of memory");
    e->st = st;
    e->opts = *opts;
    opts_defaults(&e->opts);
    pthread_mutex_init(&e->url_mu, NULL);
    pthread_mutex_init(&e->done_mu, NULL);
    kn_strcpy(e->public_url, sizeof e->public_url, opts->public_url ? opts->public_url : "");
    e->opts.public_url = NULL;
    e->multi = curl_multi_init();
    if (!e->multi) {
        engine_free(e);
        return kn_err_set(err, KN_ENOMEM, "hub delivery: curl_multi_init failed");
    }
    /* keep-alive: the default cache (4 x the handles added) shrinks as
     * transfers end and closes connections an EPJ will be sent to again */
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)MAX_CONNS);
    hub_metrics_register();
    if (pthread_create(&e->thread, NULL, engine_main, e) != 0) {
        engine_free(e);
        return kn_err_set(err, KN_EINTERNAL, "hub delivery: cannot start thread");
    }
    e->started = 1;
    kn_log(KN_LOG_INFO, "hub.delivery_started", "{s:i, s:i, s:i}", "poll_ms", e->opts.poll_ms,
           "alert_after_s", e->opts.alert_after_s, "breaker_failures", e->opts.breaker_failures);
    *out = e;
    return KN_OK;
}

void hub_deliver_set_public_url(hub_deliver *d, const char *public_url)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->url_mu);
    kn_strcpy(d->public_url, sizeof d->public_url, public_url ? public_url : "");
    pthread_mutex_unlock(&d->url_mu);
}

void hub_deliver_notify(hub_deliver *d)
{
    if (!d)
        return;
    if (!atomic_exchange(&d->notified, 1))
        curl_multi_wakeup(d->multi);
}

void hub_deliver_stop(hub_deliver *d)
{
    if (!d)
        return;
    atomic_store(&d->stop, 1);
    curl_multi_wakeup(d->multi);
    if (d->started)
        pthread_join(d->thread, NULL);
    kn_log(KN_LOG_INFO, "hub.delivery_stopped", NULL);
    engine_free(d);
}
