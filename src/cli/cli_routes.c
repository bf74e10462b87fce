/* cli_routes.c - `knute routes`: the HTTP API reference as a Markdown table,
 * rendered from the route table (docs/api.md holds it; a test keeps them equal). */
#include "cli.h"

#include "../core/core_buf.h"
#include "../http/http.h"

#include <stdio.h>

static int routes_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    kn_buf out;
    kn_buf_init(&out, 1 << 20);
    int rc = http_routes_markdown(&out);
    if (rc == KN_OK)
        fputs(out.data, stdout);
    else
        cli_error("routes: cannot render the route table");
    kn_buf_release(&out);
    return rc == KN_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

const cli_command cli_routes_command = {
    "routes", "Print the HTTP API reference (from the route table)",
    "Usage: knute routes\n\n"
    "Prints every HTTP route as a Markdown table: method, path, the roles a user\n"
    "needs (and at which municipality), the scope a machine client needs, the\n"
    "body it takes and what it does. docs/api.md holds the same table.\n",
    routes_run,
};
