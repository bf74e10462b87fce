/* store_sqlite_user.c - human users (username unique) with their grants, and
 * the login bookkeeping auth relies on.
 *
 * user_login_failed is one UPDATE executed by the writer, so concurrent failed
 * logins cannot lose increments: the counter and the lock are computed from the
 * row's current values inside the write transaction.
 */
#include "store_sqlite_int.h"

#include <string.h>

#define USER_COLS                                                                                  \
    "id, username, display_name, password_hash, disabled, failed_logins, locked_until, created_at"

static const char SQL_INSERT[] = "INSERT INTO users(" USER_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GET[] = "SELECT " USER_COLS " FROM users WHERE id = ?1";
static const char SQL_GET_BY_NAME[] = "SELECT " USER_COLS " FROM users WHERE username = ?1";
static const char SQL_LIST[] = "SELECT " USER_COLS " FROM users ORDER BY username LIMIT ?1";
static const char SQL_SET_DISABLED[] = "UPDATE users SET disabled = ?2 WHERE username = ?1";
static const char SQL_LOGIN_FAILED[] =
    "UPDATE users SET"
    " locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 + ?4 ELSE locked_until END,"
    " failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END"
    " WHERE id = ?1";
static const char SQL_LOGIN_OK[] = "UPDATE users SET failed_logins = 0 WHERE id = ?1";
static const char SQL_GRANT_INSERT[] =
    "INSERT INTO user_grants(user_id, orgnr, roles) VALUES (?1, ?2, ?3)";
static const char SQL_GRANTS[] =
    "SELECT orgnr, roles FROM user_grants WHERE user_id = ?1 ORDER BY rowid";

/* clang-format off */
static const sq_field user_fields[] = {
    SQ_F(store_user, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_user, username, SQ_TEXT, SQ_REQ),
    SQ_F(store_user, display_name, SQ_TEXT, 0),
    SQ_F(store_user, password_hash, SQ_TEXT, 0),
    SQ_F(store_user, disabled, SQ_INT, 0),
    SQ_F(store_user, failed_logins, SQ_INT, 0),
    SQ_F(store_user, locked_until, SQ_I64, 0),
    SQ_F(store_user, created_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table user_table = SQ_TABLE("user", store_user, user_fields);

static const sq_principal user_principal = {
    .table = &user_table,
    .insert_sql = SQL_INSERT,
    .list_sql = SQL_LIST,
    .grant_insert_sql = SQL_GRANT_INSERT,
    .grant_select_sql = SQL_GRANTS,
    .id_off = offsetof(store_user, id),
    .created_off = offsetof(store_user, created_at),
    .ngrants_off = offsetof(store_user, ngrants),
    .grants_off = offsetof(store_user, grants),
};

int sq_user_create(store *st, store_user *user, kn_err *err)
{
    if (!user)
        return kn_err_set(err, KN_EINVAL, "user: missing");
    store_user rec = *user;
    int status = sq_principal_create(SQ(st), &user_principal, &rec, err);
    if (status == KN_OK) {
        memcpy(user->id, rec.id, sizeof user->id);
        user->created_at = rec.created_at;
    }
    return status;
}

int sq_user_get(store *st, const char *id, store_user *out, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "user", err);
    if (status != KN_OK)
        return status;
    return sq_principal_get(SQ(st), &user_principal, SQL_GET, id, out, err);
}

int sq_user_get_by_name(store *st, const char *username, store_user *out, kn_err *err)
{
    int status = sq_check_key(username, sizeof out->username, "user", err);
    if (status != KN_OK)
        return status;
    return sq_principal_get(SQ(st), &user_principal, SQL_GET_BY_NAME, username, out, err);
}

int sq_user_list(store *st, store_user **list, size_t *n, kn_err *err)
{
    return sq_principal_list(SQ(st), &user_principal, (void **)list, n, err);
}

int sq_user_set_disabled(store *st, const char *username, int disabled, kn_err *err)
{
    int status = sq_check_key(username, sizeof((store_user *)0)->username, "user", err);
    if (status != KN_OK)
        return status;
    sq_arg args[] = {SQ_TXT(username), SQ_NUM(disabled ? 1 : 0)};
    return sq_write_exec(SQ(st), SQL_SET_DISABLED, args, 2, "user", err);
}

int sq_user_login_failed(store *st, const char *id, int threshold, int64_t now,
                         int64_t lock_seconds, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "user", err);
    if (status != KN_OK)
        return status;
    if (threshold < 1 || lock_seconds < 0)
        return kn_err_set(err, KN_EINVAL, "user: bad lockout settings");
    sq_arg args[] = {SQ_TXT(id), SQ_NUM(threshold), SQ_NUM(now), SQ_NUM(lock_seconds)};
    return sq_write_exec(SQ(st), SQL_LOGIN_FAILED, args, 4, "user", err);
}

int sq_user_login_succeeded(store *st, const char *id, kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "user", err);
    if (status != KN_OK)
        return status;
    sq_arg key = SQ_TXT(id);
    return sq_write_exec(SQ(st), SQL_LOGIN_OK, &key, 1, "user", err);
}
