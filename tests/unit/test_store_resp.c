/* test_store_resp.c - the response service's SQLite store (store_resp.h) on a
 * real database file: alarm create/get/list order and totals, the merge rules
 * (duplicate external id, merge of open alarms, a flood in one batch),
 * compare-and-set updates, event seq in commit order and replay, timers,
 * heartbeats, routing rules, profiles, journaling, the hub cursor, statistics
 * rows, device lookup, and that a failed write leaves nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the three above, which it needs */

#include "test_store_util.h"

#define MUNI_A "939000011"
#define MUNI_B "939000038"

typedef struct fx {
    tu_fixture base;
    store_citizen cit[3]; /* cit[0], cit[1] in A; cit[2] in B */
    store_device dev;     /* A, assigned to cit[0] */
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_db_path(f->base.path, sizeof f->base.path, "resp");
    f->base.st = tu_open(f->base.path, 1, 0);
    store *st = f->base.st;
    assert_int_equal(tu_add_citizen(st, MUNI_A, 1, &f->cit[0]), KN_OK);
    assert_int_equal(tu_add_citizen(st, MUNI_A, 2, &f->cit[1]), KN_OK);
    assert_int_equal(tu_add_citizen(st, MUNI_B, 3, &f->cit[2]), KN_OK);
    store_device d = {.municipality = MUNI_A, .type = "safety_alarm", .serial = "SN-0001"};
    memcpy(d.citizen_id, f->cit[0].id, sizeof d.citizen_id);
    assert_int_equal(st->ops->device_create(st, &d, NULL), KN_OK);
    f->dev = d;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    test_store_destroy(f->base.st, f->base.path);
    free(f);
    return 0;
}

static store *S(void **state)
{
    return ((fx *)*state)->base.st;
}

static fx *F(void **state)
{
    return *state;
}

static store_resp_alarm mk_alarm(const store_citizen *c, const char *device_id, const char *code,
                                 int priority, int64_t received_at)
{
    store_resp_alarm a;
    memset(&a, 0, sizeof a);
    kn_strcpy(a.municipality, sizeof a.municipality, c->municipality);
    memcpy(a.citizen_id, c->id, sizeof a.citizen_id);
    kn_strcpy(a.citizen_name, sizeof a.citizen_name, "Kari Nordmann");
    kn_strcpy(a.address, sizeof a.address, c->address);
    kn_strcpy(a.device_id, sizeof a.device_id, device_id ? device_id : "");
    kn_strcpy(a.source, sizeof a.source, "api");
    kn_strcpy(a.alert_code, sizeof a.alert_code, code);
    a.severity = 30;
    kn_strcpy(a.triage, sizeof a.triage, "R");
    a.priority = priority;
    a.state = RESP_ST_NEW;
    a.received_at = received_at;
    a.occurred_at = received_at - 5;
    a.battery = -1;
    return a;
}

static store_resp_event mk_event(const char *kind)
{
    store_resp_event e;
    memset(&e, 0, sizeof e);
    kn_strcpy(e.kind, sizeof e.kind, kind);
    e.vkp_event = -1;
    e.at = 1000;
    kn_strcpy(e.text, sizeof e.text, "tekst");
    return e;
}

/* ---- synchronous wrappers over the async ops ---- */

static int create_ex(store *st, store_resp_alarm *a, store_resp_event *ev, size_t nev,
                     int merge_open, int64_t hub_seq, int *merged, int with_audit)
{
    store_audit au = tu_audit("resp.alarm.create", "actor1");
    store_waiter w;
    store_waiter_init(&w);
    kn_err err;
    kn_err_clear(&err);
    int rc =
        st->ops->resp->alarm_create_async(st, a, ev, nev, merge_open, hub_seq, merged,
                                          with_audit ? &au : NULL, store_waiter_done, &w, &err);
    if (rc != KN_OK) {
        store_waiter_destroy(&w);
        return rc;
    }
    return store_waiter_wait(&w, &err);
}

static int create(store *st, store_resp_alarm *a, int merge_open, int *merged)
{
    store_resp_event ev = mk_event("created");
    return create_ex(st, a, &ev, 1, merge_open, 0, merged, 1);
}

static int update(store *st, store_resp_alarm *a, int64_t expected, const char *kind)
{
    store_resp_event ev = mk_event(kind);
    store_waiter w;
    store_waiter_init(&w);
    int rc = st->ops->resp->alarm_update_async(st, a, expected, &ev, 1, NULL, store_waiter_done, &w,
                                               NULL);
    if (rc != KN_OK) {
        store_waiter_destroy(&w);
        return rc;
    }
    return store_waiter_wait(&w, NULL);
}

static int64_t last_seq(store *st)
{
    int64_t seq = -1;
    assert_int_equal(st->ops->resp->event_last_seq(st, &seq, NULL), KN_OK);
    return seq;
}

static void list_ex(store *st, const char *const *munis, size_t nm, int open_only,
                    const char *citizen, size_t offset, size_t limit, store_resp_alarm **list,
                    size_t *n, int64_t *total)
{
    store_resp_filter f = {.municipalities = munis,
                           .n_munis = nm,
                           .open_only = open_only,
                           .citizen_id = citizen,
                           .offset = offset,
                           .limit = limit};
    kn_err err;
    kn_err_clear(&err);
    int rc = st->ops->resp->alarm_list(st, &f, list, n, total, &err);
    if (rc != KN_OK)
        fprintf(stderr, "alarm_list: %s\n", err.msg);
    assert_int_equal(rc, KN_OK);
}

/* ---- alarms: create, get, list ---- */

static void test_create_get(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    store_resp_alarm a = mk_alarm(&f->cit[0], f->dev.id, "4.1", 1, 5000);
    a.has_position = 1;
    a.lat = 59.91273;
    a.lon = -10.74609;
    kn_strcpy(a.text, sizeof a.text, "falt i stua");
    store_resp_event ev[2] = {mk_event("created"), mk_event("routed")};
    int merged = -1;
    assert_int_equal(create_ex(st, &a, ev, 2, 1, 0, &merged, 1), KN_OK);
    assert_int_equal(merged, 0);
    assert_int_equal(strlen(a.id), 32);
    assert_int_equal(a.version, 1);
    assert_true(ev[0].seq > 0);
    assert_true(ev[1].seq > ev[0].seq);
    assert_int_equal(a.last_seq, ev[1].seq);
    assert_string_equal(ev[0].alarm_id, a.id);
    assert_string_equal(ev[1].municipality, MUNI_A);

    store_resp_alarm got;
    assert_int_equal(st->ops->resp->alarm_get(st, a.id, &got, NULL), KN_OK);
    assert_memory_equal(&got, &a, sizeof got); /* every field, lat/lon bit-exact */
    assert_true(got.lat == 59.91273 && got.lon == -10.74609);
    assert_int_equal(st->ops->resp->alarm_get(st, "0123456789abcdef0123456789abcdef", &got, NULL),
                     KN_ENOTFOUND);
    assert_int_equal(test_audit_count(st, NULL, "resp.alarm.create"), 1);

    store_resp_event *evs = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->resp->event_list_alarm(st, a.id, &evs, &n, NULL), KN_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(&evs[0], &ev[0], sizeof ev[0]);
    assert_memory_equal(&evs[1], &ev[1], sizeof ev[1]);
    free(evs);
}

static void test_list_order_total(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    /* (priority, received_at) of the alarms in A, made out of order */
    const int prio[] = {3, 1, 3, 2, 1, 5};
    const int64_t at[] = {300, 500, 100, 400, 200, 50};
    char ids[6][33];
    int merged;
    for (int i = 0; i < 6; i++) {
        store_resp_alarm a = mk_alarm(&f->cit[i % 2], NULL, "4.1", prio[i], at[i]);
        assert_int_equal(create(st, &a, 0, &merged), KN_OK);
        memcpy(ids[i], a.id, 33);
    }
    store_resp_alarm b = mk_alarm(&f->cit[2], NULL, "4.1", 1, 250);
    assert_int_equal(create(st, &b, 0, &merged), KN_OK);

    const char *a_only[] = {MUNI_A};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    list_ex(st, a_only, 1, 1, NULL, 0, 100, &list, &n, &total);
    const int want[] = {4, 1, 3, 2, 0, 5}; /* by priority, then received_at */
    assert_int_equal(n, 6);
    assert_int_equal(total, 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(list[i].id, ids[want[i]]);
    free(list);

    /* two municipalities merged in queue order; a page of it */
    const char *both[] = {MUNI_B, MUNI_A};
    list_ex(st, both, 2, 1, NULL, 0, 100, &list, &n, &total);
    assert_int_equal(n, 7);
    assert_int_equal(total, 7);
    assert_string_equal(list[0].id, ids[4]); /* p1 @200 */
    assert_string_equal(list[1].id, b.id);   /* p1 @250 */
    assert_string_equal(list[2].id, ids[1]); /* p1 @500 */
    for (size_t i = 1; i < n; i++)
        assert_true(list[i - 1].priority < list[i].priority ||
                    (list[i - 1].priority == list[i].priority &&
                     list[i - 1].received_at <= list[i].received_at));
    free(list);
    list_ex(st, both, 2, 1, NULL, 2, 2, &list, &n, &total);
    assert_int_equal(n, 2);
    assert_int_equal(total, 7);
    assert_string_equal(list[0].id, ids[1]);
    assert_string_equal(list[1].id, ids[3]);
    free(list);

    /* close one: it leaves the queue and its total, stays in the full list */
    store_resp_alarm c;
    assert_int_equal(st->ops->resp->alarm_get(st, ids[4], &c, NULL), KN_OK);
    c.state = RESP_ST_CLOSED;
    c.closed_at = 900;
    assert_int_equal(update(st, &c, 1, "closed"), KN_OK);
    list_ex(st, a_only, 1, 1, NULL, 0, 100, &list, &n, &total);
    assert_int_equal(n, 5);
    assert_int_equal(total, 5);
    assert_string_equal(list[0].id, ids[1]);
    free(list);

    /* full list: newest first; citizen filter; time range */
    list_ex(st, a_only, 1, 0, NULL, 0, 100, &list, &n, &total);
    assert_int_equal(n, 6);
    assert_int_equal(total, 6);
    for (size_t i = 1; i < n; i++)
        assert_true(list[i - 1].received_at > list[i].received_at);
    free(list);
    list_ex(st, a_only, 1, 0, f->cit[1].id, 0, 100, &list, &n, &total);
    assert_int_equal(n, 3); /* i = 1, 3, 5 */
    assert_int_equal(total, 3);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(list[i].citizen_id, f->cit[1].id);
    free(list);
    store_resp_filter fr = {
        .municipalities = a_only, .n_munis = 1, .from_ms = 100, .to_ms = 400, .limit = 100};
    assert_int_equal(st->ops->resp->alarm_list(st, &fr, &list, &n, &total, NULL), KN_OK);
    assert_int_equal(n, 3); /* 300, 200, 100 */
    assert_int_equal(total, 3);
    assert_int_equal(list[0].received_at, 300);
    assert_int_equal(list[2].received_at, 100);
    free(list);
    fr.open_only = 1; /* 300, 100 (200 is closed) */
    assert_int_equal(st->ops->resp->alarm_list(st, &fr, &list, &n, &total, NULL), KN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    free(list);
    fr.limit = 0;
    assert_int_equal(st->ops->resp->alarm_list(st, &fr, &list, &n, &total, NULL), KN_EINVAL);
    fr.limit = 1;
    fr.n_munis = 0;
    assert_int_equal(st->ops->resp->alarm_list(st, &fr, &list, &n, &total, NULL), KN_EINVAL);
}

/* ---- merge rules ---- */

static void test_merge_external_id(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    store_resp_alarm a = mk_alarm(&f->cit[0], f->dev.id, "4.1", 2, 1000);
    kn_strcpy(a.external_id, sizeof a.external_id, "ext-1");
    int merged = -1;
    assert_int_equal(create(st, &a, 0, &merged), KN_OK);
    assert_int_equal(merged, 0);
    int64_t seq = last_seq(st);
    size_t audits = test_audit_count(st, NULL, "resp.alarm.create");

    store_resp_alarm dup = mk_alarm(&f->cit[0], f->dev.id, "1.2", 1, 2000);
    kn_strcpy(dup.external_id, sizeof dup.external_id, "ext-1");
    assert_int_equal(create(st, &dup, 1, &merged), KN_OK);
    assert_int_equal(merged, 2);
    assert_string_equal(dup.id, a.id); /* the original, unchanged */
    assert_int_equal(dup.version, 1);
    assert_int_equal(dup.priority, 2);
    assert_string_equal(dup.alert_code, "4.1");
    assert_int_equal(last_seq(st), seq);                            /* no event */
    assert_int_equal(test_audit_count(st, NULL, "resp.alarm.create"), audits); /* no audit */

    /* another source or municipality is another key */
    store_resp_alarm hub = mk_alarm(&f->cit[0], NULL, "1.2", 1, 2000);
    kn_strcpy(hub.external_id, sizeof hub.external_id, "ext-1");
    kn_strcpy(hub.source, sizeof hub.source, "hub");
    assert_int_equal(create(st, &hub, 0, &merged), KN_OK);
    assert_int_equal(merged, 0);
    assert_string_not_equal(hub.id, a.id);
}

static void test_merge_open(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    int merged = -1;
    store_resp_alarm a = mk_alarm(&f->cit[0], f->dev.id, "4.1", 2, 1000);
    assert_int_equal(create(st, &a, 1, &merged), KN_OK);
    assert_int_equal(merged, 0);

    store_resp_alarm r = mk_alarm(&f->cit[0], f->dev.id, "4.1", 1, 2000);
    store_resp_event ev = mk_event("created");
    assert_int_equal(create_ex(st, &r, &ev, 1, 1, 0, &merged, 1), KN_OK);
    assert_int_equal(merged, 1);
    assert_string_equal(r.id, a.id);
    assert_int_equal(r.repeats, 1);
    assert_int_equal(r.version, 2);
    assert_int_equal(r.priority, 2);
    assert_string_equal(ev.kind, "repeated");
    assert_string_equal(ev.alarm_id, a.id);
    assert_int_equal(r.last_seq, ev.seq);
    assert_int_equal(last_seq(st), ev.seq);
    store_resp_alarm got;
    assert_int_equal(st->ops->resp->alarm_get(st, a.id, &got, NULL), KN_OK);
    assert_memory_equal(&got, &r, sizeof got);

    /* without merge_open, or another code: a new alarm */
    store_resp_alarm n1 = mk_alarm(&f->cit[0], f->dev.id, "4.1", 1, 2100);
    assert_int_equal(create(st, &n1, 0, &merged), KN_OK);
    assert_int_equal(merged, 0);
    store_resp_alarm n2 = mk_alarm(&f->cit[0], f->dev.id, "1.2", 1, 2200);
    assert_int_equal(create(st, &n2, 1, &merged), KN_OK);
    assert_int_equal(merged, 0);

    /* without a device: the same citizen and code merge */
    store_resp_alarm h1 = mk_alarm(&f->cit[1], NULL, "3.1", 3, 3000);
    assert_int_equal(create(st, &h1, 1, &merged), KN_OK);
    assert_int_equal(merged, 0);
    store_resp_alarm h2 = mk_alarm(&f->cit[1], NULL, "3.1", 3, 3100);
    assert_int_equal(create(st, &h2, 1, &merged), KN_OK);
    assert_int_equal(merged, 1);
    assert_string_equal(h2.id, h1.id);

    /* a closed alarm is not merged into */
    h2.state = RESP_ST_CLOSED;
    assert_int_equal(update(st, &h2, h2.version, "closed"), KN_OK);
    store_resp_alarm h3 = mk_alarm(&f->cit[1], NULL, "3.1", 3, 3200);
    assert_int_equal(create(st, &h3, 1, &merged), KN_OK);
    assert_int_equal(merged, 0);
    assert_string_not_equal(h3.id, h1.id);
}

#define FLOOD 200

typedef struct flood {
    store_resp_alarm a[FLOOD];
    store_resp_event ev[FLOOD];
    int merged[FLOOD];
    store_waiter w[FLOOD];
} flood;

/* Many alarms of one device queued at once: they commit in one or a few
 * batches, and still make exactly one alarm with FLOOD - 1 repeats. */
static void test_merge_flood(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    flood *fl = calloc(1, sizeof *fl);
    assert_non_null(fl);
    for (int i = 0; i < FLOOD; i++) {
        fl->a[i] = mk_alarm(&f->cit[0], f->dev.id, "4.1", 1, 1000 + i);
        fl->ev[i] = mk_event("created");
        store_waiter_init(&fl->w[i]);
        assert_int_equal(st->ops->resp->alarm_create_async(st, &fl->a[i], &fl->ev[i], 1, 1, 0,
                                                           &fl->merged[i], NULL, store_waiter_done,
                                                           &fl->w[i], NULL),
                         KN_OK);
    }
    int created = 0;
    for (int i = 0; i < FLOOD; i++) {
        assert_int_equal(store_waiter_wait(&fl->w[i], NULL), KN_OK);
        created += fl->merged[i] == 0;
        assert_string_equal(fl->a[i].id, fl->a[0].id);
        assert_int_equal(fl->a[i].repeats, i); /* in commit order */
        if (i)
            assert_true(fl->ev[i].seq > fl->ev[i - 1].seq);
    }
    assert_int_equal(created, 1);
    const char *m[] = {MUNI_A};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    list_ex(st, m, 1, 1, NULL, 0, 10, &list, &n, &total);
    assert_int_equal(n, 1);
    assert_int_equal(total, 1);
    assert_int_equal(list[0].repeats, FLOOD - 1);
    assert_int_equal(list[0].version, FLOOD);
    free(list);
    free(fl);
}

/* ---- compare-and-set ---- */

static void test_update_conflict(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    int merged;
    store_resp_alarm a = mk_alarm(&f->cit[0], f->dev.id, "4.1", 1, 1000);
    assert_int_equal(create(st, &a, 0, &merged), KN_OK);

    /* two operators claim from version 1 at once: one wins */
    store_resp_alarm x = a, y = a;
    kn_strcpy(x.claimed_by, sizeof x.claimed_by, "user-x");
    kn_strcpy(y.claimed_by, sizeof y.claimed_by, "user-y");
    x.state = y.state = RESP_ST_CLAIMED;
    store_resp_event ex = mk_event("claimed"), ey = mk_event("claimed");
    store_waiter wx, wy;
    store_waiter_init(&wx);
    store_waiter_init(&wy);
    assert_int_equal(
        st->ops->resp->alarm_update_async(st, &x, 1, &ex, 1, NULL, store_waiter_done, &wx, NULL),
        KN_OK);
    assert_int_equal(
        st->ops->resp->alarm_update_async(st, &y, 1, &ey, 1, NULL, store_waiter_done, &wy, NULL),
        KN_OK);
    int rx = store_waiter_wait(&wx, NULL), ry = store_waiter_wait(&wy, NULL);
    assert_int_equal(rx, KN_OK); /* queue order: x first */
    assert_int_equal(ry, KN_ECONFLICT);
    assert_int_equal(x.version, 2);
    assert_int_equal(x.last_seq, ex.seq);
    assert_int_equal(y.version, 1); /* the loser's record is untouched */
    assert_int_equal(ey.seq, 0);

    store_resp_alarm got;
    assert_int_equal(st->ops->resp->alarm_get(st, a.id, &got, NULL), KN_OK);
    assert_string_equal(got.claimed_by, "user-x");
    assert_int_equal(got.version, 2);
    assert_int_equal(got.last_seq, ex.seq);
    store_resp_event *evs = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->resp->event_list_alarm(st, a.id, &evs, &n, NULL), KN_OK);
    assert_int_equal(n, 2); /* created, claimed: the loser's event is gone */
    assert_string_equal(evs[1].kind, "claimed");
    free(evs);

    /* the immutable fields stay; unknown id */
    got.received_at = 1;
    kn_strcpy(got.municipality, sizeof got.municipality, MUNI_B);
    assert_int_equal(update(st, &got, 2, "note"), KN_OK);
    assert_int_equal(got.received_at, 1000);
    assert_string_equal(got.municipality, MUNI_A);
    assert_int_equal(got.version, 3);
    kn_strcpy(got.id, sizeof got.id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(update(st, &got, 3, "note"), KN_ENOTFOUND);
}

/* ---- events ---- */

typedef struct seq_log {
    pthread_mutex_t mu;
    int64_t seqs[64];
    const store_resp_event *ev[64];
    int n;
} seq_log;

typedef struct seq_cls {
    seq_log *log;
    const store_resp_event *ev;
    store_waiter w;
} seq_cls;

/* Records the event's seq as the done calls come (commit order). */
static void seq_done(void *cls, int status, const kn_err *err)
{
    seq_cls *c = cls;
    pthread_mutex_lock(&c->log->mu);
    c->log->seqs[c->log->n++] = status == KN_OK ? c->ev->seq : -1;
    pthread_mutex_unlock(&c->log->mu);
    store_waiter_done(&c->w, status, err);
}

static void test_event_seq_commit_order(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    static seq_log log = {.mu = PTHREAD_MUTEX_INITIALIZER};
    log.n = 0;
    enum { N = 40 };
    store_resp_alarm *a = calloc(N, sizeof *a);
    store_resp_event *ev = calloc(N, sizeof *ev);
    seq_cls *cls = calloc(N, sizeof *cls);
    int merged[N];
    for (int i = 0; i < N; i++) {
        a[i] = mk_alarm(&f->cit[i % 3], NULL, i % 2 ? "4.1" : "1.1", 1 + i % 5, 1000 + i);
        ev[i] = mk_event("created");
        cls[i].log = &log;
        cls[i].ev = &ev[i];
        store_waiter_init(&cls[i].w);
        assert_int_equal(st->ops->resp->alarm_create_async(st, &a[i], &ev[i], 1, 0, 0, &merged[i],
                                                           NULL, seq_done, &cls[i], NULL),
                         KN_OK);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(store_waiter_wait(&cls[i].w, NULL), KN_OK);
    assert_int_equal(log.n, N);
    for (int i = 1; i < N; i++)
        assert_true(log.seqs[i] > log.seqs[i - 1]);
    assert_int_equal(last_seq(st), log.seqs[N - 1]);

    /* replay after a seq: oldest first, only the asked municipalities */
    const char *both[] = {MUNI_A, MUNI_B};
    const char *b_only[] = {MUNI_B};
    store_resp_event *list = NULL;
    size_t n = 0;
    int64_t after = log.seqs[9];
    assert_int_equal(st->ops->resp->event_list(st, both, 2, after, 1000, &list, &n, NULL), KN_OK);
    assert_int_equal(n, N - 10);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(list[i].seq, log.seqs[10 + i]);
    free(list);
    assert_int_equal(st->ops->resp->event_list(st, both, 2, after, 5, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 5);
    assert_int_equal(list[4].seq, log.seqs[14]);
    free(list);
    assert_int_equal(st->ops->resp->event_list(st, b_only, 1, 0, 1000, &list, &n, NULL), KN_OK);
    size_t want_b = 0;
    for (int i = 0; i < N; i++)
        want_b += strcmp(a[i].municipality, MUNI_B) == 0;
    assert_int_equal(n, want_b);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(list[i].municipality, MUNI_B);
    free(list);
    assert_int_equal(st->ops->resp->event_list(st, both, 2, last_seq(st), 10, &list, &n, NULL),
                     KN_OK);
    assert_int_equal(n, 0);
    free(list);
    free(a);
    free(ev);
    free(cls);
}

/* ---- timers ---- */

static void test_timers_due(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    const int64_t timer[] = {0, 500, 100, 300, 900};
    char ids[5][33];
    int merged;
    for (int i = 0; i < 5; i++) {
        store_resp_alarm a = mk_alarm(&f->cit[0], NULL, "4.1", 1, 10 + i);
        a.next_timer_at = timer[i];
        assert_int_equal(create(st, &a, 0, &merged), KN_OK);
        memcpy(ids[i], a.id, 33);
    }
    store_resp_alarm c; /* closed: never due */
    assert_int_equal(st->ops->resp->alarm_get(st, ids[3], &c, NULL), KN_OK);
    c.state = RESP_ST_CLOSED;
    assert_int_equal(update(st, &c, c.version, "closed"), KN_OK);

    store_resp_alarm *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->resp->timers_due(st, 500, 100, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, ids[2]);
    assert_string_equal(list[1].id, ids[1]);
    free(list);
    assert_int_equal(st->ops->resp->timers_due(st, 99, 100, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(st->ops->resp->timers_due(st, 10000, 1, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, ids[2]);
    free(list);
}

/* ---- heartbeats ---- */

static void test_heartbeats(void **state)
{
    store *st = S(state);
    const struct store_resp_ops *r = st->ops->resp;
    store_resp_heartbeat hb = {.device_id = "dev1",
                               .municipality = MUNI_A,
                               .device_type = "safety_alarm",
                               .last_seen = 1000,
                               .battery = 80};
    char cleared[33] = "x";
    assert_int_equal(r->heartbeat_put(st, &hb, cleared, NULL), KN_OK);
    assert_string_equal(cleared, "");
    store_resp_heartbeat hb2 = hb;
    kn_strcpy(hb2.device_id, sizeof hb2.device_id, "dev2");
    hb2.last_seen = 5000;
    assert_int_equal(r->heartbeat_put(st, &hb2, NULL, NULL), KN_OK);
    store_resp_heartbeat hb3 = hb;
    kn_strcpy(hb3.device_id, sizeof hb3.device_id, "dev3");
    kn_strcpy(hb3.device_type, sizeof hb3.device_type, "gps_tracker");
    assert_int_equal(r->heartbeat_put(st, &hb3, NULL, NULL), KN_OK);

    store_resp_heartbeat *list = NULL;
    size_t n = 0;
    assert_int_equal(r->heartbeat_silent(st, "safety_alarm", 2000, 100, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].device_id, "dev1");
    free(list);

    assert_int_equal(r->heartbeat_set_silent(st, "dev1", "alarm-1", NULL), KN_OK);
    assert_int_equal(r->heartbeat_set_silent(st, "nodev", "alarm-1", NULL), KN_ENOTFOUND);
    assert_int_equal(r->heartbeat_silent(st, "safety_alarm", 2000, 100, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 0); /* already has its alarm */
    free(list);
    store_resp_heartbeat got;
    assert_int_equal(r->heartbeat_get(st, "dev1", &got, NULL), KN_OK);
    assert_string_equal(got.silent_alarm_id, "alarm-1");

    /* contact again: the silent alarm is cleared once; last_seen never goes back */
    hb.last_seen = 3000;
    hb.battery = 70;
    assert_int_equal(r->heartbeat_put(st, &hb, cleared, NULL), KN_OK);
    assert_string_equal(cleared, "alarm-1");
    assert_int_equal(r->heartbeat_put(st, &hb, cleared, NULL), KN_OK);
    assert_string_equal(cleared, "");
    hb.last_seen = 2000;
    hb.battery = 10;
    assert_int_equal(r->heartbeat_put(st, &hb, cleared, NULL), KN_OK);
    assert_int_equal(r->heartbeat_get(st, "dev1", &got, NULL), KN_OK);
    assert_int_equal(got.last_seen, 3000);
    assert_int_equal(got.battery, 70); /* an older report does not win */
    assert_string_equal(got.silent_alarm_id, "");
    assert_int_equal(r->heartbeat_get(st, "nodev", &got, NULL), KN_ENOTFOUND);
}

/* ---- routing rules and profiles ---- */

static void test_rules(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    const struct store_resp_ops *r = st->ops->resp;
    store_resp_rule rule = {.municipality = MUNI_A,
                            .name = "Natt",
                            .service = "*",
                            .weekdays = 0x7f,
                            .start_min = 0,
                            .end_min = 420,
                            .nsteps = 2};
    rule.steps[0] = (store_resp_step){RESP_STEP_CENTRE, "Responssenter", 60};
    rule.steps[1] = (store_resp_step){RESP_STEP_ONCALL, "+4790000000", 120};
    store_audit au = tu_audit("resp.rule.put", "admin");
    assert_int_equal(r->rule_put(st, &rule, &au, NULL), KN_OK);
    assert_int_equal(strlen(rule.id), 32);
    assert_true(rule.created_at > 0);
    store_resp_rule cit = rule;
    memset(cit.id, 0, sizeof cit.id);
    memcpy(cit.citizen_id, f->cit[0].id, sizeof cit.citizen_id);
    cit.nsteps = 1;
    cit.steps[0] = (store_resp_step){RESP_STEP_RELATIVES, "", 30};
    memset(&cit.steps[1], 0, sizeof cit.steps[1]); /* only nsteps steps are stored */
    assert_int_equal(r->rule_put(st, &cit, NULL, NULL), KN_OK);

    store_resp_rule *list = NULL;
    size_t n = 0;
    assert_int_equal(r->rule_list(st, MUNI_A, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 2);
    const store_resp_rule *l0 = strcmp(list[0].id, rule.id) == 0 ? &list[0] : &list[1];
    const store_resp_rule *l1 = l0 == &list[0] ? &list[1] : &list[0];
    assert_memory_equal(l0, &rule, sizeof rule);
    assert_memory_equal(l1, &cit, sizeof cit);
    free(list);

    /* update: fewer steps, same id and created_at; another municipality cannot take it */
    rule.nsteps = 1;
    rule.steps[0].timeout_s = 45;
    memset(&rule.steps[1], 0, sizeof rule.steps[1]);
    int64_t created = rule.created_at;
    rule.created_at = 0;
    assert_int_equal(r->rule_put(st, &rule, &au, NULL), KN_OK);
    assert_int_equal(rule.created_at, created);
    store_resp_rule moved = rule;
    kn_strcpy(moved.municipality, sizeof moved.municipality, MUNI_B);
    assert_int_equal(r->rule_put(st, &moved, NULL, NULL), KN_ENOTFOUND);
    assert_int_equal(r->rule_list(st, MUNI_A, &list, &n, NULL), KN_OK);
    l0 = strcmp(list[0].id, rule.id) == 0 ? &list[0] : &list[1];
    assert_memory_equal(l0, &rule, sizeof rule);
    free(list);

    /* bad rules */
    store_resp_rule bad = rule;
    memset(bad.id, 0, sizeof bad.id);
    bad.end_min = 0;
    assert_int_equal(r->rule_put(st, &bad, NULL, NULL), KN_EINVAL);
    bad = rule;
    memset(bad.id, 0, sizeof bad.id);
    bad.nsteps = 0;
    assert_int_equal(r->rule_put(st, &bad, NULL, NULL), KN_EINVAL);
    bad.nsteps = 1;
    bad.steps[0].timeout_s = 5;
    assert_int_equal(r->rule_put(st, &bad, NULL, NULL), KN_EINVAL);

    /* delete */
    assert_int_equal(r->rule_delete(st, MUNI_B, rule.id, NULL, NULL), KN_ENOTFOUND);
    assert_int_equal(r->rule_delete(st, MUNI_A, rule.id, &au, NULL), KN_OK);
    assert_int_equal(r->rule_delete(st, MUNI_A, rule.id, NULL, NULL), KN_ENOTFOUND);
    assert_int_equal(r->rule_list(st, MUNI_A, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, cit.id);
    free(list);
    assert_int_equal(test_audit_count(st, NULL, "resp.rule.put"), 3); /* two puts and the delete */
}

static void test_profile(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    const struct store_resp_ops *r = st->ops->resp;
    store_resp_profile p = {.municipality = MUNI_A,
                            .key_safe = "Ved doren, kode 1234",
                            .care_team = "Sone Nord",
                            .care_team_phone = "+4711111111",
                            .notes = "Diabetes",
                            .nrelatives = 2,
                            .nprio = 1};
    memcpy(p.citizen_id, f->cit[0].id, sizeof p.citizen_id);
    p.relatives[0] = (store_resp_relative){"Ola", "sonn", "+4722222222", 1};
    p.relatives[1] = (store_resp_relative){"Nabo Per", "nabo", "+4733333333", 2};
    kn_strcpy(p.prio[0].alert_code, sizeof p.prio[0].alert_code, "4");
    p.prio[0].priority = 1;
    store_resp_profile out;
    assert_int_equal(r->profile_get(st, p.citizen_id, &out, NULL), KN_ENOTFOUND);
    store_audit au = tu_audit("resp.profile.put", "admin");
    assert_int_equal(r->profile_put(st, &p, &au, NULL), KN_OK);
    assert_true(p.updated_at > 0);
    assert_int_equal(r->profile_get(st, p.citizen_id, &out, NULL), KN_OK);
    assert_memory_equal(&out, &p, sizeof p);

    p.nrelatives = 1;
    memset(&p.relatives[1], 0, sizeof p.relatives[1]);
    p.nprio = 0;
    memset(&p.prio[0], 0, sizeof p.prio[0]);
    assert_int_equal(r->profile_put(st, &p, NULL, NULL), KN_OK);
    assert_int_equal(r->profile_get(st, p.citizen_id, &out, NULL), KN_OK);
    assert_memory_equal(&out, &p, sizeof p);

    store_resp_profile bad = p; /* unknown citizen: nothing written */
    kn_strcpy(bad.citizen_id, sizeof bad.citizen_id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(r->profile_put(st, &bad, &au, NULL), KN_EINVAL);
    assert_int_equal(r->profile_get(st, bad.citizen_id, &out, NULL), KN_ENOTFOUND);
    assert_int_equal(test_audit_count(st, NULL, "resp.profile.put"), 1);
    bad = p;
    bad.nrelatives = STORE_RESP_MAX_RELATIVES + 1;
    assert_int_equal(r->profile_put(st, &bad, NULL, NULL), KN_EINVAL);
}

/* ---- journaling ---- */

static int journal_set(store *st, const char *id, int journal, const char *msg, const char *error,
                       store_resp_event *ev, store_resp_alarm *out)
{
    store_waiter w;
    store_waiter_init(&w);
    int rc = st->ops->resp->journal_set_async(st, id, journal, msg, error, ev, out,
                                              store_waiter_done, &w, NULL);
    if (rc != KN_OK) {
        store_waiter_destroy(&w);
        return rc;
    }
    return store_waiter_wait(&w, NULL);
}

static void test_journal(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    int merged;
    char ids[3][33];
    for (int i = 0; i < 3; i++) {
        store_resp_alarm a = mk_alarm(&f->cit[0], NULL, "4.1", 1, 100 + i);
        assert_int_equal(create(st, &a, 0, &merged), KN_OK);
        a.state = RESP_ST_CLOSED;
        a.outcome = RESP_OUT_PHONE;
        a.closed_at = 1000 - i; /* closed in reverse order */
        a.journal = i < 2 ? RESP_J_PENDING : RESP_J_NONE;
        assert_int_equal(update(st, &a, 1, "closed"), KN_OK);
        memcpy(ids[i], a.id, 33);
    }
    store_resp_alarm *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->resp->journal_pending(st, 100, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, ids[1]); /* oldest closed first */
    assert_string_equal(list[1].id, ids[0]);
    free(list);

    store_resp_event ev = mk_event("journaled");
    store_resp_alarm out;
    assert_int_equal(journal_set(st, ids[1], RESP_J_SENT, "msg-1", NULL, &ev, &out), KN_OK);
    assert_int_equal(out.journal, RESP_J_SENT);
    assert_string_equal(out.journal_message_id, "msg-1");
    assert_int_equal(out.version, 3);
    assert_int_equal(out.last_seq, ev.seq);
    assert_int_equal(last_seq(st), ev.seq);
    ev = mk_event("journal_failed");
    assert_int_equal(journal_set(st, ids[0], RESP_J_FAILED, NULL, "no EPJ", &ev, NULL), KN_OK);
    store_resp_alarm got;
    assert_int_equal(st->ops->resp->alarm_get(st, ids[0], &got, NULL), KN_OK);
    assert_int_equal(got.journal, RESP_J_FAILED);
    assert_string_equal(got.journal_error, "no EPJ");
    assert_int_equal(got.last_seq, ev.seq);
    assert_int_equal(st->ops->resp->journal_pending(st, 100, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(
        journal_set(st, "0123456789abcdef0123456789abcdef", RESP_J_SENT, "m", NULL, NULL, NULL),
        KN_ENOTFOUND);
}

/* ---- hub cursor and hub messages ---- */

static void put_hub_message(store *st, int i)
{
    store_hub_message m = {
        .receiver = MUNI_A, .sender_client = "client1", .kind = "message", .event = "alarm"};
    snprintf(m.idem_key, sizeof m.idem_key, "key-%d", i);
    char body[32];
    snprintf(body, sizeof body, "{\"n\": %d}", i);
    m.body = body;
    m.body_len = strlen(body);
    int dup = -1;
    store_audit au = tu_audit("hub.intake", "client1");
    store_waiter w;
    store_waiter_init(&w);
    assert_int_equal(
        st->ops->hub->message_put_async(st, &m, &dup, &au, store_waiter_done, &w, NULL), KN_OK);
    assert_int_equal(store_waiter_wait(&w, NULL), KN_OK);
}

static void test_hub_cursor(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    const struct store_resp_ops *r = st->ops->resp;
    int64_t seq = -1;
    assert_int_equal(r->hubin_cursor_get(st, &seq, NULL), KN_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(r->hubin_cursor_set(st, 5, NULL), KN_OK);
    assert_int_equal(r->hubin_cursor_set(st, 3, NULL), KN_OK);
    assert_int_equal(r->hubin_cursor_get(st, &seq, NULL), KN_OK);
    assert_int_equal(seq, 5);
    int merged;
    store_resp_alarm a = mk_alarm(&f->cit[0], NULL, "4.1", 1, 100);
    kn_strcpy(a.source, sizeof a.source, "hub");
    kn_strcpy(a.external_id, sizeof a.external_id, "m-9");
    store_resp_event ev = mk_event("created");
    assert_int_equal(create_ex(st, &a, &ev, 1, 1, 9, &merged, 0), KN_OK);
    assert_int_equal(r->hubin_cursor_get(st, &seq, NULL), KN_OK);
    assert_int_equal(seq, 9);
    /* a duplicate still moves the cursor (the message is handled) */
    store_resp_alarm d = a;
    memset(d.id, 0, sizeof d.id);
    assert_int_equal(create_ex(st, &d, &ev, 1, 1, 11, &merged, 0), KN_OK);
    assert_int_equal(merged, 2);
    assert_int_equal(r->hubin_cursor_get(st, &seq, NULL), KN_OK);
    assert_int_equal(seq, 11);

    for (int i = 0; i < 5; i++)
        put_hub_message(st, i);
    store_hub_message *msgs = NULL;
    size_t n = 0;
    assert_int_equal(r->hub_messages_after(st, 0, 100, &msgs, &n, NULL), KN_OK);
    assert_int_equal(n, 5);
    int64_t second = msgs[1].seq;
    assert_string_equal(msgs[0].body, "{\"n\": 0}");
    store_hub_message_list_free(msgs, n);
    assert_int_equal(r->hub_messages_after(st, second, 2, &msgs, &n, NULL), KN_OK);
    assert_int_equal(n, 2);
    assert_true(msgs[0].seq > second && msgs[1].seq > msgs[0].seq);
    assert_string_equal(msgs[0].body, "{\"n\": 2}");
    assert_int_equal(msgs[1].body_len, strlen("{\"n\": 3}"));
    store_hub_message_list_free(msgs, n);
}

/* ---- statistics rows ---- */

static void test_stat_rows(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    int merged;
    for (int i = 0; i < 10; i++) {
        store_resp_alarm a = mk_alarm(&f->cit[i % 3], NULL, "4.1", 1 + i % 5, 1000 + 100 * i);
        a.technical = i == 4;
        assert_int_equal(create(st, &a, 0, &merged), KN_OK);
    }
    /* received_at: A at 1000, 1100, 1300, 1400, 1600, 1700, 1900; B at 1200, 1500, 1800 */
    store_resp_stat_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->resp->stat_rows(st, NULL, 0, 0, 0, 500000, &rows, &n, NULL), KN_OK);
    assert_int_equal(n, 10);
    free(rows);
    const char *a_only[] = {MUNI_A};
    assert_int_equal(st->ops->resp->stat_rows(st, a_only, 1, 1100, 1700, 1000, &rows, &n, NULL),
                     KN_OK);
    assert_int_equal(n, 4); /* 1100, 1300, 1400, 1600: to is exclusive */
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rows[i].municipality, MUNI_A);
        assert_true(rows[i].received_at >= 1100 && rows[i].received_at < 1700);
        assert_int_equal(rows[i].state, RESP_ST_NEW);
        assert_int_equal(rows[i].technical, rows[i].received_at == 1400);
    }
    free(rows);
    const char *b_only[] = {MUNI_B};
    assert_int_equal(st->ops->resp->stat_rows(st, b_only, 1, 1500, 0, 1000, &rows, &n, NULL),
                     KN_OK);
    assert_int_equal(n, 2);
    free(rows);
    assert_int_equal(st->ops->resp->stat_rows(st, NULL, 0, 0, 0, 3, &rows, &n, NULL), KN_OK);
    assert_int_equal(n, 3);
    free(rows);
    assert_int_equal(st->ops->resp->stat_rows(st, NULL, 0, 0, 0, 500001, &rows, &n, NULL),
                     KN_EINVAL);
}

/* ---- devices ---- */

static void test_device_find(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    store_device d;
    assert_int_equal(st->ops->resp->device_find(st, MUNI_A, f->dev.id, &d, NULL), KN_OK);
    assert_string_equal(d.serial, "SN-0001");
    assert_string_equal(d.citizen_id, f->cit[0].id);
    assert_int_equal(st->ops->resp->device_find(st, MUNI_A, "SN-0001", &d, NULL), KN_OK);
    assert_string_equal(d.id, f->dev.id);
    assert_int_equal(st->ops->resp->device_find(st, MUNI_B, "SN-0001", &d, NULL), KN_ENOTFOUND);
    assert_int_equal(st->ops->resp->device_find(st, MUNI_A, "SN-9999", &d, NULL), KN_ENOTFOUND);
}

/* ---- a failed write leaves nothing ---- */

static void assert_nothing(store *st, int64_t seq, size_t audits)
{
    const char *both[] = {MUNI_A, MUNI_B};
    store_resp_alarm *list = NULL;
    size_t n = 0;
    int64_t total = -1;
    list_ex(st, both, 2, 0, NULL, 0, 100, &list, &n, &total);
    assert_int_equal(n, 0);
    assert_int_equal(total, 0);
    free(list);
    assert_int_equal(last_seq(st), seq);
    assert_int_equal(test_audit_count(st, NULL, "resp.alarm.create"), audits);
}

static void test_failed_write_leaves_nothing(void **state)
{
    store *st = S(state);
    fx *f = F(state);
    int merged = -1;
    store_resp_alarm a = mk_alarm(&f->cit[0], NULL, "4.1", 1, 100);
    kn_strcpy(a.citizen_id, sizeof a.citizen_id, "0123456789abcdef0123456789abcdef");
    store_resp_event ev = mk_event("created");
    assert_int_equal(create_ex(st, &a, &ev, 1, 1, 7, &merged, 1), KN_EINVAL);
    assert_int_equal(a.id[0], '\0'); /* the caller's records are untouched */
    assert_int_equal(ev.seq, 0);
    assert_int_equal(merged, -1);
    assert_nothing(st, 0, 0);
    int64_t cursor = -1;
    assert_int_equal(st->ops->resp->hubin_cursor_get(st, &cursor, NULL), KN_OK);
    assert_int_equal(cursor, 0); /* nor the cursor moved with it */

    a = mk_alarm(&f->cit[0], NULL, "4.1", 9, 100); /* priority out of range */
    assert_int_equal(create(st, &a, 1, &merged), KN_EINVAL);
    a = mk_alarm(&f->cit[0], NULL, "4.1", 1, 100);
    kn_strcpy(a.source, sizeof a.source, "fax");
    assert_int_equal(create(st, &a, 1, &merged), KN_EINVAL);
    a = mk_alarm(&f->cit[0], NULL, "4.1", 1, 100);
    ev = mk_event("");
    assert_int_equal(create_ex(st, &a, &ev, 1, 0, 0, &merged, 1), KN_EINVAL);
    assert_nothing(st, 0, 0);

    /* a bad update leaves the alarm as it was */
    a = mk_alarm(&f->cit[0], NULL, "4.1", 1, 100);
    assert_int_equal(create(st, &a, 0, &merged), KN_OK);
    store_resp_alarm b = a;
    b.state = 42;
    assert_int_equal(update(st, &b, 1, "claimed"), KN_EINVAL);
    store_resp_alarm got;
    assert_int_equal(st->ops->resp->alarm_get(st, a.id, &got, NULL), KN_OK);
    assert_memory_equal(&got, &a, sizeof a);
    assert_int_equal(last_seq(st), a.last_seq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_order_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_external_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_flood, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_seq_commit_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timers_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hub_cursor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stat_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
