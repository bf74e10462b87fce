/* test_resp_bus.c - the response service's live bus (src/resp/resp_bus.c)
 * below HTTP: publish and subscribe across threads, municipality filtering,
 * replay after a reconnect, reset when the ring no longer holds what a
 * subscriber missed, notify exactly once per arm, pings, shutdown, and a
 * slow reader under 100 000 events through a small ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "resp/resp_int.h"
#include "core/core_util.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KNUTBY "939000011"
#define FJORDVIK "939000038"

/* ---- a test subscriber: notify sets a flag under a lock ---- */

typedef struct tsub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int notified;
    int notify_count;
    resp_sub *sub;
    /* frames seen */
    int64_t ids[200000];
    size_t nids;
    int resets;
    int pings;
    int64_t last_reset_id;
    size_t nids_at_reset;     /* nids when the last reset came */
    int64_t last_seen;        /* id of the newest frame or reset */
} tsub;

static void tsub_notify(void *cls)
{
    tsub *t = cls;
    pthread_mutex_lock(&t->mu);
    t->notified = 1;
    t->notify_count++;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static tsub *tsub_new(void)
{
    tsub *t = calloc(1, sizeof *t);
    assert_non_null(t);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    return t;
}

static void tsub_free(tsub *t)
{
    resp_sub_close(t->sub);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

static int tsub_subscribe(resp_bus *bus, tsub *t, const char *const *munis, size_t n,
                          int64_t after)
{
    kn_err err;
    return resp_bus_subscribe(bus, munis, n, after, tsub_notify, t, &t->sub, &err);
}

/* Wait up to ms for a notify; 1 when it came (the flag is consumed). */
static int tsub_wait(tsub *t, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->mu);
    while (!t->notified)
        if (pthread_cond_timedwait(&t->cv, &t->mu, &until) == ETIMEDOUT)
            break;
    int got = t->notified;
    t->notified = 0;
    pthread_mutex_unlock(&t->mu);
    return got;
}

static int tsub_notifies(tsub *t)
{
    pthread_mutex_lock(&t->mu);
    int n = t->notify_count;
    pthread_mutex_unlock(&t->mu);
    return n;
}

/* The decimal id at the start of a frame's "id: " line. The read buffer is
 * not NUL-terminated, so no strtoll: it may run past the frame's end. */
static long long frame_id(const char *p, size_t len)
{
    long long id = 0;
    for (size_t i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
        id = id * 10 + (p[i] - '0');
    return id;
}

/* Split what a read returned into frames and record them; every frame must
 * be whole (ends with a blank line). */
static void parse_frames(tsub *t, const char *buf, size_t len)
{
    size_t at = 0;
    while (at < len) {
        const char *end = memmem(buf + at, len - at, "\n\n", 2);
        assert_non_null(end);
        size_t flen = (size_t)(end - (buf + at)) + 2;
        const char *f = buf + at;
        if (strncmp(f, ": ping\n\n", 8) == 0) {
            t->pings++;
        } else {
            assert_true(strncmp(f, "id: ", 4) == 0);
            long long id = frame_id(f + 4, flen - 4);
            const char *ev = memmem(f, flen, "\nevent: ", 8);
            assert_non_null(ev);
            if (strncmp(ev + 8, "reset\n", 6) == 0) {
                t->resets++;
                t->last_reset_id = id;
                t->nids_at_reset = t->nids;
                t->last_seen = id;
            } else {
                assert_true(strncmp(ev + 8, "alarm\n", 6) == 0);
                char want[64];
                snprintf(want, sizeof want, "\ndata: {\"seq\":%lld,", id);
                assert_non_null(memmem(f, flen, want, strlen(want)));
                if (t->nids < sizeof t->ids / sizeof t->ids[0])
                    t->ids[t->nids++] = id;
                t->last_seen = id;
            }
        }
        at += flen;
    }
}

/* Read until nothing is left (armed). Returns bytes read in total, or -1
 * when the bus is closing. */
static long tsub_drain(tsub *t, size_t bufsize)
{
    char *buf = malloc(bufsize);
    assert_non_null(buf);
    long total = 0;
    for (;;) {
        long n = resp_sub_read(t->sub, buf, bufsize);
        if (n < 0) {
            total = -1;
            break;
        }
        if (n == 0)
            break;
        parse_frames(t, buf, (size_t)n);
        total += n;
    }
    free(buf);
    return total;
}

static void publish(resp_bus *bus, int64_t seq, const char *muni)
{
    store_resp_alarm a;
    store_resp_event e;
    memset(&a, 0, sizeof a);
    memset(&e, 0, sizeof e);
    snprintf(a.id, sizeof a.id, "alarm%lld", (long long)seq);
    kn_strcpy(a.municipality, sizeof a.municipality, muni);
    a.version = 1;
    a.state = RESP_ST_NEW;
    a.priority = 2;
    a.last_seq = seq;
    kn_strcpy(a.alert_code, sizeof a.alert_code, "3");
    e.seq = seq;
    kn_strcpy(e.alarm_id, sizeof e.alarm_id, a.id);
    kn_strcpy(e.municipality, sizeof e.municipality, muni);
    kn_strcpy(e.kind, sizeof e.kind, "created");
    e.vkp_event = 0;
    e.at = 1763800000000LL + seq;
    resp_bus_publish(bus, &a, &e);
}

/* Wait until the dispatcher has put seq into the ring (published counter). */
static void wait_published(resp_bus *bus, int64_t count)
{
    for (int i = 0; i < 5000; i++) {
        int64_t p = 0;
        resp_bus_stats(bus, NULL, &p, NULL);
        if (p >= count)
            return;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    fail_msg("the dispatcher did not publish %lld frames", (long long)count);
}

static resp_bus *bus_new(int ring)
{
    resp_bus *bus = NULL;
    kn_err err;
    assert_int_equal(resp_bus_new(ring, &bus, &err), KN_OK);
    return bus;
}

/* ---- publish/subscribe across threads ---- */

typedef struct reader_arg {
    tsub *t;
    size_t want;
    size_t bufsize;
} reader_arg;

/* Read until `want` frames came (or 5 s without a notify). */
static void *reader_thread(void *cls)
{
    reader_arg *r = cls;
    while (r->t->nids < r->want) {
        long n = tsub_drain(r->t, r->bufsize);
        if (n < 0)
            break;
        if (n == 0 && r->t->nids < r->want && !tsub_wait(r->t, 5000))
            break;
    }
    return NULL;
}

static void test_threads_and_filter(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(4096);
    const char *k[] = {KNUTBY}, *f[] = {FJORDVIK}, *both[] = {KNUTBY, FJORDVIK};
    tsub *tk = tsub_new(), *tf = tsub_new(), *tb = tsub_new();
    assert_int_equal(tsub_subscribe(bus, tk, k, 1, -1), KN_OK);
    assert_int_equal(tsub_subscribe(bus, tf, f, 1, -1), KN_OK);
    assert_int_equal(tsub_subscribe(bus, tb, both, 2, -1), KN_OK);
    /* 3000 events, every third for Fjordvik */
    reader_arg rk = {tk, 2000, 8192}, rf = {tf, 1000, 8192}, rb = {tb, 3000, 8192};
    pthread_t th[3];
    pthread_create(&th[0], NULL, reader_thread, &rk);
    pthread_create(&th[1], NULL, reader_thread, &rf);
    pthread_create(&th[2], NULL, reader_thread, &rb);
    for (int64_t s = 1; s <= 3000; s++)
        publish(bus, s, s % 3 == 0 ? FJORDVIK : KNUTBY);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(tk->nids, 2000);
    assert_int_equal(tf->nids, 1000);
    assert_int_equal(tb->nids, 3000);
    size_t ik = 0, jf = 0;
    for (int64_t s = 1; s <= 3000; s++) {
        assert_int_equal(tb->ids[s - 1], s); /* all, in seq order */
        if (s % 3 == 0)
            assert_int_equal(tf->ids[jf++], s);
        else
            assert_int_equal(tk->ids[ik++], s);
    }
    assert_int_equal(tk->resets + tf->resets + tb->resets, 0);
    int64_t subs = 0, published = 0;
    resp_bus_stats(bus, &subs, &published, NULL);
    assert_int_equal(subs, 3);
    assert_int_equal(published, 3000);
    tsub_free(tk);
    tsub_free(tf);
    tsub_free(tb);
    resp_bus_stats(bus, &subs, NULL, NULL);
    assert_int_equal(subs, 0);
    resp_bus_free(bus);
}

/* ---- reconnect ---- */

static void test_reconnect_replays_missed(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(1024);
    const char *k[] = {KNUTBY};
    tsub *t = tsub_new();
    assert_int_equal(tsub_subscribe(bus, t, k, 1, -1), KN_OK);
    for (int64_t s = 1; s <= 5; s++)
        publish(bus, s, s == 3 ? FJORDVIK : KNUTBY);
    wait_published(bus, 5);
    assert_true(tsub_drain(t, 4096) > 0);
    assert_int_equal(t->nids, 4);
    int64_t last = t->ids[t->nids - 1];
    assert_int_equal(last, 5);
    tsub_free(t); /* the console drops */
    for (int64_t s = 6; s <= 10; s++)
        publish(bus, s, s == 7 || s == 9 ? FJORDVIK : KNUTBY); /* 6, 8, 10 are Knutby's */
    wait_published(bus, 10);
    tsub *again = tsub_new();
    assert_int_equal(tsub_subscribe(bus, again, k, 1, last), KN_OK);
    assert_true(tsub_drain(again, 4096) > 0);
    assert_int_equal(again->resets, 0);
    assert_int_equal(again->nids, 3);
    assert_int_equal(again->ids[0], 6);
    assert_int_equal(again->ids[1], 8);
    assert_int_equal(again->ids[2], 10);
    /* from an earlier id: everything after it, nothing twice */
    tsub *older = tsub_new();
    assert_int_equal(tsub_subscribe(bus, older, k, 1, 2), KN_OK);
    tsub_drain(older, 100000);
    assert_int_equal(older->nids, 5); /* 3 was Fjordvik's */
    int64_t want[] = {4, 5, 6, 8, 10};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(older->ids[i], want[i]);
    tsub_free(again);
    tsub_free(older);
    resp_bus_free(bus);
}

static void test_too_old_gets_reset(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(16);
    const char *k[] = {KNUTBY};
    for (int64_t s = 1; s <= 40; s++)
        publish(bus, s, KNUTBY);
    wait_published(bus, 40);
    tsub *t = tsub_new();
    assert_int_equal(tsub_subscribe(bus, t, k, 1, 5), KN_OK);
    tsub_drain(t, 65536);
    assert_int_equal(t->resets, 1);
    assert_int_equal(t->last_reset_id, 40);
    assert_int_equal(t->nids, 0); /* the console reloads the queue instead */
    publish(bus, 41, KNUTBY);
    assert_true(tsub_wait(t, 2000));
    tsub_drain(t, 65536);
    assert_int_equal(t->nids, 1);
    assert_int_equal(t->ids[0], 41);
    assert_int_equal(t->resets, 1);
    /* the oldest kept frame's predecessor still replays without a reset */
    tsub *edge = tsub_new();
    assert_int_equal(tsub_subscribe(bus, edge, k, 1, 41 - 16), KN_OK);
    tsub_drain(edge, 65536);
    assert_int_equal(edge->resets, 0);
    assert_int_equal(edge->nids, 16);
    assert_int_equal(edge->ids[0], 26);
    /* an id this bus never gave (a server restarted with another database) */
    tsub *future = tsub_new();
    assert_int_equal(tsub_subscribe(bus, future, k, 1, 9999), KN_OK);
    tsub_drain(future, 65536);
    assert_int_equal(future->resets, 1);
    assert_int_equal(future->last_reset_id, 41);
    int64_t resets = 0;
    resp_bus_stats(bus, NULL, NULL, &resets);
    assert_int_equal(resets, 2);
    tsub_free(t);
    tsub_free(edge);
    tsub_free(future);
    resp_bus_free(bus);
}

/* A quiet console of another municipality is not reset while the ring turns
 * over many times with someone else's frames. */
static void test_quiet_subscriber_not_reset(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(16);
    const char *f[] = {FJORDVIK};
    tsub *t = tsub_new();
    assert_int_equal(tsub_subscribe(bus, t, f, 1, -1), KN_OK);
    assert_int_equal(tsub_drain(t, 4096), 0); /* armed */
    for (int64_t s = 1; s <= 200; s++)
        publish(bus, s, KNUTBY);
    publish(bus, 201, FJORDVIK);
    assert_true(tsub_wait(t, 2000));
    tsub_drain(t, 4096);
    assert_int_equal(t->resets, 0);
    assert_int_equal(t->nids, 1);
    assert_int_equal(t->ids[0], 201);
    assert_int_equal(tsub_notifies(t), 1);
    tsub_free(t);
    resp_bus_free(bus);
}

/* ---- notify ---- */

static void test_notify_once_per_arm(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(1024);
    const char *k[] = {KNUTBY};
    tsub *t = tsub_new();
    assert_int_equal(tsub_subscribe(bus, t, k, 1, -1), KN_OK);
    assert_int_equal(tsub_drain(t, 4096), 0); /* armed */
    for (int64_t s = 1; s <= 10; s++) {
        publish(bus, s, KNUTBY);
        wait_published(bus, s);
    }
    assert_true(tsub_wait(t, 2000));
    assert_int_equal(tsub_notifies(t), 1); /* ten frames, one arm, one notify */
    tsub_drain(t, 4096);
    assert_int_equal(t->nids, 10);
    /* the drain's last read armed it again: one more notify for 11 */
    publish(bus, 11, KNUTBY);
    assert_true(tsub_wait(t, 2000));
    assert_int_equal(tsub_notifies(t), 2);
    /* a read that returns frames does not arm: no notify for what follows */
    char buf[4096];
    long n = resp_sub_read(t->sub, buf, sizeof buf);
    assert_true(n > 0);
    publish(bus, 12, KNUTBY);
    wait_published(bus, 12);
    assert_false(tsub_wait(t, 100));
    assert_int_equal(tsub_notifies(t), 2);
    /* another municipality's frames never wake it */
    tsub_drain(t, 4096); /* reads 12, then arms */
    publish(bus, 13, FJORDVIK);
    wait_published(bus, 13);
    assert_false(tsub_wait(t, 100));
    publish(bus, 14, KNUTBY);
    assert_true(tsub_wait(t, 2000));
    assert_int_equal(tsub_notifies(t), 3);
    tsub_free(t);
    resp_bus_free(bus);
}

static void test_ping_idle(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(64);
    resp_bus_set_ping_ms(bus, 60);
    const char *k[] = {KNUTBY};
    tsub *t = tsub_new();
    assert_int_equal(tsub_subscribe(bus, t, k, 1, -1), KN_OK);
    assert_int_equal(tsub_drain(t, 4096), 0);
    int64_t t0 = kn_mono_ns();
    assert_true(tsub_wait(t, 2000));
    assert_true(kn_mono_ns() - t0 >= 40 * 1000000LL);
    tsub_drain(t, 4096);
    assert_int_equal(t->pings, 1);
    assert_int_equal(t->nids, 0);
    tsub_free(t);
    resp_bus_free(bus);
}

static void test_shutdown_ends_reads(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(64);
    const char *k[] = {KNUTBY};
    tsub *armed = tsub_new(), *busy = tsub_new();
    assert_int_equal(tsub_subscribe(bus, armed, k, 1, -1), KN_OK);
    assert_int_equal(tsub_subscribe(bus, busy, k, 1, -1), KN_OK);
    assert_int_equal(tsub_drain(armed, 4096), 0);
    resp_bus_shutdown(bus);
    assert_true(tsub_wait(armed, 1000));
    assert_int_equal(tsub_notifies(armed), 1);
    assert_int_equal(tsub_notifies(busy), 0); /* never armed: its next read ends */
    char buf[256];
    assert_int_equal(resp_sub_read(armed->sub, buf, sizeof buf), -1);
    assert_int_equal(resp_sub_read(busy->sub, buf, sizeof buf), -1);
    resp_bus_shutdown(bus); /* idempotent: no second notify */
    assert_int_equal(tsub_notifies(armed), 1);
    tsub *late = tsub_new();
    assert_int_equal(tsub_subscribe(bus, late, k, 1, -1), KN_EUNAVAILABLE);
    tsub_free(late);
    tsub_free(armed);
    tsub_free(busy);
    resp_bus_free(bus);
}

static void test_bad_subscribe(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(64);
    tsub *t = tsub_new();
    const char *bad[] = {"9390000119999"};
    assert_int_equal(tsub_subscribe(bus, t, NULL, 0, -1), KN_EINVAL);
    assert_int_equal(tsub_subscribe(bus, t, bad, 1, -1), KN_EINVAL);
    tsub_free(t);
    resp_bus_free(bus);
}

/* A buffer too small for the next frame never gets half a frame. */
static void test_whole_frames_only(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(64);
    const char *k[] = {KNUTBY};
    tsub *t = tsub_new();
    assert_int_equal(tsub_subscribe(bus, t, k, 1, -1), KN_OK);
    for (int64_t s = 1; s <= 3; s++)
        publish(bus, s, KNUTBY);
    wait_published(bus, 3);
    char big[65536];
    long one = resp_sub_read(t->sub, big, sizeof big);
    assert_true(one > 0);
    tsub_free(t);
    /* now read the same three through a buffer that holds one and a half */
    tsub *u = tsub_new();
    assert_int_equal(tsub_subscribe(bus, u, k, 1, 0), KN_OK);
    size_t frame = (size_t)one / 3;
    char *small = malloc(frame + frame / 2);
    size_t reads = 0;
    for (;;) {
        long n = resp_sub_read(u->sub, small, frame + frame / 2);
        if (n <= 0)
            break;
        parse_frames(u, small, (size_t)n);
        reads++;
    }
    free(small);
    assert_int_equal(u->nids, 3);
    assert_int_equal(reads, 3);
    tsub_free(u);
    resp_bus_free(bus);
}

/* ---- a full queue drops events, and whoever may have missed one is reset ---- */

typedef struct blocker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered, released;
    tsub *t;
} blocker;

/* The first notify holds the dispatcher until the test releases it. */
static void blocking_notify(void *cls)
{
    blocker *b = cls;
    pthread_mutex_lock(&b->mu);
    if (!b->entered) {
        b->entered = 1;
        pthread_cond_broadcast(&b->cv);
        while (!b->released)
            pthread_cond_wait(&b->cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    tsub_notify(b->t);
}

static void test_full_queue_drops_and_resets(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(4096);
    const char *k[] = {KNUTBY}, *f[] = {FJORDVIK};
    tsub *tk = tsub_new(), *tf = tsub_new();
    blocker b = {.t = tk};
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cv, NULL);
    kn_err err;
    assert_int_equal(resp_bus_subscribe(bus, k, 1, -1, blocking_notify, &b, &tk->sub, &err), KN_OK);
    assert_int_equal(tsub_subscribe(bus, tf, f, 1, -1), KN_OK);
    assert_int_equal(tsub_drain(tk, 4096), 0); /* both armed */
    assert_int_equal(tsub_drain(tf, 4096), 0);
    publish(bus, 1, KNUTBY);
    pthread_mutex_lock(&b.mu);
    while (!b.entered)
        pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    /* the dispatcher is held: 1024 events fill the queue, the next two wait
     * their 100 ms each and are dropped */
    for (int64_t s = 2; s <= 1025; s++)
        publish(bus, s, KNUTBY);
    publish(bus, 1026, FJORDVIK);
    publish(bus, 1027, KNUTBY);
    pthread_mutex_lock(&b.mu);
    b.released = 1;
    pthread_cond_broadcast(&b.cv);
    pthread_mutex_unlock(&b.mu);
    wait_published(bus, 1025);
    /* Fjordvik's console saw no frame of its own, but one was lost: reset,
     * past the lost event */
    assert_true(tsub_wait(tf, 2000));
    tsub_drain(tf, 65536);
    assert_int_equal(tf->resets, 1);
    assert_int_equal(tf->last_reset_id, 1027);
    assert_int_equal(tf->nids, 0);
    /* Knutby's console lost 1027 too: one reset, and it reloads the queue */
    assert_true(tsub_wait(tk, 2000));
    tsub_drain(tk, 1 << 20);
    assert_int_equal(tk->resets, 1);
    assert_int_equal(tk->last_reset_id, 1027);
    /* from here both are live again */
    publish(bus, 1028, FJORDVIK);
    assert_true(tsub_wait(tf, 2000));
    tsub_drain(tf, 65536);
    assert_int_equal(tf->nids, 1);
    assert_int_equal(tf->ids[0], 1028);
    assert_int_equal(tf->resets, 1);
    assert_int_equal(tsub_drain(tk, 65536), 0); /* not Knutby's, and no second reset */
    assert_int_equal(tk->resets, 1);
    tsub_free(tk);
    tsub_free(tf);
    resp_bus_free(bus);
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.cv);
}

/* ---- load: 100 000 events through a 1024-frame ring, a slow reader ---- */

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
}

/* Reads one buffer each time the bus has taken 3 000 more events (three
 * rings' worth), then everything once the publisher is done. */
typedef struct slow_arg {
    resp_bus *bus;
    tsub *t;
    int64_t total;
} slow_arg;

static int64_t published_count(resp_bus *bus)
{
    int64_t p = 0;
    resp_bus_stats(bus, NULL, &p, NULL);
    return p;
}

static void *slow_reader(void *cls)
{
    slow_arg *r = cls;
    char buf[8192];
    int64_t next = 3000, give_up = kn_mono_ns() + 60 * 1000000000LL;
    while (r->t->last_seen < r->total && kn_mono_ns() < give_up) {
        int64_t p = published_count(r->bus);
        if (p < r->total && p < next) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
            continue;
        }
        long n = resp_sub_read(r->t->sub, buf, sizeof buf);
        if (n < 0)
            break;
        parse_frames(r->t, buf, (size_t)n);
        if (p < r->total)
            next = p + 3000;
        else if (n == 0)
            break; /* caught up short of the end: the test fails below */
    }
    return NULL;
}

static void test_slow_reader_100k(void **state)
{
    (void)state;
    resp_bus *bus = bus_new(1024);
    const char *k[] = {KNUTBY};
    tsub *t = tsub_new();
    assert_int_equal(tsub_subscribe(bus, t, k, 1, -1), KN_OK);
    slow_arg r = {bus, t, 100000};
    pthread_t th;
    pthread_create(&th, NULL, slow_reader, &r);
    size_t heap_early = 0;
    for (int64_t s = 1; s <= 100000; s++) {
        /* keep the queue from filling: a full one drops events (and a slow
         * sanitizer build would make that happen) */
        while (s % 256 == 0 && published_count(bus) < s - 512) {
            struct timespec us = {0, 100000};
            nanosleep(&us, NULL);
        }
        publish(bus, s, KNUTBY);
        if (s == 20000)
            heap_early = heap_in_use();
    }
    size_t heap_late = heap_in_use();
    pthread_join(th, NULL);
    assert_true(t->resets >= 10);                    /* it fell behind the ring, again and again */
    for (size_t i = 1; i < t->nids; i++)             /* never out of order, never twice */
        assert_true(t->ids[i] > t->ids[i - 1]);
    assert_int_equal(t->last_seen, 100000);          /* caught up with the end */
    /* after its last reset it missed nothing */
    assert_int_equal(t->nids - t->nids_at_reset, 100000 - t->last_reset_id);
    for (size_t i = t->nids_at_reset; i < t->nids; i++)
        assert_int_equal(t->ids[i], t->last_reset_id + 1 + (int64_t)(i - t->nids_at_reset));
    int64_t resets = 0;
    resp_bus_stats(bus, NULL, NULL, &resets);
    assert_int_equal(resets, t->resets);
    if (heap_early && heap_late) /* mallinfo is 0 under the sanitizers */
        assert_true(heap_late < heap_early + 4 * 1024 * 1024);
    tsub_free(t);
    resp_bus_free(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_and_filter),
        cmocka_unit_test(test_reconnect_replays_missed),
        cmocka_unit_test(test_too_old_gets_reset),
        cmocka_unit_test(test_quiet_subscriber_not_reset),
        cmocka_unit_test(test_notify_once_per_arm),
        cmocka_unit_test(test_ping_idle),
        cmocka_unit_test(test_shutdown_ends_reads),
        cmocka_unit_test(test_bad_subscribe),
        cmocka_unit_test(test_whole_frames_only),
        cmocka_unit_test(test_full_queue_drops_and_resets),
        cmocka_unit_test(test_slow_reader_100k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
