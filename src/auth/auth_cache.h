/* auth_cache.h - private to src/auth: a small, bounded cache from the SHA-256
 * of a credential (API key, JWT, session cookie) to the principal it proved,
 * so a busy client does not cost a database read and a signature check on
 * every request.
 *
 * Bounds: a fixed number of slots (direct-mapped by the hash, a collision
 * simply replaces the older entry) and a lifetime of at most `ttl_s` seconds,
 * never beyond the credential's own expiry. So disabling a user or client
 * takes effect within ttl_s; logout removes its entry at once.
 * Thread-safe (striped mutexes); ttl_s = 0 turns the cache off.
 */
#ifndef KN_AUTH_CACHE_H
#define KN_AUTH_CACHE_H

#include "auth.h"

#include <stdint.h>

#define AUTH_CACHE_KEY_LEN 65    /* hex SHA-256 + NUL */

typedef struct auth_cache auth_cache;

/* Create a cache with `slots` entries (rounded up to a power of two). */
int auth_cache_new(size_t slots, int64_t ttl_s, auth_cache **out, kn_err *err);
void auth_cache_free(auth_cache *cache);   /* NULL-safe */

/* 1 and *out filled when key has a live entry at `now`; else 0. */
int auth_cache_get(auth_cache *cache, const char *key, int64_t now, auth_principal *out);

/* Remember p for key until min(now + ttl, expires_at) (expires_at 0 = none). */
void auth_cache_put(auth_cache *cache, const char *key, const auth_principal *p, int64_t now,
                    int64_t expires_at);

/* Forget key (logout). */
void auth_cache_remove(auth_cache *cache, const char *key);

#endif
