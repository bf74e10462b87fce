/* org.c - validating, saving and listing organisations (see org.h). */
#include "org.h"

#include "../nid/nid.h"

#include <stddef.h>
#include <string.h>

static const struct {
    int kind;
    const char *name;
} kinds[] = {
    {STORE_ORG_MUNICIPALITY, "municipality"},
    {STORE_ORG_SUPPLIER, "supplier"},
    {STORE_ORG_EPJ_VENDOR, "epj_vendor"},
    {STORE_ORG_NATIONAL, "national"},
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

int org_kind_parse(const char *name, int *kind_out, kn_err *err)
{
    for (size_t i = 0; name && i < NKINDS; i++) {
        if (strcmp(name, kinds[i].name) == 0) {
            *kind_out = kinds[i].kind;
            return KN_OK;
        }
    }
    return kn_err_set(err, KN_EINVAL, "kind must be municipality, supplier, epj_vendor or national");
}

const char *org_kind_name(int kind)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (kinds[i].kind == kind)
            return kinds[i].name;
    return "unknown";
}

int org_save(store *st, const store_org *org, kn_err *err)
{
    kn_err why;
    if (nid_orgnr_check(org->orgnr, &why) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "orgnr %.9s: %s", org->orgnr, why.msg);
    if (strcmp(org_kind_name(org->kind), "unknown") == 0)
        return kn_err_set(err, KN_EINVAL, "unknown organisation kind %d", org->kind);
    if (org->name[0] == '\0')
        return kn_err_set(err, KN_EINVAL, "an organisation needs a name");
    if (org->inhabitants < 0)
        return kn_err_set(err, KN_EINVAL, "inhabitants cannot be negative");
    return st->ops->org_put(st, org, err);
}

int org_list(store *st, store_org **list, size_t *n, kn_err *err)
{
    return st->ops->org_list(st, list, n, err);
}
