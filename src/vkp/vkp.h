/* vkp.h - the VKP conformance validator: is this welfare-technology message
 * right by the national VKP FHIR R4 profiles (HL7 Norway, v0.9.0), and if not,
 * exactly why.
 *
 * vkp_validate() parses (fhir_json), checks base R4 (fhir_check) and then the
 * VKP rules: profile cardinalities, fixed values, required bindings to the
 * VKP code systems, identifier slices by system (FNR, D-nummer, FHN, HER-id,
 * with the Norwegian check-digit rules of nid_*), vital-sign codes and UCUM
 * units, and the MessageDefinition focus rules of each message event. The
 * rules are compiled into the program (vkp_rules_gen.c, generated from the
 * package by tools/gen_vkp_rules.py and committed), so no profile files are
 * needed at run time. How the package's own defects are handled is written in
 * docs/vkp-conformance.md.
 *
 * Used by `knute validate`, POST /fhir/$validate and the hub's intake.
 * Thread-safe: the rule tables are read-only.
 */
#ifndef KN_VKP_H
#define KN_VKP_H

#include <stddef.h>

#include "../core/core_buf.h"
#include "../fhir/fhir_json.h"
#include "../fhir/fhir_outcome.h"

typedef struct vkp_opts {
    int environment;            /* enum nid_env: NID_ENV_TEST (default when 0) or NID_ENV_PRODUCTION */
    const char *profile;        /* canonical URL to validate against, or NULL: meta.profile, then the
                                   message event, then the resource type decide */
} vkp_opts;

/* Validate len bytes of FHIR JSON. All problems go to oc (which the caller
 * initialised and later releases). Returns KN_OK when validation ran (the
 * verdict is fhir_outcome_ok(oc)); KN_EINVAL when the text is not JSON (oc
 * then holds one fatal "structure" issue with VKP code 2.4 and the parser's
 * reason); KN_ENOMEM. */
int vkp_validate(const char *text, size_t len, const vkp_opts *opts, fhir_outcome *oc);

/* Validate an already parsed resource (same rules and returns, minus the
 * parse step). */
int vkp_validate_tree(const fj_node *resource, const vkp_opts *opts, fhir_outcome *oc);

/* The compiled rules as JSON, for the drift test and `knute validate
 * --rules`: {"profiles":[{"url","type","elements":[{"path","min","max",
 * "fixed","pattern","binding":{"strength","valueSet"}}...]}], "codeSystems":
 * [...], "valueSets":[...]}. */
int vkp_rules_dump(kn_buf *out);

#endif
