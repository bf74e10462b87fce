/* cba_json.c - a cost-benefit result as JSON: the answer of
 * POST /api/v1/nytte and `knute nytte --json`. Amounts are in the scenario's
 * unit with the signs as entered (costs positive in "pv"); numbers that do
 * not exist (no grant, no affected municipality) are null. Shape:
 * docs/r109.md.
 */
#include "cba_int.h"

#include <math.h>

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *mask_json(unsigned mask)
{
    json_t *cats = json_array();
    for (int c = 0; c < CBA_NCAT; c++)
        if (mask & (1u << c))
            json_array_append_new(cats, json_string(cba_category_name(c)));
    return cats;
}

static json_t *params_json(const cba_scenario *sc, const cba_params *p)
{
    json_t *scales = json_object();
    for (size_t t = 0; t < sc->ntags; t++)
        json_object_set_new(scales, sc->tags[t], num(p->tag_scale[t]));
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:i, s:i, s:s, s:o, s:{s:s, s:i, s:i}, "
        "s:o}",
        "discount_rate", num(p->discount_rate), "tax_cost_rate", num(p->tax_cost_rate),
        "tax_gain_rate", num(p->tax_gain_rate), "tax_cost_categories", mask_json(p->tax_cost_mask),
        "tax_gain_categories", mask_json(p->tax_gain_mask), "first_year", p->first_year,
        "last_year", p->last_year, "discount_year", p->discount_year, "price_year", p->price_year,
        "timing", p->timing_end ? "end" : "start", "municipalities", num(p->municipalities),
        "break_even", "method", p->be_method == CBA_BE_SIMPLE ? "simple" : "annuity", "first_year",
        p->be_first, "last_year", p->be_last, "scales", scales);
}

static json_t *pv_json(const double *pv)
{
    json_t *o = json_object();
    for (int c = 0; c < CBA_NCAT; c++)
        json_object_set_new(o, cba_category_name(c), num(pv[c]));
    return o;
}

static json_t *years_json(const cba_result *res, size_t a)
{
    json_t *list = json_array();
    for (int i = 0; i < res->nyears; i++) {
        const cba_year_row *y = &res->years[a][i];
        json_t *row = pv_json(y->cat);
        json_object_set_new(row, "year", json_integer(y->year));
        json_object_set_new(row, "factor", num(y->factor));
        json_object_set_new(row, "tax_cost", num(y->tax_cost));
        json_object_set_new(row, "tax_gain", num(y->tax_gain));
        json_object_set_new(row, "net", num(y->net));
        json_object_set_new(row, "net_pv", num(y->net_pv));
        json_array_append_new(list, row);
    }
    return list;
}

static json_t *nonpriced_json(const cba_scenario *sc, const cba_alt_result *r)
{
    json_t *o = json_object();
    for (size_t e = 0; e < sc->neffects; e++) {
        char label[64];
        if (!r->nonpriced[e].set)
            continue;
        cba_score_label(&r->nonpriced[e], label, sizeof label);
        json_object_set_new(o, sc->effects[e].id,
                            json_pack("{s:s, s:i, s:i}", "label", label, "low", r->nonpriced[e].lo,
                                      "high", r->nonpriced[e].hi));
    }
    return o;
}

static json_t *flows_json(const cba_alt *alt, const cba_alt_result *r)
{
    json_t *list = json_array();
    for (size_t f = 0; f < alt->nflows; f++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}", "id", alt->flows[f].id,
                                              "name", alt->flows[f].name, "category",
                                              cba_category_name(alt->flows[f].category), "pv",
                                              num(r->flow_pv[f])));
    return list;
}

static json_t *rank_json(int rank)
{
    return rank ? json_integer(rank) : json_null();
}

static json_t *alt_json(const cba_scenario *sc, const cba_params *p, const cba_result *res,
                        size_t a)
{
    const cba_alt_result *r = &res->alts[a];
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:o, "
                     "s:o, s:{s:o, s:o, s:o}, s:o, s:o}",
                     "id", sc->alts[a].id, "name", sc->alts[a].name, "pv", pv_json(r->pv),
                     "tax_cost", num(r->tax_cost), "tax_gain", num(r->tax_gain), "costs",
                     num(r->costs), "benefits", num(r->benefits), "net", num(r->net), "per_grant",
                     num(r->per_grant), "affected_share", num(p->affected_share[a]), "break_even",
                     "per_year", num(r->be_year), "per_municipality", num(r->be_municipality),
                     "nonpriced", nonpriced_json(sc, r), "nonpriced_score", num(r->np_score),
                     "rank", "priced", rank_json(r->rank_priced), "nonpriced",
                     rank_json(r->rank_nonpriced), "overall", rank_json(r->rank_overall), "flows",
                     flows_json(&sc->alts[a], r), "years", years_json(res, a));
}

static json_t *sens_json(const cba_scenario *sc, const cba_sens_result *sens)
{
    json_t *list = json_array();
    for (size_t i = 0; sens && i < sc->nsens; i++) {
        json_t *set = json_object(), *alts = json_array();
        for (size_t k = 0; k < sc->sens[i].nsets; k++)
            json_object_set_new(set, sc->sens[i].sets[k].path,
                                json_string(sc->sens[i].sets[k].value));
        for (size_t a = 0; a < sc->nalts; a++)
            json_array_append_new(alts, json_pack("{s:s, s:o, s:o, s:o, s:o}", "id", sc->alts[a].id,
                                                  "net", num(sens[i].net[a]), "change",
                                                  num(sens[i].delta[a]), "nonpriced_score",
                                                  num(sens[i].np_score[a]), "nonpriced_change",
                                                  num(sens[i].np_delta[a])));
        json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o}", "id", sc->sens[i].id, "name",
                                              sc->sens[i].name, "set", set, "alternatives", alts));
    }
    return list;
}

json_t *cba_result_json(const cba_scenario *sc, const cba_params *p, const cba_result *res,
                        const cba_sens_result *sens)
{
    json_t *alts = json_array();
    for (size_t a = 0; alts && a < res->nalts; a++)
        if (json_array_append_new(alts, alt_json(sc, p, res, a)) != 0) {
            json_decref(alts);
            return NULL;
        }
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "title", sc->title, "unit", sc->unit,
                     "unit_value", num(sc->unit_value), "parameters", params_json(sc, p),
                     "alternatives", alts, "sensitivities", sens_json(sc, sens));
}
