/* store_sqlite_schema.c - versioned schema migrations for the SQLite store.
 *
 * `migrations` is the ordered list of every schema change ever shipped; an entry
 * is never edited once released, a change is a new entry. migrate() applies the
 * missing ones on the writer connection, each in its own transaction together
 * with its row in schema_migrations, so a crash leaves a version fully applied
 * or not at all. Times are INTEGER unix seconds; ids are TEXT (kn_id_new).
 */
#include "store_sqlite_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

typedef struct migration {
    int version;
    const char *name;
    const char *sql;
} migration;

static const migration migrations[] = {
    {1, "initial",
     "CREATE TABLE organisations ("
     " orgnr TEXT PRIMARY KEY,"
     " kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 4),"
     " name TEXT NOT NULL,"
     " inhabitants INTEGER NOT NULL DEFAULT 0);"
     "CREATE TABLE users ("
     " id TEXT PRIMARY KEY,"
     " username TEXT NOT NULL UNIQUE,"
     " display_name TEXT NOT NULL,"
     " password_hash TEXT NOT NULL,"
     " disabled INTEGER NOT NULL DEFAULT 0,"
     " failed_logins INTEGER NOT NULL DEFAULT 0,"
     " locked_until INTEGER NOT NULL DEFAULT 0,"
     " created_at INTEGER NOT NULL);"
     "CREATE TABLE user_grants ("
     " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " orgnr TEXT NOT NULL,"
     " roles INTEGER NOT NULL,"
     " PRIMARY KEY (user_id, orgnr));"
     "CREATE INDEX user_grants_orgnr ON user_grants(orgnr);"
     "CREATE TABLE clients ("
     " id TEXT PRIMARY KEY,"
     " name TEXT NOT NULL UNIQUE,"
     " kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 2),"
     " key_hash TEXT UNIQUE,"
     " jwt_client_id TEXT UNIQUE,"
     " scopes TEXT NOT NULL DEFAULT '',"
     " disabled INTEGER NOT NULL DEFAULT 0,"
     " created_at INTEGER NOT NULL);"
     "CREATE TABLE client_grants ("
     " client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
     " orgnr TEXT NOT NULL,"
     " roles INTEGER NOT NULL,"
     " PRIMARY KEY (client_id, orgnr));"
     "CREATE INDEX client_grants_orgnr ON client_grants(orgnr);"
     "CREATE TABLE sessions ("
     " token_hash TEXT PRIMARY KEY,"
     " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " csrf_token TEXT NOT NULL,"
     " created_at INTEGER NOT NULL,"
     " expires_at INTEGER NOT NULL);"
     "CREATE INDEX sessions_user ON sessions(user_id);"
     "CREATE INDEX sessions_expires ON sessions(expires_at);"
     "CREATE TABLE citizens ("
     " id TEXT PRIMARY KEY,"
     " municipality TEXT NOT NULL,"
     " nin TEXT NOT NULL,"
     " given_name TEXT NOT NULL,"
     " family_name TEXT NOT NULL,"
     " address TEXT NOT NULL DEFAULT '',"
     " phone TEXT NOT NULL DEFAULT '',"
     " created_at INTEGER NOT NULL,"
     " UNIQUE (municipality, nin));"
     "CREATE INDEX citizens_by_name ON citizens(municipality, family_name, given_name, id);"
     "CREATE TABLE devices ("
     " id TEXT PRIMARY KEY,"
     " municipality TEXT NOT NULL,"
     " citizen_id TEXT REFERENCES citizens(id),"
     " type TEXT NOT NULL,"
     " serial TEXT NOT NULL,"
     " supplier_orgnr TEXT NOT NULL DEFAULT '',"
     " created_at INTEGER NOT NULL);"
     "CREATE INDEX devices_municipality ON devices(municipality);"
     "CREATE INDEX devices_citizen ON devices(citizen_id);"
     "CREATE INDEX devices_serial ON devices(supplier_orgnr, serial);"
     "CREATE TABLE audit_events ("
     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     " at_ms INTEGER NOT NULL,"
     " actor_kind TEXT NOT NULL,"
     " actor_id TEXT NOT NULL DEFAULT '',"
     " action TEXT NOT NULL,"
     " municipality TEXT NOT NULL DEFAULT '',"
     " object_type TEXT NOT NULL DEFAULT '',"
     " object_id TEXT NOT NULL DEFAULT '',"
     " request_id TEXT NOT NULL DEFAULT '',"
     " outcome TEXT NOT NULL);"
     "CREATE INDEX audit_municipality ON audit_events(municipality, seq);"
     "CREATE INDEX audit_actor ON audit_events(actor_id, seq);"},
    /* benefit realisation (gain_*): plans and per-citizen measurements */
    {2, "gain",
     "CREATE TABLE gain_plans ("
     " id TEXT PRIMARY KEY,"
     " municipality TEXT NOT NULL,"
     " name TEXT NOT NULL,"
     " technology TEXT NOT NULL,"
     " gain_type TEXT NOT NULL,"
     " interval TEXT NOT NULL,"
     " owner TEXT NOT NULL DEFAULT '',"
     " indicator TEXT NOT NULL DEFAULT '',"
     " prerequisites TEXT NOT NULL DEFAULT '',"
     " redeployment TEXT NOT NULL DEFAULT '',"
     " region TEXT NOT NULL DEFAULT '',"
     " start_date TEXT NOT NULL,"
     " end_date TEXT NOT NULL,"
     " licence_per_year INTEGER NOT NULL DEFAULT 0,"
     " operating_per_year INTEGER NOT NULL DEFAULT 0,"
     " startup_cost INTEGER NOT NULL DEFAULT 0,"
     " replaced_per_year INTEGER NOT NULL DEFAULT 0,"
     " created_at INTEGER NOT NULL);"
     "CREATE INDEX gain_plans_municipality ON gain_plans(municipality, created_at);"
     "CREATE TABLE gain_measurements ("
     " id TEXT PRIMARY KEY,"
     " plan_id TEXT NOT NULL REFERENCES gain_plans(id),"
     " municipality TEXT NOT NULL,"
     " citizen_id TEXT NOT NULL REFERENCES citizens(id),"
     " kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 2),"
     " period_start TEXT NOT NULL,"
     " period_unit TEXT NOT NULL,"
     " period_count INTEGER NOT NULL CHECK (period_count > 0),"
     " period_end TEXT NOT NULL,"
     " visits INTEGER NOT NULL DEFAULT 0 CHECK (visits >= 0),"
     " minutes_per_visit INTEGER NOT NULL DEFAULT 0 CHECK (minutes_per_visit >= 0),"
     " km INTEGER NOT NULL DEFAULT 0 CHECK (km >= 0),"
     " alarms_received INTEGER NOT NULL DEFAULT 0 CHECK (alarms_received >= 0),"
     " alarms_forwarded INTEGER NOT NULL DEFAULT 0 CHECK (alarms_forwarded >= 0),"
     " minutes_per_alarm INTEGER NOT NULL DEFAULT 0 CHECK (minutes_per_alarm >= 0),"
     " night_checks INTEGER NOT NULL DEFAULT 0 CHECK (night_checks >= 0),"
     " quality_user INTEGER NOT NULL DEFAULT 0 CHECK (quality_user BETWEEN 0 AND 6),"
     " quality_staff INTEGER NOT NULL DEFAULT 0 CHECK (quality_staff BETWEEN 0 AND 6),"
     " quality_relatives INTEGER NOT NULL DEFAULT 0 CHECK (quality_relatives BETWEEN 0 AND 6),"
     " created_at INTEGER NOT NULL);"
     "CREATE UNIQUE INDEX gain_one_baseline ON gain_measurements(plan_id, citizen_id)"
     " WHERE kind = 1;"
     "CREATE INDEX gain_measurements_by_plan ON gain_measurements(municipality, plan_id,"
     " citizen_id, period_start);"},
    /* the hub (knutepunkt): messages (the router's inbox) and the authorisation
     * register; times in ms; seq orders cursor pages and the router */
    {3, "hub",
     "CREATE TABLE hub_messages ("
     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     " id TEXT NOT NULL UNIQUE,"
     " receiver TEXT NOT NULL,"
     " sender_client TEXT NOT NULL,"
     " kind TEXT NOT NULL,"
     " event TEXT NOT NULL DEFAULT '',"
     " idem_key TEXT NOT NULL,"
     " patient_key TEXT NOT NULL DEFAULT '',"
     " status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 4),"
     " routed INTEGER NOT NULL DEFAULT 0,"
     " created_at INTEGER NOT NULL,"
     " updated_at INTEGER NOT NULL,"
     " body TEXT NOT NULL,"
     " UNIQUE (sender_client, receiver, kind, idem_key));"
     "CREATE INDEX hub_messages_receiver ON hub_messages(receiver, updated_at, seq);"
     "CREATE INDEX hub_messages_unrouted ON hub_messages(seq) WHERE routed = 0;"
     "CREATE TABLE hub_grants ("
     " client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
     " receiver TEXT NOT NULL,"
     " resource TEXT NOT NULL,"
     " access TEXT NOT NULL CHECK (access IN ('read', 'write')),"
     " created_at INTEGER NOT NULL,"
     " PRIMARY KEY (client_id, receiver, resource, access));"
     "CREATE INDEX hub_grants_receiver ON hub_grants(receiver, client_id);"},
    /* hub outbox: destinations, routes, deliveries, attempts (store_sqlite_outbox.c) */
    {4, "outbox", sq_outbox_schema_sql},
    /* hub read interfaces: the resources inside hub messages, indexed for
     * FHIR search (hub_index.c); hub_read_state holds the last message seq
     * indexed. Tokens: one row per coding (param, system, code). */
    {5, "hub_resources",
     "CREATE TABLE hub_resources ("
     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     " receiver TEXT NOT NULL,"
     " type TEXT NOT NULL,"
     " res_id TEXT NOT NULL,"
     " patient_system TEXT NOT NULL DEFAULT '',"
     " patient_value TEXT NOT NULL DEFAULT '',"
     " date TEXT NOT NULL DEFAULT '',"
     " message_id TEXT NOT NULL,"
     " msg_seq INTEGER NOT NULL,"
     " body TEXT NOT NULL,"
     " UNIQUE (receiver, type, res_id));"
     "CREATE INDEX hub_resources_patient ON hub_resources(receiver, type, patient_value, seq);"
     "CREATE TABLE hub_resource_tokens ("
     " res_seq INTEGER NOT NULL REFERENCES hub_resources(seq) ON DELETE CASCADE,"
     " param TEXT NOT NULL,"
     " system TEXT NOT NULL,"
     " code TEXT NOT NULL);"
     "CREATE INDEX hub_resource_tokens_seq ON hub_resource_tokens(res_seq);"
     "CREATE INDEX hub_resource_tokens_code ON hub_resource_tokens(param, code, res_seq);"
     "CREATE TABLE hub_read_state ("
     " id INTEGER PRIMARY KEY CHECK (id = 1),"
     " last_seq INTEGER NOT NULL);"
     "INSERT INTO hub_read_state(id, last_seq) VALUES (1, 0);"},
    /* the response service: alarms, their events, heartbeats, routing rules,
     * citizen profiles, the hub-intake cursor (store_sqlite_resp.c) */
    {6, "resp", sq_resp_schema_sql},
};

#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

static const char SQL_CREATE_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
static const char SQL_APPLIED[] = "SELECT 1 FROM schema_migrations WHERE version = ?1";
static const char SQL_RECORD[] =
    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)";
static const char SQL_HAS_TABLE[] =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
static const char SQL_STATUS[] =
    "SELECT version, name, 1, applied_at FROM schema_migrations ORDER BY version";

/* clang-format off */
static const sq_field migration_fields[] = {
    SQ_F(store_migration, version, SQ_INT, 0),
    SQ_F(store_migration, name, SQ_TEXT, 0),
    SQ_F(store_migration, applied, SQ_INT, 0),
    SQ_F(store_migration, applied_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table migration_table = SQ_TABLE("migration", store_migration, migration_fields);

/* 1 if the statement yields a row, 0 if not, or a negative status. */
static int has_row(sq_conn *c, const char *sql, const sq_arg *args, size_t nargs, kn_err *err)
{
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, sql, args, nargs, &st, err);
    if (status != KN_OK)
        return status;
    int rc = sqlite3_step(st);
    status = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sq_error(c, rc, "migration", err);
    sq_done(st);
    return status;
}

static int apply_one(sq_conn *c, const migration *m, kn_err *err)
{
    int status = sq_exec(c, SQ_SQL_BEGIN_IMMEDIATE, NULL, 0, "migration", NULL, err);
    if (status != KN_OK)
        return status;
    char *msg = NULL;
    if (sqlite3_exec(c->db, m->sql, NULL, NULL, &msg) != SQLITE_OK) {
        status = kn_err_set(err, KN_EIO, "migration %d (%s): %s", m->version, m->name,
                            msg ? msg : "failed");
        sqlite3_free(msg);
    }
    sq_arg args[] = {SQ_NUM(m->version), SQ_TXT(m->name), SQ_NUM(kn_now_s())};
    if (status == KN_OK)
        status = sq_exec(c, SQL_RECORD, args, 3, "migration", NULL, err);
    if (status == KN_OK)
        status = sq_exec(c, SQ_SQL_COMMIT, NULL, 0, "migration", NULL, err);
    if (status != KN_OK && !sqlite3_get_autocommit(c->db))
        sq_exec(c, SQ_SQL_ROLLBACK, NULL, 0, "migration", NULL, NULL);
    return status;
}

static int migrate_fn(sq_conn *c, void *arg, kn_err *err)
{
    int *applied = arg;
    int status = sq_exec(c, SQL_CREATE_TABLE, NULL, 0, "migration", NULL, err);
    for (size_t i = 0; i < NMIGRATIONS && status == KN_OK; i++) {
        sq_arg version = SQ_NUM(migrations[i].version);
        int done = has_row(c, SQL_APPLIED, &version, 1, err);
        if (done < 0)
            return done;
        if (done)
            continue;
        status = apply_one(c, &migrations[i], err);
        if (status == KN_OK) {
            (*applied)++;
            kn_log(KN_LOG_INFO, "store.migrated", "{s:i, s:s}", "version", migrations[i].version,
                   "name", migrations[i].name);
        }
    }
    return status;
}

int sq_migrate(store *st, int *applied_out, kn_err *err)
{
    int applied = 0;
    int status = sq_write_alone(SQ(st), migrate_fn, &applied, err);
    if (applied_out)
        *applied_out = applied;
    return status;
}

/* Merge the applied rows into the full list of known migrations. Versions in
 * the database that this binary does not know (a newer Knute) are kept. */
static void merge_status(store_migration *all, size_t *n, const store_migration *rows, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        size_t i = 0;
        while (i < *n && all[i].version != rows[r].version)
            i++;
        all[i] = rows[r];
        if (i == *n)
            (*n)++;
    }
}

typedef struct status_arg {
    store_migration *all;
    size_t n;
} status_arg;

static int status_fn(sq_conn *c, void *arg, kn_err *err)
{
    status_arg *a = arg;
    int exists = has_row(c, SQL_HAS_TABLE, NULL, 0, err);
    if (exists <= 0)
        return exists;
    void *rows = NULL;
    size_t nrows = 0;
    int status = sq_list(c, SQL_STATUS, NULL, 0, &migration_table, SQ_LIST_MAX, &rows, &nrows, err);
    if (status != KN_OK)
        return status;
    store_migration *grown = realloc(a->all, (NMIGRATIONS + nrows) * sizeof *grown);
    if (!grown) {
        free(rows);
        return kn_err_set(err, KN_ENOMEM, "migration: out of memory");
    }
    a->all = grown;
    merge_status(a->all, &a->n, rows, nrows);
    free(rows);
    return KN_OK;
}

int sq_migration_status(store *st, store_migration **list, size_t *n, kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "migration: no output");
    status_arg a = {calloc(NMIGRATIONS, sizeof(store_migration)), NMIGRATIONS};
    if (!a.all)
        return kn_err_set(err, KN_ENOMEM, "migration: out of memory");
    for (size_t i = 0; i < NMIGRATIONS; i++) {
        a.all[i].version = migrations[i].version;
        kn_strcpy(a.all[i].name, sizeof a.all[i].name, migrations[i].name);
    }
    int status = sq_read(SQ(st), status_fn, &a, 1, err);
    if (status != KN_OK) {
        free(a.all);
        return status;
    }
    *list = a.all;
    *n = a.n;
    return KN_OK;
}
