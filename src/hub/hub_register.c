/* hub_register.c - the authorisation register: which client may read or
 * write which resource of which receiver (see hub.h). Only admins of the
 * receiver municipality change or list it (the local CLI acts as operator,
 * who = NULL); every change is audited in the same transaction.
 */
#include "hub.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define HUB_ADMIN_SCOPE "knute/admin"

static int require_admin(const auth_principal *who, const char *receiver, kn_err *err)
{
    return who ? auth_require(who, AUTH_ROLE_ADMIN, receiver, HUB_ADMIN_SCOPE, err) : KN_OK;
}

/* "*" or a FHIR resource type: an upper-case letter, then letters. */
static int resource_ok(const char *r)
{
    if (strcmp(r, "*") == 0)
        return 1;
    if (!isupper((unsigned char)r[0]))
        return 0;
    for (const char *p = r; *p; p++)
        if (!isalpha((unsigned char)*p))
            return 0;
    return 1;
}

static int receiver_known(hub_ctx *hub, const char *receiver, kn_err *err)
{
    store_org org;
    int rc = hub->st->ops->org_get(hub->st, receiver, &org, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && org.kind != STORE_ORG_MUNICIPALITY))
        return kn_err_set(err, KN_ENOTFOUND, "unknown receiver %s: not a municipality Knute knows",
                          receiver);
    return rc;
}

/* Replace a client name in g->client_id by the client's id. */
static int resolve_client(hub_ctx *hub, store_hub_grant *g, kn_err *err)
{
    store_client *list = NULL;
    size_t n = 0;
    int rc = hub->st->ops->client_list(hub->st, &list, &n, err);
    if (rc != KN_OK)
        return rc;
    rc = kn_err_set(err, KN_ENOTFOUND, "no client named or with id '%s'", g->client_id);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].id, g->client_id) == 0 || strcmp(list[i].name, g->client_id) == 0) {
            memcpy(g->client_id, list[i].id, sizeof g->client_id);
            kn_err_clear(err);
            rc = KN_OK;
            break;
        }
    }
    free(list);
    return rc;
}

static int check_grant(hub_ctx *hub, const auth_principal *who, store_hub_grant *g, kn_err *err)
{
    if (!g || !g->client_id[0] || !memchr(g->client_id, '\0', sizeof g->client_id))
        return kn_err_set(err, KN_EINVAL, "field 'client' is required");
    if (!memchr(g->resource, '\0', sizeof g->resource) || !resource_ok(g->resource))
        return kn_err_set(err, KN_EINVAL, "field 'resource' must be '*' or a FHIR resource type");
    if (strcmp(g->access, "read") != 0 && strcmp(g->access, "write") != 0)
        return kn_err_set(err, KN_EINVAL, "field 'access' must be read or write");
    if (!memchr(g->receiver, '\0', sizeof g->receiver) || strlen(g->receiver) != 9)
        return kn_err_set(err, KN_EINVAL, "field 'receiver' must be an organisation number");
    int rc = require_admin(who, g->receiver, err);
    if (rc == KN_OK)
        rc = receiver_known(hub, g->receiver, err);
    return rc == KN_OK ? resolve_client(hub, g, err) : rc;
}

static int grant_change(hub_ctx *hub, const auth_principal *who, store_hub_grant *g, int add,
                        const char *request_id, kn_err *err)
{
    int rc = check_grant(hub, who, g, err);
    if (rc != KN_OK)
        return rc;
    store_audit ev;
    audit_event_init(&ev, who, add ? "hub.grant.add" : "hub.grant.remove", g->receiver,
                     "hub_grant", g->client_id, request_id, "ok");
    const struct store_hub_ops *ops = hub->st->ops->hub;
    rc = add ? ops->grant_put(hub->st, g, &ev, err) : ops->grant_delete(hub->st, g, &ev, err);
    hub_cache_invalidate(); /* also after a failure: the change may have committed */
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "no such grant");
    return rc;
}

int hub_grant_add(hub_ctx *hub, const auth_principal *who, store_hub_grant *g,
                  const char *request_id, kn_err *err)
{
    return grant_change(hub, who, g, 1, request_id, err);
}

int hub_grant_remove(hub_ctx *hub, const auth_principal *who, store_hub_grant *g,
                     const char *request_id, kn_err *err)
{
    return grant_change(hub, who, g, 0, request_id, err);
}

/* Keep only the grants at receivers where who is admin. */
static void keep_admin_receivers(const auth_principal *who, store_hub_grant *list, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (require_admin(who, list[i].receiver, NULL) == KN_OK)
            list[k++] = list[i];
    *n = k;
}

int hub_grant_list(hub_ctx *hub, const auth_principal *who, const char *receiver,
                   store_hub_grant **list, size_t *n, kn_err *err)
{
    *list = NULL;
    *n = 0;
    int rc = require_admin(who, receiver, err); /* receiver NULL: admin somewhere */
    if (rc == KN_OK)
        rc = hub->st->ops->hub->grant_list(hub->st, receiver, list, n, err);
    if (rc == KN_OK && who && !receiver)
        keep_admin_receivers(who, *list, n);
    return rc;
}
