/* cli_hub.c - `knute hub`: the operator's side of the hub (knutepunkt).
 *
 *   knute hub grant add|remove --client NAME|ID --receiver ORGNR --resource R --access read|write
 *   knute hub grant list [--receiver ORGNR]
 *   knute hub send --receiver ORGNR --client NAME|ID [--kind K] FILE
 *   knute hub status ID
 *
 * The local operator acts without a principal on the register (like `knute
 * user add`); `send` runs intake as the named client through the same domain
 * function as POST /epj/r4/{orgnr}/..., so it is validated, checked against
 * the register, deduplicated and audited the same way.
 */
#include "cli.h"

#include "../core/core_util.h"
#include "../hub/hub.h"
#include "../nid/nid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HUB_FILE_MAX (1u << 20)

static const char *const VALUED[] = {"client", "receiver", "resource", "access", "kind", NULL};

static int exit_for(int status)
{
    return status == KN_EINVAL || status == KN_ENOTFOUND || status == KN_EFORBIDDEN ||
                   status == KN_EUNPROCESSABLE
               ? CLI_EXIT_USAGE
               : CLI_EXIT_FAIL;
}

static void hub_setup(const kn_config *cfg, store *st, hub_ctx *hub)
{
    /* every field: what is not named here (delivery engine, intake hook) is off */
    *hub = (hub_ctx){.st = st,
                     .environment = strcmp(cfg->environment, "production") == 0
                                        ? NID_ENV_PRODUCTION
                                        : NID_ENV_TEST,
                     .public_url = cfg->public_url};
}

/* ---- grant ---- */

static int grant_from_args(int argc, char **argv, store_hub_grant *g)
{
    const char *client = cli_option(argc, argv, "client");
    const char *receiver = cli_option(argc, argv, "receiver");
    const char *resource = cli_option(argc, argv, "resource");
    const char *access = cli_option(argc, argv, "access");
    memset(g, 0, sizeof *g);
    if (!client || !receiver || !resource || !access) {
        cli_error("hub grant: need --client, --receiver, --resource and --access");
        return CLI_EXIT_USAGE;
    }
    if (kn_strcpy(g->client_id, sizeof g->client_id, client) != KN_OK ||
        kn_strcpy(g->receiver, sizeof g->receiver, receiver) != KN_OK ||
        kn_strcpy(g->resource, sizeof g->resource, resource) != KN_OK ||
        kn_strcpy(g->access, sizeof g->access, access) != KN_OK) {
        cli_error("hub grant: an argument is too long");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int grant_change(hub_ctx *hub, int add, int argc, char **argv)
{
    store_hub_grant g;
    if (grant_from_args(argc, argv, &g) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    kn_err err;
    int rc = add ? hub_grant_add(hub, NULL, &g, NULL, &err) : hub_grant_remove(hub, NULL, &g, NULL, &err);
    if (rc != KN_OK) {
        cli_error("hub grant %s: %s", add ? "add" : "remove", err.msg);
        return exit_for(rc);
    }
    printf("grant %s: client %s may %s %s of %s\n", add ? "added" : "removed", g.client_id,
           g.access, g.resource, g.receiver);
    return CLI_EXIT_OK;
}

static int grant_list(hub_ctx *hub, int argc, char **argv)
{
    store_hub_grant *list = NULL;
    size_t n = 0;
    kn_err err;
    int rc = hub_grant_list(hub, NULL, cli_option(argc, argv, "receiver"), &list, &n, &err);
    if (rc != KN_OK) {
        cli_error("hub grant list: %s", err.msg);
        return exit_for(rc);
    }
    printf("%-32s %-9s %-20s %s\n", "CLIENT_ID", "RECEIVER", "RESOURCE", "ACCESS");
    for (size_t i = 0; i < n; i++)
        printf("%-32s %-9s %-20s %s\n", list[i].client_id, list[i].receiver, list[i].resource,
               list[i].access);
    free(list);
    return CLI_EXIT_OK;
}

static int grant_run(hub_ctx *hub, int argc, char **argv)
{
    const char *verb = cli_positional(argc, argv, 1, VALUED);
    if (verb && strcmp(verb, "add") == 0)
        return grant_change(hub, 1, argc, argv);
    if (verb && strcmp(verb, "remove") == 0)
        return grant_change(hub, 0, argc, argv);
    if (verb && strcmp(verb, "list") == 0)
        return grant_list(hub, argc, argv);
    cli_error("hub grant: say add, remove or list");
    return CLI_EXIT_USAGE;
}

/* ---- send ---- */

/* The client named (or with the id) `who` as a principal. */
static int client_principal(store *st, const char *who, auth_principal *p)
{
    store_client *list = NULL;
    size_t n = 0;
    kn_err err;
    if (st->ops->client_list(st, &list, &n, &err) != KN_OK) {
        cli_error("hub send: %s", err.msg);
        return CLI_EXIT_FAIL;
    }
    int rc = CLI_EXIT_USAGE;
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < n && rc != CLI_EXIT_OK; i++) {
        if (strcmp(list[i].name, who) != 0 && strcmp(list[i].id, who) != 0)
            continue;
        p->kind = AUTH_PRINCIPAL_CLIENT;
        memcpy(p->id, list[i].id, sizeof p->id);
        memcpy(p->name, list[i].name, sizeof p->name);
        memcpy(p->scopes, list[i].scopes, sizeof p->scopes);
        p->ngrants = list[i].ngrants;
        memcpy(p->grants, list[i].grants, sizeof p->grants);
        rc = CLI_EXIT_OK;
    }
    free(list);
    if (rc != CLI_EXIT_OK)
        cli_error("hub send: no client named '%s'", who);
    return rc;
}

static void print_outcome(const fhir_outcome *oc)
{
    kn_buf out;
    kn_buf_init(&out, 16u << 20);
    if (fhir_outcome_to_json(oc, &out) == KN_OK)
        printf("%s\n", out.data);
    kn_buf_release(&out);
}

static int send_file(hub_ctx *hub, const auth_principal *who, const char *receiver,
                     const char *kind, const kn_buf *body)
{
    hub_intake_req req = {who, receiver, kind, body->data ? body->data : "", body->len, NULL};
    hub_intake_op op;
    kn_err err;
    int rc = hub_intake(hub, &req, &op, &err);
    if (rc != KN_OK) {
        cli_error("hub send: %s", err.msg);
        if (op.outcome.count)
            print_outcome(&op.outcome);
    } else {
        char path[160];
        hub_status_path(&op.msg, path, sizeof path);
        printf("%s %s\nstatus %s\n", op.dup ? "duplicate of" : "accepted", op.msg.id, path);
    }
    hub_intake_op_release(&op);
    return rc == KN_OK ? CLI_EXIT_OK : exit_for(rc);
}

static int send_run(hub_ctx *hub, int argc, char **argv)
{
    const char *receiver = cli_option(argc, argv, "receiver");
    const char *client = cli_option(argc, argv, "client");
    const char *kind = cli_option(argc, argv, "kind");
    const char *file = cli_positional(argc, argv, 1, VALUED);
    if (!receiver || !client || !file) {
        cli_error("hub send: need --receiver ORGNR --client NAME and FILE");
        return CLI_EXIT_USAGE;
    }
    auth_principal who;
    int rc = client_principal(hub->st, client, &who);
    if (rc != CLI_EXIT_OK)
        return rc;
    kn_buf body;
    kn_buf_init(&body, HUB_FILE_MAX);
    kn_err err;
    if (kn_file_read(file, &body, &err) != KN_OK) {
        cli_error("hub send: %s", err.status == KN_ETOOLARGE ? "file larger than 1 MiB" : err.msg);
        kn_buf_release(&body);
        return CLI_EXIT_USAGE;
    }
    rc = send_file(hub, &who, receiver, kind ? kind : "message", &body);
    kn_buf_release(&body);
    return rc;
}

/* ---- status ---- */

static int status_run(hub_ctx *hub, int argc, char **argv)
{
    const char *id = cli_positional(argc, argv, 1, VALUED);
    store_hub_message m;
    kn_err err;
    if (!id) {
        cli_error("hub status: need a message ID");
        return CLI_EXIT_USAGE;
    }
    int rc = hub->st->ops->hub->message_get(hub->st, id, 0, &m, &err);
    if (rc != KN_OK) {
        cli_error("hub status: %s", err.msg);
        return exit_for(rc);
    }
    char created[32], updated[32];
    kn_time_format(m.created_at / 1000, created, sizeof created);
    kn_time_format(m.updated_at / 1000, updated, sizeof updated);
    printf("id        %s\nreceiver  %s\nsender    %s\nkind      %s\nevent     %s\nstatus    %s\n"
           "routed    %s\ncreated   %s\nupdated   %s\n",
           m.id, m.receiver, m.sender_client, m.kind, m.event, hub_status_name(m.status),
           m.routed ? "yes" : "no", created, updated);
    return CLI_EXIT_OK;
}

static int hub_run(kn_config *cfg, int argc, char **argv)
{
    const char *verb = cli_positional(argc, argv, 0, VALUED);
    if (cli_check_options(argc, argv, VALUED) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    int (*fn)(hub_ctx *, int, char **) = !verb                          ? NULL
                                         : strcmp(verb, "grant") == 0  ? grant_run
                                         : strcmp(verb, "send") == 0   ? send_run
                                         : strcmp(verb, "status") == 0 ? status_run
                                                                       : NULL;
    if (!fn) {
        cli_error("hub: say grant, send or status (see knute hub --help)");
        return CLI_EXIT_USAGE;
    }
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    hub_ctx hub;
    hub_setup(cfg, st, &hub);
    rc = fn(&hub, argc, argv);
    store_close(st);
    return rc;
}

const cli_command cli_hub_command = {
    "hub", "The hub: authorisation register, test intake, message status",
    "Usage: knute hub grant add|remove --client NAME|ID --receiver ORGNR --resource R --access read|write\n"
    "       knute hub grant list [--receiver ORGNR]\n"
    "       knute hub send --receiver ORGNR --client NAME|ID [--kind K] FILE\n"
    "       knute hub status ID\n\n"
    "The authorisation register says which client (one supplier system per\n"
    "municipality, or an EPJ) may write to or read from which receiver\n"
    "municipality, per resource: Bundle (message Bundles and journaling Bundles),\n"
    "Composition, MedicationDispense, or * for all. Intake needs write; status\n"
    "(besides the sender), pull and $journaling-acknowledged need read. Clients\n"
    "also need the scope vkp/write or vkp/read.\n\n"
    "send runs intake as the client, exactly as POST /epj/r4/ORGNR/$process-message\n"
    "(--kind message, the default) or /Bundle, /Composition, /MedicationDispense:\n"
    "validated, checked against the register, stored durably, deduplicated.\n",
    hub_run,
};
