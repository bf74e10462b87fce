/* cli_gevinst.c - `knute gevinst`: benefit realisation from the command line.
 *
 *   knute gevinst calc FILE... [--set KEY=VALUE]... [--json|--csv|--xlsx F|--html F]
 *   knute gevinst report [--municipality ORGNR] [--set KEY=VALUE]... [output]
 *   knute gevinst plan add|list ...      knute gevinst measure add|list ...
 *
 * calc computes scenario files (examples/gevinst/) without a database; report
 * computes the stored plans and measurements. Both print a text summary, or
 * JSON, the CSV trace of every figure, an XLSX workbook or printable HTML.
 * plan and measure (cli_gevinst_data.c) write and list stored data through
 * the gain_* domain functions as the local operator (audited as "system").
 * Exit codes: 0 ok, 1 failure (conflict, rule broken, I/O), 2 bad input or usage.
 */
#include "cli.h"
#include "cli_gevinst.h"

#include "../core/core_util.h"
#include "../gain/gain.h"
#include "../report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEVINST_FILE_MAX (4u << 20)
#define GEVINST_OUT_MAX (64u << 20)

int cli_gevinst_exit(int status)
{
    return status == KN_EINVAL || status == KN_ETOOLARGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}


/* Each "--set key=value" (or --set=key=value), in order, to every unit. */
static int apply_sets(gain_scenario *s, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = strncmp(argv[i], "--set=", 6) == 0 ? argv[i] + 6
                          : strcmp(argv[i], "--set") == 0 && i + 1 < argc ? argv[++i]
                                                                           : NULL;
        if (!arg)
            continue;
        char key[64];
        const char *eq = strchr(arg, '=');
        kn_err err;
        if (!eq || (size_t)(eq - arg) >= sizeof key) {
            cli_error("gevinst: --set needs KEY=VALUE, not '%s'", arg);
            return CLI_EXIT_USAGE;
        }
        memcpy(key, arg, (size_t)(eq - arg));
        key[eq - arg] = '\0';
        if (gain_scenario_set_param(s, key, eq + 1, &err) != KN_OK) {
            cli_error("gevinst: --set %s", err.msg);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* ---- output ---- */

static void print_figure(const gain_figure *f)
{
    if (!f->defined)
        return;
    int decimals = strcmp(f->unit, "%") == 0 || strcmp(f->unit, "årsverk") == 0 ? 2 : 1;
    printf("  %-44s %14.*f %s\n", f->label, decimals, f->value, f->unit);
}

static void print_totals(const gain_totals *t)
{
    static const int shown[] = {
        GAIN_F_HOURS_BEFORE, GAIN_F_HOURS_AFTER, GAIN_F_HOURS_AVOIDED, GAIN_F_HOURS_PCT,
        GAIN_F_VISITS_AVOIDED, GAIN_F_KM_AVOIDED, GAIN_F_ALARMS_BEFORE, GAIN_F_ALARMS_AFTER,
        GAIN_F_ALARMS_PCT, GAIN_F_CLARIFICATION_PCT, GAIN_F_NIGHT_AVOIDED,
        GAIN_F_STAFF_COST_AVOIDED, GAIN_F_KM_COST_AVOIDED, GAIN_F_COST_AVOIDED, GAIN_F_NET_ANNUAL,
        GAIN_F_NET_PERIOD, GAIN_F_FTE};
    printf("  users with baseline %zu, followed up %zu\n", t->users, t->followed);
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
        if (t->figs[shown[i]].value != 0 || shown[i] >= GAIN_F_COST_AVOIDED)
            print_figure(&t->figs[shown[i]]);
}

static void print_text(const gain_result *r)
{
    const gain_scenario *s = r->scenario;
    for (size_t i = 0; i < r->nplans; i++) {
        const gain_plan_result *pr = &r->plans[i];
        const gain_unit *u = &s->units[pr->unit];
        printf("%s - %s (%s, %s)\n", u->name, s->plans[pr->plan].name,
               gain_code_label(GAIN_CODE_TECHNOLOGY, s->plans[pr->plan].technology),
               gain_size_label(pr->size_class));
        print_totals(&pr->t);
        printf("\n");
    }
    printf("Total (%zu plans)\n", r->total.plans);
    print_totals(&r->total);
    static const char *const dims[GAIN_DIMS] = {"technology", "size class", "quarter", "region"};
    for (size_t i = 0; i < r->ngroups; i++) {
        const gain_group *g = &r->groups[i];
        printf("%-10s %-48s %10.1f h/yr %14.0f kr/yr\n", dims[g->dim], g->label,
               g->hours_avoided.value, g->cost_avoided.value);
    }
}

static int write_text(const char *path, const kn_buf *buf)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf->data, 1, buf->len, f) == buf->len;
    ok = f && fclose(f) == 0 && ok;
    if (!ok)
        cli_error("gevinst: cannot write %s", path);
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* One of --json, --csv, --xlsx FILE, --html FILE, or the text summary. */
static int emit(const gain_result *r, const report_book *book, int argc, char **argv)
{
    const char *xlsx = cli_option(argc, argv, "xlsx"), *html = cli_option(argc, argv, "html");
    kn_buf out;
    kn_err err;
    int rc = KN_OK, exit_code = CLI_EXIT_OK;
    kn_buf_init(&out, GEVINST_OUT_MAX);
    if (cli_flag(argc, argv, "json")) {
        rc = gain_result_write_json(r, book, &out);
    } else if (cli_flag(argc, argv, "csv")) {
        for (size_t i = 0; i < book->nsheets; i++)
            if (strcmp(book->sheets[i]->title, GAIN_CSV_SHEET) == 0)
                rc = report_write_csv(book->sheets[i], &out);
    } else if (xlsx) {
        rc = report_write_xlsx(book, xlsx, &err);
        if (rc == KN_OK)
            printf("wrote %s (%zu sheets)\n", xlsx, book->nsheets);
    } else if (html) {
        rc = gain_report_html(book, "Gevinstrealiseringsrapport", NULL, &out);
        if (rc == KN_OK)
            exit_code = write_text(html, &out);
        kn_buf_reset(&out);
    } else {
        print_text(r);
    }
    if (rc != KN_OK) {
        cli_error("gevinst: cannot write the report (%s)", xlsx ? err.msg : kn_status_code(rc));
        exit_code = CLI_EXIT_FAIL;
    } else if (out.len) {
        fwrite(out.data, 1, out.len, stdout);
    }
    kn_buf_release(&out);
    return exit_code;
}

static int compute_and_emit(gain_scenario *s, int argc, char **argv)
{
    gain_result r;
    report_book book = {0};
    kn_err err;
    int rc = gain_compute(s, &r, &err);
    if (rc == KN_OK) {
        rc = gain_report_book(&r, &book, &err);
        if (rc != KN_OK)
            gain_result_free(&r);
    }
    if (rc != KN_OK) {
        cli_error("gevinst: %s", err.msg);
        return cli_gevinst_exit(rc);
    }
    int exit_code = emit(&r, &book, argc, argv);
    report_book_free(&book);
    gain_result_free(&r);
    return exit_code;
}

static const char *const output_valued[] = {"set", "xlsx", "html", "municipality", NULL};

static int output_options(int argc, char **argv, int municipality)
{
    static const char *const calc_allowed[] = {"set", "xlsx", "html", "json", "csv", NULL};
    static const char *const report_allowed[] = {"set", "xlsx", "html", "json", "csv",
                                                 "municipality", NULL};
    if (cli_gevinst_check_options(argc, argv, municipality ? report_allowed : calc_allowed,
                                  output_valued) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    int outputs = cli_flag(argc, argv, "json") + cli_flag(argc, argv, "csv") +
                  (cli_option(argc, argv, "xlsx") != NULL) + (cli_option(argc, argv, "html") != NULL);
    if (outputs > 1) {
        cli_error("gevinst: choose one of --json, --csv, --xlsx FILE, --html FILE");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int calc_run(int argc, char **argv)
{
    if (output_options(argc, argv, 0) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    gain_scenario s = {0};
    int rc = CLI_EXIT_OK, files = 0;
    const char *path;
    while (rc == CLI_EXIT_OK && (path = cli_positional(argc, argv, 1 + files, output_valued))) {
        kn_buf buf;
        kn_err err;
        kn_buf_init(&buf, GEVINST_FILE_MAX);
        rc = cli_read_file("gevinst", path, &buf);
        int status = rc == CLI_EXIT_OK ? gain_scenario_parse(&s, buf.data, buf.len, &err) : KN_OK;
        if (status != KN_OK) {
            cli_error("gevinst calc %s: %s", path, err.msg);
            rc = cli_gevinst_exit(status);
        }
        kn_buf_release(&buf);
        files++;
    }
    if (rc == CLI_EXIT_OK && !files) {
        cli_error("gevinst calc: name one or more scenario files (see knute gevinst --help)");
        rc = CLI_EXIT_USAGE;
    }
    if (rc == CLI_EXIT_OK)
        rc = apply_sets(&s, argc, argv);
    if (rc == CLI_EXIT_OK)
        rc = compute_and_emit(&s, argc, argv);
    gain_scenario_free(&s);
    return rc;
}

static int report_run(kn_config *cfg, int argc, char **argv)
{
    if (output_options(argc, argv, 1) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    gain_scenario probe = {0}, s;
    gain_unit unit = {0};
    gain_params_default(&unit.params);
    probe.units = &unit;
    probe.nunits = 1;
    int rc = apply_sets(&probe, argc, argv); /* validate --set before opening the store */
    if (rc != CLI_EXIT_OK)
        return rc;
    store *st = NULL;
    rc = cli_store_open(cfg, 1, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    kn_err err;
    int status = gain_scenario_load(st, NULL, cli_option(argc, argv, "municipality"), &unit.params,
                                    NULL, &s, &err);
    store_close(st);
    if (status != KN_OK) {
        cli_error("gevinst report: %s", err.msg);
        return cli_gevinst_exit(status);
    }
    rc = compute_and_emit(&s, argc, argv);
    gain_scenario_free(&s);
    return rc;
}

static int gevinst_run(kn_config *cfg, int argc, char **argv)
{
    const char *verb = cli_positional(argc, argv, 0, output_valued);
    if (verb && strcmp(verb, "calc") == 0)
        return calc_run(argc, argv);
    if (verb && strcmp(verb, "report") == 0)
        return report_run(cfg, argc, argv);
    if (verb && strcmp(verb, "plan") == 0)
        return cli_gevinst_plan(cfg, argc, argv);
    if (verb && strcmp(verb, "measure") == 0)
        return cli_gevinst_measure(cfg, argc, argv);
    cli_error("gevinst: say calc, report, plan or measure (see knute gevinst --help)");
    return CLI_EXIT_USAGE;
}

const cli_command cli_gevinst_command = {
    "gevinst", "Benefit realisation: plans, measurements, reports, scenario files",
    "Usage: knute gevinst calc FILE... [--set KEY=VALUE]... [--json|--csv|--xlsx FILE|--html FILE]\n"
    "       knute gevinst report [--municipality ORGNR] [--set KEY=VALUE]... [output as for calc]\n"
    "       knute gevinst plan add --municipality ORGNR --name NAME --technology T\n"
    "                 --gain-type G --interval I --start DATE --end DATE [--owner TEXT]\n"
    "                 [--indicator TEXT] [--prerequisites TEXT] [--redeployment TEXT]\n"
    "                 [--region TEXT] [--licence KR] [--operating KR] [--startup KR]\n"
    "                 [--replaced KR]\n"
    "       knute gevinst plan list [--municipality ORGNR]\n"
    "       knute gevinst measure add --municipality ORGNR --plan ID --citizen ID\n"
    "                 --kind baseline|followup --start DATE --period N{d|w|m} [--visits N]\n"
    "                 [--minutes N] [--km N] [--alarms-received N] [--alarms-forwarded N]\n"
    "                 [--minutes-per-alarm N] [--night-checks N] [--quality-user 1-6]\n"
    "                 [--quality-staff 1-6] [--quality-relatives 1-6]\n"
    "       knute gevinst measure list --municipality ORGNR [--plan ID] [--citizen ID]\n\n"
    "calc computes scenario files (JSON; examples/gevinst/, docs/gevinst.md) without a\n"
    "database; report computes the stored plans and measurements (all municipalities\n"
    "unless --municipality). Output: a text summary, --json (every figure with its\n"
    "formula and inputs), --csv (the trace sheet), --xlsx FILE (the report workbook)\n"
    "or --html FILE (printable report). --set overrides a parameter: wage_per_hour,\n"
    "km_rate, days_per_year, hours_per_fte, analysis_years.\n\n"
    "T: safety_alarm, medication_dispenser, digital_supervision, gps_tracker,\n"
    "electronic_lock, video_communication. G: time_freed, avoided_cost, quality.\n"
    "I: monthly, bimonthly, quarterly. A follow-up needs the citizen's baseline\n"
    "(nullpunktmåling) in the same plan first; periods must lie inside the plan.\n",
    gevinst_run,
};
