/* test_store_util.h - helpers shared by the store unit tests (test_store*.c):
 * opening a (migrated) store, a per-test fixture store, sample records, and
 * running a function on many threads at once. Paths come from test_support.h.
 * Include after <cmocka.h>.
 */
#ifndef KN_TEST_STORE_UTIL_H
#define KN_TEST_STORE_UTIL_H

#include "core/core_util.h"
#include "store/store.h"
#include "test_support.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline store *tu_open(const char *path, int migrate, int max_batch)
{
    store_options opts = {.url = path, .group_commit_max_batch = max_batch};
    store *st = NULL;
    kn_err err;
    kn_err_clear(&err);
    int rc = store_open(&opts, &st, &err);
    if (rc != KN_OK)
        fprintf(stderr, "store_open: %s\n", err.msg);
    assert_int_equal(rc, KN_OK);
    if (migrate) {
        int applied = -1;
        rc = st->ops->migrate(st, &applied, &err);
        if (rc != KN_OK)
            fprintf(stderr, "migrate: %s\n", err.msg);
        assert_int_equal(rc, KN_OK);
    }
    return st;
}

/* A fresh migrated store per test: cmocka setup/teardown pair. */
typedef struct tu_fixture {
    char path[PATH_MAX];
    store *st;
} tu_fixture;

static inline int tu_setup(void **state)
{
    tu_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_db_path(f->path, sizeof f->path, "fixture");
    f->st = tu_open(f->path, 1, 0);
    *state = f;
    return 0;
}

static inline int tu_teardown(void **state)
{
    tu_fixture *f = *state;
    test_store_destroy(f->st, f->path);
    free(f);
    return 0;
}

static inline store *tu_store(void **state)
{
    return ((tu_fixture *)*state)->st;
}

static inline store_citizen tu_citizen(const char *municipality, int n)
{
    store_citizen c;
    memset(&c, 0, sizeof c);
    kn_strcpy(c.municipality, sizeof c.municipality, municipality);
    snprintf(c.nin, sizeof c.nin, "%011d", n);
    snprintf(c.given_name, sizeof c.given_name, "Given%d", n);
    snprintf(c.family_name, sizeof c.family_name, "Family%05d", n);
    kn_strcpy(c.address, sizeof c.address, "Storgata 1");
    kn_strcpy(c.phone, sizeof c.phone, "+4712345678");
    return c;
}

static inline store_audit tu_audit(const char *action, const char *actor_id)
{
    store_audit a;
    memset(&a, 0, sizeof a);
    kn_strcpy(a.actor_kind, sizeof a.actor_kind, "user");
    kn_strcpy(a.actor_id, sizeof a.actor_id, actor_id);
    kn_strcpy(a.action, sizeof a.action, action);
    kn_strcpy(a.object_type, sizeof a.object_type, "citizen");
    kn_strcpy(a.outcome, sizeof a.outcome, "ok");
    return a;
}

/* Create sample citizen n of municipality with its "citizen.create" audit
 * event; out (may be NULL) receives the stored row. Returns the store's status. */
static inline int tu_add_citizen(store *st, const char *municipality, int n, store_citizen *out)
{
    store_citizen c = tu_citizen(municipality, n);
    store_audit a = tu_audit("citizen.create", "actor1");
    int rc = st->ops->citizen_create(st, &c, &a, NULL);
    if (out)
        *out = c;
    return rc;
}

/* Run fn(i, arg) on n threads that start together. */
typedef void (*tu_thread_fn)(int i, void *arg);

typedef struct tu_thread {
    int i;
    tu_thread_fn fn;
    void *arg;
    pthread_barrier_t *barrier;
} tu_thread;

static inline void *tu_thread_main(void *p)
{
    tu_thread *t = p;
    pthread_barrier_wait(t->barrier);
    t->fn(t->i, t->arg);
    return NULL;
}

static inline void tu_run_threads(int n, tu_thread_fn fn, void *arg)
{
    pthread_t *ids = calloc((size_t)n, sizeof *ids);
    tu_thread *ts = calloc((size_t)n, sizeof *ts);
    pthread_barrier_t barrier;
    assert_non_null(ids);
    assert_non_null(ts);
    pthread_barrier_init(&barrier, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        ts[i] = (tu_thread){i, fn, arg, &barrier};
        assert_int_equal(pthread_create(&ids[i], NULL, tu_thread_main, &ts[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(ids[i], NULL);
    pthread_barrier_destroy(&barrier);
    free(ids);
    free(ts);
}

#endif
