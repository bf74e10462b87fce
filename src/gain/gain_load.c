/* gain_load.c - a stored municipality (or, from the command line, every
 * municipality) as a gain_scenario: its plans, the measurements against them
 * and, per municipality, the name and inhabitants that decide its size class.
 * The measurements are personal data, so the read is audited ("gain.report")
 * before anything is read; the scenario's subjects are citizen ids and are
 * never shown (subjects_public = 0).
 */
#include "gain_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

static int add_unit(store *st, gain_scenario *s, const char *orgnr, const gain_params *params,
                    kn_err *err)
{
    if (gain_unit_index(s, orgnr) < s->nunits)
        return KN_OK;
    store_org org;
    int rc = gain_require_municipality(st, orgnr, &org, err);
    if (rc != KN_OK)
        return rc;
    gain_unit *grown = realloc(s->units, (s->nunits + 1) * sizeof *grown);
    if (!grown)
        return kn_err_set(err, KN_ENOMEM, "gain: out of memory");
    s->units = grown;
    gain_unit *u = &s->units[s->nunits++];
    memset(u, 0, sizeof *u);
    kn_strcpy(u->key, sizeof u->key, org.orgnr);
    kn_strcpy(u->name, sizeof u->name, org.name);
    u->inhabitants = org.inhabitants;
    u->params = *params;
    return KN_OK;
}

static int load_lists(store *st, const char *municipality, gain_scenario *s, kn_err *err)
{
    int rc = st->ops->gain_plan_list(st, municipality, &s->plans, &s->nplans, err);
    if (rc == KN_OK)
        rc = st->ops->gain_measure_list(st, municipality, NULL, NULL, &s->measures, &s->nmeasures,
                                        err);
    if (rc == KN_OK && (s->nplans >= GAIN_LIST_MAX || s->nmeasures >= GAIN_LIST_MAX))
        rc = kn_err_set(err, KN_ETOOLARGE, "more than %d plans or measurements for one report",
                        GAIN_LIST_MAX - 1);
    return rc;
}

int gain_scenario_load(store *st, const auth_principal *p, const char *municipality,
                       const gain_params *params, const char *request_id, gain_scenario *out,
                       kn_err *err)
{
    memset(out, 0, sizeof *out);
    if (!municipality && p)
        return kn_err_set(err, KN_EINVAL, "a municipality is required");
    store_org org;
    int rc = gain_allowed(p, GAIN_ROLES_REPORT, municipality, GAIN_SCOPE_READ, err);
    if (rc == KN_OK && municipality)
        rc = gain_require_municipality(st, municipality, &org, err);
    store_audit audit;
    audit_event_init(&audit, p, "gain.report", municipality, NULL, NULL, request_id, "ok");
    if (rc == KN_OK)
        rc = st->ops->audit_append(st, &audit, err);
    if (rc == KN_OK && municipality)
        rc = add_unit(st, out, municipality, params, err);
    if (rc == KN_OK)
        rc = load_lists(st, municipality, out, err);
    for (size_t i = 0; rc == KN_OK && i < out->nplans; i++)
        rc = add_unit(st, out, out->plans[i].municipality, params, err);
    if (rc != KN_OK)
        gain_scenario_free(out);
    return rc;
}
