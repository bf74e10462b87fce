/* cli_epjsim.c - `knute epj-sim`: run the test EPJ (src/epjsim) until
 * SIGTERM/SIGINT. listen and port are the usual settings (--listen, --port;
 * port 0 picks a free one, written to --port-file). */
#include "cli.h"

#include "../core/core_util.h"
#include "../epjsim/epjsim.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static int write_port_file(const char *path, int port)
{
    if (!path)
        return CLI_EXIT_OK;
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0) {
        cli_error("epj-sim: cannot write %s", path);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int parse_delay(int argc, char **argv, int *out)
{
    const char *v = cli_option(argc, argv, "ack-delay-ms");
    long n = 0;
    if (v && kn_parse_long(v, 0, 600000, &n) != KN_OK) {
        cli_error("epj-sim: --ack-delay-ms must be 0..600000");
        return CLI_EXIT_USAGE;
    }
    *out = (int)n;
    return CLI_EXIT_OK;
}

static int epjsim_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {"log", "api-key", "ack-delay-ms", "base-path",
                                          "expect-bearer", "port-file", NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    epjsim_opts o = {cfg->listen, (int)cfg->port, cli_option(argc, argv, "base-path"),
                     cli_option(argc, argv, "log"), cli_option(argc, argv, "api-key"), 0,
                     cli_option(argc, argv, "expect-bearer")};
    if (parse_delay(argc, argv, &o.ack_delay_ms) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    epjsim *sim = NULL;
    kn_err err;
    if (epjsim_start(&o, &sim, &err) != KN_OK) {
        cli_error("%s", err.msg);
        return CLI_EXIT_FAIL;
    }
    int rc = write_port_file(cli_option(argc, argv, "port-file"), epjsim_port(sim));
    printf("epj-sim listening on http://%s:%d/\n", cfg->listen, epjsim_port(sim));
    fflush(stdout);
    int sig = 0;
    if (rc == CLI_EXIT_OK)
        sigwait(&set, &sig);
    epjsim_stop(sim);
    return rc;
}

const cli_command cli_epjsim_command = {
    "epj-sim", "Run a test EPJ that receives hub deliveries and acknowledges them",
    "Usage: knute epj-sim [--port=N] [--listen=ADDR] [--log FILE] [--api-key KEY]\n"
    "                     [--ack-delay-ms MS] [--base-path PATH] [--expect-bearer TOKEN]\n"
    "                     [--port-file FILE]\n\n"
    "Accepts deliveries (POST under --base-path, default /), records each in arrival\n"
    "order and as a JSON line in --log, and acknowledges it by POSTing to its\n"
    "X-Knute-Ack-Url with --api-key (after --ack-delay-ms). Control:\n"
    "  POST /_control {\"mode\":\"ok|fail|slow|down\",\"status\":503,\"delay_ms\":2000,\n"
    "                  \"down_s\":30,\"reject\":\"substring\",\"reject_status\":400}\n"
    "  GET  /_received   accepted deliveries in arrival order (?all=1: every one)\n"
    "  GET  /_stats      counters\n"
    "With --expect-bearer, deliveries without that bearer token get 401.\n"
    "Port 0 picks a free port (see --port-file). Stops on SIGTERM or SIGINT.\n",
    epjsim_run,
};
