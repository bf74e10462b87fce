/* core_err.h - error detail that travels beside a status.
 *
 * Library functions take an optional `kn_err *err` as their last parameter.
 * On failure they fill it with the status and a human-readable reason (English
 * for logs and CLI; HTTP handlers may add a Norwegian title) and return the
 * same status, so the idiom is `return kn_err_set(err, KN_EINVAL, "...", ...);`.
 * A kn_err lives on the caller's stack; it owns no heap memory.
 */
#ifndef KN_CORE_ERR_H
#define KN_CORE_ERR_H

#include "core_status.h"

#define KN_ERR_MSG_MAX 256

typedef struct kn_err {
    int status;                 /* KN_OK or a KN_E* value */
    char msg[KN_ERR_MSG_MAX];   /* reason, never contains secrets or personal data */
} kn_err;

/* Reset to KN_OK with an empty message. err may be NULL. */
void kn_err_clear(kn_err *err);

/* Fill err (if not NULL) with status and a printf-style reason; returns status.
 * The message is truncated to fit. */
int kn_err_set(kn_err *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
