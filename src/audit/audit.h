/* audit.h - the audit trail as domain logic: the one way an audit event is
 * built, and reading the trail back narrowed to what the caller may see.
 *
 * Called by citizen_*, auth_* (logins), http_audit.c and the tests; talks to
 * storage only through store.h. Thread-safety: no state of its own.
 */
#ifndef KN_AUDIT_H
#define KN_AUDIT_H

#include "../auth/auth.h"
#include "../store/store.h"

#include <stddef.h>
#include <stdint.h>

#define AUDIT_PAGE_MAX 1000            /* most events one audit_query returns */
#define AUDIT_SCOPE_READ "knute/audit" /* client scope needed to read the trail */

/* Fill *ev (zeroed first) with at_ms = now and the given fields. actor NULL
 * records actor_kind "system" with an empty actor_id; otherwise "user" or
 * "client" and the principal's id. NULL strings become "", over-long ones are
 * truncated. seq is left 0 for the store to assign. Never fails. */
void audit_event_init(store_audit *ev, const auth_principal *actor, const char *action,
                      const char *municipality, const char *object_type, const char *object_id,
                      const char *request_id, const char *outcome);

/* What to read. Same fields as the store's filter, but `municipality` NULL
 * means "every municipality where the caller is auditor, plus events outside
 * any municipality" instead of "any". limit: 1..AUDIT_PAGE_MAX. */
typedef store_audit_filter audit_query_params;

/* Read audit events as principal p, oldest first (by seq), at most q->limit.
 * p needs the auditor role (clients also the AUDIT_SCOPE_READ scope): at
 * q->municipality when one is named (else KN_EFORBIDDEN); without one, the
 * events of all municipalities where p is auditor and events with no
 * municipality (logins) are merged by seq. KN_EINVAL for a bad limit or a
 * negative after_seq.
 * On KN_OK *list is allocated (caller frees with free(); NULL when *n is 0)
 * and *last_seq is the seq of the last event returned (q->after_seq when none,
 * so a client can keep polling with after_seq = *last_seq). On failure *list is NULL and *n 0. */
int audit_query(store *st, const auth_principal *p, const audit_query_params *q, store_audit **list,
                size_t *n, int64_t *last_seq, kn_err *err);

#endif
