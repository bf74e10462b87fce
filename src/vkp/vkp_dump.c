/* vkp_dump.c - vkp_rules_dump(): the compiled VKP rules as JSON, for
 * `knute validate --rules` and the drift test (tests/fhir/test_vkp_drift.py),
 * which compares them with its own reading of the package. Every element is
 * listed with the values Knute enforces; where a hand decision of
 * vkp_overrides.c changed one, "override" says what the package wrote and
 * which section of docs/vkp-conformance.md explains it.
 */
#include "../vkp/vkp.h"

#include <string.h>

#include "vkp_rules.h"

static const char *const source_names[] = {"", "differential", "snapshot", "hand"};
static const char *const strength_names[] = {"", "required", "extensible", "preferred", "example"};
static const char *const slicing_names[] = {"", "open", "closed", "openAtEnd"};
static const char *const kind_names[] = {"", "resource", "extension", "datatype"};

typedef struct out {
    kn_buf *b;
    int rc;
} out;

static void put(out *o, const char *s)
{
    if (o->rc == KN_OK)
        o->rc = kn_buf_puts(o->b, s);
}

static void str(out *o, const char *s)
{
    if (o->rc == KN_OK)
        o->rc = s ? fj_write_string(s, strlen(s), o->b) : kn_buf_puts(o->b, "null");
}

/* ,"key":"value" (first: no comma) */
static void kv(out *o, int first, const char *key, const char *value)
{
    put(o, first ? "\"" : ",\"");
    put(o, key);
    put(o, "\":");
    str(o, value);
}

static void kn(out *o, const char *key, int value)
{
    if (o->rc == KN_OK)
        o->rc = kn_buf_printf(o->b, ",\"%s\":%d", key, value);
}

/* A '|'-joined list as a JSON array of strings. */
static void list(out *o, const char *key, const char *joined)
{
    if (!joined)
        return;
    put(o, ",\"");
    put(o, key);
    put(o, "\":[");
    for (int first = 1; *joined; first = 0) {
        size_t len = strcspn(joined, "|");
        put(o, first ? "" : ",");
        if (o->rc == KN_OK)
            o->rc = fj_write_string(joined, len, o->b);
        joined += len + (joined[len] == '|');
    }
    put(o, "]");
}

static const vkp_patch *patch_for(const char *profile, const char *id)
{
    for (size_t i = 0; i < vkp_hand_patch_count; i++)
        if (vkp_canonical_eq(vkp_hand_patches[i].profile, profile) &&
            strcmp(vkp_hand_patches[i].elem_id, id) == 0)
            return &vkp_hand_patches[i];
    return NULL;
}

static void max_value(out *o, int max)
{
    if (max == VKP_MAX_MANY) {
        kv(o, 0, "max", "*");
    } else if (o->rc == KN_OK) {
        o->rc = kn_buf_printf(o->b, ",\"max\":\"%d\"", max);
    }
}

static void binding(out *o, const vkp_elem *e, const vkp_patch *pa)
{
    const char *vs = pa && pa->field == VKP_PATCH_VALUESET ? pa->value : e->valueset;
    put(o, ",\"binding\":{");
    kv(o, 1, "strength", strength_names[e->strength]);
    kv(o, 0, "valueSet", vs);
    put(o, vkp_valueset_find(vs) ? ",\"resolved\":true}" : ",\"resolved\":false}");
}

static void slicing(out *o, const vkp_elem *e)
{
    put(o, ",\"slicing\":{");
    kv(o, 1, "rules", slicing_names[e->slicing]);
    put(o, ",\"discriminator\":[");
    const char *d = e->discriminators ? e->discriminators : "";
    for (int first = 1; *d; first = 0) {
        size_t len = strcspn(d, ";"), tl = strcspn(d, ":");
        put(o, first ? "{\"type\":" : ",{\"type\":");
        if (o->rc == KN_OK)
            o->rc = fj_write_string(d, tl < len ? tl : len, o->b);
        put(o, ",\"path\":");
        if (o->rc == KN_OK)
            o->rc = tl < len ? fj_write_string(d + tl + 1, len - tl - 1, o->b)
                             : kn_buf_puts(o->b, "null");
        put(o, "}");
        d += len + (d[len] == ';');
    }
    put(o, "]}");
}

static void override(out *o, const vkp_patch *pa, const vkp_elem *e)
{
    static const char *const fields[] = {"", "valueSet", "fixed", "slicing"};
    put(o, ",\"override\":{");
    kv(o, 1, "field", fields[pa->field]);
    kv(o, 0, "doc", pa->doc);
    put(o, ",\"packageValue\":");
    if (pa->field == VKP_PATCH_FIXED && e->fixed)
        put(o, e->fixed);
    else
        str(o, pa->field == VKP_PATCH_VALUESET ? e->valueset : NULL);
    put(o, "}");
}

static void element(out *o, const char *profile, const vkp_elem *e)
{
    const vkp_patch *pa = patch_for(profile, e->id);
    put(o, "{");
    kv(o, 1, "path", e->id);
    kv(o, 0, "source", source_names[e->source]);
    if (e->min >= 0)
        kn(o, "min", e->min);
    if (e->max >= 0)
        max_value(o, e->max);
    const char *fixed = pa && pa->field == VKP_PATCH_FIXED ? pa->value : e->fixed;
    if (fixed) {
        put(o, ",\"fixed\":");
        put(o, fixed);
        kv(o, 0, "fixedType", e->fixed_kind);
    }
    if (e->pattern) {
        put(o, ",\"pattern\":");
        put(o, e->pattern);
        kv(o, 0, "patternType", e->pattern_kind);
    }
    if (e->strength)
        binding(o, e, pa);
    list(o, "types", e->types);
    list(o, "profiles", e->profiles);
    if (e->slicing)
        slicing(o, e);
    if (pa)
        override(o, pa, e);
    const vkp_repath *r = vkp_repath_for(profile, e->id);
    if (r) {
        put(o, ",\"effectivePath\":\"");
        put(o, r->to);
        put(o, e->id + strlen(r->from));
        put(o, "\",\"override\":{\"field\":\"path\"");
        kv(o, 0, "doc", r->doc);
        put(o, "}");
    }
    put(o, "}");
}

static void profile(out *o, const vkp_profile *p, int first)
{
    const vkp_profile_def *d = p->def;
    put(o, first ? "{" : ",{");
    kv(o, 1, "url", d->url);
    kv(o, 0, "name", d->name);
    kv(o, 0, "type", d->type);
    kv(o, 0, "kind", kind_names[d->kind]);
    kv(o, 0, "base", d->base);
    kv(o, 0, "file", d->file);
    put(o, ",\"elements\":[");
    size_t k = 0;
    for (size_t i = 0; i < d->n_elems; i++, k++) {
        put(o, k ? "," : "");
        element(o, d->url, &d->elems[i]);
    }
    for (size_t i = 0; p->addition && i < p->addition->n; i++, k++) {
        put(o, k ? "," : "");
        element(o, d->url, &p->addition->elems[i]);
    }
    put(o, "]");
    if (p->addition)
        kv(o, 0, "handDoc", p->addition->doc);
    put(o, "}");
}

static void codesystems(out *o)
{
    put(o, ",\"codeSystems\":[");
    for (size_t i = 0; i < vkp_gen_codesystem_count; i++) {
        const vkp_codesystem_def *cs = &vkp_gen_codesystems[i];
        put(o, i ? ",{" : "{");
        kv(o, 1, "url", cs->url);
        kv(o, 0, "file", cs->file);
        put(o, ",\"concepts\":[");
        for (size_t j = 0; j < cs->n; j++) {
            put(o, j ? ",{" : "{");
            kv(o, 1, "code", cs->concepts[j].code);
            kv(o, 0, "display", cs->concepts[j].display);
            put(o, "}");
        }
        put(o, "]}");
    }
    put(o, "]");
}

static void valueset(out *o, const vkp_valueset_def *vs, int first)
{
    put(o, first ? "{" : ",{");
    kv(o, 1, "url", vs->url);
    kv(o, 0, "file", vs->file);
    put(o, ",\"codes\":[");
    for (size_t j = 0; j < vs->n; j++) {
        put(o, j ? ",{" : "{");
        kv(o, 1, "system", vs->entries[j].system);
        kv(o, 0, "code", vs->entries[j].code);
        put(o, "}");
    }
    put(o, "]}");
}

static void events(out *o)
{
    size_t n;
    const vkp_focus_def *f = vkp_focus_rules(&n);
    put(o, ",\"events\":[");
    for (size_t i = 0; i < n; i++) {
        put(o, i ? ",{" : "{");
        kv(o, 1, "system", f[i].system);
        kv(o, 0, "event", f[i].event);
        kv(o, 0, "type", f[i].type);
        kv(o, 0, "profile", f[i].profile);
        kn(o, "min", f[i].min);
        max_value(o, f[i].max);
        kv(o, 0, "file", f[i].file);
        put(o, "}");
    }
    put(o, "]");
}

int vkp_rules_dump(kn_buf *buf)
{
    int rc = vkp_rules_ready();
    if (rc != KN_OK)
        return rc;
    out o = {buf, KN_OK};
    size_t n;
    const vkp_profile *ps = vkp_profiles(&n);
    put(&o, "{\"package\":\"VKP-R4 0.9.0\",\"profiles\":[");
    for (size_t i = 0; i < n; i++)
        profile(&o, &ps[i], i == 0);
    put(&o, "]");
    codesystems(&o);
    put(&o, ",\"valueSets\":[");
    for (size_t i = 0; i < vkp_gen_valueset_count; i++)
        valueset(&o, &vkp_gen_valuesets[i], i == 0);
    for (size_t i = 0; i < vkp_hand_valueset_count; i++)
        valueset(&o, &vkp_hand_valuesets[i], vkp_gen_valueset_count + i == 0);
    put(&o, "]");
    events(&o);
    put(&o, "}");
    return o.rc;
}
