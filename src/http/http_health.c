/* http_health.c - operational endpoints: GET /healthz (the process answers),
 * GET /readyz (the store answers a ping) and GET /metrics (Prometheus text,
 * for admins/auditors or clients with scope knute/metrics; see the route table).
 */
#include "http_int.h"

#include "../core/core_log.h"
#include "../core/core_metrics.h"

#define METRICS_MAX (8 * 1024 * 1024)

int http_h_healthz(http_req *req, kn_err *err)
{
    return http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"), err);
}

int http_h_readyz(http_req *req, kn_err *err)
{
    store *st = req->env->app->st;
    kn_err why;
    kn_err_clear(&why);
    if (st->ops->ping(st, &why) != KN_OK) {
        kn_log(KN_LOG_WARN, "http.not_ready", "{s:s, s:s}", "request_id", req->request_id, "reason",
               why.msg);
        return kn_err_set(err, KN_EUNAVAILABLE, "the store is not ready");
    }
    return http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"), err);
}

int http_h_metrics(http_req *req, kn_err *err)
{
    kn_buf text;
    kn_buf_init(&text, METRICS_MAX);
    int rc = kn_metrics_render(&text);
    if (rc == KN_OK)
        rc = http_reply_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                              text.data ? text.data : "", text.len, err);
    else
        kn_err_set(err, rc, "cannot render the metrics");
    kn_buf_release(&text);
    return rc;
}
