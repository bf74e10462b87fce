/* store_sqlite_citizen.c - citizens (tjenestemottakere).
 *
 * citizen_create is the hot write path: one job inserts the citizen and its
 * audit event with cached statements, so both commit or neither does. The job
 * is allocated per write and freed once answered, so the asynchronous form
 * needs nothing from its caller after the call; the synchronous form is the
 * asynchronous one plus a store_waiter. The pair
 * (municipality, nin) is unique; a duplicate fails only its own job with
 * KN_ECONFLICT. Lists are per municipality (NULL = all), ordered by name.
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

#define CITIZEN_COLS "id, municipality, nin, given_name, family_name, address, phone, created_at"
#define CITIZEN_ORDER " ORDER BY municipality, family_name, given_name, id LIMIT ?2 OFFSET ?3"

static const char SQL_INSERT[] =
    "INSERT INTO citizens(" CITIZEN_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GET[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE id = ?1";
static const char SQL_LIST[] =
    "SELECT " CITIZEN_COLS " FROM citizens WHERE municipality = ?1" CITIZEN_ORDER;
static const char SQL_LIST_ALL[] =
    "SELECT " CITIZEN_COLS " FROM citizens WHERE ?1 IS NULL" CITIZEN_ORDER;
static const char SQL_COUNT[] = "SELECT count(*) FROM citizens WHERE municipality = ?1";
static const char SQL_COUNT_ALL[] = "SELECT count(*) FROM citizens WHERE ?1 IS NULL";

/* clang-format off */
static const sq_field citizen_fields[] = {
    SQ_F(store_citizen, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_citizen, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_citizen, nin, SQ_TEXT, SQ_REQ),
    SQ_F(store_citizen, given_name, SQ_TEXT, 0),
    SQ_F(store_citizen, family_name, SQ_TEXT, 0),
    SQ_F(store_citizen, address, SQ_TEXT, 0),
    SQ_F(store_citizen, phone, SQ_TEXT, 0),
    SQ_F(store_citizen, created_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table citizen_table = SQ_TABLE("citizen", store_citizen, citizen_fields);

typedef struct count_row {
    int64_t count;
} count_row;
static const sq_field count_fields[] = {SQ_F(count_row, count, SQ_I64, 0)};
static const sq_table count_table = SQ_TABLE("citizen count", count_row, count_fields);

/* One citizen write in flight: the writer job and the store's own copy of the
 * records, allocated by sq_citizen_create_async and freed by create_done. */
typedef struct create_job {
    sq_job job;
    store_citizen citizen;
    store_audit audit;
    store_done_fn done;
    void *cls;
} create_job;

static int create_fn(sq_conn *c, void *arg, kn_err *err)
{
    create_job *j = arg;
    int status = sq_insert(c, SQL_INSERT, &citizen_table, &j->citizen, err);
    return status != KN_OK ? status : sq_audit_insert(c, &j->audit, err);
}

/* The job's done function (writer thread): answer the caller, then free. */
static void create_done(void *cls, int status, const kn_err *err)
{
    create_job *j = cls;
    j->done(j->cls, status, err);
    free(j);
}

/* Copy and check the records, give the citizen its id and created_at. The
 * audit event names the new citizen: object id and municipality are filled in
 * by the store, which is the only one who knows the id. */
static int create_prepare(create_job *j, const store_citizen *citizen, const store_audit *audit,
                          kn_err *err)
{
    j->citizen = *citizen;
    j->audit = *audit;
    kn_id_new(j->citizen.id);
    j->citizen.created_at = kn_now_s();
    int status = sq_check(&citizen_table, &j->citizen, err);
    if (status == KN_OK)
        status = sq_audit_prepare(&j->audit, err);
    if (status != KN_OK)
        return status;
    memcpy(j->audit.object_id, j->citizen.id, sizeof j->audit.object_id);
    if (!j->audit.municipality[0])
        memcpy(j->audit.municipality, j->citizen.municipality, sizeof j->audit.municipality);
    return KN_OK;
}

int sq_citizen_create_async(store *st, store_citizen *citizen, const store_audit *audit,
                            store_done_fn done, void *cls, kn_err *err)
{
    if (!citizen || !audit || !done)
        return kn_err_set(err, KN_EINVAL, "citizen: record, audit event and done required");
    create_job *j = malloc(sizeof *j);
    if (!j)
        return kn_err_set(err, KN_ENOMEM, "citizen: out of memory");
    int status = create_prepare(j, citizen, audit, err);
    if (status != KN_OK) {
        free(j);
        return status;
    }
    j->job = (sq_job){.fn = create_fn, .arg = j, .done = create_done, .cls = j};
    j->done = done;
    j->cls = cls;
    /* once queued, j may be answered and freed at any moment: keep the id here */
    char id[STORE_ID_LEN];
    memcpy(id, j->citizen.id, sizeof id);
    int64_t created_at = j->citizen.created_at;
    status = sq_write_async(SQ(st), &j->job, err);
    if (status != KN_OK) {
        free(j);
        return status;
    }
    memcpy(citizen->id, id, sizeof citizen->id);
    citizen->created_at = created_at;
    return KN_OK;
}

/* async + wait; citizen->id and created_at are filled only once committed. */
int sq_citizen_create(store *st, store_citizen *citizen, const store_audit *audit, kn_err *err)
{
    if (!citizen || !audit)
        return kn_err_set(err, KN_EINVAL, "citizen: record and audit event required");
    store_citizen copy = *citizen;
    store_waiter w;
    store_waiter_init(&w);
    int status = sq_citizen_create_async(st, &copy, audit, store_waiter_done, &w, err);
    if (status != KN_OK) {
        store_waiter_destroy(&w);
        return status;
    }
    status = store_waiter_wait(&w, err);
    if (status == KN_OK) {
        memcpy(citizen->id, copy.id, sizeof citizen->id);
        citizen->created_at = copy.created_at;
    }
    return status;
}

int sq_citizen_get(store *st, const char *id, store_citizen *out, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "citizen", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(id);
    return sq_read_get(SQ(st), SQL_GET, &key, 1, &citizen_table, out, err);
}

static int check_municipality(const char *municipality, kn_err *err)
{
    if (!municipality)
        return KN_OK;
    return sq_check_key(municipality, STORE_ORGNR_LEN, "citizen municipality", err);
}

int sq_citizen_list(store *st, const char *municipality, size_t offset, size_t limit,
                    store_citizen **list, size_t *n, kn_err *err)
{
    if (!list || !n || limit == 0 || offset > (size_t)INT64_MAX)
        return kn_err_set(err, KN_EINVAL, "citizen: bad list arguments");
    int status = check_municipality(municipality, err);
    if (status != KN_OK)
        return status;
    if (limit > SQ_CITIZEN_LIST_MAX)
        limit = SQ_CITIZEN_LIST_MAX;
    sq_arg args[] = {SQ_TXT(municipality), SQ_NUM((int64_t)limit), SQ_NUM((int64_t)offset)};
    return sq_read_list(SQ(st), municipality ? SQL_LIST : SQL_LIST_ALL, args, 3, &citizen_table,
                        limit, (void **)list, n, err);
}

int sq_citizen_count(store *st, const char *municipality, int64_t *count, kn_err *err)
{
    if (!count)
        return kn_err_set(err, KN_EINVAL, "citizen: no output");
    int status = check_municipality(municipality, err);
    if (status != KN_OK)
        return status;
    count_row row;
    sq_arg key = SQ_TXT(municipality);
    status = sq_read_get(SQ(st), municipality ? SQL_COUNT : SQL_COUNT_ALL, &key, 1, &count_table,
                         &row, err);
    if (status == KN_OK)
        *count = row.count;
    return status;
}
