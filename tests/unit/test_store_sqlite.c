/* test_store_sqlite.c - the SQLite engine underneath the store ops: group
 * commit (isolation of failing jobs, batch cap, lost transactions), readers not
 * blocked by an open write transaction, close draining the queue, migrations,
 * backup and the durability pragmas. Uses the private header to hold the writer
 * thread still so batches are formed deterministically.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* after the three above, which it needs */

#include "test_store_util.h"

#include "core/core_log.h"
#include "store/store_sqlite_int.h"

#include <sqlite3.h>
#include <stdio.h>

/* ---- holding the writer: an "alone" job that waits for a condition ---- */

typedef struct blocker {
    sq_store *s;
    size_t want;    /* release when this many jobs are queued... */
    int until_stop; /* ...or when store_close has begun */
    int running;
    int timed_out;
    pthread_t thread;
} blocker;

static size_t queued(sq_store *s, int *stopping)
{
    size_t n = 0;
    pthread_mutex_lock(&s->q_mu);
    for (sq_job *j = s->head; j; j = j->next)
        n++;
    if (stopping)
        *stopping = s->stopping;
    pthread_mutex_unlock(&s->q_mu);
    return n;
}

static int block_fn(sq_conn *c, void *arg, kn_err *err)
{
    blocker *b = arg;
    __atomic_store_n(&b->running, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 20000; i++) {
        int stopping = 0;
        size_t n = queued(b->s, &stopping);
        if (b->until_stop ? stopping : n >= b->want)
            return KN_OK;
        usleep(1000);
    }
    b->timed_out = 1;
    return KN_OK;
}

static void *blocker_main(void *arg)
{
    blocker *b = arg;
    sq_write_alone(b->s, block_fn, b, NULL);
    return NULL;
}

static void blocker_start(blocker *b, store *st, size_t want, int until_stop)
{
    *b = (blocker){.s = SQ(st), .want = want, .until_stop = until_stop};
    assert_int_equal(pthread_create(&b->thread, NULL, blocker_main, b), 0);
    while (!__atomic_load_n(&b->running, __ATOMIC_SEQ_CST))
        usleep(500);
}

static void blocker_join(blocker *b)
{
    pthread_join(b->thread, NULL);
    assert_int_equal(b->timed_out, 0);
}

/* The first row of sql run on a read-only connection to path; the caller
 * reads it, then closes both with sql_done(). */
static sqlite3_stmt *sql_row(const char *path, const char *sql, sqlite3 **db)
{
    sqlite3_stmt *st = NULL;
    *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(*db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    return st;
}

static void sql_done(sqlite3 *db, sqlite3_stmt *st)
{
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st = sql_row(path, sql, &db);
    int64_t v = sqlite3_column_int64(st, 0);
    sql_done(db, st);
    return v;
}

static void sql_text(const char *path, const char *sql, char *out, size_t size)
{
    sqlite3 *db;
    sqlite3_stmt *st = sql_row(path, sql, &db);
    snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sql_done(db, st);
}

/* ---- group commit ---- */

typedef struct create_arg {
    store *st;
    int status[64];
} create_arg;

/* Run fn on n threads while a blocker holds the writer until all n jobs are
 * queued, so they are released to it together. */
static void run_queued(store *st, int n, tu_thread_fn fn, create_arg *a)
{
    blocker b;
    blocker_start(&b, st, (size_t)n, 0);
    *a = (create_arg){.st = st};
    tu_run_threads(n, fn, a);
    blocker_join(&b);
}

/* Threads 40..49 reuse the NIN of threads 0..9. */
static void create_maybe_dup(int i, void *p)
{
    create_arg *a = p;
    a->status[i] = tu_add_citizen(a->st, "964338531", i < 40 ? i : i - 40, NULL);
}

static void test_failing_job_spares_batch(void **state)
{
    store *st = tu_store(state);
    int64_t before = SQ(st)->commits;
    create_arg a;
    run_queued(st, 50, create_maybe_dup, &a);
    assert_int_equal(SQ(st)->commits, before + 1); /* all 50 in one transaction */
    for (int i = 10; i < 40; i++)
        assert_int_equal(a.status[i], KN_OK);
    for (int i = 0; i < 10; i++) {
        int ok = (a.status[i] == KN_OK) + (a.status[i + 40] == KN_OK);
        int conflict = (a.status[i] == KN_ECONFLICT) + (a.status[i + 40] == KN_ECONFLICT);
        assert_int_equal(ok, 1);
        assert_int_equal(conflict, 1);
    }
    int64_t count = 0;
    kn_err err;
    assert_int_equal(st->ops->citizen_count(st, "964338531", &count, &err), KN_OK);
    assert_int_equal(count, 40);
    store_audit_filter f = {.limit = 1000};
    store_audit *ev = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->audit_list(st, &f, &ev, &n, &err), KN_OK);
    assert_int_equal(n, 40); /* no audit event for the rejected duplicates */
    free(ev);
}

static void create_unique(int i, void *p)
{
    create_arg *a = p;
    a->status[i] = tu_add_citizen(a->st, "964338531", 1000 + i, NULL);
}

static void test_batch_cap(void **state)
{
    (void)state;
    char path[PATH_MAX];
    test_db_path(path, sizeof path, "cap");
    store *st = tu_open(path, 1, 4);
    int64_t before = SQ(st)->commits;
    create_arg a;
    run_queued(st, 10, create_unique, &a);
    for (int i = 0; i < 10; i++)
        assert_int_equal(a.status[i], KN_OK);
    assert_int_equal(SQ(st)->commits, before + 3); /* 4 + 4 + 2 */
    store_close(st);
    test_db_remove(path);
}

/* Simulates SQLite abandoning the transaction inside a job (as on SQLITE_FULL). */
static int lose_transaction(sq_conn *c, void *arg, kn_err *err)
{
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return KN_OK;
}

/* Thread i puts supplier <prefix><i>, except thread `odd`, which writes job. */
static void put_org_or_job(create_arg *a, int i, const char *prefix, int odd, sq_fn job)
{
    if (i == odd) {
        a->status[i] = sq_write(SQ(a->st), job, NULL, NULL);
        return;
    }
    store_org org = {.kind = STORE_ORG_SUPPLIER, .name = "Leverandør"};
    snprintf(org.orgnr, sizeof org.orgnr, "%s%d", prefix, i);
    a->status[i] = a->st->ops->org_put(a->st, &org, NULL);
}

static void put_org_or_lose(int i, void *p)
{
    put_org_or_job(p, i, "90000000", 2, lose_transaction);
}

static void test_lost_transaction_fails_batch(void **state)
{
    store *st = tu_store(state);
    create_arg a;
    run_queued(st, 5, put_org_or_lose, &a);
    for (int i = 0; i < 5; i++)
        assert_int_equal(a.status[i], KN_EIO);
    kn_err err;
    store_org *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->org_list(st, &list, &n, &err), KN_OK);
    assert_int_equal(n, 0);
    free(list);
    store_org org = {"900000009", STORE_ORG_SUPPLIER, "Etterpå", 0};
    assert_int_equal(st->ops->org_put(st, &org, &err), KN_OK); /* the writer recovered */
}

/* A job that writes, then fails: its savepoint must take the write back. */
static int insert_then_fail(sq_conn *c, void *arg, kn_err *err)
{
    int rc = sqlite3_exec(c->db, "INSERT INTO organisations VALUES ('900000003', 2, 'x', 0)", NULL,
                          NULL, NULL);
    return rc == SQLITE_OK ? kn_err_set(err, KN_ECONFLICT, "simulated") : KN_EIO;
}

static void put_org_or_fail(int i, void *p)
{
    put_org_or_job(p, i, "91000000", 3, insert_then_fail);
}

static void test_failed_job_rolled_back(void **state)
{
    store *st = tu_store(state);
    int64_t before = SQ(st)->commits;
    create_arg a;
    run_queued(st, 6, put_org_or_fail, &a);
    assert_int_equal(SQ(st)->commits, before + 1);
    kn_err err;
    store_org got;
    for (int i = 0; i < 6; i++) {
        char orgnr[16];
        snprintf(orgnr, sizeof orgnr, "91000000%d", i);
        assert_int_equal(a.status[i], i == 3 ? KN_ECONFLICT : KN_OK);
        assert_int_equal(st->ops->org_get(st, orgnr, &got, &err), i == 3 ? KN_ENOTFOUND : KN_OK);
    }
    assert_int_equal(st->ops->org_get(st, "900000003", &got, &err), KN_ENOTFOUND);
}

/* ---- readers and the writer ---- */

typedef struct hold_arg {
    int inserted;
    int release;
} hold_arg;

static int insert_and_hold(sq_conn *c, void *arg, kn_err *err)
{
    hold_arg *h = arg;
    int rc = sqlite3_exec(c->db, "INSERT INTO organisations VALUES ('900000002', 2, 'x', 0)", NULL,
                          NULL, NULL);
    __atomic_store_n(&h->inserted, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&h->release, __ATOMIC_SEQ_CST))
        usleep(500);
    return rc == SQLITE_OK ? KN_OK : KN_EIO;
}

typedef struct hold_thread {
    store *st;
    hold_arg h;
    int status;
} hold_thread;

static void *hold_main(void *p)
{
    hold_thread *t = p;
    t->status = sq_write(SQ(t->st), insert_and_hold, &t->h, NULL);
    return NULL;
}

static void test_readers_not_blocked(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_org org = {"900000001", STORE_ORG_SUPPLIER, "Committed", 0};
    assert_int_equal(st->ops->org_put(st, &org, &err), KN_OK);
    hold_thread t = {.st = st};
    pthread_t id;
    assert_int_equal(pthread_create(&id, NULL, hold_main, &t), 0);
    while (!__atomic_load_n(&t.h.inserted, __ATOMIC_SEQ_CST))
        usleep(500);
    /* The write transaction is open and holds an uncommitted row. */
    store_org got;
    assert_int_equal(st->ops->org_get(st, "900000001", &got, &err), KN_OK);
    assert_int_equal(st->ops->org_get(st, "900000002", &got, &err), KN_ENOTFOUND);
    __atomic_store_n(&t.h.release, 1, __ATOMIC_SEQ_CST);
    pthread_join(id, NULL);
    assert_int_equal(t.status, KN_OK);
    assert_int_equal(st->ops->org_get(st, "900000002", &got, &err), KN_OK);
}

/* ---- close ---- */

typedef struct drain_thread {
    store *st;
    int i;
    int status;
} drain_thread;

static void *drain_main(void *p)
{
    drain_thread *t = p;
    t->status = tu_add_citizen(t->st, "964338531", t->i, NULL);
    return NULL;
}

static void test_close_drains_queue(void **state)
{
    (void)state;
    char path[PATH_MAX];
    test_db_path(path, sizeof path, "drain");
    store *st = tu_open(path, 1, 0);
    blocker b;
    blocker_start(&b, st, 0, 1);
    drain_thread t[20];
    pthread_t ids[20];
    for (int i = 0; i < 20; i++) {
        t[i] = (drain_thread){st, i, -999};
        assert_int_equal(pthread_create(&ids[i], NULL, drain_main, &t[i]), 0);
    }
    while (queued(SQ(st), NULL) < 20)
        usleep(500);
    store_close(st); /* the 20 writes are still queued behind the blocker */
    blocker_join(&b);
    for (int i = 0; i < 20; i++) {
        pthread_join(ids[i], NULL);
        assert_int_equal(t[i].status, KN_OK);
    }
    assert_int_equal(sql_int(path, "SELECT count(*) FROM citizens"), 20);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM audit_events"), 20);
    test_db_remove(path);
}

/* ---- migrations ---- */

static void test_migrations(void **state)
{
    (void)state;
    char path[PATH_MAX];
    test_db_path(path, sizeof path, "migrate");
    store *st = tu_open(path, 0, 0);
    kn_err err;
    store_migration *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->migration_status(st, &list, &n, &err), KN_OK);
    assert_true(n >= 1);
    assert_int_equal(list[0].version, 1);
    assert_string_equal(list[0].name, "initial");
    for (size_t i = 0; i < n; i++)
        assert_int_equal(list[i].applied, 0);
    size_t known = n;
    free(list);
    int64_t count;
    assert_int_equal(st->ops->citizen_count(st, NULL, &count, &err), KN_EIO); /* no tables */

    int applied = -1;
    assert_int_equal(st->ops->migrate(st, &applied, &err), KN_OK);
    assert_int_equal(applied, (int)known);
    assert_int_equal(st->ops->migration_status(st, &list, &n, &err), KN_OK);
    assert_int_equal(n, known);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list[i].applied, 1);
        assert_true(llabs(list[i].applied_at - kn_now_s()) < 60);
    }
    free(list);
    assert_int_equal(st->ops->citizen_count(st, NULL, &count, &err), KN_OK);
    assert_int_equal(st->ops->migrate(st, &applied, &err), KN_OK);
    assert_int_equal(applied, 0); /* idempotent */
    store_close(st);

    st = tu_open(path, 0, 0);
    assert_int_equal(st->ops->migrate(st, &applied, &err), KN_OK);
    assert_int_equal(applied, 0);
    store_close(st);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM schema_migrations"), (int64_t)known);
    test_db_remove(path);
}

/* ---- backup ---- */

static void create_during_backup(int i, void *p)
{
    store *st = p;
    for (int k = 0; k < 50; k++)
        tu_add_citizen(st, "942110464", i * 1000 + k, NULL);
}

static void *backup_worker(void *p)
{
    store *st = p;
    tu_run_threads(4, create_during_backup, st);
    return NULL;
}

static void test_backup(void **state)
{
    tu_fixture *f = *state;
    store *st = f->st;
    kn_err err;
    for (int i = 0; i < 10; i++)
        assert_int_equal(tu_add_citizen(st, "964338531", i, NULL), KN_OK);
    char dest[PATH_MAX], side[PATH_MAX + 8];
    test_db_path(dest, sizeof dest, "backup");
    assert_int_equal(test_write_file(dest, "an old backup"), 0);
    snprintf(side, sizeof side, "%s-wal", dest);
    assert_int_equal(test_write_file(side, "a stale wal"), 0);

    pthread_t writer;
    assert_int_equal(pthread_create(&writer, NULL, backup_worker, st), 0);
    int rc = st->ops->backup(st, dest, &err);
    pthread_join(writer, NULL);
    assert_int_equal(rc, KN_OK);

    char text[64];
    sql_text(dest, "PRAGMA integrity_check", text, sizeof text);
    assert_string_equal(text, "ok");
    sql_text(dest, "PRAGMA journal_mode", text, sizeof text);
    assert_string_equal(text, "delete");
    int64_t citizens = sql_int(dest, "SELECT count(*) FROM citizens");
    assert_true(citizens >= 10 && citizens <= 210);
    assert_int_equal(sql_int(dest, "SELECT count(*) FROM audit_events"), citizens);
    assert_int_equal(sql_int(dest, "SELECT count(*) FROM citizens WHERE municipality = "
                                   "'964338531'"),
                     10);
    store_migration *migrations = NULL;
    size_t nmigrations = 0;
    assert_int_equal(st->ops->migration_status(st, &migrations, &nmigrations, &err), KN_OK);
    free(migrations);
    assert_int_equal(sql_int(dest, "SELECT count(*) FROM schema_migrations"),
                     (int64_t)nmigrations); /* every migration the source has */
    snprintf(side, sizeof side, "%s.tmp", dest);
    assert_int_equal(access(side, F_OK), -1);

    assert_int_equal(st->ops->backup(st, "/nonexistent-dir/x.db", &err), KN_EIO);
    assert_int_equal(st->ops->backup(st, "", &err), KN_EINVAL);
    test_db_remove(dest);
}

/* ---- durability settings ---- */

static void test_pragmas(void **state)
{
    tu_fixture *f = *state;
    kn_err err;
    char v[32];
    assert_int_equal(sq_debug_writer_pragma(f->st, "journal_mode", v, sizeof v, &err), KN_OK);
    assert_string_equal(v, "wal");
    assert_int_equal(sq_debug_writer_pragma(f->st, "synchronous", v, sizeof v, &err), KN_OK);
    assert_string_equal(v, "2");
    assert_int_equal(sq_debug_writer_pragma(f->st, "foreign_keys", v, sizeof v, &err), KN_OK);
    assert_string_equal(v, "1");
    assert_int_equal(sq_debug_writer_pragma(f->st, "x; drop", v, sizeof v, &err), KN_EINVAL);
    sql_text(f->path, "PRAGMA journal_mode", v, sizeof v); /* persistent in the file */
    assert_string_equal(v, "wal");
}

/* ---- throughput sanity (not timed: checks batching and correctness) ---- */

static void create_many(int i, void *p)
{
    create_arg *a = p;
    for (int k = 0; k < 400; k++) {
        if (tu_add_citizen(a->st, "964338531", i * 10000 + k, NULL) != KN_OK)
            __atomic_fetch_add(&a->status[0], 1, __ATOMIC_SEQ_CST);
    }
}

static void test_throughput_sanity(void **state)
{
    store *st = tu_store(state);
    int64_t before = SQ(st)->commits;
    create_arg a = {.st = st};
    int64_t t0 = kn_mono_ns();
    tu_run_threads(8, create_many, &a);
    double secs = (double)(kn_mono_ns() - t0) / 1e9;
    assert_int_equal(a.status[0], 0);
    int64_t commits = SQ(st)->commits - before;
    int64_t count = 0;
    assert_int_equal(st->ops->citizen_count(st, NULL, &count, NULL), KN_OK);
    assert_int_equal(count, 3200);
    assert_true(commits < 3200); /* writes were grouped */
    printf("# 3200 citizen_create on 8 threads: %.0f/s, %lld commits (%.1f per batch)\n",
           3200 / secs, (long long)commits, 3200.0 / (double)commits);
}

int main(void)
{
    kn_log_open(NULL, KN_LOG_WARN, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_failing_job_spares_batch, tu_setup, tu_teardown),
        cmocka_unit_test(test_batch_cap),
        cmocka_unit_test_setup_teardown(test_failed_job_rolled_back, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_lost_transaction_fails_batch, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_readers_not_blocked, tu_setup, tu_teardown),
        cmocka_unit_test(test_close_drains_queue),
        cmocka_unit_test(test_migrations),
        cmocka_unit_test_setup_teardown(test_backup, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_pragmas, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_throughput_sanity, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
