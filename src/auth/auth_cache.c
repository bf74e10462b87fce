/* auth_cache.c - the credential → principal cache (see auth_cache.h). Keys are
 * hex SHA-256 digests, uniformly spread, so the first 8 hex digits index the
 * slot directly; the whole key is compared before an entry is trusted. */
#include "auth_cache.h"

#include "../core/core_util.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_STRIPES 16

struct cache_slot {
    char key[AUTH_CACHE_KEY_LEN];
    int64_t expires_at;
    auth_principal principal;
};

struct auth_cache {
    size_t mask;
    int64_t ttl_s;
    pthread_mutex_t stripes[CACHE_STRIPES];
    struct cache_slot *slots;
};

int auth_cache_new(size_t slots, int64_t ttl_s, auth_cache **out, kn_err *err)
{
    size_t n = 16;
    while (n < slots)
        n *= 2;
    auth_cache *c = calloc(1, sizeof *c);
    if (c)
        c->slots = calloc(n, sizeof c->slots[0]);
    if (!c || !c->slots) {
        free(c);
        return kn_err_set(err, KN_ENOMEM, "out of memory for the credential cache");
    }
    c->mask = n - 1;
    c->ttl_s = ttl_s;
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_init(&c->stripes[i], NULL);
    *out = c;
    return KN_OK;
}

void auth_cache_free(auth_cache *cache)
{
    if (!cache)
        return;
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_destroy(&cache->stripes[i]);
    sodium_memzero(cache->slots, (cache->mask + 1) * sizeof cache->slots[0]);
    free(cache->slots);
    free(cache);
}

static size_t slot_index(const auth_cache *cache, const char *key)
{
    size_t h = 0;
    for (int i = 0; i < 8 && key[i]; i++)
        h = h * 16 + (size_t)(key[i] <= '9' ? key[i] - '0' : (key[i] | 0x20) - 'a' + 10);
    return h & cache->mask;
}

static pthread_mutex_t *stripe_of(auth_cache *cache, size_t index)
{
    return &cache->stripes[index % CACHE_STRIPES];
}

int auth_cache_get(auth_cache *cache, const char *key, int64_t now, auth_principal *out)
{
    if (!cache || cache->ttl_s <= 0)
        return 0;
    size_t i = slot_index(cache, key);
    int hit = 0;
    pthread_mutex_lock(stripe_of(cache, i));
    struct cache_slot *s = &cache->slots[i];
    if (s->expires_at > now && strcmp(s->key, key) == 0) {
        *out = s->principal;
        hit = 1;
    }
    pthread_mutex_unlock(stripe_of(cache, i));
    return hit;
}

void auth_cache_put(auth_cache *cache, const char *key, const auth_principal *p, int64_t now,
                    int64_t expires_at)
{
    if (!cache || cache->ttl_s <= 0)
        return;
    int64_t until = now + cache->ttl_s;
    if (expires_at > 0 && expires_at < until)
        until = expires_at;
    size_t i = slot_index(cache, key);
    pthread_mutex_lock(stripe_of(cache, i));
    struct cache_slot *s = &cache->slots[i];
    kn_strcpy(s->key, sizeof s->key, key);
    s->expires_at = until;
    s->principal = *p;
    pthread_mutex_unlock(stripe_of(cache, i));
}

void auth_cache_remove(auth_cache *cache, const char *key)
{
    if (!cache)
        return;
    size_t i = slot_index(cache, key);
    pthread_mutex_lock(stripe_of(cache, i));
    struct cache_slot *s = &cache->slots[i];
    if (strcmp(s->key, key) == 0)
        memset(s, 0, sizeof *s);
    pthread_mutex_unlock(stripe_of(cache, i));
}
