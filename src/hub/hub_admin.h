/* hub_admin.h - administration of the hub's delivery side: destinations,
 * routes and the dead-letter queue (hub_route.c, hub_dlq.c).
 *
 * Access: an admin of the receiver municipality (users: the admin role there;
 * clients: an admin grant there and the HUB_ADMIN_SCOPE scope). who == NULL is
 * the local command line (no check). Every change is audited with the actor.
 * Secrets (bearer tokens) are never returned: lists and views replace a set
 * `secret` with HUB_SECRET_MASK (so callers can tell whether one is set).
 */
#ifndef KN_HUB_ADMIN_H
#define KN_HUB_ADMIN_H

#include "hub.h"

#define HUB_ADMIN_SCOPE "knute/admin"
#define HUB_DEAD_PAGE_MAX 1000
#define HUB_SECRET_MASK "(set)"

/* Create (d->id empty) or update a destination of d->receiver (a known
 * municipality). Push needs an http(s) url; bearer needs a secret (an update
 * with an empty secret keeps the stored one); mTLS needs cert_file and
 * key_file. Zero limits take defaults (concurrency 4, backoff 500..60000 ms).
 * Fills d->id. */
int hub_dest_save(store *st, const auth_principal *who, store_hub_dest *d, const char *request_id,
                  kn_err *err);
/* Destinations of receiver (NULL: all, CLI only), secrets masked. *list: free(). */
int hub_dest_list(store *st, const auth_principal *who, const char *receiver, store_hub_dest **list,
                  size_t *n, kn_err *err);

/* Routes: receiver x event ("*" = any) -> destination of that receiver. */
int hub_route_add(store *st, const auth_principal *who, const store_hub_route *r,
                  const char *request_id, kn_err *err);
int hub_route_remove(store *st, const auth_principal *who, const store_hub_route *r,
                     const char *request_id, kn_err *err);
int hub_route_list(store *st, const auth_principal *who, const char *receiver,
                   store_hub_route **list, size_t *n, kn_err *err);

/* The dead-letter queue of receiver, oldest first. *list: free(). */
int hub_dead_list(store *st, const auth_principal *who, const char *receiver, size_t offset,
                  size_t limit, store_hub_delivery **list, size_t *n, kn_err *err);

/* One delivery with its attempts and its message (with body): for the DLQ
 * inspector and the admin UI. Caller frees *attempts (free) and msg
 * (store_hub_message_free). KN_ENOTFOUND also when who may not see it. */
typedef struct hub_delivery_view {
    store_hub_delivery d;
    store_hub_dest dest;          /* secret cleared */
    store_hub_message msg;        /* body owned */
    store_hub_attempt *attempts;
    size_t nattempts;
} hub_delivery_view;
int hub_delivery_view_get(store *st, const auth_principal *who, const char *delivery_id,
                          hub_delivery_view *out, kn_err *err);
void hub_delivery_view_release(hub_delivery_view *v);

/* The deliveries of a message (one per destination), for the admin UI.
 * *list: free(). KN_ENOTFOUND when the message is absent or not visible. */
int hub_message_deliveries(store *st, const auth_principal *who, const char *message_id,
                           store_hub_delivery **list, size_t *n, kn_err *err);

/* Requeue dead deliveries (attempts reset, due now, message registered). */
int hub_dead_requeue(store *st, const auth_principal *who, const char *delivery_id,
                     const char *request_id, kn_err *err);
/* Each id in turn; *done = how many were requeued; stops at the first error. */
int hub_dead_requeue_many(store *st, const auth_principal *who, const char *const *ids, size_t n,
                          const char *request_id, size_t *done, kn_err *err);
/* Edit-then-requeue: body replaces the message's body after it passes VKP
 * validation (KN_EUNPROCESSABLE with oc filled otherwise; oc initialised by
 * the caller) and keeps the message's idempotency key (KN_EUNPROCESSABLE
 * "identifier changed" otherwise). Audited as hub.delivery.edit_requeue. */
int hub_dead_edit_requeue(store *st, const auth_principal *who, const char *delivery_id,
                          const char *body, size_t len, int environment, const char *request_id,
                          fhir_outcome *oc, kn_err *err);

/* Admin of receiver (who NULL: the CLI): KN_OK or KN_EFORBIDDEN. */
int hub_admin_require(const auth_principal *who, const char *receiver, kn_err *err);
/* Replace a set secret with HUB_SECRET_MASK. */
void hub_dest_mask(store_hub_dest *d);

/* Parse "push"/"pull" and "none"/"bearer"/"mtls"; names for output. */
int hub_dest_mode_parse(const char *s, int *out);
int hub_dest_auth_parse(const char *s, int *out);
const char *hub_dest_mode_name(int mode);
const char *hub_dest_auth_name(int auth);
const char *hub_delivery_status_name(int status);

#endif
