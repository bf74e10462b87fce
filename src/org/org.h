/* org.h - organisations: municipalities, suppliers, EPJ vendors and national
 * bodies, identified by their 9-digit organisation number (mod-11 checked).
 * Domain logic over the store; used by `knute org`, the demo loader and the
 * organisations API.
 */
#ifndef KN_ORG_H
#define KN_ORG_H

#include "../store/store.h"

/* "municipality" | "supplier" | "epj_vendor" | "national" <-> enum store_org_kind.
 * org_kind_parse returns KN_OK or KN_EINVAL (err lists the kinds). */
int org_kind_parse(const char *name, int *kind_out, kn_err *err);
const char *org_kind_name(int kind);   /* "unknown" for other values */

/* Register or update an organisation after checking the organisation number,
 * the kind, a non-empty name and a non-negative number of inhabitants. */
int org_save(store *st, const store_org *org, kn_err *err);

/* All organisations. *list is allocated (caller frees with free()). */
int org_list(store *st, store_org **list, size_t *n, kn_err *err);

#endif
