/* cli_backup.c - `knute backup FILE`: online, consistent copy of the database
 * while the server keeps running. */
#include "cli.h"

#include <stdio.h>

static int backup_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    const char *target = cli_positional(argc, argv, 0, NULL);
    if (!target || cli_positional(argc, argv, 1, NULL)) {
        cli_error("backup: give exactly one target FILE");
        return CLI_EXIT_USAGE;
    }
    store *st = NULL;
    int rc = cli_store_open(cfg, 0, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    kn_err err;
    if (st->ops->backup(st, target, &err) != KN_OK) {
        cli_error("backup failed: %s", err.msg);
        rc = CLI_EXIT_FAIL;
    } else {
        printf("backup written to %s\n", target);
    }
    store_close(st);
    return rc;
}

const cli_command cli_backup_command = {
    "backup", "Write an online, consistent copy of the database to FILE",
    "Usage: knute backup FILE\n\n"
    "Copies the configured database to FILE while Knute keeps serving (SQLite's\n"
    "online backup). The copy is written to FILE.tmp and renamed into place, so\n"
    "FILE is either the old file or a complete backup, never half of one.\n",
    backup_run,
};
