/* store.c - opening a store by URL and closing it, and the waiter that turns
 * an asynchronous write into a synchronous one.
 *
 * store_open() picks the implementation from opts->url: "sqlite:PATH" or a
 * plain path opens the SQLite store (store_sqlite.c); "postgres://" names the
 * PostgreSQL store, which this build does not include. Callers only ever see
 * the store_ops table (store.h).
 */
#include "store.h"

#include "store_sqlite_int.h"

#include <string.h>

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int store_open(const store_options *opts, store **out, kn_err *err)
{
    if (!opts || !opts->url || !out)
        return kn_err_set(err, KN_EINVAL, "store: no database url");
    const char *url = opts->url;
    if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://"))
        return kn_err_set(err, KN_ECONFIG, "store: postgres support is not built");
    if (has_prefix(url, "sqlite:"))
        url += strlen("sqlite:");
    else if (strstr(url, "://"))
        return kn_err_set(err, KN_ECONFIG, "store: unknown database url scheme");
    if (!*url)
        return kn_err_set(err, KN_ECONFIG, "store: empty database path");
    if (strcmp(url, ":memory:") == 0 || has_prefix(url, "file:"))
        return kn_err_set(err, KN_ECONFIG, "store: database must be a plain file path");
    return sq_store_open(url, opts, out, err);
}

void store_close(store *st)
{
    if (st)
        st->ops->close(st);
}

void store_waiter_init(store_waiter *w)
{
    sem_init(&w->answered, 0, 0);
    w->status = KN_OK;
    kn_err_clear(&w->err);
}

void store_waiter_done(void *cls, int status, const kn_err *err)
{
    store_waiter *w = cls;
    w->status = status;
    if (status != KN_OK && err)
        w->err = *err;
    sem_post(&w->answered); /* last touch: w may be gone right after */
}

int store_waiter_wait(store_waiter *w, kn_err *err)
{
    while (sem_wait(&w->answered) != 0)
        ;
    store_waiter_destroy(w);
    if (w->status != KN_OK && err)
        *err = w->err;
    return w->status;
}

void store_waiter_destroy(store_waiter *w)
{
    sem_destroy(&w->answered);
}
