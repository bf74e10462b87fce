/* store_sqlite_stmt.c - statement helpers shared by every SQLite store op.
 *
 * Records move between structs and rows through field tables (sq_table): one
 * entry per column, in column order, so INSERT binding and SELECT reading are
 * written once instead of per record type. Every helper resets the statement it
 * used before returning, so no reader keeps a read transaction open by accident.
 */
#include "store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

const char SQ_SQL_BEGIN[] = "BEGIN";
const char SQ_SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
const char SQ_SQL_COMMIT[] = "COMMIT";
const char SQ_SQL_ROLLBACK[] = "ROLLBACK";

static const char *field_text(const sq_field *f, const void *rec)
{
    return (const char *)rec + f->off;
}

static int64_t field_num(const sq_field *f, const void *rec)
{
    const char *p = (const char *)rec + f->off;
    if (f->type == SQ_INT) {
        int v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    if (f->type == SQ_U32) {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void field_set_num(const sq_field *f, void *rec, int64_t v)
{
    char *p = (char *)rec + f->off;
    if (f->type == SQ_INT) {
        int i = (int)v;
        memcpy(p, &i, sizeof i);
    } else if (f->type == SQ_U32) {
        uint32_t u = (uint32_t)v;
        memcpy(p, &u, sizeof u);
    } else {
        memcpy(p, &v, sizeof v);
    }
}

int sq_check(const sq_table *t, const void *rec, kn_err *err)
{
    for (size_t i = 0; i < t->nfields; i++) {
        const sq_field *f = &t->fields[i];
        if (f->type != SQ_TEXT)
            continue;
        const char *s = field_text(f, rec);
        if (!memchr(s, '\0', f->size))
            return kn_err_set(err, KN_EINVAL, "%s: %s is too long", t->what, f->name);
        if ((f->flags & SQ_REQ) && !*s)
            return kn_err_set(err, KN_EINVAL, "%s: %s is required", t->what, f->name);
    }
    return KN_OK;
}

int sq_check_key(const char *key, size_t size, const char *what, kn_err *err)
{
    if (!key || !*key)
        return kn_err_set(err, KN_EINVAL, "%s: key is required", what);
    if (strnlen(key, size) >= size)
        return kn_err_set(err, KN_EINVAL, "%s: key is too long", what);
    return KN_OK;
}

static int bind_field(sqlite3_stmt *st, int idx, const sq_field *f, const void *rec)
{
    if (f->type == SQ_TEXT) {
        const char *s = field_text(f, rec);
        if ((f->flags & SQ_NULL) && !*s)
            return sqlite3_bind_null(st, idx);
        return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
    }
    int64_t v = field_num(f, rec);
    if ((f->flags & SQ_NULL) && v == 0)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_int64(st, idx, v);
}

static int bind_arg(sqlite3_stmt *st, int idx, const sq_arg *a)
{
    if (a->kind != SQ_TEXT)
        return sqlite3_bind_int64(st, idx, a->num);
    if (!a->text)
        return sqlite3_bind_null(st, idx);
    return sqlite3_bind_text(st, idx, a->text, -1, SQLITE_STATIC);
}

void sq_col_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    size_t len = s ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (len >= size)
        len = size - 1;
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
}

void sq_read_row(sqlite3_stmt *st, const sq_table *t, void *rec)
{
    for (size_t i = 0; i < t->nfields; i++) {
        const sq_field *f = &t->fields[i];
        if (f->type == SQ_TEXT)
            sq_col_text(st, (int)i, (char *)rec + f->off, f->size);
        else
            field_set_num(f, rec, sqlite3_column_int64(st, (int)i));
    }
}

void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int sq_stmt(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, sqlite3_stmt **out,
            kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = sq_prepare(c, sql, &st, err);
    if (status != KN_OK)
        return status;
    for (size_t i = 0; i < nargs; i++) {
        int rc = bind_arg(st, (int)i + 1, &args[i]);
        if (rc != SQLITE_OK) {
            status = sq_error(c, rc, "store: bind", err);
            sq_done(st);
            return status;
        }
    }
    *out = st;
    return KN_OK;
}

/* Step a bound statement until it is done; always resets it. */
static int step_done(sq_conn *c, sqlite3_stmt *st, const char *what, int64_t *changes, kn_err *err)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    int status = rc == SQLITE_DONE ? KN_OK : sq_error(c, rc, what, err);
    if (status == KN_OK && changes)
        *changes = sqlite3_changes64(c->db);
    sq_done(st);
    return status;
}

int sq_exec(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, const char *what,
            int64_t *changes, kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, sql, args, nargs, &st, err);
    return status != KN_OK ? status : step_done(c, st, what, changes, err);
}

int sq_insert(sq_conn *c, const char *sql, const sq_table *t, const void *rec, kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = sq_prepare(c, sql, &st, err);
    if (status != KN_OK)
        return status;
    for (size_t i = 0; i < t->nfields; i++) {
        int rc = bind_field(st, (int)i + 1, &t->fields[i], rec);
        if (rc != SQLITE_OK) {
            status = sq_error(c, rc, t->what, err);
            sq_done(st);
            return status;
        }
    }
    return step_done(c, st, t->what, NULL, err);
}

int sq_get(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
           void *out, kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, sql, args, nargs, &st, err);
    if (status != KN_OK)
        return status;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, t->size);
        sq_read_row(st, t, out);
    } else if (rc == SQLITE_DONE) {
        status = kn_err_set(err, KN_ENOTFOUND, "%s not found", t->what);
    } else {
        status = sq_error(c, rc, t->what, err);
    }
    sq_done(st);
    return status;
}

static int list_grow(char **arr, size_t *cap, size_t elem, size_t max)
{
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > max)
        ncap = max;
    char *p = realloc(*arr, ncap * elem);
    if (!p)
        return KN_ENOMEM;
    *arr = p;
    *cap = ncap;
    return KN_OK;
}

static int collect_rows(sq_conn *c, sqlite3_stmt *st, const sq_table *t, size_t max, char **arr,
                        size_t *count, kn_err *err)
{
    size_t cap = 0;
    int rc;
    while (*count < max && (rc = sqlite3_step(st)) != SQLITE_DONE) {
        if (rc != SQLITE_ROW)
            return sq_error(c, rc, t->what, err);
        if (*count == cap && list_grow(arr, &cap, t->size, max) != KN_OK)
            return kn_err_set(err, KN_ENOMEM, "%s: out of memory", t->what);
        char *rec = *arr + (*count)++ * t->size;
        memset(rec, 0, t->size);
        sq_read_row(st, t, rec);
    }
    return KN_OK;
}

int sq_collect(sq_conn *c, sqlite3_stmt *st, const sq_table *t, size_t max, void **list, size_t *n,
               kn_err *err)
{
    char *arr = NULL;
    size_t count = 0;
    int status = collect_rows(c, st, t, max, &arr, &count, err);
    sq_done(st);
    if (status == KN_OK && !arr && !(arr = calloc(1, t->size)))
        status = kn_err_set(err, KN_ENOMEM, "%s: out of memory", t->what);
    if (status != KN_OK) {
        free(arr);
        return status;
    }
    *list = arr;
    *n = count;
    return KN_OK;
}

int sq_list(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, const sq_table *t,
            size_t max, void **list, size_t *n, kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, sql, args, nargs, &st, err);
    return status != KN_OK ? status : sq_collect(c, st, t, max, list, n, err);
}
