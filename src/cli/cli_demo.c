/* cli_demo.c - `knute demo`: load the synthetic demo data set (see demo.h). */
#include "cli.h"

#include "../demo/demo.h"

#include <stdio.h>
#include <string.h>

static int demo_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    kn_err err;
    demo_report report;
    if (demo_load(st, strcmp(cfg->environment, "production") == 0, &report, &err) != KN_OK) {
        cli_error("demo: %s", err.msg);
        store_close(st);
        return CLI_EXIT_FAIL;
    }
    if (report.already_loaded)
        printf("demo data already present in %s\n", cfg->database);
    else
        printf("demo data loaded into %s: %d organisations, %d users, %d citizens, %d devices\n",
               cfg->database, report.organisations, report.users, report.citizens, report.devices);
    const char *names[16], *roles[16];
    size_t n = demo_users(names, roles, 16);
    printf("demo users (password '%s'):", DEMO_PASSWORD);
    for (size_t i = 0; i < n; i++)
        printf(" %s (%s)%s", names[i], roles[i], i + 1 < n ? "," : "\n");
    store_close(st);
    return CLI_EXIT_OK;
}

const cli_command cli_demo_command = {
    "demo", "Load demo data: two municipalities, a user per role, citizens, devices",
    "Usage: knute demo\n\n"
    "Loads the synthetic demo data set into the configured database (migrating it\n"
    "first): two municipalities, a supplier, an EPJ vendor, a national body, one\n"
    "user per role (password 'demo-passord'), 20 citizens with synthetic person\n"
    "numbers and a few devices. Does nothing if the demo data is already there.\n"
    "Refused when environment = production.\n",
    demo_run,
};
