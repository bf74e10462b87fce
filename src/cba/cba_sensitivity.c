/* cba_sensitivity.c - parameter overrides ("discount_rate=0.02",
 * "scales.participation=0.8", "alternatives.A1.nonpriced.kvalitet=ingen"),
 * their range checks, the scenario's sensitivity table as change from the
 * base, and the sweep used by `knute nytte --sweep` and bench/nytte.
 * An override changes a cba_params only; the flows are never copied.
 */
#include "cba_int.h"

#include "../core/core_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Numeric parameters addressed by a plain name. */
typedef struct number_param {
    const char *name;
    size_t offset;
    int is_int;
    double min, max;
} number_param;

static const number_param number_params[] = {
    {"discount_rate", offsetof(cba_params, discount_rate), 0, 0, 1},
    {"tax_cost_rate", offsetof(cba_params, tax_cost_rate), 0, 0, 1},
    {"tax_gain_rate", offsetof(cba_params, tax_gain_rate), 0, 0, 1},
    {"municipalities", offsetof(cba_params, municipalities), 0, 1, 1e6},
    {"first_year", offsetof(cba_params, first_year), 1, CBA_YEAR_MIN, CBA_YEAR_MAX},
    {"last_year", offsetof(cba_params, last_year), 1, CBA_YEAR_MIN, CBA_YEAR_MAX},
    {"discount_year", offsetof(cba_params, discount_year), 1, CBA_YEAR_MIN, CBA_YEAR_MAX},
    {"price_year", offsetof(cba_params, price_year), 1, CBA_YEAR_MIN, CBA_YEAR_MAX},
    {"break_even.first_year", offsetof(cba_params, be_first), 1, CBA_YEAR_MIN, CBA_YEAR_MAX},
    {"break_even.last_year", offsetof(cba_params, be_last), 1, CBA_YEAR_MIN, CBA_YEAR_MAX},
};

#define SCALE_MAX 100.0

/* A whole string as a finite number in [min, max]. */
static int value_number(const char *path, const char *value, double min, double max, double *out,
                        kn_err *err)
{
    char *end = NULL;
    double d = value[0] ? strtod(value, &end) : NAN;
    if (!end || *end || !isfinite(d))
        return kn_err_set(err, KN_EINVAL, "%s: '%s' is not a number", path, value);
    if (d < min || d > max)
        return kn_err_set(err, KN_EINVAL, "%s: %g is out of range [%g, %g]", path, d, min, max);
    *out = d;
    return KN_OK;
}

static int set_number(const number_param *np, cba_params *p, const char *value, kn_err *err)
{
    double d = 0;
    long whole = 0;
    char *field = (char *)p + np->offset;
    if (np->is_int) {
        if (kn_parse_long(value, (long)np->min, (long)np->max, &whole) != KN_OK)
            return kn_err_set(err, KN_EINVAL, "%s: '%s' is not a year in [%d, %d]", np->name, value,
                              CBA_YEAR_MIN, CBA_YEAR_MAX);
        int i = (int)whole;
        memcpy(field, &i, sizeof i);
        return KN_OK;
    }
    int rc = value_number(np->name, value, np->min, np->max, &d, err);
    if (rc == KN_OK)
        memcpy(field, &d, sizeof d);
    return rc;
}

/* "investment,operations" into a category mask. */
static int set_mask(const char *path, unsigned *out, const char *value, kn_err *err)
{
    unsigned mask = 0;
    char list[CBA_VALUE_LEN];
    snprintf(list, sizeof list, "%s", value);
    char *save = NULL;
    for (char *name = strtok_r(list, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
        int c = 0;
        kn_err inner;
        if (cba_category_parse(name, &c, &inner) != KN_OK)
            return kn_err_set(err, KN_EINVAL, "%s: %s", path, inner.msg);
        mask |= 1u << c;
    }
    *out = mask;
    return KN_OK;
}

static int set_choice(cba_params *p, const char *path, const char *value, kn_err *err)
{
    if (strcmp(path, "timing") == 0) {
        if (strcmp(value, "end") != 0 && strcmp(value, "start") != 0)
            return kn_err_set(err, KN_EINVAL, "timing: must be end or start, not '%s'", value);
        p->timing_end = strcmp(value, "end") == 0;
        return KN_OK;
    }
    if (strcmp(value, "annuity") != 0 && strcmp(value, "simple") != 0)
        return kn_err_set(err, KN_EINVAL, "break_even.method: must be annuity or simple, not '%s'",
                          value);
    p->be_method = strcmp(value, "simple") == 0 ? CBA_BE_SIMPLE : CBA_BE_ANNUITY;
    return KN_OK;
}

/* "scales.TAG" */
static int set_scale(const cba_scenario *sc, cba_params *p, const char *path, const char *tag,
                     const char *value, kn_err *err)
{
    int t = cba_tag_index(sc, tag);
    if (t < 0)
        return kn_err_set(err, KN_EINVAL, "%s: unknown tag '%s'", path, tag);
    return value_number(path, value, 0, SCALE_MAX, &p->tag_scale[t], err);
}

/* "alternatives.ALT.affected_share | flows.FLOW.scale | nonpriced.EFFECT" */
static int set_alt(const cba_scenario *sc, cba_params *p, const char *path, const char *rest,
                   const char *value, kn_err *err)
{
    char alt_id[CBA_ID_LEN];
    const char *dot = strchr(rest, '.');
    if (!dot || (size_t)(dot - rest) >= sizeof alt_id)
        return kn_err_set(err, KN_EINVAL, "%s: unknown parameter", path);
    memcpy(alt_id, rest, (size_t)(dot - rest));
    alt_id[dot - rest] = '\0';
    int a = cba_alt_index(sc, alt_id);
    if (a < 0)
        return kn_err_set(err, KN_EINVAL, "%s: unknown alternative '%s'", path, alt_id);
    const char *what = dot + 1;
    if (strcmp(what, "affected_share") == 0)
        return value_number(path, value, 0, 1, &p->affected_share[a], err);
    if (strncmp(what, "nonpriced.", 10) == 0) {
        int e = cba_effect_index(sc, what + 10);
        kn_err inner;
        if (e < 0)
            return kn_err_set(err, KN_EINVAL, "%s: unknown effect '%s'", path, what + 10);
        if (cba_score_parse(value, &p->nonpriced[a][e], &inner) != KN_OK)
            return kn_err_set(err, KN_EINVAL, "%s: %s", path, inner.msg);
        return KN_OK;
    }
    size_t len = strlen(what);
    if (strncmp(what, "flows.", 6) == 0 && len > 12 && strcmp(what + len - 6, ".scale") == 0) {
        char flow_id[CBA_ID_LEN];
        size_t n = len - 12;
        if (n >= sizeof flow_id)
            return kn_err_set(err, KN_EINVAL, "%s: unknown flow", path);
        memcpy(flow_id, what + 6, n);
        flow_id[n] = '\0';
        int f = cba_flow_index(&sc->alts[a], flow_id);
        if (f < 0)
            return kn_err_set(err, KN_EINVAL, "%s: unknown flow '%s'", path, flow_id);
        return value_number(path, value, 0, SCALE_MAX, &p->flow_scale[a][f], err);
    }
    return kn_err_set(err, KN_EINVAL, "%s: unknown parameter", path);
}

static int set_any(const cba_scenario *sc, cba_params *p, const char *path, const char *value,
                   kn_err *err)
{
    for (size_t i = 0; i < sizeof number_params / sizeof number_params[0]; i++)
        if (strcmp(path, number_params[i].name) == 0)
            return set_number(&number_params[i], p, value, err);
    if (strcmp(path, "tax_cost_categories") == 0)
        return set_mask(path, &p->tax_cost_mask, value, err);
    if (strcmp(path, "tax_gain_categories") == 0)
        return set_mask(path, &p->tax_gain_mask, value, err);
    if (strcmp(path, "timing") == 0 || strcmp(path, "break_even.method") == 0)
        return set_choice(p, path, value, err);
    if (strncmp(path, "scales.", 7) == 0)
        return set_scale(sc, p, path, path + 7, value, err);
    if (strncmp(path, "alternatives.", 13) == 0)
        return set_alt(sc, p, path, path + 13, value, err);
    return kn_err_set(err, KN_EINVAL, "%s: unknown parameter (see docs/r109.md, overrides)", path);
}

int cba_params_set(const cba_scenario *sc, cba_params *p, const char *path, const char *value,
                   kn_err *err)
{
    if (!path || !value)
        return kn_err_set(err, KN_EINVAL, "override: path and value required");
    cba_params *work = malloc(sizeof *work);
    if (!work)
        return kn_err_set(err, KN_ENOMEM, "out of memory");
    *work = *p;
    int rc = set_any(sc, work, path, value, err);
    if (rc == KN_OK)
        *p = *work;
    free(work);
    return rc;
}

int cba_params_set_arg(const cba_scenario *sc, cba_params *p, const char *arg, kn_err *err)
{
    const char *eq = arg ? strchr(arg, '=') : NULL;
    char path[CBA_PATH_LEN];
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof path)
        return kn_err_set(err, KN_EINVAL, "override '%s': expected path=value", arg ? arg : "");
    memcpy(path, arg, (size_t)(eq - arg));
    path[eq - arg] = '\0';
    return cba_params_set(sc, p, path, eq + 1, err);
}

/* ---- checks ---- */

static int check_rates(const cba_params *p, kn_err *err)
{
    if (!(p->discount_rate >= 0 && p->discount_rate <= 1))
        return kn_err_set(err, KN_EINVAL, "discount_rate: %g is out of range [0, 1]",
                          p->discount_rate);
    if (!(p->tax_cost_rate >= 0 && p->tax_cost_rate <= 1))
        return kn_err_set(err, KN_EINVAL, "tax_cost_rate: %g is out of range [0, 1]",
                          p->tax_cost_rate);
    if (!(p->tax_gain_rate >= 0 && p->tax_gain_rate <= 1))
        return kn_err_set(err, KN_EINVAL, "tax_gain_rate: %g is out of range [0, 1]",
                          p->tax_gain_rate);
    for (int c = 0; c < CBA_NCAT; c++) {
        if ((p->tax_gain_mask & (1u << c)) && cba_category_is_cost(c))
            return kn_err_set(err, KN_EINVAL, "tax_gain_categories: '%s' is a cost, not a gain",
                              cba_category_name(c));
        if ((p->tax_cost_mask & (1u << c)) && !cba_category_is_cost(c))
            return kn_err_set(err, KN_EINVAL, "tax_cost_categories: '%s' is a gain, not a cost",
                              cba_category_name(c));
    }
    if (!(p->municipalities >= 1))
        return kn_err_set(err, KN_EINVAL, "municipalities: must be at least 1");
    return KN_OK;
}

static int check_years(const cba_params *p, kn_err *err)
{
    if (p->last_year < p->first_year)
        return kn_err_set(err, KN_EINVAL, "last_year: negative analysis period (%d-%d)",
                          p->first_year, p->last_year);
    if (p->last_year - p->first_year + 1 > CBA_MAX_YEARS)
        return kn_err_set(err, KN_EINVAL, "last_year: analysis period longer than %d years",
                          CBA_MAX_YEARS);
    if (p->be_last < p->be_first)
        return kn_err_set(err, KN_EINVAL, "break_even.last_year: negative window (%d-%d)",
                          p->be_first, p->be_last);
    if (p->be_first < p->first_year || p->be_last > p->last_year)
        return kn_err_set(err, KN_EINVAL,
                          "break_even: window %d-%d is outside the analysis period %d-%d",
                          p->be_first, p->be_last, p->first_year, p->last_year);
    if (p->discount_year < CBA_YEAR_MIN || p->discount_year > CBA_YEAR_MAX ||
        p->price_year < CBA_YEAR_MIN || p->price_year > CBA_YEAR_MAX)
        return kn_err_set(err, KN_EINVAL, "discount_year/price_year: out of range [%d, %d]",
                          CBA_YEAR_MIN, CBA_YEAR_MAX);
    return KN_OK;
}

static int check_scales(const cba_scenario *sc, const cba_params *p, kn_err *err)
{
    for (size_t t = 0; t < sc->ntags; t++)
        if (!(p->tag_scale[t] >= 0 && p->tag_scale[t] <= SCALE_MAX))
            return kn_err_set(err, KN_EINVAL, "scales.%s: out of range [0, %g]", sc->tags[t],
                              SCALE_MAX);
    for (size_t a = 0; a < sc->nalts; a++) {
        if (!(p->affected_share[a] >= 0 && p->affected_share[a] <= 1))
            return kn_err_set(err, KN_EINVAL,
                              "alternatives.%s.affected_share: out of range "
                              "[0, 1]",
                              sc->alts[a].id);
        for (size_t f = 0; f < sc->alts[a].nflows; f++)
            if (!(p->flow_scale[a][f] >= 0 && p->flow_scale[a][f] <= SCALE_MAX))
                return kn_err_set(err, KN_EINVAL, "alternatives.%s.flows.%s.scale: out of range",
                                  sc->alts[a].id, sc->alts[a].flows[f].id);
    }
    return KN_OK;
}

int cba_params_check(const cba_scenario *sc, const cba_params *p, kn_err *err)
{
    int rc = check_rates(p, err);
    if (rc == KN_OK)
        rc = check_years(p, err);
    if (rc == KN_OK)
        rc = check_scales(sc, p, err);
    return rc;
}

/* ---- the sensitivity table ---- */

static int sens_one(const cba_scenario *sc, const cba_params *base, const cba_sensitivity *s,
                    cba_params *work, cba_result *res, kn_err *err)
{
    *work = *base;
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < s->nsets; i++)
        rc = cba_params_set(sc, work, s->sets[i].path, s->sets[i].value, err);
    if (rc == KN_OK)
        rc = cba_compute(sc, work, res, err);
    if (rc != KN_OK) {
        kn_err inner = err ? *err : (kn_err){0};
        return kn_err_set(err, rc, "sensitivity '%s': %s", s->id, inner.msg);
    }
    return KN_OK;
}

int cba_sensitivities(const cba_scenario *sc, const cba_params *base, const cba_result *base_result,
                      cba_sens_result *out, kn_err *err)
{
    cba_params *work = malloc(sizeof *work);
    cba_result *res = malloc(sizeof *res);
    int rc = work && res ? KN_OK : kn_err_set(err, KN_ENOMEM, "out of memory");
    for (size_t i = 0; rc == KN_OK && i < sc->nsens; i++) {
        rc = sens_one(sc, base, &sc->sens[i], work, res, err);
        for (size_t a = 0; rc == KN_OK && a < sc->nalts; a++) {
            out[i].net[a] = res->alts[a].net;
            out[i].delta[a] = res->alts[a].net - base_result->alts[a].net;
            out[i].np_score[a] = res->alts[a].np_score;
            out[i].np_delta[a] = res->alts[a].np_score - base_result->alts[a].np_score;
        }
    }
    free(work);
    free(res);
    return rc;
}

/* ---- sweep ---- */

/* The i-th point of the additive recurrence (golden-ratio) sequence in [0,1)
 * for dimension d: well spread for any n, deterministic, no random state. */
static double sweep_point(size_t i, size_t d)
{
    static const double alpha[] = {0.6180339887498949, 0.7548776662466927, 0.5698402909980532,
                                   0.4301597090019468, 0.3247179572447460, 0.8191725133961645};
    double x =
        (double)(i + 1) * alpha[d % (sizeof alpha / sizeof alpha[0])] + 0.5 * (double)(d / 6);
    return x - floor(x);
}

static void sweep_params(const cba_scenario *sc, const cba_params *base, size_t i, cba_params *work)
{
    double r_max = base->discount_rate * 2 > 0.08 ? base->discount_rate * 2 : 0.08;
    work->discount_rate = r_max * sweep_point(i, 0);
    work->tax_cost_rate = 2 * base->tax_cost_rate * sweep_point(i, 1);
    work->tax_gain_rate = 2 * base->tax_gain_rate * sweep_point(i, 2);
    if (work->tax_cost_rate > 1)
        work->tax_cost_rate = 1;
    if (work->tax_gain_rate > 1)
        work->tax_gain_rate = 1;
    for (size_t t = 0; t < sc->ntags; t++)
        work->tag_scale[t] = base->tag_scale[t] * (0.5 + sweep_point(i, 3 + t));
}

static void sweep_account(const cba_scenario *sc, const double *net, cba_sweep_stats *out)
{
    for (size_t a = 0; a < sc->nalts; a++) {
        out->min[a] = out->n == 0 || net[a] < out->min[a] ? net[a] : out->min[a];
        out->max[a] = out->n == 0 || net[a] > out->max[a] ? net[a] : out->max[a];
        out->mean[a] += net[a];
        out->positive[a] += net[a] > 0;
    }
    out->n++;
}

int cba_sweep(const cba_scenario *sc, const cba_params *base, size_t n, cba_sweep_stats *out,
              kn_err *err)
{
    if (n < 1 || n > CBA_SWEEP_MAX)
        return kn_err_set(err, KN_EINVAL, "sweep: the number of scenarios must be 1..%d",
                          CBA_SWEEP_MAX);
    cba_params *work = malloc(sizeof *work);
    if (!work)
        return kn_err_set(err, KN_ENOMEM, "out of memory");
    *work = *base;
    memset(out, 0, sizeof *out);
    int rc = KN_OK;
    double net[CBA_MAX_ALTS];
    for (size_t i = 0; rc == KN_OK && i < n; i++) {
        sweep_params(sc, base, i, work);
        rc = cba_net(sc, work, net, err);
        if (rc == KN_OK)
            sweep_account(sc, net, out);
    }
    for (size_t a = 0; rc == KN_OK && a < sc->nalts; a++)
        out->mean[a] /= (double)out->n;
    free(work);
    return rc;
}
