/* fhir_check.c - base FHIR R4 validation (see fhir_check.h): the entry point
 * and the generic walk of a parsed JSON tree against fhir_model.
 *
 * Each JSON object is walked once, member by member: the member's name is
 * looked up in its type's sorted element run (binary search), the value is
 * checked for its JSON shape (array exactly where the base max is "*", no
 * empty arrays or objects, nulls only in primitive arrays paired with a
 * "_name" array) and descended into. Choice groups and required elements are
 * tracked with counters and a bit set, so nothing is allocated and the path is
 * rendered only when an issue is reported. Rules of particular types hang off
 * the walk: resources and contained (fhir_check_res.c), Extension and
 * Reference after their members are walked, Bundle.entry (fullUrl of the
 * entry, for reference resolution) and Bundle (fhir_check_bundle.c).
 *
 * The issue codes are listed in fhir_check_int.h. Diagnostics are Norwegian
 * and name elements and types, never values (they may be personal data).
 */
#include "fhir_check_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest JSON property name looked up as a companion ("_" + name). */
#define CHK_NAME_MAX 96

__attribute__((format(printf, 4, 0)))
static void vissue(chk *c, const char *code, const char *vkp, const char *fmt, va_list ap)
{
    char diag[512];
    vsnprintf(diag, sizeof diag, fmt, ap);
    if (fhir_outcome_add(c->oc, FHIR_SEV_ERROR, code, vkp, &c->path, "%s", diag) != KN_OK)
        c->rc = KN_ENOMEM;
}

void chk_error(chk *c, const char *code, const char *vkp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vissue(c, code, vkp, fmt, ap);
    va_end(ap);
}

void chk_error_at(chk *c, const char *member, const char *code, const char *vkp,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fhir_path_push(&c->path, member);
    vissue(c, code, vkp, fmt, ap);
    fhir_path_pop(&c->path);
    va_end(ap);
}

static void structure(chk *c, const char *what)
{
    chk_error(c, "structure", VKP_OO_INVALID_FORMAT, "%s", what);
}

/* ---- single values ---- */

static void check_primitive(chk *c, const fj_node *v, const fhir_type *t)
{
    kn_err err;
    if (fhir_prim_check((fhir_prim)t->prim, v, &err) != KN_OK) {
        chk_error(c, "value", VKP_OO_INVALID_FORMAT, "Ugyldig verdi: %s", err.msg);
        return;
    }
    if (v->kind == FJ_STRING && v->str[0] == '#' &&
        (t->prim == FHIR_PRIM_URI || t->prim == FHIR_PRIM_CANONICAL || t->prim == FHIR_PRIM_URL))
        chk_local_uri(c, v->str);
}

/* One value (not an array) of an element of type t. contained_index >= 0:
 * the value is that element of the current resource's contained. */
static void check_value(chk *c, const fj_node *v, const fhir_type *t, int contained_index)
{
    if (t->kind == FHIR_KIND_PRIMITIVE) {
        check_primitive(c, v, t);
        return;
    }
    if (t->kind == FHIR_KIND_RESOURCE) {
        chk_resource(c, v, t, contained_index >= 0 ? c->res : NULL, contained_index);
        return;
    }
    if (v->kind != FJ_OBJECT) {
        chk_error(c, "structure", VKP_OO_INVALID_FORMAT, "Skal være et JSON-objekt (%s)", t->name);
        return;
    }
    chk_object(c, v, t, 0);
}

/* The other half of a primitive array pair: for "name" the "_name" member of
 * obj, and the reverse. NULL when absent. */
static const fj_node *partner(const fj_node *obj, const fj_node *member)
{
    if (member->key[0] == '_')
        return fj_get_n(obj, member->key + 1, member->key_len - 1);
    char name[CHK_NAME_MAX];
    if (member->key_len + 2 > sizeof name)
        return NULL;
    name[0] = '_';
    memcpy(name + 1, member->key, member->key_len + 1);
    return fj_get_n(obj, name, member->key_len + 1);
}

/* Whether element i of an array pair partner is present and not null. */
static int partner_has(const fj_node *pair, unsigned i)
{
    const fj_node *e = pair && pair->kind == FJ_ARRAY ? fj_at(pair, i) : NULL;
    return e && e->kind != FJ_NULL;
}

/* The value of member m (element e of type t) in object obj: array or not as
 * the base max says, then each value. `companion`: m is "_name", whose values
 * are Elements (id, extension) for the primitive "name". */
static void check_member(chk *c, const fj_node *obj, const fj_node *m, const fhir_elem *e,
                         const fhir_type *t, int companion)
{
    const fhir_type *vt = companion ? c->t_element : t;
    if (!e->many) {
        if (m->kind == FJ_ARRAY)
            structure(c, "Elementet kan bare forekomme én gang og skal ikke være en JSON-liste");
        else if (m->kind == FJ_NULL)
            structure(c, "null er ikke tillatt her");
        else
            check_value(c, m, vt, -1);
        return;
    }
    if (m->kind != FJ_ARRAY) {
        structure(c, "Elementet kan gjentas og skal være en JSON-liste");
        return;
    }
    if (m->len == 0) {
        structure(c, "Tom liste er ikke tillatt");
        return;
    }
    const fj_node *pair = NULL;
    if (t->kind == FHIR_KIND_PRIMITIVE || companion) {
        pair = partner(obj, m);
        if (pair && pair->kind == FJ_ARRAY && pair->len != m->len) {
            if (!companion) /* reported once, from the value's side */
                structure(c, "Listen og dens \"_\"-partner skal ha like mange elementer");
            return;
        }
    }
    int contained = c->res && m == c->res->contained;
    unsigned i = 0;
    for (const fj_node *v = m->child; v; v = v->next, i++) {
        fhir_path_index(&c->path, (int)i);
        if (v->kind == FJ_NULL) {
            /* A null holds a place in a primitive array whose partner has the
             * value (or the id/extension) at the same position. Both null at
             * one position is reported from the value's side. */
            int ok = companion ? pair != NULL
                               : t->kind == FHIR_KIND_PRIMITIVE && partner_has(pair, i);
            if (!ok)
                structure(c, "null er ikke tillatt her");
        } else {
            check_value(c, v, vt, contained ? (int)i : -1);
        }
    }
    fhir_path_index(&c->path, -1);
}

/* ---- objects ---- */

/* What one walk of an object has seen. */
typedef struct seen {
    uint64_t groups;                /* choice groups with a member */
    unsigned required;              /* required elements (or groups) present */
} seen;

/* Note element e as present; 0 when it is a second member of its choice. */
static int note_present(seen *s, const fhir_elem *e)
{
    if (e->choice) {
        uint64_t bit = (uint64_t)1 << ((e->choice - 1) & 63);
        if (s->groups & bit)
            return 0;
        s->groups |= bit;
    }
    s->required += e->min;
    return 1;
}

/* Whether element k of t (or, for a choice, any member of its group) is in obj. */
static int present(const fj_node *obj, const fhir_type *t, unsigned k)
{
    const fhir_elem *e = &t->elems[k];
    for (unsigned i = 0; i < t->n_elems; i++) {
        const fhir_elem *x = &t->elems[i];
        if (i != k && (!e->choice || x->choice != e->choice))
            continue;
        size_t n = strlen(x->name);
        char name[CHK_NAME_MAX];
        if (fj_get_n(obj, x->name, n))
            return 1;
        if (n + 2 <= sizeof name) {
            name[0] = '_';
            memcpy(name + 1, x->name, n + 1);
            if (fj_get_n(obj, name, n + 1))
                return 1;
        }
    }
    return 0;
}

/* The slow path, taken only when a required element is missing: name each. */
static void report_missing(chk *c, const fj_node *obj, const fhir_type *t)
{
    unsigned n = 0;
    const uint16_t *req = fhir_model_required(t, &n);
    for (unsigned i = 0; i < n; i++) {
        if (present(obj, t, req[i]))
            continue;
        const fhir_elem *e = &t->elems[req[i]];
        const char *dot = strrchr(e->path, '.');
        const char *name = dot ? dot + 1 : e->path; /* "value[x]" for a choice */
        chk_error_at(c, name, "required", VKP_OO_INVALID_COUNT,
                     "Påkrevd element '%s' mangler (minst 1 i %s)", name, t->name);
    }
}

/* Member m of obj, whose name is not a property of t (or a "_" companion of
 * a non-primitive). */
static void unknown_member(chk *c, const fj_node *m, const fhir_type *t)
{
    fhir_path_push(&c->path, m->key);
    chk_error(c, "structure", VKP_OO_INVALID_FORMAT, "Ukjent element '%s' i %s", m->key, t->name);
    fhir_path_pop(&c->path);
}

/* Look up the element for member name key (key_len bytes, may hold NUL). */
static const fhir_elem *elem_of(const fhir_type *t, const char *key, size_t key_len)
{
    const fhir_elem *e = fhir_model_elem(t, key);
    return e && strlen(e->name) == key_len ? e : NULL;
}

/* A "_name" member: the id/extension of primitive "name". */
static void check_companion(chk *c, const fj_node *obj, const fj_node *m, const fhir_type *t,
                            seen *s)
{
    const fhir_elem *e = m->key_len > 1 ? elem_of(t, m->key + 1, m->key_len - 1) : NULL;
    const fhir_type *et = e ? fhir_model_type_at(e->type) : NULL;
    if (!et || et->kind != FHIR_KIND_PRIMITIVE) {
        unknown_member(c, m, t);
        return;
    }
    /* Counted for choice and required only when the value itself is absent. */
    if (!fj_get_n(obj, m->key + 1, m->key_len - 1) && !note_present(s, e)) {
        fhir_path_push(&c->path, e->name);
        structure(c, "Bare ett av alternativene i et valg-element ([x]) kan brukes");
        fhir_path_pop(&c->path);
        return;
    }
    fhir_path_push(&c->path, e->name);
    check_member(c, obj, m, e, et, 1);
    fhir_path_pop(&c->path);
}

/* Type-specific rules after the members of obj were walked. */
static void after_object(chk *c, const fj_node *obj, const fhir_type *t)
{
    if (t == c->t_reference)
        chk_reference(c, obj);
    else if (t == c->t_extension)
        chk_extension(c, obj);
}

void chk_object(chk *c, const fj_node *obj, const fhir_type *t, int is_resource)
{
    if (obj->len == 0) {
        structure(c, "Tomt objekt er ikke tillatt");
        return;
    }
    const char *outer_full_url = NULL;
    if (t == c->t_bundle_entry && c->bundle) {
        /* References inside this entry resolve from its fullUrl. */
        outer_full_url = c->bundle->full_url;
        c->bundle->full_url = fj_get_str(obj, "fullUrl");
    }
    seen s = {0, 0};
    for (const fj_node *m = obj->child; m; m = m->next) {
        if (m->key[0] == '_') {
            check_companion(c, obj, m, t, &s);
            continue;
        }
        if (is_resource && strcmp(m->key, "resourceType") == 0)
            continue;
        if (is_resource && c->res->container && strcmp(m->key, "contained") == 0) {
            chk_error_at(c, "contained", "invariant", VKP_OO_INVALID_FORMAT,
                         "En inneholdt ressurs kan ikke selv ha inneholdte ressurser (dom-2)");
            continue;
        }
        const fhir_elem *e = elem_of(t, m->key, m->key_len);
        if (!e) {
            unknown_member(c, m, t);
            continue;
        }
        fhir_path_push(&c->path, m->key);
        if (note_present(&s, e))
            check_member(c, obj, m, e, fhir_model_type_at(e->type), 0);
        else
            structure(c, "Bare ett av alternativene i et valg-element ([x]) kan brukes");
        fhir_path_pop(&c->path);
    }
    unsigned nreq = 0;
    fhir_model_required(t, &nreq);
    if (s.required < nreq)
        report_missing(c, obj, t);
    after_object(c, obj, t);
    if (t == c->t_bundle_entry && c->bundle)
        c->bundle->full_url = outer_full_url;
}

/* The types the walk compares against, looked up once. */
static pthread_once_t types_once = PTHREAD_ONCE_INIT;
static const fhir_type *t_extension, *t_reference, *t_element, *t_bundle_entry, *t_resource;

static void find_types(void)
{
    t_extension = fhir_model_type("Extension");
    t_reference = fhir_model_type("Reference");
    t_element = fhir_model_type("Element");
    t_bundle_entry = fhir_model_type("Bundle.entry");
    t_resource = fhir_model_type("Resource");
}

int fhir_check_resource(const fj_node *resource, fhir_outcome *oc)
{
    pthread_once(&types_once, find_types);
    chk c = {.oc = oc, .rc = KN_OK};
    c.t_extension = t_extension;
    c.t_reference = t_reference;
    c.t_element = t_element;
    c.t_bundle_entry = t_bundle_entry;
    const char *rt = resource ? fj_get_str(resource, "resourceType") : NULL;
    fhir_path_init(&c.path, rt && fhir_model_is_resource(rt) ? rt : "Resource");
    if (!resource) {
        chk_error(&c, "structure", VKP_OO_INVALID_FORMAT, "Ingen ressurs");
        return c.rc;
    }
    chk_resource(&c, resource, t_resource, NULL, -1);
    return c.rc;
}
