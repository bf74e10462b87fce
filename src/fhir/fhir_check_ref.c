/* fhir_check_ref.c - references inside a Bundle: splitting a reference or
 * fullUrl into [root/]Type/id[/_history/version] (the RESTful URL form of R4
 * bundle.html#references) and fhir_bundle_resolve().
 *
 * Resolution, following R4 with the one extension fhir_check.h promises:
 *   - an absolute reference (urn:uuid:, urn:oid:, http(s)://...) matches an
 *     entry whose fullUrl is the same string;
 *   - a relative "Type/id" is made absolute with the root of the referring
 *     entry's fullUrl when that is a RESTful http(s) URL and matched as above;
 *     failing that (or when the entry's fullUrl is a urn:uuid or absent), it
 *     matches an entry whose resource has that resourceType and id;
 *   - a version-specific reference (".../_history/2") matches without the
 *     version and then requires the resource's meta.versionId to equal it.
 * The first match wins. Conditional references ("Patient?identifier=...")
 * resolve to nothing.
 */
#include "fhir_check_int.h"

#include <string.h>

#define HISTORY "/_history/"
#define ID_MAX 64

static int valid_id(const char *s, size_t n)
{
    if (n == 0 || n > ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

static int is_resource_name(const char *s, size_t n)
{
    char name[ID_MAX];
    if (n == 0 || n >= sizeof name)
        return 0;
    memcpy(name, s, n);
    name[n] = '\0';
    return fhir_model_is_resource(name);
}

/* A URI scheme ("urn:", "http:") before any '/'. */
static int has_scheme(const char *s)
{
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    for (const char *p = s + 1; *p; p++) {
        if (*p == ':')
            return 1;
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '+' || *p == '-' || *p == '.'))
            return 0;
    }
    return 0;
}

static int http_root(const char *s, size_t n)
{
    return (n > 7 && strncmp(s, "http://", 7) == 0) || (n > 8 && strncmp(s, "https://", 8) == 0);
}

/* The last "/_history/" in s[0..n), or NULL. */
static const char *last_history(const char *s, size_t n)
{
    const char *found = NULL;
    for (const char *p = s; (p = memmem(p, n - (size_t)(p - s), HISTORY, sizeof HISTORY - 1));
         p++)
        found = p;
    return found;
}

void chk_url_split(const char *s, chk_url *u)
{
    memset(u, 0, sizeof *u);
    u->absolute = has_scheme(s);
    size_t n = strlen(s);
    const char *end = s + n;
    const char *h = last_history(s, n);
    if (h) {
        u->version = h + sizeof HISTORY - 1;
        u->version_len = (size_t)(end - u->version);
        end = h;
    }
    const char *slash = memrchr(s, '/', (size_t)(end - s));
    if (!slash)
        return;
    u->id = slash + 1;
    u->id_len = (size_t)(end - u->id);
    const char *slash2 = slash > s ? memrchr(s, '/', (size_t)(slash - s)) : NULL;
    u->type = slash2 ? slash2 + 1 : s;
    u->type_len = (size_t)(slash - u->type);
    u->root = s;
    u->root_len = (size_t)(u->type - s);
    u->restful = valid_id(u->id, u->id_len) && (!h || valid_id(u->version, u->version_len)) &&
                 is_resource_name(u->type, u->type_len) &&
                 (u->root_len ? http_root(s, u->root_len) : !u->absolute);
}

static int same(const char *a, size_t a_len, const char *b)
{
    return b && strlen(b) == a_len && memcmp(a, b, a_len) == 0;
}

int chk_url_names(const chk_url *u, const fj_node *resource)
{
    return same(u->type, u->type_len, fj_get_str(resource, "resourceType")) &&
           same(u->id, u->id_len, fj_get_str(resource, "id"));
}

const fj_node *chk_entry_resource(const fj_node *entry, const chk_url *r)
{
    const fj_node *res = fj_get(entry, "resource");
    if (!res || res->kind != FJ_OBJECT)
        return NULL;
    if (r->restful && r->version) {
        const fj_node *meta = fj_get(res, "meta");
        if (!same(r->version, r->version_len, fj_get_str(meta, "versionId")))
            return NULL;
    }
    return res;
}

/* The first entry whose fullUrl is root (root_len bytes) followed by text
 * (n bytes), by scanning. */
static const fj_node *scan_full_url(const fj_node *entries, const char *root, size_t root_len,
                                    const char *text, size_t n, const chk_url *r, int *index)
{
    int i = 0;
    for (const fj_node *e = entries->child; e; e = e->next, i++) {
        const char *fu = fj_get_str(e, "fullUrl");
        if (!fu || strncmp(fu, root, root_len) != 0 || !same(text, n, fu + root_len))
            continue;
        const fj_node *res = chk_entry_resource(e, r);
        if (res) {
            *index = i;
            return res;
        }
    }
    return NULL;
}

static const fj_node *scan_type_and_id(const fj_node *entries, const chk_url *r, int *index)
{
    int i = 0;
    for (const fj_node *e = entries->child; e; e = e->next, i++) {
        const fj_node *res = chk_entry_resource(e, r);
        if (res && chk_url_names(r, res)) {
            *index = i;
            return res;
        }
    }
    return NULL;
}

static const fj_node *find_full_url(const fj_node *entries, const chk_index *ix, const char *root,
                                    size_t root_len, const char *text, size_t n, const chk_url *r,
                                    int *index)
{
    return ix ? chk_index_full_url(ix, root, root_len, text, n, r, index)
              : scan_full_url(entries, root, root_len, text, n, r, index);
}

const fj_node *chk_resolve(const fj_node *bundle, const chk_index *ix, const char *from_full_url,
                           const char *reference, int *entry_index)
{
    const fj_node *entries = fj_get(bundle, "entry");
    if (!entries || entries->kind != FJ_ARRAY || !reference || !reference[0])
        return NULL;
    int index = -1;
    const fj_node *res = NULL;
    chk_url r;
    chk_url_split(reference, &r);
    /* Without the version: up to the end of the id. */
    size_t n = r.restful && r.version ? (size_t)(r.id + r.id_len - reference) : strlen(reference);
    if (r.absolute) {
        res = find_full_url(entries, ix, "", 0, reference, n, &r, &index);
    } else if (r.restful) {
        chk_url from;
        if (from_full_url) {
            chk_url_split(from_full_url, &from);
            if (from.restful && from.root_len)
                res = find_full_url(entries, ix, from.root, from.root_len, reference, n, &r, &index);
        }
        if (!res)
            res = ix ? chk_index_type_and_id(ix, &r, &index) : scan_type_and_id(entries, &r, &index);
    }
    if (res && entry_index)
        *entry_index = index;
    return res;
}

const fj_node *fhir_bundle_resolve(const fj_node *bundle, const char *from_full_url,
                                   const char *reference, int *entry_index)
{
    return chk_resolve(bundle, NULL, from_full_url, reference, entry_index);
}
