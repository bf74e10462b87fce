/* store_sqlite_req.c - the common op shapes: one statement run on a pooled
 * reader (get one record, list records) or as a group-commit write job (insert
 * a record, update/delete a row that must exist). Most store ops are a field
 * table, an SQL text and one call to a function here.
 */
#include "store_sqlite_int.h"

typedef struct sq_req {
    const char *sql;
    const sq_arg *args;
    size_t nargs;
    const sq_table *t;
    const void *rec;
    void *out;
    size_t max;
    void **list;
    size_t *n;
    const char *what;
} sq_req;

static int req_get(sq_conn *c, void *arg, kn_err *err)
{
    sq_req *r = arg;
    return sq_get(c, r->sql, r->args, r->nargs, r->t, r->out, err);
}

static int req_list(sq_conn *c, void *arg, kn_err *err)
{
    sq_req *r = arg;
    return sq_list(c, r->sql, r->args, r->nargs, r->t, r->max, r->list, r->n, err);
}

static int req_insert(sq_conn *c, void *arg, kn_err *err)
{
    sq_req *r = arg;
    return sq_insert(c, r->sql, r->t, r->rec, err);
}

static int req_exec_one(sq_conn *c, void *arg, kn_err *err)
{
    sq_req *r = arg;
    int64_t changes = 0;
    int status = sq_exec(c, r->sql, r->args, r->nargs, r->what, &changes, err);
    if (status == KN_OK && changes == 0)
        return kn_err_set(err, KN_ENOTFOUND, "%s not found", r->what);
    return status;
}

int sq_read_get(sq_store *s, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
                void *out, kn_err *err)
{
    if (!out)
        return kn_err_set(err, KN_EINVAL, "%s: no output", t->what);
    sq_req r = {.sql = sql, .args = args, .nargs = nargs, .t = t, .out = out};
    return sq_read(s, req_get, &r, 0, err);
}

int sq_read_list(sq_store *s, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
                 size_t max, void **list, size_t *n, kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "%s: no output", t->what);
    sq_req r = {.sql = sql, .args = args, .nargs = nargs, .t = t, .max = max, .list = list, .n = n};
    return sq_read(s, req_list, &r, 0, err);
}

int sq_write_insert(sq_store *s, const char *sql, const sq_table *t, const void *rec, kn_err *err)
{
    sq_req r = {.sql = sql, .t = t, .rec = rec};
    return sq_write(s, req_insert, &r, err);
}

int sq_write_exec(sq_store *s, const char *sql, const sq_arg *args, size_t nargs, const char *what,
                  kn_err *err)
{
    sq_req r = {.sql = sql, .args = args, .nargs = nargs, .what = what};
    return sq_write(s, req_exec_one, &r, err);
}
