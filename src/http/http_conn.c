/* http_conn.c - one request's life inside libmicrohttpd: the callbacks that
 * create the request, feed headers and body through http_dispatch.c, hand its
 * one reply to the library with the headers every response carries, and record
 * it when it is done; and suspend/resume for handlers whose domain call is
 * answered on another thread (the group-commit writer). http_server.c
 * registers these callbacks.
 */
#include "http_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "                 \
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

/* ---- connection lookups used by the dispatcher and handlers ---- */

const char *http_req_header(const http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(const http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_cookie(const http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* ---- sending the reply ---- */

static int add_headers(struct MHD_Response *resp, const http_req *req)
{
    static const char *const fixed[][2] = {
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
        {"Content-Security-Policy", CSP},
    };
    const http_reply *r = &req->reply;
    int ok = MHD_add_response_header(resp, "X-Request-Id", req->request_id) == MHD_YES;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        ok = ok && MHD_add_response_header(resp, fixed[i][0], fixed[i][1]) == MHD_YES;
    ok = ok && MHD_add_response_header(resp, "Cache-Control",
                                       r->is_static ? "no-cache" : "no-store") == MHD_YES;
    if (req->env->tls)
        ok = ok && MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000") ==
                       MHD_YES;
    if (r->content_type)
        ok = ok && MHD_add_response_header(resp, "Content-Type", r->content_type) == MHD_YES;
    for (size_t i = 0; i < r->nheaders; i++)
        ok =
            ok && MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value) == MHD_YES;
    return ok;
}

/* Build the library response; the reply's body or fd is handed over. */
static struct MHD_Response *make_response(http_req *req)
{
    http_reply *r = &req->reply;
    struct MHD_Response *resp;
    if (r->stream_read) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, r->stream_read,
                                                 r->stream_cls, r->stream_free);
        if (resp)
            r->stream_read = NULL, r->stream_free = NULL, r->stream_cls = NULL;
    } else if (r->fd >= 0) {
        resp = MHD_create_response_from_fd(r->fd_size, r->fd);
        if (resp)
            r->fd = -1;
        r->len = r->fd_size;
    } else {
        resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
        if (resp)
            r->body = NULL;
    }
    if (resp && !add_headers(resp, req)) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return resp;
}

static enum MHD_Result send_reply(http_req *req)
{
    struct MHD_Response *resp = make_response(req);
    if (!resp)
        return MHD_NO;
    enum MHD_Result ok = MHD_queue_response(req->conn, (unsigned)req->reply.status, resp);
    MHD_destroy_response(resp);
    req->queued = ok == MHD_YES;
    return ok;
}

/* ---- libmicrohttpd callbacks ---- */

/* The raw request target holds "%00" before any query string. */
static int raw_path_has_nul(const char *uri)
{
    for (const char *p = uri; *p && *p != '?'; p++)
        if (p[0] == '%' && p[1] == '0' && p[2] == '0')
            return 1;
    return 0;
}

/* First callback of each request (raw target): create the request. */
void *http_conn_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_env *env = cls;
    http_req *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->env = env;
    req->conn = conn;
    req->start_ns = kn_mono_ns();
    req->reply.fd = -1;
    req->route_label = "unmatched";
    req->bad_raw_path = raw_path_has_nul(uri);
    kn_buf_init(&req->body, 0);
    atomic_fetch_add(&env->inflight, 1);
    return req;
}

static int has_body(const http_req *req)
{
    const char *length = http_req_header(req, "Content-Length");
    return http_req_header(req, "Transfer-Encoding") || (length && strcmp(length, "0") != 0);
}

static void request_begin(http_req *req, const char *url, const char *method)
{
    req->started = 1;
    req->path = url;
    if (kn_strcpy(req->method, sizeof req->method, method) != KN_OK)
        kn_strcpy(req->method, sizeof req->method, "OTHER");
    http_log_path(url, req->log_path, sizeof req->log_path);
    http_request_id(http_req_header(req, "X-Request-Id"), req->request_id);
}

enum MHD_Result http_conn_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    http_req *req = *req_cls;
    if (!req)
        return MHD_NO;
    if (!req->started) {
        request_begin(req, url, method);
        http_dispatch_headers(req);
        /* Refused with a body on the way: answer now so it is never read (the
         * library then closes the connection). Without a body, answer in the
         * final call so the connection stays open. */
        return req->reply.status && has_body(req) ? send_reply(req) : MHD_YES;
    }
    if (*upload_data_size) {
        http_dispatch_body(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->queued)
        return MHD_YES;
    if (req->suspended) { /* resumed by http_req_resume */
        req->suspended = 0;
        http_dispatch_resumed(req);
    } else {
        http_dispatch_final(req);
        if (req->suspended) /* answered when the completion resumes it */
            return MHD_YES;
    }
    return send_reply(req);
}

void http_req_suspend(http_req *req)
{
    req->suspended = 1;
    atomic_fetch_add(&req->env->suspended, 1);
    MHD_suspend_connection(req->conn);
}

void http_req_resume(void *cls, int status, const kn_err *err)
{
    http_req *req = cls;
    http_env *env = req->env;
    struct MHD_Connection *conn = req->conn;
    req->async_status = status;
    if (status != KN_OK && err)
        req->async_err = *err;
    else if (status != KN_OK)
        kn_err_set(&req->async_err, status, "the operation failed");
    /* From here on the worker owns req again and may free it at once. */
    MHD_resume_connection(conn);
    atomic_fetch_sub(&env->suspended, 1);
}

static void request_free(http_req *req)
{
    if (req->reply.stream_free) /* a stream never handed to the library */
        req->reply.stream_free(req->reply.stream_cls);
    http_reply_clear(&req->reply);
    kn_buf_release(&req->body);
    json_decref(req->json);
    free(req);
}

void http_conn_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_env *env = cls;
    http_req *req = *req_cls;
    if (!req)
        return;
    *req_cls = NULL;
    if (req->queued)
        http_access_record(req);
    request_free(req);
    atomic_fetch_sub(&env->inflight, 1);
}

void http_conn_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    kn_log(KN_LOG_WARN, "http.library", "{s:s}", "message", msg);
}
