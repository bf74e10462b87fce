/* core_status.h - the one status vocabulary of Knute.
 *
 * Every fallible function returns an int status: KN_OK (0) or a negative KN_E*
 * value from the list below. The list is the single source for the enum, the
 * machine-readable code string and the HTTP status a handler answers with, so a
 * new failure kind is added in exactly one place. Human text travels separately
 * in a kn_err (see core_err.h), never encoded in the status.
 */
#ifndef KN_CORE_STATUS_H
#define KN_CORE_STATUS_H

/*      name            value  http  machine code */
#define KN_STATUS_LIST(X)                                                  \
    X(OK,               0,    200, "ok")                                   \
    X(EINVAL,          -1,    400, "invalid")                              \
    X(EUNAUTH,         -2,    401, "unauthenticated")                      \
    X(EFORBIDDEN,      -3,    403, "forbidden")                            \
    X(ENOTFOUND,       -4,    404, "not_found")                            \
    X(EMETHOD,         -5,    405, "method_not_allowed")                   \
    X(ECONFLICT,       -6,    409, "conflict")                             \
    X(ETOOLARGE,       -7,    413, "payload_too_large")                    \
    X(EMEDIA,          -8,    415, "unsupported_media_type")               \
    X(EUNPROCESSABLE,  -9,    422, "unprocessable")                        \
    X(ELOCKED,        -10,    429, "locked_out")                           \
    X(ENOMEM,         -11,    500, "out_of_memory")                        \
    X(EIO,            -12,    500, "io_error")                             \
    X(EINTERNAL,      -13,    500, "internal")                             \
    X(EUNAVAILABLE,   -14,    503, "unavailable")                          \
    X(ECONFIG,        -15,    500, "bad_config")

enum kn_status {
#define KN_STATUS_ENUM(name, value, http, code) KN_##name = value,
    KN_STATUS_LIST(KN_STATUS_ENUM)
#undef KN_STATUS_ENUM
};

/* Machine code string for a status ("not_found"); "internal" for unknown values.
 * Returns a static string; thread-safe. */
const char *kn_status_code(int status);

/* HTTP status code for a status (404 for KN_ENOTFOUND); 500 for unknown values. */
int kn_status_http(int status);

#endif
