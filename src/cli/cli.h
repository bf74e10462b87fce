/* cli.h - shared pieces of the `knute` command line: the command table entry
 * type, configuration loading (file, KNUTE_* environment, --flags) and opening
 * the store. Only CLI code prints and exits; exit codes: 0 ok, 1 failure,
 * 2 bad usage or bad configuration.
 */
#ifndef KN_CLI_H
#define KN_CLI_H

#include "../core/core_buf.h"
#include "../core/core_config.h"
#include "../store/store.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef struct cli_command {
    const char *name;
    const char *summary;                          /* one line for `knute --help` */
    const char *usage;                            /* full text for `knute NAME --help` */
    int (*run)(kn_config *cfg, int argc, char **argv);  /* argv[0] is the command name */
} cli_command;

/* Commands, each in its own file. */
extern const cli_command cli_serve_command, cli_migrate_command, cli_demo_command,
    cli_backup_command, cli_user_command, cli_client_command, cli_version_command,
    cli_config_command, cli_org_command, cli_routes_command, cli_validate_command;
extern const cli_command cli_nytte_command; /* cli_nytte.c: R-109 cost-benefit */
extern const cli_command cli_gevinst_command; /* cli_gevinst.c: benefit realisation */
extern const cli_command cli_epjsim_command;   /* cli_epjsim.c: test EPJ for the hub */
extern const cli_command cli_delivery_command; /* cli_delivery.c: hub destinations, routes, dead letters */
extern const cli_command cli_hub_command;      /* cli_hub.c: register, test intake, status */
extern const cli_command cli_resp_command;     /* cli_resp.c: service levels, routing rules, coverage */

/* Build the configuration: defaults, then the config file (config_path, or
 * $KNUTE_CONFIG, or ./knute.conf if present), then KNUTE_* variables, then
 * setting flags (--key=value / --key value, dashes or underscores) found in
 * argv, which are removed from argv (*argc updated). Flags that are not
 * settings are left for the command. Prints the error and returns 2 on a bad
 * or unknown setting; 0 on success. */
int cli_config_load(kn_config *cfg, const char *config_path, int *argc, char **argv);

/* Open the configured store, set up logging, and apply migrations (when
 * migrate is true). Prints errors; returns 0 or an exit code. */
int cli_store_open(const kn_config *cfg, int migrate, store **out);

/* Read a whole input file ("-" = standard input) into buf (initialised by
 * the caller with its limit). Prints "knute: CMD: reason" and returns 2 when
 * it cannot be read or is over the limit; 0 on success. */
int cli_read_file(const char *cmd, const char *path, kn_buf *buf);

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Print "knute: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Value of option `name` in argv ("--name value" or "--name=value"), or NULL. */
const char *cli_option(int argc, char **argv, const char *name);

/* True when the flag `name` is present in argv. */
int cli_flag(int argc, char **argv, const char *name);

/* Positional argument number `index` (0-based, after the command name),
 * skipping options and their values for the option names in `valued`
 * (NULL-terminated). NULL when absent. */
const char *cli_positional(int argc, char **argv, int index, const char *const *valued);

/* Reject options not in `allowed` (NULL-terminated, without dashes); prints and
 * returns 2 for the first unknown one, 0 when all are known. */
int cli_check_options(int argc, char **argv, const char *const *allowed);

/* Collect every "--grant ORGNR:ROLE[,ROLE...]" option into grants (at most
 * max); checks the orgnr (mod 11), the role names and that the organisation
 * exists in st. Prints the problem and returns 2 on bad input. */
int cli_parse_grants(store *st, int argc, char **argv, store_grant *grants, size_t max,
                     size_t *n);

/* Format grants as "939000011:operator,nurse 939000038:admin" into out. */
void cli_format_grants(const store_grant *grants, size_t n, char *out, size_t size);

#endif
