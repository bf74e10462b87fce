/* test_auth_cache.c - the credential cache: hits only for the exact key and
 * only while live, bounded by ttl and by the credential's own expiry, removal
 * on logout, ttl 0 = off, and colliding keys never confuse principals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/auth_cache.h"
#include "core/core_util.h"

#include <stdio.h>
#include <string.h>

static auth_principal principal(const char *id)
{
    auth_principal p;
    memset(&p, 0, sizeof p);
    p.kind = AUTH_PRINCIPAL_CLIENT;
    kn_strcpy(p.id, sizeof p.id, id);
    return p;
}

static void key_of(int i, char out[AUTH_CACHE_KEY_LEN])
{
    unsigned char raw[32] = {0};
    raw[0] = (unsigned char)i;
    raw[31] = (unsigned char)(i >> 8);
    kn_hex(raw, sizeof raw, out);
}

static void test_hit_miss_expiry(void **state)
{
    (void)state;
    auth_cache *c = NULL;
    assert_int_equal(auth_cache_new(64, 5, &c, NULL), KN_OK);
    char k1[AUTH_CACHE_KEY_LEN], k2[AUTH_CACHE_KEY_LEN];
    key_of(1, k1);
    key_of(2, k2);
    auth_principal p = principal("client-1"), got;
    assert_false(auth_cache_get(c, k1, 1000, &got));
    auth_cache_put(c, k1, &p, 1000, 0);
    assert_true(auth_cache_get(c, k1, 1004, &got));
    assert_string_equal(got.id, "client-1");
    assert_false(auth_cache_get(c, k1, 1005, &got));   /* ttl over */
    assert_false(auth_cache_get(c, k2, 1001, &got));   /* other key */
    auth_cache_put(c, k2, &p, 1000, 1002);              /* credential expires first */
    assert_true(auth_cache_get(c, k2, 1001, &got));
    assert_false(auth_cache_get(c, k2, 1002, &got));
    auth_cache_put(c, k1, &p, 2000, 0);
    auth_cache_remove(c, k1);
    assert_false(auth_cache_get(c, k1, 2001, &got));
    auth_cache_free(c);
}

static void test_off_and_collisions(void **state)
{
    (void)state;
    auth_cache *off = NULL;
    assert_int_equal(auth_cache_new(64, 0, &off, NULL), KN_OK);
    char k[AUTH_CACHE_KEY_LEN];
    key_of(7, k);
    auth_principal p = principal("x"), got;
    auth_cache_put(off, k, &p, 1, 0);
    assert_false(auth_cache_get(off, k, 1, &got));
    auth_cache_free(off);
    auth_cache_free(NULL);

    /* 16 slots, 300 keys: many share a slot; a hit must always be the right principal. */
    auth_cache *c = NULL;
    assert_int_equal(auth_cache_new(16, 60, &c, NULL), KN_OK);
    for (int i = 0; i < 300; i++) {
        char id[32];
        snprintf(id, sizeof id, "p%d", i);
        auth_principal pi = principal(id);
        key_of(i, k);
        auth_cache_put(c, k, &pi, 100, 0);
    }
    int hits = 0;
    for (int i = 0; i < 300; i++) {
        char id[32];
        snprintf(id, sizeof id, "p%d", i);
        key_of(i, k);
        if (auth_cache_get(c, k, 101, &got)) {
            assert_string_equal(got.id, id);
            hits++;
        }
    }
    assert_true(hits > 0 && hits <= 16);
    auth_cache_free(c);
}

int main(void)
{
    kn_util_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss_expiry),
        cmocka_unit_test(test_off_and_collisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
