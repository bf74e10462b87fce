/* store_sqlite_audit.c - the audit trail: append-only events, listed by filter.
 *
 * Appends are ordinary group-commit writes (durable when acknowledged);
 * citizen_create reuses sq_audit_insert inside its own job. seq is assigned by
 * SQLite (AUTOINCREMENT, never reused). audit_list picks one of three cached
 * statements so the most selective filter drives an index.
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#define AUDIT_COLS                                                                                 \
    "seq, at_ms, actor_kind, actor_id, action, municipality, object_type, object_id, "             \
    "request_id, outcome"
#define AUDIT_SELECT "SELECT " AUDIT_COLS " FROM audit_events WHERE "
#define AUDIT_WHERE                                                                                \
    "seq > ?1 AND (?2 IS NULL OR municipality = ?2) AND (?3 IS NULL OR actor_id = ?3)"             \
    " AND (?4 IS NULL OR action = ?4) ORDER BY seq LIMIT ?5"

static const char SQL_INSERT[] =
    "INSERT INTO audit_events(" AUDIT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_LIST_MUNICIPALITY[] = AUDIT_SELECT "municipality = ?2 AND " AUDIT_WHERE;
static const char SQL_LIST_ACTOR[] = AUDIT_SELECT "actor_id = ?3 AND " AUDIT_WHERE;
static const char SQL_LIST_ANY[] = AUDIT_SELECT AUDIT_WHERE;

/* clang-format off */
static const sq_field audit_fields[] = {
    SQ_F(store_audit, seq, SQ_I64, SQ_NULL),
    SQ_F(store_audit, at_ms, SQ_I64, 0),
    SQ_F(store_audit, actor_kind, SQ_TEXT, SQ_REQ),
    SQ_F(store_audit, actor_id, SQ_TEXT, 0),
    SQ_F(store_audit, action, SQ_TEXT, SQ_REQ),
    SQ_F(store_audit, municipality, SQ_TEXT, 0),
    SQ_F(store_audit, object_type, SQ_TEXT, 0),
    SQ_F(store_audit, object_id, SQ_TEXT, 0),
    SQ_F(store_audit, request_id, SQ_TEXT, 0),
    SQ_F(store_audit, outcome, SQ_TEXT, SQ_REQ),
};
/* clang-format on */
const sq_table sq_audit_table = SQ_TABLE("audit event", store_audit, audit_fields);

int sq_audit_prepare(store_audit *event, kn_err *err)
{
    int status = sq_check(&sq_audit_table, event, err);
    if (status != KN_OK)
        return status;
    event->seq = 0; /* bound as NULL: SQLite assigns it */
    if (event->at_ms == 0)
        event->at_ms = kn_now_ms();
    return KN_OK;
}

int sq_audit_insert(sq_conn *c, const store_audit *event, kn_err *err)
{
    return sq_insert(c, SQL_INSERT, &sq_audit_table, event, err);
}

int sq_audit_append(store *st, const store_audit *event, kn_err *err)
{
    if (!event)
        return kn_err_set(err, KN_EINVAL, "audit event: missing");
    store_audit copy = *event;
    int status = sq_audit_prepare(&copy, err);
    if (status != KN_OK)
        return status;
    return sq_write_insert(SQ(st), SQL_INSERT, &sq_audit_table, &copy, err);
}

int sq_audit_list(store *st, const store_audit_filter *filter, store_audit **list, size_t *n,
                  kn_err *err)
{
    if (!filter || !list || !n || filter->limit == 0)
        return kn_err_set(err, KN_EINVAL, "audit event: bad filter");
    size_t limit = filter->limit > SQ_AUDIT_LIST_MAX ? SQ_AUDIT_LIST_MAX : filter->limit;
    const char *sql = filter->municipality ? SQL_LIST_MUNICIPALITY
                      : filter->actor_id   ? SQL_LIST_ACTOR
                                           : SQL_LIST_ANY;
    sq_arg args[] = {SQ_NUM(filter->after_seq), SQ_TXT(filter->municipality),
                     SQ_TXT(filter->actor_id), SQ_TXT(filter->action), SQ_NUM((int64_t)limit)};
    return sq_read_list(SQ(st), sql, args, SQ_NARGS(args), &sq_audit_table, limit, (void **)list, n,
                        err);
}
