/* http_access.c - what is recorded about each answered request: one
 * "http.request" access log line (when cfg->access_log) and the request
 * metrics. Only ids, the route pattern and the path without query string are
 * logged: never headers, cookies, bodies or query strings.
 */
#include "http_int.h"

#include "../core/core_log.h"
#include "../core/core_metrics.h"
#include "../core/core_util.h"

void http_log_path(const char *path, char *out, size_t size)
{
    size_t i = 0;
    for (; path && path[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char)path[i];
        out[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    out[i] = '\0';
}

void http_access_record(const http_req *req)
{
    double seconds = (double)(kn_mono_ns() - req->start_ns) / 1e9;
    kn_metrics_http(req->route_label, req->method, req->reply.status, seconds);
    if (!req->env->app->cfg->access_log || !kn_log_enabled(KN_LOG_INFO))
        return;
    kn_log(KN_LOG_INFO, "http.request", "{s:s, s:s, s:s, s:s, s:i, s:f, s:s?, s:I}", "request_id",
           req->request_id, "method", req->method, "route", req->route_label, "path", req->log_path,
           "status", req->reply.status, "duration_ms", seconds * 1000.0, "principal",
           req->authenticated ? req->principal.id : NULL, "bytes", (json_int_t)req->reply.len);
}
