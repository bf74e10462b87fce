/* vkp_rules.c - checks an instance against a compiled profile tree (see
 * vkp_rules.h): for each rule, every instance of the element under each
 * instance of its parent is counted against min/max, compared with the fixed
 * or pattern value, checked against a required (error) or extensible
 * (warning) binding, sorted into the slices of a sliced element by their
 * discriminators (closed slicing rejects what fits no slice) and walked into
 * its children and its data-type profile. Nothing is allocated here; paths
 * are rendered only when an issue is reported.
 */
#include "vkp_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/core_status.h"

void vkp_issue(vkp_ctx *ctx, const fhir_path *path, fhir_severity sev, const char *code,
               const char *vkp_code, const char *fmt, ...)
{
    char diag[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag, sizeof diag, fmt, ap);
    va_end(ap);
    if (fhir_outcome_add(ctx->oc, sev, code, vkp_code, path, "%s", diag) != KN_OK)
        ctx->status = KN_ENOMEM;
}

/* The member of obj that node n stands for: n->name, or for a choice the
 * member that starts with the prefix and goes on with a type name. */
static const fj_node *member_of(const fj_node *obj, const vkp_node *n)
{
    if (!obj || obj->kind != FJ_OBJECT)
        return NULL;
    if (!n->is_choice)
        return fj_get_n(obj, n->name, n->name_len);
    size_t len = n->name_len;
    for (const fj_node *m = obj->child; m; m = m->next)
        if (m->key_len > len && memcmp(m->key, n->name, len) == 0 && m->key[len] >= 'A' &&
            m->key[len] <= 'Z')
            return m;
    return NULL;
}

/* The "_name" companion that holds id/extension of a primitive member. */
static const fj_node *companion_of(const fj_node *obj, const fj_node *m)
{
    char key[128];
    if (m->key_len + 2 > sizeof key)
        return NULL;
    key[0] = '_';
    memcpy(key + 1, m->key, m->key_len + 1);
    return fj_get(obj, key);
}

static int value_equal(const fj_node *v, const fj_node *want, int canonical)
{
    if (canonical && v->kind == FJ_STRING && want->kind == FJ_STRING)
        return vkp_canonical_eq(v->str, want->str);
    return fj_equal(v, want);
}

/* Some value along segs[i..] under v (arrays fan out) equals want. */
static int path_has(const fj_node *v, const vkp_disc *d, int i, const fj_node *want, int pattern)
{
    if (!v)
        return 0;
    if (v->kind == FJ_ARRAY) {
        for (const fj_node *e = v->child; e; e = e->next)
            if (path_has(e, d, i, want, pattern))
                return 1;
        return 0;
    }
    if (i >= d->nsegs || i >= VKP_MAX_SEGS) {
        int url = d->nsegs == 1 && strcmp(d->segs[0], "url") == 0;
        return pattern ? fj_matches_pattern(v, want) : value_equal(v, want, url);
    }
    return path_has(fj_get(v, d->segs[i]), d, i + 1, want, pattern);
}

static int slice_matches(const vkp_node *base, const vkp_node *s, const fj_node *v)
{
    if (!s->disc_ok)
        return 0;
    for (int i = 0; i < base->n_disc; i++) {
        const vkp_disc *d = &base->disc[i];
        if (d->type == VKP_DISC_TYPE) {
            size_t len = strlen(base->name);
            if (!v->key || strncmp(v->key, base->name, len) != 0 ||
                strcmp(v->key + len, s->disc_typename) != 0)
                return 0;
        } else if (!path_has(v, d, 0, s->disc_value[i], s->disc_is_pattern[i])) {
            return 0;
        }
    }
    return 1;
}

static void visit_children(vkp_ctx *ctx, const vkp_node *n, const fj_node *obj, fhir_path *path);

/* Fixed, pattern, binding, children and data-type profile of one instance v
 * of node n; inner is the object holding v's children (v itself, or the
 * "_name" companion of a primitive). */
static void check_instance(vkp_ctx *ctx, const vkp_node *n, const fj_node *v, const fj_node *inner,
                           fhir_path *path)
{
    if (n->fixed && !value_equal(v, n->fixed, n->canonical))
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "value", VKP_OO_INVALID_DATA,
                  "Verdien skal være %s (fast verdi for %s)", n->fixed_text, n->id);
    if (n->pattern && !fj_matches_pattern(v, n->pattern))
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "value", VKP_OO_INVALID_DATA,
                  "Verdien skal samsvare med %s (mønster for %s)", n->pattern_text, n->id);
    if (n->vs && (n->strength == VKP_BIND_REQUIRED || n->strength == VKP_BIND_EXTENSIBLE))
        vkp_check_binding(ctx, n, v, path);
    if (n->first_child)
        visit_children(ctx, n, inner, path);
    if (n->type_profile && v->kind == FJ_OBJECT)
        visit_children(ctx, n->type_profile->root, v, path);
}

static void check_min(vkp_ctx *ctx, const vkp_node *n, size_t count, fhir_path *path,
                      const char *what)
{
    if (n->min <= 0 || count >= (size_t)n->min || (!what && n->base_min >= n->min))
        return;
    fhir_path_push(path, n->label);
    if (what)
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "required", VKP_OO_INVALID_COUNT,
                  "%s «%s» mangler: skal forekomme minst %d gang(er), fant %zu (%s)", what,
                  n->slice, n->min, count, n->id);
    else
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "required", VKP_OO_INVALID_COUNT,
                  "Elementet mangler: skal forekomme minst %d gang(er), fant %zu (%s)", n->min,
                  count, n->id);
    fhir_path_pop(path);
}

/* Too many: reported at the first instance over the limit. */
static void check_max(vkp_ctx *ctx, const vkp_node *n, const fj_node *m, size_t count,
                      fhir_path *path, const char *what)
{
    if (n->max < 0 || count <= (size_t)n->max)
        return;
    fhir_path_push(path, m->key);
    if (m->kind == FJ_ARRAY && !what)
        fhir_path_index(path, n->max);
    if (what)
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_COUNT,
                  "%s «%s» kan forekomme høyst %d gang(er), fant %zu (%s)", what, n->slice, n->max,
                  count, n->id);
    else
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_COUNT,
                  "Elementet kan forekomme høyst %d gang(er), fant %zu (%s)", n->max, count, n->id);
    fhir_path_pop(path);
}

/* The choice member m has one of n's allowed types (any when none are listed). */
static int type_allowed(const vkp_node *n, const fj_node *m)
{
    const char *t = m->key + strlen(n->name);
    for (int i = 0; i < n->n_types; i++)
        if ((t[0] | 0x20) == (n->types[i][0] | 0x20) && strcmp(t + 1, n->types[i] + 1) == 0)
            return 1;
    return n->n_types == 0;
}

static void wrong_type(vkp_ctx *ctx, const vkp_node *n, const fj_node *m, fhir_path *path)
{
    const char *t = m->key + strlen(n->name);
    fhir_path_push(path, m->key);
    vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_FORMAT,
              "Datatypen %s er ikke tillatt for %s (tillatt: %s)", t, n->id,
              n->elem ? n->elem->types : "");
    fhir_path_pop(path);
}

static void no_slice(vkp_ctx *ctx, const vkp_node *n, fhir_path *path)
{
    char names[256];
    size_t len = 0;
    names[0] = '\0';
    for (const vkp_node *s = n->first_slice; s && len < sizeof names; s = s->next_slice)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", s->slice);
    int ident = strcmp(n->name, "identifier") == 0;
    vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure",
              ident ? VKP_OO_INVALID_SYSTEM : VKP_OO_INVALID_DATA,
              ident ? "Identifikatorsystemet er ikke tillatt her; tillatt er %s (%s)"
                    : "Elementet passer ikke med noen av de tillatte variantene %s (%s)",
              names, n->id);
}

static void slice_instance(vkp_ctx *ctx, const vkp_node *n, const fj_node *v, const fj_node *inner,
                           fhir_path *path, size_t *counts)
{
    size_t k = 0;
    for (const vkp_node *s = n->first_slice; s; s = s->next_slice, k++) {
        if (slice_matches(n, s, v)) {
            counts[k]++;
            check_instance(ctx, s, v, inner, path);
            return;
        }
    }
    if (n->slicing == VKP_SLICE_CLOSED)
        no_slice(ctx, n, path);
}

static void slice_counts(vkp_ctx *ctx, const vkp_node *n, const fj_node *m, const size_t *counts,
                         fhir_path *path)
{
    size_t k = 0;
    for (const vkp_node *s = n->first_slice; s; s = s->next_slice, k++) {
        check_min(ctx, s, counts[k], path, "Delen");
        if (m)
            check_max(ctx, s, m, counts[k], path, "Delen");
    }
}

static void check_node(vkp_ctx *ctx, const vkp_node *n, const fj_node *obj, fhir_path *path)
{
    const fj_node *m = member_of(obj, n);
    size_t count = !m ? 0 : m->kind == FJ_ARRAY ? m->len : 1;
    size_t counts[VKP_MAX_SLICES] = {0};
    check_min(ctx, n, count, path, NULL);
    if (!m) {
        if (n->first_slice)
            slice_counts(ctx, n, NULL, counts, path);
        return;
    }
    check_max(ctx, n, m, count, path, NULL);
    if (n->is_choice && !type_allowed(n, m)) {
        wrong_type(ctx, n, m, path);
        return; /* the rules below (and a closed type slicing) are for the allowed types */
    }
    int arr = m->kind == FJ_ARRAY;
    const fj_node *first = arr ? m->child : m;
    const fj_node *comp = NULL;
    if ((n->first_child || n->first_slice) && first && first->kind != FJ_OBJECT)
        comp = companion_of(obj, m); /* a primitive: its id/extension are in "_name" */
    fhir_path_push(path, m->key);
    int i = 0;
    for (const fj_node *v = arr ? m->child : m; v; v = arr ? v->next : NULL, i++) {
        if (arr)
            fhir_path_index(path, i);
        const fj_node *inner = v->kind == FJ_OBJECT             ? v
                               : comp && comp->kind == FJ_ARRAY ? fj_at(comp, (size_t)i)
                                                                : comp;
        check_instance(ctx, n, v, inner, path);
        if (n->first_slice)
            slice_instance(ctx, n, v, inner, path, counts);
    }
    fhir_path_index(path, -1);
    fhir_path_pop(path);
    if (n->first_slice)
        slice_counts(ctx, n, m, counts, path);
}

static void visit_children(vkp_ctx *ctx, const vkp_node *n, const fj_node *obj, fhir_path *path)
{
    for (const vkp_node *c = n->first_child; c; c = c->next_sibling)
        check_node(ctx, c, obj, path);
}

void vkp_apply_profile(vkp_ctx *ctx, const vkp_profile *p, const fj_node *instance, fhir_path *path)
{
    if (p && p->root && instance && instance->kind == FJ_OBJECT)
        visit_children(ctx, p->root, instance, path);
}
