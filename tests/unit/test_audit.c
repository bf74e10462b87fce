/* test_audit.c - the audit domain (audit.h) over a real SQLite store: how
 * events are built, and that audit_query lets an auditor read only the
 * municipalities where they hold the role (plus events outside any
 * municipality), merged by seq, filtered and paged with after/last_seq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "core/core_util.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUNI_A "939000011"
#define MUNI_B "939000038"
#define MUNI_C "939000054"

struct fixture {
    store *st;
    char path[512];
    int64_t seq[8]; /* seq of each appended event, in append order */
    size_t nseq;
};

/* Append an event and remember its seq (the newest event with that request id). */
static void append(struct fixture *f, const char *action, const char *municipality)
{
    auth_principal actor = test_principal(AUTH_PRINCIPAL_USER, "0123456789abcdef0123456789abcdef");
    char rid[16];
    snprintf(rid, sizeof rid, "r%zu", f->nseq);
    store_audit ev;
    audit_event_init(&ev, &actor, action, municipality, "citizen", NULL, rid, "ok");
    assert_int_equal(f->st->ops->audit_append(f->st, &ev, NULL), KN_OK);
    store_audit_filter all = {NULL, NULL, NULL, 0, 1000};
    store_audit *list = NULL;
    size_t n = 0;
    assert_int_equal(f->st->ops->audit_list(f->st, &all, &list, &n, NULL), KN_OK);
    assert_true(n > 0);
    assert_string_equal(list[n - 1].request_id, rid);
    f->seq[f->nseq++] = list[n - 1].seq;
    free(list);
}

/* Events 0..6: A, B, none (login), A, C, B, none. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || test_store_new(&f->st, f->path, sizeof f->path) != KN_OK)
        return -1;
    append(f, "citizen.read", MUNI_A);
    append(f, "citizen.read", MUNI_B);
    append(f, "auth.login", NULL);
    append(f, "citizen.list", MUNI_A);
    append(f, "citizen.read", MUNI_C);
    append(f, "citizen.list", MUNI_B);
    append(f, "auth.login", "");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    test_store_destroy(f->st, f->path);
    free(f);
    return 0;
}

/* Run a query that must succeed; check the events are exactly f->seq[want[i]]. */
static void expect(struct fixture *f, const auth_principal *p, const audit_query_params *q,
                   const size_t *want, size_t nwant, int64_t *last_out)
{
    store_audit *list = NULL;
    size_t n = 99;
    int64_t last = -1;
    kn_err err;
    assert_int_equal(audit_query(f->st, p, q, &list, &n, &last, &err), KN_OK);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(list[i].seq, f->seq[want[i]]);
    assert_int_equal(last, n ? list[n - 1].seq : q->after_seq);
    if (last_out)
        *last_out = last;
    free(list);
}

static void expect_status(struct fixture *f, const auth_principal *p, const audit_query_params *q,
                          int status)
{
    store_audit *list = (store_audit *)1;
    size_t n = 99;
    int64_t last = -1;
    kn_err err;
    assert_int_equal(audit_query(f->st, p, q, &list, &n, &last, &err), status);
    assert_int_equal(err.status, status);
    assert_null(list);
    assert_int_equal(n, 0);
}

static void test_event_init(void **state)
{
    (void)state;
    store_audit ev;
    memset(&ev, 0x5a, sizeof ev);
    int64_t before = kn_now_ms();
    auth_principal u = test_principal(AUTH_PRINCIPAL_USER, "0123456789abcdef0123456789abcdef");
    audit_event_init(&ev, &u, "citizen.read", MUNI_A, "citizen", "fedcba9876543210fedcba9876543210",
                     "req-1", "ok");
    assert_int_equal(ev.seq, 0);
    assert_true(ev.at_ms >= before && ev.at_ms <= kn_now_ms());
    assert_string_equal(ev.actor_kind, "user");
    assert_string_equal(ev.actor_id, u.id);
    assert_string_equal(ev.action, "citizen.read");
    assert_string_equal(ev.municipality, MUNI_A);
    assert_string_equal(ev.object_type, "citizen");
    assert_string_equal(ev.object_id, "fedcba9876543210fedcba9876543210");
    assert_string_equal(ev.request_id, "req-1");
    assert_string_equal(ev.outcome, "ok");

    auth_principal c = test_principal(AUTH_PRINCIPAL_CLIENT, "00000000000000000000000000000001");
    audit_event_init(&ev, &c, "citizen.list", NULL, NULL, NULL, NULL, "denied");
    assert_string_equal(ev.actor_kind, "client");
    assert_string_equal(ev.actor_id, c.id);
    assert_string_equal(ev.municipality, "");
    assert_string_equal(ev.object_type, "");
    assert_string_equal(ev.object_id, "");
    assert_string_equal(ev.request_id, "");
    assert_string_equal(ev.outcome, "denied");

    audit_event_init(&ev, NULL, "store.migrate", NULL, NULL, NULL, NULL, NULL);
    assert_string_equal(ev.actor_kind, "system");
    assert_string_equal(ev.actor_id, "");
    assert_string_equal(ev.outcome, "");

    char longer[100];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    audit_event_init(&ev, NULL, longer, NULL, NULL, NULL, longer, "ok");
    assert_int_equal(strlen(ev.action), sizeof ev.action - 1);
    assert_int_equal(strlen(ev.request_id), sizeof ev.request_id - 1);
}

static void test_auditor_of_one_municipality(void **state)
{
    struct fixture *f = *state;
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    test_grant(&p, MUNI_A, AUTH_ROLE_AUDITOR);
    test_grant(&p, MUNI_C, AUTH_ROLE_NURSE | AUTH_ROLE_ADMIN); /* no auditor role at C */
    audit_query_params q = {.limit = 100};
    const size_t mine[] = {0, 2, 3, 6}; /* A and the municipality-less events */
    expect(f, &p, &q, mine, 4, NULL);

    q.municipality = MUNI_A;
    const size_t only_a[] = {0, 3};
    expect(f, &p, &q, only_a, 2, NULL);

    q.municipality = MUNI_B; /* no grant at all */
    expect_status(f, &p, &q, KN_EFORBIDDEN);
    q.municipality = MUNI_C; /* a grant, but not as auditor */
    expect_status(f, &p, &q, KN_EFORBIDDEN);
}

static void test_merged_by_seq_and_filtered(void **state)
{
    struct fixture *f = *state;
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    test_grant(&p, MUNI_B, AUTH_ROLE_AUDITOR);
    test_grant(&p, MUNI_A, AUTH_ROLE_AUDITOR | AUTH_ROLE_ADMIN);
    audit_query_params q = {.limit = 1000};
    const size_t merged[] = {0, 1, 2, 3, 5, 6}; /* everything but C, oldest first */
    expect(f, &p, &q, merged, 6, NULL);

    q.action = "citizen.list";
    const size_t lists[] = {3, 5};
    expect(f, &p, &q, lists, 2, NULL);

    q.action = NULL;
    q.actor_id = "0123456789abcdef0123456789abcdef";
    expect(f, &p, &q, merged, 6, NULL);
    q.actor_id = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    expect(f, &p, &q, NULL, 0, NULL);
}

static void test_paging(void **state)
{
    struct fixture *f = *state;
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    test_grant(&p, MUNI_A, AUTH_ROLE_AUDITOR);
    test_grant(&p, MUNI_B, AUTH_ROLE_AUDITOR);
    audit_query_params q = {.limit = 2};
    int64_t last = 0;
    const size_t page1[] = {0, 1}, page2[] = {2, 3}, page3[] = {5, 6};
    expect(f, &p, &q, page1, 2, &last);
    q.after_seq = last;
    expect(f, &p, &q, page2, 2, &last);
    q.after_seq = last;
    expect(f, &p, &q, page3, 2, &last);
    q.after_seq = last;
    int64_t end = last;
    expect(f, &p, &q, NULL, 0, &last);
    assert_int_equal(last, end); /* an empty page keeps the cursor: polling resumes there */

    q.municipality = MUNI_B;
    q.after_seq = f->seq[1];
    const size_t later_b[] = {5};
    expect(f, &p, &q, later_b, 1, NULL);
}

static void test_access_and_arguments(void **state)
{
    struct fixture *f = *state;
    audit_query_params q = {.limit = 10};
    auth_principal worker = test_principal(AUTH_PRINCIPAL_USER, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    test_grant(&worker, MUNI_A, AUTH_ROLE_CASE_WORKER | AUTH_ROLE_ADMIN);
    expect_status(f, &worker, &q, KN_EFORBIDDEN); /* not even logins without the role */
    expect_status(f, NULL, &q, KN_EFORBIDDEN);

    auth_principal client = test_principal(AUTH_PRINCIPAL_CLIENT, "cccccccccccccccccccccccccccccccc");
    test_grant(&client, MUNI_A, AUTH_ROLE_AUDITOR);
    kn_strcpy(client.scopes, sizeof client.scopes, "knute/citizens.read");
    expect_status(f, &client, &q, KN_EFORBIDDEN); /* scope missing */
    kn_strcpy(client.scopes, sizeof client.scopes, "knute/citizens.read " AUDIT_SCOPE_READ);
    const size_t mine[] = {0, 2, 3, 6};
    expect(f, &client, &q, mine, 4, NULL);

    q.limit = 0;
    expect_status(f, &client, &q, KN_EINVAL);
    q.limit = AUDIT_PAGE_MAX + 1;
    expect_status(f, &client, &q, KN_EINVAL);
    q.limit = 10;
    q.after_seq = -1;
    expect_status(f, &client, &q, KN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_init),
        cmocka_unit_test_setup_teardown(test_auditor_of_one_municipality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merged_by_seq_and_filtered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_and_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
