/* hub_keys.c - kind check, idempotency key, event and patient key of a
 * posted resource (see hub_keys.h). Works on the fj tree the validator also
 * read; allocates nothing.
 */
#include "hub_keys.h"

#include "../core/core_util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const KINDS[] = {"message", "Bundle", "Composition", "MedicationDispense"};

int hub_kind_known(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(kind, KINDS[i]) == 0)
            return 1;
    return 0;
}

const char *hub_kind_resource(const char *kind)
{
    return strcmp(kind, "message") == 0 ? "Bundle" : kind;
}

static int unprocessable(fhir_outcome *oc, kn_err *err, const char *expr, const char *diag,
                         const char *reason)
{
    fhir_outcome_add_expr(oc, FHIR_SEV_ERROR, "processing", VKP_OO_INVALID_DATA, expr, "%s", diag);
    return kn_err_set(err, KN_EUNPROCESSABLE, "%s", reason);
}

int hub_kind_check(const fj_node *root, const char *kind, fhir_outcome *oc, kn_err *err)
{
    const char *want = hub_kind_resource(kind);
    const char *type = fj_get_str(root, "resourceType");
    if (!type || strcmp(type, want) != 0)
        return unprocessable(oc, err, "resourceType", "Ressurstypen passer ikke med endepunktet",
                             "the resource type does not match the endpoint");
    if (strcmp(kind, "message") == 0 && !fj_str_eq(fj_get(root, "type"), "message"))
        return unprocessable(oc, err, "Bundle.type",
                             "$process-message tar bare imot Bundle av type message",
                             "$process-message takes a Bundle of type message");
    return KN_OK;
}

/* ---- navigating a Bundle ---- */

static const fj_node *entry_resource(const fj_node *entry)
{
    return fj_get(entry, "resource");
}

/* The entry resource a reference points at: by fullUrl, or "Type/id". */
static const fj_node *resolve(const fj_node *bundle, const char *ref)
{
    const fj_node *entries = fj_get(bundle, "entry");
    if (!ref || !entries || entries->kind != FJ_ARRAY)
        return NULL;
    for (const fj_node *e = entries->child; e; e = e->next) {
        const fj_node *res = entry_resource(e);
        if (fj_str_eq(fj_get(e, "fullUrl"), ref))
            return res;
        const char *type = fj_get_str(res, "resourceType"), *id = fj_get_str(res, "id");
        size_t tl = type ? strlen(type) : 0;
        if (type && id && strncmp(ref, type, tl) == 0 && ref[tl] == '/' && strcmp(ref + tl + 1, id) == 0)
            return res;
    }
    return NULL;
}

static const fj_node *message_header(const fj_node *bundle)
{
    const fj_node *first = entry_resource(fj_at(fj_get(bundle, "entry"), 0));
    return fj_str_eq(fj_get(first, "resourceType"), "MessageHeader") ? first : NULL;
}

/* ---- identifiers ---- */

/* "system|value" of an Identifier into out; 0 when it has no value or does
 * not fit. */
static int identifier_text(const fj_node *ident, char *out, size_t size)
{
    const char *value = fj_get_str(ident, "value");
    const char *system = fj_get_str(ident, "system");
    if (!value || !*value)
        return 0;
    int n = snprintf(out, size, "%s|%s", system ? system : "", value);
    return n > 0 && (size_t)n < size;
}

/* The first Identifier with a value: ident is one, or an array of them. */
static const fj_node *first_identifier(const fj_node *ident)
{
    if (ident && ident->kind == FJ_ARRAY) {
        for (const fj_node *i = ident->child; i; i = i->next)
            if (fj_get_str(i, "value"))
                return i;
        return NULL;
    }
    return fj_get_str(ident, "value") ? ident : NULL;
}

/* The patient identifier of one resource: a Patient's own, or that of its
 * subject / patient reference (inline identifier or a Patient in the Bundle). */
static const fj_node *patient_of(const fj_node *bundle, const fj_node *res)
{
    if (fj_str_eq(fj_get(res, "resourceType"), "Patient"))
        return first_identifier(fj_get(res, "identifier"));
    static const char *const fields[] = {"subject", "patient"};
    for (size_t i = 0; i < 2; i++) {
        const fj_node *ref = fj_get(res, fields[i]);
        if (!ref)
            continue;
        const fj_node *ident = first_identifier(fj_get(ref, "identifier"));
        if (ident)
            return ident;
        const fj_node *target = resolve(bundle, fj_get_str(ref, "reference"));
        if (target && fj_str_eq(fj_get(target, "resourceType"), "Patient"))
            return first_identifier(fj_get(target, "identifier"));
    }
    return NULL;
}

/* For a Bundle: the message focus first, then every entry in order. */
static const fj_node *bundle_patient(const fj_node *bundle)
{
    const fj_node *focus = fj_get(message_header(bundle), "focus");
    for (const fj_node *f = focus && focus->kind == FJ_ARRAY ? focus->child : NULL; f; f = f->next) {
        const fj_node *ident = patient_of(bundle, resolve(bundle, fj_get_str(f, "reference")));
        if (ident)
            return ident;
    }
    const fj_node *entries = fj_get(bundle, "entry");
    for (const fj_node *e = entries && entries->kind == FJ_ARRAY ? entries->child : NULL; e;
         e = e->next) {
        const fj_node *ident = patient_of(bundle, entry_resource(e));
        if (ident)
            return ident;
    }
    return NULL;
}

void hub_patient_key(const char *system, const char *value, char out[STORE_HUB_PKEY_LEN])
{
    crypto_hash_sha256_state h;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)system, strlen(system));
    crypto_hash_sha256_update(&h, (const unsigned char *)"|", 1);
    crypto_hash_sha256_update(&h, (const unsigned char *)value, strlen(value));
    crypto_hash_sha256_final(&h, digest);
    kn_hex(digest, sizeof digest, out);
}

static void patient_key(const fj_node *root, char out[STORE_HUB_PKEY_LEN])
{
    const fj_node *ident = fj_str_eq(fj_get(root, "resourceType"), "Bundle")
                               ? bundle_patient(root)
                               : patient_of(NULL, root);
    const char *system = fj_get_str(ident, "system");
    out[0] = '\0';
    if (ident)
        hub_patient_key(system ? system : "", fj_get_str(ident, "value"), out);
}

/* ---- idempotency key and event ---- */

static int idem_key(const fj_node *root, const char *kind, char *out, size_t size)
{
    const fj_node *ident = first_identifier(fj_get(root, "identifier"));
    if (ident)
        return identifier_text(ident, out, size);
    const char *id = NULL;
    const char *type = "MessageHeader";
    if (strcmp(kind, "message") == 0)
        id = fj_get_str(message_header(root), "id");
    if (!id) {
        id = fj_get_str(root, "id");
        type = fj_get_str(root, "resourceType");
    }
    if (!id || !*id || !type)
        return 0;
    int n = snprintf(out, size, "%s/%s", type, id);
    return n > 0 && (size_t)n < size;
}

static void event_of(const fj_node *root, const char *kind, char *out, size_t size)
{
    const char *code = NULL;
    if (strcmp(kind, "message") == 0) {
        const fj_node *mh = message_header(root);
        code = fj_get_str(fj_get(mh, "eventCoding"), "code");
        if (!code)
            code = fj_get_str(mh, "eventUri");
    }
    if (!code)
        code = fj_get_str(root, "resourceType");
    if (kn_strcpy(out, size, code ? code : "") != KN_OK)
        out[0] = '\0';
}

int hub_keys_extract(const fj_node *root, const char *kind, hub_keys *out, fhir_outcome *oc,
                     kn_err *err)
{
    memset(out, 0, sizeof *out);
    char expr[STORE_HUB_KIND_LEN + 16];
    snprintf(expr, sizeof expr, "%s.identifier", hub_kind_resource(kind));
    if (!idem_key(root, kind, out->idem_key, sizeof out->idem_key))
        return unprocessable(oc, err, expr,
                             "Meldingen mangler identifikator (Bundle.identifier, MessageHeader.id "
                             "eller id), eller den er lengre enn 255 tegn",
                             "no idempotency key: Bundle.identifier, MessageHeader.id or id");
    event_of(root, kind, out->event, sizeof out->event);
    patient_key(root, out->patient_key);
    return KN_OK;
}
