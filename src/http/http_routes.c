/* http_routes.c - the one route table of the HTTP API and the matcher.
 *
 * Each row says everything the dispatcher (http_dispatch.c) enforces before the
 * handler runs: authentication, roles, the municipality path parameter, the
 * client scope, the body kind and its size limit. Paths outside this table are
 * static files (GET) or 404/405 problems.
 */
#include "http_int.h"

#include "../gain/gain.h"

#include <string.h>

#define MUNICIPAL_ROLES                                                                            \
    (AUTH_ROLE_OPERATOR | AUTH_ROLE_CASE_WORKER | AUTH_ROLE_NURSE | AUTH_ROLE_COORDINATOR |        \
     AUTH_ROLE_ADMIN)
#define CITIZEN_WRITERS (AUTH_ROLE_CASE_WORKER | AUTH_ROLE_COORDINATOR | AUTH_ROLE_ADMIN)
#define METRICS_READERS (AUTH_ROLE_ADMIN | AUTH_ROLE_AUDITOR)
#define CITIZENS "/api/v1/municipalities/{orgnr}/citizens"
#define GEVINST "/api/v1/gevinst/{orgnr}"
#define EPJ "/epj/r4/{orgnr}"
#define MUNI "/api/v1/municipalities/{orgnr}"
#define RESP_PROFILE_WRITERS (RESP_ROLES_ADMIN | AUTH_ROLE_CASE_WORKER | AUTH_ROLE_NURSE)

/* clang-format off */
static const http_route routes[] = {
/*   method    pattern                   handler                auth            roles                            client roles   org      scope                   body            max body
     summary */
    {"GET",    "/healthz",               http_h_healthz,        HTTP_AUTH_NONE, 0,                               0,             NULL,    NULL,                   HTTP_BODY_NONE, 0,
     "Liveness: the process answers."},
    {"GET",    "/readyz",                http_h_readyz,         HTTP_AUTH_NONE, 0,                               0,             NULL,    NULL,                   HTTP_BODY_NONE, 0,
     "Readiness: the database answers."},
    /* users need admin or auditor; a machine client only the scope (and any grant) */
    {"GET",    "/metrics",               http_h_metrics,        HTTP_AUTH_ANY,  METRICS_READERS,                 AUTH_ROLE_ANY, NULL,    "knute/metrics",        HTTP_BODY_NONE, 0,
     "Prometheus metrics (requests, latency, store commits, queues)."},
    {"POST",   "/api/v1/session",        http_h_session_create, HTTP_AUTH_NONE, 0,                               0,             NULL,    NULL,                   HTTP_BODY_JSON, 4096,
     "Log in with username and password; sets the session cookie, returns the user and CSRF token."},
    {"GET",    "/api/v1/session",        http_h_session_get,    HTTP_AUTH_ANY,  0,                               0,             NULL,    NULL,                   HTTP_BODY_NONE, 0,
     "The logged-in user, grants and CSRF token."},
    {"DELETE", "/api/v1/session",        http_h_session_delete, HTTP_AUTH_ANY,  0,                               0,             NULL,    NULL,                   HTTP_BODY_NONE, 0,
     "Log out: ends the session."},
    {"GET",    "/api/v1/noop",           http_h_noop,           HTTP_AUTH_ANY,  AUTH_ROLE_ANY,                   0,             NULL,    "knute/api",            HTTP_BODY_NONE, 0,
     "Authenticated no-op (used by the benchmark)."},
    {"POST",   CITIZENS,                 http_h_citizen_create, HTTP_AUTH_ANY,  CITIZEN_WRITERS,                 0,             "orgnr", "knute/citizens.write", HTTP_BODY_JSON, 16384,
     "Register a citizen (person number, names, address, phone); 201 with Location."},
    {"GET",    CITIZENS,                 http_h_citizen_list,   HTTP_AUTH_ANY,  MUNICIPAL_ROLES,                 0,             "orgnr", "knute/citizens.read",  HTTP_BODY_NONE, 0,
     "Page of a municipality's citizens (offset, limit); audited."},
    /* citizen_get checks access itself: the municipality is known only after loading. */
    {"GET",    "/api/v1/citizens/{id}",  http_h_citizen_get,    HTTP_AUTH_ANY,  0,                               0,             NULL,    "knute/citizens.read",  HTTP_BODY_NONE, 0,
     "One citizen; access by the citizen's municipality; audited."},
    {"GET",    "/api/v1/users",          http_h_users,          HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Users with their grants (no password hashes)."},
    {"GET",    "/api/v1/organisations",  http_h_orgs,           HTTP_AUTH_ANY,  0,                               0,             NULL,    NULL,                   HTTP_BODY_NONE, 0,
     "Organisations Knute knows (orgnr, kind, name, inhabitants)."},
    /* the handler narrows reads to municipalities where the caller is auditor */
    {"GET",    "/api/v1/audit",          http_h_audit,          HTTP_AUTH_ANY,  AUTH_ROLE_AUDITOR,               0,             NULL,    "knute/audit",          HTTP_BODY_NONE, 0,
     "Audit trail of the caller's municipalities (municipality, actor, action, after, limit)."},
    /* benefit realisation (gain_*): measurements are personal data, gain_* audits their reads */
    {"POST",   "/api/v1/gevinst/calc",   http_h_gain_calc,      HTTP_AUTH_ANY,  AUTH_ROLE_ANY,                   0,             NULL,    GAIN_SCOPE_READ,        HTTP_BODY_JSON, 262144,
     "Compute a benefit scenario file (docs/gevinst.md) without storing it (format: json, csv, xlsx, html)."},
    {"GET",    GEVINST "/plans",         http_h_gain_plans,     HTTP_AUTH_ANY,  GAIN_ROLES_REPORT,               0,             "orgnr", GAIN_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Benefit plans (gevinstplaner) of a municipality."},
    {"POST",   GEVINST "/plans",         http_h_gain_plan_create, HTTP_AUTH_ANY, GAIN_ROLES_PERSONAL,            0,             "orgnr", GAIN_SCOPE_WRITE,       HTTP_BODY_JSON, 16384,
     "Create a benefit plan (technology, gain type, owner, indicator, interval, dates, costs); 201."},
    {"POST",   GEVINST "/measurements",  http_h_gain_measure_add, HTTP_AUTH_ANY, GAIN_ROLES_PERSONAL,            0,             "orgnr", GAIN_SCOPE_WRITE,       HTTP_BODY_JSON, 8192,
     "Record a citizen's baseline or follow-up; 201; a follow-up without baseline is 409; audited."},
    {"GET",    GEVINST "/measurements",  http_h_gain_measure_list, HTTP_AUTH_ANY, GAIN_ROLES_PERSONAL,           0,             "orgnr", GAIN_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Per-citizen measurements (plan, citizen); personal data, audited."},
    {"GET",    GEVINST "/report",        http_h_gain_report,    HTTP_AUTH_ANY,  GAIN_ROLES_REPORT,               0,             "orgnr", GAIN_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Benefit-realisation report without citizen ids (format: json, csv, xlsx, html; rate parameters); audited."},
    /* R-109 cost-benefit: pure computation, no personal data; any signed-in role */
    {"POST",   "/api/v1/nytte",          http_h_nytte,          HTTP_AUTH_ANY,  AUTH_ROLE_ANY,                   0,             NULL,    "knute/api",            HTTP_BODY_JSON, 1048576,
     "Cost-benefit analysis per R-109/21 of a JSON scenario; JSON result, ?format=csv (&sheet) or xlsx."},
    {"POST",   "/api/v1/nytte/xlsx",     http_h_nytte_xlsx,     HTTP_AUTH_ANY,  AUTH_ROLE_ANY,                   0,             NULL,    "knute/api",            HTTP_BODY_JSON, 1048576,
     "The same analysis as an XLSX workbook (attachment)."},
    {"POST",   "/fhir/$validate",        http_h_fhir_validate,  HTTP_AUTH_ANY,  AUTH_ROLE_ANY,                   AUTH_ROLE_ANY, NULL,    "knute/validate",       HTTP_BODY_FHIR, 0,
     "Validate a FHIR resource or message Bundle (or a Parameters with `resource`, `profile`) against base R4 and the VKP profiles; returns the OperationOutcome (200 when it ran, 400 when the body is not JSON)."},
    /* hub intake, status, acknowledgement and pull (http_hub.c): the route
     * needs the client scope (and any grant); the authorisation register
     * (clients) or admin at {orgnr} (users) is decided by hub_* */
    {"POST",   EPJ "/$process-message",  http_h_hub_process_message, HTTP_AUTH_ANY, 0,                          0,             NULL,    "vkp/write",            HTTP_BODY_FHIR, 1048576,
     "VKP message intake (message Bundle): validated, stored durably, deduplicated; 202 + Location of $status (200 for a duplicate); OperationOutcome; 422 with every profile issue."},
    {"POST",   EPJ "/Bundle",            http_h_hub_intake,     HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/write",            HTTP_BODY_FHIR, 1048576,
     "Journaling write of a Bundle: as $process-message; register resource `Bundle`."},
    {"POST",   EPJ "/Composition",       http_h_hub_intake,     HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/write",            HTTP_BODY_FHIR, 1048576,
     "Journaling write of a Composition: as $process-message; register resource `Composition`."},
    {"POST",   EPJ "/MedicationDispense", http_h_hub_intake,    HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/write",            HTTP_BODY_FHIR, 1048576,
     "Journaling write of a MedicationDispense: as $process-message; register resource `MedicationDispense`."},
    {"GET",    EPJ "/Bundle",            http_h_hub_pull,       HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Pull mode: the receiver's messages as a searchset Bundle (_lastUpdated=gt|ge, _tag:not=journaled, _count, next link with _cursor); read ones become delivered; audited."},
    {"GET",    EPJ "/{type}/{id}/$status", http_h_hub_status,   HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Status of a message as a FHIR Task (registered=requested, delivered=in-progress, journaled=completed, failed) for its sender, the receiver's readers and admins; audited."},
    {"POST",   EPJ "/{type}/{id}/$journaling-acknowledged", http_h_hub_ack, HTTP_AUTH_ANY, 0,                     0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "The EPJ confirms journaling: status journaled (idempotent); the Task; audited."},
    /* the authorisation register: admins of the receiver (checked by hub_grant_*) */
    {"GET",    "/api/v1/hub/grants",     http_h_hub_grants,     HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "The hub's authorisation register (receiver): which client may read/write which resource."},
    {"POST",   "/api/v1/hub/grants",     http_h_hub_grant_add,  HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_JSON, 4096,
     "Add a register grant {client (id or name), receiver, resource (* or a type), access read|write}; 201; audited."},
    {"DELETE", "/api/v1/hub/grants",     http_h_hub_grant_remove, HTTP_AUTH_ANY, AUTH_ROLE_ADMIN,                0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Remove a register grant (client, receiver, resource, access as query parameters); 204; audited."},
    /* hub read interfaces (hub_read.h): access by the authorisation register
     * (clients) or a municipal role (users) is decided by hub_read; audited */
    {"GET",    "/fhir/metadata",         http_h_epj_metadata,   HTTP_AUTH_NONE, 0,                               0,             NULL,    NULL,                   HTTP_BODY_NONE, 0,
     "CapabilityStatement (FHIR 4.0.1) generated from this route table; no authentication."},
    {"GET",    EPJ "/metadata",          http_h_epj_metadata,   HTTP_AUTH_NONE, 0,                               0,             NULL,    NULL,                   HTTP_BODY_NONE, 0,
     "CapabilityStatement of the VKP interface of a receiver; no authentication."},
    {"GET",    EPJ "/Patient",              http_h_epj_search,     HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Search Patient (identifier, name, _id; from the citizen register): searchset Bundle, _count and next links; audited."},
    {"GET",    EPJ "/Patient/{id}",         http_h_epj_read,       HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Read one Patient by id; audited."},
    {"GET",    EPJ "/EpisodeOfCare",        http_h_epj_search,     HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Search EpisodeOfCare (patient, type, date, _id): searchset Bundle, _count and next links; audited."},
    {"GET",    EPJ "/EpisodeOfCare/{id}",   http_h_epj_read,       HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Read one EpisodeOfCare by id; audited."},
    {"GET",    EPJ "/CarePlan",             http_h_epj_search,     HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Search CarePlan (patient, subject, date, category, _id): searchset Bundle, _count and next links; audited."},
    {"GET",    EPJ "/CarePlan/{id}",        http_h_epj_read,       HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Read one CarePlan by id; audited."},
    {"GET",    EPJ "/Composition",          http_h_epj_search,     HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Search Composition (patient, subject, date, type, category, _id): searchset Bundle, _count and next links; audited."},
    {"GET",    EPJ "/Composition/{id}",     http_h_epj_read,       HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Read one Composition by id; audited."},
    {"GET",    EPJ "/Observation",          http_h_epj_search,     HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Search Observation (patient, subject, date, code, category, _id): searchset Bundle, _count and next links; audited."},
    {"GET",    EPJ "/Observation/{id}",     http_h_epj_read,       HTTP_AUTH_ANY,  0,                               0,             NULL,    "vkp/read",             HTTP_BODY_NONE, 0,
     "Read one Observation by id; audited."},
    {"GET",    "/api/v1/hub/messages",   http_h_hub_messages,   HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Messages of a receiver without bodies (receiver, status, after, limit) for its admins; audited."},
    /* hub delivery administration (http_hub_admin.c): admins of the receiver, decided by hub_admin */
    {"GET",    "/api/v1/hub/destinations", http_h_hub_dest_list, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "EPJ destinations of a receiver (receiver); secrets are never returned (has_secret)."},
    {"POST",   "/api/v1/hub/destinations", http_h_hub_dest_save, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_JSON, 8192,
     "Create (201) or update (with id) a destination: receiver, name, mode push|pull, url, auth none|bearer|mtls, secret, cert_file, key_file, ca_file, max_concurrency, max_attempts (0 = forever), backoff_base_ms, backoff_max_ms; audited."},
    {"GET",    "/api/v1/hub/routes",     http_h_hub_route_list, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Routing table of a receiver (receiver): event or * -> destination."},
    {"POST",   "/api/v1/hub/routes",     http_h_hub_route_add,  HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_JSON, 4096,
     "Add a route {receiver, event, dest_id}; 201; audited."},
    {"DELETE", "/api/v1/hub/routes",     http_h_hub_route_remove, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Remove a route (receiver, event, dest_id in the query); 204; audited."},
    {"GET",    "/api/v1/hub/dead",       http_h_hub_dead_list,  HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Dead-letter queue of a receiver, oldest first (receiver, offset, limit)."},
    {"POST",   "/api/v1/hub/dead/requeue", http_h_hub_dead_requeue_many, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_JSON, 65536,
     "Requeue many dead deliveries {ids: [...]}; audited."},
    {"GET",    "/api/v1/hub/dead/{id}",  http_h_hub_dead_get,   HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "One delivery with its attempts, destination and message body (the inspector); audited."},
    {"POST",   "/api/v1/hub/dead/{id}/requeue", http_h_hub_dead_requeue, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Requeue one dead delivery (attempts reset, due now, message registered); audited."},
    {"POST",   "/api/v1/hub/dead/{id}/edit-requeue", http_h_hub_dead_edit, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_FHIR, 1048576,
     "Replace the message body (VKP-validated, same idempotency key; 422 with the OperationOutcome otherwise) and requeue; audited."},
    {"GET",    "/api/v1/hub/messages/{id}/deliveries", http_h_hub_message_deliveries, HTTP_AUTH_ANY,  AUTH_ROLE_ADMIN,                 0,             NULL,    "knute/admin",          HTTP_BODY_NONE, 0,
     "Deliveries of a message (one per destination), each with every attempt."},
    /* the response service (http_resp.c, http_resp_admin.c; docs/response.md):
     * the row checks a role or, for clients, scope + any grant; resp_* decide
     * access at the alarm's, rule's or citizen's municipality and audit */
    {"POST",   MUNI "/alarms",           http_h_resp_alarm_create, HTTP_AUTH_ANY, RESP_ROLES_OPERATE,            AUTH_ROLE_ANY, "orgnr", RESP_SCOPE_ALARM,       HTTP_BODY_JSON, 8192,
     "Alarm intake {device or citizen_id, alert_code, time, severity, triage, position, battery, text, id}: 201 new, 200 repeat or duplicate id; bad input creates nothing; audited."},
    {"POST",   MUNI "/heartbeats",       http_h_resp_heartbeat, HTTP_AUTH_ANY,  RESP_ROLES_OPERATE,              AUTH_ROLE_ANY, "orgnr", RESP_SCOPE_ALARM,       HTTP_BODY_JSON, 4096,
     "A device's sign of life {device, time, battery}; 204; a silent device raises \"ingen kontakt\"."},
    {"GET",    "/api/v1/resp/alarms",    http_h_resp_alarm_list, HTTP_AUTH_ANY, RESP_ROLES_READ,                 AUTH_ROLE_ANY, NULL,    RESP_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Alarm queue by priority then age (state=open) or history (state=all): municipality, citizen, from, to, offset, limit; with last_seq for the stream; audited."},
    {"GET",    "/api/v1/resp/alarms/{id}", http_h_resp_alarm_get, HTTP_AUTH_ANY, RESP_ROLES_READ,                AUTH_ROLE_ANY, NULL,    RESP_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "One alarm with its events, the citizen, the response profile and the routing step now notified; audited."},
    {"POST",   "/api/v1/resp/alarms/{id}/actions", http_h_resp_alarm_act, HTTP_AUTH_ANY, RESP_ROLES_OPERATE,     AUTH_ROLE_ANY, NULL,    RESP_SCOPE_WRITE,       HTTP_BODY_JSON, 4096,
     "An operator's step {action, team, text, version} (claim, acknowledge, phone, callout, ..., close); 409 when someone else holds the alarm or the step is not allowed now; audited."},
    /* the stream decides access itself (municipalities from the query) */
    {"GET",    "/api/v1/resp/stream",    http_h_resp_stream,    HTTP_AUTH_ANY,  0,                               0,             NULL,    RESP_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Live alarm events as Server-Sent Events (municipality, after or Last-Event-ID); a reconnecting console gets what it missed."},
    {"GET",    "/api/v1/resp/stats",     http_h_resp_stats,     HTTP_AUTH_ANY,  RESP_ROLES_READ,                 AUTH_ROLE_ANY, NULL,    RESP_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Service levels per month (answered within 60/180 s, claim/close/call-out times) and alarm rates per citizen: municipality, from, to, format json or csv, table months or citizens; audited."},
    {"GET",    MUNI "/resp/rules",       http_h_resp_rule_list, HTTP_AUTH_ANY,  RESP_ROLES_READ,                 AUTH_ROLE_ANY, "orgnr", RESP_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Routing rules of a municipality (service, citizen, weekdays, time of day, steps)."},
    {"POST",   MUNI "/resp/rules",       http_h_resp_rule_put,  HTTP_AUTH_ANY,  RESP_ROLES_ADMIN,                AUTH_ROLE_ANY, "orgnr", RESP_SCOPE_WRITE,       HTTP_BODY_JSON, 16384,
     "Create or replace (with id) a routing rule; 201; audited."},
    {"DELETE", MUNI "/resp/rules/{id}",  http_h_resp_rule_delete, HTTP_AUTH_ANY, RESP_ROLES_ADMIN,               AUTH_ROLE_ANY, "orgnr", RESP_SCOPE_WRITE,       HTTP_BODY_NONE, 0,
     "Delete a routing rule; 204; audited."},
    {"GET",    MUNI "/resp/coverage",    http_h_resp_coverage,  HTTP_AUTH_ANY,  RESP_ROLES_READ,                 AUTH_ROLE_ANY, "orgnr", RESP_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "Whether the routing rules cover every hour of the week, per service; the gaps (service, day, from, to)."},
    {"GET",    "/api/v1/citizens/{id}/resp-profile", http_h_resp_profile_get, HTTP_AUTH_ANY, RESP_ROLES_READ,    AUTH_ROLE_ANY, NULL,    RESP_SCOPE_READ,        HTTP_BODY_NONE, 0,
     "The operator's record of a citizen: key safe, e-lock, access, care team, relatives in call order, priority rules, notes; audited."},
    {"PUT",    "/api/v1/citizens/{id}/resp-profile", http_h_resp_profile_put, HTTP_AUTH_ANY, RESP_PROFILE_WRITERS, AUTH_ROLE_ANY, NULL,  RESP_SCOPE_WRITE,       HTTP_BODY_JSON, 32768,
     "Replace the operator's record of a citizen; audited."},
};
/* clang-format on */

const http_route *http_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

static int param_add(http_params *params, const char *name, size_t name_len, const char *value,
                     size_t value_len)
{
    if (params->n >= HTTP_MAX_PARAMS || name_len >= sizeof params->items[0].name ||
        value_len >= HTTP_PARAM_MAX)
        return 0;
    memcpy(params->items[params->n].name, name, name_len);
    params->items[params->n].name[name_len] = '\0';
    memcpy(params->items[params->n].value, value, value_len);
    params->items[params->n].value[value_len] = '\0';
    params->n++;
    return 1;
}

int http_pattern_match(const char *pattern, const char *path, http_params *params)
{
    params->n = 0;
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            size_t seg = strcspn(path, "/");
            if (!close || seg == 0 ||
                !param_add(params, pattern + 1, (size_t)(close - pattern - 1), path, seg))
                return 0;
            pattern = close + 1;
            path += seg;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

/* Append method to a ", "-separated Allow list unless present or full. */
static void allow_one(char *allow, size_t size, const char *method)
{
    size_t used = strlen(allow), len = strlen(method);
    if (strstr(allow, method) || used + len + 2 >= size)
        return;
    if (used) {
        memcpy(allow + used, ", ", 2);
        used += 2;
    }
    memcpy(allow + used, method, len + 1);
}

static void allow_add(char *allow, size_t size, const char *method)
{
    allow_one(allow, size, method);
    if (strcmp(method, "GET") == 0)
        allow_one(allow, size, "HEAD");
}

int http_route_find(const http_route *table, size_t n, const char *method, const char *path,
                    http_match *out)
{
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    int path_known = 0;
    http_params params;
    out->route = NULL;
    out->allow[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!http_pattern_match(table[i].pattern, path, &params))
            continue;
        if (strcmp(table[i].method, want) == 0) {
            out->route = &table[i];
            out->params = params;
            return KN_OK;
        }
        path_known = 1;
        allow_add(out->allow, sizeof out->allow, table[i].method);
    }
    return path_known ? KN_EMETHOD : KN_ENOTFOUND;
}

const char *http_param(const http_params *params, const char *name)
{
    for (size_t i = 0; name && i < params->n; i++)
        if (strcmp(params->items[i].name, name) == 0)
            return params->items[i].value;
    return NULL;
}

int http_route_is_fhir(const http_route *r)
{
    return r && (r->body == HTTP_BODY_FHIR || strncmp(r->pattern, "/fhir/", 6) == 0 ||
                 strncmp(r->pattern, "/epj/", 5) == 0);
}
