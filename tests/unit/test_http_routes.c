/* test_http_routes.c - the pure parts of the HTTP layer (http_int.h): path
 * pattern matching with {params}, 404/405 decisions with the Allow list, the
 * route table's own rules, JSON media types, request-id sanitising, JSON depth,
 * static path checks, strict query integers and problem documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/http_int.h"

#include <stdlib.h>
#include <string.h>

static void test_pattern_literal(void **state)
{
    (void)state;
    http_params p;
    assert_true(http_pattern_match("/healthz", "/healthz", &p));
    assert_int_equal(p.n, 0);
    assert_false(http_pattern_match("/healthz", "/healthz/", &p));
    assert_false(http_pattern_match("/healthz", "/health", &p));
    assert_false(http_pattern_match("/healthz", "/healthzz", &p));
    assert_false(http_pattern_match("/healthz", "", &p));
}

static void test_pattern_params(void **state)
{
    (void)state;
    http_params p;
    const char *pat = "/api/v1/municipalities/{orgnr}/citizens";
    assert_true(http_pattern_match(pat, "/api/v1/municipalities/939000011/citizens", &p));
    assert_int_equal(p.n, 1);
    assert_string_equal(http_param(&p, "orgnr"), "939000011");
    assert_null(http_param(&p, "id"));
    assert_false(http_pattern_match(pat, "/api/v1/municipalities//citizens", &p));
    assert_false(http_pattern_match(pat, "/api/v1/municipalities/1/2/citizens", &p));
    assert_false(http_pattern_match(pat, "/api/v1/municipalities/939000011", &p));
    assert_true(http_pattern_match("/a/{x}/b/{y}", "/a/1/b/two", &p));
    assert_int_equal(p.n, 2);
    assert_string_equal(http_param(&p, "x"), "1");
    assert_string_equal(http_param(&p, "y"), "two");
    assert_false(http_pattern_match("/a/{x}", "/a/1/", &p));
}

static void test_pattern_param_too_long(void **state)
{
    (void)state;
    char path[HTTP_PARAM_MAX + 16] = "/c/";
    memset(path + 3, 'a', HTTP_PARAM_MAX - 1);
    path[3 + HTTP_PARAM_MAX - 1] = '\0';
    http_params p;
    assert_true(http_pattern_match("/c/{id}", path, &p));
    assert_int_equal(strlen(http_param(&p, "id")), HTTP_PARAM_MAX - 1);
    path[3 + HTTP_PARAM_MAX - 1] = 'a';
    path[3 + HTTP_PARAM_MAX] = '\0';
    assert_false(http_pattern_match("/c/{id}", path, &p));
}

static void test_find_in_app_table(void **state)
{
    (void)state;
    size_t n;
    const http_route *table = http_routes(&n);
    http_match m;
    assert_int_equal(http_route_find(table, n, "GET", "/healthz", &m), KN_OK);
    assert_string_equal(m.route->pattern, "/healthz");
    assert_int_equal(http_route_find(table, n, "HEAD", "/healthz", &m), KN_OK);
    assert_string_equal(m.route->method, "GET");
    assert_int_equal(http_route_find(table, n, "GET", "/api/v1/citizens/abc", &m), KN_OK);
    assert_string_equal(http_param(&m.params, "id"), "abc");
    assert_int_equal(
        http_route_find(table, n, "POST", "/api/v1/municipalities/939000011/citizens", &m), KN_OK);
    assert_ptr_equal(m.route->handler, http_h_citizen_create);
    assert_int_equal(http_route_find(table, n, "GET", "/api/v1/nope", &m), KN_ENOTFOUND);
    assert_null(m.route);
    assert_int_equal(http_route_find(table, n, "GET", "/api/v1/citizens/a/b", &m), KN_ENOTFOUND);
}

static void test_method_not_allowed(void **state)
{
    (void)state;
    size_t n;
    const http_route *table = http_routes(&n);
    http_match m;
    assert_int_equal(http_route_find(table, n, "POST", "/healthz", &m), KN_EMETHOD);
    assert_null(m.route);
    assert_string_equal(m.allow, "GET, HEAD");
    assert_int_equal(http_route_find(table, n, "PUT", "/api/v1/session", &m), KN_EMETHOD);
    assert_string_equal(m.allow, "POST, GET, HEAD, DELETE");
    assert_int_equal(http_route_find(table, n, "DELETE", "/api/v1/citizens/x", &m), KN_EMETHOD);
    assert_string_equal(m.allow, "GET, HEAD");
}

static void test_find_in_custom_table(void **state)
{
    (void)state;
    const http_route table[] = {
        {"GET", "/x/{id}", http_h_healthz, HTTP_AUTH_NONE, 0, 0, NULL, NULL, HTTP_BODY_NONE, 0, NULL},
        {"PATCH", "/x/{id}", http_h_healthz, HTTP_AUTH_ANY, 0, 0, NULL, NULL, HTTP_BODY_JSON, 0, NULL},
        {"GET", "/x/me", http_h_noop, HTTP_AUTH_ANY, 0, 0, NULL, NULL, HTTP_BODY_NONE, 0, NULL},
    };
    http_match m;
    /* first matching row wins */
    assert_int_equal(http_route_find(table, 3, "GET", "/x/me", &m), KN_OK);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(http_route_find(table, 3, "PATCH", "/x/7", &m), KN_OK);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(http_route_find(table, 3, "DELETE", "/x/7", &m), KN_EMETHOD);
    assert_string_equal(m.allow, "GET, HEAD, PATCH");
}

/* Rules the table itself must keep. */
static void test_route_table_rules(void **state)
{
    (void)state;
    size_t n;
    const http_route *table = http_routes(&n);
    http_match m;
    for (size_t i = 0; i < n; i++) {
        const http_route *r = &table[i];
        int public_route =
            strcmp(r->pattern, "/healthz") == 0 || strcmp(r->pattern, "/readyz") == 0 ||
            (strcmp(r->pattern, "/api/v1/session") == 0 && strcmp(r->method, "POST") == 0) ||
            /* FHIR CapabilityStatement, public as FHIR servers commonly are */
            strcmp(r->pattern, "/fhir/metadata") == 0 ||
            strcmp(r->pattern, "/epj/r4/{orgnr}/metadata") == 0;
        assert_int_equal(r->auth == HTTP_AUTH_NONE, public_route);
        if (r->org_param) {
            char want[40];
            snprintf(want, sizeof want, "{%s}", r->org_param);
            assert_non_null(strstr(r->pattern, want));
        }
        if (r->body == HTTP_BODY_JSON)
            assert_true(strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
                        strcmp(r->method, "PATCH") == 0);
        assert_false(http_path_is_static(r->pattern));
        /* no row is shadowed by an earlier one */
        assert_int_equal(http_route_find(table, n, r->method, r->pattern, &m), KN_OK);
        assert_ptr_equal(m.route, r);
    }
}

static void test_json_content_types(void **state)
{
    (void)state;
    assert_true(http_content_type_is_json("application/json"));
    assert_true(http_content_type_is_json("application/json; charset=utf-8"));
    assert_true(http_content_type_is_json("Application/JSON;charset=UTF-8"));
    assert_true(http_content_type_is_json(" application/json "));
    assert_true(http_content_type_is_json("application/fhir+json"));
    assert_true(http_content_type_is_json("application/merge-patch+json; charset=utf-8"));
    assert_false(http_content_type_is_json(NULL));
    assert_false(http_content_type_is_json(""));
    assert_false(http_content_type_is_json("text/plain"));
    assert_false(http_content_type_is_json("text/json"));
    assert_false(http_content_type_is_json("application/jsonx"));
    assert_false(http_content_type_is_json("application/+json"));
    assert_false(http_content_type_is_json("application/json x"));
    assert_false(http_content_type_is_json("application/x-www-form-urlencoded"));
    assert_false(http_content_type_is_json("multipart/form-data; boundary=json"));
}

static int is_generated_id(const char *id)
{
    return strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32;
}

static void test_request_id(void **state)
{
    (void)state;
    char id[HTTP_REQUEST_ID_MAX + 1];
    http_request_id("abc-123-XYZ", id);
    assert_string_equal(id, "abc-123-XYZ");
    char longest[HTTP_REQUEST_ID_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[HTTP_REQUEST_ID_MAX] = '\0';
    http_request_id(longest, id);
    assert_string_equal(id, longest);
    longest[HTTP_REQUEST_ID_MAX] = 'a';
    longest[HTTP_REQUEST_ID_MAX + 1] = '\0';
    http_request_id(longest, id);
    assert_true(is_generated_id(id));
    const char *bad[] = {NULL, "", "a b", "a\"b", "a\nb", "é", "a_b", "../x", "a;b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_request_id(bad[i], id);
        assert_true(is_generated_id(id));
    }
    char other[HTTP_REQUEST_ID_MAX + 1];
    http_request_id(NULL, other);
    assert_string_not_equal(id, other);
}

static void test_json_depth(void **state)
{
    (void)state;
    const char *ok = "{\"a\":[[{\"b\":1}]]}";
    assert_true(http_json_depth_ok(ok, strlen(ok), 4));
    assert_false(http_json_depth_ok(ok, strlen(ok), 3));
    const char *quoted = "{\"a\":\"[[[[[[\\\"[[[[\"}";
    assert_true(http_json_depth_ok(quoted, strlen(quoted), 1));
    char deep[200];
    memset(deep, '[', sizeof deep);
    assert_true(http_json_depth_ok(deep, 32, 32));
    assert_false(http_json_depth_ok(deep, 33, 32));
}

static void test_static_paths(void **state)
{
    (void)state;
    assert_true(http_path_is_static("/"));
    assert_true(http_path_is_static("/index.html"));
    assert_true(http_path_is_static("/app/citizens"));
    assert_true(http_path_is_static("/apis"));
    assert_false(http_path_is_static("/api"));
    assert_false(http_path_is_static("/api/v1/x"));
    assert_false(http_path_is_static("/healthz"));
    assert_false(http_path_is_static("/readyz"));
    assert_false(http_path_is_static("/metrics"));

    char out[64];
    assert_int_equal(http_static_candidate("/w", "/", out, sizeof out), KN_OK);
    assert_string_equal(out, "/w/index.html");
    assert_int_equal(http_static_candidate("/w", "/app/", out, sizeof out), KN_OK);
    assert_string_equal(out, "/w/app/index.html");
    assert_int_equal(http_static_candidate("/w", "/css/a.css", out, sizeof out), KN_OK);
    assert_string_equal(out, "/w/css/a.css");
    const char *bad[] = {"/../etc/passwd", "/a/../../b", "/..",      "/a/./b", "/.git/config",
                         "/a\\..\\b",      "/a\x01",     "relative", "/a/.."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(http_static_candidate("/w", bad[i], out, sizeof out), KN_ENOTFOUND);
    char longpath[128];
    memset(longpath, 'a', sizeof longpath);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    assert_int_equal(http_static_candidate("/w", longpath, out, sizeof out), KN_ENOTFOUND);
}

static void test_static_types(void **state)
{
    (void)state;
    assert_string_equal(http_static_type("/w/index.html"), "text/html; charset=utf-8");
    assert_string_equal(http_static_type("/w/js/app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(http_static_type("/w/js/m.mjs"), "text/javascript; charset=utf-8");
    assert_string_equal(http_static_type("/w/a.css"), "text/css; charset=utf-8");
    assert_string_equal(http_static_type("/w/i.svg"), "image/svg+xml");
    assert_string_equal(http_static_type("/w/f.woff2"), "font/woff2");
    assert_string_equal(http_static_type("/w/favicon.ico"), "image/x-icon");
    assert_string_equal(http_static_type("/w/x.bin"), "application/octet-stream");
    assert_string_equal(http_static_type("/w.d/README"), "application/octet-stream");
}

static void test_query_long(void **state)
{
    (void)state;
    long v = -1;
    kn_err err;
    assert_int_equal(http_parse_query_long("limit", NULL, 1, 200, 50, &v, &err), KN_OK);
    assert_int_equal(v, 50);
    assert_int_equal(http_parse_query_long("limit", "200", 1, 200, 50, &v, &err), KN_OK);
    assert_int_equal(v, 200);
    const char *bad[] = {
        "", "abc", "201", "0", " 5", "+5", "5 ", "1e2", "0x10", "-1", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kn_err_clear(&err);
        assert_int_equal(http_parse_query_long("limit", bad[i], 1, 200, 50, &v, &err), KN_EINVAL);
        assert_non_null(strstr(err.msg, "'limit'"));
    }
    assert_int_equal(http_parse_query_long("n", "-3", -5, 5, 0, &v, &err), KN_OK);
    assert_int_equal(v, -3);
}

static void test_problem_document(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = http_problem_text(KN_ENOTFOUND, "no citizen with id x", "req-1", &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "type")),
                        "https://knute.no/problems/not_found");
    assert_string_equal(json_string_value(json_object_get(doc, "title")), "Fant ikke ressursen");
    assert_int_equal(json_integer_value(json_object_get(doc, "status")), 404);
    assert_string_equal(json_string_value(json_object_get(doc, "code")), "not_found");
    assert_string_equal(json_string_value(json_object_get(doc, "detail")), "no citizen with id x");
    assert_string_equal(json_string_value(json_object_get(doc, "request_id")), "req-1");
    json_decref(doc);
    free(text);

    /* 500s do not reveal internal reasons; invalid UTF-8 never breaks the document */
    text = http_problem_text(KN_EIO, "sqlite: disk I/O error at /var/lib", "r", NULL);
    assert_null(strstr(text, "sqlite"));
    assert_non_null(strstr(text, "\"status\":500"));
    free(text);
    text = http_problem_text(KN_EINVAL, "bad \xff byte", "r", NULL);
    assert_non_null(text);
    doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "status")), 400);
    json_decref(doc);
    free(text);
}

static void test_titles_follow_status(void **state)
{
    (void)state;
    const int statuses[] = {KN_EINVAL,         KN_EUNAUTH,   KN_EFORBIDDEN, KN_ENOTFOUND,
                            KN_EMETHOD,        KN_ECONFLICT, KN_ETOOLARGE,  KN_EMEDIA,
                            KN_EUNPROCESSABLE, KN_ELOCKED,   KN_EINTERNAL,  KN_EUNAVAILABLE};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        assert_string_not_equal(http_status_title(kn_status_http(statuses[i])), "Feil");
    assert_string_equal(http_status_title(413), "Forespørselen er for stor");
}

static void test_log_path(void **state)
{
    (void)state;
    char out[8];
    http_log_path("/a\x01\xc3\xa6", out, sizeof out);
    assert_string_equal(out, "/a???");
    http_log_path("/abcdefghij", out, sizeof out);
    assert_string_equal(out, "/abcdef");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_literal),
        cmocka_unit_test(test_pattern_params),
        cmocka_unit_test(test_pattern_param_too_long),
        cmocka_unit_test(test_find_in_app_table),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_find_in_custom_table),
        cmocka_unit_test(test_route_table_rules),
        cmocka_unit_test(test_json_content_types),
        cmocka_unit_test(test_request_id),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_static_paths),
        cmocka_unit_test(test_static_types),
        cmocka_unit_test(test_query_long),
        cmocka_unit_test(test_problem_document),
        cmocka_unit_test(test_titles_follow_status),
        cmocka_unit_test(test_log_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
