/* cli_nytte.c - `knute nytte FILE`: a cost-benefit analysis per R-109/21
 * from a JSON scenario (examples/r109/, docs/r109.md). Reads the file,
 * applies --set overrides, computes with the cba_* engine and prints the
 * tables as text, JSON or CSV, or writes an XLSX workbook; --sweep runs a
 * sensitivity sweep and reports its speed. Needs no database.
 * Exit codes: 0 ok, 1 computation error, 2 bad input or usage.
 */
#include "cli.h"

#include "../cba/cba.h"
#include "../core/core_buf.h"
#include "../core/core_util.h"
#include "../report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NYTTE_FILE_MAX (4u << 20)
#define NYTTE_OUT_MAX (64u << 20)
#define TEXT_CELL 1024
#define TEXT_COLUMN_MAX 72 /* characters of a text column before it is cut with "..." */

static const char *const nytte_valued[] = {"set", "xlsx", "sheet", "sweep", NULL};
static const char *const nytte_allowed[] = {"set", "xlsx", "sheet", "sweep", "json", "csv", NULL};

static int exit_for(int status)
{
    return status == KN_EINVAL || status == KN_ETOOLARGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

/* Every --set path=value, in order. */
static int apply_sets(const cba_scenario *sc, cba_params *p, int argc, char **argv)
{
    kn_err err;
    for (int i = 1; i < argc; i++) {
        const char *arg = NULL;
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc)
            arg = argv[++i];
        else if (strncmp(argv[i], "--set=", 6) == 0)
            arg = argv[i] + 6;
        else if (strcmp(argv[i], "--set") == 0)
            arg = "";
        if (arg && cba_params_set_arg(sc, p, arg, &err) != KN_OK) {
            cli_error("nytte: --set %s", err.msg);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* ---- text tables ---- */

static size_t utf8_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Cut s after max characters (at a UTF-8 boundary), marking the cut with "...". */
static void utf8_cut(char *s, size_t max)
{
    size_t chars = 0;
    for (char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && chars++ == max) {
            strcpy(p, "...");
            return;
        }
    }
}

static void cell_text(const report_cell *cell, char *out, size_t size)
{
    out[0] = '\0';
    if (cell->kind == REPORT_TEXT && cell->text) {
        snprintf(out, size, "%s", cell->text);
        utf8_cut(out, TEXT_COLUMN_MAX);
    } else if (cell->kind == REPORT_NUMBER && isfinite(cell->number))
        snprintf(out, size, "%.*f", cell->decimals,
                 fabs(cell->number) < 0.5 * pow(10, -cell->decimals) ? 0.0 : cell->number);
}

static void print_padded(const char *text, size_t width, int right)
{
    size_t pad = width > utf8_width(text) ? width - utf8_width(text) : 0;
    printf("%*s%s%*s", right ? (int)pad : 0, "", text, right ? 0 : (int)pad, "");
}

static void column_widths(const report_sheet *s, size_t *width)
{
    char text[TEXT_CELL];
    for (size_t c = 0; c < s->ncols; c++) {
        width[c] = utf8_width(s->headers[c]);
        for (size_t r = 0; r < s->nrows; r++) {
            cell_text(&s->cells[r * s->ncols + c], text, sizeof text);
            width[c] = utf8_width(text) > width[c] ? utf8_width(text) : width[c];
        }
    }
}

static void print_sheet(const report_sheet *s)
{
    size_t width[64];
    char text[TEXT_CELL];
    if (s->ncols > 64)
        return;
    column_widths(s, width);
    printf("%s\n", s->title);
    if (s->note)
        printf("%s\n", s->note);
    for (size_t c = 0; c < s->ncols; c++) {
        printf(c ? "  " : "");
        print_padded(s->headers[c], width[c], c > 0);
    }
    printf("\n");
    for (size_t r = 0; r < s->nrows; r++) {
        for (size_t c = 0; c < s->ncols; c++) {
            const report_cell *cell = &s->cells[r * s->ncols + c];
            cell_text(cell, text, sizeof text);
            printf(c ? "  " : "");
            print_padded(text, width[c], cell->kind == REPORT_NUMBER);
        }
        printf("\n");
    }
    printf("\n");
}

/* ---- outputs ---- */

static const report_sheet *sheet_pick(const report_book *book, const char *which)
{
    long index = 0;
    if (!which)
        return book->nsheets ? book->sheets[0] : NULL;
    if (kn_parse_long(which, 1, (long)book->nsheets, &index) == KN_OK)
        return book->sheets[index - 1];
    for (size_t i = 0; i < book->nsheets; i++)
        if (strcmp(book->sheets[i]->title, which) == 0)
            return book->sheets[i];
    return NULL;
}

static int write_csv(const report_book *book, const char *which)
{
    const report_sheet *s = sheet_pick(book, which);
    if (!s) {
        cli_error("nytte: no sheet '%s' (1..%zu or a sheet title)", which, book->nsheets);
        return CLI_EXIT_USAGE;
    }
    kn_buf out;
    kn_buf_init(&out, NYTTE_OUT_MAX);
    int rc = report_write_csv(s, &out);
    if (rc == KN_OK)
        fwrite(out.data, 1, out.len, stdout);
    kn_buf_release(&out);
    if (rc != KN_OK)
        cli_error("nytte: cannot write CSV (%s)", kn_status_code(rc));
    return rc == KN_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int write_json(const cba_scenario *sc, const cba_params *p, const cba_result *res,
                      const cba_sens_result *sens)
{
    json_t *doc = cba_result_json(sc, p, res, sens);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(doc);
    if (!text) {
        cli_error("nytte: cannot encode the result");
        return CLI_EXIT_FAIL;
    }
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

static int write_output(int argc, char **argv, const cba_scenario *sc, const cba_params *p,
                        const cba_result *res, const cba_sens_result *sens)
{
    report_book book = {0};
    kn_err err;
    const char *xlsx = cli_option(argc, argv, "xlsx");
    int rc = CLI_EXIT_OK;
    if (cli_flag(argc, argv, "json"))
        return write_json(sc, p, res, sens);
    if (cba_report_build(sc, p, res, sens, &book, &err) != KN_OK) {
        cli_error("nytte: %s", err.msg);
        rc = CLI_EXIT_FAIL;
    } else if (xlsx && report_write_xlsx(&book, xlsx, &err) != KN_OK) {
        cli_error("nytte: %s", err.msg);
        rc = CLI_EXIT_FAIL;
    } else if (xlsx) {
        printf("wrote %s (%zu sheets)\n", xlsx, book.nsheets);
    } else if (cli_flag(argc, argv, "csv")) {
        rc = write_csv(&book, cli_option(argc, argv, "sheet"));
    } else {
        const report_sheet *pv = sheet_pick(&book, "Nåverdier");
        const report_sheet *fs = sheet_pick(&book, "Følsomhet");
        if (pv)
            print_sheet(pv);
        if (fs)
            print_sheet(fs);
    }
    report_book_free(&book);
    return rc;
}

static int run_sweep(const cba_scenario *sc, const cba_params *p, const char *count)
{
    long n = 0;
    kn_err err;
    if (kn_parse_long(count, 1, CBA_SWEEP_MAX, &n) != KN_OK) {
        cli_error("nytte: --sweep takes a number of scenarios, 1..%d", CBA_SWEEP_MAX);
        return CLI_EXIT_USAGE;
    }
    cba_sweep_stats stats;
    int64_t t0 = kn_mono_ns();
    int rc = cba_sweep(sc, p, (size_t)n, &stats, &err);
    double s = (double)(kn_mono_ns() - t0) / 1e9;
    if (rc != KN_OK) {
        cli_error("nytte: sweep: %s", err.msg);
        return exit_for(rc);
    }
    printf("sweep: %zu scenarios in %.4f s on one core (%.0f scenarios/s)\n", stats.n, s,
           s > 0 ? (double)stats.n / s : 0.0);
    printf("%-24s %12s %12s %12s %10s\n", "alternative", "min net", "mean net", "max net",
           "net > 0");
    for (size_t a = 0; a < sc->nalts; a++)
        printf("%-24s %12.1f %12.1f %12.1f %9.1f%%\n", sc->alts[a].id, stats.min[a], stats.mean[a],
               stats.max[a], 100.0 * (double)stats.positive[a] / (double)stats.n);
    return CLI_EXIT_OK;
}

/* Compute the base and the scenario's sensitivities, then write. */
static int compute_and_write(int argc, char **argv, const cba_scenario *sc, const cba_params *p)
{
    kn_err err;
    cba_result *res = malloc(sizeof *res);
    cba_sens_result *sens = calloc(CBA_MAX_SENS, sizeof *sens);
    int rc =
        res && sens ? cba_compute(sc, p, res, &err) : kn_err_set(&err, KN_ENOMEM, "out of memory");
    if (rc == KN_OK)
        rc = cba_sensitivities(sc, p, res, sens, &err);
    int exit_code = rc == KN_OK ? write_output(argc, argv, sc, p, res, sens) : exit_for(rc);
    if (rc != KN_OK)
        cli_error("nytte: %s", err.msg);
    free(res);
    free(sens);
    return exit_code;
}

static int nytte_run(kn_config *cfg, int argc, char **argv)
{
    (void)cfg;
    const char *path = cli_positional(argc, argv, 0, nytte_valued);
    if (cli_check_options(argc, argv, nytte_allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (!path || cli_positional(argc, argv, 1, nytte_valued)) {
        cli_error("nytte: give one scenario FILE (or - for standard input)");
        return CLI_EXIT_USAGE;
    }
    kn_buf text;
    kn_buf_init(&text, NYTTE_FILE_MAX);
    int rc = cli_read_file("nytte", path, &text);
    cba_scenario *sc = NULL;
    kn_err err;
    if (rc == CLI_EXIT_OK &&
        cba_scenario_parse_text(text.data ? text.data : "", text.len, &sc, &err) != KN_OK) {
        cli_error("nytte: %s: %s", path, err.msg);
        rc = CLI_EXIT_USAGE;
    }
    kn_buf_release(&text);
    cba_params params;
    if (rc == CLI_EXIT_OK) {
        params = sc->base;
        rc = apply_sets(sc, &params, argc, argv);
    }
    const char *sweep = cli_option(argc, argv, "sweep");
    if (rc == CLI_EXIT_OK)
        rc = sweep ? run_sweep(sc, &params, sweep) : compute_and_write(argc, argv, sc, &params);
    cba_scenario_free(sc);
    return rc;
}

const cli_command cli_nytte_command = {
    "nytte",
    "Cost-benefit analysis per R-109/21 from a JSON scenario",
    "Usage: knute nytte FILE [--json | --csv [--sheet S] | --xlsx OUT] [--set PATH=VALUE]...\n"
    "       knute nytte FILE --sweep N [--set PATH=VALUE]...\n\n"
    "Computes the socio-economic analysis of the alternatives in FILE (JSON, see\n"
    "docs/r109.md and examples/r109/; - reads standard input): present values per\n"
    "category, tax-financing cost and gain, priced net benefit, non-priced effects\n"
    "on the 11-step scale with rankings, break-even per year and per municipality,\n"
    "and the file's sensitivity scenarios as change from the base.\n\n"
    "  (default)     the present-value and sensitivity tables as text\n"
    "  --json        the full result as JSON\n"
    "  --csv         one sheet as CSV (--sheet: number or title; default the first:\n"
    "                Nåverdier, Kontantstrøm, Følsomhet, Forutsetninger)\n"
    "  --xlsx OUT    every sheet into the workbook OUT\n"
    "  --set P=V     override a parameter, e.g. discount_rate=0.02,\n"
    "                scales.participation=0.8, alternatives.A1.flows.grant.scale=1.5,\n"
    "                alternatives.A2.nonpriced.kvalitet=positiv (repeatable)\n"
    "  --sweep N     N scenarios varying discount rate, tax rates and tag scales;\n"
    "                prints the range of the net benefit and scenarios per second\n\n"
    "Exit status: 0 ok, 1 computation error, 2 bad input or usage.\n",
    nytte_run,
};
