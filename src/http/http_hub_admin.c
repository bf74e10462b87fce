/* http_hub_admin.c - administration of hub delivery (hub_admin.h):
 *   GET/POST /api/v1/hub/destinations            list (?receiver=) / create or update
 *   GET/POST/DELETE /api/v1/hub/routes           list (?receiver=) / add / remove (query)
 *   GET  /api/v1/hub/dead                        dead-letter queue (?receiver=&offset=&limit=)
 *   GET  /api/v1/hub/dead/{id}                   one delivery with attempts and message
 *   POST /api/v1/hub/dead/{id}/requeue           requeue one
 *   POST /api/v1/hub/dead/requeue                requeue many {"ids":[...]}
 *   POST /api/v1/hub/dead/{id}/edit-requeue      new FHIR body, validated, same key
 *   GET  /api/v1/hub/messages/{id}/deliveries    deliveries of a message with attempts
 * The domain decides access (admin of the receiver); secrets never leave.
 */
#include "http_int.h"

#include "../hub/hub_admin.h"
#include "../nid/nid.h"

#include <stdlib.h>
#include <string.h>

static json_t *ms_json(int64_t ms)
{
    return json_integer((json_int_t)ms);
}

static json_t *dest_json(const store_hub_dest *d)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:o}",
                     "id", d->id, "receiver", d->receiver, "name", d->name, "mode",
                     hub_dest_mode_name(d->mode), "url", d->url, "auth", hub_dest_auth_name(d->auth),
                     "has_secret", d->secret[0] != '\0', "cert_file", d->cert_file, "key_file",
                     d->key_file, "ca_file", d->ca_file, "max_concurrency", d->max_concurrency,
                     "max_attempts", d->max_attempts, "backoff_base_ms", d->backoff_base_ms,
                     "backoff_max_ms", d->backoff_max_ms, "created_at", http_time_json(d->created_at));
}

static json_t *route_json(const void *item)
{
    const store_hub_route *r = item;
    return json_pack("{s:s, s:s, s:s}", "receiver", r->receiver, "event", r->event, "dest_id",
                     r->dest_id);
}

static json_t *delivery_json(const void *item)
{
    const store_hub_delivery *d = item;
    return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:s, s:o, s:o}", "id", d->id, "message_id",
                     d->message_id, "dest_id", d->dest_id, "status",
                     hub_delivery_status_name(d->status), "attempts", d->attempts, "next_at_ms",
                     ms_json(d->next_at), "last_error", d->last_error, "created_at_ms",
                     ms_json(d->created_at), "updated_at_ms", ms_json(d->updated_at));
}

static json_t *attempt_json(const void *item)
{
    const store_hub_attempt *a = item;
    return json_pack("{s:i, s:o, s:I, s:i, s:s}", "n", a->n, "started_at_ms", ms_json(a->started_at),
                     "duration_ms", (json_int_t)a->duration_ms, "http_status", a->http_status,
                     "error", a->error);
}

static int reply_items(http_req *req, json_t *items, kn_err *err)
{
    if (!items)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the list");
    return http_reply_json(req, 200, json_pack("{s:o}", "items", items), err);
}

static json_t *dest_item_json(const void *item)
{
    return dest_json(item);
}

int http_h_hub_dest_list(http_req *req, kn_err *err)
{
    store_hub_dest *list = NULL;
    size_t n = 0;
    int rc = hub_dest_list(req->env->app->st, &req->principal, http_req_query(req, "receiver"),
                           &list, &n, err);
    if (rc != KN_OK)
        return rc;
    json_t *items = http_items_json(list, n, sizeof *list, dest_item_json);
    free(list);
    return reply_items(req, items, err);
}

/* Copy a string member (absent = leave) into dst. */
static int take_str(json_t *obj, const char *name, char *dst, size_t size, kn_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v)
        return KN_OK;
    if (!json_is_string(v) || strlen(json_string_value(v)) >= size)
        return kn_err_set(err, KN_EINVAL, "field '%s': a string of at most %zu characters", name,
                          size - 1);
    memcpy(dst, json_string_value(v), strlen(json_string_value(v)) + 1);
    return KN_OK;
}

static int take_int(json_t *obj, const char *name, int *dst, kn_err *err)
{
    json_t *v = json_object_get(obj, name);
    if (!v)
        return KN_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 86400000)
        return kn_err_set(err, KN_EINVAL, "field '%s': a whole number 0..86400000", name);
    *dst = (int)json_integer_value(v);
    return KN_OK;
}

static int dest_names(json_t *o, store_hub_dest *d, kn_err *err)
{
    char mode[8] = "push", auth[8] = "none";
    int rc = take_str(o, "mode", mode, sizeof mode, err);
    rc = rc ? rc : take_str(o, "auth", auth, sizeof auth, err);
    if (rc == KN_OK && hub_dest_mode_parse(mode, &d->mode) != KN_OK)
        rc = kn_err_set(err, KN_EINVAL, "field 'mode': push or pull");
    if (rc == KN_OK && hub_dest_auth_parse(auth, &d->auth) != KN_OK)
        rc = kn_err_set(err, KN_EINVAL, "field 'auth': none, bearer or mtls");
    return rc;
}

static int dest_decode(json_t *o, store_hub_dest *d, kn_err *err)
{
    memset(d, 0, sizeof *d);
    if (!json_is_object(o))
        return kn_err_set(err, KN_EINVAL, "body must be a JSON object");
    int rc = take_str(o, "id", d->id, sizeof d->id, err);
    rc = rc ? rc : take_str(o, "receiver", d->receiver, sizeof d->receiver, err);
    rc = rc ? rc : take_str(o, "name", d->name, sizeof d->name, err);
    rc = rc ? rc : take_str(o, "url", d->url, sizeof d->url, err);
    rc = rc ? rc : take_str(o, "secret", d->secret, sizeof d->secret, err);
    rc = rc ? rc : take_str(o, "cert_file", d->cert_file, sizeof d->cert_file, err);
    rc = rc ? rc : take_str(o, "key_file", d->key_file, sizeof d->key_file, err);
    rc = rc ? rc : take_str(o, "ca_file", d->ca_file, sizeof d->ca_file, err);
    rc = rc ? rc : take_int(o, "max_concurrency", &d->max_concurrency, err);
    rc = rc ? rc : take_int(o, "max_attempts", &d->max_attempts, err);
    rc = rc ? rc : take_int(o, "backoff_base_ms", &d->backoff_base_ms, err);
    rc = rc ? rc : take_int(o, "backoff_max_ms", &d->backoff_max_ms, err);
    return rc ? rc : dest_names(o, d, err);
}

int http_h_hub_dest_save(http_req *req, kn_err *err)
{
    store_hub_dest d;
    int rc = dest_decode(req->json, &d, err);
    int created = !d.id[0];
    if (rc == KN_OK)
        rc = hub_dest_save(req->env->app->st, &req->principal, &d, req->request_id, err);
    if (rc != KN_OK)
        return rc;
    hub_dest_mask(&d);
    return http_reply_json(req, created ? 201 : 200, dest_json(&d), err);
}

int http_h_hub_route_list(http_req *req, kn_err *err)
{
    store_hub_route *list = NULL;
    size_t n = 0;
    int rc = hub_route_list(req->env->app->st, &req->principal, http_req_query(req, "receiver"),
                            &list, &n, err);
    if (rc != KN_OK)
        return rc;
    json_t *items = http_items_json(list, n, sizeof *list, route_json);
    free(list);
    return reply_items(req, items, err);
}

static int route_from(json_t *o, const http_req *req, store_hub_route *r, kn_err *err)
{
    memset(r, 0, sizeof *r);
    if (!o) { /* DELETE: the query */
        const char *rcv = http_req_query(req, "receiver"), *ev = http_req_query(req, "event"),
                   *dest = http_req_query(req, "dest_id");
        if (!rcv || !ev || !dest || strlen(rcv) >= sizeof r->receiver ||
            strlen(ev) >= sizeof r->event || strlen(dest) >= sizeof r->dest_id)
            return kn_err_set(err, KN_EINVAL, "query parameters receiver, event and dest_id required");
        strcpy(r->receiver, rcv);
        strcpy(r->event, ev);
        strcpy(r->dest_id, dest);
        return KN_OK;
    }
    int rc = take_str(o, "receiver", r->receiver, sizeof r->receiver, err);
    rc = rc ? rc : take_str(o, "event", r->event, sizeof r->event, err);
    return rc ? rc : take_str(o, "dest_id", r->dest_id, sizeof r->dest_id, err);
}

int http_h_hub_route_add(http_req *req, kn_err *err)
{
    store_hub_route r;
    int rc = route_from(req->json, req, &r, err);
    if (rc == KN_OK)
        rc = hub_route_add(req->env->app->st, &req->principal, &r, req->request_id, err);
    return rc == KN_OK ? http_reply_json(req, 201, route_json(&r), err) : rc;
}

int http_h_hub_route_remove(http_req *req, kn_err *err)
{
    store_hub_route r;
    int rc = route_from(NULL, req, &r, err);
    if (rc == KN_OK)
        rc = hub_route_remove(req->env->app->st, &req->principal, &r, req->request_id, err);
    if (rc == KN_OK)
        http_reply_empty(req, 204);
    return rc;
}

int http_h_hub_dead_list(http_req *req, kn_err *err)
{
    long offset = 0, limit = 100;
    int rc = http_query_long(req, "offset", 0, 1000000000L, 0, &offset, err);
    if (rc == KN_OK)
        rc = http_query_long(req, "limit", 1, HUB_DEAD_PAGE_MAX, 100, &limit, err);
    store_hub_delivery *list = NULL;
    size_t n = 0;
    if (rc == KN_OK)
        rc = hub_dead_list(req->env->app->st, &req->principal, http_req_query(req, "receiver"),
                           (size_t)offset, (size_t)limit, &list, &n, err);
    if (rc != KN_OK)
        return rc;
    json_t *items = http_items_json(list, n, sizeof *list, delivery_json);
    free(list);
    return reply_items(req, items, err);
}

static json_t *view_json(const hub_delivery_view *v)
{
    json_t *doc = delivery_json(&v->d);
    json_t *body = json_loadb(v->msg.body ? v->msg.body : "", v->msg.body_len, 0, NULL);
    json_object_set_new(doc, "attempt_list",
                        http_items_json(v->attempts, v->nattempts, sizeof *v->attempts, attempt_json));
    json_object_set_new(doc, "destination", dest_json(&v->dest));
    json_object_set_new(doc, "message",
                        json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "id", v->msg.id, "receiver",
                                  v->msg.receiver, "kind", v->msg.kind, "event", v->msg.event,
                                  "status", v->msg.status, "body", body ? body : json_null()));
    return doc;
}

int http_h_hub_dead_get(http_req *req, kn_err *err)
{
    hub_delivery_view v;
    int rc = hub_delivery_view_get(req->env->app->st, &req->principal,
                                   http_param(&req->match.params, "id"), &v, err);
    if (rc != KN_OK)
        return rc;
    json_t *doc = view_json(&v);
    hub_delivery_view_release(&v);
    return http_reply_json(req, 200, doc, err);
}

int http_h_hub_dead_requeue(http_req *req, kn_err *err)
{
    const char *id = http_param(&req->match.params, "id");
    int rc = hub_dead_requeue(req->env->app->st, &req->principal, id, req->request_id, err);
    return rc == KN_OK ? http_reply_json(req, 200, json_pack("{s:s, s:i}", "id", id, "requeued", 1), err)
                       : rc;
}

int http_h_hub_dead_requeue_many(http_req *req, kn_err *err)
{
    json_t *ids = json_object_get(req->json, "ids"), *v;
    size_t n = json_array_size(ids), i;
    if (!json_is_array(ids) || n == 0 || n > HUB_DEAD_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "field 'ids': an array of 1..%d delivery ids", HUB_DEAD_PAGE_MAX);
    const char **list = calloc(n, sizeof *list);
    if (!list)
        return kn_err_set(err, KN_ENOMEM, "out of memory");
    json_array_foreach(ids, i, v) list[i] = json_is_string(v) ? json_string_value(v) : "";
    size_t done = 0;
    int rc = hub_dead_requeue_many(req->env->app->st, &req->principal, list, n, req->request_id,
                                   &done, err);
    free(list);
    return rc == KN_OK ? http_reply_json(req, 200, json_pack("{s:I}", "requeued", (json_int_t)done), err)
                       : rc;
}

int http_h_hub_dead_edit(http_req *req, kn_err *err)
{
    const kn_config *cfg = req->env->app->cfg;
    int env = strcmp(cfg->environment, "production") == 0 ? NID_ENV_PRODUCTION : NID_ENV_TEST;
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    const char *id = http_param(&req->match.params, "id");
    int rc = hub_dead_edit_requeue(req->env->app->st, &req->principal, id,
                                   req->body.data ? req->body.data : "", req->body.len, env,
                                   req->request_id, &oc, err);
    if (rc == KN_EUNPROCESSABLE && !fhir_outcome_ok(&oc)) {
        kn_buf out;
        kn_buf_init(&out, 1 << 20);
        if (fhir_outcome_to_json(&oc, &out) == KN_OK)
            rc = http_reply_bytes(req, 422, "application/fhir+json", out.data, out.len, err);
        kn_buf_release(&out);
    } else if (rc == KN_OK) {
        rc = http_reply_json(req, 200, json_pack("{s:s, s:i}", "id", id, "requeued", 1), err);
    }
    fhir_outcome_release(&oc);
    return rc;
}

/* The deliveries of a message, each with its attempts. */
int http_h_hub_message_deliveries(http_req *req, kn_err *err)
{
    store *st = req->env->app->st;
    store_hub_delivery *list = NULL;
    size_t n = 0;
    int rc = hub_message_deliveries(st, &req->principal, http_param(&req->match.params, "id"), &list,
                                    &n, err);
    if (rc != KN_OK)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; rc == KN_OK && i < n; i++) {
        store_hub_attempt *att = NULL;
        size_t na = 0;
        rc = st->ops->outbox->attempt_list(st, list[i].id, &att, &na, err);
        json_t *d = delivery_json(&list[i]);
        if (rc == KN_OK)
            json_object_set_new(d, "attempt_list", http_items_json(att, na, sizeof *att, attempt_json));
        json_array_append_new(items, d);
        free(att);
    }
    free(list);
    if (rc != KN_OK) {
        json_decref(items);
        return rc;
    }
    return reply_items(req, items, err);
}
