/* cba_report.c - a cost-benefit result as a report_book (the tables of
 * `knute nytte` and POST /api/v1/nytte in text, CSV and XLSX) and as JSON.
 *
 * Sheet "Nåverdier" follows the layout of an R-109 summary table (seed 002
 * Table 10): costs negative, benefits positive, the priced net benefit, the
 * non-priced effects on the 11-step scale, rankings and break-even. The
 * other sheets give the yearly flows, the sensitivities as change from the
 * base and the parameters, so every figure can be traced to its inputs.
 */
#include "cba_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MONEY_DECIMALS 1
#define FACTOR_DECIMALS 4

static const char *const category_titles[CBA_NCAT] = {
    "Investeringskostnader",         "Drifts- og forvaltningskostnader",
    "Tilskudd (overføring)",         "Effektivisering offentlig sektor",
    "Effektivisering privat sektor", "Bedre kjøpsbetingelser",
};

/* ---- sheet helpers ---- */

/* A new row with label in column 0; its index in *row. */
static int row_start(report_sheet *s, const char *label, size_t *row)
{
    int rc = report_sheet_add_row(s, row);
    return rc == KN_OK ? report_set_text(s, *row, 0, label) : rc;
}

/* One row: a label in column 0, then one number per alternative. */
static int row_numbers(report_sheet *s, const char *label, const double *values, size_t n,
                       int decimals)
{
    size_t row;
    int rc = row_start(s, label, &row);
    for (size_t a = 0; rc == KN_OK && a < n; a++)
        if (isfinite(values[a]))
            rc = report_set_number(s, row, a + 1, values[a], decimals);
    return rc;
}

static int row_texts(report_sheet *s, const char *label, const char *const *texts, size_t n)
{
    size_t row;
    int rc = row_start(s, label, &row);
    for (size_t a = 0; rc == KN_OK && a < n; a++)
        rc = report_set_text(s, row, a + 1, texts[a]);
    return rc;
}

static int sheet_new(report_book *book, const char *title, size_t ncols, const char *const *headers,
                     const char *note, report_sheet **out)
{
    int rc = report_book_add_sheet(book, title, ncols, headers, out);
    if (rc == KN_OK && note)
        rc = report_sheet_set_note(*out, note);
    return rc;
}

/* ---- "Nåverdier" ---- */

/* The per-alternative quantities of the summary rows. */
enum alt_value {
    V_COSTS,
    V_TAX_COST,
    V_GRANT_INCOME,
    V_TAX_GAIN,
    V_BENEFITS,
    V_NET,
    V_NP,
    V_RANK_PRICED,
    V_RANK_NP,
    V_RANK_ALL,
    V_BE_YEAR,
    V_BE_MUNI,
    V_PER_GRANT
};

/* One quantity of one alternative as shown (costs negative; no rank is NAN, a blank cell). */
static double alt_value(const cba_alt_result *r, int what)
{
    switch (what) {
    case V_COSTS:
        return -r->costs;
    case V_TAX_COST:
        return -r->tax_cost;
    case V_GRANT_INCOME:
        return r->pv[CBA_GRANT];
    case V_TAX_GAIN:
        return r->tax_gain;
    case V_BENEFITS:
        return r->benefits;
    case V_NET:
        return r->net;
    case V_NP:
        return r->np_score;
    case V_RANK_PRICED:
        return r->rank_priced;
    case V_RANK_NP:
        return r->rank_nonpriced ? r->rank_nonpriced : NAN;
    case V_RANK_ALL:
        return r->rank_overall ? r->rank_overall : NAN;
    case V_BE_YEAR:
        return r->be_year;
    case V_BE_MUNI:
        return r->be_municipality;
    default:
        return r->per_grant;
    }
}

static int row_of(report_sheet *s, const cba_result *res, const char *label, int what, int decimals)
{
    double v[CBA_MAX_ALTS];
    for (size_t a = 0; a < res->nalts; a++)
        v[a] = alt_value(&res->alts[a], what);
    return row_numbers(s, label, v, res->nalts, decimals);
}

static int row_category(report_sheet *s, const cba_result *res, int c)
{
    double v[CBA_MAX_ALTS];
    for (size_t a = 0; a < res->nalts; a++)
        v[a] = cba_category_is_cost(c) ? -res->alts[a].pv[c] : res->alts[a].pv[c];
    return row_numbers(s, category_titles[c], v, res->nalts, MONEY_DECIMALS);
}

static int pv_rows(report_sheet *s, const cba_result *res)
{
    int rc = KN_OK;
    for (int c = CBA_INVESTMENT; rc == KN_OK && c <= CBA_GRANT; c++)
        rc = row_category(s, res, c);
    if (rc == KN_OK)
        rc = row_of(s, res, "Skattefinansieringskostnad", V_TAX_COST, MONEY_DECIMALS);
    if (rc == KN_OK)
        rc = row_of(s, res, "Sum prissatte kostnadsvirkninger", V_COSTS, MONEY_DECIMALS);
    for (int c = CBA_PUBLIC_EFFICIENCY; rc == KN_OK && c < CBA_NCAT; c++)
        rc = row_category(s, res, c);
    if (rc == KN_OK)
        rc = row_of(s, res, "Tilskudd som inntekt", V_GRANT_INCOME, MONEY_DECIMALS);
    if (rc == KN_OK)
        rc = row_of(s, res, "Skattefinansieringsgevinst", V_TAX_GAIN, MONEY_DECIMALS);
    if (rc == KN_OK)
        rc = row_of(s, res, "Sum prissatte nyttevirkninger", V_BENEFITS, MONEY_DECIMALS);
    if (rc == KN_OK)
        rc = row_of(s, res, "Prissatt nettonytte", V_NET, MONEY_DECIMALS);
    if (rc == KN_OK)
        rc = row_of(s, res, "Rangering prissatt", V_RANK_PRICED, 0);
    return rc;
}

static int nonpriced_rows(report_sheet *s, const cba_scenario *sc, const cba_result *res)
{
    int rc = KN_OK;
    for (size_t e = 0; rc == KN_OK && e < sc->neffects; e++) {
        char labels[CBA_MAX_ALTS][64];
        const char *texts[CBA_MAX_ALTS];
        for (size_t a = 0; a < res->nalts; a++) {
            cba_score_label(&res->alts[a].nonpriced[e], labels[a], sizeof labels[a]);
            texts[a] = labels[a];
        }
        rc = row_texts(s, sc->effects[e].name, texts, res->nalts);
    }
    if (rc == KN_OK && sc->neffects)
        rc = row_of(s, res, "Ikke-prissatt poengsum (-5..5 per virkning)", V_NP, 1);
    if (rc == KN_OK && sc->neffects)
        rc = row_of(s, res, "Rangering ikke-prissatte", V_RANK_NP, 0);
    return rc;
}

static int summary_rows(report_sheet *s, const cba_scenario *sc, const cba_params *p,
                        const cba_result *res)
{
    char label[160];
    int rc = row_of(s, res, "Samlet rangering (vurdering)", V_RANK_ALL, 0);
    snprintf(label, sizeof label, "Break-even: ikke-prissatt nytte per år %d-%d (%s)", p->be_first,
             p->be_last, p->be_method == CBA_BE_SIMPLE ? "udiskontert" : "annuitet");
    if (rc == KN_OK)
        rc = row_of(s, res, label, V_BE_YEAR, 2);
    if (rc == KN_OK)
        rc = row_numbers(s, "Andel kommuner berørt", p->affected_share, res->nalts, 2);
    if (rc == KN_OK)
        rc = row_of(s, res, "Break-even per berørt kommune per år (kroner)", V_BE_MUNI, 0);
    if (rc == KN_OK)
        rc = row_of(s, res, "Prissatt nytte per tilskuddskrone", V_PER_GRANT, 2);
    (void)sc;
    return rc;
}

static int sheet_pv(report_book *book, const cba_scenario *sc, const cba_params *p,
                    const cba_result *res)
{
    const char *headers[CBA_MAX_ALTS + 1] = {"Post"};
    for (size_t a = 0; a < sc->nalts; a++)
        headers[a + 1] = sc->alts[a].name;
    char note[CBA_TEXT_LEN];
    snprintf(note, sizeof note,
             "%s. Nåverdi %s (%d-kroner) diskontert til %d med %.2f %% (%s av året), "
             "analyseperiode %d-%d; kostnader negative.",
             sc->title, sc->unit, p->price_year, p->discount_year, p->discount_rate * 100,
             p->timing_end ? "slutten" : "starten", p->first_year, p->last_year);
    report_sheet *s = NULL;
    int rc = sheet_new(book, "Nåverdier", sc->nalts + 1, headers, note, &s);
    if (rc == KN_OK)
        rc = pv_rows(s, res);
    if (rc == KN_OK)
        rc = nonpriced_rows(s, sc, res);
    if (rc == KN_OK)
        rc = summary_rows(s, sc, p, res);
    return rc;
}

/* ---- "Kontantstrøm" ---- */

#define YEAR_COLS (3 + CBA_NCAT + 4)

static int year_row(report_sheet *s, const cba_alt *alt, const cba_year_row *y)
{
    double values[YEAR_COLS - 3 + 1];
    size_t n = 0;
    for (int c = 0; c < CBA_NCAT; c++)
        values[n++] = y->cat[c];
    values[n++] = y->tax_cost;
    values[n++] = y->tax_gain;
    values[n++] = y->net;
    values[n++] = y->net_pv;
    size_t row;
    int rc = row_start(s, alt->name, &row);
    if (rc == KN_OK)
        rc = report_set_number(s, row, 1, y->year, 0);
    if (rc == KN_OK)
        rc = report_set_number(s, row, 2, y->factor, FACTOR_DECIMALS);
    for (size_t i = 0; rc == KN_OK && i < n; i++)
        rc = report_set_number(s, row, 3 + i, values[i], 2);
    return rc;
}

static int sheet_years(report_book *book, const cba_scenario *sc, const cba_result *res)
{
    const char *headers[YEAR_COLS] = {"Alternativ", "År", "Diskonteringsfaktor"};
    for (int c = 0; c < CBA_NCAT; c++)
        headers[3 + c] = category_titles[c];
    headers[3 + CBA_NCAT] = "Skattefinansieringskostnad";
    headers[4 + CBA_NCAT] = "Skattefinansieringsgevinst";
    headers[5 + CBA_NCAT] = "Netto (udiskontert)";
    headers[6 + CBA_NCAT] = "Netto nåverdi";
    report_sheet *s = NULL;
    int rc = sheet_new(book, "Kontantstrøm", YEAR_COLS, headers,
                       "Årlige beløp i faste priser (realvekst medregnet), kostnader og gevinster "
                       "med fortegn som oppgitt; netto = gevinster - kostnader (tilskudd går opp).",
                       &s);
    for (size_t a = 0; rc == KN_OK && a < res->nalts; a++)
        for (int y = 0; rc == KN_OK && y < res->nyears; y++)
            rc = year_row(s, &sc->alts[a], &res->years[a][y]);
    return rc;
}

/* ---- "Følsomhet" ---- */

static void sets_text(const cba_sensitivity *sens, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sens->nsets && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s=%s", i ? "; " : "", sens->sets[i].path,
                         sens->sets[i].value);
        used += n > 0 ? (size_t)n : 0;
    }
}

static int sens_row(report_sheet *s, const cba_sensitivity *sens, const char *alt_name,
                    const double *v, const char *sets)
{
    size_t row;
    int rc = row_start(s, sens ? sens->id : "basis", &row);
    if (rc == KN_OK)
        rc = report_set_text(s, row, 1, sens ? sens->name : "Hovedanalysen");
    if (rc == KN_OK)
        rc = report_set_text(s, row, 2, alt_name);
    for (size_t i = 0; rc == KN_OK && i < 4; i++)
        rc = report_set_number(s, row, 3 + i, v[i], MONEY_DECIMALS);
    if (rc == KN_OK)
        rc = report_set_text(s, row, 7, sets);
    return rc;
}

static int sheet_sens(report_book *book, const cba_scenario *sc, const cba_result *res,
                      const cba_sens_result *sens)
{
    static const char *const headers[] = {"Scenario",
                                          "Navn",
                                          "Alternativ",
                                          "Prissatt nettonytte",
                                          "Endring fra basis",
                                          "Ikke-prissatt poengsum",
                                          "Endring ikke-prissatt",
                                          "Overstyringer"};
    report_sheet *s = NULL;
    int rc = sheet_new(book, "Følsomhet", 8, headers,
                       "Partielle følsomhetsberegninger: hver rad endrer bare parameterne i "
                       "Overstyringer; endring er fra hovedanalysen.",
                       &s);
    for (size_t a = 0; rc == KN_OK && a < sc->nalts; a++) {
        double v[4] = {res->alts[a].net, 0, res->alts[a].np_score, 0};
        rc = sens_row(s, NULL, sc->alts[a].name, v, "");
    }
    for (size_t i = 0; rc == KN_OK && i < sc->nsens; i++) {
        char sets[CBA_TEXT_LEN];
        sets_text(&sc->sens[i], sets, sizeof sets);
        for (size_t a = 0; rc == KN_OK && a < sc->nalts; a++) {
            double v[4] = {sens[i].net[a], sens[i].delta[a], sens[i].np_score[a],
                           sens[i].np_delta[a]};
            rc = sens_row(s, &sc->sens[i], sc->alts[a].name, v, sets);
        }
    }
    return rc;
}

/* ---- "Forutsetninger" ---- */

static int param_row(report_sheet *s, const char *name, const char *text, double number,
                     int decimals)
{
    size_t row;
    int rc = row_start(s, name, &row);
    if (rc == KN_OK)
        rc = text ? report_set_text(s, row, 1, text)
                  : report_set_number(s, row, 1, number, decimals);
    return rc;
}

static void mask_text(unsigned mask, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int c = 0; c < CBA_NCAT && used < size; c++)
        if (mask & (1u << c)) {
            int n =
                snprintf(out + used, size - used, "%s%s", used ? "," : "", cba_category_name(c));
            used += n > 0 ? (size_t)n : 0;
        }
}

static int sheet_params(report_book *book, const cba_scenario *sc, const cba_params *p)
{
    static const char *const headers[] = {"Parameter", "Verdi"};
    const struct {
        const char *name;
        double value;
        int decimals;
    } numbers[] = {
        {"discount_rate", p->discount_rate, 4}, {"first_year", p->first_year, 0},
        {"last_year", p->last_year, 0},         {"discount_year", p->discount_year, 0},
        {"price_year", p->price_year, 0},       {"tax_cost_rate", p->tax_cost_rate, 4},
        {"tax_gain_rate", p->tax_gain_rate, 4}, {"municipalities", p->municipalities, 0},
    };
    report_sheet *s = NULL;
    char cost_mask[160], gain_mask[160];
    mask_text(p->tax_cost_mask, cost_mask, sizeof cost_mask);
    mask_text(p->tax_gain_mask, gain_mask, sizeof gain_mask);
    int rc = sheet_new(book, "Forutsetninger", 2, headers, NULL, &s);
    for (size_t i = 0; rc == KN_OK && i < sizeof numbers / sizeof numbers[0]; i++)
        rc = param_row(s, numbers[i].name, NULL, numbers[i].value, numbers[i].decimals);
    if (rc == KN_OK)
        rc = param_row(s, "timing", p->timing_end ? "end" : "start", 0, 0);
    if (rc == KN_OK)
        rc = param_row(s, "tax_cost_categories", cost_mask, 0, 0);
    if (rc == KN_OK)
        rc = param_row(s, "tax_gain_categories", gain_mask, 0, 0);
    for (size_t t = 0; rc == KN_OK && t < sc->ntags; t++) {
        char name[CBA_ID_LEN + 8];
        snprintf(name, sizeof name, "scales.%s", sc->tags[t]);
        rc = param_row(s, name, NULL, p->tag_scale[t], 4);
    }
    return rc;
}

int cba_report_build(const cba_scenario *sc, const cba_params *p, const cba_result *res,
                     const cba_sens_result *sens, report_book *book, kn_err *err)
{
    int rc = sheet_pv(book, sc, p, res);
    if (rc == KN_OK)
        rc = sheet_years(book, sc, res);
    if (rc == KN_OK && sens && sc->nsens)
        rc = sheet_sens(book, sc, res, sens);
    if (rc == KN_OK)
        rc = sheet_params(book, sc, p);
    return rc == KN_OK ? KN_OK
                       : kn_err_set(err, rc, "cannot build the report (%s)", kn_status_code(rc));
}
