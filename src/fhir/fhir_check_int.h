/* fhir_check_int.h - private to the fhir_check*.c files: the state of one
 * validation walk and the functions the files share.
 *
 *   fhir_check.c         entry point, the generic walk against fhir_model
 *   fhir_check_res.c     resources: resourceType, contained (dom-2..5),
 *                        Extension (ext-1), Reference (local and Bundle refs)
 *   fhir_check_bundle.c  Bundle rules per type (bdl-*, fullUrl)
 *   fhir_check_ref.c     URL helpers and fhir_bundle_resolve()
 *   fhir_check_index.c   sorted index of a large Bundle's entries
 *
 * Issue codes (FHIR IssueType / VKP operation-outcome), one issue per problem:
 *   unknown element, wrong JSON kind, array/non-array, empty array or object,
 *   misplaced null, two members of one choice, resourceType unknown
 *                                                   structure     2.4
 *   primitive value (fhir_prim, incl. empty strings) value         2.4
 *   base minimum, element required in this context  required      2.3
 *   Bundle.type not a BundleType code               code-invalid  2.4
 *   present where forbidden, or inconsistent (ext-1, dom-2..5, bdl-*,
 *   fullUrl vs id, Reference.type vs target)        invariant     2.4
 *   reference that does not resolve where it must   not-found     2.4
 */
#ifndef KN_FHIR_CHECK_INT_H
#define KN_FHIR_CHECK_INT_H

#include "fhir_check.h"
#include "fhir_model.h"

#include <stddef.h>
#include <stdint.h>

/* Up to this many contained resources are looked up by scanning and tracked
 * for dom-3 in a bit set; more get a sorted index (fhir_check_index.c). */
#define CHK_MAX_CONTAINED 64

typedef struct chk_ids chk_ids;

typedef enum chk_bundle_type {
    BDL_UNKNOWN = 0,
    BDL_DOCUMENT,
    BDL_MESSAGE,
    BDL_TRANSACTION,
    BDL_TRANSACTION_RESPONSE,
    BDL_BATCH,
    BDL_BATCH_RESPONSE,
    BDL_HISTORY,
    BDL_SEARCHSET,
    BDL_COLLECTION
} chk_bundle_type;

/* Bundles with more entries than this get an index (fhir_check_index.c), so
 * reference resolution and the fullUrl uniqueness rule stay O(log n) per
 * lookup; smaller ones are scanned, with no allocation. */
#define CHK_INDEX_MIN_ENTRIES 32

typedef struct chk_index chk_index;

/* The Bundle whose entries are being walked. */
typedef struct chk_bundle {
    const fj_node *node;
    const chk_index *index;         /* NULL: scan the entries */
    chk_bundle_type type;
    const char *full_url;           /* fullUrl of the entry being walked, or NULL */
    struct chk_bundle *outer;       /* a Bundle inside a Bundle's entry */
} chk_bundle;

/* A resource being walked. */
typedef struct chk_res {
    const fj_node *node;
    const fj_node *contained;       /* its contained array, or NULL */
    struct chk_res *container;      /* for a contained resource: the resource holding it */
    int contained_index;            /* for a contained resource: its index there */
    uint64_t referenced;            /* bit i: contained[i] is referenced */
    chk_ids *ids;                   /* index of a large contained array, else NULL */
} chk_res;

typedef struct chk {
    fhir_outcome *oc;
    fhir_path path;
    int rc;                         /* KN_ENOMEM once an issue could not be stored */
    const fhir_type *t_extension, *t_reference, *t_element, *t_bundle_entry;
    chk_bundle *bundle;             /* innermost Bundle, NULL outside any */
    chk_res *res;                   /* innermost resource */
} chk;

/* Report an error at the current path. */
void chk_error(chk *c, const char *code, const char *vkp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Report an error at the current path plus one member name (an element
 * that is missing or the member a rule is about). */
void chk_error_at(chk *c, const char *member, const char *code, const char *vkp,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Walk the members of obj (a JSON object) as an instance of type t. With
 * is_resource, "resourceType" is accepted as a member. */
void chk_object(chk *c, const fj_node *obj, const fhir_type *t, int is_resource);

/* A value where the model says Resource (or a concrete resource type):
 * resourceType, then the resource's members, contained and Bundle rules. */
void chk_resource(chk *c, const fj_node *node, const fhir_type *expected, chk_res *container,
                  int contained_index);

/* Type-specific rules run after the generic walk of an object. */
void chk_extension(chk *c, const fj_node *obj);
void chk_reference(chk *c, const fj_node *obj);
/* A uri/canonical value "#id" counts as a reference to a contained resource. */
void chk_local_uri(chk *c, const char *value);

/* Bundle: before the walk (context) and after it (entry rules). */
chk_bundle_type chk_bundle_type_of(const char *code);
void chk_bundle_rules(chk *c, const fj_node *bundle, chk_bundle_type type);

/* ---- URL helpers (fhir_check_ref.c) ---- */

/* A reference or fullUrl split as [root/]Type/id[/_history/version]: the
 * pieces point into the string; lengths are 0 when absent. `restful` is 1 when
 * Type is a resource type and id is a valid id (the R4 RESTful URL form). */
typedef struct chk_url {
    const char *root;               /* everything before Type ("http://x/fhir/"), incl. the slash */
    size_t root_len;
    const char *type, *id, *version;
    size_t type_len, id_len, version_len;
    int restful;
    int absolute;                   /* has a scheme ("http:", "urn:") */
} chk_url;

void chk_url_split(const char *s, chk_url *u);

/* Whether the resource's resourceType and id are those of u. */
int chk_url_names(const chk_url *u, const fj_node *resource);

/* The resource of a Bundle entry when it has the version reference r asks
 * for (any, when r has none); NULL otherwise. */
const fj_node *chk_entry_resource(const fj_node *entry, const chk_url *r);

/* fhir_bundle_resolve() through an index of the Bundle when ix is not NULL;
 * the same answer either way. */
const fj_node *chk_resolve(const fj_node *bundle, const chk_index *ix, const char *from_full_url,
                           const char *reference, int *entry_index);

/* ---- the index of a large Bundle (fhir_check_index.c) ---- */

/* Build the index of bundle's entries into *out; *out stays NULL for a Bundle
 * of at most CHK_INDEX_MIN_ENTRIES entries. KN_OK or KN_ENOMEM. */
int chk_index_build(const fj_node *bundle, chk_index **out);
void chk_index_free(chk_index *ix);

/* The first entry (lowest index) whose fullUrl is root + text (n bytes) and
 * whose resource has the version r asks for. */
const fj_node *chk_index_full_url(const chk_index *ix, const char *root, size_t root_len,
                                  const char *text, size_t n, const chk_url *r, int *index);

/* The first entry whose resource has r's type, id (and version). */
const fj_node *chk_index_type_and_id(const chk_index *ix, const chk_url *r, int *index);

/* bdl-7: the first entry before entry i (with fullUrl fu and versionId ver,
 * may be NULL) with the same fullUrl and not a different versionId; -1 if
 * none. Scans when ix is NULL. */
int chk_first_duplicate(const fj_node *entries, const chk_index *ix, const char *fu,
                        const char *ver, int i);

/* The ids of a contained array of more than CHK_MAX_CONTAINED resources, with
 * a "referenced" flag each; *out stays NULL for a smaller one. KN_OK or
 * KN_ENOMEM. */
int chk_ids_build(const fj_node *contained, chk_ids **out);
/* The first contained resource with this id (its index in *index), or NULL. */
const fj_node *chk_ids_find(const chk_ids *ix, const char *id, int *index);
void chk_ids_mark(chk_ids *ix, int index);
int chk_ids_used(const chk_ids *ix, int index);
void chk_ids_free(chk_ids *ix);

#endif
