/* test_core.c - status vocabulary, kn_err, bounded buffers and helpers
 * (core_status.h, core_err.h, core_buf.h, core_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_buf.h"
#include "core/core_err.h"
#include "core/core_util.h"

#include <stdlib.h>
#include <string.h>

static void test_status_mapping(void **state)
{
    (void)state;
    assert_int_equal(kn_status_http(KN_OK), 200);
    assert_int_equal(kn_status_http(KN_ENOTFOUND), 404);
    assert_int_equal(kn_status_http(KN_ETOOLARGE), 413);
    assert_int_equal(kn_status_http(KN_EMEDIA), 415);
    assert_int_equal(kn_status_http(KN_EUNAUTH), 401);
    assert_int_equal(kn_status_http(-999), 500);
    assert_string_equal(kn_status_code(KN_EFORBIDDEN), "forbidden");
    assert_string_equal(kn_status_code(-999), "internal");
}

static void test_err(void **state)
{
    (void)state;
    kn_err err;
    assert_int_equal(kn_err_set(&err, KN_EINVAL, "field '%s' bad", "x"), KN_EINVAL);
    assert_int_equal(err.status, KN_EINVAL);
    assert_string_equal(err.msg, "field 'x' bad");
    char longtext[600];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    kn_err_set(&err, KN_EINVAL, "%s", longtext);
    assert_int_equal(strlen(err.msg), KN_ERR_MSG_MAX - 1);
    assert_int_equal(kn_err_set(NULL, KN_EIO, "ignored"), KN_EIO);
    kn_err_clear(&err);
    assert_int_equal(err.status, KN_OK);
    assert_string_equal(err.msg, "");
}

static void test_buf_limit(void **state)
{
    (void)state;
    kn_buf b;
    kn_buf_init(&b, 10);
    assert_int_equal(kn_buf_puts(&b, "hello"), KN_OK);
    assert_int_equal(kn_buf_printf(&b, "%d", 1234), KN_OK);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(kn_buf_puts(&b, "xx"), KN_ETOOLARGE);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(kn_buf_printf(&b, "%s", "yy"), KN_ETOOLARGE);
    assert_int_equal(kn_buf_puts(&b, "z"), KN_OK);
    assert_int_equal(b.len, 10);
    size_t len = 0;
    char *s = kn_buf_detach(&b, &len);
    assert_int_equal(len, 10);
    assert_string_equal(s, "hello1234z");
    free(s);
    assert_null(b.data);
    kn_buf_release(&b);
    kn_buf_release(NULL);
}

static void test_buf_growth(void **state)
{
    (void)state;
    kn_buf b;
    kn_buf_init(&b, 1 << 20);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(kn_buf_append(&b, "0123456789", 10), KN_OK);
    assert_int_equal(b.len, 100000);
    assert_int_equal(b.data[b.len], '\0');
    kn_buf_reset(&b);
    assert_int_equal(b.len, 0);
    kn_buf_release(&b);
}

static void test_parse_long(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(kn_parse_long("42", 0, 100, &v), KN_OK);
    assert_int_equal(v, 42);
    assert_int_equal(kn_parse_long("-1", 0, 100, &v), KN_EINVAL);
    assert_int_equal(kn_parse_long("101", 0, 100, &v), KN_EINVAL);
    assert_int_equal(kn_parse_long("4x", 0, 100, &v), KN_EINVAL);
    assert_int_equal(kn_parse_long("", 0, 100, &v), KN_EINVAL);
    assert_int_equal(kn_parse_long("99999999999999999999", 0, 100, &v), KN_EINVAL);
}

static void test_ids_sort_by_time(void **state)
{
    (void)state;
    char a[33], b[33];
    kn_id_new(a);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    kn_id_new(b);
    assert_string_not_equal(a, b);
    assert_true(memcmp(a, b, 12) <= 0);
}

static void test_b64url(void **state)
{
    (void)state;
    const unsigned char raw[] = {0xfb, 0xff, 0x00, 0x41};
    char text[16];
    assert_int_equal(kn_b64url_encode(raw, sizeof raw, text, sizeof text), KN_OK);
    assert_string_equal(text, "-_8AQQ");
    unsigned char back[8];
    size_t n = 0;
    assert_int_equal(kn_b64url_decode(text, strlen(text), back, sizeof back, &n), KN_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(back, raw, 4);
    assert_int_equal(kn_b64url_decode("-_8A+Q", 6, back, sizeof back, &n), KN_EINVAL);
    assert_int_equal(kn_b64url_encode(raw, sizeof raw, text, 4), KN_ETOOLARGE);
}

static void test_strcpy(void **state)
{
    (void)state;
    char small[4];
    assert_int_equal(kn_strcpy(small, sizeof small, "abc"), KN_OK);
    assert_int_equal(kn_strcpy(small, sizeof small, "abcd"), KN_ETOOLARGE);
    assert_string_equal(small, "abc");
    assert_true(kn_ct_equal("abc", "abc", 3));
    assert_false(kn_ct_equal("abc", "abd", 3));
}

static int setup(void **state)
{
    (void)state;
    return kn_util_init() == KN_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_mapping), cmocka_unit_test(test_err),
        cmocka_unit_test(test_buf_limit),      cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_parse_long),     cmocka_unit_test(test_ids_sort_by_time),
        cmocka_unit_test(test_b64url),         cmocka_unit_test(test_strcpy),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
