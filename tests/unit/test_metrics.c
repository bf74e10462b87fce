/* test_metrics.c - core_metrics: Prometheus text exposition of the request
 * counter and histograms (cumulative buckets, +Inf, _sum, _count), the store
 * histograms, queue gauges, label escaping, concurrent updates and the label
 * table limit. Metrics are process-wide, so each test uses its own route name
 * and the table-limit test runs last. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/core_metrics.h"
#include "core/core_status.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *render(void)
{
    kn_buf out;
    kn_buf_init(&out, 4 * 1024 * 1024);
    assert_int_equal(kn_metrics_render(&out), KN_OK);
    return kn_buf_detach(&out, NULL);
}

/* The value on the line that starts with `prefix` (which must be unique). */
static double sample(const char *text, const char *prefix)
{
    const char *line = text;
    const char *found = NULL;
    while (line && *line) {
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            assert_null(found);
            found = line;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    if (!found)
        fail_msg("no sample line starting with %s", prefix);
    return strtod(found + strlen(prefix), NULL);
}

/* The knute_http_requests_total sample of one series; route as escaped in the text. */
static double requests(const char *text, const char *route, const char *method, int status)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix,
             "knute_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} ", route, method,
             status);
    return sample(text, prefix);
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    return n;
}

static void test_family_headers(void **state)
{
    (void)state;
    char *text = render();
    const char *families[][2] = {
        {"knute_http_requests_total", "counter"},
        {"knute_http_request_duration_seconds", "histogram"},
        {"knute_store_commit_duration_seconds", "histogram"},
        {"knute_store_commit_batch_size", "histogram"},
        {"knute_queue_depth", "gauge"},
    };
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        char type[128], help[128];
        snprintf(type, sizeof type, "# TYPE %s %s\n", families[i][0], families[i][1]);
        snprintf(help, sizeof help, "# HELP %s ", families[i][0]);
        const char *t = strstr(text, type), *h = strstr(text, help);
        assert_non_null(t);
        assert_non_null(h);
        assert_true(h < t); /* HELP then TYPE, each once */
        assert_null(strstr(t + 1, type));
    }
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);
}

static void test_http_counter_and_buckets(void **state)
{
    (void)state;
    kn_metrics_http("/t/buckets", "GET", 200, 0.0004);
    kn_metrics_http("/t/buckets", "GET", 200, 0.003);
    kn_metrics_http("/t/buckets", "GET", 200, 20.0);
    kn_metrics_http("/t/buckets", "GET", 404, 0.001);
    char *text = render();
    const char *l = "route=\"/t/buckets\",method=\"GET\",status=\"200\"";
    char p[256];
#define AT(fmt) (snprintf(p, sizeof p, fmt, l), sample(text, p))
    assert_true(AT("knute_http_requests_total{%s} ") == 3);
    assert_true(AT("knute_http_request_duration_seconds_bucket{%s,le=\"0.0005\"} ") == 1);
    assert_true(AT("knute_http_request_duration_seconds_bucket{%s,le=\"0.001\"} ") == 1);
    assert_true(AT("knute_http_request_duration_seconds_bucket{%s,le=\"0.0025\"} ") == 1);
    assert_true(AT("knute_http_request_duration_seconds_bucket{%s,le=\"0.005\"} ") == 2);
    assert_true(AT("knute_http_request_duration_seconds_bucket{%s,le=\"10\"} ") == 2);
    assert_true(AT("knute_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} ") == 3);
    assert_true(AT("knute_http_request_duration_seconds_count{%s} ") == 3);
    double sum = AT("knute_http_request_duration_seconds_sum{%s} ");
#undef AT
    assert_true(sum > 20.0033 && sum < 20.0035);
    assert_true(requests(text, "/t/buckets", "GET", 404) == 1);
    /* every bucket line of this series: 14 bounds + +Inf */
    snprintf(p, sizeof p, "knute_http_request_duration_seconds_bucket{%s,", l);
    assert_int_equal(count_lines(text, p), 15);
    free(text);
}

static void test_methods_are_interned(void **state)
{
    (void)state;
    char method[8] = "POST";
    kn_metrics_http("/t/method", method, 201, 0.01);
    memcpy(method, "XX", 3); /* the table must not keep the caller's buffer */
    kn_metrics_http("/t/method", "BREW", 201, 0.01);
    char *text = render();
    assert_true(requests(text, "/t/method", "POST", 201) == 1);
    assert_true(requests(text, "/t/method", "OTHER", 201) == 1);
    free(text);
}

static void test_label_escaping(void **state)
{
    (void)state;
    kn_metrics_http("/t/\"q\"\\n", "GET", 200, 0.01);
    kn_metrics_http("/t/nl\n", "GET", 200, 0.01);
    char *text = render();
    assert_true(requests(text, "/t/nl\\n", "GET", 200) == 1);
    assert_true(requests(text, "/t/\\\"q\\\"\\\\n", "GET", 200) == 1);
    free(text);
}

static void test_store_histograms(void **state)
{
    (void)state;
    kn_metrics_store_commit(0.002, 1);
    kn_metrics_store_commit(0.2, 3);
    kn_metrics_store_commit(0.02, 1500);
    char *text = render();
    assert_true(sample(text, "knute_store_commit_batch_size_bucket{le=\"1\"} ") == 1);
    assert_true(sample(text, "knute_store_commit_batch_size_bucket{le=\"2\"} ") == 1);
    assert_true(sample(text, "knute_store_commit_batch_size_bucket{le=\"5\"} ") == 2);
    assert_true(sample(text, "knute_store_commit_batch_size_bucket{le=\"1000\"} ") == 2);
    assert_true(sample(text, "knute_store_commit_batch_size_bucket{le=\"+Inf\"} ") == 3);
    assert_true(sample(text, "knute_store_commit_batch_size_sum ") == 1504);
    assert_true(sample(text, "knute_store_commit_batch_size_count ") == 3);
    assert_true(sample(text, "knute_store_commit_duration_seconds_bucket{le=\"0.0025\"} ") == 1);
    assert_true(sample(text, "knute_store_commit_duration_seconds_bucket{le=\"0.25\"} ") == 3);
    assert_true(sample(text, "knute_store_commit_duration_seconds_count ") == 3);
    double sum = sample(text, "knute_store_commit_duration_seconds_sum ");
    assert_true(sum > 0.2219 && sum < 0.2221);
    free(text);
}

static void test_queue_gauge(void **state)
{
    (void)state;
    kn_metrics_queue_depth("t_outbox", 7);
    kn_metrics_queue_depth("t_inbox", 1);
    kn_metrics_queue_depth("t_outbox", 3);
    char *text = render();
    assert_true(sample(text, "knute_queue_depth{queue=\"t_outbox\"} ") == 3);
    assert_true(sample(text, "knute_queue_depth{queue=\"t_inbox\"} ") == 1);
    free(text);
}

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++)
        kn_metrics_http("/t/threads", "GET", 200 + i % 2, 0.001);
    return NULL;
}

static void test_concurrent_updates(void **state)
{
    (void)state;
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    char *text = render();
    assert_true(requests(text, "/t/threads", "GET", 200) == 40000);
    assert_true(requests(text, "/t/threads", "GET", 201) == 40000);
    free(text);
}

static void test_label_table_limit(void **state)
{
    (void)state;
    static char routes[700][16];
    for (int i = 0; i < 700; i++) {
        snprintf(routes[i], sizeof routes[i], "/t/many/%d", i);
        kn_metrics_http(routes[i], "GET", 200, 0.01);
    }
    char *text = render();
    int series = count_lines(text, "knute_http_requests_total{");
    assert_int_equal(series, 512);
    assert_true(sample(text, "knute_metrics_dropped_total ") >= 700 - 512);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_headers),
        cmocka_unit_test(test_http_counter_and_buckets),
        cmocka_unit_test(test_methods_are_interned),
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_store_histograms),
        cmocka_unit_test(test_queue_gauge),
        cmocka_unit_test(test_concurrent_updates),
        cmocka_unit_test(test_label_table_limit), /* fills the table: keep last */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
