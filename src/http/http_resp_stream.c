/* http_resp_stream.c - GET /api/v1/resp/stream: the operator console's live
 * feed as Server-Sent Events (docs/response.md "Live stream"). Thin: decode
 * the municipalities and the resume point, resp_stream_open (access, audit,
 * subscribe to the bus), then a response of unknown length whose content
 * reader copies whole frames from the subscriber.
 *
 * While a stream has nothing to send its connection is suspended (not counted
 * in http_env.suspended: streams never end by themselves; http_server_stop
 * ends them with resp_bus_shutdown first), and the bus's notify resumes it.
 *
 * Lock order and why a resume never precedes its suspend: the content reader
 * holds the stream's lock across resp_sub_read (which arms the subscriber
 * when it returns 0) and MHD_suspend_connection; notify (on the bus's thread,
 * under the bus's notify lock) takes the same lock and resumes only a stream
 * marked suspended. So notify either runs before the read armed (then the
 * bus does not call it: only armed subscribers are notified) or after the
 * suspend. Order: bus notify_mu -> stream mu -> bus mu (resp_bus.c). The
 * stream is freed only after resp_sub_close, after which notify never runs.
 */
#include "http_int.h"

#include "../core/core_util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Sent first: flushes the headers at once and sets the browser's reconnect delay. */
#define STREAM_HELLO "retry: 2000\n\n"

typedef struct resp_stream {
    pthread_mutex_t mu;
    struct MHD_Connection *conn;
    resp_sub *sub;
    int suspended; /* suspended by the reader, not yet resumed by notify */
    int hello_sent;
} resp_stream;

static void stream_notify(void *cls)
{
    resp_stream *s = cls;
    pthread_mutex_lock(&s->mu);
    if (s->suspended) {
        s->suspended = 0;
        MHD_resume_connection(s->conn);
    }
    pthread_mutex_unlock(&s->mu);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    resp_stream *s = cls;
    pthread_mutex_lock(&s->mu);
    ssize_t out;
    if (!s->hello_sent && max >= sizeof STREAM_HELLO - 1) {
        s->hello_sent = 1;
        memcpy(buf, STREAM_HELLO, sizeof STREAM_HELLO - 1);
        out = (ssize_t)(sizeof STREAM_HELLO - 1);
    } else {
        long n = resp_sub_read(s->sub, buf, max);
        if (n < 0) {
            out = MHD_CONTENT_READER_END_OF_STREAM;
        } else if (n == 0) { /* armed: sleep until notify */
            s->suspended = 1;
            MHD_suspend_connection(s->conn);
            out = 0;
        } else {
            out = (ssize_t)n;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return out;
}

static void stream_free(void *cls)
{
    resp_stream *s = cls;
    resp_sub_close(s->sub); /* no notify after this */
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Last-Event-ID wins over ?after=; none: -1 (from now). */
static int resume_point(const http_req *req, int64_t *after, kn_err *err)
{
    const char *last = http_req_header(req, "Last-Event-ID");
    long v = -1;
    if (last && *last) {
        if (kn_parse_long(last, 0, LONG_MAX, &v) != KN_OK)
            return kn_err_set(err, KN_EINVAL, "header 'Last-Event-ID' must be a whole number");
    } else {
        int rc = http_query_long(req, "after", 0, LONG_MAX, -1, &v, err);
        if (rc != KN_OK)
            return rc;
    }
    *after = v;
    return KN_OK;
}

int http_h_resp_stream(http_req *req, kn_err *err)
{
    resp_ctx *ctx = NULL;
    int rc = http_resp_ctx(req, &ctx, err);
    http_resp_munis m;
    if (rc == KN_OK)
        rc = http_resp_munis_get(req, RESP_ROLES_READ, &m, err);
    int64_t after = -1;
    if (rc == KN_OK)
        rc = resume_point(req, &after, err);
    if (rc != KN_OK)
        return rc;
    resp_stream *s = calloc(1, sizeof *s);
    if (!s)
        return kn_err_set(err, KN_ENOMEM, "out of memory opening the stream");
    pthread_mutex_init(&s->mu, NULL);
    s->conn = req->conn;
    rc = resp_stream_open(ctx, &req->principal, m.ptr, m.n, after, req->request_id,
                          stream_notify, s, &s->sub, err);
    if (rc == KN_OK)
        rc = http_reply_header(req, "X-Accel-Buffering", "no");
    if (rc != KN_OK) {
        if (rc == KN_ETOOLARGE)
            rc = kn_err_set(err, KN_EINTERNAL, "too many response headers");
        resp_sub_close(s->sub);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return rc;
    }
    /* from here the request owns s: stream_free runs when the response is gone */
    req->reply.status = 200;
    req->reply.content_type = "text/event-stream";
    req->reply.stream_read = stream_read;
    req->reply.stream_free = stream_free;
    req->reply.stream_cls = s;
    return KN_OK;
}
