/* store_sqlite_session.c - browser sessions, keyed by the hash of the cookie.
 *
 * The store keeps sessions as given; expiry is checked by auth, not here.
 * A session must belong to an existing user (foreign key, else KN_EINVAL).
 */
#include "store_sqlite_int.h"

#define SESSION_COLS "token_hash, user_id, csrf_token, created_at, expires_at"

static const char SQL_INSERT[] = "INSERT INTO sessions(" SESSION_COLS ") VALUES (?, ?, ?, ?, ?)";
static const char SQL_GET[] = "SELECT " SESSION_COLS " FROM sessions WHERE token_hash = ?1";
static const char SQL_DELETE[] = "DELETE FROM sessions WHERE token_hash = ?1";

/* clang-format off */
static const sq_field session_fields[] = {
    SQ_F(store_session, token_hash, SQ_TEXT, SQ_REQ),
    SQ_F(store_session, user_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_session, csrf_token, SQ_TEXT, 0),
    SQ_F(store_session, created_at, SQ_I64, 0),
    SQ_F(store_session, expires_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table session_table = SQ_TABLE("session", store_session, session_fields);

int sq_session_create(store *st, const store_session *session, kn_err *err)
{
    if (!session)
        return kn_err_set(err, KN_EINVAL, "session: missing");
    int status = sq_check(&session_table, session, err);
    if (status != KN_OK)
        return status;
    return sq_write_insert(SQ(st), SQL_INSERT, &session_table, session, err);
}

int sq_session_get(store *st, const char *token_hash, store_session *out, kn_err *err)
{
    int status = sq_check_key(token_hash, STORE_HASH_LEN, "session", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(token_hash);
    return sq_read_get(SQ(st), SQL_GET, &key, 1, &session_table, out, err);
}

int sq_session_delete(store *st, const char *token_hash, kn_err *err)
{
    int status = sq_check_key(token_hash, STORE_HASH_LEN, "session", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(token_hash);
    return sq_write_exec(SQ(st), SQL_DELETE, &key, 1, "session", err);
}
