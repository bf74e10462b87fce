/* epjsim.c - the test EPJ behind `knute epj-sim` (see epjsim.h).
 *
 * libmicrohttpd with a thread per connection (slow mode sleeps in the
 * handler); records live in a jansson array under one mutex; acknowledgements
 * go out from one thread with libcurl (a queue, so a delivery's answer never
 * waits for its ack); "down" restarts the daemon from a helper thread, since
 * a handler cannot stop its own daemon.
 */
#include "epjsim.h"

#include "../core/core_util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SIM_BODY_MAX (4u * 1024 * 1024)

typedef struct ack_item {
    struct ack_item *next;
    char url[1024];
    int64_t due_ms;
} ack_item;

struct epjsim {
    epjsim_opts opts;
    char listen[64], base_path[256], log_file[512], api_key[256], expect_bearer[512];
    int port;
    struct MHD_Daemon *daemon;
    pthread_mutex_t mu;          /* everything below */
    json_t *received;            /* accepted, arrival order */
    json_t *all;                 /* every delivery */
    long n_all, n_accepted, n_refused, n_acked, n_ack_failed;
    char mode[8];
    int fail_status, delay_ms;
    char reject[256];
    int reject_status;
    FILE *log;
    ack_item *acks, *acks_tail;
    pthread_cond_t ack_cv;
    int stopping;
    pthread_t ack_thread;
    int down;                    /* a restart is pending */
};

typedef struct conn_ctx {
    char *body;
    size_t len;
    int too_big;
} conn_ctx;

static struct MHD_Daemon *daemon_start(epjsim *sim);

/* ---- replies ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!text)
        return MHD_NO;
    enum MHD_Result ok = reply(c, status, "application/json", text);
    free(text);
    return ok;
}

static enum MHD_Result reply_outcome(struct MHD_Connection *c, unsigned status, const char *what)
{
    json_t *oc = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "resourceType", "OperationOutcome",
                           "issue", "severity", status < 300 ? "information" : "error", "code",
                           status < 300 ? "informational" : "processing", "diagnostics", what);
    char *text = json_dumps(oc, JSON_COMPACT);
    json_decref(oc);
    enum MHD_Result ok = text ? reply(c, status, "application/fhir+json", text) : MHD_NO;
    free(text);
    return ok;
}

/* ---- what a delivery carries ---- */

static const char *identifier_of(json_t *ident, char *out, size_t size)
{
    const char *sys = json_string_value(json_object_get(ident, "system"));
    const char *val = json_string_value(json_object_get(ident, "value"));
    if (!val)
        return "";
    snprintf(out, size, "%s|%s", sys ? sys : "", val);
    return out;
}

/* The patient of a resource: a Patient's first identifier, else its
 * subject's or patient's identifier. */
static const char *patient_in(json_t *res, char *out, size_t size)
{
    const char *type = json_string_value(json_object_get(res, "resourceType"));
    if (type && strcmp(type, "Patient") == 0)
        return identifier_of(json_array_get(json_object_get(res, "identifier"), 0), out, size);
    json_t *ref = json_object_get(res, "subject");
    if (!ref)
        ref = json_object_get(res, "patient");
    return identifier_of(json_object_get(ref, "identifier"), out, size);
}

/* The first patient named by the resource or its Bundle entries. */
static const char *patient_of(json_t *doc, char *out, size_t size)
{
    const char *p = patient_in(doc, out, size);
    json_t *entries = json_object_get(doc, "entry"), *e;
    size_t i;
    json_array_foreach(entries, i, e) {
        if (p[0])
            break;
        p = patient_in(json_object_get(e, "resource"), out, size);
    }
    return p;
}

static json_t *record_new(epjsim *sim, struct MHD_Connection *c, const char *url,
                          const conn_ctx *cc, int status)
{
    const char *mid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Knute-Message-Id");
    json_t *doc = json_loadb(cc->body ? cc->body : "", cc->len, 0, NULL);
    char ident[600] = "", patient[300] = "";
    const char *id = identifier_of(json_object_get(doc, "identifier"), ident, sizeof ident);
    const char *pat = patient_of(doc, patient, sizeof patient);
    const char *type = json_string_value(json_object_get(doc, "resourceType"));
    json_t *rec = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "order",
                            (json_int_t)sim->n_all + 1, "message_id", mid ? mid : "", "identifier",
                            id, "patient", pat, "path", url, "resource_type", type ? type : "",
                            "status", status, "bytes", (json_int_t)cc->len, "at_ms",
                            (json_int_t)kn_now_ms());
    json_decref(doc);
    return rec;
}

/* ---- acknowledgements ---- */

static void ack_queue(epjsim *sim, const char *url)
{
    if (!sim->api_key[0] || !url || !url[0] || strlen(url) >= sizeof sim->acks->url)
        return;
    ack_item *a = calloc(1, sizeof *a);
    if (!a)
        return;
    kn_strcpy(a->url, sizeof a->url, url);
    a->due_ms = kn_now_ms() + sim->opts.ack_delay_ms;
    if (sim->acks_tail)
        sim->acks_tail->next = a;
    else
        sim->acks = a;
    sim->acks_tail = a;
    pthread_cond_signal(&sim->ack_cv);
}

static size_t sink(char *p, size_t s, size_t n, void *cls)
{
    (void)p;
    (void)cls;
    return s * n;
}

static int ack_send(CURL *h, const epjsim *sim, const char *url)
{
    char bearer[300];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", sim->api_key);
    struct curl_slist *hdr = curl_slist_append(NULL, bearer);
    hdr = curl_slist_append(hdr, "Content-Type: application/fhir+json");
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    long code = 0;
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdr);
    return rc == CURLE_OK && code >= 200 && code < 300;
}

static void *ack_main(void *arg)
{
    epjsim *sim = arg;
    CURL *h = curl_easy_init();
    pthread_mutex_lock(&sim->mu);
    while (!sim->stopping || sim->acks) {
        if (!sim->acks) {
            pthread_cond_wait(&sim->ack_cv, &sim->mu);
            continue;
        }
        ack_item *a = sim->acks;
        int64_t wait = a->due_ms - kn_now_ms();
        if (wait > 0 && !sim->stopping) {
            pthread_mutex_unlock(&sim->mu);
            usleep((useconds_t)(wait > 100 ? 100 : wait) * 1000);
            pthread_mutex_lock(&sim->mu);
            continue;
        }
        sim->acks = a->next;
        if (!sim->acks)
            sim->acks_tail = NULL;
        pthread_mutex_unlock(&sim->mu);
        int ok = h && !sim->stopping ? ack_send(h, sim, a->url) : 0;
        free(a);
        pthread_mutex_lock(&sim->mu);
        ok ? sim->n_acked++ : sim->n_ack_failed++;
    }
    pthread_mutex_unlock(&sim->mu);
    if (h)
        curl_easy_cleanup(h);
    return NULL;
}

/* ---- down: stop listening, come back later ---- */

typedef struct down_job {
    epjsim *sim;
    int down_s;
} down_job;

static void *down_main(void *arg)
{
    down_job *j = arg;
    epjsim *sim = j->sim;
    usleep(50 * 1000); /* let the control request be answered */
    struct MHD_Daemon *old = sim->daemon;
    sim->daemon = NULL;
    MHD_stop_daemon(old);
    fprintf(stderr, "epj-sim: down for %d s\n", j->down_s);
    for (int i = 0; i < j->down_s * 10 && !sim->stopping; i++)
        usleep(100 * 1000);
    pthread_mutex_lock(&sim->mu);
    kn_strcpy(sim->mode, sizeof sim->mode, "ok");
    pthread_mutex_unlock(&sim->mu);
    for (int tries = 0; !sim->daemon && tries < 100 && !sim->stopping; tries++) {
        sim->daemon = daemon_start(sim);
        if (!sim->daemon)
            usleep(100 * 1000);
    }
    fprintf(stderr, "epj-sim: %s\n", sim->daemon ? "back" : "could not come back");
    pthread_mutex_lock(&sim->mu);
    sim->down = 0;
    pthread_mutex_unlock(&sim->mu);
    free(j);
    return NULL;
}

/* ---- handlers ---- */

static enum MHD_Result control(epjsim *sim, struct MHD_Connection *c, const conn_ctx *cc)
{
    json_t *doc = json_loadb(cc->body ? cc->body : "", cc->len, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return reply(c, 400, "text/plain", "control body must be a JSON object\n");
    }
    const char *mode = json_string_value(json_object_get(doc, "mode"));
    const char *rej = json_string_value(json_object_get(doc, "reject"));
    int down_s = (int)json_integer_value(json_object_get(doc, "down_s"));
    pthread_mutex_lock(&sim->mu);
    if (mode && (!strcmp(mode, "ok") || !strcmp(mode, "fail") || !strcmp(mode, "slow") ||
                 !strcmp(mode, "down")))
        kn_strcpy(sim->mode, sizeof sim->mode, mode);
    if (json_object_get(doc, "status"))
        sim->fail_status = (int)json_integer_value(json_object_get(doc, "status"));
    if (json_object_get(doc, "delay_ms"))
        sim->delay_ms = (int)json_integer_value(json_object_get(doc, "delay_ms"));
    if (rej)
        kn_strcpy(sim->reject, sizeof sim->reject, rej);
    if (json_object_get(doc, "reject_status"))
        sim->reject_status = (int)json_integer_value(json_object_get(doc, "reject_status"));
    int go_down = mode && !strcmp(mode, "down") && !sim->down;
    if (go_down)
        sim->down = 1;
    pthread_mutex_unlock(&sim->mu);
    json_decref(doc);
    if (go_down) {
        down_job *j = malloc(sizeof *j);
        pthread_t t;
        if (j) {
            *j = (down_job){sim, down_s > 0 ? down_s : 30};
            if (pthread_create(&t, NULL, down_main, j) == 0)
                pthread_detach(t);
            else
                free(j);
        }
    }
    return reply_json(c, 200, json_pack("{s:b}", "ok", 1));
}

static enum MHD_Result stats(epjsim *sim, struct MHD_Connection *c)
{
    pthread_mutex_lock(&sim->mu);
    json_t *doc = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:i, s:i, s:s}", "received",
                            (json_int_t)sim->n_all, "accepted", (json_int_t)sim->n_accepted,
                            "refused", (json_int_t)sim->n_refused, "acked",
                            (json_int_t)sim->n_acked, "ack_failed", (json_int_t)sim->n_ack_failed,
                            "mode", sim->mode, "status", sim->fail_status, "delay_ms",
                            sim->delay_ms, "reject", sim->reject);
    pthread_mutex_unlock(&sim->mu);
    return reply_json(c, 200, doc);
}

static enum MHD_Result received(epjsim *sim, struct MHD_Connection *c)
{
    const char *all = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "all");
    pthread_mutex_lock(&sim->mu);
    json_t *copy = json_deep_copy(all && !strcmp(all, "1") ? sim->all : sim->received);
    pthread_mutex_unlock(&sim->mu);
    return reply_json(c, 200, copy);
}

/* The answer to a delivery under the current mode. */
static int delivery_status(epjsim *sim, struct MHD_Connection *c, const conn_ctx *cc, int *delay)
{
    *delay = 0;
    if (sim->expect_bearer[0]) {
        const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        if (!auth || strncmp(auth, "Bearer ", 7) != 0 || strcmp(auth + 7, sim->expect_bearer) != 0)
            return 401;
    }
    if (cc->too_big)
        return 413;
    if (!strcmp(sim->mode, "fail") || !strcmp(sim->mode, "down"))
        return sim->fail_status;
    if (sim->reject[0] && cc->body && memmem(cc->body, cc->len, sim->reject, strlen(sim->reject)))
        return sim->reject_status;
    if (!strcmp(sim->mode, "slow"))
        *delay = sim->delay_ms;
    return 200;
}

static void log_line(epjsim *sim, json_t *rec)
{
    if (!sim->log)
        return;
    char *line = json_dumps(rec, JSON_COMPACT);
    if (line) {
        fprintf(sim->log, "%s\n", line);
        fflush(sim->log);
        free(line);
    }
}

static enum MHD_Result delivery(epjsim *sim, struct MHD_Connection *c, const char *url,
                                const conn_ctx *cc)
{
    int delay = 0;
    pthread_mutex_lock(&sim->mu);
    int status = delivery_status(sim, c, cc, &delay);
    pthread_mutex_unlock(&sim->mu);
    if (delay > 0)
        usleep((useconds_t)delay * 1000);
    pthread_mutex_lock(&sim->mu);
    json_t *rec = record_new(sim, c, url, cc, status);
    sim->n_all++;
    json_array_append(sim->all, rec);
    if (status >= 200 && status < 300) {
        sim->n_accepted++;
        json_array_append(sim->received, rec);
        log_line(sim, rec);
        ack_queue(sim, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Knute-Ack-Url"));
    } else {
        sim->n_refused++;
    }
    pthread_mutex_unlock(&sim->mu);
    json_decref(rec);
    return reply_outcome(c, (unsigned)status, status < 300 ? "journaled by epj-sim" : "refused by epj-sim");
}

static int conn_append(conn_ctx *cc, const char *data, size_t n)
{
    if (cc->too_big || cc->len + n > SIM_BODY_MAX) {
        cc->too_big = 1;
        return 0;
    }
    char *grown = realloc(cc->body, cc->len + n + 1);
    if (!grown)
        return -1;
    memcpy(grown + cc->len, data, n);
    cc->body = grown;
    cc->len += n;
    cc->body[cc->len] = '\0';
    return 0;
}

static enum MHD_Result route(epjsim *sim, struct MHD_Connection *c, const char *url,
                             const char *method, conn_ctx *cc)
{
    int post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    if (post && !strcmp(url, "/_control"))
        return control(sim, c, cc);
    if (get && !strcmp(url, "/_received"))
        return received(sim, c);
    if (get && !strcmp(url, "/_stats"))
        return stats(sim, c);
    if (post && !strncmp(url, sim->base_path, strlen(sim->base_path)) && strncmp(url, "/_", 2))
        return delivery(sim, c, url, cc);
    return reply(c, 404, "text/plain", "not found\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **req_cls)
{
    (void)version;
    epjsim *sim = cls;
    conn_ctx *cc = *req_cls;
    if (!cc) {
        cc = calloc(1, sizeof *cc);
        *req_cls = cc;
        return cc ? MHD_YES : MHD_NO;
    }
    if (*size) {
        if (conn_append(cc, data, *size) < 0)
            return MHD_NO;
        *size = 0;
        return MHD_YES;
    }
    return route(sim, c, url, method, cc);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_ctx *cc = *req_cls;
    if (cc) {
        free(cc->body);
        free(cc);
    }
    *req_cls = NULL;
}

static struct MHD_Daemon *daemon_start(epjsim *sim)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)sim->port)};
    if (inet_pton(AF_INET, sim->listen, &addr.sin_addr) != 1)
        return NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ITC | MHD_USE_POLL;
    return MHD_start_daemon(flags, (uint16_t)sim->port, NULL, NULL, on_request, sim,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, sim,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
}

static int sim_copy_opts(epjsim *sim, const epjsim_opts *o, kn_err *err)
{
    int rc = kn_strcpy(sim->listen, sizeof sim->listen, o->listen && *o->listen ? o->listen : "127.0.0.1");
    rc |= kn_strcpy(sim->base_path, sizeof sim->base_path,
                    o->base_path && *o->base_path ? o->base_path : "/");
    rc |= kn_strcpy(sim->log_file, sizeof sim->log_file, o->log_file ? o->log_file : "");
    rc |= kn_strcpy(sim->api_key, sizeof sim->api_key, o->api_key ? o->api_key : "");
    rc |= kn_strcpy(sim->expect_bearer, sizeof sim->expect_bearer,
                    o->expect_bearer ? o->expect_bearer : "");
    if (rc != KN_OK)
        return kn_err_set(err, KN_EINVAL, "epj-sim: an option is too long");
    sim->opts = *o;
    sim->port = o->port;
    return KN_OK;
}

static int sim_init(epjsim *sim, const epjsim_opts *o, kn_err *err)
{
    int status = sim_copy_opts(sim, o, err);
    if (status != KN_OK)
        return status;
    kn_strcpy(sim->mode, sizeof sim->mode, "ok");
    sim->fail_status = 503;
    sim->reject_status = 400;
    sim->received = json_array();
    sim->all = json_array();
    if (!sim->received || !sim->all)
        return kn_err_set(err, KN_ENOMEM, "epj-sim: out of memory");
    if (sim->log_file[0] && !(sim->log = fopen(sim->log_file, "a")))
        return kn_err_set(err, KN_EIO, "epj-sim: cannot open log %s", sim->log_file);
    return KN_OK;
}

static void sim_free(epjsim *sim)
{
    json_decref(sim->received);
    json_decref(sim->all);
    if (sim->log)
        fclose(sim->log);
    for (ack_item *a = sim->acks; a;) {
        ack_item *next = a->next;
        free(a);
        a = next;
    }
    pthread_mutex_destroy(&sim->mu);
    pthread_cond_destroy(&sim->ack_cv);
    free(sim);
}

int epjsim_start(const epjsim_opts *opts, epjsim **out, kn_err *err)
{
    epjsim *sim = calloc(1, sizeof *sim);
    if (!sim)
        return kn_err_set(err, KN_ENOMEM, "epj-sim: out of memory");
    pthread_mutex_init(&sim->mu, NULL);
    pthread_cond_init(&sim->ack_cv, NULL);
    int status = sim_init(sim, opts, err);
    if (status == KN_OK && !(sim->daemon = daemon_start(sim)))
        status = kn_err_set(err, KN_EIO, "epj-sim: cannot listen on %s:%d", sim->listen, sim->port);
    if (status == KN_OK) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(sim->daemon, MHD_DAEMON_INFO_BIND_PORT);
        sim->port = info ? info->port : sim->port;
        if (pthread_create(&sim->ack_thread, NULL, ack_main, sim) != 0)
            status = kn_err_set(err, KN_EINTERNAL, "epj-sim: cannot start ack thread");
    }
    if (status != KN_OK) {
        if (sim->daemon)
            MHD_stop_daemon(sim->daemon);
        sim_free(sim);
        return status;
    }
    *out = sim;
    return KN_OK;
}

int epjsim_port(const epjsim *sim)
{
    return sim->port;
}

void epjsim_stop(epjsim *sim)
{
    if (!sim)
        return;
    pthread_mutex_lock(&sim->mu);
    sim->stopping = 1;
    pthread_cond_signal(&sim->ack_cv);
    pthread_mutex_unlock(&sim->mu);
    pthread_join(sim->ack_thread, NULL);
    for (int i = 0; i < 100 && sim->down; i++) /* a down helper finishes first */
        usleep(100 * 1000);
    if (sim->daemon)
        MHD_stop_daemon(sim->daemon);
    sim_free(sim);
}
