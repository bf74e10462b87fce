/* citizen.h - the citizen record (tjenestemottaker): create, read and list
 * citizens of a municipality, with access control and audit.
 *
 * Domain logic: called by http_citizen.c, the CLI and the demo loader. Every
 * read of citizen data writes an audit event (who, what, when); every create
 * writes the citizen and its audit event in one durable transaction.
 * Later modules (resp, svc) extend the record in their own tables.
 */
#ifndef KN_CITIZEN_H
#define KN_CITIZEN_H

#include "../auth/auth.h"
#include "../store/store.h"

typedef struct citizen_input {
    const char *nin;            /* 11 digits, checked with nid_person_check */
    const char *given_name;     /* required, <= 127 bytes */
    const char *family_name;    /* required, <= 127 bytes */
    const char *address;        /* optional */
    const char *phone;          /* optional */
} citizen_input;

/* Environment rule for person numbers: production rejects synthetic/test
 * numbers, test rejects real ones. */
enum citizen_env { CITIZEN_ENV_PRODUCTION = 1, CITIZEN_ENV_TEST };

typedef struct citizen_ctx {
    store *st;                  /* borrowed */
    int environment;            /* enum citizen_env */
} citizen_ctx;

/* Create a citizen in `municipality` as principal p (roles: case_worker,
 * coordinator or admin at that municipality). KN_EINVAL for bad input (err
 * names the field), KN_ENOTFOUND for an unknown municipality, KN_ECONFLICT when
 * the number is already registered there, KN_EFORBIDDEN without access.
 * Fills *out on success. */
int citizen_create(const citizen_ctx *ctx, const auth_principal *p, const char *municipality,
                   const citizen_input *in, const char *request_id, store_citizen *out,
                   kn_err *err);

/* Read one citizen; audit "citizen.read". Any municipal role at the citizen's
 * municipality may read. */
int citizen_get(const citizen_ctx *ctx, const auth_principal *p, const char *id,
                const char *request_id, store_citizen *out, kn_err *err);

/* List a municipality's citizens (page of at most 200); audit "citizen.list".
 * *list is allocated (caller frees with free()). */
int citizen_list(const citizen_ctx *ctx, const auth_principal *p, const char *municipality,
                 size_t offset, size_t limit, const char *request_id, store_citizen **list,
                 size_t *n, int64_t *total, kn_err *err);

#endif
