/* auth_access.c - auth_require(), the one place where access is decided:
 * a role at an organisation for everyone, plus a token scope for machine
 * clients. Handlers call it; nothing else compares roles or scopes.
 */
#include "auth_internal.h"

#include <stdio.h>
#include <string.h>

static int holds_role(const auth_principal *p, uint32_t roles, const char *orgnr)
{
    for (size_t i = 0; i < p->ngrants && i < STORE_MAX_GRANTS; i++) {
        if (orgnr && strcmp(p->grants[i].orgnr, orgnr) != 0)
            continue;
        if (p->grants[i].roles & roles)
            return 1;
    }
    return 0;
}

/* Whether scope is one of the space-separated words in list (exact match). */
static int has_scope(const char *list, const char *scope)
{
    size_t want = strlen(scope);
    const char *p = list;
    while (*p) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == want && len > 0 && memcmp(p, scope, len) == 0)
            return 1;
        p += len;
    }
    return 0;
}

/* "role operator|admin required at 123456785" / "a role required at ..." */
static int deny_role(uint32_t roles, const char *orgnr, kn_err *err)
{
    char what[160] = "a role";
    uint32_t known = roles & AUTH_ROLE_ANY;
    if (known != 0 && known != AUTH_ROLE_ANY) {
        char names[140];
        auth_roles_join(known, "|", names, sizeof names);
        snprintf(what, sizeof what, "role %s", names);
    }
    if (orgnr)
        return kn_err_set(err, KN_EFORBIDDEN, "%s required at %s", what, orgnr);
    return kn_err_set(err, KN_EFORBIDDEN, "%s required", what);
}

int auth_require(const auth_principal *p, uint32_t roles, const char *orgnr, const char *scope,
                 kn_err *err)
{
    if (!p || (p->kind != AUTH_PRINCIPAL_USER && p->kind != AUTH_PRINCIPAL_CLIENT))
        return kn_err_set(err, KN_EFORBIDDEN, "not authenticated");
    if (!holds_role(p, roles, orgnr))
        return deny_role(roles, orgnr, err);
    if (p->kind == AUTH_PRINCIPAL_CLIENT && scope && !has_scope(p->scopes, scope))
        return kn_err_set(err, KN_EFORBIDDEN, "scope %s required", scope);
    return KN_OK;
}
