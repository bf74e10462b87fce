/* store_sqlite_principal.c - what users and machine clients have in common:
 * a record with an id and a list of grants (roles per organisation) kept in a
 * side table (user_grants, client_grants).
 *
 * The record and its grants are written by one job (both or neither) and read
 * back inside one read transaction, so a reader never sees half a principal.
 * An sq_principal describes where id/created_at/grants live in the struct.
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
static const sq_field grant_fields[] = {
    SQ_F(store_grant, orgnr, SQ_TEXT, SQ_REQ),
    SQ_F(store_grant, roles, SQ_U32, 0),
};
/* clang-format on */
static const sq_table grant_table = SQ_TABLE("grant", store_grant, grant_fields);

static char *rec_id(const sq_principal *p, void *rec)
{
    return (char *)rec + p->id_off;
}

static size_t *rec_ngrants(const sq_principal *p, void *rec)
{
    return (size_t *)(void *)((char *)rec + p->ngrants_off);
}

static store_grant *rec_grants(const sq_principal *p, void *rec)
{
    return (store_grant *)(void *)((char *)rec + p->grants_off);
}

static int grants_check(const char *what, const store_grant *grants, size_t n, kn_err *err)
{
    if (n > STORE_MAX_GRANTS)
        return kn_err_set(err, KN_EINVAL, "%s: more than %d grants", what, STORE_MAX_GRANTS);
    for (size_t i = 0; i < n; i++) {
        int status = sq_check(&grant_table, &grants[i], err);
        if (status != KN_OK)
            return status;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(grants[i].orgnr, grants[j].orgnr) == 0)
                return kn_err_set(err, KN_EINVAL, "%s: duplicate grant", what);
        }
    }
    return KN_OK;
}

static int grants_read(sq_conn *c, const sq_principal *p, void *rec, kn_err *err)
{
    sqlite3_stmt *st = NULL;
    sq_arg owner = SQ_TXT(rec_id(p, rec));
    int status = sq_stmt(c, p->grant_select_sql, &owner, 1, &st, err);
    if (status != KN_OK)
        return status;
    size_t n = 0;
    int rc = SQLITE_DONE;
    store_grant *grants = rec_grants(p, rec);
    while (n < STORE_MAX_GRANTS && (rc = sqlite3_step(st)) == SQLITE_ROW)
        sq_read_row(st, &grant_table, &grants[n++]);
    if (n < STORE_MAX_GRANTS && rc != SQLITE_DONE)
        status = sq_error(c, rc, p->table->what, err);
    sq_done(st);
    *rec_ngrants(p, rec) = n;
    return status;
}

typedef struct principal_job {
    const sq_principal *p;
    void *rec;
    const char *sql;
    const char *key;
    void **list;
    size_t *n;
} principal_job;

static int create_fn(sq_conn *c, void *arg, kn_err *err)
{
    principal_job *j = arg;
    const sq_principal *p = j->p;
    int status = sq_insert(c, p->insert_sql, p->table, j->rec, err);
    const store_grant *grants = rec_grants(p, j->rec);
    for (size_t i = 0; status == KN_OK && i < *rec_ngrants(p, j->rec); i++) {
        sq_arg args[] = {SQ_TXT(rec_id(p, j->rec)), SQ_TXT(grants[i].orgnr),
                         SQ_NUM(grants[i].roles)};
        status = sq_exec(c, p->grant_insert_sql, args, 3, p->table->what, NULL, err);
    }
    return status;
}

int sq_principal_create(sq_store *s, const sq_principal *p, void *rec, kn_err *err)
{
    kn_id_new(rec_id(p, rec));
    int64_t now = kn_now_s();
    memcpy((char *)rec + p->created_off, &now, sizeof now);
    int status = sq_check(p->table, rec, err);
    if (status == KN_OK)
        status = grants_check(p->table->what, rec_grants(p, rec), *rec_ngrants(p, rec), err);
    if (status != KN_OK)
        return status;
    principal_job j = {.p = p, .rec = rec};
    return sq_write(s, create_fn, &j, err);
}

static int get_fn(sq_conn *c, void *arg, kn_err *err)
{
    principal_job *j = arg;
    sq_arg key = SQ_TXT(j->key);
    int status = sq_get(c, j->sql, &key, 1, j->p->table, j->rec, err);
    return status != KN_OK ? status : grants_read(c, j->p, j->rec, err);
}

int sq_principal_get(sq_store *s, const sq_principal *p, const char *sql, const char *key,
                     void *out, kn_err *err)
{
    if (!out)
        return kn_err_set(err, KN_EINVAL, "%s: no output", p->table->what);
    principal_job j = {.p = p, .rec = out, .sql = sql, .key = key};
    return sq_read(s, get_fn, &j, 1, err);
}

static int list_fn(sq_conn *c, void *arg, kn_err *err)
{
    principal_job *j = arg;
    const sq_principal *p = j->p;
    sq_arg max = SQ_NUM(SQ_LIST_MAX);
    int status = sq_list(c, p->list_sql, &max, 1, p->table, SQ_LIST_MAX, j->list, j->n, err);
    for (size_t i = 0; status == KN_OK && i < *j->n; i++)
        status = grants_read(c, p, (char *)*j->list + i * p->table->size, err);
    return status;
}

int sq_principal_list(sq_store *s, const sq_principal *p, void **list, size_t *n, kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "%s: no output", p->table->what);
    void *got = NULL;
    size_t count = 0;
    principal_job j = {.p = p, .list = &got, .n = &count};
    int status = sq_read(s, list_fn, &j, 1, err);
    if (status != KN_OK) {
        free(got);
        return status;
    }
    *list = got;
    *n = count;
    return KN_OK;
}
