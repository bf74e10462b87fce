/* cli_version.c - `knute version`: program and library versions. */
#include "cli.h"

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/opensslv.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>

static int version_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    printf("knute %s\n", KNUTE_VERSION);
    printf("  libmicrohttpd %s, jansson %s, sqlite %s, libsodium %s, %s\n", MHD_get_version(),
           JANSSON_VERSION, sqlite3_libversion(), sodium_version_string(), OPENSSL_VERSION_TEXT);
    return CLI_EXIT_OK;
}

const cli_command cli_version_command = {
    "version", "Print the version of knute and its libraries",
    "Usage: knute version\n\nPrints the version of knute and of the libraries it was built with.\n",
    version_run,
};
