/* hub_read.h - the hub's FHIR read interfaces per the VKP CapabilityStatement
 * (vkp-Patient-Server-Requirements): read by id and search with searchset
 * Bundles under /epj/r4/{orgnr}/, and the CapabilityStatement of what Knute
 * implements (/metadata).
 *
 *   Patient                 from the citizen register of the receiver
 *                           (hub_read_patient.c: citizen -> vkp-Patient-v090)
 *   Composition, Observation, EpisodeOfCare, CarePlan
 *                           from the resources inside the receiver's stored
 *                           hub messages, through an index (hub_index.c) that
 *                           catches up on new messages at the start of each
 *                           read, in its own durable transaction
 *
 * Access: a machine client needs read access to that resource type of that
 * receiver in the authorisation register (store hub.grant_check); a user
 * needs a municipal role at the receiver. Every read and search of personal
 * data writes its audit event ("hub.read" / "hub.search", object type = the
 * resource type) durably before the data is returned.
 *
 * Domain code: no HTTP, no SQL. Output is FHIR JSON text in a kn_buf the
 * caller initialised (and releases). Thread-safe.
 */
#ifndef KN_HUB_READ_H
#define KN_HUB_READ_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core_buf.h"
#include "hub.h"

#define HUB_READ_COUNT_DEFAULT 50
#define HUB_READ_COUNT_MAX 200   /* = STORE_HUBREAD_PAGE_MAX */

/* One search parameter as received (name may carry a modifier, "code:text"). */
typedef struct hub_read_param {
    const char *name;
    const char *value;
} hub_read_param;

typedef struct hub_read_req {
    const auth_principal *who;
    const char *receiver;          /* orgnr from the path */
    const char *type;              /* resource type from the path */
    const char *id;                /* read: the id; search: NULL */
    const hub_read_param *params;  /* search: the query parameters, in order */
    size_t nparams;
    const char *base;              /* base for fullUrl and links, e.g. "https://h/epj/r4/939000011" */
    const char *request_id;        /* for the audit event; may be NULL */
} hub_read_req;

/* Read one resource: its JSON into out. KN_ENOTFOUND unknown receiver, type
 * or id (also for an id of another receiver); KN_EFORBIDDEN not allowed;
 * KN_EINVAL bad id. Audited. */
int hub_read(hub_ctx *hub, const hub_read_req *req, kn_buf *out, kn_err *err);

/* Search: a searchset Bundle into out, at most _count entries (default 50,
 * max 200), with a `next` link carrying an opaque cursor (_page_token) while
 * more may follow. KN_EINVAL for an unknown or malformed parameter (err names
 * it); other errors as hub_read. Audited. */
int hub_search(hub_ctx *hub, const hub_read_req *req, kn_buf *out, kn_err *err);

/* ---- what is supported (also the source of the CapabilityStatement) ---- */

typedef struct hub_read_search_param {
    const char *name;              /* "patient" */
    const char *type;              /* FHIR search parameter type: token, string, reference, date */
    const char *doc;
} hub_read_search_param;

typedef struct hub_read_type {
    const char *type;              /* "Observation" */
    const char *profile;           /* VKP canonical, or NULL */
    const hub_read_search_param *params;
    size_t nparams;
} hub_read_type;

/* The resource types with read and search, and their parameters. */
const hub_read_type *hub_read_types(size_t *n);
/* The entry for type, or NULL. */
const hub_read_type *hub_read_type_find(const char *type);

/* ---- the index (hub_index.c) ---- */

/* Index every message stored after the cursor; returns once the index has
 * caught up (serialised within the process). */
int hub_index_catch_up(store *st, kn_err *err);

/* The indexable resources in one message body (a Bundle's entries, or the
 * resource itself): *rows is malloc'd (free with store_hubread_list_free;
 * bodies owned), *n may be 0. KN_EINVAL when the body is not JSON. */
int hub_index_extract(const store_hubread_msg *msg, store_hubread_res **rows, size_t *n,
                      kn_err *err);

/* ---- Patient (hub_read_patient.c) ---- */

/* A citizen as a vkp-Patient-v090 resource (identifier slice FNR or
 * D-nummer by the number's kind, name, address, telecom) appended to out. */
int hub_patient_json(const store_citizen *c, kn_buf *out);

/* ---- CapabilityStatement (hub_capability.c) ---- */

/* A route the server really has: method and pattern as in the route table. */
typedef struct hub_cap_route {
    const char *method;
    const char *pattern;           /* "/epj/r4/{orgnr}/Observation/{id}" */
} hub_cap_route;

/* The CapabilityStatement (FHIR 4.0.1, json) of the given routes under
 * "/epj/r4/{orgnr}/" and "/fhir/", with the search parameters of
 * hub_read_types(). base: implementation.url. Appended to out. */
int hub_capability_json(const hub_cap_route *routes, size_t n, const char *base, kn_buf *out,
                        kn_err *err);

/* ---- admin: message list for the UI (hub_read.c) ---- */

/* Messages of a receiver without bodies, for an admin of the receiver (a
 * user with the admin role there). Audited ("hub.messages"). *list as
 * store hub.message_list (free with store_hub_message_list_free). */
int hub_admin_messages(hub_ctx *hub, const auth_principal *who, const store_hub_filter *f,
                       const char *request_id, store_hub_message **list, size_t *n, kn_err *err);

#endif
