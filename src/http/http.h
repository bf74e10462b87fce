/* http.h - Knute's HTTP server: the JSON API, health checks, /metrics and the
 * static web UI, on libmicrohttpd.
 *
 * The CLI (`knute serve`) fills an http_app with borrowed pointers, starts the
 * server and stops it on SIGTERM. Every request goes through one route table
 * (http_routes.c) and one dispatcher that authenticates, checks CSRF, media
 * type, body size and access before a thin handler calls the domain module.
 */
#ifndef KN_HTTP_H
#define KN_HTTP_H

#include "../auth/auth.h"
#include "../citizen/citizen.h"
#include "../core/core_buf.h"
#include "../core/core_config.h"
#include "../core/core_err.h"
#include "../store/store.h"
#include "../hub/hub.h"
#include "../resp/resp.h"

/* What the handlers work with. All pointers are borrowed and must outlive the
 * server. */
typedef struct http_app {
    const kn_config *cfg;
    store *st;
    auth_ctx *auth;
    citizen_ctx *citizens;
    hub_ctx *hub;           /* the hub (knutepunkt); its delivery engine runs beside the server */
    resp_ctx *resp;         /* the response service (responstjeneste); NULL: its routes answer 503 */
} http_app;

typedef struct http_server http_server;

/* Bind cfg->listen:cfg->port (port 0 picks a free port) and start serving with
 * cfg->threads worker threads; TLS when cfg->tls_cert and cfg->tls_key are set.
 * Returns KN_OK with *out set, or KN_ECONFIG / KN_EIO / KN_ENOMEM with err
 * filled (nothing left running). */
int http_server_start(http_app *app, http_server **out, kn_err *err);

/* The TCP port actually bound (useful with port 0). */
int http_server_port(const http_server *srv);

/* Graceful stop: stop accepting, let in-flight requests finish for up to
 * cfg->shutdown_grace_s seconds, wait until no request is suspended on a
 * store write (the store answers every queued write; it must stay open until
 * this returns), then close everything and free srv. NULL-safe. */
void http_server_stop(http_server *srv);

/* Append the API reference table (Markdown, one row per route of the route
 * table: method, path, roles, client scope, body, summary) to out. */
int http_routes_markdown(kn_buf *out);

#endif
