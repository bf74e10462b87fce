/* resp_bus.c - the live bus: every committed alarm event goes from the
 * store's writer thread to every operator console stream (SSE) of its
 * municipality, in seq order, and a console that reconnects with the last id
 * it saw gets exactly the frames it missed (or "event: reset" when they are no
 * longer kept). Also resp_stream_open, the domain side of opening a stream
 * (access, audit, subscribe); the SSE handler is src/http/http_resp_stream.c.
 *
 * Shape:
 *   publish (writer thread) -> queue (bounded, preallocated copies)
 *   dispatcher thread       -> renders each event once to its SSE frame,
 *                              appends it to the ring (opts.bus_ring frames,
 *                              slot buffers reused), wakes armed subscribers
 *                              of that municipality, pings idle ones (15 s)
 *   subscriber read         -> copies whole frames with seq > cursor of its
 *                              municipalities; none -> armed (notify once)
 *
 * Locking protocol (the order is notify_mu -> [caller's stream lock] -> mu;
 * q_mu is never held together with another lock of the bus):
 *   q_mu       the queue (items, head/tail, lost seq, stop flag). Publish
 *              holds it only to copy one item in; it waits for space at most
 *              RESP_BUS_PUBLISH_WAIT_MS, then drops the event and records its
 *              seq as lost (subscribers behind it get a reset), so the writer
 *              thread is never held for long.
 *   mu         (read-write lock) the ring, the subscriber list, every
 *              subscriber's state (cursor, armed, reset/ping due), the
 *              eviction marks and the counters. resp_sub_read holds it shared
 *              while it copies frames and updates its own subscriber's state
 *              (one reader per subscriber at a time: the caller's stream lock
 *              serialises them); every other use holds it exclusively, so the
 *              dispatcher never sees a subscriber half-way through a read.
 *   notify_mu  held by whoever calls notify callbacks (the dispatcher and
 *              resp_bus_shutdown), from before mu is taken to pick the armed
 *              subscribers until the last callback returned; resp_sub_close
 *              takes notify_mu before mu to unlink. So a callback never runs
 *              on a closed subscriber, and notify is never called after
 *              resp_sub_close returns. Callbacks run with mu released: they
 *              may take the caller's stream lock, which the caller holds
 *              around resp_sub_read (stream lock -> mu).
 * No lost wake-up: a read that finds nothing arms the subscriber under mu;
 * the dispatcher appends frames and picks armed subscribers under the same
 * mu, so a frame appended after the read is seen by the dispatcher as armed
 * (notified once, disarmed), and one appended before is returned by the read.
 * The caller must make its "sleep" (MHD_suspend_connection) happen before its
 * notify can act (http_resp_stream.c: both under the stream lock).
 *
 * Missed frames: every frame evicted from the ring (or dropped from a full
 * queue) raises the eviction mark of its municipality (a small table; once
 * full, one shared mark for the rest). A subscriber whose cursor is below the
 * mark of one of its municipalities may have missed a frame: its next read
 * starts with "event: reset" and its cursor jumps to the newest frame (the
 * console reloads the queue). An armed (idle, caught-up) subscriber's cursor
 * follows frames of other municipalities, so quiet consoles are never reset.
 */
#include "resp_int.h"

#include "../audit/audit.h"
#include "../core/core_log.h"
#include "../core/core_util.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESP_BUS_QUEUE 1024            /* events between publish and the dispatcher */
#define RESP_BUS_BATCH 64              /* events rendered per dispatcher round */
#define RESP_BUS_PUBLISH_WAIT_MS 100   /* publish waits at most this long for space */
#define RESP_BUS_PING_MS 15000         /* idle streams get ": ping" this often */
#define RESP_BUS_COALESCE_US 5000      /* after waking subscribers, gather events this long */
#define RESP_BUS_MARKS 32              /* municipalities with their own eviction mark */
#define RESP_BUS_FRAME_MAX 16384       /* larger frames are sent without the alarm */
#define RESP_BUS_RING_MIN 16

typedef struct bus_item {
    int has_alarm;
    store_resp_alarm alarm;
    store_resp_event event;
} bus_item;

typedef struct bus_frame {
    int64_t seq;
    char muni[10];
    char *data;
    size_t len, cap;
} bus_frame;

typedef struct bus_mark {
    char muni[10];
    int64_t seq;
} bus_mark;

struct resp_sub {
    resp_bus *bus;
    resp_sub *prev, *next;
    char (*munis)[10];
    size_t nmunis;
    int64_t cursor;           /* every frame with seq <= cursor was sent or skipped */
    int armed;                /* the last read found nothing: notify when there is */
    int reset_due;
    int ping_due;
    int64_t last_sent_ns;
    resp_sub_notify_fn notify;
    void *cls;
};

struct resp_bus {
    /* queue (q_mu) */
    pthread_mutex_t q_mu;
    pthread_cond_t q_cv;      /* items or stop, for the dispatcher */
    pthread_cond_t q_space;   /* space, for publish */
    bus_item *q;
    size_t q_head, q_count;
    int64_t q_lost;           /* highest seq dropped on a full queue */
    int64_t q_first;          /* first seq ever published, 0 none */
    int64_t q_newest;         /* newest seq published */
    int64_t q_dropped;
    int q_stop;

    pthread_mutex_t notify_mu;

    /* ring and subscribers (mu) */
    pthread_rwlock_t mu;      /* readers share it; everything else writes */
    bus_frame *ring;
    size_t ring_cap, ring_first, ring_count;
    int64_t newest;           /* seq of the newest frame (or the origin) */
    int origin_set;
    bus_mark marks[RESP_BUS_MARKS];
    size_t nmarks;
    int64_t mark_other;       /* municipalities without their own mark */
    int64_t mark_all;         /* every municipality (drops, origin) */
    resp_sub *subs;
    int64_t nsubs;
    int closing;
    int64_t published;
    atomic_llong resets;      /* counted by readers under the shared lock */
    int64_t ping_ns;

    /* dispatcher (its own) */
    pthread_t thread;
    int started;
    resp_sub **wake;
    size_t wake_cap;
    bus_frame render[RESP_BUS_BATCH];
};

/* ---- small helpers ---- */

static void cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
}

static struct timespec mono_deadline(int64_t ns_from_now)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + ns_from_now % 1000000000;
    ts.tv_sec += (time_t)(ns_from_now / 1000000000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

static int frame_reserve(bus_frame *f, size_t need)
{
    if (need <= f->cap)
        return KN_OK;
    size_t cap = f->cap ? f->cap : 2048;
    while (cap < need)
        cap *= 2;
    char *p = realloc(f->data, cap);
    if (!p)
        return KN_ENOMEM;
    f->data = p;
    f->cap = cap;
    return KN_OK;
}

static int sub_matches(const resp_sub *s, const char *muni)
{
    for (size_t i = 0; i < s->nmunis; i++)
        if (strcmp(s->munis[i], muni) == 0)
            return 1;
    return 0;
}

/* ---- eviction marks (mu) ---- */

static void mark_raise(resp_bus *bus, const char *muni, int64_t seq)
{
    for (size_t i = 0; i < bus->nmarks; i++)
        if (strcmp(bus->marks[i].muni, muni) == 0) {
            if (seq > bus->marks[i].seq)
                bus->marks[i].seq = seq;
            return;
        }
    if (bus->nmarks < RESP_BUS_MARKS) {
        kn_strcpy(bus->marks[bus->nmarks].muni, sizeof bus->marks[0].muni, muni);
        bus->marks[bus->nmarks++].seq = seq;
    } else if (seq > bus->mark_other) {
        bus->mark_other = seq;
    }
}

/* The newest frame this subscriber's municipalities lost. */
static int64_t sub_mark(const resp_bus *bus, const resp_sub *s)
{
    int64_t m = bus->mark_all;
    for (size_t i = 0; i < s->nmunis; i++) {
        int64_t v = bus->mark_other;
        for (size_t j = 0; j < bus->nmarks; j++)
            if (strcmp(bus->marks[j].muni, s->munis[i]) == 0) {
                v = bus->marks[j].seq;
                break;
            }
        if (v > m)
            m = v;
    }
    return m;
}

/* ---- rendering (dispatcher, no lock) ---- */

static int render_json(bus_frame *f, size_t at, json_t *data)
{
    for (;;) {
        size_t room = f->cap - at;
        size_t n = json_dumpb(data, f->data + at, room > 2 ? room - 2 : 0, JSON_COMPACT);
        if (n == 0)
            return KN_EINTERNAL;
        if (n + 2 <= room) {
            memcpy(f->data + at + n, "\n\n", 2);
            f->len = at + n + 2;
            return KN_OK;
        }
        if (frame_reserve(f, at + n + 2) != KN_OK)
            return KN_ENOMEM;
    }
}

/* id: <seq>\nevent: alarm\ndata: {"seq":..,"event":{..},"alarm":{..}}\n\n.
 * A NULL view (not yet rendered by resp_json.c) becomes null. */
static int render_frame(const bus_item *it, bus_frame *f)
{
    const store_resp_event *e = &it->event;
    f->seq = e->seq;
    kn_strcpy(f->muni, sizeof f->muni, e->municipality);
    if (frame_reserve(f, 2048) != KN_OK)
        return KN_ENOMEM;
    int head = snprintf(f->data, f->cap, "id: %lld\nevent: alarm\ndata: ", (long long)e->seq);
    json_t *ev = resp_event_to_json(e);
    json_t *al = it->has_alarm ? resp_alarm_to_json(&it->alarm) : NULL;
    json_t *data = json_pack("{s:I, s:o, s:o}", "seq", (json_int_t)e->seq, "event",
                             ev ? ev : json_null(), "alarm", al ? al : json_null());
    int rc = data ? render_json(f, (size_t)head, data) : KN_ENOMEM;
    if (rc == KN_OK && f->len > RESP_BUS_FRAME_MAX) { /* keep frames readable in one go */
        json_object_set_new(data, "alarm", json_null());
        json_object_set_new(data, "event", json_pack("{s:I}", "seq", (json_int_t)e->seq));
        rc = render_json(f, (size_t)head, data);
    }
    json_decref(data);
    if (rc != KN_OK) { /* a frame without data still moves the stream's id */
        f->len = (size_t)snprintf(f->data, f->cap,
                                  "id: %lld\nevent: alarm\ndata: {\"seq\":%lld}\n\n",
                                  (long long)e->seq, (long long)e->seq);
        kn_log(KN_LOG_ERROR, "resp.bus.render_failed", "{s:I}", "seq", (json_int_t)e->seq);
    }
    return KN_OK;
}

/* ---- dispatcher ---- */

static int wake_add(resp_bus *bus, size_t *n, resp_sub *s)
{
    if (*n == bus->wake_cap) {
        size_t cap = bus->wake_cap ? bus->wake_cap * 2 : 64;
        resp_sub **w = realloc(bus->wake, cap * sizeof *w);
        if (!w)
            return 0; /* the subscriber stays armed: woken by the next round */
        bus->wake = w;
        bus->wake_cap = cap;
    }
    s->armed = 0;
    bus->wake[(*n)++] = s;
    return 1;
}

/* Append one rendered frame (mu held): swap buffers with the oldest slot.
 * Returns the frame in the ring. */
static const bus_frame *ring_append(resp_bus *bus, bus_frame *f)
{
    size_t idx;
    if (bus->ring_count == bus->ring_cap) {
        idx = bus->ring_first;
        bus_frame *old = &bus->ring[idx];
        mark_raise(bus, old->muni, old->seq);
        bus->ring_first = (bus->ring_first + 1) % bus->ring_cap;
    } else {
        idx = (bus->ring_first + bus->ring_count) % bus->ring_cap;
        bus->ring_count++;
    }
    bus_frame tmp = bus->ring[idx];
    bus->ring[idx] = *f;
    *f = tmp; /* the evicted slot's buffer becomes the render buffer */
    f->len = 0;
    bus->newest = bus->ring[idx].seq;
    bus->published++;
    return &bus->ring[idx];
}

/* Subscribers to wake for frame f (mu held). Armed subscribers of other
 * municipalities move their cursor along: they have seen everything, unless
 * an event was dropped on a full queue since (mark_all above the cursor; an
 * armed subscriber cannot lose a frame to eviction, it follows every one):
 * then they are woken for their reset. */
static void pick_for_frame(resp_bus *bus, const bus_frame *f, size_t *n)
{
    for (resp_sub *s = bus->subs; s; s = s->next) {
        if (!s->armed)
            continue;
        if (bus->mark_all > s->cursor || sub_matches(s, f->muni))
            wake_add(bus, n, s);
        else if (f->seq > s->cursor)
            s->cursor = f->seq;
    }
}

static void pick_for_ping(resp_bus *bus, int64_t now, size_t *n)
{
    for (resp_sub *s = bus->subs; s; s = s->next)
        if (s->armed && now - s->last_sent_ns >= bus->ping_ns) {
            s->ping_due = 1;
            wake_add(bus, n, s);
        }
}

/* Call the picked subscribers' notify (notify_mu held, mu released). */
static void wake_all(resp_bus *bus, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bus->wake[i]->notify(bus->wake[i]->cls);
}

/* Wait for items (or a ping tick); take up to a batch. 0 = stop. */
static int take_batch(resp_bus *bus, size_t *start, size_t *k, int64_t *lost)
{
    int64_t tick = bus->ping_ns / 4;
    if (tick > 1000000000)
        tick = 1000000000;
    if (tick < 5000000)
        tick = 5000000;
    pthread_mutex_lock(&bus->q_mu);
    if (bus->q_count == 0 && !bus->q_stop) {
        struct timespec until = mono_deadline(tick);
        while (bus->q_count == 0 && !bus->q_stop)
            if (pthread_cond_timedwait(&bus->q_cv, &bus->q_mu, &until) == ETIMEDOUT)
                break;
    }
    int go = !(bus->q_stop && bus->q_count == 0);
    *start = (bus->q_head + RESP_BUS_QUEUE - bus->q_count) % RESP_BUS_QUEUE;
    *k = bus->q_count < RESP_BUS_BATCH ? bus->q_count : RESP_BUS_BATCH;
    *lost = bus->q_lost;
    pthread_mutex_unlock(&bus->q_mu);
    return go;
}

static void release_batch(resp_bus *bus, size_t k)
{
    if (k == 0)
        return;
    pthread_mutex_lock(&bus->q_mu);
    bus->q_count -= k;
    pthread_cond_broadcast(&bus->q_space);
    pthread_mutex_unlock(&bus->q_mu);
}

static void *dispatcher(void *arg)
{
    resp_bus *bus = arg;
    size_t start, k;
    int64_t lost;
    while (take_batch(bus, &start, &k, &lost)) {
        /* the k items at start are ours until release: publish only writes
         * to free slots */
        for (size_t i = 0; i < k; i++)
            render_frame(&bus->q[(start + i) % RESP_BUS_QUEUE], &bus->render[i]);
        release_batch(bus, k);
        size_t n = 0;
        pthread_mutex_lock(&bus->notify_mu);
        pthread_rwlock_wrlock(&bus->mu);
        if (lost > bus->mark_all)
            bus->mark_all = lost;
        for (size_t i = 0; i < k; i++)
            pick_for_frame(bus, ring_append(bus, &bus->render[i]), &n);
        pick_for_ping(bus, kn_mono_ns(), &n);
        pthread_rwlock_unlock(&bus->mu);
        wake_all(bus, n);
        pthread_mutex_unlock(&bus->notify_mu);
        if (n > 0 && k > 0 && k < RESP_BUS_BATCH) { /* gather a burst: fewer wake-ups */
            struct timespec pause = {0, RESP_BUS_COALESCE_US * 1000L};
            nanosleep(&pause, NULL);
        }
    }
    return NULL;
}

/* ---- life cycle ---- */

int resp_bus_new(int ring, resp_bus **out, kn_err *err)
{
    *out = NULL;
    resp_bus *bus = calloc(1, sizeof *bus);
    if (!bus)
        return kn_err_set(err, KN_ENOMEM, "out of memory creating the live bus");
    bus->ring_cap = ring > RESP_BUS_RING_MIN ? (size_t)ring : RESP_BUS_RING_MIN;
    bus->ring = calloc(bus->ring_cap, sizeof *bus->ring);
    bus->q = calloc(RESP_BUS_QUEUE, sizeof *bus->q);
    if (!bus->ring || !bus->q) {
        free(bus->ring);
        free(bus->q);
        free(bus);
        return kn_err_set(err, KN_ENOMEM, "out of memory creating the live bus");
    }
    bus->ping_ns = (int64_t)RESP_BUS_PING_MS * 1000000;
    pthread_mutex_init(&bus->q_mu, NULL);
    cond_init_mono(&bus->q_cv);
    cond_init_mono(&bus->q_space);
    pthread_mutex_init(&bus->notify_mu, NULL);
    pthread_rwlockattr_t rwa;
    pthread_rwlockattr_init(&rwa); /* 200 readers must not starve the dispatcher */
    pthread_rwlockattr_setkind_np(&rwa, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&bus->mu, &rwa);
    pthread_rwlockattr_destroy(&rwa);
    if (pthread_create(&bus->thread, NULL, dispatcher, bus) != 0) {
        resp_bus_free(bus);
        return kn_err_set(err, KN_EINTERNAL, "cannot start the live bus's thread");
    }
    bus->started = 1;
    *out = bus;
    return KN_OK;
}

void resp_bus_free(resp_bus *bus)
{
    if (!bus)
        return;
    resp_bus_shutdown(bus);
    pthread_mutex_lock(&bus->q_mu);
    bus->q_stop = 1;
    pthread_cond_broadcast(&bus->q_cv);
    pthread_cond_broadcast(&bus->q_space);
    pthread_mutex_unlock(&bus->q_mu);
    if (bus->started)
        pthread_join(bus->thread, NULL);
    /* Every subscriber must be closed before this (the HTTP server stops
     * first); any left are freed here so nothing leaks. */
    while (bus->subs) {
        resp_sub *s = bus->subs;
        bus->subs = s->next;
        kn_log(KN_LOG_WARN, "resp.bus.sub_left_open", NULL);
        free(s->munis);
        free(s);
    }
    for (size_t i = 0; i < bus->ring_cap; i++)
        free(bus->ring[i].data);
    for (size_t i = 0; i < RESP_BUS_BATCH; i++)
        free(bus->render[i].data);
    free(bus->ring);
    free(bus->q);
    free(bus->wake);
    pthread_mutex_destroy(&bus->q_mu);
    pthread_cond_destroy(&bus->q_cv);
    pthread_cond_destroy(&bus->q_space);
    pthread_mutex_destroy(&bus->notify_mu);
    pthread_rwlock_destroy(&bus->mu);
    free(bus);
}

void resp_bus_set_ping_ms(resp_bus *bus, int ms)
{
    pthread_rwlock_wrlock(&bus->mu);
    bus->ping_ns = (int64_t)(ms > 0 ? ms : RESP_BUS_PING_MS) * 1000000;
    pthread_rwlock_unlock(&bus->mu);
}

/* ---- publish (store writer thread) ---- */

void resp_bus_publish(resp_bus *bus, const store_resp_alarm *a, const store_resp_event *e)
{
    if (!bus || !e)
        return;
    pthread_mutex_lock(&bus->q_mu);
    if (!bus->q_first)
        bus->q_first = e->seq;
    if (e->seq > bus->q_newest)
        bus->q_newest = e->seq;
    if (bus->q_count == RESP_BUS_QUEUE && !bus->q_stop) {
        struct timespec until = mono_deadline((int64_t)RESP_BUS_PUBLISH_WAIT_MS * 1000000);
        while (bus->q_count == RESP_BUS_QUEUE && !bus->q_stop)
            if (pthread_cond_timedwait(&bus->q_space, &bus->q_mu, &until) == ETIMEDOUT)
                break;
    }
    if (bus->q_stop || bus->q_count == RESP_BUS_QUEUE) {
        if (e->seq > bus->q_lost)
            bus->q_lost = e->seq;
        bus->q_dropped++;
        pthread_mutex_unlock(&bus->q_mu);
        kn_log(KN_LOG_WARN, "resp.bus.dropped", "{s:I}", "seq", (json_int_t)e->seq);
        return;
    }
    bus_item *it = &bus->q[bus->q_head];
    it->has_alarm = a != NULL;
    if (a)
        it->alarm = *a;
    it->event = *e;
    bus->q_head = (bus->q_head + 1) % RESP_BUS_QUEUE;
    bus->q_count++;
    pthread_cond_signal(&bus->q_cv);
    pthread_mutex_unlock(&bus->q_mu);
}

/* ---- subscribers ---- */

/* Events up to `last_seq` were committed before this bus saw any: a cursor
 * below it cannot be served from the ring. Once something was published,
 * the first published seq tells it exactly. */
static void bus_set_origin(resp_bus *bus, int64_t last_seq)
{
    pthread_mutex_lock(&bus->q_mu);
    int64_t first = bus->q_first;
    pthread_mutex_unlock(&bus->q_mu);
    if (first && first - 1 < last_seq)
        last_seq = first - 1;
    pthread_rwlock_wrlock(&bus->mu);
    if (!bus->origin_set) {
        bus->origin_set = 1;
        if (last_seq > bus->mark_all)
            bus->mark_all = last_seq;
        if (last_seq > bus->newest)
            bus->newest = last_seq;
    }
    pthread_rwlock_unlock(&bus->mu);
}

static int bus_origin_known(resp_bus *bus)
{
    pthread_rwlock_wrlock(&bus->mu);
    int known = bus->origin_set;
    pthread_rwlock_unlock(&bus->mu);
    return known;
}

static int64_t published_newest(resp_bus *bus)
{
    pthread_mutex_lock(&bus->q_mu);
    int64_t n = bus->q_newest;
    pthread_mutex_unlock(&bus->q_mu);
    return n;
}

int resp_bus_subscribe(resp_bus *bus, const char *const *municipalities, size_t n,
                       int64_t after_seq, resp_sub_notify_fn notify, void *cls, resp_sub **out,
                       kn_err *err)
{
    *out = NULL;
    if (!bus || !notify || n == 0 || !municipalities)
        return kn_err_set(err, KN_EINVAL, "a stream needs at least one municipality");
    resp_sub *s = calloc(1, sizeof *s);
    char(*munis)[10] = calloc(n, sizeof *munis);
    if (!s || !munis) {
        free(s);
        free(munis);
        return kn_err_set(err, KN_ENOMEM, "out of memory subscribing");
    }
    for (size_t i = 0; i < n; i++)
        if (!municipalities[i] ||
            kn_strcpy(munis[i], sizeof munis[i], municipalities[i]) != KN_OK) {
            free(s);
            free(munis);
            return kn_err_set(err, KN_EINVAL, "municipality %zu is not an organisation number",
                              i + 1);
        }
    s->bus = bus;
    s->munis = munis;
    s->nmunis = n;
    s->notify = notify;
    s->cls = cls;
    s->last_sent_ns = kn_mono_ns();
    int64_t known = published_newest(bus);
    pthread_rwlock_wrlock(&bus->mu);
    if (bus->closing) {
        pthread_rwlock_unlock(&bus->mu);
        free(munis);
        free(s);
        return kn_err_set(err, KN_EUNAVAILABLE, "the server is shutting down");
    }
    if (known < bus->newest)
        known = bus->newest;
    if (after_seq < 0) {
        s->cursor = bus->newest;
    } else {
        s->cursor = after_seq;
        s->reset_due = after_seq > known; /* an id this server never gave */
    }
    s->next = bus->subs;
    if (bus->subs)
        bus->subs->prev = s;
    bus->subs = s;
    bus->nsubs++;
    pthread_rwlock_unlock(&bus->mu);
    *out = s;
    return KN_OK;
}

/* Index in the ring of the first frame with seq > cursor (ring_count when
 * none); seqs increase along the ring. */
static size_t ring_after(const resp_bus *bus, int64_t cursor)
{
    size_t lo = 0, hi = bus->ring_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bus->ring[(bus->ring_first + mid) % bus->ring_cap].seq <= cursor)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t put(char *buf, size_t max, size_t at, const char *text, size_t len)
{
    if (len > max - at)
        return 0;
    memcpy(buf + at, text, len);
    return len;
}

long resp_sub_read(resp_sub *sub, char *buf, size_t max)
{
    resp_bus *bus = sub->bus;
    size_t out = 0;
    pthread_rwlock_rdlock(&bus->mu);
    if (bus->closing) {
        pthread_rwlock_unlock(&bus->mu);
        return -1;
    }
    sub->armed = 0;
    if (!sub->reset_due && sub_mark(bus, sub) > sub->cursor)
        sub->reset_due = 1;
    if (sub->reset_due) { /* live from the newest frame, or past a dropped event */
        int64_t to = bus->newest, lost = sub_mark(bus, sub);
        if (lost > to)
            to = lost;
        char reset[96];
        int len = snprintf(reset, sizeof reset, "id: %lld\nevent: reset\ndata: {\"seq\":%lld}\n\n",
                           (long long)to, (long long)to);
        size_t w = put(buf, max, out, reset, (size_t)len);
        if (w) {
            out += w;
            sub->cursor = to;
            sub->reset_due = 0;
            atomic_fetch_add(&bus->resets, 1);
        }
    }
    int stuck = sub->reset_due;
    for (size_t i = ring_after(bus, sub->cursor); !stuck && i < bus->ring_count; i++) {
        const bus_frame *f = &bus->ring[(bus->ring_first + i) % bus->ring_cap];
        if (sub_matches(sub, f->muni)) {
            size_t w = put(buf, max, out, f->data, f->len);
            if (!w) {
                stuck = out == 0; /* a frame that can never fit this buffer */
                break;
            }
            out += w;
        }
        sub->cursor = f->seq;
    }
    if (out == 0 && sub->ping_due && !stuck)
        out += put(buf, max, out, ": ping\n\n", 8);
    if (out > 0) {
        sub->ping_due = 0;
        sub->last_sent_ns = kn_mono_ns();
    } else if (!stuck) {
        sub->armed = 1;
    }
    pthread_rwlock_unlock(&bus->mu);
    if (stuck) {
        kn_log(KN_LOG_ERROR, "resp.bus.buffer_too_small", "{s:I}", "max", (json_int_t)max);
        return -1;
    }
    return (long)out;
}

void resp_sub_close(resp_sub *sub)
{
    if (!sub)
        return;
    resp_bus *bus = sub->bus;
    pthread_mutex_lock(&bus->notify_mu);
    pthread_rwlock_wrlock(&bus->mu);
    if (sub->prev)
        sub->prev->next = sub->next;
    else
        bus->subs = sub->next;
    if (sub->next)
        sub->next->prev = sub->prev;
    bus->nsubs--;
    pthread_rwlock_unlock(&bus->mu);
    pthread_mutex_unlock(&bus->notify_mu);
    free(sub->munis);
    free(sub);
}

void resp_bus_shutdown(resp_bus *bus)
{
    if (!bus)
        return;
    size_t n = 0;
    pthread_mutex_lock(&bus->notify_mu);
    pthread_rwlock_wrlock(&bus->mu);
    int first = !bus->closing;
    bus->closing = 1;
    if (first)
        for (resp_sub *s = bus->subs; s; s = s->next)
            if (s->armed)
                wake_add(bus, &n, s);
    pthread_rwlock_unlock(&bus->mu);
    wake_all(bus, n);
    pthread_mutex_unlock(&bus->notify_mu);
}

void resp_bus_stats(resp_bus *bus, int64_t *subs, int64_t *published, int64_t *resets)
{
    int64_t s = 0, p = 0, r = 0;
    if (bus) {
        pthread_rwlock_wrlock(&bus->mu);
        s = bus->nsubs;
        p = bus->published;
        r = atomic_load(&bus->resets);
        pthread_rwlock_unlock(&bus->mu);
    }
    if (subs)
        *subs = s;
    if (published)
        *published = p;
    if (resets)
        *resets = r;
}

/* ---- opening a stream (the domain side of GET /api/v1/resp/stream) ---- */

int resp_stream_open(resp_ctx *ctx, const auth_principal *p, const char *const *municipalities,
                     size_t n, int64_t after_seq, const char *request_id,
                     resp_sub_notify_fn notify, void *cls, resp_sub **out, kn_err *err)
{
    *out = NULL;
    if (!ctx || !ctx->bus)
        return kn_err_set(err, KN_EUNAVAILABLE, "the response service is not running");
    if (n == 0)
        return kn_err_set(err, KN_EFORBIDDEN, "no municipality where you may read alarms");
    for (size_t i = 0; i < n; i++) {
        int rc = resp_access(p, RESP_ROLES_READ, municipalities[i], RESP_SCOPE_READ, err);
        if (rc != KN_OK)
            return rc;
    }
    if (!bus_origin_known(ctx->bus)) {
        int64_t last = 0;
        if (ctx->st->ops->resp->event_last_seq(ctx->st, &last, err) == KN_OK)
            bus_set_origin(ctx->bus, last);
    }
    for (size_t i = 0; i < n; i++) { /* one event per municipality: each one's auditors see it */
        store_audit audit;
        audit_event_init(&audit, p, "resp.stream.open", municipalities[i], "resp_stream", NULL,
                         request_id, "ok");
        int rc = ctx->st->ops->audit_append(ctx->st, &audit, err);
        if (rc != KN_OK)
            return rc;
    }
    return resp_bus_subscribe(ctx->bus, municipalities, n, after_seq, notify, cls, out, err);
}
