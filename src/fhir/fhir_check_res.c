/* fhir_check_res.c - the resource-level rules of the base validation:
 * resourceType, contained resources (R4 invariants dom-2 to dom-5),
 * Extension (ext-1) and Reference: local "#id" references to contained
 * resources, references resolved inside the enclosing Bundle, and
 * Reference.type against the resource referred to.
 *
 * Which references must resolve (R4 bundle.html#references; the resolution
 * itself is fhir_bundle_resolve() in fhir_check_ref.c):
 *   - "#id" must name a contained resource of the containing resource, "#"
 *     (from a contained resource) names the container; otherwise not-found.
 *   - "urn:uuid:..." / "urn:oid:..." are names that exist only inside the
 *     Bundle: one that matches no entry fullUrl is an error (not-found); so is
 *     any urn: reference in a resource outside a Bundle.
 *   - A relative reference ("Patient/123") that matches no entry is an error
 *     in message and document Bundles only. R4 resolves a relative reference
 *     against the RESTful base of the referring entry's fullUrl and gives it
 *     "no defined meaning" when that fails (or when the fullUrl is a urn:uuid
 *     and there is no base); a message or a document is exchanged as one
 *     self-contained unit (a Composition's references are to be in the
 *     document, a message's content is in the message), so a receiver has
 *     nothing to resolve it against. In the other Bundle types (transaction,
 *     batch, collection, searchset, history) such a reference points at a
 *     resource on a server and is accepted.
 *   - An absolute http(s) reference that matches no entry may name a resource
 *     on another server (R4: the receiver MAY fetch it) and is accepted.
 */
#include "fhir_check_int.h"

#include <string.h>

static const char SD_PREFIX[] = "http://hl7.org/fhir/StructureDefinition/";

/* ---- contained resources ---- */

/* The resource whose contained[] local references refer to. */
static chk_res *container_root(chk_res *r)
{
    while (r && r->container)
        r = r->container;
    return r;
}

/* contained[] element with id `id` of r, or NULL; its index in *index. */
static const fj_node *find_contained(const chk_res *r, const char *id, int *index)
{
    if (!r || !r->contained)
        return NULL;
    if (r->ids)
        return chk_ids_find(r->ids, id, index);
    int i = 0;
    for (const fj_node *x = r->contained->child; x; x = x->next, i++) {
        const char *xid = x->kind == FJ_OBJECT ? fj_get_str(x, "id") : NULL;
        if (xid && strcmp(xid, id) == 0) {
            *index = i;
            return x;
        }
    }
    return NULL;
}

static void mark_referenced(chk_res *root, int index)
{
    if (root->ids)
        chk_ids_mark(root->ids, index);
    else if (index >= 0 && index < CHK_MAX_CONTAINED)
        root->referenced |= (uint64_t)1 << index;
}

static int is_referenced(const chk_res *r, int index)
{
    if (r->ids)
        return chk_ids_used(r->ids, index);
    return index >= CHK_MAX_CONTAINED || (int)(r->referenced >> index & 1); /* not tracked: pass */
}

void chk_local_uri(chk *c, const char *value)
{
    chk_res *root = container_root(c->res);
    int index = -1;
    if (find_contained(root, value + 1, &index))
        mark_referenced(root, index);
}

/* dom-4, dom-5: a contained resource has no versionId, lastUpdated or security. */
static void check_contained_meta(chk *c, const fj_node *res)
{
    const fj_node *meta = fj_get(res, "meta");
    if (!meta || meta->kind != FJ_OBJECT)
        return;
    static const char *const forbidden[] = {"versionId", "lastUpdated", "security"};
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
        if (!fj_get(meta, forbidden[i]))
            continue;
        fhir_path_push(&c->path, "meta");
        chk_error_at(c, forbidden[i], "invariant", VKP_OO_INVALID_FORMAT,
                     "En inneholdt ressurs kan ikke ha meta.%s (%s)", forbidden[i],
                     i < 2 ? "dom-4" : "dom-5");
        fhir_path_pop(&c->path);
    }
}

/* dom-3: every contained resource is referenced from the resource (or refers
 * to it with "#"). */
static void check_contained_used(chk *c, const chk_res *r)
{
    int i = 0;
    fhir_path_push(&c->path, "contained");
    for (const fj_node *x = r->contained->child; x; x = x->next, i++) {
        if (x->kind != FJ_OBJECT || is_referenced(r, i) ||
            !fhir_model_is_resource(fj_get_str(x, "resourceType")))
            continue; /* referenced, or not a resource (reported as such) */
        fhir_path_index(&c->path, i);
        if (fj_get_str(x, "id"))
            chk_error(c, "invariant", VKP_OO_INVALID_FORMAT,
                      "Den inneholdte ressursen brukes ikke: ingen referanse til den i ressursen (dom-3)");
        else
            chk_error(c, "invariant", VKP_OO_INVALID_FORMAT,
                      "Den inneholdte ressursen har ingen id og kan ikke refereres (dom-3)");
    }
    fhir_path_pop(&c->path);
}

/* ---- resources ---- */

/* The concrete resource type of node, or NULL after reporting why not. */
static const fhir_type *resource_type(chk *c, const fj_node *node, const fhir_type *expected)
{
    if (node->kind != FJ_OBJECT) {
        chk_error(c, "structure", VKP_OO_INVALID_FORMAT,
                  "Skal være en ressurs (et JSON-objekt med resourceType)");
        return NULL;
    }
    const fj_node *rt = fj_get(node, "resourceType");
    if (!rt) {
        chk_error_at(c, "resourceType", "required", VKP_OO_INVALID_COUNT, "resourceType mangler");
        return NULL;
    }
    const fhir_type *t = rt->kind == FJ_STRING && strlen(rt->str) == rt->len
                             ? fhir_model_type(rt->str) : NULL;
    if (!t || t->kind != FHIR_KIND_RESOURCE || t->is_abstract) {
        chk_error_at(c, "resourceType", "structure", VKP_OO_INVALID_FORMAT,
                     "Ukjent ressurstype i FHIR R4");
        return NULL;
    }
    if (!expected->is_abstract && t != expected) {
        chk_error_at(c, "resourceType", "structure", VKP_OO_INVALID_FORMAT,
                     "Her skal ressursen være av typen %s, ikke %s", expected->name, t->name);
        return NULL;
    }
    return t;
}

void chk_resource(chk *c, const fj_node *node, const fhir_type *expected, chk_res *container,
                  int contained_index)
{
    const fhir_type *t = resource_type(c, node, expected);
    if (!t)
        return;
    /* Only a DomainResource has contained (elsewhere it is an unknown element). */
    const fj_node *contained = container ? NULL : fj_get(node, "contained");
    if (contained && (contained->kind != FJ_ARRAY || !fhir_model_elem(t, "contained")))
        contained = NULL;
    chk_res r = {node, contained, container, contained_index, 0, NULL};
    if (chk_ids_build(r.contained, &r.ids) != KN_OK)
        c->rc = KN_ENOMEM; /* and go on: dom-3 is not checked past CHK_MAX_CONTAINED */
    chk_res *outer = c->res;
    c->res = &r;
    if (container)
        check_contained_meta(c, node);
    if (strcmp(t->name, "Bundle") == 0) {
        chk_index *ix = NULL;
        if (chk_index_build(node, &ix) != KN_OK)
            c->rc = KN_ENOMEM; /* and go on, scanning */
        chk_bundle b = {node, ix, chk_bundle_type_of(fj_get_str(node, "type")), NULL, c->bundle};
        c->bundle = &b;
        chk_object(c, node, t, 1);
        chk_bundle_rules(c, node, b.type);
        c->bundle = b.outer;
        chk_index_free(ix);
    } else {
        chk_object(c, node, t, 1);
    }
    if (r.contained)
        check_contained_used(c, &r);
    chk_ids_free(r.ids);
    c->res = outer;
}

/* ---- Extension ---- */

void chk_extension(chk *c, const fj_node *obj)
{
    int value = 0, nested = 0;
    for (const fj_node *m = obj->child; m; m = m->next) {
        const char *k = m->key[0] == '_' ? m->key + 1 : m->key;
        value |= strncmp(k, "value", 5) == 0;
        nested |= strcmp(m->key, "extension") == 0;
    }
    if (value && nested)
        chk_error(c, "invariant", VKP_OO_INVALID_FORMAT,
                  "En extension skal ha enten value[x] eller extension, ikke begge (ext-1)");
    else if (!value && !nested)
        chk_error(c, "invariant", VKP_OO_INVALID_FORMAT,
                  "En extension skal ha enten value[x] eller extension (ext-1)");
}

/* ---- Reference ---- */

/* "#id" or "#": the contained resource or the container; NULL after reporting. */
static const fj_node *local_target(chk *c, const char *ref)
{
    chk_res *root = container_root(c->res);
    int index = -1;
    const fj_node *target = NULL;
    if (ref[1] == '\0' && c->res && c->res->container) {
        mark_referenced(root, c->res->contained_index);
        target = root->node;
    } else if (ref[1] != '\0') {
        target = find_contained(root, ref + 1, &index);
        if (target)
            mark_referenced(root, index);
    }
    if (!target)
        chk_error_at(c, "reference", "not-found", VKP_OO_INVALID_FORMAT,
                     "Den lokale referansen peker ikke på en inneholdt ressurs (contained)");
    return target;
}

/* A reference that is not local: resolved in the enclosing Bundle; NULL when
 * it is not there (reported when it has to be, see the file comment). */
static const fj_node *bundle_target(chk *c, const char *ref)
{
    chk_url u;
    chk_url_split(ref, &u);
    int urn = strncmp(ref, "urn:", 4) == 0;
    if (!c->bundle) {
        if (urn)
            chk_error_at(c, "reference", "not-found", VKP_OO_INVALID_FORMAT,
                         "En urn:-referanse kan bare slås opp i en Bundle");
        return NULL;
    }
    const fj_node *target =
        chk_resolve(c->bundle->node, c->bundle->index, c->bundle->full_url, ref, NULL);
    if (target)
        return target;
    if (urn)
        chk_error_at(c, "reference", "not-found", VKP_OO_INVALID_FORMAT,
                     "Referansen finnes ikke i Bundle: ingen entry har denne fullUrl");
    else if (!u.absolute && (c->bundle->type == BDL_MESSAGE || c->bundle->type == BDL_DOCUMENT))
        chk_error_at(c, "reference", "not-found", VKP_OO_INVALID_FORMAT,
                     "Den relative referansen finnes ikke i Bundle (en %s skal inneholde "
                     "ressursene den refererer til)",
                     c->bundle->type == BDL_MESSAGE ? "melding" : "dokument");
    return NULL;
}

/* The resource type a Reference.type value names ("Patient" or the HL7
 * StructureDefinition URL), or NULL when it names something else. */
static const char *declared_type(const char *type)
{
    if (strncmp(type, SD_PREFIX, sizeof SD_PREFIX - 1) == 0)
        type += sizeof SD_PREFIX - 1;
    return strchr(type, ':') ? NULL : type;
}

static void check_type(chk *c, const char *type, const char *ref, const fj_node *target)
{
    const char *want = declared_type(type);
    if (!want)
        return;
    const char *got = target ? fj_get_str(target, "resourceType") : NULL;
    size_t got_len = got ? strlen(got) : 0;
    if (!target && ref && ref[0] != '#') {
        chk_url u;
        chk_url_split(ref, &u);
        if (u.restful) {
            got = u.type;
            got_len = u.type_len;
        }
    }
    if (!got || (strlen(want) == got_len && strncmp(want, got, got_len) == 0))
        return;
    chk_error_at(c, "type", "invariant", VKP_OO_INVALID_FORMAT,
                 "Reference.type er %s, men referansen peker på en ressurs av typen %.*s", want,
                 (int)got_len, got);
}

void chk_reference(chk *c, const fj_node *obj)
{
    const char *ref = fj_get_str(obj, "reference");
    const fj_node *target = NULL;
    if (ref && ref[0] == '#')
        target = local_target(c, ref);
    else if (ref && ref[0])
        target = bundle_target(c, ref);
    const char *type = fj_get_str(obj, "type");
    if (type && type[0])
        check_type(c, type, ref, target);
}
