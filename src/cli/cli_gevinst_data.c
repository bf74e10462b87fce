/* cli_gevinst_data.c - `knute gevinst plan add|list` and `knute gevinst
 * measure add|list`: stored benefit plans and per-citizen measurements,
 * written and listed through gain_* as the local operator (audited as
 * "system"). Options map one to one onto the record fields; the domain
 * checks every value (see cli_gevinst.c for the command's help text).
 */
#include "cli_gevinst.h"

#include "../core/core_util.h"
#include "../gain/gain.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_MAX 1000000000000L /* whole numbers the options accept (either sign) */

static const char *const data_valued[] = {
    "municipality", "name", "technology", "gain-type", "interval", "owner", "indicator",
    "prerequisites", "redeployment", "region", "start", "end", "licence", "operating", "startup",
    "replaced", "plan", "citizen", "kind", "period", "visits", "minutes", "km", "alarms-received",
    "alarms-forwarded", "minutes-per-alarm", "night-checks", "quality-user", "quality-staff",
    "quality-relatives", NULL};

static int takes_value(const char *arg, const char *const *valued)
{
    for (; valued && *valued; valued++)
        if (strncmp(arg, "--", 2) == 0 && strcmp(arg + 2, *valued) == 0)
            return 1;
    return 0;
}

static int known(const char *arg, const char *const *allowed)
{
    for (; *allowed; allowed++) {
        size_t n = strlen(*allowed);
        if (strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, *allowed, n) == 0 &&
            (arg[2 + n] == '\0' || arg[2 + n] == '='))
            return 1;
    }
    return 0;
}

int cli_gevinst_check_options(int argc, char **argv, const char *const *allowed,
                              const char *const *valued)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0')
            continue;
        if (!known(argv[i], allowed)) {
            cli_error("gevinst: unknown option '%s' (see knute gevinst --help)", argv[i]);
            return CLI_EXIT_USAGE;
        }
        i += takes_value(argv[i], valued);
    }
    return CLI_EXIT_OK;
}

/* A text option into a record field (absent: empty). */
static int text_opt(int argc, char **argv, const char *name, char *dst, size_t size)
{
    const char *v = cli_option(argc, argv, name);
    if (kn_strcpy(dst, size, v ? v : "") != KN_OK) {
        cli_error("gevinst: --%s is longer than %zu bytes", name, size - 1);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* A whole-number option (absent: 0). Negative values pass, for the domain to refuse. */
static int number_opt(int argc, char **argv, const char *name, int64_t *out)
{
    const char *v = cli_option(argc, argv, name);
    long n = 0;
    if (v && kn_parse_long(v, -NUMBER_MAX, NUMBER_MAX, &n) != KN_OK) {
        cli_error("gevinst: --%s must be a whole number", name);
        return CLI_EXIT_USAGE;
    }
    *out = n;
    return CLI_EXIT_OK;
}

static int small_opt(int argc, char **argv, const char *name, int *out)
{
    int64_t v;
    int rc = number_opt(argc, argv, name, &v);
    if (rc == CLI_EXIT_OK && (v < INT_MIN || v > INT_MAX)) {
        cli_error("gevinst: --%s is out of range", name);
        rc = CLI_EXIT_USAGE;
    }
    *out = (int)v;
    return rc;
}

static int domain_error(const char *what, int status, const kn_err *err)
{
    cli_error("gevinst %s: %s: %s", what, kn_status_code(status), err->msg);
    return cli_gevinst_exit(status);
}

/* ---- plans ---- */

#define TEXT_FIELD(opt, member)                                                                    \
    {opt, offsetof(store_gain_plan, member), sizeof(((store_gain_plan *)0)->member)}

static int plan_fill(int argc, char **argv, store_gain_plan *p)
{
    static const struct {
        const char *opt;
        size_t off, size;
    } texts[] = {
        TEXT_FIELD("name", name),           TEXT_FIELD("technology", technology),
        TEXT_FIELD("gain-type", gain_type), TEXT_FIELD("interval", interval),
        TEXT_FIELD("owner", owner),         TEXT_FIELD("indicator", indicator),
        TEXT_FIELD("prerequisites", prerequisites), TEXT_FIELD("redeployment", redeployment),
        TEXT_FIELD("region", region),       TEXT_FIELD("start", start_date),
        TEXT_FIELD("end", end_date),
    };
    memset(p, 0, sizeof *p);
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; rc == CLI_EXIT_OK && i < sizeof texts / sizeof texts[0]; i++)
        rc = text_opt(argc, argv, texts[i].opt, (char *)p + texts[i].off, texts[i].size);
    static const char *const costs[] = {"licence", "operating", "startup", "replaced"};
    int64_t *slots[] = {&p->licence_per_year, &p->operating_per_year, &p->startup_cost,
                        &p->replaced_per_year};
    for (size_t i = 0; rc == CLI_EXIT_OK && i < 4; i++)
        rc = number_opt(argc, argv, costs[i], slots[i]);
    return rc;
}

static void print_plans(const store_gain_plan *list, size_t n)
{
    printf("%-32s %-10s %-22s %-10s %-10s %-10s %s\n", "ID", "ORGNR", "TECHNOLOGY", "INTERVAL",
           "START", "END", "NAME");
    for (size_t i = 0; i < n; i++)
        printf("%-32s %-10s %-22s %-10s %-10s %-10s %s\n", list[i].id, list[i].municipality,
               list[i].technology, list[i].interval, list[i].start_date, list[i].end_date,
               list[i].name);
}

static int plan_do(store *st, const char *verb, int argc, char **argv)
{
    const char *muni = cli_option(argc, argv, "municipality");
    kn_err err;
    int status;
    if (strcmp(verb, "list") == 0) {
        store_gain_plan *list = NULL;
        size_t n = 0;
        status = gain_plan_list(st, NULL, muni, &list, &n, &err);
        if (status == KN_OK)
            print_plans(list, n);
        free(list);
        return status == KN_OK ? CLI_EXIT_OK : domain_error("plan list", status, &err);
    }
    store_gain_plan plan;
    int rc = plan_fill(argc, argv, &plan);
    if (rc != CLI_EXIT_OK)
        return rc;
    status = gain_plan_create(st, NULL, muni, &plan, NULL, &err);
    if (status != KN_OK)
        return domain_error("plan add", status, &err);
    printf("plan %s created in %s: %s\n", plan.id, plan.municipality, plan.name);
    return CLI_EXIT_OK;
}

/* ---- measurements ---- */

/* "30d", "2w", "1m" -> unit and count. */
static int period_opt(int argc, char **argv, store_gain_measure *m)
{
    const char *v = cli_option(argc, argv, "period");
    long count = 0;
    char digits[16];
    size_t len = v ? strlen(v) : 0;
    const char *unit = len ? (v[len - 1] == 'd' ? "day" : v[len - 1] == 'w' ? "week"
                                                      : v[len - 1] == 'm' ? "month" : NULL)
                           : NULL;
    if (!unit || len - 1 >= sizeof digits) {
        cli_error("gevinst: --period must be a count and d, w or m (30d, 1w, 1m)");
        return CLI_EXIT_USAGE;
    }
    memcpy(digits, v, len - 1);
    digits[len - 1] = '\0';
    if (kn_parse_long(digits, 1, 100000, &count) != KN_OK) {
        cli_error("gevinst: --period must start with a whole number of days, weeks or months");
        return CLI_EXIT_USAGE;
    }
    kn_strcpy(m->period_unit, sizeof m->period_unit, unit);
    m->period_count = (int)count;
    return CLI_EXIT_OK;
}

static int measure_fill(int argc, char **argv, store_gain_measure *m)
{
    memset(m, 0, sizeof *m);
    const char *kind = cli_option(argc, argv, "kind");
    if (!(m->kind = gain_kind_parse(kind))) {
        cli_error("gevinst: --kind must be baseline or followup");
        return CLI_EXIT_USAGE;
    }
    int rc = text_opt(argc, argv, "plan", m->plan_id, sizeof m->plan_id);
    if (rc == CLI_EXIT_OK)
        rc = text_opt(argc, argv, "citizen", m->citizen_id, sizeof m->citizen_id);
    if (rc == CLI_EXIT_OK)
        rc = text_opt(argc, argv, "start", m->period_start, sizeof m->period_start);
    if (rc == CLI_EXIT_OK)
        rc = period_opt(argc, argv, m);
    static const char *const counts[] = {"visits", "minutes", "km", "alarms-received",
                                         "alarms-forwarded", "minutes-per-alarm", "night-checks"};
    int64_t *slots[] = {&m->visits,          &m->minutes_per_visit, &m->km,
                        &m->alarms_received, &m->alarms_forwarded,  &m->minutes_per_alarm,
                        &m->night_checks};
    for (size_t i = 0; rc == CLI_EXIT_OK && i < 7; i++)
        rc = number_opt(argc, argv, counts[i], slots[i]);
    static const char *const quality[] = {"quality-user", "quality-staff", "quality-relatives"};
    int *scores[] = {&m->quality_user, &m->quality_staff, &m->quality_relatives};
    for (size_t i = 0; rc == CLI_EXIT_OK && i < GAIN_QUALITY_DIMS; i++)
        rc = small_opt(argc, argv, quality[i], scores[i]);
    return rc;
}

static void print_measures(const store_gain_measure *list, size_t n)
{
    printf("%-32s %-32s %-8s %-10s %-6s %6s %6s %6s %6s %6s\n", "PLAN", "CITIZEN", "KIND",
           "START", "PERIOD", "VISITS", "MIN", "KM", "ALARMS", "FWD");
    for (size_t i = 0; i < n; i++) {
        char period[16];
        snprintf(period, sizeof period, "%d%c", list[i].period_count, list[i].period_unit[0]);
        printf("%-32s %-32s %-8s %-10s %-6s %6lld %6lld %6lld %6lld %6lld\n", list[i].plan_id,
               list[i].citizen_id, gain_kind_code(list[i].kind), list[i].period_start, period,
               (long long)list[i].visits, (long long)list[i].minutes_per_visit,
               (long long)list[i].km, (long long)list[i].alarms_received,
               (long long)list[i].alarms_forwarded);
    }
}

static int measure_do(store *st, const char *verb, int argc, char **argv)
{
    const char *muni = cli_option(argc, argv, "municipality");
    kn_err err;
    int status;
    if (strcmp(verb, "list") == 0) {
        store_gain_measure *list = NULL;
        size_t n = 0;
        status = gain_measure_list(st, NULL, muni, cli_option(argc, argv, "plan"),
                                   cli_option(argc, argv, "citizen"), NULL, &list, &n, &err);
        if (status == KN_OK)
            print_measures(list, n);
        free(list);
        return status == KN_OK ? CLI_EXIT_OK : domain_error("measure list", status, &err);
    }
    store_gain_measure m;
    int rc = measure_fill(argc, argv, &m);
    if (rc != CLI_EXIT_OK)
        return rc;
    status = gain_measure_add(st, NULL, muni, &m, NULL, &err);
    if (status != KN_OK)
        return domain_error("measure add", status, &err);
    printf("measurement %s recorded (%s %s..%s) for citizen %s in plan %s\n", m.id,
           gain_kind_code(m.kind), m.period_start, m.period_end, m.citizen_id, m.plan_id);
    return CLI_EXIT_OK;
}

/* ---- the two verbs ---- */

static int data_run(kn_config *cfg, int argc, char **argv, const char *noun,
                    int (*fn)(store *, const char *, int, char **))
{
    const char *verb = cli_positional(argc, argv, 1, data_valued);
    if (cli_gevinst_check_options(argc, argv, data_valued, data_valued) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (!verb || (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0)) {
        cli_error("gevinst %s: say add or list (see knute gevinst --help)", noun);
        return CLI_EXIT_USAGE;
    }
    store *st = NULL;
    int rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    rc = fn(st, verb, argc, argv);
    store_close(st);
    return rc;
}

int cli_gevinst_plan(kn_config *cfg, int argc, char **argv)
{
    return data_run(cfg, argc, argv, "plan", plan_do);
}

int cli_gevinst_measure(kn_config *cfg, int argc, char **argv)
{
    return data_run(cfg, argc, argv, "measure", measure_do);
}
