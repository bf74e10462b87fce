/* gain_plan.c - stored benefit plans (gevinstplaner): create and list, with
 * access control (auth_require) and an audit event for every create. Plans
 * hold no personal data; the measurements against them do (gain_measure.c).
 */
#include "gain_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <string.h>

int gain_allowed(const auth_principal *p, uint32_t roles, const char *municipality,
                 const char *scope, kn_err *err)
{
    return p ? auth_require(p, roles, municipality, scope, err) : KN_OK;
}

int gain_require_municipality(store *st, const char *orgnr, store_org *out, kn_err *err)
{
    int rc = st->ops->org_get(st, orgnr, out, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && out->kind != STORE_ORG_MUNICIPALITY))
        return kn_err_set(err, KN_ENOTFOUND, "unknown municipality %s", orgnr);
    return rc;
}

int gain_plan_create(store *st, const auth_principal *p, const char *municipality,
                     store_gain_plan *plan, const char *request_id, kn_err *err)
{
    store_org org;
    if (!municipality)
        return kn_err_set(err, KN_EINVAL, "a municipality is required");
    int rc = gain_allowed(p, GAIN_ROLES_PERSONAL, municipality, GAIN_SCOPE_WRITE, err);
    if (rc == KN_OK)
        rc = gain_require_municipality(st, municipality, &org, err);
    if (rc == KN_OK)
        rc = gain_plan_check(plan, err);
    if (rc != KN_OK)
        return rc;
    kn_strcpy(plan->municipality, sizeof plan->municipality, municipality);
    store_audit audit;
    audit_event_init(&audit, p, "gain.plan.create", municipality, "gain_plan", NULL, request_id,
                     "ok");
    return st->ops->gain_plan_create(st, plan, &audit, err);
}

int gain_plan_list(store *st, const auth_principal *p, const char *municipality,
                   store_gain_plan **list, size_t *n, kn_err *err)
{
    *list = NULL;
    *n = 0;
    if (!municipality && p)
        return kn_err_set(err, KN_EINVAL, "a municipality is required");
    int rc = gain_allowed(p, GAIN_ROLES_REPORT, municipality, GAIN_SCOPE_READ, err);
    if (rc == KN_OK)
        rc = st->ops->gain_plan_list(st, municipality, list, n, err);
    return rc;
}
