/* fhir_model_int.h - private to fhir_model.c and the generated fhir_model_r4.c:
 * the names of the generated tables (see tools/gen_fhir_model.mjs). Everyone
 * else uses the functions in fhir_model.h.
 */
#ifndef KN_FHIR_MODEL_INT_H
#define KN_FHIR_MODEL_INT_H

#include "fhir_model.h"

/* Every type, sorted by name (strcmp); fhir_elem.type indexes it. */
extern const fhir_type fhir_model_r4_types[];
extern const unsigned fhir_model_r4_type_count;

/* Required elements (base min 1) per type: the indices into the type's elems
 * from fhir_model_r4_req[fhir_model_r4_req_at[i]] up to
 * fhir_model_r4_req[fhir_model_r4_req_at[i + 1]] for the type at index i. A
 * required choice group is listed once, by its first expansion. */
extern const uint16_t fhir_model_r4_req[];
extern const uint16_t fhir_model_r4_req_at[];

#endif
