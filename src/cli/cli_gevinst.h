/* cli_gevinst.h - private to cli_gevinst.c and cli_gevinst_data.c, the two
 * halves of `knute gevinst` (reports and scenario files; stored plans and
 * measurements). */
#ifndef KN_CLI_GEVINST_H
#define KN_CLI_GEVINST_H

#include "cli.h"

/* Exit code for a domain status: 2 for bad input, 1 otherwise. */
int cli_gevinst_exit(int status);

/* Like cli_check_options, but the value after a `valued` option is skipped,
 * so "--visits -5" reaches the domain check instead of reading as an option. */
int cli_gevinst_check_options(int argc, char **argv, const char *const *allowed,
                              const char *const *valued);

/* `knute gevinst plan add|list` and `knute gevinst measure add|list`. */
int cli_gevinst_plan(kn_config *cfg, int argc, char **argv);
int cli_gevinst_measure(kn_config *cfg, int argc, char **argv);

#endif
