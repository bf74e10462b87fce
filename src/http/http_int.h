/* http_int.h - private interface between the http_*.c files (and their unit
 * tests): the request and reply structs, the route table types, the pure
 * helpers (pattern matching, media types, request ids, problem bodies) and the
 * handler prototypes the route table refers to.
 *
 * Not for other modules: they use http.h.
 */
#ifndef KN_HTTP_INT_H
#define KN_HTTP_INT_H

#include "http.h"

#include "../core/core_buf.h"

#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_REQUEST_ID_MAX 64 /* client X-Request-Id: [A-Za-z0-9-]{1,64} */
#define HTTP_MAX_PARAMS 4
#define HTTP_PARAM_MAX 128 /* longest accepted {param} value */
#define HTTP_MAX_HEADERS 6
#define HTTP_JSON_MAX_DEPTH 32
#define HTTP_SESSION_COOKIE "knute_session"

/* ---- route table ---- */

enum http_auth_kind { HTTP_AUTH_NONE = 0, HTTP_AUTH_ANY };
/* HTTP_BODY_JSON: parsed with jansson into req->json before the handler.
 * HTTP_BODY_FHIR: FHIR JSON (application/fhir+json or application/json),
 * buffered in req->body and parsed by the handler with fhir_json, which keeps
 * decimals exact and rejects duplicate keys. Routes with this body kind, and
 * every route under /fhir/ or /epj/, answer failures with a FHIR
 * OperationOutcome instead of problem+json. */
enum http_body_kind { HTTP_BODY_NONE = 0, HTTP_BODY_JSON, HTTP_BODY_FHIR };

typedef struct http_req http_req;

/* A handler decodes, calls the domain and sets the reply with http_reply_*().
 * On failure it returns the status with err filled and sets no reply. */
typedef int (*http_handler)(http_req *req, kn_err *err);

typedef struct http_route {
    const char *method;  /* "GET"; GET routes also answer HEAD */
    const char *pattern; /* "/api/v1/municipalities/{orgnr}/citizens" */
    http_handler handler;
    int auth;              /* enum http_auth_kind */
    uint32_t roles;        /* auth_require mask; 0 = no role check */
    uint32_t client_roles; /* mask for machine clients instead of roles; 0 = roles */
    const char *org_param; /* {param} naming the municipality, or NULL */
    const char *scope;     /* client scope required, or NULL */
    int body;              /* enum http_body_kind */
    size_t max_body;       /* 0 = cfg->max_body_bytes */
    const char *summary;   /* one line for the API reference (docs/api.md) */
} http_route;

typedef struct http_params {
    size_t n;
    struct {
        char name[32];
        char value[HTTP_PARAM_MAX];
    } items[HTTP_MAX_PARAMS];
} http_params;

typedef struct http_match {
    const http_route *route; /* NULL unless KN_OK */
    http_params params;
    char allow[96]; /* for 405: "GET, HEAD, POST" */
} http_match;

/* The application's route table. */
const http_route *http_routes(size_t *n);

/* 1 when path matches pattern ({name} matches one non-empty segment), with the
 * captured values in params; 0 otherwise. */
int http_pattern_match(const char *pattern, const char *path, http_params *params);

/* Find the route for method + path: KN_OK (out->route set), KN_EMETHOD (path
 * known, out->allow lists the methods) or KN_ENOTFOUND. */
int http_route_find(const http_route *table, size_t n, const char *method, const char *path,
                    http_match *out);

/* Value of a captured {name}, or NULL. */
const char *http_param(const http_params *params, const char *name);

/* 1 for application/json or application/<x>+json, parameters (charset) allowed. */
int http_content_type_is_json(const char *content_type);

/* Copy a sane client request id ([A-Za-z0-9-]{1,64}) into out, else a new id. */
void http_request_id(const char *client_value, char out[HTTP_REQUEST_ID_MAX + 1]);

/* 1 when the JSON text nests arrays/objects at most max_depth deep. */
int http_json_depth_ok(const char *text, size_t len, int max_depth);

/* 1 when path is one the static file handler may serve (GET outside the API,
 * health checks and /metrics). */
int http_path_is_static(const char *path);

/* ---- request and reply ---- */

typedef struct http_env { /* per server; read-only after start but for inflight */
    http_app *app;
    char web_root[PATH_MAX]; /* realpath of cfg->web_root; empty when missing */
    int tls;                 /* served over TLS */
    int secure_cookies;      /* TLS here or https public_url (behind a proxy) */
    atomic_long inflight;    /* requests begun and not yet completed */
    atomic_long suspended;   /* requests suspended and not yet resumed (http_req_suspend) */
} http_env;

typedef struct http_header {
    const char *name; /* static string */
    char value[320];
} http_header;

typedef struct http_reply {
    int status;               /* HTTP status; 0 = not set */
    const char *content_type; /* static string or NULL */
    char *body;               /* malloc'ed, owned until handed to the server */
    size_t len;
    int fd; /* static file body, -1 when none */
    size_t fd_size;
    int is_static; /* static file caching rules instead of no-store */
    /* A streamed body of unknown length (Server-Sent Events, http_resp_stream.c):
     * the library calls stream_read for more; stream_free(stream_cls) once the
     * response is gone (also when it was never sent). NULL: none. */
    MHD_ContentReaderCallback stream_read;
    MHD_ContentReaderFreeCallback stream_free;
    void *stream_cls;
    size_t nheaders;
    http_header headers[HTTP_MAX_HEADERS];
} http_reply;

struct http_req {
    http_env *env;
    struct MHD_Connection *conn;
    char method[16];
    const char *path;   /* decoded path without query (connection memory) */
    char log_path[129]; /* printable copy of path for the access log */
    char request_id[HTTP_REQUEST_ID_MAX + 1];
    int64_t start_ns;
    int bad_raw_path; /* the raw target held %00 */
    int started;
    http_match match;
    const char *route_label; /* route pattern, "static" or "unmatched" (static strings) */
    size_t body_limit;
    size_t body_seen;
    int body_status; /* KN_OK, or why the body was dropped (KN_ETOOLARGE, KN_ENOMEM) */
    kn_buf body;
    json_t *json; /* parsed body of JSON routes */
    int authenticated;
    auth_principal principal;
    const char *session_cookie; /* cookie value when the principal came from it */
    http_reply reply;
    int queued; /* the reply has been handed to libmicrohttpd */
    /* A handler whose domain call completes later (http_req_suspend): */
    int suspended;    /* set by the worker on suspend, cleared by it on resume */
    int async_status; /* written by http_req_resume before it resumes */
    kn_err async_err;
    /* Set by an asynchronous handler that builds its reply only once the
     * operation is done: run on the worker after a successful resume (its
     * failure becomes the problem reply). NULL: send the reply as set. */
    int (*resumed)(http_req *req, kn_err *err);
    union {           /* the pending domain operation; must outlive the suspension */
        citizen_create_op citizen_create;
        hub_intake_op hub_intake;
        resp_alarm_op resp_alarm;   /* alarm intake (http_resp.c) */
    } op;
};

/* Header / query / cookie lookups on the live connection (NULL when absent). */
const char *http_req_header(const http_req *req, const char *name);
const char *http_req_query(const http_req *req, const char *name);
const char *http_req_cookie(const http_req *req, const char *name);

/* Asynchronous handlers. A handler that hands its domain call to another
 * thread calls http_req_suspend() BEFORE submitting (so a fast completion
 * never resumes a connection that is not suspended), sets its reply as for
 * success (or not) and returns KN_OK; the completion - on any thread - calls
 * http_req_resume(req, status, err) exactly once, as its last touch of req.
 * libmicrohttpd then re-enters the request, which is answered with the reply
 * the handler set, or with the problem for status when it is not KN_OK.
 * While suspended, req (and req->op) stays alive: the library neither times
 * out nor completes a suspended connection, and http_server_stop() waits for
 * every suspended request to be resumed. */
void http_req_suspend(http_req *req);
void http_req_resume(void *cls, int status, const kn_err *err); /* cls = req */

/* Run the pipeline stages. headers: route, size, auth, CSRF, media type (may
 * set a reply, then the body is never read). body: account one chunk.
 * final: size, JSON parse, access check, handler; always leaves a reply. */
void http_dispatch_headers(http_req *req);
void http_dispatch_body(http_req *req, const char *data, size_t len);
void http_dispatch_final(http_req *req);
/* A suspended request came back: its problem reply if the async part failed. */
void http_dispatch_resumed(http_req *req);

/* libmicrohttpd callbacks (http_conn.c); cls is the server's http_env. */
void *http_conn_uri(void *cls, const char *uri, struct MHD_Connection *conn);
enum MHD_Result http_conn_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls);
void http_conn_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe);
__attribute__((format(printf, 2, 0))) void http_conn_log(void *cls, const char *fmt, va_list ap);

/* Access log line and metrics for a finished request (http_access.c). */
void http_access_record(const http_req *req);
/* Printable, bounded copy of a path for logs (control and non-ASCII -> '?'). */
void http_log_path(const char *path, char *out, size_t size);

/* ---- replies (http_reply.c) ---- */

/* Set a JSON reply; takes the reference to body. KN_OK or KN_ENOMEM. */
int http_reply_json(http_req *req, int status, json_t *body, kn_err *err);
/* Set a reply with a copied body of the given media type. */
int http_reply_bytes(http_req *req, int status, const char *content_type, const char *data,
                     size_t len, kn_err *err);
/* Set an empty reply (204, 304). */
void http_reply_empty(http_req *req, int status);
/* Add a response header (name must be static). KN_OK or KN_ETOOLARGE. */
int http_reply_header(http_req *req, const char *name, const char *value);
/* Replace any reply with the RFC 9457 problem for a KN_E* status; detail is
 * the kn_err reason (hidden for 5xx). Adds Allow / WWW-Authenticate as needed. */
void http_reply_problem(http_req *req, int status, const char *detail);

/* Failure reply of FHIR routes: an OperationOutcome (application/fhir+json)
 * with one error issue whose code follows the status (401 login, 403
 * forbidden, 404 not-found, 413 too-long, 415 not-supported, 400 structure,
 * 422 processing, 5xx exception) and the reason as diagnostics. */
void http_reply_outcome(http_req *req, int status, const char *detail);

/* True when failures on route r answer with an OperationOutcome. */
int http_route_is_fhir(const http_route *r);
/* Drop the reply's body and fd. */
void http_reply_clear(http_reply *reply);

/* The problem document as text (allocated, caller frees). NULL on ENOMEM. */
char *http_problem_text(int status, const char *detail, const char *request_id, size_t *len);
/* Norwegian short title for an HTTP status. */
const char *http_status_title(int http_status);

/* ---- shared decode/encode helpers (http_json.c) ---- */

typedef struct http_field {
    const char *name;
    int required;
    size_t max_len;   /* bytes, excluding NUL */
    const char **out; /* set to the string inside req->json, or NULL */
} http_field;

/* Decode req->json as an object of string fields; unknown fields, wrong types
 * and missing required fields are KN_EINVAL naming the field. */
int http_body_fields(const http_req *req, const http_field *fields, size_t n, kn_err *err);
/* One string field `value` named `name`: a string of at most max_len bytes
 * without NUL, then *out points into it; null (or absent: value NULL) leaves
 * *out unless required. KN_EINVAL naming the field otherwise. */
int http_json_string(const char *name, const json_t *value, int required, size_t max_len,
                     const char **out, kn_err *err);

/* Strict query integer: absent -> dflt; otherwise whole number in [min,max],
 * else KN_EINVAL naming the parameter. */
int http_parse_query_long(const char *name, const char *value, long min, long max, long dflt,
                          long *out, kn_err *err);
int http_query_long(const http_req *req, const char *name, long min, long max, long dflt, long *out,
                    kn_err *err);
/* Optional query string checked by `valid`; absent -> *out = NULL; invalid ->
 * KN_EINVAL "query parameter '<name>' must be <expected>". */
int http_query_str(const http_req *req, const char *name, int (*valid)(const char *),
                   const char *expected, const char **out, kn_err *err);

/* JSON array of n records of `size` bytes each, encoded one by one; NULL when
 * any encoding fails. */
typedef json_t *(*http_encode_fn)(const void *record);
json_t *http_items_json(const void *list, size_t n, size_t size, http_encode_fn encode);

/* [{"orgnr":..,"roles":["admin",..]},..] */
json_t *http_grants_json(const store_grant *grants, size_t n);
/* RFC 3339 UTC string for a Unix time in seconds. */
json_t *http_time_json(int64_t unix_s);

/* ---- response service helpers (http_resp.c) ---- */

/* The app's resp_ctx, or KN_EUNAVAILABLE when the service is not running. */
int http_resp_ctx(const http_req *req, resp_ctx **out, kn_err *err);

#define HTTP_RESP_MUNIS_MAX 16
typedef struct http_resp_munis {
    size_t n;
    char orgnr[HTTP_RESP_MUNIS_MAX][10];
    const char *ptr[HTTP_RESP_MUNIS_MAX]; /* ptr[i] = orgnr[i], for resp_* calls */
} http_resp_munis;
/* ?municipality=A,B; without it every municipality where the principal holds
 * one of roles (clients: every grant). KN_EINVAL for a malformed list;
 * access to each is decided by resp_*. */
int http_resp_munis_get(const http_req *req, uint32_t roles, http_resp_munis *out, kn_err *err);
/* ?from=YYYY-MM-DD&to=YYYY-MM-DD (both days included, Europe/Oslo) as
 * [*from, *to) ms; an absent one leaves its value. */
int http_resp_dates(const http_req *req, int64_t *from, int64_t *to, kn_err *err);

/* ---- static files (http_static.c) ---- */

/* Build root + url path into out, rejecting "..", "." segments, backslashes and
 * control bytes; "/" and directories map to index.html. KN_OK or KN_ENOTFOUND. */
int http_static_candidate(const char *root, const char *url_path, char *out, size_t size);
/* Media type for a file name by extension ("application/octet-stream" default). */
const char *http_static_type(const char *path);
int http_static_serve(http_req *req, kn_err *err);

/* ---- handlers ---- */

int http_h_healthz(http_req *req, kn_err *err);
int http_h_readyz(http_req *req, kn_err *err);
int http_h_metrics(http_req *req, kn_err *err);
int http_h_session_create(http_req *req, kn_err *err);
int http_h_session_get(http_req *req, kn_err *err);
int http_h_session_delete(http_req *req, kn_err *err);
int http_h_noop(http_req *req, kn_err *err);
int http_h_citizen_create(http_req *req, kn_err *err);
int http_h_citizen_list(http_req *req, kn_err *err);
int http_h_citizen_get(http_req *req, kn_err *err);
int http_h_users(http_req *req, kn_err *err);
int http_h_orgs(http_req *req, kn_err *err);
int http_h_audit(http_req *req, kn_err *err);
int http_h_gain_calc(http_req *req, kn_err *err);
int http_h_gain_plans(http_req *req, kn_err *err);
int http_h_gain_plan_create(http_req *req, kn_err *err);
int http_h_gain_measure_add(http_req *req, kn_err *err);
int http_h_gain_measure_list(http_req *req, kn_err *err);
int http_h_gain_report(http_req *req, kn_err *err);
int http_h_nytte(http_req *req, kn_err *err);      /* http_nytte.c */
int http_h_nytte_xlsx(http_req *req, kn_err *err);
int http_h_fhir_validate(http_req *req, kn_err *err);
int http_h_epj_metadata(http_req *req, kn_err *err); /* http_hub_read.c */
int http_h_epj_search(http_req *req, kn_err *err);
int http_h_epj_read(http_req *req, kn_err *err);
int http_h_hub_messages(http_req *req, kn_err *err);
int http_h_hub_process_message(http_req *req, kn_err *err); /* http_hub.c */
int http_h_hub_intake(http_req *req, kn_err *err);
int http_h_hub_status(http_req *req, kn_err *err);
int http_h_hub_ack(http_req *req, kn_err *err);
int http_h_hub_pull(http_req *req, kn_err *err);
int http_h_hub_grants(http_req *req, kn_err *err);
int http_h_hub_grant_add(http_req *req, kn_err *err);
int http_h_hub_grant_remove(http_req *req, kn_err *err);
int http_h_hub_dest_list(http_req *req, kn_err *err); /* http_hub_admin.c */
int http_h_hub_dest_save(http_req *req, kn_err *err);
int http_h_hub_route_list(http_req *req, kn_err *err);
int http_h_hub_route_add(http_req *req, kn_err *err);
int http_h_hub_route_remove(http_req *req, kn_err *err);
int http_h_hub_dead_list(http_req *req, kn_err *err);
int http_h_hub_dead_get(http_req *req, kn_err *err);
int http_h_hub_dead_requeue(http_req *req, kn_err *err);
int http_h_hub_dead_requeue_many(http_req *req, kn_err *err);
int http_h_hub_dead_edit(http_req *req, kn_err *err);
int http_h_hub_message_deliveries(http_req *req, kn_err *err);
int http_h_resp_alarm_create(http_req *req, kn_err *err); /* http_resp.c */
int http_h_resp_heartbeat(http_req *req, kn_err *err);
int http_h_resp_alarm_list(http_req *req, kn_err *err);
int http_h_resp_alarm_get(http_req *req, kn_err *err);
int http_h_resp_alarm_act(http_req *req, kn_err *err);
int http_h_resp_rule_list(http_req *req, kn_err *err); /* http_resp_admin.c */
int http_h_resp_rule_put(http_req *req, kn_err *err);
int http_h_resp_rule_delete(http_req *req, kn_err *err);
int http_h_resp_coverage(http_req *req, kn_err *err);
int http_h_resp_profile_get(http_req *req, kn_err *err);
int http_h_resp_profile_put(http_req *req, kn_err *err);
int http_h_resp_stats(http_req *req, kn_err *err);
int http_h_resp_stream(http_req *req, kn_err *err); /* http_resp_stream.c */

#endif
