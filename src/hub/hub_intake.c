/* hub_intake.c - message intake (see hub.h): receiver, authorisation,
 * validation, keys, then one durable write with its audit event.
 *
 * Order of the checks, cheapest and least revealing first: the receiver must
 * be a known municipality (404); the caller must be a machine client with
 * "write" for the kind's resource ("message" and "Bundle" -> "Bundle") at the
 * receiver in the register, or a user who is admin there (403); the body must
 * be JSON (400, the parser's reason as an OperationOutcome); the resource
 * must be of the route's kind and valid by VKP (422 with every issue); it
 * must carry an idempotency key (422). Nothing is written before all pass.
 */
#include "hub.h"

#include "hub_keys.h"

#include "../audit/audit.h"
#include "../core/core_util.h"
#include "../vkp/vkp.h"

#include <string.h>

/* Receiver known and a municipality. */
static int require_receiver(hub_ctx *hub, const char *receiver, kn_err *err)
{
    store_org org;
    if (!receiver || strlen(receiver) != STORE_ORGNR_LEN - 1)
        return kn_err_set(err, KN_ENOTFOUND, "unknown receiver");
    int rc = hub->st->ops->org_get(hub->st, receiver, &org, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && org.kind != STORE_ORG_MUNICIPALITY))
        return kn_err_set(err, KN_ENOTFOUND, "unknown receiver %s: not a municipality Knute knows",
                          receiver);
    return rc;
}

int hub_allowed(hub_ctx *hub, const auth_principal *who, const char *receiver,
                const char *resource, const char *access, kn_err *err)
{
    if (!who)
        return kn_err_set(err, KN_EFORBIDDEN, "not authenticated");
    if (who->kind == AUTH_PRINCIPAL_USER)
        return auth_require(who, AUTH_ROLE_ADMIN, receiver, NULL, err);
    int allowed = 0;
    int rc = hub->st->ops->hub->grant_check(hub->st, who->id, receiver, resource, access, &allowed,
                                            err);
    if (rc == KN_OK && !allowed)
        return kn_err_set(err, KN_EFORBIDDEN,
                          "the authorisation register does not let this client %s %s of %s",
                          access, resource, receiver);
    return rc;
}

/* Parse, check the kind, validate by VKP and extract the keys into op. */
static int validate(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err)
{
    vkp_opts opts = {.environment = hub->environment};
    fj_doc *doc = NULL;
    if (fj_parse(req->body, req->len, &doc, NULL) != KN_OK) {
        int rc = vkp_validate(req->body, req->len, &opts, &op->outcome); /* the parser's reason */
        return kn_err_set(err, rc == KN_ENOMEM ? KN_ENOMEM : KN_EINVAL, "the body is not JSON");
    }
    const fj_node *root = fj_root(doc);
    hub_keys keys;
    int rc = hub_kind_check(root, req->kind, &op->outcome, err);
    if (rc == KN_OK && (rc = vkp_validate_tree(root, &opts, &op->outcome)) != KN_OK)
        kn_err_set(err, rc, "validation could not run");
    if (rc == KN_OK && !fhir_outcome_ok(&op->outcome))
        rc = kn_err_set(err, KN_EUNPROCESSABLE, "the message breaks the VKP profiles (%zu errors)",
                        op->outcome.errors);
    if (rc == KN_OK)
        rc = hub_keys_extract(root, req->kind, &keys, &op->outcome, err);
    if (rc == KN_OK) {
        memcpy(op->msg.idem_key, keys.idem_key, sizeof op->msg.idem_key);
        memcpy(op->msg.event, keys.event, sizeof op->msg.event);
        memcpy(op->msg.patient_key, keys.patient_key, sizeof op->msg.patient_key);
    }
    fj_doc_free(doc);
    return rc;
}

int hub_intake_prepare(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err)
{
    memset(op, 0, sizeof *op);
    fhir_outcome_init(&op->outcome);
    if (!req || !hub_kind_known(req->kind) || !req->body)
        return kn_err_set(err, KN_EINVAL, "intake: unknown kind or no body");
    int rc = require_receiver(hub, req->receiver, err);
    if (rc == KN_OK)
        rc = hub_allowed(hub, req->who, req->receiver, hub_kind_resource(req->kind), "write", err);
    if (rc == KN_OK)
        rc = validate(hub, req, op, err);
    if (rc != KN_OK)
        return rc;
    store_hub_message *m = &op->msg;
    kn_id_new(m->id);
    memcpy(m->receiver, req->receiver, sizeof m->receiver);
    kn_strcpy(m->sender_client, sizeof m->sender_client, req->who->id);
    kn_strcpy(m->kind, sizeof m->kind, req->kind);
    m->status = HUB_REGISTERED;
    m->body = (char *)req->body; /* borrowed until submit returns: the store copies it */
    m->body_len = req->len;
    audit_event_init(&op->audit, req->who, "hub.intake", req->receiver, "hub_message", m->id,
                     req->request_id, "ok");
    return KN_OK;
}

/* The store's done (writer thread): wake the delivery engine for a new
 * message, then hand the result on. Calling op->done is the last touch. */
static void intake_done(void *cls, int status, const kn_err *err)
{
    hub_intake_op *op = cls;
    op->msg.body = NULL;
    op->msg.body_len = 0;
    if (status == KN_OK && !op->dup && op->hub->deliver)
        hub_deliver_notify(op->hub->deliver);
    op->done(op->cls, status, err);
}

int hub_intake_submit(hub_ctx *hub, hub_intake_op *op, store_done_fn done, void *cls, kn_err *err)
{
    op->hub = hub;
    op->done = done;
    op->cls = cls;
    return hub->st->ops->hub->message_put_async(hub->st, &op->msg, &op->dup, &op->audit,
                                                intake_done, op, err);
}

int hub_intake(hub_ctx *hub, const hub_intake_req *req, hub_intake_op *op, kn_err *err)
{
    int rc = hub_intake_prepare(hub, req, op, err);
    if (rc != KN_OK)
        return rc;
    store_waiter w;
    store_waiter_init(&w);
    rc = hub_intake_submit(hub, op, store_waiter_done, &w, err);
    if (rc != KN_OK) {
        store_waiter_destroy(&w);
        return rc;
    }
    return store_waiter_wait(&w, err);
}

void hub_intake_op_release(hub_intake_op *op)
{
    if (op)
        fhir_outcome_release(&op->outcome);
}
