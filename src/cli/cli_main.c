/* cli_main.c - entry point of the `knute` program: global options, the
 * command table and dispatch. Each command lives in its own cli_<name>.c.
 *
 *   knute [--config FILE] COMMAND [options]      (knute --help lists commands)
 */
#include "cli.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stdio.h>
#include <string.h>

static const cli_command *const commands[] = {
    &cli_serve_command,  &cli_migrate_command, &cli_demo_command,    &cli_backup_command,
    &cli_org_command,    &cli_validate_command,
    &cli_nytte_command,  &cli_gevinst_command,
    &cli_hub_command,    &cli_delivery_command, &cli_epjsim_command,
    &cli_resp_command,
    &cli_user_command,   &cli_client_command,  &cli_config_command,  &cli_routes_command,  &cli_version_command,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("Usage: knute [--config FILE] COMMAND [options]\n\n"
          "Knute - the welfare-technology platform for Norwegian municipalities.\n\n"
          "Commands:\n", out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nEvery setting (see docs/config.md) can be given in knute.conf, as KNUTE_<KEY>\n"
          "in the environment, or as --<key>=VALUE after the command; later wins.\n"
          "Run 'knute COMMAND --help' for a command's options.\n", out);
}

static const cli_command *command_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--config") == 0) {
        config_path = argv[2];
        first = 3;
    } else if (argc > 1 && strncmp(argv[1], "--config=", 9) == 0) {
        config_path = argv[1] + 9;
        first = 2;
    }
    if (argc <= first || strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0 ||
        strcmp(argv[first], "help") == 0) {
        usage(argc <= first ? stderr : stdout);
        return argc <= first ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const cli_command *cmd = command_find(argv[first]);
    if (!cmd) {
        cli_error("unknown command '%s' (see knute --help)", argv[first]);
        return CLI_EXIT_USAGE;
    }
    int cargc = argc - first;
    char **cargv = argv + first;
    if (cli_wants_help(cargc, cargv)) {
        fputs(cmd->usage, stdout);
        return CLI_EXIT_OK;
    }
    if (kn_util_init() != KN_OK) {
        cli_error("cannot initialise libsodium");
        return CLI_EXIT_FAIL;
    }
    kn_config cfg;
    int rc = cli_config_load(&cfg, config_path, &cargc, cargv);
    if (rc == CLI_EXIT_OK)
        rc = cmd->run(&cfg, cargc, cargv);
    kn_log_close();
    return rc;
}
