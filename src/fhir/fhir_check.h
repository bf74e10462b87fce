/* fhir_check.h - base FHIR R4 validation of a parsed JSON resource: what every
 * R4 instance must satisfy whatever its profile.
 *
 * Walks the tree against fhir_model: resourceType known and concrete; every
 * property known for its type (unknown elements are errors); arrays exactly
 * where the base max is "*" and never empty; no nulls except inside primitive
 * arrays paired with "_name" arrays; "_name" companions (id/extension on
 * primitives) in place; one member per choice group; base minimum
 * cardinalities; primitive lexical rules (fhir_prim); extension and
 * modifierExtension with a url and exactly one value[x] or nested extensions;
 * contained resources; Bundles of every type (message, document,
 * transaction, batch, collection, searchset, history) with entry rules per
 * type, and references (relative, absolute, urn:uuid:, #contained) resolved
 * inside the Bundle.
 *
 * Problems go to the outcome; checking never stops at the first. Thread-safe
 * (no shared state).
 */
#ifndef KN_FHIR_CHECK_H
#define KN_FHIR_CHECK_H

#include "fhir_json.h"
#include "fhir_outcome.h"

/* Check `resource` (a JSON object with resourceType) and everything inside
 * it. Issues are appended to oc with expressions rooted at the resource type
 * ("Bundle.entry[0].resource.id"). Returns KN_OK when the check ran (the
 * verdict is fhir_outcome_ok(oc)), KN_ENOMEM otherwise. */
int fhir_check_resource(const fj_node *resource, fhir_outcome *oc);

/* Resolve `reference` (a Reference.reference value) as seen from the Bundle
 * entry whose fullUrl is `from_full_url` (may be NULL): "urn:uuid:..." and
 * absolute URLs match an entry fullUrl exactly; a relative "Type/id" matches
 * an entry with the same base as from_full_url, or an entry whose resource has
 * that type and id. Returns the referenced resource node and sets *entry_index
 * (may be NULL), or NULL when nothing in the Bundle matches. */
const fj_node *fhir_bundle_resolve(const fj_node *bundle, const char *from_full_url,
                                   const char *reference, int *entry_index);

#endif
