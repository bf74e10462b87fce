/* cli_client.c - `knute client add|list`: machine clients (supplier systems,
 * EPJ systems, alarm receivers) that call the API with a bearer JWT from the
 * configured issuer or, in local set-ups, a static API key. An API key is
 * printed once at creation; only its hash is stored. */
#include "cli.h"

#include "../auth/auth.h"
#include "../core/core_util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int client_fill(int argc, char **argv, store_client *c)
{
    static const char *const valued[] = {"kind", "client-id", "scope", "grant", NULL};
    const char *name = cli_positional(argc, argv, 1, valued);
    const char *kind = cli_option(argc, argv, "kind");
    const char *client_id = cli_option(argc, argv, "client-id");
    const char *scope = cli_option(argc, argv, "scope");
    memset(c, 0, sizeof *c);
    if (!name || !kind || (strcmp(kind, "apikey") != 0 && strcmp(kind, "jwt") != 0)) {
        cli_error("client add: need NAME and --kind apikey|jwt");
        return CLI_EXIT_USAGE;
    }
    c->kind = strcmp(kind, "jwt") == 0 ? STORE_CLIENT_JWT : STORE_CLIENT_APIKEY;
    if (c->kind == STORE_CLIENT_JWT && !client_id) {
        cli_error("client add: --kind jwt needs --client-id (the token's client_id claim)");
        return CLI_EXIT_USAGE;
    }
    if (kn_strcpy(c->name, sizeof c->name, name) != KN_OK ||
        kn_strcpy(c->jwt_client_id, sizeof c->jwt_client_id, client_id ? client_id : "") != KN_OK ||
        kn_strcpy(c->scopes, sizeof c->scopes, scope ? scope : "") != KN_OK) {
        cli_error("client add: name, client id or scope too long");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int client_add(store *st, store_client *pending, int argc, char **argv)
{
    store_client c = *pending;
    int rc = cli_parse_grants(st, argc, argv, c.grants, STORE_MAX_GRANTS, &c.ngrants);
    if (rc != CLI_EXIT_OK)
        return rc;
    kn_err err;
    char key[64] = "";
    rc = c.kind == STORE_CLIENT_JWT ? auth_client_add_jwt(st, &c, &err)
                                    : auth_client_add_apikey(st, &c, key, &err);
    if (rc != KN_OK) {
        cli_error("client add: %s", err.msg);
        return rc == KN_EINVAL || rc == KN_ECONFLICT ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    printf("client %s added (id %s)\n", c.name, c.id);
    if (key[0])
        printf("API key (shown once, store it safely): %s\n", key);
    sodium_memzero(key, sizeof key);
    return CLI_EXIT_OK;
}

static int client_list(store *st)
{
    kn_err err;
    store_client *list = NULL;
    size_t n = 0;
    if (st->ops->client_list(st, &list, &n, &err) != KN_OK) {
        cli_error("client list: %s", err.msg);
        return CLI_EXIT_FAIL;
    }
    printf("%-24s %-6s %-24s %-30s %s\n", "NAME", "KIND", "CLIENT_ID", "SCOPES", "GRANTS");
    for (size_t i = 0; i < n; i++) {
        char grants[512];
        cli_format_grants(list[i].grants, list[i].ngrants, grants, sizeof grants);
        printf("%-24s %-6s %-24s %-30s %s%s\n", list[i].name,
               list[i].kind == STORE_CLIENT_JWT ? "jwt" : "apikey",
               list[i].jwt_client_id[0] ? list[i].jwt_client_id : "-", list[i].scopes, grants,
               list[i].disabled ? " (disabled)" : "");
    }
    free(list);
    return CLI_EXIT_OK;
}

static int client_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {"kind", "client-id", "scope", "grant", NULL};
    const char *verb = cli_positional(argc, argv, 0, allowed);
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    int adding = verb && strcmp(verb, "add") == 0;
    if (!adding && !(verb && strcmp(verb, "list") == 0)) {
        cli_error("client: say add or list (see knute client --help)");
        return CLI_EXIT_USAGE;
    }
    store_client pending;  /* add's arguments are checked before the database opens */
    if (adding && client_fill(argc, argv, &pending) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = adding ? client_add(st, &pending, argc, argv) : client_list(st);
    store_close(st);
    return rc;
}

const cli_command cli_client_command = {
    "client", "Add or list machine clients (JWT or API key)",
    "Usage: knute client add NAME --kind jwt --client-id ID --grant ORGNR:ROLES [--grant ...]\n"
    "       knute client add NAME --kind apikey --scope \"SCOPE ...\" --grant ORGNR:ROLES\n"
    "       knute client list\n\n"
    "A jwt client is recognised by the client_id claim of tokens signed by the\n"
    "configured issuer (jwks_file, jwt_issuer, jwt_audience); its scopes come from\n"
    "the token. An apikey client gets a random key, printed once; only its SHA-256\n"
    "is stored. Scopes in use: knute/api, knute/citizens.read, knute/citizens.write,\n"
    "knute/metrics.\n",
    client_run,
};
