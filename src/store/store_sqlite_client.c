/* store_sqlite_client.c - machine clients (supplier systems, EPJ, alarm
 * receivers) with their grants.
 *
 * An API-key client is found by the SHA-256 hash of its key, a JWT client by
 * the token's client_id claim; the unused one is stored as NULL so the UNIQUE
 * constraints on key_hash and jwt_client_id only apply to real values.
 */
#include "store_sqlite_int.h"

#include <string.h>

#define CLIENT_COLS "id, name, kind, key_hash, jwt_client_id, scopes, disabled, created_at"

static const char SQL_INSERT[] =
    "INSERT INTO clients(" CLIENT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_BY_KEY_HASH[] = "SELECT " CLIENT_COLS " FROM clients WHERE key_hash = ?1";
static const char SQL_BY_JWT_ID[] = "SELECT " CLIENT_COLS " FROM clients WHERE jwt_client_id = ?1";
static const char SQL_LIST[] = "SELECT " CLIENT_COLS " FROM clients ORDER BY name LIMIT ?1";
static const char SQL_GRANT_INSERT[] =
    "INSERT INTO client_grants(client_id, orgnr, roles) VALUES (?1, ?2, ?3)";
static const char SQL_GRANTS[] =
    "SELECT orgnr, roles FROM client_grants WHERE client_id = ?1 ORDER BY rowid";

/* clang-format off */
static const sq_field client_fields[] = {
    SQ_F(store_client, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_client, name, SQ_TEXT, SQ_REQ),
    SQ_F(store_client, kind, SQ_INT, 0),
    SQ_F(store_client, key_hash, SQ_TEXT, SQ_NULL),
    SQ_F(store_client, jwt_client_id, SQ_TEXT, SQ_NULL),
    SQ_F(store_client, scopes, SQ_TEXT, 0),
    SQ_F(store_client, disabled, SQ_INT, 0),
    SQ_F(store_client, created_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table client_table = SQ_TABLE("client", store_client, client_fields);

static const sq_principal client_principal = {
    .table = &client_table,
    .insert_sql = SQL_INSERT,
    .list_sql = SQL_LIST,
    .grant_insert_sql = SQL_GRANT_INSERT,
    .grant_select_sql = SQL_GRANTS,
    .id_off = offsetof(store_client, id),
    .created_off = offsetof(store_client, created_at),
    .ngrants_off = offsetof(store_client, ngrants),
    .grants_off = offsetof(store_client, grants),
};

/* Each kind needs its own lookup key. */
static int client_kind_check(const store_client *c, kn_err *err)
{
    const char *key = c->kind == STORE_CLIENT_APIKEY ? c->key_hash
                      : c->kind == STORE_CLIENT_JWT  ? c->jwt_client_id
                                                     : NULL;
    if (!key)
        return kn_err_set(err, KN_EINVAL, "client: unknown kind %d", c->kind);
    if (!*key) /* termination is checked with the other fields */
        return kn_err_set(err, KN_EINVAL, "client: key hash or jwt client id required");
    return KN_OK;
}

int sq_client_create(store *st, store_client *client, kn_err *err)
{
    if (!client)
        return kn_err_set(err, KN_EINVAL, "client: missing");
    int status = client_kind_check(client, err);
    if (status != KN_OK)
        return status;
    store_client rec = *client;
    status = sq_principal_create(SQ(st), &client_principal, &rec, err);
    if (status == KN_OK) {
        memcpy(client->id, rec.id, sizeof client->id);
        client->created_at = rec.created_at;
    }
    return status;
}

int sq_client_get_by_key_hash(store *st, const char *key_hash, store_client *out, kn_err *err)
{
    int status = sq_check_key(key_hash, STORE_HASH_LEN, "client", err);
    if (status != KN_OK)
        return status;
    return sq_principal_get(SQ(st), &client_principal, SQL_BY_KEY_HASH, key_hash, out, err);
}

int sq_client_get_by_jwt_id(store *st, const char *jwt_client_id, store_client *out, kn_err *err)
{
    int status = sq_check_key(jwt_client_id, STORE_NAME_LEN, "client", err);
    if (status != KN_OK)
        return status;
    return sq_principal_get(SQ(st), &client_principal, SQL_BY_JWT_ID, jwt_client_id, out, err);
}

int sq_client_list(store *st, store_client **list, size_t *n, kn_err *err)
{
    return sq_principal_list(SQ(st), &client_principal, (void **)list, n, err);
}
