/* store_sqlite_conn.c - one SQLite connection: opening it with Knute's pragmas,
 * its prepared-statement cache, and mapping sqlite errors to KN statuses.
 *
 * The writer connection runs WAL + synchronous=FULL (the durability contract in
 * store.h); readers are query_only. A connection is used by one thread at a
 * time (the writer thread, or whoever holds it from the reader pool).
 */
#include "store_sqlite_int.h"

#include <string.h>

static int conn_pragma_text(sq_conn *c, const char *pragma, char *out, size_t size, kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, pragma, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sq_col_text(st, 0, out, size);
        rc = SQLITE_OK;
    }
    int status = rc == SQLITE_OK || rc == SQLITE_DONE ? KN_OK : sq_error(c, rc, pragma, err);
    sqlite3_finalize(st);
    return status;
}

static int conn_setup_writer(sq_conn *c, kn_err *err)
{
    char mode[16] = "";
    int rc = conn_pragma_text(c, "PRAGMA journal_mode=WAL", mode, sizeof mode, err);
    if (rc != KN_OK)
        return rc;
    if (strcmp(mode, "wal") != 0)
        return kn_err_set(err, KN_EIO, "store: cannot enable WAL (journal_mode=%s)", mode);
    rc = sqlite3_exec(c->db,
                      "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY;",
                      NULL, NULL, NULL);
    return rc == SQLITE_OK ? KN_OK : sq_error(c, rc, "store: pragmas", err);
}

static int conn_setup_reader(sq_conn *c, kn_err *err)
{
    int rc = sqlite3_exec(c->db,
                          "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
                          "PRAGMA temp_store=MEMORY;",
                          NULL, NULL, NULL);
    return rc == SQLITE_OK ? KN_OK : sq_error(c, rc, "store: pragmas", err);
}

int sq_conn_open(sq_conn *c, const char *path, int reader, kn_err *err)
{
    memset(c, 0, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (reader ? 0 : SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        int status = kn_err_set(err, KN_EIO, "store: cannot open database: %s",
                                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sq_conn_close(c);
        return status;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, SQ_BUSY_TIMEOUT_MS);
    int status = reader ? conn_setup_reader(c, err) : conn_setup_writer(c, err);
    if (status != KN_OK)
        sq_conn_close(c);
    return status;
}

void sq_conn_close(sq_conn *c)
{
    for (size_t i = 0; i < c->ncached; i++)
        sqlite3_finalize(c->cached[i]);
    c->ncached = 0;
    if (c->db)
        sqlite3_close(c->db);
    c->db = NULL;
}

int sq_prepare(sq_conn *c, const char *sql, sqlite3_stmt **out, kn_err *err)
{
    for (size_t i = 0; i < c->ncached; i++) {
        if (c->cached_sql[i] == sql) {
            *out = c->cached[i];
            return KN_OK;
        }
    }
    if (c->ncached == SQ_CACHE_MAX)
        return kn_err_set(err, KN_EINTERNAL, "store: statement cache full");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK)
        return kn_err_set(err, KN_EIO, "store: prepare: %s", sqlite3_errmsg(c->db));
    c->cached_sql[c->ncached] = sql;
    c->cached[c->ncached++] = st;
    *out = st;
    return KN_OK;
}

int sq_error(sq_conn *c, int rc, const char *what, kn_err *err)
{
    const char *msg = sqlite3_errmsg(c->db);
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return kn_err_set(err, KN_ECONFLICT, "%s already exists (%s)", what, msg);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return kn_err_set(err, KN_EINVAL, "%s refers to a missing record (%s)", what, msg);
    default:
        break;
    }
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return kn_err_set(err, KN_EINVAL, "%s: invalid value (%s)", what, msg);
    if ((rc & 0xff) == SQLITE_NOMEM)
        return kn_err_set(err, KN_ENOMEM, "%s: out of memory", what);
    return kn_err_set(err, KN_EIO, "%s: %s", what, msg);
}
