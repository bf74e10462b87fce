/* cli_config.c - `knute config [--markdown]`: print the effective settings
 * (after knute.conf, KNUTE_* and flags), or the settings reference that
 * docs/config.md is generated from (a test keeps the two equal). Settings
 * hold paths, never secrets, so printing them is safe. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void print_setting(const char *key, const char *value, const char *doc, void *arg)
{
    (void)doc;
    (void)arg;
    printf("%-24s = %s\n", key, value);
}

static void print_markdown_row(const char *key, const char *value, const char *doc, void *arg)
{
    (void)arg;
    char env[64];
    size_t n = 0;
    for (const char *p = key; *p && n + 1 < sizeof env; p++)
        env[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    env[n] = '\0';
    printf("| `%s` | `KNUTE_%s` | `%s` | %s |\n", key, env, value[0] ? value : "(empty)", doc);
}

static int config_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {"markdown", NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (!cli_flag(argc, argv, "markdown")) {
        printf("# config file: %s\n", cfg->config_file[0] ? cfg->config_file : "(none)");
        kn_config_each(cfg, print_setting, NULL);
        return CLI_EXIT_OK;
    }
    kn_config defaults;
    kn_config_defaults(&defaults);
    puts("| setting | environment | default | meaning |");
    puts("|---|---|---|---|");
    kn_config_each(&defaults, print_markdown_row, NULL);
    return CLI_EXIT_OK;
}

const cli_command cli_config_command = {
    "config", "Show the effective configuration, or the settings reference",
    "Usage: knute config [--markdown]\n\n"
    "Prints every setting with the value in force after knute.conf, KNUTE_*\n"
    "variables and flags. With --markdown prints the reference table of all\n"
    "settings and their defaults (the table in docs/config.md).\n",
    config_run,
};
