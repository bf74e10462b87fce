/* auth_principal.c - helpers shared by the auth_*.c files: turning store
 * records into principals and hashing secrets (session cookies, API keys) into
 * the hex SHA-256 form the store keeps instead of the secret itself.
 */
#include "auth_internal.h"

#include "../core/core_util.h"

#include <sodium.h>
#include <string.h>

void auth_sha256_hex(const char *s, char out[AUTH_SHA256_HEX_LEN])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)s, strlen(s));
    kn_hex(digest, sizeof digest, out);
}

static void principal_fill(int kind, const char *id, const char *name, const store_grant *grants,
                           size_t n, auth_principal *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    kn_strcpy(out->id, sizeof out->id, id);
    kn_strcpy(out->name, sizeof out->name, name);
    out->ngrants = n > STORE_MAX_GRANTS ? STORE_MAX_GRANTS : n;
    memcpy(out->grants, grants, out->ngrants * sizeof grants[0]);
}

void auth_principal_from_user(const store_user *user, auth_principal *out)
{
    principal_fill(AUTH_PRINCIPAL_USER, user->id, user->username, user->grants, user->ngrants, out);
}

void auth_principal_from_client(const store_client *client, auth_principal *out)
{
    principal_fill(AUTH_PRINCIPAL_CLIENT, client->id, client->name, client->grants,
                   client->ngrants, out);
}
