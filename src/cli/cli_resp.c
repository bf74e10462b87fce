/* cli_resp.c - `knute resp`: the response service from the command line.
 *
 *   knute resp stats [--municipality ORGNR[,ORGNR...]] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
 *                    [--csv months|citizens] [--json]
 *   knute resp coverage --municipality ORGNR
 *   knute resp rules --municipality ORGNR [--json]
 *
 * The local operator acts without a principal (like `knute hub` and
 * `knute gevinst plan`): resp_stats_get then skips the access check and
 * audits as "system"; the rules are read from the store (st->ops->resp),
 * since resp_rule_list wants a principal. stats prints the service levels (docs/
 * response.md, "Service levels") as a table, JSON or one CSV table; coverage
 * lists the hours of the week no routing rule covers and exits 1 when there
 * are any; rules lists the routing rules.
 * Exit codes: 0 ok (coverage: fully covered), 1 failure or gaps, 2 bad usage.
 */
#include "cli.h"

#include "../core/core_util.h"
#include "../nid/nid.h"
#include "../resp/resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESP_CLI_OUT_MAX (256u << 20)
#define RESP_CLI_MUNIS_MAX 64

static const char *const VALUED[] = {"municipality", "from", "to", "csv", NULL};
static const char *const ALLOWED[] = {"municipality", "from", "to", "csv", "json", NULL};
static const char *const DAYS[7] = {"man", "tir", "ons", "tor", "fre", "lør", "søn"};

static int exit_for(int status)
{
    return status == KN_EINVAL || status == KN_ENOTFOUND || status == KN_EFORBIDDEN
               ? CLI_EXIT_USAGE
               : CLI_EXIT_FAIL;
}

/* ---- municipalities ---- */

typedef struct muni_list {
    char orgnr[RESP_CLI_MUNIS_MAX][STORE_ORGNR_LEN];
    const char *ptr[RESP_CLI_MUNIS_MAX];
    size_t n;
} muni_list;

static int muni_add(store *st, muni_list *m, const char *orgnr, size_t len)
{
    store_org org;
    kn_err err;
    if (m->n == RESP_CLI_MUNIS_MAX || len == 0 || len >= STORE_ORGNR_LEN) {
        cli_error("resp: too many municipalities or a bad organisation number");
        return CLI_EXIT_USAGE;
    }
    memcpy(m->orgnr[m->n], orgnr, len);
    m->orgnr[m->n][len] = '\0';
    if (st->ops->org_get(st, m->orgnr[m->n], &org, &err) != KN_OK ||
        org.kind != STORE_ORG_MUNICIPALITY) {
        cli_error("resp: no municipality %s", m->orgnr[m->n]);
        return CLI_EXIT_USAGE;
    }
    m->ptr[m->n] = m->orgnr[m->n];
    m->n++;
    return CLI_EXIT_OK;
}

/* --municipality A,B (required unless all_default), else every municipality. */
static int munis_get(store *st, int argc, char **argv, int all_default, muni_list *m)
{
    const char *arg = cli_option(argc, argv, "municipality");
    m->n = 0;
    if (arg) {
        for (const char *p = arg;;) {
            size_t len = strcspn(p, ",");
            int rc = muni_add(st, m, p, len);
            if (rc != CLI_EXIT_OK)
                return rc;
            if (!p[len])
                return CLI_EXIT_OK;
            p += len + 1;
        }
    }
    if (!all_default) {
        cli_error("resp %s: need --municipality ORGNR", argv[0]);
        return CLI_EXIT_USAGE;
    }
    store_org *orgs = NULL;
    size_t n = 0;
    kn_err err;
    if (st->ops->org_list(st, &orgs, &n, &err) != KN_OK) {
        cli_error("resp: %s", err.msg);
        return CLI_EXIT_FAIL;
    }
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++)
        if (orgs[i].kind == STORE_ORG_MUNICIPALITY)
            rc = muni_add(st, m, orgs[i].orgnr, strlen(orgs[i].orgnr));
    free(orgs);
    if (rc == CLI_EXIT_OK && m->n == 0) {
        cli_error("resp stats: no municipality in the database");
        rc = CLI_EXIT_FAIL;
    }
    return rc;
}

/* ---- stats ---- */

/* The local midnight starting date, or (end) the one after it. */
static int date_ms(const char *date, int end, int64_t *ms)
{
    kn_err err;
    char next[48];
    if (resp_stats_day_start(date, ms, &err) != KN_OK) {
        cli_error("resp stats: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    if (!end)
        return CLI_EXIT_OK;
    int y = 0, m = 0, d = 0;
    sscanf(date, "%4d-%2d-%2d", &y, &m, &d);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_hour = 12};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    snprintf(next, sizeof next, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return resp_stats_day_start(next, ms, &err) == KN_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* --from (default: the first day of the month eleven months back, so twelve
 * months with the current one) and --to (inclusive; default: now), like the API. */
static int period_get(int argc, char **argv, int64_t *from, int64_t *to)
{
    const char *f = cli_option(argc, argv, "from"), *t = cli_option(argc, argv, "to");
    int rc = CLI_EXIT_OK;
    *to = kn_now_ms() + 1;
    if (t)
        rc = date_ms(t, 1, to);
    if (rc == CLI_EXIT_OK && f) {
        rc = date_ms(f, 0, from);
    } else if (rc == CLI_EXIT_OK) {
        time_t end = (time_t)(*to / 1000);
        struct tm tm;
        gmtime_r(&end, &tm);
        int back = tm.tm_year * 12 + tm.tm_mon - 11;
        char date[48];
        snprintf(date, sizeof date, "%04d-%02d-01", back / 12 + 1900, back % 12 + 1);
        rc = date_ms(date, 0, from);
    }
    if (rc == CLI_EXIT_OK && *from >= *to) {
        cli_error("resp stats: --to must not be before --from");
        rc = CLI_EXIT_USAGE;
    }
    return rc;
}

/* Seconds, or "-" when there is no such figure. */
static const char *secs(double s, char *buf, size_t size)
{
    if (s < 0)
        return "-";
    snprintf(buf, size, "%.0f", s);
    return buf;
}

static void print_stats(const resp_stats *s)
{
    char a[32], b[32], c[32], d[32];
    printf("targets: %.1f %% within 60 s, %.1f %% within 180 s (TSA)\n", 100 * RESP_TARGET_60,
           100 * RESP_TARGET_180);
    printf("%-9s %-7s %7s %7s %7s %9s %9s %9s %9s %8s %8s %8s\n", "MUNI", "MONTH", "ALARMS",
           "60S_%", "180S_%", "CLAIM_MED", "CLAIM_P90", "CLOSE_MED", "CLOSE_P90", "CALLOUTS",
           "CITIZENS", "PER_CIT");
    for (size_t i = 0; i < s->nmonths; i++) {
        const resp_month_stats *m = &s->months[i];
        printf("%-9s %-7s %7lld %6.1f%s %6.1f%s %9s %9s %9s %9s %8lld %8lld %8.2f\n",
               m->municipality, m->month, (long long)m->alarms, 100 * m->share_60,
               m->share_60 >= RESP_TARGET_60 ? " " : "!", 100 * m->share_180,
               m->share_180 >= RESP_TARGET_180 ? " " : "!", secs(m->claim_median_s, a, sizeof a),
               secs(m->claim_p90_s, b, sizeof b), secs(m->close_median_s, c, sizeof c),
               secs(m->close_p90_s, d, sizeof d), (long long)m->callouts,
               (long long)m->citizens, m->alarms_per_citizen);
    }
    size_t abnormal = 0;
    for (size_t i = 0; i < s->nrates; i++)
        abnormal += s->rates[i].abnormal != 0;
    printf("%zu citizen(s) with alarms, %zu with an abnormally high rate\n", s->nrates, abnormal);
    for (size_t i = 0; i < s->nrates; i++) {
        const resp_citizen_rate *r = &s->rates[i];
        if (r->abnormal)
            printf("  %-9s %-32s %6lld alarms, %.2f per 30 days (median %.2f)\n", r->municipality,
                   r->citizen_id, (long long)r->alarms, r->per_30_days, r->municipality_median);
    }
}

static int stats_output(const resp_stats *s, const char *table, int json)
{
    kn_err err;
    if (json) {
        json_t *j = resp_stats_to_json(s);
        char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
        json_decref(j);
        if (!text) {
            cli_error("resp stats: cannot encode JSON");
            return CLI_EXIT_FAIL;
        }
        printf("%s\n", text);
        free(text);
        return CLI_EXIT_OK;
    }
    if (!table) {
        print_stats(s);
        return CLI_EXIT_OK;
    }
    kn_buf out;
    kn_buf_init(&out, RESP_CLI_OUT_MAX);
    int rc = resp_stats_csv(s, table, &out, &err);
    if (rc == KN_OK)
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    else
        cli_error("resp stats: %s", err.msg);
    kn_buf_release(&out);
    return rc == KN_OK ? CLI_EXIT_OK : exit_for(rc);
}

static int stats_run(resp_ctx *ctx, store *st, int argc, char **argv)
{
    const char *table = cli_option(argc, argv, "csv");
    int json = cli_flag(argc, argv, "json");
    if (json && table) {
        cli_error("resp stats: choose --json or --csv");
        return CLI_EXIT_USAGE;
    }
    if (table && strcmp(table, "months") != 0 && strcmp(table, "citizens") != 0) {
        cli_error("resp stats: --csv months or --csv citizens");
        return CLI_EXIT_USAGE;
    }
    muni_list m;
    int64_t from = 0, to = 0;
    int rc = munis_get(st, argc, argv, 1, &m);
    if (rc == CLI_EXIT_OK)
        rc = period_get(argc, argv, &from, &to);
    if (rc != CLI_EXIT_OK)
        return rc;
    resp_stats s;
    kn_err err;
    int status = resp_stats_get(ctx, NULL, m.ptr, m.n, from, to, NULL, &s, &err);
    if (status != KN_OK) {
        cli_error("resp stats: %s", err.msg);
        return exit_for(status);
    }
    rc = stats_output(&s, table, json);
    resp_stats_free(&s);
    return rc;
}

/* ---- rules and coverage ---- */

static int rules_load(store *st, int argc, char **argv, store_resp_rule **list, size_t *n)
{
    muni_list m;
    kn_err err;
    int rc = munis_get(st, argc, argv, 0, &m);
    if (rc == CLI_EXIT_OK && m.n != 1) {
        cli_error("resp %s: one --municipality", argv[0]);
        rc = CLI_EXIT_USAGE;
    }
    if (rc != CLI_EXIT_OK)
        return rc;
    /* resp_rule_list needs a principal; the local operator reads the store
     * directly (rules are configuration; resp_rule_list audits nothing either) */
    int status = st->ops->resp->rule_list(st, m.ptr[0], list, n, &err);
    if (status != KN_OK) {
        cli_error("resp %s: %s", argv[0], err.msg);
        return exit_for(status);
    }
    return CLI_EXIT_OK;
}

static void hhmm(int minutes, char out[8])
{
    snprintf(out, 8, "%02d:%02d", (minutes / 60) % 100, minutes % 60);
}

static const char *step_kind(int kind)
{
    switch (kind) {
    case RESP_STEP_CENTRE: return "centre";
    case RESP_STEP_HOMECARE: return "homecare";
    case RESP_STEP_ONCALL: return "oncall";
    case RESP_STEP_RELATIVES: return "relatives";
    default: return "?";
    }
}

static void print_rule(const store_resp_rule *r)
{
    char days[64] = "", from[8], to[8];
    for (int d = 0; d < 7; d++)
        if (r->weekdays & (1 << d)) {
            if (days[0])
                strcat(days, ",");
            strcat(days, DAYS[d]);
        }
    hhmm(r->start_min, from);
    hhmm(r->end_min, to);
    printf("%-32s %-24s %-7s %-32s %-27s %s-%s\n", r->id, r->name, r->service,
           r->citizen_id[0] ? r->citizen_id : "-", days, from, to);
    for (int i = 0; i < r->nsteps && i < STORE_RESP_MAX_STEPS; i++)
        printf("    step %d: %-9s %-32s %d s\n", i + 1, step_kind(r->steps[i].kind),
               r->steps[i].target[0] ? r->steps[i].target : "-", r->steps[i].timeout_s);
}

static int rules_run(resp_ctx *ctx, store *st, int argc, char **argv)
{
    (void)ctx;
    store_resp_rule *list = NULL;
    size_t n = 0;
    int rc = rules_load(st, argc, argv, &list, &n);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (cli_flag(argc, argv, "json")) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < n; i++)
            json_array_append_new(arr, resp_rule_to_json(&list[i]));
        char *text = arr ? json_dumps(arr, JSON_INDENT(2)) : NULL;
        json_decref(arr);
        if (text)
            printf("%s\n", text);
        else
            rc = CLI_EXIT_FAIL;
        free(text);
    } else {
        printf("%-32s %-24s %-7s %-32s %-27s %s\n", "ID", "NAME", "SERVICE", "CITIZEN", "DAYS",
               "TIME");
        for (size_t i = 0; i < n; i++)
            print_rule(&list[i]);
    }
    free(list);
    return rc;
}

static int coverage_run(resp_ctx *ctx, store *st, int argc, char **argv)
{
    (void)ctx;
    store_resp_rule *list = NULL;
    size_t n = 0, ngaps = 0;
    resp_gap *gaps = NULL;
    kn_err err;
    int rc = rules_load(st, argc, argv, &list, &n);
    if (rc != CLI_EXIT_OK)
        return rc;
    int status = resp_route_coverage(list, n, &gaps, &ngaps, &err);
    free(list);
    if (status != KN_OK) {
        cli_error("resp coverage: %s", err.msg);
        return exit_for(status);
    }
    if (ngaps == 0)
        printf("covered: every hour of the week has a routing rule\n");
    for (size_t i = 0; i < ngaps; i++) {
        char from[8], to[8];
        hhmm(gaps[i].from_min, from);
        hhmm(gaps[i].to_min, to);
        printf("gap: service %-3s %s %s-%s\n", gaps[i].service,
               gaps[i].weekday >= 0 && gaps[i].weekday < 7 ? DAYS[gaps[i].weekday] : "?", from,
               to);
    }
    if (ngaps)
        fprintf(stderr, "knute: resp coverage: %zu gap(s) in the routing rules\n", ngaps);
    free(gaps);
    return ngaps ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- dispatch ---- */

static int resp_run(kn_config *cfg, int argc, char **argv)
{
    const char *verb = cli_positional(argc, argv, 0, VALUED);
    if (cli_check_options(argc, argv, ALLOWED) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    int (*fn)(resp_ctx *, store *, int, char **) =
        !verb                            ? NULL
        : strcmp(verb, "stats") == 0    ? stats_run
        : strcmp(verb, "coverage") == 0 ? coverage_run
        : strcmp(verb, "rules") == 0    ? rules_run
                                        : NULL;
    if (!fn) {
        cli_error("resp: say stats, coverage or rules (see knute resp --help)");
        return CLI_EXIT_USAGE;
    }
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    resp_opts o;
    memset(&o, 0, sizeof o);
    o.st = st;
    o.environment = strcmp(cfg->environment, "production") == 0 ? NID_ENV_PRODUCTION : NID_ENV_TEST;
    resp_ctx *ctx = NULL;
    kn_err err;
    if (resp_ctx_new(&o, &ctx, &err) != KN_OK) {
        cli_error("resp: %s", err.msg);
        store_close(st);
        return CLI_EXIT_FAIL;
    }
    argv[0] = (char *)verb;     /* messages say "resp stats: ..." */
    rc = fn(ctx, st, argc, argv);
    resp_ctx_free(ctx);
    store_close(st);
    return rc;
}

const cli_command cli_resp_command = {
    "resp", "Response service: service levels, routing rules, coverage",
    "Usage: knute resp stats [--municipality ORGNR[,ORGNR...]] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "                        [--csv months|citizens] [--json]\n"
    "       knute resp coverage --municipality ORGNR\n"
    "       knute resp rules --municipality ORGNR [--json]\n\n"
    "stats: service levels per municipality and month (Europe/Oslo): alarms, the\n"
    "shares answered (claimed) within 60 s and 180 s against the TSA targets\n"
    "97.5 % and 99 % (! marks a miss), median and p90 times to claim and to\n"
    "close, call-outs, and the citizens whose alarm rate is abnormally high\n"
    "(at least 3 x the municipality's median rate and at least 10 alarms).\n"
    "The period is --from .. --to, both days included (default: the last twelve\n"
    "months including this one); every municipality unless --municipality.\n"
    "--json prints everything, --csv one table.\n\n"
    "coverage: the hours of the week no routing rule covers, per service;\n"
    "exit status 1 when there is a gap.\n"
    "rules: the municipality's routing rules and their steps.\n\n"
    "Acts as the local operator: no login, audited as system.\n",
    resp_run,
};
