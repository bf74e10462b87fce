/* cli_common.c - configuration loading, store opening and option helpers
 * shared by every `knute` subcommand (see cli.h).
 */
#include "cli.h"

#include "../core/core_log.h"
#include "../core/core_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("knute: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* "--log-level=x" -> key "log_level", *value "x" (or NULL when no '='). */
static int flag_key(const char *arg, char *key, size_t size, const char **value)
{
    if (strncmp(arg, "--", 2) != 0 || !arg[2])
        return 0;
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    if (n >= size)
        return 0;
    for (size_t i = 0; i < n; i++)
        key[i] = name[i] == '-' ? '_' : name[i];
    key[n] = '\0';
    *value = eq ? eq + 1 : NULL;
    return 1;
}

static void argv_remove(int *argc, char **argv, int at, int count)
{
    for (int i = at; i + count <= *argc; i++)
        argv[i] = argv[i + count];
    *argc -= count;
}

static int apply_flags(kn_config *cfg, int *argc, char **argv, kn_err *err)
{
    for (int i = 1; i < *argc;) {
        char key[64], origin[80];
        const char *value = NULL;
        if (!flag_key(argv[i], key, sizeof key, &value) || !kn_config_known(key)) {
            i++;
            continue;
        }
        snprintf(origin, sizeof origin, "flag --%s", key);
        int used = 1;
        if (!value) {
            if (i + 1 >= *argc)
                return kn_err_set(err, KN_ECONFIG, "%s: missing value", origin);
            value = argv[i + 1];
            used = 2;
        }
        int rc = kn_config_set(cfg, key, value, origin, err);
        if (rc != KN_OK)
            return rc;
        argv_remove(argc, argv, i, used);
    }
    return KN_OK;
}

int cli_config_load(kn_config *cfg, const char *config_path, int *argc, char **argv)
{
    kn_err err;
    kn_err_clear(&err);
    kn_config_defaults(cfg);
    const char *path = config_path ? config_path : getenv("KNUTE_CONFIG");
    int rc = kn_config_load_file(cfg, path ? path : "knute.conf", path != NULL, &err);
    if (rc == KN_OK)
        rc = kn_config_load_env(cfg, environ, &err);
    if (rc == KN_OK)
        rc = apply_flags(cfg, argc, argv, &err);
    if (rc == KN_OK)
        rc = kn_config_validate(cfg, &err);
    if (rc != KN_OK) {
        cli_error("configuration error: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int cli_store_open(const kn_config *cfg, int migrate, store **out)
{
    kn_err err;
    kn_err_clear(&err);
    int level = KN_LOG_INFO;
    kn_log_level_parse(cfg->log_level, &level);
    if (kn_log_open(cfg->log_file, level, &err) != KN_OK) {
        cli_error("%s", err.msg);
        return CLI_EXIT_FAIL;
    }
    store_options opts = {cfg->database, (int)cfg->group_commit_max_batch, (int)cfg->read_connections};
    if (store_open(&opts, out, &err) != KN_OK) {
        cli_error("cannot open database %s: %s", cfg->database, err.msg);
        return CLI_EXIT_FAIL;
    }
    int applied = 0;
    if (migrate && (*out)->ops->migrate(*out, &applied, &err) != KN_OK) {
        cli_error("migration failed: %s", err.msg);
        store_close(*out);
        *out = NULL;
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

int cli_wants_help(int argc, char **argv)
{
    return cli_flag(argc, argv, "help") || cli_flag(argc, argv, "h");
}

/* Does argv[i] name option `name` ("--name", "--name=...", "-h" for "h")? */
static const char *option_match(const char *arg, const char *name)
{
    size_t n = strlen(name);
    const char *p = arg;
    if (n == 1 && p[0] == '-' && p[1] == name[0] && p[2] == '\0')
        return p + 2;
    if (strncmp(p, "--", 2) != 0 || strncmp(p + 2, name, n) != 0)
        return NULL;
    p += 2 + n;
    return (*p == '\0' || *p == '=') ? p : NULL;
}

const char *cli_option(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++) {
        const char *rest = option_match(argv[i], name);
        if (!rest)
            continue;
        if (*rest == '=')
            return rest + 1;
        return i + 1 < argc ? argv[i + 1] : NULL;
    }
    return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (option_match(argv[i], name))
            return 1;
    return 0;
}

static int takes_value(const char *arg, const char *const *valued)
{
    for (; valued && *valued; valued++) {
        const char *rest = option_match(arg, *valued);
        if (rest && *rest == '\0')
            return 1;
    }
    return 0;
}

const char *cli_positional(int argc, char **argv, int index, const char *const *valued)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            i += takes_value(argv[i], valued);
            continue;
        }
        if (index-- == 0)
            return argv[i];
    }
    return NULL;
}

int cli_check_options(int argc, char **argv, const char *const *allowed)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0')
            continue;
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = option_match(argv[i], *a) != NULL;
        if (!known) {
            cli_error("%s: unknown option '%s' (see knute %s --help)", argv[0], argv[i], argv[0]);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

int cli_read_file(const char *cmd, const char *path, kn_buf *buf)
{
    kn_err err;
    if (kn_file_read(path, buf, &err) == KN_OK)
        return CLI_EXIT_OK;
    cli_error("%s: %s", cmd, err.msg);
    return CLI_EXIT_USAGE;
}
