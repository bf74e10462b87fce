/* hub_dlq.c - the dead-letter queue and delivery inspection (hub_admin.h).
 *
 * A delivery's receiver is its destination's; visibility and changes need an
 * admin of that receiver, and an invisible delivery is "not found" (no
 * existence leak). Edit-then-requeue re-validates the new body with the VKP
 * validator and insists on the same idempotency key, so the EPJ's dedup still
 * recognises the message; the body change and the requeue are one audited
 * transaction in the store.
 */
#include "hub_admin.h"
#include "hub_keys.h"

#include "../audit/audit.h"
#include "../core/core_util.h"
#include "../vkp/vkp.h"

#include <stdlib.h>
#include <string.h>

/* The delivery and its destination, when who may administer its receiver. */
static int delivery_visible(store *st, const auth_principal *who, const char *id,
                            store_hub_delivery *d, store_hub_dest *dest, kn_err *err)
{
    int status = st->ops->outbox->delivery_get(st, id, d, err);
    if (status == KN_OK)
        status = st->ops->outbox->dest_get(st, d->dest_id, dest, err);
    if (status == KN_OK && hub_admin_require(who, dest->receiver, NULL) != KN_OK)
        status = kn_err_set(err, KN_ENOTFOUND, "hub delivery: not found");
    if (status == KN_OK)
        hub_dest_mask(dest);
    return status;
}

int hub_dead_list(store *st, const auth_principal *who, const char *receiver, size_t offset,
                  size_t limit, store_hub_delivery **list, size_t *n, kn_err *err)
{
    int status = hub_admin_require(who, receiver, err);
    if (status != KN_OK)
        return status;
    if (limit == 0 || limit > HUB_DEAD_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "limit must be 1..%d", HUB_DEAD_PAGE_MAX);
    return st->ops->outbox->dead_list(st, receiver, offset, limit, list, n, err);
}

int hub_delivery_view_get(store *st, const auth_principal *who, const char *delivery_id,
                          hub_delivery_view *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    int status = delivery_visible(st, who, delivery_id, &out->d, &out->dest, err);
    if (status == KN_OK)
        status = st->ops->hub->message_get(st, out->d.message_id, 1, &out->msg, err);
    if (status == KN_OK)
        status = st->ops->outbox->attempt_list(st, out->d.id, &out->attempts, &out->nattempts, err);
    if (status != KN_OK) {
        hub_delivery_view_release(out);
        return status;
    }
    store_audit ev;
    audit_event_init(&ev, who, "hub.delivery.read", out->dest.receiver, "hub_message",
                     out->msg.id, NULL, "ok");
    status = st->ops->audit_append(st, &ev, err);
    if (status != KN_OK)
        hub_delivery_view_release(out);
    return status;
}

void hub_delivery_view_release(hub_delivery_view *v)
{
    if (!v)
        return;
    store_hub_message_free(&v->msg);
    free(v->attempts);
    v->attempts = NULL;
    v->nattempts = 0;
}

int hub_message_deliveries(store *st, const auth_principal *who, const char *message_id,
                           store_hub_delivery **list, size_t *n, kn_err *err)
{
    store_hub_message msg;
    memset(&msg, 0, sizeof msg);
    int status = st->ops->hub->message_get(st, message_id, 0, &msg, err);
    if (status == KN_OK && hub_admin_require(who, msg.receiver, NULL) != KN_OK)
        status = kn_err_set(err, KN_ENOTFOUND, "hub message: not found");
    store_hub_message_free(&msg);
    return status == KN_OK ? st->ops->outbox->delivery_list(st, message_id, list, n, err) : status;
}

static int requeue(store *st, const auth_principal *who, const char *delivery_id, const char *body,
                   size_t len, const char *request_id, kn_err *err)
{
    store_hub_delivery d;
    store_hub_dest dest;
    int status = delivery_visible(st, who, delivery_id, &d, &dest, err);
    if (status != KN_OK)
        return status;
    store_audit ev;
    audit_event_init(&ev, who, body ? "hub.delivery.edit_requeue" : "hub.delivery.requeue",
                     dest.receiver, "hub_message", d.message_id, request_id, "ok");
    return st->ops->outbox->delivery_requeue(st, d.id, body, len, &ev, err);
}

int hub_dead_requeue(store *st, const auth_principal *who, const char *delivery_id,
                     const char *request_id, kn_err *err)
{
    return requeue(st, who, delivery_id, NULL, 0, request_id, err);
}

int hub_dead_requeue_many(store *st, const auth_principal *who, const char *const *ids, size_t n,
                          const char *request_id, size_t *done, kn_err *err)
{
    *done = 0;
    for (size_t i = 0; i < n; i++) {
        int status = requeue(st, who, ids[i], NULL, 0, request_id, err);
        if (status != KN_OK)
            return status;
        (*done)++;
    }
    return KN_OK;
}

/* The new body is VKP-valid, of the message's kind, with the same key. */
static int edit_check(const store_hub_message *msg, const char *body, size_t len, int environment,
                      fhir_outcome *oc, kn_err *err)
{
    vkp_opts opts = {.environment = environment};
    int status = vkp_validate(body, len, &opts, oc);
    if (status == KN_EINVAL)
        return kn_err_set(err, KN_EINVAL, "the new body is not JSON");
    if (status != KN_OK)
        return kn_err_set(err, status, "validation failed");
    if (!fhir_outcome_ok(oc))
        return kn_err_set(err, KN_EUNPROCESSABLE, "the new body is not valid by VKP");
    fj_doc *doc = NULL;
    status = fj_parse(body, len, &doc, err);
    hub_keys keys;
    if (status == KN_OK)
        status = hub_kind_check(fj_root(doc), msg->kind, oc, err);
    if (status == KN_OK)
        status = hub_keys_extract(fj_root(doc), msg->kind, &keys, oc, err);
    fj_doc_free(doc);
    if (status == KN_OK && strcmp(keys.idem_key, msg->idem_key) != 0)
        return kn_err_set(err, KN_EUNPROCESSABLE,
                          "identifier changed: an edited message must keep its idempotency key");
    return status;
}

int hub_dead_edit_requeue(store *st, const auth_principal *who, const char *delivery_id,
                          const char *body, size_t len, int environment, const char *request_id,
                          fhir_outcome *oc, kn_err *err)
{
    if (!body || len == 0)
        return kn_err_set(err, KN_EINVAL, "a new body is required");
    store_hub_delivery d;
    store_hub_dest dest;
    int status = delivery_visible(st, who, delivery_id, &d, &dest, err);
    store_hub_message msg;
    memset(&msg, 0, sizeof msg);
    if (status == KN_OK)
        status = st->ops->hub->message_get(st, d.message_id, 0, &msg, err);
    if (status == KN_OK)
        status = edit_check(&msg, body, len, environment, oc, err);
    store_hub_message_free(&msg);
    return status == KN_OK ? requeue(st, who, delivery_id, body, len, request_id, err) : status;
}
