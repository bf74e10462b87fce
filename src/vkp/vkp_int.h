/* vkp_int.h - the steps of one VKP validation, shared by the files of
 * src/vkp/ (vkp.c runs them in order: base check, message rules, profile
 * selection and rules per resource, the walk over identifiers
 * and extensions). The rule tables and the engine are in vkp_rules.h.
 */
#ifndef KN_VKP_INT_H
#define KN_VKP_INT_H

#include "vkp_rules.h"

/* Check the value of an Identifier whose system is a Norwegian OID (FNR,
 * D-nummer, FHN, HER-id, organisation number); path is at the Identifier. */
void vkp_ident_check(vkp_ctx *ctx, const fj_node *ident, fhir_path *path);

/* Walk everything under n: apply the extension profile of every extension
 * with a known url, and check every Norwegian identifier. */
void vkp_walk(vkp_ctx *ctx, const fj_node *n, fhir_path *path);

/* The profiles resource res is checked against, at most max of them into
 * out: `forced` when it fits the resource type, else the VKP profiles in
 * meta.profile (a VKP profile of another type is reported), else
 * event_profile (the message event's profile for this type, may be NULL),
 * else the default for the type (Observation by code, Encounter by class). */
size_t vkp_select(vkp_ctx *ctx, const fj_node *res, const vkp_profile *forced,
                  const char *event_profile, const vkp_profile **out, size_t max, fhir_path *path);

/* The message rules of a Bundle of type message (event code, focus counts,
 * MessageHeader.focus). Returns the event code when it is a VKP event, else
 * NULL; path is at the Bundle. */
const char *vkp_message_check(vkp_ctx *ctx, const fj_node *bundle, fhir_path *path);

/* The profile the event's focus rules give resources of this type, or NULL. */
const char *vkp_event_profile(const char *event, const char *type);

#endif
