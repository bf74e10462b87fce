/* http_hub_grants.c - the hub's authorisation register over JSON, thin over
 * hub_grant_* (hub.h), which check that the caller is admin at the receiver
 * and audit every change:
 *   GET    /api/v1/hub/grants?receiver=ORGNR     list ({"items": [...]})
 *   POST   /api/v1/hub/grants                    add {client, receiver, resource, access} -> 201
 *   DELETE /api/v1/hub/grants?client=&receiver=&resource=&access=   -> 204
 * `client` is the client's id or name; the answer always names the id.
 */
#include "http_int.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

static json_t *grant_json(const void *record)
{
    const store_hub_grant *g = record;
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "client_id", g->client_id, "receiver",
                     g->receiver, "resource", g->resource, "access", g->access, "created_at",
                     http_time_json(g->created_at));
}

/* Copy the four fields into g; KN_EINVAL naming a field that does not fit. */
static int grant_fill(store_hub_grant *g, const char *client, const char *receiver,
                      const char *resource, const char *access, kn_err *err)
{
    memset(g, 0, sizeof *g);
    if (!client || !receiver || !resource || !access)
        return kn_err_set(err, KN_EINVAL, "client, receiver, resource and access are required");
    if (kn_strcpy(g->client_id, sizeof g->client_id, client) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'client' is too long");
    if (kn_strcpy(g->receiver, sizeof g->receiver, receiver) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'receiver' must be an organisation number");
    if (kn_strcpy(g->resource, sizeof g->resource, resource) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'resource' is too long");
    if (kn_strcpy(g->access, sizeof g->access, access) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'access' must be read or write");
    return KN_OK;
}

int http_h_hub_grants(http_req *req, kn_err *err)
{
    store_hub_grant *list = NULL;
    size_t n = 0;
    int rc = hub_grant_list(req->env->app->hub, &req->principal, http_req_query(req, "receiver"),
                            &list, &n, err);
    json_t *items = rc == KN_OK ? http_items_json(list, n, sizeof *list, grant_json) : NULL;
    free(list);
    if (rc != KN_OK)
        return rc;
    json_t *body = items ? json_pack("{s:o}", "items", items) : NULL;
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the grants");
    return http_reply_json(req, 200, body, err);
}

int http_h_hub_grant_add(http_req *req, kn_err *err)
{
    const char *client, *receiver, *resource, *access;
    const http_field fields[] = {
        {"client", 1, STORE_ID_LEN - 1, &client},
        {"receiver", 1, STORE_ORGNR_LEN - 1, &receiver},
        {"resource", 1, STORE_HUB_KIND_LEN - 1, &resource},
        {"access", 1, 7, &access},
    };
    store_hub_grant g;
    int rc = http_body_fields(req, fields, sizeof fields / sizeof fields[0], err);
    if (rc == KN_OK)
        rc = grant_fill(&g, client, receiver, resource, access, err);
    if (rc == KN_OK)
        rc = hub_grant_add(req->env->app->hub, &req->principal, &g, req->request_id, err);
    if (rc != KN_OK)
        return rc;
    g.created_at = kn_now_s();
    json_t *body = grant_json(&g);
    return body ? http_reply_json(req, 201, body, err)
                : kn_err_set(err, KN_EINTERNAL, "cannot encode the grant");
}

int http_h_hub_grant_remove(http_req *req, kn_err *err)
{
    store_hub_grant g;
    int rc = grant_fill(&g, http_req_query(req, "client"), http_req_query(req, "receiver"),
                        http_req_query(req, "resource"), http_req_query(req, "access"), err);
    if (rc == KN_OK)
        rc = hub_grant_remove(req->env->app->hub, &req->principal, &g, req->request_id, err);
    if (rc == KN_OK)
        http_reply_empty(req, 204);
    return rc;
}
