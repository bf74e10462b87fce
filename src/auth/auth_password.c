/* auth_password.c - argon2id password hashing (libsodium, interactive limits)
 * and creating users, the only place a plain password is turned into a hash;
 * listing users, with the hashes cleared. auth_session.c verifies passwords at
 * login; the CLI adds users.
 */
#include "auth_internal.h"

#include "../core/core_util.h"

#include <sodium.h>
#include <string.h>

#define PASSWORD_MIN_CHARS 10
#define PASSWORD_MAX_BYTES 1024

/* Hash of a random password nobody knows, with the same parameters as real
 * hashes: verified against when the user is unknown, so timing does not tell. */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$i7LUern93wFZ3fP8tXLSDQ$"
    "d3+0MbG6Wdfx5iRp1n5pAgQ5QBotcfbZTLA9eGLcLOA";

/* Characters, not bytes: UTF-8 continuation bytes are not counted. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int auth_password_hash(const char *password, char out[STORE_PWHASH_LEN], kn_err *err)
{
    if (!password || utf8_chars(password) < PASSWORD_MIN_CHARS)
        return kn_err_set(err, KN_EINVAL, "password must have at least %d characters",
                          PASSWORD_MIN_CHARS);
    size_t len = strlen(password);
    if (len > PASSWORD_MAX_BYTES)
        return kn_err_set(err, KN_EINVAL, "password longer than %d bytes", PASSWORD_MAX_BYTES);
    if (kn_util_init() != KN_OK)
        return kn_err_set(err, KN_EINTERNAL, "libsodium initialisation failed");
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hash, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return kn_err_set(err, KN_ENOMEM, "out of memory hashing password");
    return kn_strcpy(out, STORE_PWHASH_LEN, hash) == KN_OK
               ? KN_OK
               : kn_err_set(err, KN_EINTERNAL, "password hash too long");
}

int auth_password_verify(const char *encoded_hash, const char *password)
{
    if (!encoded_hash || !password || strlen(password) > PASSWORD_MAX_BYTES)
        return 0;
    char hash[crypto_pwhash_STRBYTES]; /* the size libsodium's prototype promises */
    if (strncmp(encoded_hash, "$argon2id$", 10) != 0 ||
        kn_strcpy(hash, sizeof hash, encoded_hash) != KN_OK)
        return 0;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void auth_password_verify_dummy(const char *password)
{
    (void)auth_password_verify(dummy_hash, password ? password : "");
}

int auth_user_add(store *st, store_user *user, const char *password, kn_err *err)
{
    if (!user->username[0])
        return kn_err_set(err, KN_EINVAL, "username is required");
    if (user->ngrants > STORE_MAX_GRANTS)
        return kn_err_set(err, KN_EINVAL, "at most %d grants", STORE_MAX_GRANTS);
    int rc = auth_password_hash(password, user->password_hash, err);
    if (rc != KN_OK)
        return rc;
    user->failed_logins = 0;
    user->locked_until = 0;
    return st->ops->user_create(st, user, err);
}

/* Does the viewer administer an organisation where u holds a grant? */
static int administers(const auth_principal *viewer, const store_user *u)
{
    for (size_t i = 0; i < u->ngrants; i++)
        if (auth_require(viewer, AUTH_ROLE_ADMIN, u->grants[i].orgnr, NULL, NULL) == KN_OK)
            return 1;
    return 0;
}

int auth_user_list(store *st, const auth_principal *viewer, store_user **list, size_t *n,
                   kn_err *err)
{
    int rc = st->ops->user_list(st, list, n, err);
    if (rc != KN_OK)
        return rc;
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        store_user *u = &(*list)[i];
        sodium_memzero(u->password_hash, sizeof u->password_hash);
        if (!viewer || administers(viewer, u))
            (*list)[kept++] = *u;
    }
    *n = kept;
    return KN_OK;
}
