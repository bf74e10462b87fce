/* http_server.c - the libmicrohttpd daemon: start with an internal thread pool
 * (epoll where available, else poll), optional TLS from PEM files, the actual
 * bound port, and graceful stop (quiesce, drain in-flight requests, wait for
 * every suspended request to be resumed, stop).
 * The per-request callbacks live in http_conn.c.
 */
#include "http_int.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTP_CONNECTION_LIMIT 1024
#define HTTP_CONNECTION_TIMEOUT_S 30
#define HTTP_PEM_MAX (1024 * 1024)
#define HTTP_MAX_OPTIONS 16

struct http_server {
    struct MHD_Daemon *daemon;
    http_env env;
    char *cert_pem;
    char *key_pem;
    struct sockaddr_storage addr;
    int port;
};

static int read_pem(const char *path, char **out, kn_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kn_err_set(err, KN_ECONFIG, "cannot open TLS file %s: %s", path, strerror(errno));
    kn_buf buf;
    kn_buf_init(&buf, HTTP_PEM_MAX);
    char chunk[4096];
    size_t n;
    int rc = KN_OK;
    while (rc == KN_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = kn_buf_append(&buf, chunk, n);
    if (rc == KN_OK && ferror(f))
        rc = KN_EIO;
    fclose(f);
    if (rc != KN_OK) {
        kn_buf_release(&buf);
        return kn_err_set(err, rc == KN_ETOOLARGE ? KN_ECONFIG : rc, "cannot read TLS file %s",
                          path);
    }
    *out = kn_buf_detach(&buf, NULL);
    return *out ? KN_OK : kn_err_set(err, KN_ENOMEM, "out of memory reading %s", path);
}

static int load_tls(http_server *srv, const kn_config *cfg, kn_err *err)
{
    if (!cfg->tls_cert[0] && !cfg->tls_key[0])
        return KN_OK;
    if (!cfg->tls_cert[0] || !cfg->tls_key[0])
        return kn_err_set(err, KN_ECONFIG, "tls_cert and tls_key must be set together");
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return kn_err_set(err, KN_ECONFIG, "this libmicrohttpd has no TLS support");
    int rc = read_pem(cfg->tls_cert, &srv->cert_pem, err);
    if (rc == KN_OK)
        rc = read_pem(cfg->tls_key, &srv->key_pem, err);
    srv->env.tls = rc == KN_OK;
    return rc;
}

static int resolve_listen(http_server *srv, const kn_config *cfg, kn_err *err)
{
    if (cfg->port < 0 || cfg->port > 65535)
        return kn_err_set(err, KN_ECONFIG, "port %ld is outside 0..65535", cfg->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[16];
    snprintf(port, sizeof port, "%ld", cfg->port);
    int gai = getaddrinfo(cfg->listen[0] ? cfg->listen : NULL, port, &hints, &res);
    if (gai != 0 || !res)
        return kn_err_set(err, KN_ECONFIG, "cannot use listen address '%s': %s", cfg->listen,
                          gai_strerror(gai));
    memcpy(&srv->addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return KN_OK;
}

static void find_web_root(http_env *env, const kn_config *cfg)
{
    if (cfg->web_root[0] && realpath(cfg->web_root, env->web_root))
        return;
    env->web_root[0] = '\0';
    kn_log(KN_LOG_WARN, "http.no_web_root", "{s:s}", "web_root", cfg->web_root);
}

/* MHD_USE_TURBO is left off: it skips shutdown() before close, which can turn
 * an early 413 into a reset, and measured no faster here. */
static unsigned int daemon_flags(const http_server *srv)
{
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                         MHD_ALLOW_SUSPEND_RESUME;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    if (srv->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (srv->env.tls)
        flags |= MHD_USE_TLS;
    return flags;
}

static void option(struct MHD_OptionItem *opts, size_t *n, enum MHD_OPTION o, intptr_t value,
                   void *ptr)
{
    opts[*n] = (struct MHD_OptionItem){o, value, ptr};
    (*n)++;
}

/* Function pointers travel in MHD_OptionItem.value, as the library expects. */
#define FN_VALUE(fn) ((intptr_t)(fn))

static struct MHD_Daemon *start_daemon(http_server *srv, const kn_config *cfg)
{
    struct MHD_OptionItem opts[HTTP_MAX_OPTIONS];
    size_t n = 0;
    http_env *env = &srv->env;
    long threads = cfg->threads > 0 ? cfg->threads : 1;
    option(opts, &n, MHD_OPTION_EXTERNAL_LOGGER, FN_VALUE(http_conn_log), env); /* first */
    option(opts, &n, MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL);
    option(opts, &n, MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTION_LIMIT, NULL);
    option(opts, &n, MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONNECTION_TIMEOUT_S, NULL);
    option(opts, &n, MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
    option(opts, &n, MHD_OPTION_SOCK_ADDR, 0, &srv->addr);
    option(opts, &n, MHD_OPTION_URI_LOG_CALLBACK, FN_VALUE(http_conn_uri), env);
    option(opts, &n, MHD_OPTION_NOTIFY_COMPLETED, FN_VALUE(http_conn_completed), env);
    if (env->tls) {
        option(opts, &n, MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert_pem);
        option(opts, &n, MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key_pem);
    }
    option(opts, &n, MHD_OPTION_END, 0, NULL);
    return MHD_start_daemon(daemon_flags(srv), (uint16_t)cfg->port, NULL, NULL, http_conn_request,
                            env, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

static void server_free(http_server *srv)
{
    if (srv->key_pem)
        explicit_bzero(srv->key_pem, strlen(srv->key_pem));
    free(srv->key_pem);
    free(srv->cert_pem);
    free(srv);
}

static int server_prepare(http_server *srv, http_app *app, kn_err *err)
{
    const kn_config *cfg = app->cfg;
    srv->env.app = app;
    atomic_init(&srv->env.inflight, 0);
    atomic_init(&srv->env.suspended, 0);
    int rc = resolve_listen(srv, cfg, err);
    if (rc == KN_OK)
        rc = load_tls(srv, cfg, err);
    srv->env.secure_cookies = srv->env.tls || strncmp(cfg->public_url, "https://", 8) == 0;
    find_web_root(&srv->env, cfg);
    return rc;
}

int http_server_start(http_app *app, http_server **out, kn_err *err)
{
    http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return kn_err_set(err, KN_ENOMEM, "out of memory starting the HTTP server");
    int rc = server_prepare(srv, app, err);
    if (rc == KN_OK && !(srv->daemon = start_daemon(srv, app->cfg)))
        rc = kn_err_set(err, KN_EIO, "cannot listen on %s port %ld (in use or not permitted?)",
                        app->cfg->listen, app->cfg->port);
    if (rc != KN_OK) {
        server_free(srv);
        return rc;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (int)app->cfg->port;
    kn_log(KN_LOG_INFO, "http.start", "{s:s, s:i, s:i, s:b}", "listen", app->cfg->listen, "port",
           srv->port, "threads", (int)app->cfg->threads, "tls", srv->env.tls);
    *out = srv;
    return KN_OK;
}

int http_server_port(const http_server *srv)
{
    return srv ? srv->port : 0;
}

static void drain(http_server *srv, long grace_s)
{
    int64_t deadline = kn_mono_ns() + (int64_t)(grace_s > 0 ? grace_s : 0) * 1000000000;
    struct timespec pause = {0, 10 * 1000 * 1000};
    while (atomic_load(&srv->env.inflight) > 0 && kn_mono_ns() < deadline)
        nanosleep(&pause, NULL);
    /* libmicrohttpd must not be stopped with suspended connections. Each one
     * waits for a store write, and the store (closed after the server) answers
     * every queued write, so this wait ends without a deadline. */
    while (atomic_load(&srv->env.suspended) > 0)
        nanosleep(&pause, NULL);
}

void http_server_stop(http_server *srv)
{
    if (!srv)
        return;
    /* Live streams (SSE) never end by themselves: end them first. They are
     * suspended while idle but not counted in env.suspended; the bus resumes
     * each one and its next read ends the response. */
    if (srv->env.app->resp)
        resp_bus_shutdown(resp_ctx_bus(srv->env.app->resp));
    MHD_socket listener = MHD_quiesce_daemon(srv->daemon);
    /* Refuse new connections at once instead of leaving them in the backlog;
     * the socket itself may only be closed after MHD_stop_daemon. */
    if (listener != MHD_INVALID_SOCKET)
        shutdown(listener, SHUT_RDWR);
    drain(srv, srv->env.app->cfg->shutdown_grace_s);
    long unfinished = atomic_load(&srv->env.inflight);
    MHD_stop_daemon(srv->daemon);
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    kn_log(KN_LOG_INFO, "http.stop", "{s:i}", "unfinished", (int)unfinished);
    server_free(srv);
}
