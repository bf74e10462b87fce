/* fhir_check_index.c - a sorted index of a large Bundle's entries, so that
 * resolving each reference and checking each fullUrl for duplicates (bdl-7)
 * is a binary search instead of a scan of every entry: without it a hostile
 * 1 MB Bundle of ten thousand entries that refer to each other costs 10^8
 * comparisons. Bundles of at most CHK_INDEX_MIN_ENTRIES entries (every hub
 * message) are scanned instead and allocate nothing.
 *
 * Two arrays of the entries, one sorted by fullUrl, one by resourceType and
 * id, each tied by entry index, so a run of equal keys is in entry order and
 * the first match is the same one the scan in fhir_check_ref.c finds.
 */
#include "fhir_check_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct ix_entry {
    const char *key;                /* fullUrl, or resourceType */
    size_t key_len;
    const char *id;                 /* by_name: the resource id */
    size_t id_len;
    const fj_node *entry;
    int index;
} ix_entry;

struct chk_index {
    ix_entry *by_url, *by_name;
    size_t n_url, n_name;
};

/* Byte order (memcmp), shorter first on a common prefix. */
static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

/* cmp_bytes of a1 followed by a2 against b. */
static int cmp_concat(const char *a1, size_t n1, const char *a2, size_t n2, const char *b, size_t nb)
{
    int c = memcmp(a1, b, n1 < nb ? n1 : nb);
    if (c || n1 > nb)
        return c ? c : 1;
    return cmp_bytes(a2, n2, b + n1, nb - n1);
}

static int by_url_order(const void *pa, const void *pb)
{
    const ix_entry *a = pa, *b = pb;
    int c = cmp_bytes(a->key, a->key_len, b->key, b->key_len);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

static int by_name_order(const void *pa, const void *pb)
{
    const ix_entry *a = pa, *b = pb;
    int c = cmp_bytes(a->key, a->key_len, b->key, b->key_len);
    if (!c)
        c = cmp_bytes(a->id, a->id_len, b->id, b->id_len);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

int chk_index_build(const fj_node *bundle, chk_index **out)
{
    *out = NULL;
    const fj_node *entries = fj_get(bundle, "entry");
    if (!entries || entries->kind != FJ_ARRAY || entries->len <= CHK_INDEX_MIN_ENTRIES)
        return KN_OK;
    chk_index *ix = malloc(sizeof *ix + 2 * (size_t)entries->len * sizeof(ix_entry));
    if (!ix)
        return KN_ENOMEM;
    ix->by_url = (ix_entry *)(ix + 1);
    ix->by_name = ix->by_url + entries->len;
    ix->n_url = ix->n_name = 0;
    int i = 0;
    for (const fj_node *e = entries->child; e; e = e->next, i++) {
        const char *fu = fj_get_str(e, "fullUrl");
        if (fu)
            ix->by_url[ix->n_url++] = (ix_entry){fu, strlen(fu), NULL, 0, e, i};
        const fj_node *res = fj_get(e, "resource");
        const char *rt = res && res->kind == FJ_OBJECT ? fj_get_str(res, "resourceType") : NULL;
        const char *id = rt ? fj_get_str(res, "id") : NULL;
        if (id)
            ix->by_name[ix->n_name++] = (ix_entry){rt, strlen(rt), id, strlen(id), e, i};
    }
    qsort(ix->by_url, ix->n_url, sizeof(ix_entry), by_url_order);
    qsort(ix->by_name, ix->n_name, sizeof(ix_entry), by_name_order);
    *out = ix;
    return KN_OK;
}

void chk_index_free(chk_index *ix)
{
    free(ix);
}

/* First position in by_url whose fullUrl is not below root + text. */
static size_t url_lower(const chk_index *ix, const char *root, size_t root_len, const char *text,
                        size_t n)
{
    size_t lo = 0, hi = ix->n_url;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const ix_entry *x = &ix->by_url[mid];
        if (cmp_concat(root, root_len, text, n, x->key, x->key_len) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const fj_node *chk_index_full_url(const chk_index *ix, const char *root, size_t root_len,
                                  const char *text, size_t n, const chk_url *r, int *index)
{
    for (size_t k = url_lower(ix, root, root_len, text, n); k < ix->n_url; k++) {
        const ix_entry *x = &ix->by_url[k];
        if (cmp_concat(root, root_len, text, n, x->key, x->key_len) != 0)
            break;
        const fj_node *res = chk_entry_resource(x->entry, r);
        if (res) {
            *index = x->index;
            return res;
        }
    }
    return NULL;
}

static int name_cmp(const chk_url *r, const ix_entry *x)
{
    int c = cmp_bytes(r->type, r->type_len, x->key, x->key_len);
    return c ? c : cmp_bytes(r->id, r->id_len, x->id, x->id_len);
}

const fj_node *chk_index_type_and_id(const chk_index *ix, const chk_url *r, int *index)
{
    size_t lo = 0, hi = ix->n_name;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (name_cmp(r, &ix->by_name[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo; k < ix->n_name && name_cmp(r, &ix->by_name[k]) == 0; k++) {
        const fj_node *res = chk_entry_resource(ix->by_name[k].entry, r);
        if (res) {
            *index = ix->by_name[k].index;
            return res;
        }
    }
    return NULL;
}

/* Whether an entry with versionId `over` may share the fullUrl of one with
 * `ver`: only when both have a versionId and they differ. */
static int versions_differ(const char *ver, const fj_node *other)
{
    const char *over = fj_get_str(fj_get(fj_get(other, "resource"), "meta"), "versionId");
    return ver && over && strcmp(ver, over) != 0;
}

int chk_first_duplicate(const fj_node *entries, const chk_index *ix, const char *fu,
                        const char *ver, int i)
{
    if (!ix) {
        int k = 0;
        for (const fj_node *e = entries->child; e && k < i; e = e->next, k++) {
            const char *other = fj_get_str(e, "fullUrl");
            if (other && strcmp(other, fu) == 0 && !versions_differ(ver, e))
                return k;
        }
        return -1;
    }
    size_t n = strlen(fu);
    for (size_t k = url_lower(ix, "", 0, fu, n); k < ix->n_url; k++) {
        const ix_entry *x = &ix->by_url[k];
        if (x->index >= i || cmp_bytes(fu, n, x->key, x->key_len) != 0)
            break;
        if (!versions_differ(ver, x->entry))
            return x->index;
    }
    return -1;
}

/* ---- ids of a large contained array ---- */

typedef struct id_entry {
    const char *id;
    size_t id_len;
    const fj_node *node;
    int index;
} id_entry;

struct chk_ids {
    size_t n;
    uint8_t *used;                  /* per contained index */
    id_entry by_id[];
};

static int by_id_order(const void *pa, const void *pb)
{
    const id_entry *a = pa, *b = pb;
    int c = cmp_bytes(a->id, a->id_len, b->id, b->id_len);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

int chk_ids_build(const fj_node *contained, chk_ids **out)
{
    *out = NULL;
    if (!contained || contained->kind != FJ_ARRAY || contained->len <= CHK_MAX_CONTAINED)
        return KN_OK;
    size_t n = contained->len;
    chk_ids *ix = malloc(sizeof *ix + n * sizeof(id_entry) + n);
    if (!ix)
        return KN_ENOMEM;
    ix->used = (uint8_t *)(ix->by_id + n);
    memset(ix->used, 0, n);
    ix->n = 0;
    int i = 0;
    for (const fj_node *x = contained->child; x; x = x->next, i++) {
        const char *id = x->kind == FJ_OBJECT ? fj_get_str(x, "id") : NULL;
        if (id)
            ix->by_id[ix->n++] = (id_entry){id, strlen(id), x, i};
    }
    qsort(ix->by_id, ix->n, sizeof(id_entry), by_id_order);
    *out = ix;
    return KN_OK;
}

const fj_node *chk_ids_find(const chk_ids *ix, const char *id, int *index)
{
    size_t n = strlen(id), lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_bytes(id, n, ix->by_id[mid].id, ix->by_id[mid].id_len) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ix->n || cmp_bytes(id, n, ix->by_id[lo].id, ix->by_id[lo].id_len) != 0)
        return NULL;
    *index = ix->by_id[lo].index;
    return ix->by_id[lo].node;
}

void chk_ids_mark(chk_ids *ix, int index)
{
    ix->used[index] = 1;
}

int chk_ids_used(const chk_ids *ix, int index)
{
    return ix->used[index];
}

void chk_ids_free(chk_ids *ix)
{
    free(ix);
}
