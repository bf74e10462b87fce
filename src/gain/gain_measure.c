/* gain_measure.c - stored measurements: one citizen's baseline
 * (nullpunktmåling) or follow-up in one benefit plan. These are personal
 * data: writing and reading need a personal-data role at the citizen's
 * municipality, every write and every read leaves an audit event naming what
 * was touched, and the read's event is durable before any row is returned.
 */
#include "gain_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <string.h>

/* The plan, which must belong to `municipality` (else: not found there). */
static int plan_in(store *st, const char *municipality, const char *plan_id, store_gain_plan *out,
                   kn_err *err)
{
    if (!plan_id || !*plan_id)
        return kn_err_set(err, KN_EINVAL, "field 'plan_id' is required");
    int rc = st->ops->gain_plan_get(st, plan_id, out, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && strcmp(out->municipality, municipality) != 0))
        return kn_err_set(err, KN_ENOTFOUND, "no benefit plan %.40s in municipality %s", plan_id,
                          municipality);
    return rc;
}

/* The citizen exists in `municipality`. Only the municipality is looked at;
 * nothing of the record leaves this function. */
static int citizen_in(store *st, const char *municipality, const char *citizen_id, kn_err *err)
{
    store_citizen c;
    if (!citizen_id || !*citizen_id)
        return kn_err_set(err, KN_EINVAL, "field 'citizen_id' is required");
    int rc = st->ops->citizen_get(st, citizen_id, &c, err);
    int here = rc == KN_OK && strcmp(c.municipality, municipality) == 0;
    memset(&c, 0, sizeof c);
    if (rc == KN_ENOTFOUND || rc == KN_EINVAL || (rc == KN_OK && !here))
        return kn_err_set(err, KN_ENOTFOUND, "no citizen %.40s in municipality %s", citizen_id,
                          municipality);
    return rc;
}

int gain_measure_add(store *st, const auth_principal *p, const char *municipality,
                     store_gain_measure *m, const char *request_id, kn_err *err)
{
    store_gain_plan plan;
    if (!municipality)
        return kn_err_set(err, KN_EINVAL, "a municipality is required");
    int rc = gain_allowed(p, GAIN_ROLES_PERSONAL, municipality, GAIN_SCOPE_WRITE, err);
    if (rc == KN_OK)
        rc = plan_in(st, municipality, m->plan_id, &plan, err);
    if (rc == KN_OK)
        rc = gain_measure_check(m, &plan, err);
    if (rc == KN_OK)
        rc = citizen_in(st, municipality, m->citizen_id, err);
    if (rc != KN_OK)
        return rc;
    kn_strcpy(m->municipality, sizeof m->municipality, municipality);
    store_audit audit;
    audit_event_init(&audit, p, "gain.measure.create", municipality, "citizen", m->citizen_id,
                     request_id, "ok");
    return st->ops->gain_measure_add(st, m, &audit, err);
}

int gain_measure_list(store *st, const auth_principal *p, const char *municipality,
                      const char *plan_id, const char *citizen_id, const char *request_id,
                      store_gain_measure **list, size_t *n, kn_err *err)
{
    *list = NULL;
    *n = 0;
    if (!municipality)
        return kn_err_set(err, KN_EINVAL, "a municipality is required");
    int rc = gain_allowed(p, GAIN_ROLES_PERSONAL, municipality, GAIN_SCOPE_READ, err);
    store_gain_plan plan;
    if (rc == KN_OK && plan_id)
        rc = plan_in(st, municipality, plan_id, &plan, err);
    if (rc != KN_OK)
        return rc;
    /* Audit first: no personal data leaves the store without a durable record. */
    store_audit audit;
    audit_event_init(&audit, p, "gain.measure.list", municipality,
                     citizen_id ? "citizen" : plan_id ? "gain_plan" : NULL,
                     citizen_id ? citizen_id : plan_id, request_id, "ok");
    rc = st->ops->audit_append(st, &audit, err);
    if (rc == KN_OK)
        rc = st->ops->gain_measure_list(st, municipality, plan_id, citizen_id, list, n, err);
    return rc;
}
