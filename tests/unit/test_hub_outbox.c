/* test_hub_outbox.c - the delivery side of the hub below HTTP: backoff
 * bounds, outcome classification, breaker transitions on a fake clock,
 * target/ack URLs, and the outbox store ops (routing, due selection with
 * per-patient order, results, dead letters, requeue). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hub/hub_deliver_int.h"
#include "core/core_util.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_backoff_bounds(void **state)
{
    (void)state;
    for (int attempt = 1; attempt <= 40; attempt++) {
        int64_t cap = 100;
        for (int i = 1; i < attempt && cap < 5000; i++)
            cap *= 2;
        if (cap > 5000)
            cap = 5000;
        assert_int_equal(hub_backoff_ms(attempt, 100, 5000, 0), 0);
        assert_int_equal(hub_backoff_ms(attempt, 100, 5000, (uint64_t)cap), cap);
        for (uint64_t r = 1; r < 100000; r += 7919)
            assert_true(hub_backoff_ms(attempt, 100, 5000, r * 2654435761u) <= cap);
    }
}

static void test_outcomes(void **state)
{
    (void)state;
    assert_int_equal(hub_outcome_of(0, 200), HUB_OUT_OK);
    assert_int_equal(hub_outcome_of(0, 202), HUB_OUT_OK);
    assert_int_equal(hub_outcome_of(0, 400), HUB_OUT_POISON);
    assert_int_equal(hub_outcome_of(0, 422), HUB_OUT_POISON);
    assert_int_equal(hub_outcome_of(0, 408), HUB_OUT_RETRY);
    assert_int_equal(hub_outcome_of(0, 429), HUB_OUT_RETRY);
    assert_int_equal(hub_outcome_of(0, 503), HUB_OUT_RETRY);
    assert_int_equal(hub_outcome_of(1, 0), HUB_OUT_RETRY);
    assert_int_equal(hub_outcome_of(0, 301), HUB_OUT_RETRY);
}

static void test_breaker(void **state)
{
    (void)state;
    hub_breaker b = {0};
    int changed = 0;
    int64_t now = 1000;
    assert_true(hub_breaker_allow(&b, now, 500, &changed) > 1);
    assert_false(hub_breaker_result(&b, 0, now, 3));
    assert_false(hub_breaker_result(&b, 0, now, 3));
    assert_true(hub_breaker_result(&b, 0, now, 3)); /* third failure opens */
    assert_int_equal(b.state, HUB_BREAKER_OPEN);
    assert_int_equal(hub_breaker_allow(&b, now + 499, 500, &changed), 0);
    assert_int_equal(hub_breaker_allow(&b, now + 500, 500, &changed), 1);
    assert_true(changed);
    assert_int_equal(b.state, HUB_BREAKER_HALF_OPEN);
    hub_breaker_started(&b);
    assert_int_equal(hub_breaker_allow(&b, now + 501, 500, &changed), 0); /* one probe */
    assert_true(hub_breaker_result(&b, 0, now + 600, 3));                  /* probe failed */
    assert_int_equal(b.state, HUB_BREAKER_OPEN);
    assert_int_equal(hub_breaker_allow(&b, now + 1100, 500, &changed), 1);
    hub_breaker_started(&b);
    assert_true(hub_breaker_result(&b, 1, now + 1150, 3)); /* probe succeeded */
    assert_int_equal(b.state, HUB_BREAKER_CLOSED);
    assert_false(hub_breaker_result(&b, 0, now + 1200, 3)); /* the count restarted */
}

static void test_urls(void **state)
{
    (void)state;
    char out[600];
    assert_int_equal(hub_target_url("http://epj/fhir/", "message", out, sizeof out), KN_OK);
    assert_string_equal(out, "http://epj/fhir/$process-message");
    assert_int_equal(hub_target_url("http://epj/fhir", "Composition", out, sizeof out), KN_OK);
    assert_string_equal(out, "http://epj/fhir/Composition");
    store_hub_message m = {.id = "abc", .receiver = "939000011", .kind = "message"};
    assert_int_equal(hub_ack_url("https://knute.example/", &m, out, sizeof out), KN_OK);
    assert_string_equal(out, "https://knute.example/epj/r4/939000011/Bundle/abc/$journaling-acknowledged");
    assert_int_equal(hub_target_url("http://epj", "message", out, 10), KN_ETOOLARGE);
}

/* ---- store ops ---- */

typedef struct fixture {
    store *st;
    char path[512];
    char dest[33];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_int_equal(test_store_new(&f->st, f->path, sizeof f->path), KN_OK);
    store_org org = {.orgnr = "939000011", .kind = STORE_ORG_MUNICIPALITY, .name = "Knutby"};
    assert_int_equal(f->st->ops->org_put(f->st, &org, NULL), KN_OK);
    store_hub_dest d = {.receiver = "939000011", .name = "epj", .mode = DEST_PUSH,
                        .url = "http://127.0.0.1:9/fhir", .max_concurrency = 2,
                        .max_attempts = 2, .backoff_base_ms = 10, .backoff_max_ms = 100};
    assert_int_equal(f->st->ops->outbox->dest_put(f->st, &d, NULL, NULL), KN_OK);
    memcpy(f->dest, d.id, sizeof f->dest);
    store_hub_route r = {.receiver = "939000011", .event = "*"};
    memcpy(r.dest_id, d.id, sizeof r.dest_id);
    assert_int_equal(f->st->ops->outbox->route_put(f->st, &r, NULL, NULL), KN_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    test_store_destroy(f->st, f->path);
    free(f);
    return 0;
}

static void put_message(store *st, const char *key, const char *patient, char id_out[33])
{
    store_hub_message m = {.receiver = "939000011", .sender_client = "c1", .kind = "message",
                           .event = "MedicationDispense", .status = HUB_REGISTERED};
    snprintf(m.idem_key, sizeof m.idem_key, "%s", key);
    snprintf(m.patient_key, sizeof m.patient_key, "%s", patient);
    m.body = "{\"resourceType\":\"Bundle\"}";
    m.body_len = strlen(m.body);
    int dup = 0;
    store_audit ev = {.actor_kind = "system", .action = "hub.intake", .outcome = "ok"};
    store_waiter w;
    store_waiter_init(&w);
    assert_int_equal(st->ops->hub->message_put_async(st, &m, &dup, &ev, store_waiter_done, &w, NULL),
                     KN_OK);
    assert_int_equal(store_waiter_wait(&w, NULL), KN_OK);
    memcpy(id_out, m.id, 33);
}

static size_t due(fixture *f, int64_t now, store_hub_delivery **list)
{
    size_t n = 0;
    assert_int_equal(f->st->ops->outbox->delivery_due(f->st, f->dest, now, 10, list, &n, NULL), KN_OK);
    return n;
}

static void attempt(fixture *f, const store_hub_delivery *d, int success, int dead, int64_t next_at)
{
    store_hub_attempt a = {.n = d->attempts + 1, .started_at = kn_now_ms(),
                           .http_status = success ? 200 : 503};
    memcpy(a.delivery_id, d->id, sizeof a.delivery_id);
    if (!success)
        snprintf(a.error, sizeof a.error, "HTTP 503");
    assert_int_equal(f->st->ops->outbox->delivery_result(f->st, d, &a, success, dead, next_at, NULL,
                                                         NULL),
                     KN_OK);
}

static void test_route_and_order(void **state)
{
    fixture *f = *state;
    char a1[33], a2[33], b1[33], n1[33];
    put_message(f->st, "k-a1", "patA", a1);
    put_message(f->st, "k-b1", "patB", b1);
    put_message(f->st, "k-a2", "patA", a2);
    put_message(f->st, "k-n1", "", n1);
    size_t routed = 0;
    assert_int_equal(f->st->ops->outbox->route_messages(f->st, 100, &routed, NULL), KN_OK);
    assert_int_equal(routed, 4);
    assert_int_equal(f->st->ops->outbox->route_messages(f->st, 100, &routed, NULL), KN_OK);
    assert_int_equal(routed, 0); /* each message routed once */
    int64_t now = kn_now_ms() + 1000;
    store_hub_delivery *list = NULL;
    size_t n = due(f, now, &list);
    assert_int_equal(n, 3); /* a1, b1, n1: a2 waits behind a1 */
    assert_string_equal(list[0].message_id, a1);
    assert_string_equal(list[1].message_id, b1);
    assert_string_equal(list[2].message_id, n1);
    /* a1 fails and waits: a2 still waits (order), then a1 dies: a2 is released */
    store_hub_delivery d_a1 = list[0];
    attempt(f, &d_a1, 0, 0, now + 60000);
    free(list);
    n = due(f, now, &list);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(list[i].message_id, a2);
    free(list);
    d_a1.attempts = 1;
    attempt(f, &d_a1, 0, 1, 0);
    n = due(f, now, &list);
    assert_int_equal(n, 3);
    assert_string_equal(list[1].message_id, a2); /* delivery order: b1, a2, n1 */
    free(list);
    store_hub_message m;
    assert_int_equal(f->st->ops->hub->message_get(f->st, a1, 0, &m, NULL), KN_OK);
    assert_int_equal(m.status, HUB_FAILED);
    store_hub_message_free(&m);
    /* dead list, attempts, requeue */
    store_hub_delivery *dead = NULL;
    assert_int_equal(f->st->ops->outbox->dead_list(f->st, "939000011", 0, 10, &dead, &n, NULL), KN_OK);
    assert_int_equal(n, 1);
    store_hub_attempt *att = NULL;
    size_t na = 0;
    assert_int_equal(f->st->ops->outbox->attempt_list(f->st, dead[0].id, &att, &na, NULL), KN_OK);
    assert_int_equal(na, 2);
    assert_int_equal(att[1].n, 2);
    free(att);
    assert_int_equal(f->st->ops->outbox->delivery_requeue(f->st, dead[0].id, "{}", 2, NULL, NULL), KN_OK);
    assert_int_equal(f->st->ops->outbox->delivery_requeue(f->st, dead[0].id, NULL, 0, NULL, NULL),
                     KN_ECONFLICT);
    free(dead);
    assert_int_equal(f->st->ops->hub->message_get(f->st, a1, 1, &m, NULL), KN_OK);
    assert_int_equal(m.status, HUB_REGISTERED);
    assert_string_equal(m.body, "{}");
    store_hub_message_free(&m);
    /* a1 is pending again and older than a2: a2 waits behind it again */
    n = due(f, kn_now_ms() + 1000, &list);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(list[i].message_id, a2);
    free(list);
}

/* The due read stops at `limit` heads; later rows of a patient are never
 * heads, however many there are, and a head in backoff still holds its
 * patient's later rows back. */
static void test_due_limit_and_heads(void **state)
{
    fixture *f = *state;
    char ids[8][33];
    const char *pats[8] = {"patX", "patX", "patX", "patY", "patX", "patZ", "patY", "patW"};
    for (int i = 0; i < 8; i++) {
        char key[16];
        snprintf(key, sizeof key, "k-lim%d", i);
        put_message(f->st, key, pats[i], ids[i]);
    }
    size_t routed = 0;
    assert_int_equal(f->st->ops->outbox->route_messages(f->st, 100, &routed, NULL), KN_OK);
    assert_int_equal(routed, 8);
    int64_t now = kn_now_ms() + 1000;
    store_hub_delivery *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->outbox->delivery_due(f->st, f->dest, now, 2, &list, &n, NULL),
                     KN_OK);
    assert_int_equal(n, 2); /* X0, Y3 */
    assert_string_equal(list[0].message_id, ids[0]);
    assert_string_equal(list[1].message_id, ids[3]);
    store_hub_delivery x0 = list[0];
    free(list);
    n = due(f, now, &list);
    assert_int_equal(n, 4); /* X0, Y3, Z5, W7 */
    assert_string_equal(list[2].message_id, ids[5]);
    assert_string_equal(list[3].message_id, ids[7]);
    free(list);
    /* X0 waits in backoff: X's later rows stay behind it, the rest go on */
    attempt(f, &x0, 0, 0, now + 60000);
    n = due(f, now, &list);
    assert_int_equal(n, 3); /* Y3, Z5, W7 */
    assert_string_equal(list[0].message_id, ids[3]);
    free(list);
}

static void test_success_delivers(void **state)
{
    fixture *f = *state;
    char id[33];
    put_message(f->st, "k-s1", "patS", id);
    size_t routed = 0;
    assert_int_equal(f->st->ops->outbox->route_messages(f->st, 100, &routed, NULL), KN_OK);
    store_hub_delivery *list = NULL;
    size_t n = due(f, kn_now_ms() + 1000, &list);
    assert_int_equal(n, 1);
    attempt(f, &list[0], 1, 0, 0);
    store_hub_message m;
    assert_int_equal(f->st->ops->hub->message_get(f->st, id, 0, &m, NULL), KN_OK);
    assert_int_equal(m.status, HUB_DELIVERED);
    store_hub_message_free(&m);
    /* a result for a delivery that is no longer pending is a conflict */
    store_hub_attempt a = {.n = 2};
    memcpy(a.delivery_id, list[0].id, sizeof a.delivery_id);
    assert_int_equal(f->st->ops->outbox->delivery_result(f->st, &list[0], &a, 1, 0, 0, NULL, NULL),
                     KN_ECONFLICT);
    free(list);
    int64_t pending = -1, dead = -1, unrouted = -1;
    assert_int_equal(f->st->ops->outbox->counts(f->st, &pending, &dead, &unrouted, NULL), KN_OK);
    assert_int_equal(pending, 0);
    assert_int_equal(unrouted, 0);
}

static void test_route_needs_own_dest(void **state)
{
    fixture *f = *state;
    store_hub_route r = {.receiver = "939000038", .event = "*"};
    memcpy(r.dest_id, f->dest, sizeof r.dest_id);
    assert_int_equal(f->st->ops->outbox->route_put(f->st, &r, NULL, NULL), KN_EINVAL);
}

int main(void)
{
    kn_util_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_bounds),
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_breaker),
        cmocka_unit_test(test_urls),
        cmocka_unit_test_setup_teardown(test_route_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_due_limit_and_heads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_success_delivers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_needs_own_dest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
