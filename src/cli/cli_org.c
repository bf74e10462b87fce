/* cli_org.c - `knute org add|list`: the organisations Knute serves and works
 * with. A deployment registers its municipality here before adding users. */
#include "cli.h"

#include "../core/core_util.h"
#include "../org/org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const org_valued[] = {"kind", "name", "inhabitants", NULL};

static int org_fill(int argc, char **argv, store_org *org)
{
    const char *orgnr = cli_positional(argc, argv, 1, org_valued);
    const char *name = cli_option(argc, argv, "name");
    const char *inhabitants = cli_option(argc, argv, "inhabitants");
    kn_err err;
    memset(org, 0, sizeof *org);
    if (!orgnr || !name) {
        cli_error("org add: need ORGNR, --kind and --name");
        return CLI_EXIT_USAGE;
    }
    if (org_kind_parse(cli_option(argc, argv, "kind"), &org->kind, &err) != KN_OK) {
        cli_error("org add: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    long n = 0;
    if (inhabitants && kn_parse_long(inhabitants, 0, 100000000, &n) != KN_OK) {
        cli_error("org add: --inhabitants must be a whole number");
        return CLI_EXIT_USAGE;
    }
    org->inhabitants = n;
    if (kn_strcpy(org->orgnr, sizeof org->orgnr, orgnr) != KN_OK ||
        kn_strcpy(org->name, sizeof org->name, name) != KN_OK) {
        cli_error("org add: orgnr must be 9 digits and the name at most %d bytes", STORE_NAME_LEN - 1);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int print_orgs(store *st)
{
    kn_err err;
    store_org *list = NULL;
    size_t n = 0;
    if (org_list(st, &list, &n, &err) != KN_OK) {
        cli_error("org list: %s", err.msg);
        return CLI_EXIT_FAIL;
    }
    printf("%-10s %-13s %-12s %s\n", "ORGNR", "KIND", "INHABITANTS", "NAME");
    for (size_t i = 0; i < n; i++)
        printf("%-10s %-13s %-12lld %s\n", list[i].orgnr, org_kind_name(list[i].kind),
               (long long)list[i].inhabitants, list[i].name);
    free(list);
    return CLI_EXIT_OK;
}

static int org_run(kn_config *cfg, int argc, char **argv)
{
    const char *verb = cli_positional(argc, argv, 0, org_valued);
    if (cli_check_options(argc, argv, org_valued) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    int adding = verb && strcmp(verb, "add") == 0;
    if (!adding && !(verb && strcmp(verb, "list") == 0)) {
        cli_error("org: say add or list (see knute org --help)");
        return CLI_EXIT_USAGE;
    }
    store_org org;
    if (adding && org_fill(argc, argv, &org) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    kn_err err;
    if (!adding)
        rc = print_orgs(st);
    else if (org_save(st, &org, &err) != KN_OK) {
        cli_error("org add: %s", err.msg);
        rc = err.status == KN_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    } else
        printf("organisation %s saved: %s (%s)\n", org.orgnr, org.name, org_kind_name(org.kind));
    store_close(st);
    return rc;
}

const cli_command cli_org_command = {
    "org", "Add (or update) and list organisations",
    "Usage: knute org add ORGNR --kind KIND --name NAME [--inhabitants N]\n"
    "       knute org list\n\n"
    "KIND is municipality, supplier, epj_vendor or national. ORGNR is the 9-digit\n"
    "organisation number from Enhetsregisteret; its mod-11 check digit is checked.\n"
    "Adding an existing ORGNR updates its kind, name and inhabitants. Register\n"
    "your municipality first; users and clients are then granted roles there.\n",
    org_run,
};
