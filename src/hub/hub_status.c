/* hub_status.c - a message's status for its sender and its receiver's
 * readers, the EPJ's journaling acknowledgement, and pull-mode reading
 * (see hub.h). A caller who may not see a message gets KN_ENOTFOUND, the same
 * as for a message that does not exist. Every read and change is audited.
 */
#include "hub.h"

#include "hub_keys.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATUS_NAMES[] = {NULL, "registered", "delivered", "journaled", "failed"};

const char *hub_status_name(int status)
{
    return status >= HUB_REGISTERED && status <= HUB_FAILED ? STATUS_NAMES[status] : "unknown";
}

int hub_status_parse(const char *name)
{
    for (int s = HUB_REGISTERED; name && s <= HUB_FAILED; s++)
        if (strcmp(name, STATUS_NAMES[s]) == 0)
            return s;
    return 0;
}

int hub_status_path(const store_hub_message *msg, char *out, size_t size)
{
    int n = snprintf(out, size, "/epj/r4/%s/%s/%s/$status", msg->receiver,
                     hub_kind_resource(msg->kind), msg->id);
    return n > 0 && (size_t)n < size ? KN_OK : KN_ETOOLARGE;
}

/* The message of receiver `receiver`, without body; KN_ENOTFOUND otherwise. */
static int load(hub_ctx *hub, const char *receiver, const char *id, store_hub_message *out,
                kn_err *err)
{
    if (!id || strlen(id) != STORE_ID_LEN - 1)
        return kn_err_set(err, KN_ENOTFOUND, "no such message");
    int rc = hub->st->ops->hub->message_get(hub->st, id, 0, out, err);
    if (rc == KN_OK && (!receiver || strcmp(out->receiver, receiver) != 0))
        rc = KN_ENOTFOUND;
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "no such message");
    return rc;
}

static int audit(hub_ctx *hub, const auth_principal *who, const char *action,
                 const store_hub_message *m, const char *request_id, kn_err *err)
{
    store_audit ev;
    audit_event_init(&ev, who, action, m->receiver, "hub_message", m->id, request_id, "ok");
    return hub->st->ops->audit_append(hub->st, &ev, err);
}

static int is_sender(const auth_principal *who, const store_hub_message *m)
{
    return who && strcmp(who->id, m->sender_client) == 0;
}

int hub_status_get(hub_ctx *hub, const auth_principal *who, const char *receiver, const char *id,
                   store_hub_message *out, kn_err *err)
{
    int rc = load(hub, receiver, id, out, err);
    if (rc != KN_OK)
        return rc;
    if (!is_sender(who, out) &&
        hub_allowed(hub, who, receiver, hub_kind_resource(out->kind), "read", NULL) != KN_OK) {
        memset(out, 0, sizeof *out);
        return kn_err_set(err, KN_ENOTFOUND, "no such message");
    }
    rc = audit(hub, who, "hub.status.read", out, NULL, err);
    if (rc != KN_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

void hub_delivery_info_free(hub_delivery_info *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i].attempts);
    free(list);
}

int hub_status_deliveries(hub_ctx *hub, const store_hub_message *msg, hub_delivery_info **list,
                          size_t *n, kn_err *err)
{
    *list = NULL;
    *n = 0;
    const struct store_outbox_ops *ob = hub->st->ops->outbox;
    if (!ob || !ob->delivery_list || !ob->attempt_list)
        return KN_OK;
    store_hub_delivery *ds = NULL;
    size_t nd = 0;
    int rc = ob->delivery_list(hub->st, msg->id, &ds, &nd, err);
    if (rc != KN_OK || nd == 0) {
        free(ds);
        return rc;
    }
    hub_delivery_info *out = calloc(nd, sizeof *out);
    if (!out) {
        free(ds);
        return kn_err_set(err, KN_ENOMEM, "out of memory for the deliveries");
    }
    for (size_t i = 0; rc == KN_OK && i < nd; i++) {
        out[i].delivery = ds[i];
        store_hub_dest dest;
        if (ob->dest_get && ob->dest_get(hub->st, ds[i].dest_id, &dest, NULL) == KN_OK)
            kn_strcpy(out[i].dest_name, sizeof out[i].dest_name, dest.name);
        else
            kn_strcpy(out[i].dest_name, sizeof out[i].dest_name, ds[i].dest_id);
        sodium_memzero(&dest, sizeof dest); /* it holds the destination's secret */
        rc = ob->attempt_list(hub->st, ds[i].id, &out[i].attempts, &out[i].n_attempts, err);
    }
    free(ds);
    if (rc != KN_OK) {
        hub_delivery_info_free(out, nd);
        return rc;
    }
    *list = out;
    *n = nd;
    return KN_OK;
}

int hub_acknowledge(hub_ctx *hub, const auth_principal *who, const char *receiver, const char *id,
                    const char *request_id, kn_err *err)
{
    store_hub_message m;
    int rc = load(hub, receiver, id, &m, err);
    if (rc != KN_OK)
        return rc;
    rc = hub_allowed(hub, who, receiver, hub_kind_resource(m.kind), "read", err);
    if (rc != KN_OK)
        return is_sender(who, &m) ? rc : kn_err_set(err, KN_ENOTFOUND, "no such message");
    if (m.status == HUB_JOURNALED)
        return KN_OK; /* idempotent */
    store_audit ev;
    audit_event_init(&ev, who, "hub.journaled", m.receiver, "hub_message", m.id, request_id, "ok");
    rc = hub->st->ops->hub->message_set_status(hub->st, m.id, HUB_JOURNALED, &ev, err);
    if (rc == KN_ECONFLICT && load(hub, receiver, id, &m, NULL) == KN_OK &&
        m.status == HUB_JOURNALED) {
        kn_err_clear(err);
        return KN_OK; /* acknowledged by a concurrent request */
    }
    return rc;
}

/* Mark the registered messages of a page delivered (pull mode), and show
 * the new status in the page. */
static int mark_pulled(hub_ctx *hub, const hub_pull_req *q, store_hub_message *list, size_t n,
                       kn_err *err)
{
    const char *ids[HUB_PULL_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n && k < HUB_PULL_MAX; i++)
        if (list[i].status == HUB_REGISTERED)
            ids[k++] = list[i].id;
    if (k == 0)
        return KN_OK;
    store_audit ev;
    audit_event_init(&ev, q->who, "hub.message.delivered", q->receiver, "hub_message", NULL,
                     q->request_id, "ok");
    int rc = hub->st->ops->hub->message_pulled(hub->st, ids, k, &ev, NULL, err);
    for (size_t i = 0; rc == KN_OK && i < n; i++)
        if (list[i].status == HUB_REGISTERED)
            list[i].status = HUB_DELIVERED;
    return rc;
}

int hub_pull(hub_ctx *hub, const hub_pull_req *q, store_hub_message **list, size_t *n, kn_err *err)
{
    *list = NULL;
    *n = 0;
    if (!q || q->limit == 0 || q->limit > HUB_PULL_MAX)
        return kn_err_set(err, KN_EINVAL, "_count must be 1..%d", HUB_PULL_MAX);
    int rc = hub_allowed(hub, q->who, q->receiver, "Bundle", "read", err);
    store_audit ev;
    audit_event_init(&ev, q->who, "hub.pull", q->receiver, "hub_message", NULL, q->request_id, "ok");
    if (rc == KN_OK) /* before any data leaves the store */
        rc = hub->st->ops->audit_append(hub->st, &ev, err);
    store_hub_filter f = {.receiver = q->receiver,
                          .kind = q->kind,
                          .not_status = q->not_status,
                          .after_updated = q->after_updated,
                          .after_seq = q->after_seq,
                          .limit = q->limit};
    store_hub_message *page = NULL;
    size_t count = 0;
    if (rc == KN_OK)
        rc = hub->st->ops->hub->message_list(hub->st, &f, 1, &page, &count, err);
    if (rc == KN_OK)
        rc = mark_pulled(hub, q, page, count, err);
    if (rc != KN_OK) {
        store_hub_message_list_free(page, count);
        return rc;
    }
    *list = page;
    *n = count;
    return KN_OK;
}
