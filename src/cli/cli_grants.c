/* cli_grants.c - the --grant ORGNR:ROLES option shared by `knute user` and
 * `knute client` (see cli.h). */
#include "cli.h"

#include "../auth/auth.h"
#include "../core/core_util.h"
#include "../nid/nid.h"

#include <stdio.h>
#include <string.h>

static int parse_grant(store *st, const char *text, store_grant *g, kn_err *err)
{
    const char *colon = strchr(text, ':');
    if (!colon || colon - text != 9)
        return kn_err_set(err, KN_EINVAL, "grant '%s' must look like ORGNR:ROLE[,ROLE]", text);
    memset(g, 0, sizeof *g);
    memcpy(g->orgnr, text, 9);
    int rc = nid_orgnr_check(g->orgnr, err);
    if (rc == KN_OK)
        rc = auth_roles_parse(colon + 1, &g->roles, err);
    store_org org;
    if (rc == KN_OK && st->ops->org_get(st, g->orgnr, &org, err) == KN_ENOTFOUND)
        return kn_err_set(err, KN_EINVAL, "grant '%s': no organisation %s", text, g->orgnr);
    return rc;
}

int cli_parse_grants(store *st, int argc, char **argv, store_grant *grants, size_t max,
                     size_t *n)
{
    *n = 0;
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--grant") == 0 && i + 1 < argc)
            value = argv[++i];
        else if (strncmp(argv[i], "--grant=", 8) == 0)
            value = argv[i] + 8;
        if (!value)
            continue;
        kn_err err;
        if (*n >= max) {
            cli_error("at most %zu grants", max);
            return CLI_EXIT_USAGE;
        }
        if (parse_grant(st, value, &grants[*n], &err) != KN_OK) {
            cli_error("%s", err.msg);
            return CLI_EXIT_USAGE;
        }
        (*n)++;
    }
    return CLI_EXIT_OK;
}

void cli_format_grants(const store_grant *grants, size_t n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        char roles[160];
        auth_roles_format(grants[i].roles, roles, sizeof roles);
        int w = snprintf(out + used, size - used, "%s%s:%s", i ? " " : "", grants[i].orgnr, roles);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}
