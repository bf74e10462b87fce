/* hub_read.c - read by id and search for the hub's FHIR read interfaces
 * (see hub_read.h): which types and parameters exist, access by the
 * authorisation register or a municipal role, the audit event of every
 * read, and the searchset Bundle with its paging links.
 *
 * Paging: entries come in a stable order (index seq; citizen id for
 * Patient); the `next` link carries _page_token = the last entry's key, so a
 * page never repeats or skips an entry while new ones arrive. One extra row
 * is fetched to know whether a next page exists.
 */
#include "hub_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../audit/audit.h"
#include "../core/core_util.h"
#include "../fhir/fhir_json.h"
#include "hub_read_int.h"

#define MUNICIPAL_ROLES                                                                            \
    (AUTH_ROLE_OPERATOR | AUTH_ROLE_CASE_WORKER | AUTH_ROLE_NURSE | AUTH_ROLE_COORDINATOR |        \
     AUTH_ROLE_ADMIN)
#define EHELSE_SD "http://ehelse.no/fhir/StructureDefinition/"

/* clang-format off */
#define P_ID {"_id", "token", "The logical id of the resource."}
#define P_PATIENT {"patient", "reference", "The patient: [system]|[value] of the identifier (FNR/D-nummer), the value alone, or Patient/[id]."}
#define P_SUBJECT {"subject", "reference", "Same as patient."}
#define P_DATE {"date", "date", "Date with prefix eq, ge, gt, le or lt, compared at the precision given."}
#define P_CATEGORY {"category", "token", "A coding of category: [system]|[code] or [code]."}
static const hub_read_search_param patient_params[] = {
    P_ID,
    {"identifier", "token", "Patient.identifier: urn:oid:2.16.578.1.12.4.1.4.1|[fnr] (or 4.2 for D-nummer), or the number alone."},
    {"name", "string", "Start of the given or family name (case-insensitive)."},
};
static const hub_read_search_param observation_params[] = {
    P_ID, P_PATIENT, P_SUBJECT, P_DATE,
    {"code", "token", "A coding of Observation.code: [system]|[code] or [code]."},
    P_CATEGORY,
};
static const hub_read_search_param composition_params[] = {
    P_ID, P_PATIENT, P_SUBJECT, P_DATE,
    {"type", "token", "A coding of Composition.type: [system]|[code] or [code]."},
    P_CATEGORY,
};
static const hub_read_search_param episode_params[] = {
    P_ID, P_PATIENT, P_DATE,
    {"type", "token", "A coding of EpisodeOfCare.type ([system]|[code] or [code]) or its text (e.g. GPS)."},
};
static const hub_read_search_param careplan_params[] = {P_ID, P_PATIENT, P_SUBJECT, P_DATE, P_CATEGORY};

#define TYPE(t, profile, params) {t, profile, params, sizeof params / sizeof params[0]}
static const hub_read_type types[] = {
    TYPE("Patient", EHELSE_SD "vkp-Patient-v090", patient_params),
    TYPE("EpisodeOfCare", EHELSE_SD "vkp-EpisodeOfCare-v090", episode_params),
    TYPE("CarePlan", EHELSE_SD "vkp-CarePlan-v090", careplan_params),
    TYPE("Composition", EHELSE_SD "vkp-Composition-v090", composition_params),
    TYPE("Observation", EHELSE_SD "vkp-Observation-v090", observation_params),
};
/* clang-format on */

const hub_read_type *hub_read_types(size_t *n)
{
    *n = sizeof types / sizeof types[0];
    return types;
}

const hub_read_type *hub_read_type_find(const char *type)
{
    for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].type, type) == 0)
            return &types[i];
    return NULL;
}

/* ---- access and audit ---- */

static int receiver_known(hub_ctx *hub, const char *receiver, kn_err *err)
{
    store_org org;
    int rc = receiver ? hub->st->ops->org_get(hub->st, receiver, &org, err) : KN_ENOTFOUND;
    if (rc == KN_ENOTFOUND || (rc == KN_OK && org.kind != STORE_ORG_MUNICIPALITY))
        return kn_err_set(err, KN_ENOTFOUND, "unknown receiver %s", receiver ? receiver : "");
    return rc;
}

int hub_read_allowed(hub_ctx *hub, const auth_principal *who, const char *receiver,
                     const char *type, kn_err *err)
{
    int rc = receiver_known(hub, receiver, err);
    if (rc != KN_OK || !who || who->kind != AUTH_PRINCIPAL_CLIENT)
        return rc == KN_OK ? auth_require(who, MUNICIPAL_ROLES, receiver, NULL, err) : rc;
    int allowed = 0;
    rc = hub->st->ops->hub->grant_check(hub->st, who->id, receiver, type, "read", &allowed, err);
    if (rc == KN_OK && !allowed)
        return kn_err_set(err, KN_EFORBIDDEN,
                          "the authorisation register gives this client no read access to %s of %s",
                          type, receiver);
    return rc;
}

int hub_read_audit(hub_ctx *hub, const auth_principal *who, const char *action,
                   const char *receiver, const char *type, const char *id, const char *request_id,
                   kn_err *err)
{
    store_audit a;
    audit_event_init(&a, who, action, receiver, type, id, request_id, "ok");
    return hub->st->ops->audit_append(hub->st, &a, err);
}

/* ---- read by id ---- */

static int read_patient(hub_ctx *hub, const hub_read_req *req, kn_buf *out, kn_err *err)
{
    store_citizen *list = NULL;
    size_t n = 0;
    store_hubread_patient_query q = {.municipality = req->receiver, .id = req->id, .limit = 1};
    int rc = hub->st->ops->hubread->patient_search(hub->st, &q, &list, &n, err);
    if (rc == KN_OK && n == 0)
        rc = kn_err_set(err, KN_ENOTFOUND, "no Patient with id %s at %s", req->id, req->receiver);
    if (rc == KN_OK)
        rc = hub_read_audit(hub, req->who, "hub.read", req->receiver, "Patient", req->id,
                            req->request_id, err);
    if (rc == KN_OK && (rc = hub_patient_json(&list[0], out)) != KN_OK)
        kn_err_set(err, rc, "cannot encode the Patient");
    free(list);
    return rc;
}

static int read_indexed(hub_ctx *hub, const hub_read_req *req, kn_buf *out, kn_err *err)
{
    store_hubread_res *list = NULL;
    size_t n = 0;
    store_hubread_query q = {.receiver = req->receiver, .type = req->type, .id = req->id, .limit = 1};
    int rc = hub_index_catch_up(hub->st, err);
    if (rc == KN_OK)
        rc = hub->st->ops->hubread->search(hub->st, &q, &list, &n, err);
    if (rc == KN_OK && n == 0)
        rc = kn_err_set(err, KN_ENOTFOUND, "no %s with id %s at %s", req->type, req->id,
                        req->receiver);
    if (rc == KN_OK)
        rc = hub_read_audit(hub, req->who, "hub.read", req->receiver, req->type, req->id,
                            req->request_id, err);
    if (rc == KN_OK && (rc = kn_buf_append(out, list[0].body, list[0].body_len)) != KN_OK)
        kn_err_set(err, rc, "resource too large");
    store_hubread_list_free(list, n);
    return rc;
}

static int id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n >= 1 && n <= 64 &&
           strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

int hub_read(hub_ctx *hub, const hub_read_req *req, kn_buf *out, kn_err *err)
{
    if (!hub_read_type_find(req->type))
        return kn_err_set(err, KN_ENOTFOUND, "resource type %s is not served",
                          req->type ? req->type : "");
    int rc = hub_read_allowed(hub, req->who, req->receiver, req->type, err);
    if (rc != KN_OK)
        return rc;
    if (!id_ok(req->id))
        return kn_err_set(err, KN_ENOTFOUND, "no %s with that id", req->type);
    if (strcmp(req->type, "Patient") == 0)
        return read_patient(hub, req, out, err);
    return read_indexed(hub, req, out, err);
}

/* ---- search ---- */

static int search_patients(hub_ctx *hub, const hub_read_req *req, hub_search_q *s, hub_page *page,
                           kn_err *err)
{
    s->patient.municipality = req->receiver;
    s->patient.limit = s->count + 1;
    store_citizen *list = NULL;
    size_t n = 0;
    int rc = hub->st->ops->hubread->patient_search(hub->st, &s->patient, &list, &n, err);
    if (rc != KN_OK)
        return rc;
    page->more = n > s->count;
    page->n = page->more ? s->count : n;
    for (size_t i = 0; rc == KN_OK && i < page->n; i++) {
        rc = hub_page_entry_begin(page, "Patient", list[i].id);
        if (rc == KN_OK)
            rc = hub_patient_json(&list[i], &page->entries);
        if (rc == KN_OK)
            rc = hub_page_entry_end(page);
    }
    if (page->more)
        kn_strcpy(page->next_token, sizeof page->next_token, list[page->n - 1].id);
    free(list);
    return rc == KN_OK ? KN_OK : kn_err_set(err, rc, "cannot encode the search result");
}

static int search_indexed(hub_ctx *hub, const hub_read_req *req, hub_search_q *s, hub_page *page,
                          kn_err *err)
{
    s->index.receiver = req->receiver;
    s->index.type = req->type;
    s->index.limit = s->count + 1;
    store_hubread_res *list = NULL;
    size_t n = 0;
    int rc = hub_index_catch_up(hub->st, err);
    if (rc == KN_OK)
        rc = hub->st->ops->hubread->search(hub->st, &s->index, &list, &n, err);
    if (rc != KN_OK)
        return rc;
    page->more = n > s->count;
    page->n = page->more ? s->count : n;
    for (size_t i = 0; rc == KN_OK && i < page->n; i++) {
        rc = hub_page_entry_begin(page, req->type, list[i].id);
        if (rc == KN_OK)
            rc = kn_buf_append(&page->entries, list[i].body, list[i].body_len);
        if (rc == KN_OK)
            rc = hub_page_entry_end(page);
    }
    if (page->more)
        snprintf(page->next_token, sizeof page->next_token, "%lld",
                 (long long)list[page->n - 1].seq);
    store_hubread_list_free(list, n);
    return rc == KN_OK ? KN_OK : kn_err_set(err, rc, "cannot encode the search result");
}

int hub_search(hub_ctx *hub, const hub_read_req *req, kn_buf *out, kn_err *err)
{
    if (!hub_read_type_find(req->type))
        return kn_err_set(err, KN_ENOTFOUND, "resource type %s is not served",
                          req->type ? req->type : "");
    int rc = hub_read_allowed(hub, req->who, req->receiver, req->type, err);
    hub_search_q s;
    if (rc == KN_OK)
        rc = hub_search_parse(hub, req, &s, err);
    if (rc != KN_OK)
        return rc;
    hub_page page;
    hub_page_init(&page, req);
    rc = strcmp(req->type, "Patient") == 0 ? search_patients(hub, req, &s, &page, err)
                                           : search_indexed(hub, req, &s, &page, err);
    if (rc == KN_OK)
        rc = hub_read_audit(hub, req->who, "hub.search", req->receiver, req->type, NULL,
                            req->request_id, err);
    if (rc == KN_OK && (rc = hub_page_bundle(&page, &s, out)) != KN_OK)
        kn_err_set(err, rc, "cannot encode the searchset Bundle");
    hub_page_release(&page);
    return rc;
}

/* ---- admin message list ---- */

int hub_admin_messages(hub_ctx *hub, const auth_principal *who, const store_hub_filter *f,
                       const char *request_id, store_hub_message **list, size_t *n, kn_err *err)
{
    *list = NULL;
    *n = 0;
    if (!f || !f->receiver)
        return kn_err_set(err, KN_EINVAL, "query parameter 'receiver' is required");
    int rc = auth_require(who, AUTH_ROLE_ADMIN, f->receiver, "knute/admin", err);
    if (rc == KN_OK)
        rc = hub->st->ops->hub->message_list(hub->st, f, 0, list, n, err);
    if (rc == KN_OK)
        rc = hub_read_audit(hub, who, "hub.messages", f->receiver, "hub_message", NULL, request_id,
                            err);
    if (rc != KN_OK && *list) {
        store_hub_message_list_free(*list, *n);
        *list = NULL;
        *n = 0;
    }
    return rc;
}
