/* fhir_check_bundle.c - the rules of a Bundle that the generic walk cannot
 * see, checked after it: Bundle.type is a BundleType code, and the R4
 * invariants bdl-1 to bdl-12 per entry and per type:
 *
 *   bdl-1   total only in searchset and history
 *   bdl-2   entry.search only in searchset
 *   bdl-3   entry.request in batch, transaction and history, nowhere else
 *   bdl-4   entry.response in batch-response, transaction-response, history
 *   bdl-5   an entry has a resource unless it has a request or a response
 *   bdl-7   fullUrl unique (unless the versionIds differ; not in history)
 *   bdl-8   fullUrl is not version specific
 *   bdl-9/10  a document has identifier.system/value and timestamp
 *   bdl-11  a document starts with a Composition
 *   bdl-12  a message starts with a MessageHeader
 *
 * and the fullUrl rules of R4 bundle.html: every entry of a message or a
 * document has one; a fullUrl in the RESTful form ([root/]Type/id) names the
 * entry's resource type and id; a urn:uuid: fullUrl is a valid UUID.
 * Something missing is "required" (VKP 2.3), something present where it
 * must not be or disagreeing is "invariant" (VKP 2.4). Duplicate fullUrls are
 * found by scanning the earlier entries, or through the index of a large
 * Bundle (fhir_check_index.c).
 */
#include "fhir_check_int.h"

#include <string.h>

static const char *const type_codes[] = {
    [BDL_DOCUMENT] = "document",
    [BDL_MESSAGE] = "message",
    [BDL_TRANSACTION] = "transaction",
    [BDL_TRANSACTION_RESPONSE] = "transaction-response",
    [BDL_BATCH] = "batch",
    [BDL_BATCH_RESPONSE] = "batch-response",
    [BDL_HISTORY] = "history",
    [BDL_SEARCHSET] = "searchset",
    [BDL_COLLECTION] = "collection",
};

#define N_TYPES (sizeof type_codes / sizeof type_codes[0])

chk_bundle_type chk_bundle_type_of(const char *code)
{
    for (size_t i = 1; code && i < N_TYPES; i++)
        if (strcmp(code, type_codes[i]) == 0)
            return (chk_bundle_type)i;
    return BDL_UNKNOWN;
}

static void required(chk *c, const char *member, const char *text)
{
    chk_error_at(c, member, "required", VKP_OO_INVALID_COUNT, "%s", text);
}

static void invariant(chk *c, const char *member, const char *text)
{
    chk_error_at(c, member, "invariant", VKP_OO_INVALID_FORMAT, "%s", text);
}

/* Member `member` of entry present exactly when `want`. */
static void presence(chk *c, const fj_node *entry, const char *member, int want,
                     const char *missing, const char *forbidden)
{
    int has = fj_get(entry, member) != NULL;
    if (want && !has)
        required(c, member, missing);
    else if (!want && has)
        invariant(c, member, forbidden);
}

/* bdl-2, bdl-3, bdl-4: search, request and response where the type wants them. */
static void check_request_response(chk *c, const fj_node *entry, chk_bundle_type type)
{
    if (type == BDL_UNKNOWN)
        return;
    presence(c, entry, "request", type == BDL_BATCH || type == BDL_TRANSACTION || type == BDL_HISTORY,
             "entry.request er påkrevd i en Bundle av typen batch, transaction og history (bdl-3)",
             "entry.request er bare tillatt i en Bundle av typen batch, transaction og history "
             "(bdl-3)");
    presence(c, entry, "response",
             type == BDL_BATCH_RESPONSE || type == BDL_TRANSACTION_RESPONSE || type == BDL_HISTORY,
             "entry.response er påkrevd i en Bundle av typen batch-response, transaction-response "
             "og history (bdl-4)",
             "entry.response er bare tillatt i en Bundle av typen batch-response, "
             "transaction-response og history (bdl-4)");
    if (type != BDL_SEARCHSET && fj_get(entry, "search"))
        invariant(c, "search", "entry.search er bare tillatt i en Bundle av typen searchset (bdl-2)");
}

/* fullUrl present in messages and documents, not versioned, and in step
 * with the resource. */
static void check_full_url(chk *c, const fj_node *entry, chk_bundle_type type)
{
    const fj_node *fu = fj_get(entry, "fullUrl");
    if (!fu) {
        if (type == BDL_MESSAGE || type == BDL_DOCUMENT)
            required(c, "fullUrl", "entry.fullUrl er påkrevd i en melding og i et dokument");
        return;
    }
    if (fu->kind != FJ_STRING || fu->len == 0 || strlen(fu->str) != fu->len)
        return; /* reported as a uri by the walk */
    if (strstr(fu->str, "/_history/")) {
        invariant(c, "fullUrl", "fullUrl kan ikke peke på en bestemt versjon (/_history/) (bdl-8)");
        return;
    }
    if (strncmp(fu->str, "urn:uuid:", 9) == 0) {
        if (fhir_prim_check_text(FHIR_PRIM_UUID, fu->str, fu->len, NULL) != KN_OK)
            chk_error_at(c, "fullUrl", "value", VKP_OO_INVALID_FORMAT,
                         "fullUrl med urn:uuid: skal ha en UUID med små bokstaver "
                         "(8-4-4-4-12 heksadesimale sifre)");
        return;
    }
    const fj_node *res = fj_get(entry, "resource");
    chk_url u;
    chk_url_split(fu->str, &u);
    if (u.restful && res && res->kind == FJ_OBJECT &&
        fhir_model_is_resource(fj_get_str(res, "resourceType")) && !chk_url_names(&u, res))
        invariant(c, "fullUrl", "fullUrl slutter på type/id, men det stemmer ikke med ressursens "
                                "resourceType og id");
}

/* bdl-7: the fullUrl of entry i (with its versionId) is not an earlier one's. */
static void check_unique(chk *c, const fj_node *entries, const fj_node *entry, int i)
{
    const char *fu = fj_get_str(entry, "fullUrl");
    if (!fu)
        return;
    const char *ver = fj_get_str(fj_get(fj_get(entry, "resource"), "meta"), "versionId");
    int k = chk_first_duplicate(entries, c->bundle->index, fu, ver, i);
    if (k >= 0)
        chk_error_at(c, "fullUrl", "invariant", VKP_OO_INVALID_FORMAT,
                     "Samme fullUrl som entry[%d]; fullUrl skal være unik i en Bundle (bdl-7)", k);
}

static void check_entry(chk *c, const fj_node *entries, const fj_node *entry, int i,
                        chk_bundle_type type)
{
    if (entry->kind != FJ_OBJECT || entry->len == 0)
        return; /* reported by the walk */
    if (!fj_get(entry, "resource") && !fj_get(entry, "request") && !fj_get(entry, "response"))
        required(c, "resource", "En entry uten request eller response skal ha en resource (bdl-5)");
    check_request_response(c, entry, type);
    check_full_url(c, entry, type);
    if (type != BDL_HISTORY)
        check_unique(c, entries, entry, i);
}

/* bdl-11, bdl-12: the first entry's resource is of type `first`. */
static void check_first(chk *c, const fj_node *bundle, const char *first, const char *rule)
{
    const fj_node *entries = fj_get(bundle, "entry");
    if (!entries) {
        chk_error_at(c, "entry", "required", VKP_OO_INVALID_COUNT,
                     "Første entry skal være en %s (%s), men Bundle har ingen entry", first, rule);
        return;
    }
    const fj_node *e0 = entries->kind == FJ_ARRAY ? entries->child : NULL;
    if (!e0)
        return; /* not an array, or empty: reported by the walk */
    const fj_node *res = fj_get(e0, "resource");
    const char *rt = fj_get_str(res, "resourceType");
    if (!rt || !fhir_model_is_resource(rt) || strcmp(rt, first) == 0)
        return; /* no resource (bdl-5) or no valid type: reported already */
    fhir_path_push(&c->path, "entry");
    fhir_path_index(&c->path, 0);
    chk_error_at(c, "resource", "invariant", VKP_OO_INVALID_FORMAT,
                 "Første entry skal være en %s, ikke %s (%s)", first, rt, rule);
    fhir_path_pop(&c->path);
}

/* bdl-9, bdl-10. */
static void check_document(chk *c, const fj_node *bundle)
{
    const fj_node *id = fj_get(bundle, "identifier");
    if (!id) {
        required(c, "identifier", "Et dokument skal ha identifier med system og value (bdl-9)");
    } else if (id->kind == FJ_OBJECT && id->len > 0) {
        fhir_path_push(&c->path, "identifier");
        if (!fj_get(id, "system"))
            required(c, "system", "Et dokument skal ha identifier.system (bdl-9)");
        if (!fj_get(id, "value"))
            required(c, "value", "Et dokument skal ha identifier.value (bdl-9)");
        fhir_path_pop(&c->path);
    }
    if (!fj_get(bundle, "timestamp"))
        required(c, "timestamp", "Et dokument skal ha timestamp (bdl-10)");
}

static void check_type_code(chk *c, const fj_node *bundle, chk_bundle_type type)
{
    const fj_node *t = fj_get(bundle, "type");
    if (type != BDL_UNKNOWN || !t || t->kind != FJ_STRING ||
        fhir_prim_check_text(FHIR_PRIM_CODE, t->str, t->len, NULL) != KN_OK)
        return; /* missing or not a code: reported by the walk */
    chk_error_at(c, "type", "code-invalid", VKP_OO_INVALID_FORMAT,
                 "Bundle.type skal være en av document, message, transaction, "
                 "transaction-response, batch, batch-response, history, searchset, collection");
}

void chk_bundle_rules(chk *c, const fj_node *bundle, chk_bundle_type type)
{
    check_type_code(c, bundle, type);
    if (type != BDL_UNKNOWN && type != BDL_SEARCHSET && type != BDL_HISTORY &&
        fj_get(bundle, "total"))
        invariant(c, "total", "total er bare tillatt i en Bundle av typen searchset og history (bdl-1)");
    const fj_node *entries = fj_get(bundle, "entry");
    if (entries && entries->kind != FJ_ARRAY)
        entries = NULL; /* reported by the walk */
    if (entries) {
        int i = 0;
        fhir_path_push(&c->path, "entry");
        for (const fj_node *e = entries->child; e; e = e->next, i++) {
            fhir_path_index(&c->path, i);
            check_entry(c, entries, e, i, type);
        }
        fhir_path_pop(&c->path);
    }
    if (type == BDL_MESSAGE)
        check_first(c, bundle, "MessageHeader", "bdl-12");
    if (type == BDL_DOCUMENT) {
        check_first(c, bundle, "Composition", "bdl-11");
        check_document(c, bundle);
    }
}
