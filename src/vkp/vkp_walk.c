/* vkp_walk.c - one walk over the whole instance for the rules that apply
 * wherever something occurs rather than at a profile's element: every
 * extension whose url names a VKP extension (either spelling of its
 * canonical) is checked against that extension's profile, and every
 * Identifier with a Norwegian system against vkp_ident. Primitive companions
 * ("_line") are walked under the element's own name, as FHIRPath names it.
 */
#include "vkp_int.h"

#include <string.h>

static const vkp_profile *extension_profile(const char *url)
{
    const vkp_profile *p = url ? vkp_profile_find(url) : NULL;
    return p && p->def->kind == VKP_KIND_EXTENSION ? p : NULL;
}

static int is_extension_list(const fj_node *m)
{
    return (m->key[0] == 'e' && strcmp(m->key, "extension") == 0) ||
           (m->key[0] == 'm' && strcmp(m->key, "modifierExtension") == 0);
}

static void walk_value(vkp_ctx *ctx, const fj_node *n, fhir_path *path, int in_extensions);

/* One pass over the members: note url, system and value, descend into the
 * rest; then the extension profile and the identifier check. */
static void walk_object(vkp_ctx *ctx, const fj_node *n, fhir_path *path, int is_extension)
{
    const char *url = NULL;
    int system = 0, value = 0;
    for (const fj_node *m = n->child; m; m = m->next) {
        if (m->kind == FJ_STRING) {
            if (m->key_len == 3 && memcmp(m->key, "url", 3) == 0)
                url = m->str;
            else if (m->key_len == 6 && memcmp(m->key, "system", 6) == 0)
                system = 1;
            else if (m->key_len == 5 && memcmp(m->key, "value", 5) == 0)
                value = 1;
            continue;
        }
        if (m->kind != FJ_OBJECT && m->kind != FJ_ARRAY)
            continue;
        fhir_path_push(path, m->key[0] == '_' ? m->key + 1 : m->key);
        walk_value(ctx, m, path, is_extension_list(m));
        fhir_path_pop(path);
    }
    if (is_extension)
        vkp_apply_profile(ctx, extension_profile(url), n, path);
    if (system && value)
        vkp_ident_check(ctx, n, path);
}

static void walk_value(vkp_ctx *ctx, const fj_node *n, fhir_path *path, int in_extensions)
{
    if (n->kind == FJ_OBJECT) {
        walk_object(ctx, n, path, in_extensions);
    } else if (n->kind == FJ_ARRAY) {
        int i = 0;
        for (const fj_node *e = n->child; e; e = e->next, i++) {
            if (e->kind != FJ_OBJECT)
                continue;
            fhir_path_index(path, i);
            walk_object(ctx, e, path, in_extensions);
        }
        fhir_path_index(path, -1);
    }
}

void vkp_walk(vkp_ctx *ctx, const fj_node *n, fhir_path *path)
{
    if (n)
        walk_value(ctx, n, path, 0);
}
