/* http_hub_read.c - the hub's FHIR read interfaces and /metadata, thin over
 * hub_read.h, and the admin message list for the UI:
 *   GET /epj/r4/{orgnr}/{Type}          search (searchset Bundle)
 *   GET /epj/r4/{orgnr}/{Type}/{id}     read
 *   GET /epj/r4/{orgnr}/metadata        CapabilityStatement (no authentication)
 *   GET /fhir/metadata                  the same
 *   GET /api/v1/hub/messages            messages of a receiver without bodies (admins)
 * The resource type is the literal segment of the matched route's pattern,
 * so one handler serves every type the route table lists. Failures under
 * /epj/ and /fhir/ become OperationOutcomes in the dispatcher.
 */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hub/hub_read.h"

#define EPJ_PREFIX "/epj/r4/{orgnr}/"
#define QUERY_MAX 32
#define FHIR_JSON "application/fhir+json"

typedef struct query_list {
    hub_read_param items[QUERY_MAX];
    size_t n;
    int overflow;
} query_list;

static enum MHD_Result query_item(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    query_list *q = cls;
    if (q->n == QUERY_MAX) {
        q->overflow = 1;
        return MHD_NO;
    }
    q->items[q->n++] = (hub_read_param){key, value ? value : ""};
    return MHD_YES;
}

/* "Observation" from "/epj/r4/{orgnr}/Observation/{id}". */
static void route_type(const http_req *req, char *out, size_t size)
{
    const char *rest = req->match.route->pattern + sizeof EPJ_PREFIX - 1;
    size_t len = strcspn(rest, "/");
    if (len >= size)
        len = size - 1;
    memcpy(out, rest, len);
    out[len] = '\0';
}

/* Scheme and host clients reach us at: public_url, else the Host header. */
static void server_root(const http_req *req, char *out, size_t size)
{
    const char *pub = req->env->app->cfg->public_url;
    const char *host = http_req_header(req, "Host");
    out[0] = '\0';
    if (pub && *pub)
        snprintf(out, size, "%s", pub);
    else if (host && *host && strlen(host) < 256 &&
             strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
                 strlen(host))
        snprintf(out, size, "%s://%s", req->env->tls ? "https" : "http", host);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

static void epj_base(const http_req *req, char *out, size_t size)
{
    char root[512];
    server_root(req, root, sizeof root);
    snprintf(out, size, "%s/epj/r4/%s", root, http_param(&req->match.params, "orgnr"));
}

static int reply_buf(http_req *req, kn_buf *out, kn_err *err)
{
    int rc = http_reply_bytes(req, 200, FHIR_JSON, out->data, out->len, err);
    kn_buf_release(out);
    return rc;
}

static int epj_request(http_req *req, int search, kn_err *err)
{
    char type[32], base[640];
    route_type(req, type, sizeof type);
    epj_base(req, base, sizeof base);
    query_list q = {.n = 0};
    if (search)
        MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_item, &q);
    if (q.overflow)
        return kn_err_set(err, KN_EINVAL, "more than %d search parameters", QUERY_MAX);
    hub_read_req r = {.who = &req->principal,
                      .receiver = http_param(&req->match.params, "orgnr"),
                      .type = type,
                      .id = search ? NULL : http_param(&req->match.params, "id"),
                      .params = q.items,
                      .nparams = q.n,
                      .base = base,
                      .request_id = req->request_id};
    kn_buf out;
    kn_buf_init(&out, 64u << 20);
    int rc = search ? hub_search(req->env->app->hub, &r, &out, err)
                    : hub_read(req->env->app->hub, &r, &out, err);
    if (rc != KN_OK) {
        kn_buf_release(&out);
        return rc;
    }
    return reply_buf(req, &out, err);
}

int http_h_epj_search(http_req *req, kn_err *err)
{
    return epj_request(req, 1, err);
}

int http_h_epj_read(http_req *req, kn_err *err)
{
    return epj_request(req, 0, err);
}

int http_h_epj_metadata(http_req *req, kn_err *err)
{
    size_t n;
    const http_route *routes = http_routes(&n);
    hub_cap_route *list = calloc(n ? n : 1, sizeof *list);
    if (!list)
        return kn_err_set(err, KN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        list[i] = (hub_cap_route){routes[i].method, routes[i].pattern};
    char base[640];
    if (http_param(&req->match.params, "orgnr")) {
        epj_base(req, base, sizeof base);
    } else {
        server_root(req, base, sizeof base);
        size_t len = strlen(base);
        snprintf(base + len, sizeof base - len, "/fhir");
    }
    kn_buf out;
    kn_buf_init(&out, 1u << 20);
    int rc = hub_capability_json(list, n, base, &out, err);
    free(list);
    if (rc != KN_OK) {
        kn_buf_release(&out);
        return rc;
    }
    return reply_buf(req, &out, err);
}

/* ---- GET /api/v1/hub/messages?receiver=&status=&after=&limit= ---- */

static const char *const status_names[] = {"", "registered", "delivered", "journaled", "failed"};

static int status_code(const char *name)
{
    for (int i = 1; i <= HUB_FAILED; i++)
        if (strcmp(status_names[i], name) == 0)
            return i;
    return 0;
}

static json_t *message_json(const void *record)
{
    const store_hub_message *m = record;
    int s = m->status >= HUB_REGISTERED && m->status <= HUB_FAILED ? m->status : 0;
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I}", "id", m->id, "seq",
                     (json_int_t)m->seq, "receiver", m->receiver, "sender_client",
                     m->sender_client, "kind", m->kind, "event", m->event, "status",
                     status_names[s], "routed", m->routed, "created_at_ms",
                     (json_int_t)m->created_at, "updated_at_ms", (json_int_t)m->updated_at);
}

/* after = "updated_ms:seq" of the last message seen (the list's `next`). */
static int parse_after(const char *after, store_hub_filter *f, kn_err *err)
{
    long long ms = 0, seq = 0;
    char tail;
    if (after && (sscanf(after, "%lld:%lld%c", &ms, &seq, &tail) != 2 || ms < 0 || seq < 0))
        return kn_err_set(err, KN_EINVAL, "query parameter 'after' must be <updated_ms>:<seq>");
    f->after_updated = ms;
    f->after_seq = seq;
    return KN_OK;
}

static int messages_filter(http_req *req, store_hub_filter *f, kn_err *err)
{
    long limit;
    const char *status = http_req_query(req, "status");
    memset(f, 0, sizeof *f);
    f->receiver = http_req_query(req, "receiver");
    if (!f->receiver)
        return kn_err_set(err, KN_EINVAL, "query parameter 'receiver' is required");
    if (status && *status && !(f->status = status_code(status)))
        return kn_err_set(err, KN_EINVAL,
                          "query parameter 'status' must be registered, delivered, journaled or failed");
    int rc = http_query_long(req, "limit", 1, 1000, 100, &limit, err);
    f->limit = (size_t)limit;
    return rc == KN_OK ? parse_after(http_req_query(req, "after"), f, err) : rc;
}

static json_t *messages_page(const store_hub_message *list, size_t n, size_t limit)
{
    json_t *next = json_null();
    if (n == limit && n > 0) {
        char cursor[48];
        snprintf(cursor, sizeof cursor, "%lld:%lld", (long long)list[n - 1].updated_at,
                 (long long)list[n - 1].seq);
        next = json_string(cursor);
    }
    return json_pack("{s:o, s:o}", "items", http_items_json(list, n, sizeof *list, message_json),
                     "next", next);
}

int http_h_hub_messages(http_req *req, kn_err *err)
{
    store_hub_filter f;
    int rc = messages_filter(req, &f, err);
    store_hub_message *list = NULL;
    size_t n = 0;
    if (rc == KN_OK)
        rc = hub_admin_messages(req->env->app->hub, &req->principal, &f, req->request_id, &list,
                                &n, err);
    if (rc != KN_OK)
        return rc;
    json_t *body = messages_page(list, n, f.limit);
    store_hub_message_list_free(list, n);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the message list");
    return http_reply_json(req, 200, body, err);
}
