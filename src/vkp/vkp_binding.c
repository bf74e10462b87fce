/* vkp_binding.c - value set bindings: is a code (CodeableConcept, Coding,
 * Quantity, code or uri) in the value set a profile binds? A required
 * binding that misses is an error, an extensible one a warning; preferred
 * and example bindings are not checked. Value sets are the compiled ones
 * (vkp_rules_gen.c, expanded from the package, and the hand-defined ones of
 * vkp_overrides.c), sorted by (system, code) for binary search.
 */
#include "vkp_rules.h"

#include <stdio.h>
#include <string.h>

static int cmp_entry(const char *system, const char *code, const vkp_vs_entry *e)
{
    int c = strcmp(system, e->system);
    if (c)
        return c;
    if (!code || !e->code)
        return code ? 1 : e->code ? -1 : 0;
    return strcmp(code, e->code);
}

static const vkp_vs_entry *search(const vkp_valueset_def *vs, const char *system, const char *code)
{
    size_t lo = 0, hi = vs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_entry(system, code, &vs->entries[mid]);
        if (c == 0)
            return &vs->entries[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const vkp_vs_entry *vkp_valueset_lookup(const vkp_valueset_def *vs, const char *system,
                                        const char *code)
{
    if (!vs || !system || !code)
        return NULL;
    const vkp_vs_entry *e = search(vs, system, code);
    return e ? e : search(vs, system, NULL); /* every code of a system outside the package */
}

/* A bare code or uri: the value set's system is implied. */
static int code_in(const vkp_valueset_def *vs, const char *code)
{
    for (size_t i = 0; i < vs->n; i++)
        if (!vs->entries[i].code || strcmp(vs->entries[i].code, code) == 0)
            return 1;
    return 0;
}

static int coding_in(const vkp_valueset_def *vs, const fj_node *coding)
{
    return vkp_valueset_lookup(vs, fj_get_str(coding, "system"), fj_get_str(coding, "code")) !=
           NULL;
}

/* The code as "system|code" for the diagnostics. */
static void describe(const fj_node *c, char *out, size_t size)
{
    const char *system = fj_get_str(c, "system"), *code = fj_get_str(c, "code");
    snprintf(out, size, "%s|%s", system ? system : "(uten system)", code ? code : "(uten kode)");
}

void vkp_check_binding(vkp_ctx *ctx, const vkp_node *n, const fj_node *v, fhir_path *path)
{
    const vkp_valueset_def *vs = n->vs;
    char what[300] = "";
    int found = 0;
    if (v->kind == FJ_STRING) {
        found = code_in(vs, v->str);
        snprintf(what, sizeof what, "%s", v->str);
    } else if (v->kind == FJ_OBJECT) {
        const fj_node *codings = fj_get(v, "coding");
        if (codings && codings->kind == FJ_ARRAY) {
            for (const fj_node *c = codings->child; c && !found; c = c->next)
                found = coding_in(vs, c);
            if (codings->child)
                describe(codings->child, what, sizeof what);
        } else if (fj_get(v, "code") || fj_get(v, "system")) {
            found = coding_in(vs, v);
            describe(v, what, sizeof what);
        }
    } else {
        return; /* not a code at all: fhir_check reports the type */
    }
    if (found)
        return;
    int required = n->strength == VKP_BIND_REQUIRED;
    vkp_issue(ctx, path, required ? FHIR_SEV_ERROR : FHIR_SEV_WARNING, "code-invalid",
              required ? VKP_OO_INVALID_DATA : NULL, "%s%s er ikke i verdisettet %s (%s)",
              what[0] ? "Koden " : "Ingen kode", what, vs->url, n->id);
}
