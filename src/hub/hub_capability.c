/* hub_capability.c - the CapabilityStatement of Knute's FHIR interface
 * (GET /epj/r4/{orgnr}/metadata and GET /fhir/metadata), generated from what
 * is really there: the routes the HTTP layer hands in (its route table) and
 * the search parameters of hub_read_types(). Nothing is listed that no
 * route serves.
 *
 * Route pattern -> statement, below "/epj/r4/{orgnr}/":
 *   GET  {Type}                 interaction search-type (+ searchParam)
 *   GET  {Type}/{id}            interaction read
 *   POST {Type} or {kind}       interaction create (journaling write; {kind}
 *                               stands for Bundle, Composition, MedicationDispense)
 *   POST $process-message       operation process-message
 *   POST {Type}/{id}/$journaling-acknowledged   operation journaling-acknowledged
 * and POST /fhir/$validate      operation validate.
 * $journaling-acknowledged has no published OperationDefinition; its
 * definition is Knute's own URN (docs/api.md says so).
 */
#include "hub_read.h"

#include <stdio.h>
#include <string.h>

#include "../core/core_util.h"
#include "../fhir/fhir_json.h"

#define EPJ_PREFIX "/epj/r4/{orgnr}/"
#define EHELSE_SD "http://ehelse.no/fhir/StructureDefinition/"
#define VKP_REQUIREMENTS                                                                           \
    "http://ehelse.no/fhir/CapabilityStatement/vkp-Patient-Server-Requirements/v001"
#define MAX_TYPES 16

enum { I_READ = 1, I_SEARCH = 2, I_CREATE = 4 };
enum { OP_PROCESS = 1, OP_VALIDATE = 2, OP_ACK = 4 };

typedef struct cap_type {
    char name[32];
    unsigned interactions;
} cap_type;

typedef struct cap {
    cap_type types[MAX_TYPES];
    size_t ntypes;
    unsigned ops;
} cap;

static const char *const write_kinds[] = {"Bundle", "Composition", "MedicationDispense"};

static void type_add(cap *c, const char *name, size_t len, unsigned interaction)
{
    size_t i = 0;
    while (i < c->ntypes && !(strlen(c->types[i].name) == len &&
                              strncmp(c->types[i].name, name, len) == 0))
        i++;
    if (i == c->ntypes) {
        if (c->ntypes == MAX_TYPES || len >= sizeof c->types[0].name)
            return;
        memcpy(c->types[i].name, name, len);
        c->types[i].name[len] = '\0';
        c->ntypes++;
    }
    c->types[i].interactions |= interaction;
}

/* One route below EPJ_PREFIX: rest is "Type", "Type/{id}", "$op", ... */
static void route_add(cap *c, const char *method, const char *rest)
{
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    size_t seg = strcspn(rest, "/");
    if (post && strcmp(rest, "$process-message") == 0)
        c->ops |= OP_PROCESS;
    else if (post && strstr(rest, "/$journaling-acknowledged"))
        c->ops |= OP_ACK;
    else if (rest[0] == '$' || strcmp(rest, "metadata") == 0)
        return;
    else if (post && rest[seg] == '\0' && rest[0] == '{')
        for (size_t i = 0; i < sizeof write_kinds / sizeof write_kinds[0]; i++)
            type_add(c, write_kinds[i], strlen(write_kinds[i]), I_CREATE);
    else if (rest[0] != '{' && rest[seg] == '\0' && (get || post))
        type_add(c, rest, seg, get ? I_SEARCH : I_CREATE);
    else if (rest[0] != '{' && get && strcmp(rest + seg, "/{id}") == 0)
        type_add(c, rest, seg, I_READ);
}

static void collect(const hub_cap_route *routes, size_t n, cap *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        const char *p = routes[i].pattern;
        if (strncmp(p, EPJ_PREFIX, sizeof EPJ_PREFIX - 1) == 0)
            route_add(c, routes[i].method, p + sizeof EPJ_PREFIX - 1);
        else if (strcmp(p, "/fhir/$validate") == 0 && strcmp(routes[i].method, "POST") == 0)
            c->ops |= OP_VALIDATE;
    }
}

static int str_member(kn_buf *out, const char *key, const char *value)
{
    int rc = kn_buf_printf(out, "\"%s\":", key);
    return rc == KN_OK ? fj_write_string(value, strlen(value), out) : rc;
}

static int interactions_json(unsigned in, kn_buf *out)
{
    static const struct {
        unsigned bit;
        const char *code;
    } codes[] = {{I_READ, "read"}, {I_SEARCH, "search-type"}, {I_CREATE, "create"}};
    int rc = kn_buf_puts(out, ",\"interaction\":[");
    int first = 1;
    for (size_t i = 0; rc == KN_OK && i < sizeof codes / sizeof codes[0]; i++) {
        if (!(in & codes[i].bit))
            continue;
        rc = kn_buf_printf(out, "%s{\"code\":\"%s\"}", first ? "" : ",", codes[i].code);
        first = 0;
    }
    return rc == KN_OK ? kn_buf_puts(out, "]") : rc;
}

static int params_json(const hub_read_type *t, kn_buf *out)
{
    int rc = kn_buf_puts(out, ",\"searchParam\":[");
    for (size_t i = 0; rc == KN_OK && i < t->nparams; i++) {
        rc = kn_buf_puts(out, i ? ",{" : "{");
        if (rc == KN_OK)
            rc = str_member(out, "name", t->params[i].name);
        if (rc == KN_OK)
            rc = kn_buf_printf(out, ",\"type\":\"%s\",", t->params[i].type);
        if (rc == KN_OK)
            rc = str_member(out, "documentation", t->params[i].doc);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "}");
    }
    return rc == KN_OK ? kn_buf_puts(out, "]") : rc;
}

static const char *profile_of(const char *type)
{
    const hub_read_type *t = hub_read_type_find(type);
    if (t)
        return t->profile;
    if (strcmp(type, "MedicationDispense") == 0)
        return EHELSE_SD "vkp-MedicationDispense-v090";
    return NULL;
}

static int resource_json(const cap_type *ct, int first, kn_buf *out)
{
    const char *profile = profile_of(ct->name);
    const hub_read_type *t = hub_read_type_find(ct->name);
    int rc = kn_buf_printf(out, "%s{\"type\":\"%s\"", first ? "" : ",", ct->name);
    if (rc == KN_OK && profile)
        rc = kn_buf_printf(out, ",\"profile\":\"%s\"", profile);
    if (rc == KN_OK)
        rc = interactions_json(ct->interactions, out);
    if (rc == KN_OK && t && (ct->interactions & I_SEARCH))
        rc = params_json(t, out);
    return rc == KN_OK ? kn_buf_puts(out, "}") : rc;
}

static int operations_json(unsigned ops, kn_buf *out)
{
    static const struct {
        unsigned bit;
        const char *name, *definition;
    } defs[] = {
        {OP_PROCESS, "process-message",
         "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"},
        {OP_VALIDATE, "validate", "http://hl7.org/fhir/OperationDefinition/Resource-validate"},
        {OP_ACK, "journaling-acknowledged",
         "urn:knute:fhir:OperationDefinition:journaling-acknowledged"},
    };
    int rc = KN_OK, first = 1;
    for (size_t i = 0; rc == KN_OK && i < sizeof defs / sizeof defs[0]; i++) {
        if (!(ops & defs[i].bit))
            continue;
        rc = kn_buf_printf(out, "%s{\"name\":\"%s\",\"definition\":\"%s\"}",
                           first ? ",\"operation\":[" : ",", defs[i].name, defs[i].definition);
        first = 0;
    }
    return rc == KN_OK && !first ? kn_buf_puts(out, "]") : rc;
}

static int header_json(const char *base, kn_buf *out)
{
    char now[32];
    kn_time_format(kn_now_s(), now, sizeof now);
    int rc = kn_buf_printf(out,
                           "{\"resourceType\":\"CapabilityStatement\",\"id\":\"knute\","
                           "\"version\":\"%s\",\"name\":\"Knute\",\"title\":\"Knute knutepunkt "
                           "(VKP R4)\",\"status\":\"active\",\"date\":\"%s\","
                           "\"publisher\":\"Knute\",\"description\":\"What this Knute server "
                           "implements: VKP message intake, journaling writes and the VKP read "
                           "interfaces.\",\"kind\":\"instance\",\"instantiates\":[\"%s\"],"
                           "\"software\":{\"name\":\"Knute\",\"version\":\"%s\"},"
                           "\"implementation\":{\"description\":\"Knute\",",
                           KNUTE_VERSION, now, VKP_REQUIREMENTS, KNUTE_VERSION);
    if (rc == KN_OK)
        rc = str_member(out, "url", base);
    return rc == KN_OK ? kn_buf_puts(out, "},\"fhirVersion\":\"4.0.1\",\"format\":[\"json\"],") : rc;
}

static const char SECURITY[] =
    "\"security\":{\"cors\":false,\"description\":\"Machine clients: Bearer JWT (HelseID "
    "style) or API key; reads need read access to the resource type of the receiver in the "
    "authorisation register. Users: session with a municipal role at the receiver. "
    "/metadata needs no authentication.\"}";

int hub_capability_json(const hub_cap_route *routes, size_t n, const char *base, kn_buf *out,
                        kn_err *err)
{
    cap c;
    collect(routes, n, &c);
    int rc = header_json(base ? base : "", out);
    if (rc == KN_OK)
        rc = kn_buf_printf(out, "\"rest\":[{\"mode\":\"server\",%s,\"resource\":[", SECURITY);
    for (size_t i = 0; rc == KN_OK && i < c.ntypes; i++)
        rc = resource_json(&c.types[i], i == 0, out);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "]");
    if (rc == KN_OK)
        rc = operations_json(c.ops, out);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "}]}");
    return rc == KN_OK ? KN_OK : kn_err_set(err, rc, "cannot encode the CapabilityStatement");
}
