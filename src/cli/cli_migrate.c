/* cli_migrate.c - `knute migrate [--status]`: apply or list schema migrations. */
#include "cli.h"

#include "../core/core_util.h"

#include <stdio.h>
#include <stdlib.h>

static int print_status(store *st)
{
    kn_err err;
    store_migration *list = NULL;
    size_t n = 0;
    if (st->ops->migration_status(st, &list, &n, &err) != KN_OK) {
        cli_error("cannot read migration status: %s", err.msg);
        return CLI_EXIT_FAIL;
    }
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        char when[32] = "pending";
        if (list[i].applied)
            kn_time_format(list[i].applied_at, when, sizeof when);
        printf("%4d  %-40s %s\n", list[i].version, list[i].name, when);
        pending += !list[i].applied;
    }
    printf("%zu migrations, %d pending\n", n, pending);
    free(list);
    return CLI_EXIT_OK;
}

static int migrate_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {"status", NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    int status_only = cli_flag(argc, argv, "status");
    store *st = NULL;
    int rc = cli_store_open(cfg, !status_only, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = print_status(st);
    store_close(st);
    return rc;
}

const cli_command cli_migrate_command = {
    "migrate", "Apply database migrations, or list them with --status",
    "Usage: knute migrate [--status]\n\n"
    "Applies every schema migration not yet applied to the configured database,\n"
    "each in its own transaction, then lists them. With --status only lists them\n"
    "(version, name, when applied or 'pending'). `knute serve` also migrates on start.\n",
    migrate_run,
};
