/* vkp_compile.c - builds the compiled VKP rules once per process (see
 * vkp_rules.h, layer 3): one tree of vkp_node per profile from the generated
 * element list plus the hand additions, with the hand patches applied, fixed
 * and pattern values parsed, value sets and data-type profiles resolved, the
 * base R4 minimum of each element looked up in fhir_model (so a minimum the
 * base already has is not reported twice) and every slice's discriminator
 * values worked out. Everything built here lives until the process ends.
 */
#include "vkp_rules.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../fhir/fhir_model.h"
#include "vkp_compile_int.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int g_status = KN_EINTERNAL;
static vkp_profile *g_profiles;
static size_t g_nprofiles;
static vkp_focus_def *g_focus;
static size_t g_nfocus;

/* ---- the fixed values: parsed once, kept for the life of the process ---- */

static fj_doc **g_docs;
static size_t g_ndocs, g_docs_cap;

int vkp_compile_json(const char *text, const fj_node **out)
{
    if (g_ndocs == g_docs_cap) {
        size_t cap = g_docs_cap ? g_docs_cap * 2 : 64;
        fj_doc **d = realloc(g_docs, cap * sizeof *d);
        if (!d)
            return KN_ENOMEM;
        g_docs = d;
        g_docs_cap = cap;
    }
    fj_doc *doc;
    int rc = fj_parse(text, strlen(text), &doc, NULL);
    if (rc != KN_OK)
        return rc == KN_ENOMEM ? KN_ENOMEM : KN_EINTERNAL;
    g_docs[g_ndocs++] = doc;
    *out = fj_root(doc);
    return KN_OK;
}

char *vkp_compile_strdup(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

/* ---- lookups ---- */

const vkp_valueset_def *vkp_valueset_find(const char *url)
{
    if (!url)
        return NULL;
    size_t n = strcspn(url, "|");
    for (size_t i = 0; i < vkp_gen_valueset_count; i++)
        if (strncmp(vkp_gen_valuesets[i].url, url, n) == 0 && vkp_gen_valuesets[i].url[n] == '\0')
            return &vkp_gen_valuesets[i];
    for (size_t i = 0; i < vkp_hand_valueset_count; i++)
        if (strncmp(vkp_hand_valuesets[i].url, url, n) == 0 && vkp_hand_valuesets[i].url[n] == '\0')
            return &vkp_hand_valuesets[i];
    return NULL;
}

/* ---- profiles by canonical: a sorted index keyed by the name part of a
 * VKP canonical (so both hosts find it) or the whole URL, plus the other
 * spelling of the names vkp_overrides.c lists ---- */

typedef struct url_key {
    const char *key;
    const vkp_profile *profile;
} url_key;

static url_key *g_index;
static size_t g_nindex;

static const char *key_of(const char *url)
{
    const char *name = vkp_canonical_name(url);
    return name ? name : url;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const url_key *)a)->key, ((const url_key *)b)->key);
}

static int build_index(void)
{
    g_index = calloc(2 * g_nprofiles, sizeof *g_index);
    if (!g_index)
        return KN_ENOMEM;
    for (size_t i = 0; i < g_nprofiles; i++) {
        const char *key = key_of(g_profiles[i].def->url);
        g_index[g_nindex++] = (url_key){key, &g_profiles[i]};
        const char *alt =
            vkp_canonical_name(g_profiles[i].def->url) ? vkp_canonical_alt(key) : NULL;
        if (alt)
            g_index[g_nindex++] = (url_key){alt, &g_profiles[i]};
    }
    qsort(g_index, g_nindex, sizeof *g_index, cmp_key);
    return KN_OK;
}

const vkp_profile *vkp_compile_profile_raw(const char *url)
{
    if (!url || !g_index)
        return NULL;
    url_key want = {key_of(url), NULL};
    const url_key *k = bsearch(&want, g_index, g_nindex, sizeof *g_index, cmp_key);
    return k ? k->profile : NULL;
}

const vkp_profile *vkp_profile_find(const char *url)
{
    return vkp_rules_ready() == KN_OK ? vkp_compile_profile_raw(url) : NULL;
}

const vkp_profile *vkp_profiles(size_t *count)
{
    *count = vkp_rules_ready() == KN_OK ? g_nprofiles : 0;
    return g_profiles;
}

const vkp_focus_def *vkp_focus_rules(size_t *count)
{
    *count = vkp_rules_ready() == KN_OK ? g_nfocus : 0;
    return g_focus;
}

/* ---- message event focus: the package's list with the hand patches ---- */

static int build_focus(void)
{
    size_t cap = vkp_gen_focus_count + vkp_hand_focus_count;
    g_focus = calloc(cap ? cap : 1, sizeof *g_focus);
    if (!g_focus)
        return KN_ENOMEM;
    for (size_t i = 0; i < vkp_gen_focus_count; i++)
        g_focus[g_nfocus++] = vkp_gen_focus[i];
    for (size_t i = 0; i < vkp_hand_focus_count; i++) {
        const vkp_focus_patch *h = &vkp_hand_focus[i];
        size_t at = g_nfocus;
        for (size_t j = 0; h->replaces && j < g_nfocus; j++)
            if (strcmp(g_focus[j].event, h->focus.event) == 0 &&
                strcmp(g_focus[j].type, h->replaces) == 0)
                at = j;
        if (h->replaces && at == g_nfocus)
            return KN_EINTERNAL; /* the package changed under a hand decision */
        g_focus[at] = h->focus;
        if (at == g_nfocus)
            g_nfocus++;
    }
    return KN_OK;
}

/* ---- profiles ---- */

static const vkp_addition *addition_for(const char *url)
{
    for (size_t i = 0; i < vkp_hand_addition_count; i++)
        if (vkp_canonical_eq(vkp_hand_additions[i].profile, url))
            return &vkp_hand_additions[i];
    return NULL;
}

/* Value set members must be sorted by (system, code), NULL code first, for
 * the binary search of vkp_binding.c. */
static int sorted(const vkp_valueset_def *vs)
{
    for (size_t i = 1; i < vs->n; i++) {
        const vkp_vs_entry *a = &vs->entries[i - 1], *b = &vs->entries[i];
        int c = strcmp(a->system, b->system);
        if (c > 0 || (c == 0 && (!b->code || (a->code && strcmp(a->code, b->code) >= 0))))
            return 0;
    }
    return 1;
}

static int check_valuesets(void)
{
    for (size_t i = 0; i < vkp_gen_valueset_count; i++)
        if (!sorted(&vkp_gen_valuesets[i]))
            return KN_EINTERNAL;
    for (size_t i = 0; i < vkp_hand_valueset_count; i++)
        if (!sorted(&vkp_hand_valuesets[i]))
            return KN_EINTERNAL;
    return KN_OK;
}

static int build_all(void)
{
    if (check_valuesets() != KN_OK)
        return KN_EINTERNAL;
    size_t n = vkp_gen_profile_count + vkp_hand_profile_count;
    g_profiles = calloc(n, sizeof *g_profiles);
    if (!g_profiles)
        return KN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        vkp_profile *p = &g_profiles[i];
        p->def = i < vkp_gen_profile_count ? &vkp_gen_profiles[i]
                                           : &vkp_hand_profiles[i - vkp_gen_profile_count];
        p->addition = addition_for(p->def->url);
    }
    g_nprofiles = n;
    int rc = build_index();
    if (rc != KN_OK)
        return rc;
    /* trees first, then what refers across profiles (data-type profiles, extension urls) */
    for (size_t i = 0; rc == KN_OK && i < n; i++)
        rc = vkp_compile_tree(&g_profiles[i]);
    for (size_t i = 0; rc == KN_OK && i < n; i++)
        rc = vkp_compile_links(&g_profiles[i]);
    if (rc != KN_OK)
        return rc;
    return build_focus();
}

static void build_once(void)
{
    g_status = build_all();
}

int vkp_rules_ready(void)
{
    pthread_once(&once, build_once);
    return g_status;
}
