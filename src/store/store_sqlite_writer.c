/* store_sqlite_writer.c - the single writer thread and group commit.
 *
 * Every write op becomes a job (sq_job: fn + arg + status + a done function),
 * is queued, and is answered by the writer calling the job's done function.
 * Synchronous writes (sq_write) keep the job on the caller's stack and wait on
 * a store_waiter (one semaphore per caller); asynchronous writes (the *_async
 * ops) keep the job in memory the op allocated and its done function frees.
 * The writer thread owns the writer connection. In a loop it takes up to
 * max_batch queued jobs and runs them as ONE transaction:
 *
 *     BEGIN IMMEDIATE
 *       SAVEPOINT job; fn(job); RELEASE job          -- job succeeded
 *       SAVEPOINT job; fn(job); ROLLBACK TO job; RELEASE job  -- job failed
 *       ...
 *     COMMIT                                          -- one WAL fsync for all
 *
 * and only then answers every job of the batch with its own result.
 *
 * Invariants:
 *   1. Only the writer thread touches s->writer after sq_writer_start().
 *   2. A job's status and err are written by the writer thread only, then
 *      the writer calls the job's done function; that call is its last touch
 *      of the job (which may live on a waiter's stack, or be freed by done).
 *      A synchronous caller's done posts its own semaphore (store_waiter), so
 *      a commit wakes exactly the callers it answered: with a shared condvar
 *      broadcast, every waiter woke on every commit and queued on the lock.
 *      An asynchronous caller's done records the result and wakes its owner
 *      (the HTTP server resumes the suspended connection); it must be cheap
 *      and must never call the store, since it runs on the writer thread.
 *   3. A failed job leaves no trace: everything it did is inside its savepoint.
 *      Its neighbours are unaffected. Constraints are immediate (no deferred
 *      foreign keys), so a violation surfaces in the job, never at COMMIT.
 *   4. If the transaction is lost (BEGIN or COMMIT fails, or sqlite rolled the
 *      whole transaction back inside a job, e.g. on SQLITE_FULL), every job of
 *      the batch is answered KN_EIO - including those that had succeeded.
 *   5. "Alone" jobs (migrations) are never batched: they run by themselves
 *      with no transaction open, and manage their own transactions.
 *   6. Queue order is FIFO and a batch preserves it, so writes issued one
 *      after another by one thread are applied in that order.
 *   7. Every queued job is answered exactly once, also on shutdown; a job
 *      refused by enqueue (store closing) is never answered, its submitter
 *      gets the error instead.
 *
 * Why this is durable: the writer connection runs journal_mode=WAL with
 * synchronous=FULL, under which sqlite3_step(COMMIT) returns SQLITE_DONE only
 * after the WAL frames of the transaction (and its commit record) have been
 * fsync'd. A job is answered only after COMMIT returned DONE (invariant 2 and
 * the order in writer_main), so an acknowledged write survives a crash or power
 * loss of the whole machine; an unacknowledged one may or may not survive.
 * Batching changes only how many acknowledgements share one fsync.
 *
 * Shutdown: sq_writer_stop() sets `stopping`; the thread keeps taking batches
 * until the queue is empty and only then exits, so queued writes finish and
 * every done function has returned once the thread is joined (the writer
 * counts a job out of `inflight` after its done call). Jobs submitted after
 * stop began are refused with KN_EUNAVAILABLE.
 */
#include "store_sqlite_int.h"

#include "../core/core_log.h"
#include "../core/core_metrics.h"
#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_RELEASE[] = "RELEASE job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";

/* Take the next batch off the queue; blocks. Returns 0 when stopping and empty. */
static size_t take_batch(sq_store *s)
{
    size_t n = 0;
    pthread_mutex_lock(&s->q_mu);
    while (!s->head && !s->stopping)
        pthread_cond_wait(&s->q_cv, &s->q_mu);
    while (s->head && n < (size_t)s->max_batch) {
        if (n > 0 && s->head->alone)
            break;
        sq_job *job = s->head;
        s->head = job->next;
        s->batch[n++] = job;
        if (job->alone)
            break;
    }
    if (!s->head)
        s->tail = NULL;
    pthread_mutex_unlock(&s->q_mu);
    /* writes whose callers are waiting: this batch plus those queued behind it */
    kn_metrics_queue_depth("store_writes_waiting", atomic_load(&s->inflight));
    return n;
}

/* Answer every job of the batch (invariant 2): its done call is the writer's
 * last touch of the job. */
static void complete_batch(sq_store *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sq_job *job = s->batch[i];
        job->done(job->cls, job->status, &job->err);
    }
    atomic_fetch_sub(&s->inflight, (int)n);
}

static void fail_batch(sq_store *s, size_t n, const kn_err *why)
{
    for (size_t i = 0; i < n; i++) {
        s->batch[i]->status = KN_EIO;
        kn_err_set(&s->batch[i]->err, KN_EIO, "store: transaction failed: %s", why->msg);
    }
    kn_log(KN_LOG_ERROR, "store.commit_failed", "{s:i, s:s}", "batch", (int)n, "reason", why->msg);
}

/* Run one job inside its savepoint. Returns KN_OK unless the transaction was lost. */
static int run_job(sq_store *s, sq_job *job, kn_err *why)
{
    sq_conn *w = &s->writer;
    if (sq_exec(w, SQL_SAVEPOINT, NULL, 0, "store: savepoint", NULL, why) != KN_OK)
        return KN_EIO;
    kn_err_clear(&job->err);
    job->status = job->fn(w, job->arg, &job->err);
    if (job->status != KN_OK &&
        sq_exec(w, SQL_ROLLBACK_TO, NULL, 0, "store: rollback to savepoint", NULL, why) != KN_OK)
        return KN_EIO;
    if (sqlite3_get_autocommit(w->db))
        return kn_err_set(why, KN_EIO, "store: transaction lost inside a job (%s)",
                          sqlite3_errmsg(w->db));
    return sq_exec(w, SQL_RELEASE, NULL, 0, "store: release savepoint", NULL, why);
}

static void run_batch(sq_store *s, size_t n)
{
    sq_conn *w = &s->writer;
    kn_err why;
    kn_err_clear(&why);
    int64_t t0 = kn_mono_ns();
    int status = sq_exec(w, SQ_SQL_BEGIN_IMMEDIATE, NULL, 0, "store: begin", NULL, &why);
    for (size_t i = 0; i < n && status == KN_OK; i++)
        status = run_job(s, s->batch[i], &why);
    if (status == KN_OK)
        status = sq_exec(w, SQ_SQL_COMMIT, NULL, 0, "store: commit", NULL, &why);
    if (status != KN_OK) {
        if (!sqlite3_get_autocommit(w->db))
            sq_exec(w, SQ_SQL_ROLLBACK, NULL, 0, "store: rollback", NULL, NULL);
        fail_batch(s, n, &why);
        return;
    }
    s->commits++;
    kn_metrics_store_commit((double)(kn_mono_ns() - t0) / 1e9, (int)n);
}

static void run_alone(sq_store *s, sq_job *job)
{
    kn_err_clear(&job->err);
    job->status = job->fn(&s->writer, job->arg, &job->err);
    if (!sqlite3_get_autocommit(s->writer.db))
        sq_exec(&s->writer, SQ_SQL_ROLLBACK, NULL, 0, "store: rollback", NULL, NULL);
}

static void *writer_main(void *arg)
{
    sq_store *s = arg;
    size_t n;
    while ((n = take_batch(s)) > 0) {
        if (s->batch[0]->alone)
            run_alone(s, s->batch[0]);
        else
            run_batch(s, n);
        complete_batch(s, n);
    }
    return NULL;
}

int sq_writer_start(sq_store *s, kn_err *err)
{
    s->batch = calloc((size_t)s->max_batch, sizeof *s->batch);
    if (!s->batch)
        return kn_err_set(err, KN_ENOMEM, "store: out of memory");
    if (pthread_create(&s->thread, NULL, writer_main, s) != 0)
        return kn_err_set(err, KN_EINTERNAL, "store: cannot start writer thread");
    s->thread_started = 1;
    return KN_OK;
}

void sq_writer_stop(sq_store *s)
{
    if (s->thread_started) {
        pthread_mutex_lock(&s->q_mu);
        s->stopping = 1;
        pthread_cond_signal(&s->q_cv);
        pthread_mutex_unlock(&s->q_mu);
        pthread_join(s->thread, NULL); /* every queued job answered (invariant 7) */
        s->thread_started = 0;
    }
    free(s->batch);
    s->batch = NULL;
}

/* Queue a job (q_mu held). KN_EUNAVAILABLE once close has begun. */
static int enqueue(sq_store *s, sq_job *job, kn_err *err)
{
    if (s->stopping || !s->thread_started)
        return kn_err_set(err, KN_EUNAVAILABLE, "store: closing");
    if (s->tail)
        s->tail->next = job;
    else
        s->head = job;
    s->tail = job;
    atomic_fetch_add(&s->inflight, 1);
    pthread_cond_signal(&s->q_cv);
    return KN_OK;
}

int sq_write_async(sq_store *s, sq_job *job, kn_err *err)
{
    job->next = NULL;
    pthread_mutex_lock(&s->q_mu);
    int status = enqueue(s, job, err);
    pthread_mutex_unlock(&s->q_mu);
    return status;
}

/* async + wait: the job on this stack, answered through a store_waiter. */
static int write_wait(sq_store *s, sq_fn fn, void *arg, int alone, kn_err *err)
{
    store_waiter w;
    store_waiter_init(&w);
    sq_job job = {.fn = fn, .arg = arg, .alone = alone, .done = store_waiter_done, .cls = &w};
    int status = sq_write_async(s, &job, err);
    if (status != KN_OK) {
        store_waiter_destroy(&w);
        return status;
    }
    return store_waiter_wait(&w, err);
}

int sq_write(sq_store *s, sq_fn fn, void *arg, kn_err *err)
{
    return write_wait(s, fn, arg, 0, err);
}

int sq_write_alone(sq_store *s, sq_fn fn, void *arg, kn_err *err)
{
    return write_wait(s, fn, arg, 1, err);
}
