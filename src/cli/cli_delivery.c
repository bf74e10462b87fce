/* cli_delivery.c - `knute delivery`: the hub's destinations, routes and
 * dead-letter queue from the command line (local administration: no access
 * check, audited as "system"). Bearer secrets come from a file or standard
 * input, never from the command line (ps would show them), and are never
 * printed.
 */
#include "cli.h"

#include "../core/core_buf.h"
#include "../core/core_util.h"
#include "../hub/hub_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const valued[] = {"receiver", "url", "mode", "auth", "secret-file", "cert",
                                     "key", "ca", "concurrency", "max-attempts",
                                     "backoff-base-ms", "backoff-max-ms", "event", "dest",
                                     "limit", "id", NULL};

static int opt_int(int argc, char **argv, const char *name, long lo, long hi, int *out)
{
    const char *v = cli_option(argc, argv, name);
    long n = 0;
    if (!v)
        return CLI_EXIT_OK;
    if (kn_parse_long(v, lo, hi, &n) != KN_OK) {
        cli_error("--%s must be a whole number in %ld..%ld", name, lo, hi);
        return CLI_EXIT_USAGE;
    }
    *out = (int)n;
    return CLI_EXIT_OK;
}

static int opt_str(int argc, char **argv, const char *name, char *dst, size_t size)
{
    const char *v = cli_option(argc, argv, name);
    if (v && kn_strcpy(dst, size, v) != KN_OK) {
        cli_error("--%s is too long", name);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* The bearer token from --secret-file (first line; "-" = standard input). */
static int read_secret(const char *path, char *out, size_t size)
{
    kn_buf buf;
    kn_buf_init(&buf, 4096);
    kn_err err;
    int rc = kn_file_read(path, &buf, &err);
    if (rc == KN_OK) {
        size_t len = strcspn(buf.data ? buf.data : "", "\r\n");
        if (len == 0 || len >= size)
            rc = KN_EINVAL;
        else
            memcpy(out, buf.data, len), out[len] = '\0';
    }
    kn_buf_release(&buf);
    if (rc != KN_OK)
        cli_error("cannot read a token from --secret-file %s", path);
    return rc == KN_OK ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

static int dest_modes(int argc, char **argv, store_hub_dest *d)
{
    const char *mode = cli_option(argc, argv, "mode"), *auth = cli_option(argc, argv, "auth");
    d->mode = DEST_PUSH;
    if (mode && hub_dest_mode_parse(mode, &d->mode) != KN_OK) {
        cli_error("--mode must be push or pull");
        return CLI_EXIT_USAGE;
    }
    if (auth && hub_dest_auth_parse(auth, &d->auth) != KN_OK) {
        cli_error("--auth must be none, bearer or mtls");
        return CLI_EXIT_USAGE;
    }
    const char *secret = cli_option(argc, argv, "secret-file");
    return secret ? read_secret(secret, d->secret, sizeof d->secret) : CLI_EXIT_OK;
}

static int dest_fill(int argc, char **argv, store_hub_dest *d)
{
    memset(d, 0, sizeof *d);
    const char *name = cli_positional(argc, argv, 2, valued);
    if (!name || kn_strcpy(d->name, sizeof d->name, name) != KN_OK) {
        cli_error("usage: knute delivery dest add NAME --receiver ORGNR --url URL ...");
        return CLI_EXIT_USAGE;
    }
    int rc = opt_str(argc, argv, "receiver", d->receiver, sizeof d->receiver);
    rc = rc ? rc : opt_str(argc, argv, "id", d->id, sizeof d->id);
    rc = rc ? rc : opt_str(argc, argv, "url", d->url, sizeof d->url);
    rc = rc ? rc : opt_str(argc, argv, "cert", d->cert_file, sizeof d->cert_file);
    rc = rc ? rc : opt_str(argc, argv, "key", d->key_file, sizeof d->key_file);
    rc = rc ? rc : opt_str(argc, argv, "ca", d->ca_file, sizeof d->ca_file);
    rc = rc ? rc : opt_int(argc, argv, "concurrency", 1, 256, &d->max_concurrency);
    rc = rc ? rc : opt_int(argc, argv, "max-attempts", 0, 1000000, &d->max_attempts);
    rc = rc ? rc : opt_int(argc, argv, "backoff-base-ms", 1, 3600000, &d->backoff_base_ms);
    rc = rc ? rc : opt_int(argc, argv, "backoff-max-ms", 1, 86400000, &d->backoff_max_ms);
    return rc ? rc : dest_modes(argc, argv, d);
}

static int fail(const char *what, const kn_err *err)
{
    cli_error("%s: %s", what, err->msg);
    return err->status == KN_EINVAL || err->status == KN_ENOTFOUND ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

static int dest_cmd(store *st, const char *verb, int argc, char **argv)
{
    kn_err err;
    if (verb && strcmp(verb, "add") == 0) {
        store_hub_dest d;
        int rc = dest_fill(argc, argv, &d);
        if (rc != CLI_EXIT_OK)
            return rc;
        if (hub_dest_save(st, NULL, &d, NULL, &err) != KN_OK)
            return fail("delivery dest add", &err);
        printf("destination %s (%s) for %s\n", d.id, d.name, d.receiver);
        return CLI_EXIT_OK;
    }
    if (verb && strcmp(verb, "list") == 0) {
        store_hub_dest *list = NULL;
        size_t n = 0;
        if (hub_dest_list(st, NULL, cli_option(argc, argv, "receiver"), &list, &n, &err) != KN_OK)
            return fail("delivery dest list", &err);
        for (size_t i = 0; i < n; i++)
            printf("%s  %s  %-4s %-6s conc=%d attempts=%d  %s  %s\n", list[i].id, list[i].receiver,
                   hub_dest_mode_name(list[i].mode), hub_dest_auth_name(list[i].auth),
                   list[i].max_concurrency, list[i].max_attempts, list[i].name, list[i].url);
        free(list);
        return CLI_EXIT_OK;
    }
    cli_error("usage: knute delivery dest add|list ...");
    return CLI_EXIT_USAGE;
}

static int route_fill(int argc, char **argv, store_hub_route *r)
{
    memset(r, 0, sizeof *r);
    int rc = opt_str(argc, argv, "receiver", r->receiver, sizeof r->receiver);
    rc = rc ? rc : opt_str(argc, argv, "event", r->event, sizeof r->event);
    rc = rc ? rc : opt_str(argc, argv, "dest", r->dest_id, sizeof r->dest_id);
    if (rc == CLI_EXIT_OK && (!r->receiver[0] || !r->event[0] || !r->dest_id[0])) {
        cli_error("route needs --receiver ORGNR --event EVENT|'*' --dest DEST_ID");
        return CLI_EXIT_USAGE;
    }
    return rc;
}

static int route_cmd(store *st, const char *verb, int argc, char **argv)
{
    kn_err err;
    store_hub_route r;
    int add = verb && strcmp(verb, "add") == 0, remove = verb && strcmp(verb, "remove") == 0;
    if (add || remove) {
        int rc = route_fill(argc, argv, &r);
        if (rc != CLI_EXIT_OK)
            return rc;
        rc = add ? hub_route_add(st, NULL, &r, NULL, &err) : hub_route_remove(st, NULL, &r, NULL, &err);
        if (rc != KN_OK)
            return fail(add ? "delivery route add" : "delivery route remove", &err);
        printf("route %s %s -> %s %s\n", r.receiver, r.event, r.dest_id, add ? "added" : "removed");
        return CLI_EXIT_OK;
    }
    if (verb && strcmp(verb, "list") == 0) {
        store_hub_route *list = NULL;
        size_t n = 0;
        if (hub_route_list(st, NULL, cli_option(argc, argv, "receiver"), &list, &n, &err) != KN_OK)
            return fail("delivery route list", &err);
        for (size_t i = 0; i < n; i++)
            printf("%s  %-40s -> %s\n", list[i].receiver, list[i].event, list[i].dest_id);
        free(list);
        return CLI_EXIT_OK;
    }
    cli_error("usage: knute delivery route add|list|remove ...");
    return CLI_EXIT_USAGE;
}

static int dead_list_cmd(store *st, int argc, char **argv)
{
    int limit = 100;
    if (opt_int(argc, argv, "limit", 1, HUB_DEAD_PAGE_MAX, &limit) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    store_hub_delivery *list = NULL;
    size_t n = 0;
    kn_err err;
    if (hub_dead_list(st, NULL, cli_option(argc, argv, "receiver"), 0, (size_t)limit, &list, &n,
                      &err) != KN_OK)
        return fail("delivery dead list", &err);
    for (size_t i = 0; i < n; i++)
        printf("%s  message=%s dest=%s attempts=%d  %s\n", list[i].id, list[i].message_id,
               list[i].dest_id, list[i].attempts, list[i].last_error);
    free(list);
    return CLI_EXIT_OK;
}

static int dead_show_cmd(store *st, const char *id)
{
    hub_delivery_view v;
    kn_err err;
    if (!id) {
        cli_error("usage: knute delivery dead show DELIVERY_ID");
        return CLI_EXIT_USAGE;
    }
    if (hub_delivery_view_get(st, NULL, id, &v, &err) != KN_OK)
        return fail("delivery dead show", &err);
    printf("delivery %s  %s  message %s (%s %s)  dest %s (%s)\n", v.d.id,
           hub_delivery_status_name(v.d.status), v.msg.id, v.msg.kind, v.msg.event, v.dest.id,
           v.dest.name);
    for (size_t i = 0; i < v.nattempts; i++)
        printf("  attempt %d  at %lld ms  %lld ms  HTTP %d  %s\n", v.attempts[i].n,
               (long long)v.attempts[i].started_at, (long long)v.attempts[i].duration_ms,
               v.attempts[i].http_status, v.attempts[i].error);
    hub_delivery_view_release(&v);
    return CLI_EXIT_OK;
}

static int dead_requeue_cmd(store *st, int argc, char **argv)
{
    int rc = CLI_EXIT_OK;
    for (int i = 2; cli_positional(argc, argv, i, valued); i++) {
        const char *id = cli_positional(argc, argv, i, valued);
        kn_err err;
        if (hub_dead_requeue(st, NULL, id, NULL, &err) != KN_OK)
            rc = fail(id, &err);
        else
            printf("requeued %s\n", id);
    }
    if (!cli_positional(argc, argv, 2, valued)) {
        cli_error("usage: knute delivery dead requeue DELIVERY_ID...");
        return CLI_EXIT_USAGE;
    }
    return rc;
}

static int dead_cmd(store *st, const char *verb, int argc, char **argv)
{
    if (verb && strcmp(verb, "list") == 0)
        return dead_list_cmd(st, argc, argv);
    if (verb && strcmp(verb, "show") == 0)
        return dead_show_cmd(st, cli_positional(argc, argv, 2, valued));
    if (verb && strcmp(verb, "requeue") == 0)
        return dead_requeue_cmd(st, argc, argv);
    cli_error("usage: knute delivery dead list|show|requeue ...");
    return CLI_EXIT_USAGE;
}

static int delivery_run(kn_config *cfg, int argc, char **argv)
{
    if (cli_check_options(argc, argv, valued) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    const char *what = cli_positional(argc, argv, 0, valued);
    const char *verb = cli_positional(argc, argv, 1, valued);
    if (!what || (strcmp(what, "dest") && strcmp(what, "route") && strcmp(what, "dead"))) {
        cli_error("usage: knute delivery dest|route|dead VERB ... (knute delivery --help)");
        return CLI_EXIT_USAGE;
    }
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = !strcmp(what, "dest")    ? dest_cmd(st, verb, argc, argv)
         : !strcmp(what, "route") ? route_cmd(st, verb, argc, argv)
                                  : dead_cmd(st, verb, argc, argv);
    store_close(st);
    return rc;
}

const cli_command cli_delivery_command = {
    "delivery", "Hub delivery: EPJ destinations, routes and the dead-letter queue",
    "Usage:\n"
    "  knute delivery dest add NAME --receiver ORGNR --url URL [--mode push|pull]\n"
    "        [--auth none|bearer|mtls] [--secret-file FILE|-] [--cert PEM --key PEM]\n"
    "        [--ca PEM] [--concurrency N] [--max-attempts N (0 = forever)]\n"
    "        [--backoff-base-ms MS] [--backoff-max-ms MS] [--id DEST_ID (update)]\n"
    "  knute delivery dest list [--receiver ORGNR]\n"
    "  knute delivery route add|remove --receiver ORGNR --event EVENT|'*' --dest DEST_ID\n"
    "  knute delivery route list [--receiver ORGNR]\n"
    "  knute delivery dead list --receiver ORGNR [--limit N]\n"
    "  knute delivery dead show DELIVERY_ID\n"
    "  knute delivery dead requeue DELIVERY_ID...\n\n"
    "A push destination receives POST {url}/$process-message (message Bundles) or\n"
    "{url}/{Kind}. Bearer tokens are read from --secret-file and never printed.\n",
    delivery_run,
};
