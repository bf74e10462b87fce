/* cli_user.c - `knute user add|list|disable|enable`: manage people who log in
 * to the web UI. Passwords are read from standard input (without echo on a
 * terminal), never from the command line where `ps` would show them. */
#include "cli.h"

#include "../auth/auth.h"
#include "../core/core_util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int read_password(char *out, size_t size)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fputs("Passord: ", stderr);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = fgets(out, (int)size, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!line)
        return CLI_EXIT_USAGE;
    out[strcspn(out, "\r\n")] = '\0';
    return CLI_EXIT_OK;
}

static int user_add(store *st, int argc, char **argv)
{
    static const char *const valued[] = {"name", "grant", NULL};
    const char *username = cli_positional(argc, argv, 1, valued);
    const char *name = cli_option(argc, argv, "name");
    store_user u;
    memset(&u, 0, sizeof u);
    if (kn_strcpy(u.username, sizeof u.username, username) != KN_OK ||
        kn_strcpy(u.display_name, sizeof u.display_name, name) != KN_OK) {
        cli_error("user add: username or name too long");
        return CLI_EXIT_USAGE;
    }
    int rc = cli_parse_grants(st, argc, argv, u.grants, STORE_MAX_GRANTS, &u.ngrants);
    if (rc != CLI_EXIT_OK)
        return rc;
    char password[256];
    if (read_password(password, sizeof password) != CLI_EXIT_OK) {
        cli_error("user add: no password on standard input");
        return CLI_EXIT_USAGE;
    }
    kn_err err;
    rc = auth_user_add(st, &u, password, &err);
    sodium_memzero(password, sizeof password);
    if (rc != KN_OK) {
        cli_error("user add: %s", err.msg);
        return rc == KN_EINVAL || rc == KN_ECONFLICT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    printf("user %s added (id %s)\n", u.username, u.id);
    return CLI_EXIT_OK;
}

static int user_list(store *st)
{
    kn_err err;
    store_user *list = NULL;
    size_t n = 0;
    if (auth_user_list(st, NULL, &list, &n, &err) != KN_OK) {
        cli_error("user list: %s", err.msg);
        return CLI_EXIT_FAIL;
    }
    int64_t now = kn_now_s();
    printf("%-20s %-28s %-8s %s\n", "USERNAME", "NAME", "STATE", "GRANTS");
    for (size_t i = 0; i < n; i++) {
        char grants[512];
        cli_format_grants(list[i].grants, list[i].ngrants, grants, sizeof grants);
        const char *state = list[i].disabled ? "disabled" : list[i].locked_until > now ? "locked" : "active";
        printf("%-20s %-28s %-8s %s\n", list[i].username, list[i].display_name, state, grants);
    }
    free(list);
    return CLI_EXIT_OK;
}

static int user_set_disabled(store *st, int argc, char **argv, int disabled)
{
    const char *username = cli_positional(argc, argv, 1, NULL);
    kn_err err;
    int rc = st->ops->user_set_disabled(st, username, disabled, &err);
    if (rc != KN_OK) {
        cli_error("user %s: %s", disabled ? "disable" : "enable", err.msg);
        return rc == KN_ENOTFOUND ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    printf("user %s %s\n", username, disabled ? "disabled" : "enabled");
    return CLI_EXIT_OK;
}

/* Usage errors are found before the database is opened (or created). */
static int user_check_usage(const char *verb, int argc, char **argv)
{
    static const char *const valued[] = {"name", "grant", NULL};
    static const char *const verbs[] = {"add", "list", "disable", "enable"};
    int known = 0;
    for (size_t i = 0; i < 4; i++)
        known |= verb && strcmp(verb, verbs[i]) == 0;
    if (!known) {
        cli_error("user: say add, list, disable or enable (see knute user --help)");
        return CLI_EXIT_USAGE;
    }
    if (strcmp(verb, "add") == 0 && (!cli_positional(argc, argv, 1, valued) ||
                                     !cli_option(argc, argv, "name") || !cli_option(argc, argv, "grant"))) {
        cli_error("user add: need USERNAME, --name \"Full Name\" and --grant ORGNR:ROLE[,ROLE]");
        return CLI_EXIT_USAGE;
    }
    if ((strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0) &&
        !cli_positional(argc, argv, 1, valued)) {
        cli_error("user %s: need USERNAME", verb);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int user_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {"name", "grant", NULL};
    const char *verb = cli_positional(argc, argv, 0, allowed);
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK ||
        user_check_usage(verb, argc, argv) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (strcmp(verb, "add") == 0)
        rc = user_add(st, argc, argv);
    else if (strcmp(verb, "list") == 0)
        rc = user_list(st);
    else
        rc = user_set_disabled(st, argc, argv, strcmp(verb, "disable") == 0);
    store_close(st);
    return rc;
}

const cli_command cli_user_command = {
    "user", "Add, list, disable or enable users of the web UI",
    "Usage: knute user add USERNAME --name \"Full Name\" --grant ORGNR:ROLE[,ROLE] [--grant ...]\n"
    "       knute user list\n"
    "       knute user disable USERNAME\n"
    "       knute user enable USERNAME\n\n"
    "add reads the password (at least 10 characters) from standard input, without\n"
    "echo on a terminal. Roles: operator, case_worker, nurse, coordinator, admin,\n"
    "supplier, reviewer, auditor. A grant gives roles at one organisation (9-digit\n"
    "organisation number); a user may hold up to 8 grants.\n",
    user_run,
};
