/* test_config.c - settings table, file/env/flag sources and their errors
 * (core_config.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_config.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_defaults(void **state)
{
    (void)state;
    kn_config cfg;
    kn_config_defaults(&cfg);
    assert_int_equal(cfg.port, 8080);
    assert_int_equal(cfg.max_body_bytes, 1048576);
    assert_string_equal(cfg.database, "knute.db");
    assert_string_equal(cfg.environment, "test");
    assert_int_equal(cfg.access_log, 1);
    assert_int_equal(kn_config_validate(&cfg, NULL), KN_OK);
}

static void test_set_and_errors_name_the_key(void **state)
{
    (void)state;
    kn_config cfg;
    kn_config_defaults(&cfg);
    kn_err err;
    assert_int_equal(kn_config_set(&cfg, "port", "9090", "test", &err), KN_OK);
    assert_int_equal(cfg.port, 9090);
    assert_int_equal(kn_config_set(&cfg, "port", "70000", "test", &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "'port'"));
    assert_int_equal(cfg.port, 9090);
    assert_int_equal(kn_config_set(&cfg, "port", "80x", "test", &err), KN_ECONFIG);
    assert_int_equal(kn_config_set(&cfg, "prot", "80", "test", &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "unknown setting 'prot'"));
    assert_int_equal(kn_config_set(&cfg, "environment", "staging", "test", &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "production|test"));
    assert_int_equal(kn_config_set(&cfg, "access_log", "maybe", "test", &err), KN_ECONFIG);
    assert_int_equal(kn_config_set(&cfg, "access_log", "off", "test", &err), KN_OK);
    assert_int_equal(cfg.access_log, 0);
}

static void test_file(void **state)
{
    (void)state;
    char path[512];
    test_temp_path(path, sizeof path, "-good.conf");
    assert_int_equal(test_write_file(path,
                                     "# comment\n\nport = 8181\n  database = \"/tmp/x y.db\"  "
                                     "\nlog_level=warn\n"),
                     0);
    kn_config cfg;
    kn_config_defaults(&cfg);
    assert_int_equal(kn_config_load_file(&cfg, path, 1, NULL), KN_OK);
    assert_int_equal(cfg.port, 8181);
    assert_string_equal(cfg.database, "/tmp/x y.db");
    assert_string_equal(cfg.log_level, "warn");
    unlink(path);

    test_temp_path(path, sizeof path, "-bad.conf");
    assert_int_equal(test_write_file(path, "port = 8181\nthreads = many\n"), 0);
    kn_err err;
    assert_int_equal(kn_config_load_file(&cfg, path, 1, &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, ":2:"));
    assert_non_null(strstr(err.msg, "'threads'"));
    assert_int_equal(test_write_file(path, "just words\n"), 0);
    assert_int_equal(kn_config_load_file(&cfg, path, 1, &err), KN_ECONFIG);
    unlink(path);
    assert_int_equal(kn_config_load_file(&cfg, path, 0, &err), KN_OK);
    assert_int_equal(kn_config_load_file(&cfg, path, 1, &err), KN_ECONFIG);
}

static void test_env(void **state)
{
    (void)state;
    kn_config cfg;
    kn_config_defaults(&cfg);
    char *good[] = {"PATH=/bin", "KNUTE_PORT=7000", "KNUTE_LOG_LEVEL=debug", "KNUTE_TEST_TMP=/x", NULL};
    assert_int_equal(kn_config_load_env(&cfg, good, NULL), KN_OK);
    assert_int_equal(cfg.port, 7000);
    assert_string_equal(cfg.log_level, "debug");
    char *bad[] = {"KNUTE_PORTT=1", NULL};
    kn_err err;
    assert_int_equal(kn_config_load_env(&cfg, bad, &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "KNUTE_PORTT"));
}

static void test_validate(void **state)
{
    (void)state;
    kn_config cfg;
    kn_config_defaults(&cfg);
    kn_err err;
    kn_config_set(&cfg, "jwks_file", "/etc/jwks.json", "t", NULL);
    assert_int_equal(kn_config_validate(&cfg, &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "jwt_issuer"));
    kn_config_set(&cfg, "jwt_issuer", "https://helseid", "t", NULL);
    kn_config_set(&cfg, "jwt_audience", "knute", "t", NULL);
    assert_int_equal(kn_config_validate(&cfg, &err), KN_OK);
    kn_config_set(&cfg, "tls_cert", "/c.pem", "t", NULL);
    assert_int_equal(kn_config_validate(&cfg, &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "tls_key"));
}

static void count_setting(const char *key, const char *value, const char *doc, void *arg)
{
    assert_true(kn_config_known(key));
    assert_non_null(value);
    assert_true(strlen(doc) > 10);
    (*(int *)arg)++;
}

static void test_each(void **state)
{
    (void)state;
    kn_config cfg;
    kn_config_defaults(&cfg);
    int n = 0;
    kn_config_each(&cfg, count_setting, &n);
    assert_true(n >= 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_set_and_errors_name_the_key),
        cmocka_unit_test(test_file),     cmocka_unit_test(test_env),
        cmocka_unit_test(test_validate), cmocka_unit_test(test_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
