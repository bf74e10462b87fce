/* vkp_select.c - which VKP profiles a resource is checked against
 * (docs/vkp-conformance.md#profile-selection): the profile asked for
 * (--profile, when it is for this resource type); else every VKP profile
 * the resource names in meta.profile; else the message event's profile for
 * the type; else the type's default, where Observation goes to the vital-sign
 * profile its code names (vkp-Observation otherwise) and Encounter to
 * vkp-digital-Encounter when its class is v3-ActCode VR (vkp-Encounter
 * otherwise). The tables are in vkp_overrides.c.
 */
#include "vkp_int.h"

#include <string.h>

#define ACTCODE "http://terminology.hl7.org/CodeSystem/v3-ActCode"

static const vkp_profile *by_code(const fj_node *res)
{
    const fj_node *codings = fj_get(fj_get(res, "code"), "coding");
    for (const fj_node *c = codings ? codings->child : NULL; c; c = c->next) {
        const char *system = fj_get_str(c, "system"), *code = fj_get_str(c, "code");
        for (size_t i = 0; system && code && i < vkp_hand_obs_select_count; i++)
            if (strcmp(vkp_hand_obs_select[i].system, system) == 0 &&
                strcmp(vkp_hand_obs_select[i].code, code) == 0)
                return vkp_profile_find(vkp_hand_obs_select[i].profile);
    }
    return NULL;
}

static const vkp_profile *type_default(const fj_node *res, const char *type)
{
    if (strcmp(type, "Observation") == 0) {
        const vkp_profile *p = by_code(res);
        if (p)
            return p;
    } else if (strcmp(type, "Encounter") == 0) {
        const fj_node *cls = fj_get(res, "class");
        if (fj_str_eq(fj_get(cls, "system"), ACTCODE) && fj_str_eq(fj_get(cls, "code"), "VR"))
            return vkp_profile_find(
                "http://ehelse.no/fhir/StructureDefinition/vkp-digital-Encounter-v090");
    }
    for (size_t i = 0; i < vkp_hand_type_default_count; i++)
        if (strcmp(vkp_hand_type_defaults[i].type, type) == 0)
            return vkp_profile_find(vkp_hand_type_defaults[i].profile);
    return NULL;
}

/* VKP profiles named in meta.profile; one of another type is an error. */
static size_t from_meta(vkp_ctx *ctx, const fj_node *res, const char *type, const vkp_profile **out,
                        size_t max, fhir_path *path)
{
    const fj_node *list = fj_get(fj_get(res, "meta"), "profile");
    size_t n = 0;
    int i = 0;
    for (const fj_node *u = list && list->kind == FJ_ARRAY ? list->child : NULL; u;
         u = u->next, i++) {
        const vkp_profile *p = u->kind == FJ_STRING ? vkp_profile_find(u->str) : NULL;
        if (!p || p->def->kind != VKP_KIND_RESOURCE)
            continue; /* profiles outside VKP (no-basis, ...) are not Knute's to check */
        if (strcmp(p->def->type, type) != 0) {
            fhir_path_push(path, "meta");
            fhir_path_push(path, "profile");
            fhir_path_index(path, i);
            vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_DATA,
                      "Profilen %s gjelder %s, ikke %s", p->def->url, p->def->type, type);
            fhir_path_pop(path);
            fhir_path_pop(path);
        } else if (n < max) {
            out[n++] = p;
        }
    }
    return n;
}

size_t vkp_select(vkp_ctx *ctx, const fj_node *res, const vkp_profile *forced,
                  const char *event_profile, const vkp_profile **out, size_t max, fhir_path *path)
{
    const char *type = fj_get_str(res, "resourceType");
    if (!type || max == 0)
        return 0;
    if (forced && forced->def->kind == VKP_KIND_RESOURCE && strcmp(forced->def->type, type) == 0) {
        out[0] = forced;
        return 1;
    }
    size_t n = from_meta(ctx, res, type, out, max, path);
    if (n)
        return n;
    const vkp_profile *p = event_profile ? vkp_profile_find(event_profile) : NULL;
    if (!p)
        p = type_default(res, type);
    if (p)
        out[n++] = p;
    return n;
}
