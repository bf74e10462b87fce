/* vkp.c - vkp_validate(): one VKP conformance check, in order
 *   1. parse (fhir_json; not JSON is one fatal 2.4 issue),
 *   2. base FHIR R4 (fhir_check_resource),
 *   3. for a message Bundle the event's rules (vkp_message.c),
 *   4. per resource (the root, or each Bundle entry) the selected VKP
 *      profiles (vkp_select.c) through the rule engine (vkp_rules.c),
 *   5. one walk for extensions and Norwegian identifiers (vkp_walk.c).
 * Every problem goes to the outcome; nothing stops at the first.
 */
#include "../vkp/vkp.h"

#include <string.h>

#include "../fhir/fhir_check.h"
#include "../nid/nid.h"
#include "vkp_int.h"

#define MAX_PROFILES 4 /* profiles applied to one resource */

static void apply_selected(vkp_ctx *ctx, const fj_node *res, const vkp_profile *forced,
                           const char *event, fhir_path *path)
{
    const vkp_profile *sel[MAX_PROFILES];
    const char *type = fj_get_str(res, "resourceType");
    size_t n =
        vkp_select(ctx, res, forced, vkp_event_profile(event, type), sel, MAX_PROFILES, path);
    for (size_t i = 0; i < n; i++)
        vkp_apply_profile(ctx, sel[i], res, path);
}

static void check_bundle(vkp_ctx *ctx, const fj_node *bundle, const vkp_profile *forced,
                         fhir_path *path)
{
    const char *event = NULL;
    if (fj_str_eq(fj_get(bundle, "type"), "message"))
        event = vkp_message_check(ctx, bundle, path);
    const fj_node *entries = fj_get(bundle, "entry");
    if (!entries || entries->kind != FJ_ARRAY)
        return;
    fhir_path_push(path, "entry");
    int i = 0;
    for (const fj_node *e = entries->child; e; e = e->next, i++) {
        const fj_node *res = fj_get(e, "resource");
        if (!res || res->kind != FJ_OBJECT || !fj_get_str(res, "resourceType"))
            continue;
        fhir_path_index(path, i);
        fhir_path_push(path, "resource");
        apply_selected(ctx, res, forced, event, path);
        fhir_path_pop(path);
    }
    fhir_path_pop(path);
}

/* A resource profile asked for must fit the resource, or one of the Bundle's
 * entries; extension and data-type profiles apply wherever they occur. */
static void forced_fits(vkp_ctx *ctx, const vkp_profile *p, const fj_node *res, const char *type)
{
    if (!p || p->def->kind != VKP_KIND_RESOURCE || strcmp(p->def->type, type) == 0)
        return;
    const fj_node *entries = strcmp(type, "Bundle") == 0 ? fj_get(res, "entry") : NULL;
    for (const fj_node *e = entries && entries->kind == FJ_ARRAY ? entries->child : NULL; e;
         e = e->next)
        if (fj_str_eq(fj_get(fj_get(e, "resource"), "resourceType"), p->def->type))
            return;
    if (fhir_outcome_add_expr(ctx->oc, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_DATA, NULL,
                              "Profilen %s gjelder %s; instansen har ingen %s", p->def->url,
                              p->def->type, p->def->type) != KN_OK)
        ctx->status = KN_ENOMEM;
}

/* The profile asked for, or an error issue when it is not a VKP profile. */
static int forced_profile(vkp_ctx *ctx, const char *url, const vkp_profile **out)
{
    *out = NULL;
    if (!url)
        return KN_OK;
    *out = vkp_profile_find(url);
    if (*out)
        return KN_OK;
    if (fhir_outcome_add_expr(ctx->oc, FHIR_SEV_ERROR, "not-supported", VKP_OO_INVALID_DATA, NULL,
                              "Ukjent profil %s: Knute kjenner profilene i VKP-pakken 0.9.0",
                              url) != KN_OK)
        return KN_ENOMEM;
    return KN_EINVAL;
}

int vkp_validate_tree(const fj_node *resource, const vkp_opts *opts, fhir_outcome *oc)
{
    int rc = vkp_rules_ready();
    if (rc != KN_OK)
        return rc;
    vkp_ctx ctx = {oc, opts && opts->environment ? opts->environment : NID_ENV_TEST, KN_OK};
    rc = fhir_check_resource(resource, oc);
    if (rc != KN_OK)
        return rc;
    const vkp_profile *forced;
    rc = forced_profile(&ctx, opts ? opts->profile : NULL, &forced);
    if (rc != KN_OK)
        return rc == KN_ENOMEM ? rc : KN_OK;
    const char *type = fj_get_str(resource, "resourceType");
    if (!type || resource->kind != FJ_OBJECT)
        return KN_OK; /* fhir_check has said what is wrong */
    forced_fits(&ctx, forced, resource, type);
    fhir_path path;
    fhir_path_init(&path, type);
    if (strcmp(type, "Bundle") == 0) {
        check_bundle(&ctx, resource, forced, &path);
    } else {
        apply_selected(&ctx, resource, forced, NULL, &path);
    }
    vkp_walk(&ctx, resource, &path);
    return ctx.status;
}

int vkp_validate(const char *text, size_t len, const vkp_opts *opts, fhir_outcome *oc)
{
    fj_doc *doc = NULL;
    kn_err err;
    kn_err_clear(&err);
    int rc = fj_parse(text, len, &doc, &err);
    if (rc == KN_ENOMEM)
        return rc;
    if (rc != KN_OK) {
        if (fhir_outcome_add_expr(oc, FHIR_SEV_FATAL, "structure", VKP_OO_INVALID_FORMAT, NULL,
                                  "Ikke gyldig JSON: %s", err.msg) != KN_OK)
            return KN_ENOMEM;
        return KN_EINVAL;
    }
    rc = vkp_validate_tree(fj_root(doc), opts, oc);
    fj_doc_free(doc);
    return rc;
}
