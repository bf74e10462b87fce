/* store_sqlite.c - the SQLite store: lifecycle, the reader pool and the ops table.
 *
 * A store is one writer connection driven by the group-commit thread
 * (store_sqlite_writer.c) plus a pool of query_only reader connections. In WAL
 * mode readers see the last committed snapshot and never wait for the writer.
 * The ops themselves live in one file per topic (store_sqlite_<topic>.c).
 */
#include "store_sqlite_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sq_conn *pool_take(sq_store *s)
{
    pthread_mutex_lock(&s->pool_mu);
    while (!s->free_readers)
        pthread_cond_wait(&s->pool_cv, &s->pool_mu);
    sq_conn *c = s->free_readers;
    s->free_readers = c->next_free;
    pthread_mutex_unlock(&s->pool_mu);
    return c;
}

static void pool_give(sq_store *s, sq_conn *c)
{
    pthread_mutex_lock(&s->pool_mu);
    c->next_free = s->free_readers;
    s->free_readers = c;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
}

/* End a read transaction; a failed COMMIT falls back to ROLLBACK so the
 * connection goes back to the pool with no transaction open. */
static int read_end(sq_conn *c, kn_err *err)
{
    int status = sq_exec(c, SQ_SQL_COMMIT, NULL, 0, "store: end read", NULL, err);
    if (status != KN_OK && !sqlite3_get_autocommit(c->db))
        sq_exec(c, SQ_SQL_ROLLBACK, NULL, 0, "store: end read", NULL, NULL);
    return status;
}

int sq_read(sq_store *s, sq_fn fn, void *arg, int snapshot, kn_err *err)
{
    sq_conn *c = pool_take(s);
    int status = KN_OK;
    if (snapshot)
        status = sq_exec(c, SQ_SQL_BEGIN, NULL, 0, "store: begin read", NULL, err);
    if (status == KN_OK) {
        status = fn(c, arg, err);
        if (snapshot) {
            int end = read_end(c, status == KN_OK ? err : NULL);
            status = status == KN_OK ? end : status;
        }
    }
    pool_give(s, c);
    return status;
}

static int ping_fn(sq_conn *c, void *arg, kn_err *err)
{
    static const char sql[] = "SELECT 1";
    return sq_exec(c, sql, NULL, 0, "store: ping", NULL, err);
}

static int sq_ping(store *st, kn_err *err)
{
    return sq_read(SQ(st), ping_fn, NULL, 0, err);
}

typedef struct pragma_arg {
    const char *name;
    char *out;
    size_t size;
} pragma_arg;

static int pragma_fn(sq_conn *c, void *arg, kn_err *err)
{
    pragma_arg *p = arg;
    char sql[96];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "PRAGMA %s", p->name);
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        sq_col_text(st, 0, p->out, p->size);
    int status = rc == SQLITE_ROW ? KN_OK : sq_error(c, rc, "store: pragma", err);
    sqlite3_finalize(st);
    return status;
}

int sq_debug_writer_pragma(store *st, const char *name, char *out, size_t size, kn_err *err)
{
    if (!name || strspn(name, "abcdefghijklmnopqrstuvwxyz_") != strlen(name) || size == 0)
        return kn_err_set(err, KN_EINVAL, "store: bad pragma name");
    pragma_arg p = {name, out, size};
    return sq_write_alone(SQ(st), pragma_fn, &p, err);
}

/* Finish queued writes, wait for reads in flight (by taking every reader
 * back from the pool), then free. */
static void sq_close(store *st)
{
    sq_store *s = SQ(st);
    sq_writer_stop(s);
    for (int i = 0; i < s->nreaders; i++) {
        if (s->readers[i].db)
            pool_take(s);
    }
    for (int i = 0; i < s->nreaders; i++)
        sq_conn_close(&s->readers[i]);
    sq_conn_close(&s->writer);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_cond_destroy(&s->pool_cv);
    pthread_mutex_destroy(&s->q_mu);
    pthread_cond_destroy(&s->q_cv);
    free(s);
}

static const struct store_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .migration_status = sq_migration_status,
    .backup = sq_backup,
    .ping = sq_ping,
    .org_put = sq_org_put,
    .org_get = sq_org_get,
    .org_list = sq_org_list,
    .user_create = sq_user_create,
    .user_get = sq_user_get,
    .user_get_by_name = sq_user_get_by_name,
    .user_list = sq_user_list,
    .user_set_disabled = sq_user_set_disabled,
    .user_login_failed = sq_user_login_failed,
    .user_login_succeeded = sq_user_login_succeeded,
    .client_create = sq_client_create,
    .client_get_by_key_hash = sq_client_get_by_key_hash,
    .client_get_by_jwt_id = sq_client_get_by_jwt_id,
    .client_list = sq_client_list,
    .session_create = sq_session_create,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .citizen_create = sq_citizen_create,
    .citizen_create_async = sq_citizen_create_async,
    .citizen_get = sq_citizen_get,
    .citizen_list = sq_citizen_list,
    .citizen_count = sq_citizen_count,
    .device_create = sq_device_create,
    .device_list = sq_device_list,
    .gain_plan_create = sq_gain_plan_create,
    .gain_plan_get = sq_gain_plan_get,
    .gain_plan_list = sq_gain_plan_list,
    .gain_measure_add = sq_gain_measure_add,
    .gain_measure_list = sq_gain_measure_list,
    .audit_append = sq_audit_append,
    .audit_list = sq_audit_list,
    .hub = &sq_hub_ops,
    .hubread = &sq_hubread_ops,
    .outbox = &sq_outbox_ops,
    .resp = &sq_resp_ops,
};

static int opt_or(int value, int fallback, int max)
{
    if (value <= 0)
        return fallback;
    return value > max ? max : value;
}

static int open_connections(sq_store *s, const char *path, kn_err *err)
{
    int status = sq_conn_open(&s->writer, path, 0, err);
    for (int i = 0; status == KN_OK && i < s->nreaders; i++) {
        status = sq_conn_open(&s->readers[i], path, 1, err);
        if (status == KN_OK)
            pool_give(s, &s->readers[i]);
    }
    return status;
}

static sq_store *store_alloc(const store_options *opts)
{
    sq_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &sq_ops;
    s->base.impl = s;
    s->max_batch = opt_or(opts->group_commit_max_batch, SQ_BATCH_DEFAULT, 100000);
    s->nreaders = opt_or(opts->read_connections, SQ_READERS_DEFAULT, SQ_READERS_MAX);
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_cond_init(&s->pool_cv, NULL);
    pthread_mutex_init(&s->q_mu, NULL);
    pthread_cond_init(&s->q_cv, NULL);
    return s;
}

int sq_store_open(const char *path, const store_options *opts, store **out, kn_err *err)
{
    if (!sqlite3_threadsafe())
        return kn_err_set(err, KN_ECONFIG, "store: sqlite was built without thread support");
    if (kn_util_init() != KN_OK)
        return kn_err_set(err, KN_EINTERNAL, "store: cannot initialise libsodium");
    sq_store *s = store_alloc(opts);
    if (!s)
        return kn_err_set(err, KN_ENOMEM, "store: out of memory");
    int status = open_connections(s, path, err);
    if (status == KN_OK)
        status = sq_writer_start(s, err);
    if (status != KN_OK) {
        sq_close(&s->base);
        return status;
    }
    kn_log(KN_LOG_DEBUG, "store.open", "{s:s, s:i, s:i}", "driver", "sqlite", "readers", s->nreaders,
           "max_batch", s->max_batch);
    *out = &s->base;
    return KN_OK;
}
