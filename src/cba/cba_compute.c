/* cba_compute.c - the R-109/21 arithmetic: present values per category,
 * tax-financing cost (by default on all public spending, transfers
 * included) and gain (by default on public efficiency and purchase terms), priced net benefit,
 * break-even per year and per municipality, non-priced scores and rankings. Conventions (timing,
 * discount and price base years) are documented in docs/r109.md.
 */
#include "cba_int.h"

#include <math.h>
#include <string.h>

/* Discount factor of year y: (1+r)^-t with t counted from discount_year. */
static double discount_factor(const cba_params *p, int y)
{
    int t = y - p->discount_year + (p->timing_end ? 1 : 0);
    return pow(1.0 + p->discount_rate, -(double)t);
}

double cba_pv(const double *amount, int first_year, int nyears, double growth, const cba_params *p)
{
    double sum = 0;
    for (int i = 0; i < nyears; i++) {
        int y = first_year + i;
        if (y < p->first_year || y > p->last_year || amount[i] == 0)
            continue;
        sum += amount[i] * pow(1.0 + growth, (double)(y - p->price_year)) * discount_factor(p, y);
    }
    return sum;
}

/* The factor a flow's amounts are multiplied by: its own scale and its tags'. */
static double flow_scale(const cba_params *p, size_t a, size_t f, uint32_t tags)
{
    double scale = p->flow_scale[a][f];
    for (size_t t = 0; t < CBA_MAX_TAGS; t++)
        if (tags & (1u << t))
            scale *= p->tag_scale[t];
    return scale;
}

static double masked_sum(unsigned mask, const double *pv)
{
    double sum = 0;
    for (int c = 0; c < CBA_NCAT; c++)
        if (mask & (1u << c))
            sum += pv[c];
    return sum;
}

double cba_tax_cost(const cba_params *p, const double *pv)
{
    return p->tax_cost_rate * masked_sum(p->tax_cost_mask, pv);
}

double cba_tax_gain(const cba_params *p, const double *pv)
{
    return p->tax_gain_rate * masked_sum(p->tax_gain_mask, pv);
}

static void rows_init(const cba_params *p, cba_year_row *rows)
{
    for (int y = p->first_year; y <= p->last_year; y++) {
        cba_year_row *row = &rows[y - p->first_year];
        memset(row, 0, sizeof *row);
        row->year = y;
        row->factor = discount_factor(p, y);
    }
}

static void rows_finish(const cba_params *p, cba_year_row *rows)
{
    for (int y = p->first_year; y <= p->last_year; y++) {
        cba_year_row *row = &rows[y - p->first_year];
        row->tax_cost = cba_tax_cost(p, row->cat);
        row->tax_gain = cba_tax_gain(p, row->cat);
        row->net = row->cat[CBA_PUBLIC_EFFICIENCY] + row->cat[CBA_PRIVATE_EFFICIENCY] +
                   row->cat[CBA_PURCHASE_TERMS] + row->tax_gain - row->cat[CBA_INVESTMENT] -
                   row->cat[CBA_OPERATIONS] - row->tax_cost;
        row->net_pv = row->net * row->factor;
    }
}

void cba_alt_pv(const cba_scenario *sc, const cba_params *p, size_t a, double *pv, double *flow_pv,
                cba_year_row *rows)
{
    const cba_alt *alt = &sc->alts[a];
    int lo = p->first_year > sc->year0 ? p->first_year : sc->year0;
    int hi = p->last_year < sc->year0 + sc->nyears - 1 ? p->last_year : sc->year0 + sc->nyears - 1;
    double factor[CBA_MAX_YEARS];
    for (int y = lo; y <= hi; y++)
        factor[y - sc->year0] = discount_factor(p, y);
    memset(pv, 0, CBA_NCAT * sizeof *pv);
    if (rows)
        rows_init(p, rows);
    for (size_t f = 0; f < alt->nflows; f++) {
        const cba_flow *flow = &alt->flows[f];
        double scale = flow_scale(p, a, f, flow->tags), sum = 0;
        for (int y = lo; y <= hi; y++) {
            double v = flow->amount[y - sc->year0];
            if (v == 0)
                continue;
            v *= scale;
            if (flow->real_growth != 0)
                v *= pow(1.0 + flow->real_growth, (double)(y - p->price_year));
            sum += v * factor[y - sc->year0];
            if (rows)
                rows[y - p->first_year].cat[flow->category] += v;
        }
        pv[flow->category] += sum;
        if (flow_pv)
            flow_pv[f] = sum;
    }
    if (rows)
        rows_finish(p, rows);
}

/* Taxes, totals and net of one alternative from its PV per category. */
static void alt_totals(const cba_params *p, cba_alt_result *r)
{
    const double *pv = r->pv;
    double gains = pv[CBA_PUBLIC_EFFICIENCY] + pv[CBA_PRIVATE_EFFICIENCY] + pv[CBA_PURCHASE_TERMS];
    r->tax_cost = cba_tax_cost(p, pv);
    r->tax_gain = cba_tax_gain(p, pv);
    r->costs = pv[CBA_INVESTMENT] + pv[CBA_OPERATIONS] + pv[CBA_GRANT] + r->tax_cost;
    r->benefits = gains + pv[CBA_GRANT] + r->tax_gain;
    r->net = r->benefits - r->costs;
    r->per_grant = pv[CBA_GRANT] != 0 ? gains / pv[CBA_GRANT] : NAN;
}

/* Break-even: the yearly non-priced value over the window that covers a
 * negative net, and that per affected municipality (in kroner). */
static void alt_break_even(const cba_scenario *sc, const cba_params *p, size_t a, cba_alt_result *r)
{
    double shortfall = r->net < 0 ? -r->net : 0;
    double weight = 0;
    for (int y = p->be_first; y <= p->be_last; y++)
        weight += p->be_method == CBA_BE_SIMPLE ? 1.0 : discount_factor(p, y);
    r->be_year = shortfall / weight;
    double affected = p->municipalities * p->affected_share[a];
    r->be_municipality = affected > 0 ? r->be_year * sc->unit_value / affected : NAN;
}

static void alt_nonpriced(const cba_scenario *sc, const cba_params *p, size_t a, cba_alt_result *r)
{
    r->np_score = 0;
    for (size_t e = 0; e < sc->neffects; e++) {
        r->nonpriced[e] = p->nonpriced[a][e];
        if (r->nonpriced[e].set)
            r->np_score += (r->nonpriced[e].lo + r->nonpriced[e].hi) / 2.0;
    }
    r->rank_overall = sc->alts[a].overall_rank;
}

/* Competition ranking ("1, 1, 3"): 1 + the number of alternatives with a higher value. */
static int rank_of(const cba_result *res, size_t a, int nonpriced)
{
    int rank = 1;
    for (size_t b = 0; b < res->nalts; b++) {
        double mine = nonpriced ? res->alts[a].np_score : res->alts[a].net;
        double theirs = nonpriced ? res->alts[b].np_score : res->alts[b].net;
        rank += theirs > mine;
    }
    return rank;
}

static int finite_result(const cba_scenario *sc, const cba_alt_result *r, size_t a, kn_err *err)
{
    if (isfinite(r->net) && isfinite(r->costs) && isfinite(r->benefits) && isfinite(r->be_year))
        return KN_OK;
    return kn_err_set(err, KN_EUNPROCESSABLE,
                      "alternative '%s': the result is not a finite number (check the discount "
                      "rate, growth rates and amounts)",
                      sc->alts[a].id);
}

int cba_compute(const cba_scenario *sc, const cba_params *p, cba_result *out, kn_err *err)
{
    int rc = cba_params_check(sc, p, err);
    if (rc != KN_OK)
        return rc;
    memset(out->alts, 0, sizeof out->alts);
    out->nalts = sc->nalts;
    out->nyears = p->last_year - p->first_year + 1;
    int any_np = 0;
    for (size_t a = 0; rc == KN_OK && a < sc->nalts; a++) {
        cba_alt_result *r = &out->alts[a];
        cba_alt_pv(sc, p, a, r->pv, r->flow_pv, out->years[a]);
        alt_totals(p, r);
        alt_break_even(sc, p, a, r);
        alt_nonpriced(sc, p, a, r);
        any_np |= r->np_score != 0 || sc->neffects > 0;
        rc = finite_result(sc, r, a, err);
    }
    for (size_t a = 0; rc == KN_OK && a < sc->nalts; a++) {
        out->alts[a].rank_priced = rank_of(out, a, 0);
        out->alts[a].rank_nonpriced = any_np ? rank_of(out, a, 1) : 0;
    }
    return rc;
}

int cba_net(const cba_scenario *sc, const cba_params *p, double *net, kn_err *err)
{
    int rc = cba_params_check(sc, p, err);
    for (size_t a = 0; rc == KN_OK && a < sc->nalts; a++) {
        cba_alt_result r;
        cba_alt_pv(sc, p, a, r.pv, NULL, NULL);
        alt_totals(p, &r);
        net[a] = r.net;
        if (!isfinite(r.net))
            rc = kn_err_set(err, KN_EUNPROCESSABLE,
                            "alternative '%s': the result is not a finite number", sc->alts[a].id);
    }
    return rc;
}
