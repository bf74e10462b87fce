/* auth_internal.h - private to src/auth: the auth_ctx layout and the helpers
 * the auth_*.c files share (hashing secrets for lookup, filling principals).
 * Nothing outside src/auth includes this; the public contract is auth.h.
 */
#ifndef KN_AUTH_INTERNAL_H
#define KN_AUTH_INTERNAL_H

#include "auth.h"
#include "auth_cache.h"
#include "auth_jwt.h"

#include <stddef.h>
#include <stdint.h>

#define AUTH_SHA256_HEX_LEN 65 /* 64 hex chars + NUL */

struct auth_ctx {
    store *st; /* borrowed */
    char issuer[256];
    char audience[256];
    int64_t leeway_s;
    int64_t session_ttl_s;
    int lockout_threshold;
    int64_t lockout_s;
    auth_jwks *jwks; /* NULL: JWT bearer tokens are not accepted */
    auth_cache *cache; /* credential -> principal; internally synchronised */
};

/* Lowercase hex SHA-256 of the string s (the lookup form of cookies and API keys). */
void auth_sha256_hex(const char *s, char out[AUTH_SHA256_HEX_LEN]);

/* Verify password against a hash of an unknown password and discard the result,
 * so a login for an unknown or disabled user takes as long as a real one. */
void auth_password_verify_dummy(const char *password);

/* Role names of mask joined by sep ("operator|admin") into out; KN_OK or KN_ETOOLARGE. */
int auth_roles_join(uint32_t mask, const char *sep, char *out, size_t size);

/* Fill a principal from a store record; scopes/csrf_token are left empty. */
void auth_principal_from_user(const store_user *user, auth_principal *out);
void auth_principal_from_client(const store_client *client, auth_principal *out);

#endif
