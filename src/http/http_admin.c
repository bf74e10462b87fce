/* http_admin.c - small read endpoints over the domain and the principal:
 *   GET /api/v1/noop            authenticated no-op (benchmarks the auth path)
 *   GET /api/v1/users           users without password hashes (admin)
 *   GET /api/v1/organisations   organisations (any authenticated principal)
 * Access is decided by the route table before these run; the lists come from
 * the domain (auth_user_list clears password hashes, org_list).
 */
#include "http_int.h"

#include "../core/core_util.h"
#include "../org/org.h"

#include <stdlib.h>

int http_h_noop(http_req *req, kn_err *err)
{
    return http_reply_json(req, 200,
                           json_pack("{s:b, s:s}", "ok", 1, "principal", req->principal.id), err);
}

/* Reply {"items":[...]} and free the list. */
static int reply_items(http_req *req, void *list, size_t n, size_t size, http_encode_fn encode,
                       kn_err *err)
{
    json_t *body = json_pack("{s:o}", "items", http_items_json(list, n, size, encode));
    free(list);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the list");
    return http_reply_json(req, 200, body, err);
}

static json_t *user_json(const void *item)
{
    const store_user *u = item;
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:o, s:o}", "id", u->id, "username", u->username,
                     "display_name", u->display_name, "disabled", u->disabled, "locked",
                     u->locked_until > kn_now_s(), "created_at", http_time_json(u->created_at),
                     "grants", http_grants_json(u->grants, u->ngrants));
}

int http_h_users(http_req *req, kn_err *err)
{
    store_user *list = NULL;
    size_t n = 0;
    int rc = auth_user_list(req->env->app->st, &req->principal, &list, &n, err);
    return rc == KN_OK ? reply_items(req, list, n, sizeof *list, user_json, err) : rc;
}

static json_t *org_json(const void *item)
{
    const store_org *o = item;
    return json_pack("{s:s, s:s, s:s, s:I}", "orgnr", o->orgnr, "kind", org_kind_name(o->kind),
                     "name", o->name, "inhabitants", (json_int_t)o->inhabitants);
}

int http_h_orgs(http_req *req, kn_err *err)
{
    store_org *list = NULL;
    size_t n = 0;
    int rc = org_list(req->env->app->st, &list, &n, err);
    return rc == KN_OK ? reply_items(req, list, n, sizeof *list, org_json, err) : rc;
}
