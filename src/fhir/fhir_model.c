/* fhir_model.c - lookups in the generated FHIR R4 type model
 * (fhir_model_r4.c, written by tools/gen_fhir_model.mjs): binary searches in
 * the type table and in each type's sorted element run. No state, no
 * allocation; thread-safe.
 */
#include "fhir_model_int.h"

#include <stddef.h>
#include <string.h>

/* strcmp, with the first byte compared inline: most probes of a binary
 * search differ there, which saves the call. */
static inline int name_cmp(const char *a, const char *b)
{
    if (a[0] != b[0])
        return (unsigned char)a[0] - (unsigned char)b[0];
    return a[0] ? strcmp(a + 1, b + 1) : 0;
}

/* Binary search for `name` in n records of `stride` bytes from base, each
 * starting with its name (fhir_type and fhir_elem both do). */
static const void *find_named(const void *base, size_t n, size_t stride, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *rec = (const char *)base + mid * stride;
        int c = name_cmp(name, *(const char *const *)rec);
        if (c == 0)
            return rec;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

_Static_assert(offsetof(fhir_type, name) == 0 && offsetof(fhir_elem, name) == 0,
               "find_named needs the name first");

const fhir_type *fhir_model_type(const char *name)
{
    if (!name)
        return NULL;
    return find_named(fhir_model_r4_types, fhir_model_r4_type_count, sizeof(fhir_type), name);
}

const fhir_type *fhir_model_type_at(uint16_t index)
{
    return index < fhir_model_r4_type_count ? &fhir_model_r4_types[index] : NULL;
}

const fhir_elem *fhir_model_elem(const fhir_type *t, const char *json_name)
{
    if (!t || !json_name || !t->elems)
        return NULL;
    return find_named(t->elems, t->n_elems, sizeof(fhir_elem), json_name);
}

int fhir_model_is_resource(const char *name)
{
    const fhir_type *t = fhir_model_type(name);
    return t && t->kind == FHIR_KIND_RESOURCE && !t->is_abstract;
}

const uint16_t *fhir_model_required(const fhir_type *t, unsigned *count)
{
    size_t i = (size_t)(t - fhir_model_r4_types);
    unsigned first = fhir_model_r4_req_at[i];
    *count = (unsigned)fhir_model_r4_req_at[i + 1] - first;
    return fhir_model_r4_req + first;
}

unsigned fhir_model_type_count(void)
{
    return fhir_model_r4_type_count;
}

const char *fhir_model_version(void)
{
    return "4.0.1";
}
