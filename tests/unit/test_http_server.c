/* test_http_server.c - the HTTP layer in-process: a real http_server on an
 * ephemeral port over a fresh SQLite store, driven with raw HTTP/1.1 over a
 * socket. Covers the dispatcher's order of refusals (404, 405, 413 before the
 * body is read, 401, 403 CSRF, 415, 400 with line/column), problem documents,
 * the headers on every response, session login/logout, static files with
 * traversal and symlink escapes, and /metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/core_log.h"
#include "core/core_util.h"
#include "http/http.h"
#include "test_support.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define ORG "939000011"
#define PASSWORD "et langt passord"

static char db_path[512], web_root[512];
static store *st;
static auth_ctx *auth;
static citizen_ctx citizens;
static kn_config cfg;
static http_app app;
static http_server *srv;

typedef struct reply {
    int status;
    char head[8192];
    char body[16384];
} reply;

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(http_server_port(srv))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Send raw bytes, read the whole answer (the server closes), split it. */
static void exchange(const char *raw, size_t len, reply *out)
{
    int fd = connect_server();
    assert_int_equal(send(fd, raw, len, MSG_NOSIGNAL), (ssize_t)len);
    static char buf[sizeof out->head + sizeof out->body];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = recv(fd, buf + got, sizeof buf - 1 - got, 0)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    char *split = strstr(buf, "\r\n\r\n");
    assert_non_null(split);
    *split = '\0';
    snprintf(out->head, sizeof out->head, "%.8000s\r\n", buf);
    snprintf(out->body, sizeof out->body, "%.16000s", split + 4);
    assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &out->status), 1);
}

/* A request with Connection: close; body (may be NULL) gets a Content-Length. */
static void call(const char *method, const char *path, const char *headers, const char *body,
                 reply *out)
{
    char raw[8192];
    char length[64] = "";
    if (body)
        snprintf(length, sizeof length, "Content-Length: %zu\r\n", strlen(body));
    int n =
        snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s%s\r\n%s",
                 method, path, headers ? headers : "", length, body ? body : "");
    assert_true(n > 0 && (size_t)n < sizeof raw);
    exchange(raw, (size_t)n, out);
}

/* Value of a response header (first occurrence), or NULL. */
static const char *header(const reply *r, const char *name, char *value, size_t size)
{
    for (const char *line = strstr(r->head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        size_t n = strlen(name);
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            const char *v = h + n + 1 + (h[n + 1] == ' ');
            size_t len = strcspn(v, "\r");
            snprintf(value, size, "%.*s", (int)len, v);
            return value;
        }
    }
    return NULL;
}

static void assert_header(const reply *r, const char *name, const char *want)
{
    char value[512];
    if (!header(r, name, value, sizeof value))
        fail_msg("no %s header in:\n%s", name, r->head);
    assert_string_equal(value, want);
}

static json_t *body_json(const reply *r)
{
    json_error_t e;
    json_t *doc = json_loads(r->body, 0, &e);
    if (!doc)
        fail_msg("body is not JSON (%s): %s", e.text, r->body);
    return doc;
}

/* Status, media type and code of a problem reply. */
static void assert_problem(const reply *r, int status, const char *code)
{
    assert_int_equal(r->status, status);
    assert_header(r, "Content-Type", "application/problem+json");
    json_t *doc = body_json(r);
    assert_int_equal(json_integer_value(json_object_get(doc, "status")), status);
    assert_string_equal(json_string_value(json_object_get(doc, "code")), code);
    char id[128];
    assert_non_null(header(r, "X-Request-Id", id, sizeof id));
    assert_string_equal(json_string_value(json_object_get(doc, "request_id")), id);
    json_decref(doc);
}

/* Write web_root/name (0 / -1). */
static int write_web_file(const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", web_root, name);
    return test_write_file(path, text);
}

static int make_web_root(void)
{
    test_temp_path(web_root, sizeof web_root, "web");
    char path[1024], secret[1024];
    mkdir(web_root, 0700);
    snprintf(path, sizeof path, "%s/css", web_root);
    mkdir(path, 0700);
    snprintf(secret, sizeof secret, "%s.secret", web_root);
    if (write_web_file("index.html", "<!doctype html><title>Knute</title>") != 0 ||
        write_web_file("css/site.css", "body{}") != 0 || test_write_file(secret, "outside") != 0)
        return -1;
    snprintf(path, sizeof path, "%s/escape.txt", web_root);
    unlink(path);
    return symlink(secret, path);
}

static int add_user(const char *username, uint32_t roles)
{
    store_user u;
    memset(&u, 0, sizeof u);
    kn_strcpy(u.username, sizeof u.username, username);
    kn_strcpy(u.display_name, sizeof u.display_name, "Test Bruker");
    u.ngrants = 1;
    kn_strcpy(u.grants[0].orgnr, sizeof u.grants[0].orgnr, ORG);
    u.grants[0].roles = roles;
    kn_err err;
    return auth_user_add(st, &u, PASSWORD, &err);
}

static int setup(void **state)
{
    (void)state;
    kn_err err;
    kn_log_open(NULL, KN_LOG_OFF, NULL);
    store_org org = {.orgnr = ORG, .kind = STORE_ORG_MUNICIPALITY, .name = "Knutby"};
    auth_settings settings = {.session_ttl_s = 600};
    if (kn_util_init() != KN_OK || test_store_new(&st, db_path, sizeof db_path) != KN_OK ||
        st->ops->org_put(st, &org, &err) != KN_OK ||
        auth_ctx_new(st, &settings, &auth, &err) != KN_OK ||
        add_user("admin", AUTH_ROLE_ADMIN) != KN_OK || add_user("nurse", AUTH_ROLE_NURSE) ||
        add_user("auditor", AUTH_ROLE_AUDITOR) || make_web_root() != 0)
        return -1;
    citizens = (citizen_ctx){.st = st, .environment = CITIZEN_ENV_TEST};
    kn_config_defaults(&cfg);
    cfg.port = 0;
    cfg.threads = 2;
    cfg.shutdown_grace_s = 2;
    kn_strcpy(cfg.listen, sizeof cfg.listen, "127.0.0.1");
    kn_strcpy(cfg.web_root, sizeof cfg.web_root, web_root);
    app = (http_app){&cfg, st, auth, &citizens, NULL, NULL};
    return http_server_start(&app, &srv, &err) == KN_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    http_server_stop(srv);
    auth_ctx_free(auth);
    test_store_destroy(st, db_path);
    return 0;
}

typedef struct session {
    char cookie[128]; /* "knute_session=..." */
    char csrf[80];
} session;

static void login(const char *username, session *s)
{
    char body[128];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, PASSWORD);
    reply r;
    call("POST", "/api/v1/session", "Content-Type: application/json\r\n", body, &r);
    assert_int_equal(r.status, 200);
    char set[512];
    assert_non_null(header(&r, "Set-Cookie", set, sizeof set));
    assert_non_null(strstr(set, "; HttpOnly"));
    assert_non_null(strstr(set, "; SameSite=Strict"));
    assert_non_null(strstr(set, "; Path=/"));
    assert_non_null(strstr(set, "; Max-Age=600"));
    snprintf(s->cookie, sizeof s->cookie, "%.*s", (int)strcspn(set, ";"), set);
    json_t *doc = body_json(&r);
    snprintf(s->csrf, sizeof s->csrf, "%s", json_string_value(json_object_get(doc, "csrf_token")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "user"), "username")), username);
    json_decref(doc);
}

/* Log username in; headers receives "Cookie: <session>\r\n" for later calls. */
static void login_cookie(const char *username, char *headers, size_t size)
{
    session s;
    login(username, &s);
    snprintf(headers, size, "Cookie: %s\r\n", s.cookie);
}

static void test_health_and_common_headers(void **state)
{
    (void)state;
    reply r;
    call("GET", "/healthz", "X-Request-Id: trace-42\r\n", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_header(&r, "Content-Type", "application/json");
    assert_header(&r, "X-Request-Id", "trace-42");
    assert_header(&r, "X-Content-Type-Options", "nosniff");
    assert_header(&r, "Referrer-Policy", "no-referrer");
    assert_header(&r, "X-Frame-Options", "DENY");
    assert_header(&r, "Cache-Control", "no-store");
    char csp[512];
    assert_non_null(header(&r, "Content-Security-Policy", csp, sizeof csp));
    assert_non_null(strstr(csp, "default-src 'self'"));
    call("GET", "/readyz", "X-Request-Id: bad id\r\n", NULL, &r);
    assert_int_equal(r.status, 200);
    char id[128];
    assert_non_null(header(&r, "X-Request-Id", id, sizeof id));
    assert_int_equal(strlen(id), 32);
}

static void test_not_found_and_method(void **state)
{
    (void)state;
    reply r;
    call("GET", "/api/v1/nothing", NULL, NULL, &r);
    assert_problem(&r, 404, "not_found");
    call("DELETE", "/healthz", NULL, NULL, &r);
    assert_problem(&r, 405, "method_not_allowed");
    assert_header(&r, "Allow", "GET, HEAD");
    call("POST", "/index.html", NULL, NULL, &r);
    assert_problem(&r, 405, "method_not_allowed");
}

static void test_unauthenticated(void **state)
{
    (void)state;
    reply r;
    call("GET", "/api/v1/noop", NULL, NULL, &r);
    assert_problem(&r, 401, "unauthenticated");
    assert_header(&r, "WWW-Authenticate", "Bearer");
    call("GET", "/metrics", NULL, NULL, &r);
    assert_problem(&r, 401, "unauthenticated");
    call("GET", "/api/v1/noop", "Authorization: Basic YTpi\r\n", NULL, &r);
    assert_problem(&r, 401, "unauthenticated");
    call("GET", "/api/v1/noop", "Authorization: Bearer knk_nonsense\r\n", NULL, &r);
    assert_problem(&r, 401, "unauthenticated");
    call("GET", "/api/v1/noop", "Cookie: knute_session=forged\r\n", NULL, &r);
    assert_problem(&r, 401, "unauthenticated");
}

static void test_body_too_large_is_not_read(void **state)
{
    (void)state;
    /* Only the headers are sent: the 413 must come without waiting for the body. */
    const char raw[] = "POST /api/v1/session HTTP/1.1\r\nHost: t\r\n"
                       "Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n";
    reply r;
    exchange(raw, sizeof raw - 1, &r);
    assert_problem(&r, 413, "payload_too_large");
}

static void test_body_too_large_chunked(void **state)
{
    (void)state;
    static char raw[16384];
    int n = snprintf(raw, sizeof raw,
                     "POST /api/v1/session HTTP/1.1\r\nHost: t\r\n"
                     "Connection: close\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; i++) {
        n += snprintf(raw + n, sizeof raw - (size_t)n, "800\r\n");
        memset(raw + n, ' ', 0x800);
        n += 0x800;
        n += snprintf(raw + n, sizeof raw - (size_t)n, "\r\n");
    }
    n += snprintf(raw + n, sizeof raw - (size_t)n, "0\r\n\r\n");
    reply r;
    exchange(raw, (size_t)n, &r);
    assert_problem(&r, 413, "payload_too_large");
}

static void test_media_type_and_malformed_json(void **state)
{
    (void)state;
    reply r;
    call("POST", "/api/v1/session", "Content-Type: text/plain\r\n", "{}", &r);
    assert_problem(&r, 415, "unsupported_media_type");
    call("POST", "/api/v1/session", NULL, "{}", &r);
    assert_problem(&r, 415, "unsupported_media_type");
    call("POST", "/api/v1/session", "Content-Type: application/json; charset=utf-8\r\n",
         "{\n \"username\": \"a\",\n", &r);
    assert_problem(&r, 400, "invalid");
    assert_non_null(strstr(r.body, "line 3"));
    call("POST", "/api/v1/session", "Content-Type: application/json\r\n",
         "{\"username\":\"a\",\"password\":\"b\",\"extra\":1}", &r);
    assert_problem(&r, 400, "invalid");
    assert_non_null(strstr(r.body, "extra"));
    call("POST", "/api/v1/session", "Content-Type: application/json\r\n",
         "{\"username\":\"admin\",\"password\":\"wrong password\"}", &r);
    assert_problem(&r, 401, "unauthenticated");
}

static void test_session_csrf_and_logout(void **state)
{
    (void)state;
    session s;
    login("admin", &s);
    char headers[512];
    reply r;
    snprintf(headers, sizeof headers, "Cookie: %s\r\n", s.cookie);
    call("GET", "/api/v1/session", headers, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, s.csrf));
    call("GET", "/api/v1/noop", headers, NULL, &r);
    assert_int_equal(r.status, 200);
    /* unsafe method on a cookie session without / with a wrong CSRF token */
    snprintf(headers, sizeof headers, "Cookie: %s\r\nContent-Type: application/json\r\n", s.cookie);
    call("POST", "/api/v1/municipalities/" ORG "/citizens", headers, "{}", &r);
    assert_problem(&r, 403, "forbidden");
    snprintf(headers, sizeof headers,
             "Cookie: %s\r\nX-CSRF-Token: nope\r\nContent-Type: application/json\r\n", s.cookie);
    call("POST", "/api/v1/municipalities/" ORG "/citizens", headers, "{}", &r);
    assert_problem(&r, 403, "forbidden");
    /* with the token the request reaches decoding */
    snprintf(headers, sizeof headers,
             "Cookie: %s\r\nX-CSRF-Token: %s\r\nContent-Type: application/json\r\n", s.cookie,
             s.csrf);
    call("POST", "/api/v1/municipalities/" ORG "/citizens", headers, "{\"nin\":\"1\"}", &r);
    assert_problem(&r, 400, "invalid");
    snprintf(headers, sizeof headers, "Cookie: %s\r\nX-CSRF-Token: %s\r\n", s.cookie, s.csrf);
    call("DELETE", "/api/v1/session", headers, NULL, &r);
    assert_int_equal(r.status, 204);
    char set[256];
    assert_non_null(header(&r, "Set-Cookie", set, sizeof set));
    assert_non_null(strstr(set, "Max-Age=0"));
    call("GET", "/api/v1/noop", headers, NULL, &r);
    assert_problem(&r, 401, "unauthenticated");
}

static void test_roles_and_query(void **state)
{
    (void)state;
    char headers[256];
    login_cookie("nurse", headers, sizeof headers);
    reply r;
    call("GET", "/api/v1/users", headers, NULL, &r);
    assert_problem(&r, 403, "forbidden");
    call("GET", "/metrics", headers, NULL, &r);
    assert_problem(&r, 403, "forbidden");
    call("GET", "/api/v1/municipalities/974760673/citizens", headers, NULL, &r);
    assert_problem(&r, 403, "forbidden");
    call("GET", "/api/v1/municipalities/" ORG "/citizens?limit=0", headers, NULL, &r);
    assert_problem(&r, 400, "invalid");
    assert_non_null(strstr(r.body, "'limit'"));
    call("GET", "/api/v1/municipalities/" ORG "/citizens?limit=5&offset=0", headers, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *doc = body_json(&r);
    assert_true(json_is_array(json_object_get(doc, "items")));
    assert_int_equal(json_integer_value(json_object_get(doc, "limit")), 5);
    json_decref(doc);
}

static void test_metrics_for_admin(void **state)
{
    (void)state;
    char headers[256];
    login_cookie("admin", headers, sizeof headers);
    reply r;
    call("GET", "/healthz", NULL, NULL, &r);
    call("GET", "/metrics", headers, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(
        r.body, "knute_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}"));
    assert_non_null(strstr(r.body, "route=\"/api/v1/noop\",method=\"GET\",status=\"401\""));
}

static void append_event(const char *municipality, const char *action)
{
    store_audit e;
    memset(&e, 0, sizeof e);
    e.at_ms = kn_now_ms();
    kn_strcpy(e.actor_kind, sizeof e.actor_kind, "system");
    kn_strcpy(e.action, sizeof e.action, action);
    kn_strcpy(e.municipality, sizeof e.municipality, municipality);
    kn_strcpy(e.outcome, sizeof e.outcome, "ok");
    kn_err err;
    assert_int_equal(st->ops->audit_append(st, &e, &err), KN_OK);
}

/* An auditor reads its own municipality and events outside any, never others. */
static void test_audit_is_narrowed(void **state)
{
    (void)state;
    append_event(ORG, "t.mine");
    append_event("974760673", "t.other");
    append_event("", "t.none");
    append_event(ORG, "t.mine");
    char headers[256];
    login_cookie("auditor", headers, sizeof headers);
    reply r;
    call("GET", "/api/v1/audit?municipality=974760673", headers, NULL, &r);
    assert_problem(&r, 403, "forbidden");
    call("GET", "/api/v1/audit?action=bad%20action", headers, NULL, &r);
    assert_problem(&r, 400, "invalid");
    call("GET", "/api/v1/audit?limit=1000", headers, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *doc = body_json(&r);
    json_t *items = json_object_get(doc, "items"), *e;
    size_t i, mine = 0, none = 0;
    json_int_t last = 0;
    json_array_foreach(items, i, e)
    {
        const char *m = json_string_value(json_object_get(e, "municipality"));
        assert_true(strcmp(m, ORG) == 0 || strcmp(m, "") == 0);
        mine += strcmp(json_string_value(json_object_get(e, "action")), "t.mine") == 0;
        none += strcmp(json_string_value(json_object_get(e, "action")), "t.none") == 0;
        assert_true(json_integer_value(json_object_get(e, "seq")) > last); /* merged in order */
        last = json_integer_value(json_object_get(e, "seq"));
    }
    assert_int_equal(mine, 2);
    assert_int_equal(none, 1);
    json_decref(doc);
    /* a page of one, then the rest after it */
    call("GET", "/api/v1/audit?action=t.mine&limit=1", headers, NULL, &r);
    doc = body_json(&r);
    assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/audit?action=t.mine&after=%lld",
             (long long)json_integer_value(json_object_get(doc, "last_seq")));
    json_decref(doc);
    call("GET", path, headers, NULL, &r);
    doc = body_json(&r);
    assert_int_equal(json_array_size(json_object_get(doc, "items")), 1);
    json_decref(doc);
}

static void test_static_files(void **state)
{
    (void)state;
    reply r;
    call("GET", "/", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_string_equal(r.body, "<!doctype html><title>Knute</title>");
    assert_header(&r, "X-Frame-Options", "DENY");
    char etag[128], headers[256];
    assert_non_null(header(&r, "ETag", etag, sizeof etag));
    snprintf(headers, sizeof headers, "If-None-Match: %s\r\n", etag);
    call("GET", "/index.html", headers, NULL, &r);
    assert_int_equal(r.status, 304);
    call("GET", "/css/site.css", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Type", "text/css; charset=utf-8");
    call("HEAD", "/css/site.css", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "");
    const char *refused[] = {"/missing.js",
                             "/escape.txt",
                             "/../etc/passwd",
                             "/css/../../etc/passwd",
                             "/%2e%2e/%2e%2e/etc/passwd",
                             "/css/..%2f..%2fetc%2fpasswd",
                             "/.hidden"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        call("GET", refused[i], NULL, NULL, &r);
        assert_problem(&r, 404, "not_found");
        assert_null(strstr(r.body, "outside"));
        assert_null(strstr(r.body, "root:"));
    }
    call("GET", "/index.html%00.css", NULL, NULL, &r);
    assert_problem(&r, 400, "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_common_headers),
        cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_unauthenticated),
        cmocka_unit_test(test_body_too_large_is_not_read),
        cmocka_unit_test(test_body_too_large_chunked),
        cmocka_unit_test(test_media_type_and_malformed_json),
        cmocka_unit_test(test_session_csrf_and_logout),
        cmocka_unit_test(test_roles_and_query),
        cmocka_unit_test(test_metrics_for_admin),
        cmocka_unit_test(test_audit_is_narrowed),
        cmocka_unit_test(test_static_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
