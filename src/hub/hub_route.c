/* hub_route.c - destinations and routes of the hub (see hub_admin.h).
 *
 * A destination belongs to one receiver municipality; a route sends that
 * receiver's messages of one event (or "*") to one of its destinations.
 * Only an admin of the receiver changes or lists them; secrets are masked on
 * the way out and never logged; every change is audited.
 */
#include "hub_admin.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

/* Admin of receiver (who NULL: the local CLI). */
int hub_admin_require(const auth_principal *who, const char *receiver, kn_err *err)
{
    if (!who)
        return KN_OK;
    if (!receiver || !receiver[0])
        return kn_err_set(err, KN_EINVAL, "receiver (orgnr) required");
    return auth_require(who, AUTH_ROLE_ADMIN, receiver, HUB_ADMIN_SCOPE, err);
}

static int receiver_known(store *st, const char *receiver, kn_err *err)
{
    store_org org;
    int status = st->ops->org_get(st, receiver, &org, err);
    if (status == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "unknown receiver %s", receiver);
    if (status == KN_OK && org.kind != STORE_ORG_MUNICIPALITY)
        return kn_err_set(err, KN_EINVAL, "receiver %s is not a municipality", receiver);
    return status;
}

static const char *const mode_names[] = {"", "push", "pull"};
static const char *const auth_names[] = {"none", "bearer", "mtls"};
static const char *const delivery_names[] = {"", "pending", "done", "dead"};

static int name_index(const char *const *names, int n, const char *s, int *out)
{
    for (int i = 0; s && i < n; i++)
        if (names[i][0] && strcmp(names[i], s) == 0)
            return *out = i, KN_OK;
    return KN_EINVAL;
}

int hub_dest_mode_parse(const char *s, int *out) { return name_index(mode_names, 3, s, out); }
int hub_dest_auth_parse(const char *s, int *out) { return name_index(auth_names, 3, s, out); }
const char *hub_dest_mode_name(int m) { return m >= 1 && m <= 2 ? mode_names[m] : "?"; }
const char *hub_dest_auth_name(int a) { return a >= 0 && a <= 2 ? auth_names[a] : "?"; }
const char *hub_delivery_status_name(int s) { return s >= 1 && s <= 3 ? delivery_names[s] : "?"; }

void hub_dest_mask(store_hub_dest *d)
{
    if (d->secret[0])
        kn_strcpy(d->secret, sizeof d->secret, HUB_SECRET_MASK);
}

static void dest_defaults(store_hub_dest *d)
{
    if (!d->max_concurrency) /* transfers in flight; each waits for the EPJ's round trip */
        d->max_concurrency = 8;
    if (!d->backoff_base_ms)
        d->backoff_base_ms = 500;
    if (!d->backoff_max_ms)
        d->backoff_max_ms = d->backoff_base_ms > 60000 ? d->backoff_base_ms : 60000;
}

static int dest_validate(const store_hub_dest *d, kn_err *err)
{
    if (!d->name[0])
        return kn_err_set(err, KN_EINVAL, "field 'name': required");
    if (d->mode == DEST_PUSH && strncmp(d->url, "http://", 7) != 0 &&
        strncmp(d->url, "https://", 8) != 0)
        return kn_err_set(err, KN_EINVAL, "field 'url': push needs an http:// or https:// URL");
    if (d->auth == DEST_AUTH_BEARER && !d->secret[0])
        return kn_err_set(err, KN_EINVAL, "field 'secret': bearer needs a token");
    if (d->auth == DEST_AUTH_MTLS && (!d->cert_file[0] || !d->key_file[0]))
        return kn_err_set(err, KN_EINVAL, "fields 'cert_file', 'key_file': mtls needs both");
    if (d->max_concurrency < 1 || d->max_concurrency > 256 || d->max_attempts < 0 ||
        d->backoff_base_ms < 1 || d->backoff_max_ms < d->backoff_base_ms)
        return kn_err_set(err, KN_EINVAL, "limits: concurrency 1..256, attempts >= 0 (0 = forever), "
                                          "backoff_base_ms >= 1, backoff_max_ms >= base");
    return KN_OK;
}

/* An update keeps the stored secret when none is given, and the receiver. */
static int dest_merge(store *st, store_hub_dest *d, kn_err *err)
{
    store_hub_dest old;
    int status = st->ops->outbox->dest_get(st, d->id, &old, err);
    if (status != KN_OK)
        return status;
    if (strcmp(old.receiver, d->receiver) != 0)
        return kn_err_set(err, KN_ENOTFOUND, "hub destination: not found");
    if (!d->secret[0] || strcmp(d->secret, HUB_SECRET_MASK) == 0)
        memcpy(d->secret, old.secret, sizeof d->secret);
    d->created_at = old.created_at;
    return KN_OK;
}

int hub_dest_save(store *st, const auth_principal *who, store_hub_dest *d, const char *request_id,
                  kn_err *err)
{
    int status = hub_admin_require(who, d->receiver, err);
    if (status == KN_OK)
        status = receiver_known(st, d->receiver, err);
    if (status == KN_OK && d->id[0])
        status = dest_merge(st, d, err);
    if (status != KN_OK)
        return status;
    dest_defaults(d);
    status = dest_validate(d, err);
    if (status != KN_OK)
        return status;
    store_audit ev;
    audit_event_init(&ev, who, d->id[0] ? "hub.destination.update" : "hub.destination.create",
                     d->receiver, "hub_destination", d->id, request_id, "ok");
    if (!d->id[0]) {
        kn_id_new(d->id);
        kn_strcpy(ev.object_id, sizeof ev.object_id, d->id);
    }
    return st->ops->outbox->dest_put(st, d, &ev, err);
}

int hub_dest_list(store *st, const auth_principal *who, const char *receiver, store_hub_dest **list,
                  size_t *n, kn_err *err)
{
    if (who && !receiver)
        return kn_err_set(err, KN_EINVAL, "query parameter 'receiver' required");
    int status = hub_admin_require(who, receiver, err);
    if (status == KN_OK)
        status = st->ops->outbox->dest_list(st, receiver, list, n, err);
    for (size_t i = 0; status == KN_OK && i < *n; i++)
        hub_dest_mask(&(*list)[i]);
    return status;
}

static int route_change(store *st, const auth_principal *who, const store_hub_route *r, int add,
                        const char *request_id, kn_err *err)
{
    int status = hub_admin_require(who, r->receiver, err);
    if (status != KN_OK)
        return status;
    if (!r->event[0] || !r->dest_id[0])
        return kn_err_set(err, KN_EINVAL, "route: event (or \"*\") and destination required");
    store_audit ev;
    audit_event_init(&ev, who, add ? "hub.route.add" : "hub.route.remove", r->receiver,
                     "hub_destination", r->dest_id, request_id, "ok");
    return add ? st->ops->outbox->route_put(st, r, &ev, err)
               : st->ops->outbox->route_delete(st, r, &ev, err);
}

int hub_route_add(store *st, const auth_principal *who, const store_hub_route *r,
                  const char *request_id, kn_err *err)
{
    return route_change(st, who, r, 1, request_id, err);
}

int hub_route_remove(store *st, const auth_principal *who, const store_hub_route *r,
                     const char *request_id, kn_err *err)
{
    return route_change(st, who, r, 0, request_id, err);
}

int hub_route_list(store *st, const auth_principal *who, const char *receiver,
                   store_hub_route **list, size_t *n, kn_err *err)
{
    if (who && !receiver)
        return kn_err_set(err, KN_EINVAL, "query parameter 'receiver' required");
    int status = hub_admin_require(who, receiver, err);
    return status == KN_OK ? st->ops->outbox->route_list(st, receiver, list, n, err) : status;
}
