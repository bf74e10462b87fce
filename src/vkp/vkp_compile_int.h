/* vkp_compile_int.h - shared by the files that build the compiled VKP rules
 * (vkp_compile.c: the once-per-process build and lookups; vkp_compile_tree.c:
 * one profile's tree; vkp_compile_links.c: what refers across profiles).
 * Only called while the build runs, under pthread_once.
 */
#ifndef KN_VKP_COMPILE_INT_H
#define KN_VKP_COMPILE_INT_H

#include "vkp_rules.h"

/* Parse JSON text into a value kept for the life of the process. */
int vkp_compile_json(const char *text, const fj_node **out);

/* Copy of n bytes of s with a NUL, kept for the life of the process; NULL on ENOMEM. */
char *vkp_compile_strdup(const char *s, size_t n);

/* Profile by canonical without waiting for the build (aliases accepted). */
const vkp_profile *vkp_compile_profile_raw(const char *url);

/* Build p->root from the profile's elements, hand additions and patches. */
int vkp_compile_tree(vkp_profile *p);

/* Resolve data-type profiles, extension urls and slice discriminator values. */
int vkp_compile_links(vkp_profile *p);

/* Child of parent named `name` (not a slice), or NULL. */
vkp_node *vkp_compile_child(const vkp_node *parent, const char *name);

#endif
