/* vkp_compile_tree.c - one profile's rule tree from its element list (part of
 * the once-per-process build, see vkp_compile.c).
 *
 * Each element id ("MedicationDispense.subject.identifier:FNR.system") is a
 * path of segments, "name" or "name:slice". A segment without a slice is a
 * child of the node before it; one with a slice is a slice of the child of
 * that name (created bare when the package states only the slice). Elements
 * that state the same id are merged field by field. Then the hand patches of
 * vkp_overrides.c are applied and the base R4 minimum of every node is taken
 * from fhir_model.
 */
#include "vkp_compile_int.h"

#include <stdlib.h>
#include <string.h>

#include "../fhir/fhir_model.h"

typedef struct tree {
    vkp_node *nodes;
    size_t n, cap;
} tree;

vkp_node *vkp_compile_child(const vkp_node *parent, const char *name)
{
    for (vkp_node *c = parent->first_child; c; c = c->next_sibling)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static vkp_node *new_node(tree *t, const char *seg, size_t len)
{
    if (t->n == t->cap)
        return NULL;
    vkp_node *n = &t->nodes[t->n++];
    memset(n, 0, sizeof *n);
    n->min = n->max = -1;
    n->label = vkp_compile_strdup(seg, len);
    int choice = len > 3 && memcmp(seg + len - 3, "[x]", 3) == 0;
    n->is_choice = (uint8_t)choice;
    n->name_len = choice ? len - 3 : len;
    n->name = vkp_compile_strdup(seg, n->name_len);
    return n->label && n->name ? n : NULL;
}

static void append(vkp_node **head, vkp_node *n, int slice)
{
    while (*head)
        head = slice ? &(*head)->next_slice : &(*head)->next_sibling;
    *head = n;
}

/* The node for segment seg[0..len) under cur: "name" or "name:slice". */
static vkp_node *step(tree *t, vkp_node *cur, const char *seg, size_t len, int create)
{
    const char *colon = memchr(seg, ':', len);
    size_t nlen = colon ? (size_t)(colon - seg) : len;
    vkp_node *base = NULL;
    for (vkp_node *c = cur->first_child; c; c = c->next_sibling)
        if (strlen(c->label) == nlen && memcmp(c->label, seg, nlen) == 0)
            base = c;
    if (!base) {
        if (!create || !(base = new_node(t, seg, nlen)))
            return NULL;
        append(&cur->first_child, base, 0);
    }
    if (!colon)
        return base;
    const char *sl = colon + 1;
    size_t slen = len - nlen - 1;
    for (vkp_node *s = base->first_slice; s; s = s->next_slice)
        if (strlen(s->slice) == slen && memcmp(s->slice, sl, slen) == 0)
            return s;
    if (!create)
        return NULL;
    vkp_node *s = new_node(t, seg, nlen);
    if (!s || !(s->slice = vkp_compile_strdup(sl, slen)))
        return NULL;
    s->base = base;
    append(&base->first_slice, s, 1);
    return s;
}

/* The node of element id (the root segment is skipped), created on the way
 * when create is set; NULL when absent (or ENOMEM/full when creating). */
static vkp_node *node_at(tree *t, vkp_node *root, const char *id, int create)
{
    const char *s = strchr(id, '.');
    vkp_node *cur = root;
    while (s && cur) {
        s++;
        const char *e = strchr(s, '.');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        cur = step(t, cur, s, len, create);
        s = e;
    }
    return cur;
}

static int set_types(vkp_node *n, const char *types)
{
    n->n_types = 0;
    while (types && *types) {
        size_t len = strcspn(types, "|");
        if (n->n_types == VKP_MAX_TYPES ||
            !(n->types[n->n_types++] = vkp_compile_strdup(types, len)))
            return KN_EINTERNAL;
        types += len + (types[len] == '|');
    }
    return KN_OK;
}

static int disc_type(const char *s, size_t len)
{
    static const char *const names[] = {"value", "pattern", "type", "exists", "profile"};
    for (int i = 0; i < 5; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i + 1;
    return 0;
}

static int set_disc_path(vkp_disc *d, const char *path)
{
    d->nsegs = 0;
    if (strcmp(path, "$this") == 0)
        return KN_OK;
    while (*path) {
        size_t len = strcspn(path, ".");
        if (d->nsegs == VKP_MAX_SEGS || !(d->segs[d->nsegs++] = vkp_compile_strdup(path, len)))
            return KN_EINTERNAL;
        path += len + (path[len] == '.');
    }
    return KN_OK;
}

/* "value:code.coding.code;value:code.coding.system" */
static int set_slicing(vkp_node *n, uint8_t rules, const char *disc)
{
    n->slicing = rules;
    n->n_disc = 0;
    while (disc && *disc) {
        size_t len = strcspn(disc, ";");
        const char *colon = memchr(disc, ':', len);
        if (!colon || n->n_disc == VKP_MAX_DISC)
            return KN_EINTERNAL;
        vkp_disc *d = &n->disc[n->n_disc++];
        d->type = (uint8_t)disc_type(disc, (size_t)(colon - disc));
        d->path = vkp_compile_strdup(colon + 1, len - (size_t)(colon - disc) - 1);
        /* exists and profile discriminators are not used by the package and not
         * implemented: a package that starts using them fails here, in the tests */
        if (!d->type || d->type == VKP_DISC_EXISTS || d->type == VKP_DISC_PROFILE || !d->path ||
            set_disc_path(d, d->path) != KN_OK)
            return KN_EINTERNAL;
        disc += len + (disc[len] == ';');
    }
    return KN_OK;
}

static int set_fixed(vkp_node *n, const char *text)
{
    n->fixed_text = text;
    return vkp_compile_json(text, &n->fixed);
}

static int merge(vkp_node *n, const vkp_elem *e)
{
    if (!n->elem)
        n->elem = e;
    n->id = e->id;
    if (e->min >= 0)
        n->min = e->min;
    if (e->max >= 0)
        n->max = e->max;
    int rc = KN_OK;
    if (e->fixed)
        rc = set_fixed(n, e->fixed);
    if (rc == KN_OK && e->pattern) {
        n->pattern_text = e->pattern;
        rc = vkp_compile_json(e->pattern, &n->pattern);
    }
    if (e->strength) {
        n->strength = e->strength;
        n->vs = vkp_valueset_find(e->valueset);
    }
    if (rc == KN_OK && e->types)
        rc = set_types(n, e->types);
    if (e->profiles)
        n->profiles = e->profiles;
    if (rc == KN_OK && e->slicing)
        rc = set_slicing(n, e->slicing, e->discriminators);
    return rc;
}

/* The id an element is compiled at: moved by a vkp_repath, or its own. */
static const char *effective_id(const char *url, const char *id)
{
    const vkp_repath *r = vkp_repath_for(url, id);
    if (!r)
        return id;
    size_t lt = strlen(r->to), rest = strlen(id) - strlen(r->from);
    char *s = malloc(lt + rest + 1);
    if (s) {
        memcpy(s, r->to, lt);
        memcpy(s + lt, id + strlen(r->from), rest + 1);
    }
    return s;
}

static int add_elems(tree *t, vkp_node *root, const char *url, const vkp_elem *elems, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *id = effective_id(url, elems[i].id);
        vkp_node *node = id ? node_at(t, root, id, 1) : NULL;
        if (!node)
            return KN_ENOMEM;
        int rc = merge(node, &elems[i]);
        node->id = id;
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

static int apply_patch(tree *t, vkp_node *root, const vkp_patch *pa)
{
    vkp_node *n = node_at(t, root, pa->elem_id, 0);
    if (!n)
        return KN_EINTERNAL; /* the package changed under a hand decision */
    switch (pa->field) {
    case VKP_PATCH_VALUESET:
        n->vs = vkp_valueset_find(pa->value);
        return n->vs ? KN_OK : KN_EINTERNAL;
    case VKP_PATCH_FIXED:
        return set_fixed(n, pa->value);
    case VKP_PATCH_NO_SLICE_TYPE:
        if (!n->base || n->base->slicing)
            return KN_EINTERNAL;
        return set_slicing(n->base,
                           strcmp(pa->value, "closed") == 0 ? VKP_SLICE_CLOSED : VKP_SLICE_OPEN,
                           "type:$this");
    default:
        return KN_EINTERNAL;
    }
}

/* The model type an instance of n has, when one type is certain. */
static const fhir_type *model_type_of(const vkp_node *n, const fhir_type *parent)
{
    if (n->is_choice)
        return n->n_types == 1 ? fhir_model_type(n->types[0]) : NULL;
    const fhir_elem *fe = parent ? fhir_model_elem(parent, n->name) : NULL;
    return fe ? fhir_model_type_at(fe->type) : NULL;
}

static void set_base_min(vkp_node *n, const fhir_type *parent)
{
    const fhir_type *mt;
    if (n->slice) {
        mt = n->base ? model_type_of(n->base, parent) : NULL;
    } else {
        const fhir_elem *fe = parent && !n->is_choice ? fhir_model_elem(parent, n->name) : NULL;
        n->base_min = fe ? fe->min : 0;
        mt = model_type_of(n, parent);
    }
    for (vkp_node *c = n->first_child; c; c = c->next_sibling)
        set_base_min(c, mt);
    for (vkp_node *s = n->first_slice; s; s = s->next_slice)
        set_base_min(s, parent);
}

static size_t segments(const char *id)
{
    size_t k = 1;
    for (; *id; id++)
        k += *id == '.';
    return k;
}

int vkp_compile_tree(vkp_profile *p)
{
    const vkp_profile_def *d = p->def;
    const vkp_addition *a = p->addition;
    size_t cap = 1;
    for (size_t i = 0; i < d->n_elems; i++)
        cap += segments(d->elems[i].id) + 2; /* + 2: a repath may add segments */
    for (size_t i = 0; a && i < a->n; i++)
        cap += segments(a->elems[i].id) + 2;
    tree t = {calloc(cap, sizeof(vkp_node)), 0, cap};
    if (!t.nodes)
        return KN_ENOMEM;
    vkp_node *root = new_node(&t, d->type, strlen(d->type));
    if (!root)
        return KN_ENOMEM;
    p->root = root;
    int rc = add_elems(&t, root, d->url, d->elems, d->n_elems);
    if (rc == KN_OK && a)
        rc = add_elems(&t, root, d->url, a->elems, a->n);
    for (size_t i = 0; rc == KN_OK && i < vkp_hand_patch_count; i++)
        if (vkp_canonical_eq(vkp_hand_patches[i].profile, d->url))
            rc = apply_patch(&t, root, &vkp_hand_patches[i]);
    if (rc == KN_OK) {
        const fhir_type *mt = fhir_model_type(d->type);
        for (vkp_node *c = root->first_child; c; c = c->next_sibling)
            set_base_min(c, mt);
    }
    return rc;
}
