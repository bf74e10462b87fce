/* gain_report.c - the benefit-realisation report as a report_book (report.h),
 * from which CSV, XLSX, JSON and printable HTML are all written.
 *
 * Sheets 1-6 are the sections seed 003 (Figur 25, "Innhold i en
 * gevinstrealiseringsrapport") asks for: gains achieved, time saved per unit,
 * avoided costs with their assumptions, quality, project costs, conclusion.
 * Then the aggregations (technology, municipality size, quarter, region), the
 * cumulative comparison with and without technology, the parameters used and
 * the trace of every figure (formula and inputs). Nothing here names a citizen.
 */
#include "gain_int.h"

#include "../core/core_util.h"

#include <stdio.h>
#include <string.h>

typedef struct builder {
    report_book *book;
    report_sheet *sheet;
    size_t row;
    int rc;
} builder;

static void sheet(builder *b, const char *title, const char *note, size_t ncols,
                  const char *const *headers)
{
    if (b->rc == KN_OK)
        b->rc = report_book_add_sheet(b->book, title, ncols, headers, &b->sheet);
    if (b->rc == KN_OK && note)
        b->rc = report_sheet_set_note(b->sheet, note);
}

static void row(builder *b)
{
    if (b->rc == KN_OK)
        b->rc = report_sheet_add_row(b->sheet, &b->row);
}

static void text(builder *b, size_t col, const char *s)
{
    if (b->rc == KN_OK)
        b->rc = report_set_text(b->sheet, b->row, col, s ? s : "");
}

static void num(builder *b, size_t col, double v, int decimals)
{
    if (b->rc == KN_OK)
        b->rc = report_set_number(b->sheet, b->row, col, v, decimals);
}

/* A figure with the decimals its kind is shown with. */
static void figd(builder *b, size_t col, const gain_figure *f, int which)
{
    if (f->defined)
        num(b, col, f->value, gain_fig_meta_of(which)->decimals);
    else
        text(b, col, "–");
}

static const store_gain_plan *plan_of(const gain_result *r, size_t i)
{
    return &r->scenario->plans[r->plans[i].plan];
}

static const char *muni_of(const gain_result *r, size_t i)
{
    return r->scenario->units[r->plans[i].unit].name;
}

static const char *label(int kind, const char *code)
{
    const char *l = gain_code_label(kind, code);
    return l ? l : code;
}

/* ---- 1 gains achieved ---- */

static const struct {
    const char *label;
    int before, after, pct;
} indicators[] = {
    {"Tidsbruk (timer/år)", GAIN_F_HOURS_BEFORE, GAIN_F_HOURS_AFTER, GAIN_F_HOURS_PCT},
    {"Besøk (per år)", GAIN_F_VISITS_BEFORE, GAIN_F_VISITS_AFTER, GAIN_F_VISITS_PCT},
    {"Kjøring (km/år)", GAIN_F_KM_BEFORE, GAIN_F_KM_AFTER, -1},
    {"Alarmer til hjemmetjenesten (per år)", GAIN_F_ALARMS_BEFORE, GAIN_F_ALARMS_AFTER,
     GAIN_F_ALARMS_PCT},
    {"Nattilsyn (per år)", GAIN_F_NIGHT_BEFORE, GAIN_F_NIGHT_AFTER, -1},
};

static void gains_rows(builder *b, const gain_result *r, size_t i)
{
    const gain_figure *f = r->plans[i].t.figs;
    const store_gain_plan *p = plan_of(r, i);
    for (size_t k = 0; k < sizeof indicators / sizeof indicators[0]; k++) {
        double before = f[indicators[k].before].value, after = f[indicators[k].after].value;
        if (before == 0 && after == 0)
            continue;
        row(b);
        text(b, 0, p->name);
        text(b, 1, muni_of(r, i));
        text(b, 2, label(GAIN_CODE_TECHNOLOGY, p->technology));
        text(b, 3, indicators[k].label);
        num(b, 4, (double)r->plans[i].t.followed, 0);
        num(b, 5, before, 0);
        num(b, 6, after, 0);
        num(b, 7, before - after, 0);
        if (indicators[k].pct >= 0)
            figd(b, 8, &f[indicators[k].pct], indicators[k].pct);
        else
            text(b, 8, "–");
    }
    if (f[GAIN_F_CLARIFICATION_PCT].defined) {
        row(b);
        text(b, 0, p->name);
        text(b, 1, muni_of(r, i));
        text(b, 2, label(GAIN_CODE_TECHNOLOGY, p->technology));
        text(b, 3, "Avklaringsgrad i responssenteret (%)");
        num(b, 4, (double)r->plans[i].t.followed, 0);
        text(b, 5, "–");
        figd(b, 6, &f[GAIN_F_CLARIFICATION_PCT], GAIN_F_CLARIFICATION_PCT);
        text(b, 7, "–");
        text(b, 8, "–");
    }
}

static void sheet_gains(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Plan", "Kommune", "Teknologi", "Indikator", "Brukere fulgt opp",
                                    "Før (per år)", "Etter (per år)", "Endring", "Reduksjon (%)"};
    sheet(b, "1 Oppnådde gevinster",
          "Brukere med nullpunktmåling og oppfølgingsmåling; siste oppfølging mot nullpunktet, "
          "omregnet til årstakt.", 9, h);
    for (size_t i = 0; i < r->nplans; i++)
        gains_rows(b, r, i);
}

/* ---- 2 time saved per unit ---- */

static void time_row(builder *b, const char *name, const char *muni, const char *unit,
                     const gain_totals *t, const char *redeploy)
{
    row(b);
    text(b, 0, name);
    text(b, 1, muni);
    text(b, 2, unit);
    num(b, 3, (double)t->followed, 0);
    figd(b, 4, &t->figs[GAIN_F_HOURS_AVOIDED], GAIN_F_HOURS_AVOIDED);
    figd(b, 5, &t->figs[GAIN_F_HOURS_PER_USER], GAIN_F_HOURS_PER_USER);
    figd(b, 6, &t->figs[GAIN_F_FTE], GAIN_F_FTE);
    text(b, 7, redeploy);
}

static void sheet_time(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Plan", "Kommune", "Enhet (teknologi)", "Brukere",
                                    "Frigjort tid (timer/år)", "Per bruker (timer/år)", "Årsverk",
                                    "Omdisponering av frigjort tid"};
    sheet(b, "2 Spart tid", "Frigjort tid per plan; årsverk = timer / timer per årsverk.", 8, h);
    for (size_t i = 0; i < r->nplans; i++) {
        const store_gain_plan *p = plan_of(r, i);
        time_row(b, p->name, muni_of(r, i), label(GAIN_CODE_TECHNOLOGY, p->technology),
                 &r->plans[i].t, p->redeployment);
    }
    time_row(b, "Totalt", "", "", &r->total, "");
}

/* ---- 3 avoided costs and their assumptions ---- */

static void cost_row(builder *b, const char *name, const gain_figure *f, const gain_params *p,
                     const char *assumptions)
{
    row(b);
    text(b, 0, name);
    figd(b, 1, &f[GAIN_F_HOURS_AVOIDED], GAIN_F_HOURS_AVOIDED);
    if (p)
        num(b, 2, p->wage_per_hour, 0);
    figd(b, 3, &f[GAIN_F_STAFF_COST_AVOIDED], GAIN_F_STAFF_COST_AVOIDED);
    figd(b, 4, &f[GAIN_F_KM_AVOIDED], GAIN_F_KM_AVOIDED);
    if (p)
        num(b, 5, p->km_rate, 2);
    figd(b, 6, &f[GAIN_F_KM_COST_AVOIDED], GAIN_F_KM_COST_AVOIDED);
    figd(b, 7, &f[GAIN_F_COST_AVOIDED], GAIN_F_COST_AVOIDED);
    text(b, 8, assumptions);
}

static void sheet_costs(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Plan",         "Frigjort tid (timer/år)", "Lønnskostnad (kr/time)",
                                    "Unngått lønn (kr/år)", "Unngått kjøring (km/år)", "Kilometersats (kr/km)",
                                    "Unngått kjørekostnad (kr/år)", "Unngått i alt (kr/år)",
                                    "Forutsetninger"};
    sheet(b, "3 Unngåtte kostnader",
          "Unngått kostnad = frigjort tid x lønnskostnad per time + unngåtte km x kilometersats. "
          "Satsene er parametre; se arket Parametre.", 9, h);
    for (size_t i = 0; i < r->nplans; i++) {
        const store_gain_plan *p = plan_of(r, i);
        cost_row(b, p->name, r->plans[i].t.figs, &r->scenario->units[r->plans[i].unit].params,
                 p->prerequisites);
    }
    cost_row(b, "Totalt", r->total.figs, NULL, "");
}

/* ---- 4 quality ---- */

static void quality_rows(builder *b, const char *name, const gain_totals *t)
{
    for (int d = 0; d < GAIN_QUALITY_DIMS; d++) {
        const gain_quality *q = &t->quality[d];
        if (!q->n_before && !q->n_after)
            continue;
        row(b);
        text(b, 0, name);
        text(b, 1, gain_quality_labels[d]);
        if (q->n_before)
            num(b, 2, q->before, 1);
        if (q->n_after)
            num(b, 3, q->after, 1);
        if (q->n_before && q->n_after)
            num(b, 4, q->after - q->before, 1);
        num(b, 5, (double)q->n_before, 0);
        num(b, 6, (double)q->n_after, 0);
    }
}

static void sheet_quality(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Plan", "Hvem", "Før (1-6)", "Etter (1-6)", "Endring",
                                    "Målinger før", "Målinger etter"};
    sheet(b, "4 Kvalitet",
          "Opplevd kvalitet på en skala fra 1 til 6 (snitt), for brukere, ansatte og pårørende.", 7,
          h);
    size_t before = b->rc == KN_OK ? b->sheet->nrows : 0;
    for (size_t i = 0; i < r->nplans; i++)
        quality_rows(b, plan_of(r, i)->name, &r->plans[i].t);
    if (b->rc == KN_OK && b->sheet->nrows == before) {
        row(b);
        text(b, 0, "Ingen kvalitetsmålinger er registrert.");
    }
}

/* ---- 5 project costs ---- */

static void project_row(builder *b, const char *name, const gain_figure *f)
{
    row(b);
    text(b, 0, name);
    figd(b, 1, &f[GAIN_F_LICENCE], GAIN_F_LICENCE);
    figd(b, 2, &f[GAIN_F_OPERATING], GAIN_F_OPERATING);
    figd(b, 3, &f[GAIN_F_STARTUP], GAIN_F_STARTUP);
    figd(b, 4, &f[GAIN_F_REPLACED], GAIN_F_REPLACED);
    num(b, 5,
        f[GAIN_F_LICENCE].value + f[GAIN_F_OPERATING].value + f[GAIN_F_STARTUP].value -
            f[GAIN_F_REPLACED].value,
        0);
}

static void sheet_project(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Plan", "Lisens (kr/år)", "Drift (kr/år)", "Oppstart (kr)",
                                    "Bortfalte driftskostnader (kr/år)",
                                    "Kostnad første år (kr)"};
    sheet(b, "5 Prosjektkostnader",
          "Kostnad første år = lisens + drift + oppstart - bortfalte driftskostnader for løsningen "
          "teknologien erstatter.", 6, h);
    for (size_t i = 0; i < r->nplans; i++)
        project_row(b, plan_of(r, i)->name, r->plans[i].t.figs);
    project_row(b, "Totalt", r->total.figs);
}

/* ---- 6 conclusion ---- */

static const char *verdict(const gain_totals *t)
{
    if (!t->followed)
        return "Ingen oppfølgingsmålinger ennå: gevinsten kan ikke vurderes.";
    if (t->figs[GAIN_F_NET_ANNUAL].value > 0)
        return "Positiv netto gevinst: unngåtte kostnader er større enn kostnadene.";
    return "Negativ netto gevinst: kostnadene er større enn de unngåtte kostnadene.";
}

static void conclusion_row(builder *b, const char *name, const gain_totals *t)
{
    const gain_figure *f = t->figs;
    row(b);
    text(b, 0, name);
    figd(b, 1, &f[GAIN_F_COST_AVOIDED], GAIN_F_COST_AVOIDED);
    num(b, 2, f[GAIN_F_LICENCE].value + f[GAIN_F_OPERATING].value - f[GAIN_F_REPLACED].value, 0);
    figd(b, 3, &f[GAIN_F_NET_ANNUAL], GAIN_F_NET_ANNUAL);
    figd(b, 4, &f[GAIN_F_NET_PERIOD], GAIN_F_NET_PERIOD);
    num(b, 5, (double)t->years, 0);
    figd(b, 6, &f[GAIN_F_FTE], GAIN_F_FTE);
    text(b, 7, verdict(t));
}

static void sheet_conclusion(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Plan", "Unngåtte kostnader (kr/år)",
                                    "Løpende kostnader (kr/år)", "Netto per år (kr)",
                                    "Netto i perioden (kr)", "Analyseperiode (år)", "Årsverk",
                                    "Konklusjon"};
    sheet(b, "6 Konklusjon",
          "Netto per år = unngåtte kostnader - lisens - drift + bortfalte kostnader - oppstart / "
          "analyseperiode.", 8, h);
    for (size_t i = 0; i < r->nplans; i++)
        conclusion_row(b, plan_of(r, i)->name, &r->plans[i].t);
    conclusion_row(b, "Totalt", &r->total);
}

/* ---- groups, cumulative, parameters, trace ---- */

static void sheet_groups(builder *b, const gain_result *r, int dim, const char *title)
{
    static const char *const h[] = {"Gruppe", "Planer", "Brukere", "Frigjort tid (timer/år)",
                                    "Unngåtte kostnader (kr/år)", "Netto per år (kr)", "Årsverk"};
    sheet(b, title,
          dim == GAIN_DIM_QUARTER ? "Per kvartal: siste oppfølging i kvartalet per bruker mot "
                                    "nullpunktet, i årstakt; netto gjelder per plan og år."
                                  : NULL,
          7, h);
    for (size_t i = 0; i < r->ngroups; i++) {
        const gain_group *g = &r->groups[i];
        if (g->dim != dim)
            continue;
        row(b);
        text(b, 0, g->label);
        num(b, 1, (double)g->plans, 0);
        num(b, 2, (double)g->users, 0);
        figd(b, 3, &g->hours_avoided, GAIN_F_HOURS_AVOIDED);
        figd(b, 4, &g->cost_avoided, GAIN_F_COST_AVOIDED);
        figd(b, 5, &g->net_annual, GAIN_F_NET_ANNUAL);
        figd(b, 6, &g->fte, GAIN_F_FTE);
    }
}

static void sheet_cumulative(builder *b, const gain_result *r)
{
    static const char *const h[] = {"År", "Uten teknologi (kr)", "Med teknologi (kr)",
                                    "Differanse (kr)"};
    sheet(b, "Kumulativ",
          "Akkumulerte kostnader alle planer: uten = år x (kostnad før + bortfalte kostnader); "
          "med = oppstart + år x (kostnad etter + lisens + drift).", 4, h);
    for (int y = 0; y <= r->total.years; y++) {
        row(b);
        num(b, 0, y, 0);
        num(b, 1, r->total.without[y], 0);
        num(b, 2, r->total.with[y], 0);
        num(b, 3, r->total.without[y] - r->total.with[y], 0);
    }
}

static void sheet_params(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Kommune", "Parameter", "Nøkkel", "Verdi", "Enhet", "Standard",
                                    "Kilde"};
    sheet(b, "Parametre", "Satser og kalenderkonvensjoner beregningene bruker.", 7, h);
    size_t n;
    const gain_param_doc *docs = gain_param_docs(&n);
    for (size_t u = 0; u < r->scenario->nunits; u++)
        for (size_t i = 0; i < n; i++) {
            row(b);
            text(b, 0, r->scenario->units[u].name);
            text(b, 1, docs[i].label);
            text(b, 2, docs[i].key);
            num(b, 3, gain_param_value(&r->scenario->units[u].params, docs[i].key), 2);
            text(b, 4, docs[i].unit);
            num(b, 5, docs[i].dflt, 2);
            text(b, 6, docs[i].source);
        }
}

static void inputs_text(const gain_figure *f, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < f->ninputs; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s=%.10g", i ? "; " : "", f->inputs[i].name,
                 f->inputs[i].value);
    }
}

static void trace_rows(builder *b, const char *level, const char *name, const gain_figure *figs)
{
    char inputs[GAIN_FIGURE_INPUTS * 64];
    for (int i = 0; i < GAIN_F_COUNT; i++) {
        const gain_figure *f = &figs[i];
        row(b);
        text(b, 0, level);
        text(b, 1, name);
        text(b, 2, f->key);
        text(b, 3, f->label);
        if (f->defined)
            num(b, 4, f->value, 4);
        text(b, 5, f->unit);
        text(b, 6, f->formula);
        inputs_text(f, inputs, sizeof inputs);
        text(b, 7, inputs);
    }
}

static void sheet_trace(builder *b, const gain_result *r)
{
    static const char *const h[] = {"Nivå", "Plan", "Nøkkel", "Tall", "Verdi", "Enhet", "Formel",
                                    "Inndata"};
    sheet(b, GAIN_CSV_SHEET, "Hvert tall med formel og inndata.", 8, h);
    for (size_t i = 0; i < r->nplans; i++)
        trace_rows(b, "plan", plan_of(r, i)->name, r->plans[i].t.figs);
    trace_rows(b, "total", "Totalt", r->total.figs);
}

int gain_report_book(const gain_result *r, report_book *book, kn_err *err)
{
    builder b = {book, NULL, 0, KN_OK};
    sheet_gains(&b, r);
    sheet_time(&b, r);
    sheet_costs(&b, r);
    sheet_quality(&b, r);
    sheet_project(&b, r);
    sheet_conclusion(&b, r);
    sheet_groups(&b, r, GAIN_DIM_TECHNOLOGY, "Per teknologi");
    sheet_groups(&b, r, GAIN_DIM_SIZE, "Per kommunestørrelse");
    sheet_groups(&b, r, GAIN_DIM_QUARTER, "Per kvartal");
    sheet_groups(&b, r, GAIN_DIM_REGION, "Per region");
    sheet_cumulative(&b, r);
    sheet_params(&b, r);
    sheet_trace(&b, r);
    if (b.rc != KN_OK) {
        report_book_free(book);
        return kn_err_set(err, b.rc, "gain report: cannot build the report book");
    }
    return KN_OK;
}
