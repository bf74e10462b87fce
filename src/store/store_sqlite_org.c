/* store_sqlite_org.c - organisations: municipalities, suppliers, EPJ vendors
 * and national bodies, keyed by their 9-digit organisation number.
 *
 * org_put is an upsert (insert, or update every field of an existing orgnr).
 */
#include "store_sqlite_int.h"

#define ORG_COLS "orgnr, kind, name, inhabitants"

static const char SQL_PUT[] =
    "INSERT INTO organisations(" ORG_COLS ") VALUES (?, ?, ?, ?) ON CONFLICT(orgnr) DO UPDATE"
    " SET kind = excluded.kind, name = excluded.name, inhabitants = excluded.inhabitants";
static const char SQL_GET[] = "SELECT " ORG_COLS " FROM organisations WHERE orgnr = ?1";
static const char SQL_LIST[] = "SELECT " ORG_COLS " FROM organisations ORDER BY orgnr LIMIT ?1";

/* clang-format off */
static const sq_field org_fields[] = {
    SQ_F(store_org, orgnr, SQ_TEXT, SQ_REQ),
    SQ_F(store_org, kind, SQ_INT, 0),
    SQ_F(store_org, name, SQ_TEXT, SQ_REQ),
    SQ_F(store_org, inhabitants, SQ_I64, 0),
};
/* clang-format on */
static const sq_table org_table = SQ_TABLE("organisation", store_org, org_fields);

int sq_org_put(store *st, const store_org *org, kn_err *err)
{
    if (!org)
        return kn_err_set(err, KN_EINVAL, "organisation: missing");
    int status = sq_check(&org_table, org, err);
    if (status != KN_OK)
        return status;
    if (org->kind < STORE_ORG_MUNICIPALITY || org->kind > STORE_ORG_NATIONAL)
        return kn_err_set(err, KN_EINVAL, "organisation: unknown kind %d", org->kind);
    return sq_write_insert(SQ(st), SQL_PUT, &org_table, org, err);
}

int sq_org_get(store *st, const char *orgnr, store_org *out, kn_err *err)
{
    int status = sq_check_key(orgnr, STORE_ORGNR_LEN, "organisation", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(orgnr);
    return sq_read_get(SQ(st), SQL_GET, &key, 1, &org_table, out, err);
}

int sq_org_list(store *st, store_org **list, size_t *n, kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "organisation: no output");
    sq_arg max = SQ_NUM(SQ_LIST_MAX);
    return sq_read_list(SQ(st), SQL_LIST, &max, 1, &org_table, SQ_LIST_MAX, (void **)list, n, err);
}
