/* test_cba.c - the R-109/21 cost-benefit engine (cba.h).
 *
 * Golden tests: the expected present values are written out in the test from
 * first principles (sum of amount / 1.04^t, year by year), never taken from
 * the program. Property tests: present value is linear in the cash flows,
 * monotone in the discount rate for flows of one sign, and a transfer
 * (grant) changes the net only by its tax-financing cost. Validation: every
 * bad input is refused with the field named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cba/cba.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-9

/* cmocka here has only a float comparison: doubles, with the values on failure. */
static void near_at(double a, double b, double eps, int line)
{
    if (!(fabs(a - b) <= eps))
        fail_msg("line %d: %.15g differs from %.15g by more than %g", line, a, b, eps);
}
#define assert_near(a, b, eps) near_at((a), (b), (eps), __LINE__)

/* A small scenario: years 2024-2028, discounted to 2024 at 4 %, end of year. */
static const char *const golden_json =
    "{\"title\": \"golden\", \"unit\": \"MNOK\", \"unit_value\": 1000000,"
    " \"first_year\": 2024, \"last_year\": 2028, \"discount_year\": 2024, \"price_year\": 2024,"
    " \"municipalities\": 100,"
    " \"nonpriced_effects\": [{\"id\": \"q\", \"name\": \"Kvalitet\"}],"
    " \"alternatives\": [{\"id\": \"A\", \"name\": \"Alt A\", \"affected_share\": 0.5,"
    "   \"flows\": ["
    "    {\"id\": \"inv\", \"category\": \"investment\", \"years\": {\"2024\": 100}},"
    "    {\"id\": \"ops\", \"category\": \"operations\", \"from\": 2025, \"to\": 2027, \"amount\": "
    "10},"
    "    {\"id\": \"grant\", \"category\": \"grant\", \"years\": {\"2025\": 50}},"
    "    {\"id\": \"pub\", \"category\": \"public_efficiency\", \"from\": 2025, \"profile\": [30, "
    "30, 30, 30],"
    "     \"tags\": [\"p\"]},"
    "    {\"id\": \"priv\", \"category\": \"private_efficiency\", \"from\": 2025, \"to\": 2028, "
    "\"amount\": 5},"
    "    {\"id\": \"buy\", \"category\": \"purchase_terms\", \"years\": {\"2026\": 2, \"2027\": "
    "2}}],"
    "   \"nonpriced\": {\"q\": \"positiv\"}},"
    "  {\"id\": \"B\", \"flows\": [{\"id\": \"ops\", \"category\": \"operations\", \"from\": 2024,"
    "    \"to\": 2028, \"amount\": 1}], \"nonpriced\": {\"q\": [\"liten positiv\", \"stor "
    "positiv\"]}}],"
    " \"sensitivities\": [{\"id\": \"s1\", \"set\": {\"scales.p\": 0.5}},"
    "   {\"id\": \"s2\", \"set\": {\"discount_rate\": 0.02, \"alternatives.A.nonpriced.q\": "
    "\"ingen\"}}]}";

static cba_scenario *load(const char *text)
{
    cba_scenario *sc = NULL;
    kn_err err = {0};
    int rc = cba_scenario_parse_text(text, strlen(text), &sc, &err);
    if (rc != KN_OK)
        fprintf(stderr, "parse: %s\n", err.msg);
    assert_int_equal(rc, KN_OK);
    return sc;
}

static cba_result *compute(const cba_scenario *sc, const cba_params *p)
{
    cba_result *res = malloc(sizeof *res);
    assert_non_null(res);
    assert_int_equal(cba_compute(sc, p, res, NULL), KN_OK);
    return res;
}

/* ---- golden ---- */

static void test_golden_present_values(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_result *res = compute(sc, &sc->base);
    const double d1 = 1 / 1.04, d2 = d1 / 1.04, d3 = d2 / 1.04, d4 = d3 / 1.04, d5 = d4 / 1.04;
    /* 2024 is t = 1 (end of the first year), 2025 t = 2, ... */
    double inv = 100 * d1;
    double ops = 10 * d2 + 10 * d3 + 10 * d4;
    double grant = 50 * d2;
    double pub = 30 * d2 + 30 * d3 + 30 * d4 + 30 * d5;
    double priv = 5 * d2 + 5 * d3 + 5 * d4 + 5 * d5;
    double buy = 2 * d3 + 2 * d4;
    double tax_cost = 0.2 * (inv + ops + grant);
    double tax_gain = 0.2 * (pub + buy);
    double net = pub + priv + buy + grant + tax_gain - (inv + ops + grant + tax_cost);
    const cba_alt_result *a = &res->alts[0];
    assert_near(a->pv[CBA_INVESTMENT], inv, EPS);
    assert_near(a->pv[CBA_OPERATIONS], ops, EPS);
    assert_near(a->pv[CBA_GRANT], grant, EPS);
    assert_near(a->pv[CBA_PUBLIC_EFFICIENCY], pub, EPS);
    assert_near(a->pv[CBA_PRIVATE_EFFICIENCY], priv, EPS);
    assert_near(a->pv[CBA_PURCHASE_TERMS], buy, EPS);
    assert_near(a->tax_cost, tax_cost, EPS);
    assert_near(a->tax_gain, tax_gain, EPS);
    assert_near(a->net, net, EPS);
    assert_near(a->per_grant, (pub + priv + buy) / grant, EPS);
    /* B: 1 a year of operations, 1.2 with its tax-financing cost */
    double b_ops = d1 + d2 + d3 + d4 + d5;
    assert_near(res->alts[1].net, -1.2 * b_ops, EPS);
    /* yearly rows: undiscounted amounts and the factor of each year */
    assert_int_equal(res->nyears, 5);
    assert_int_equal(res->years[0][1].year, 2025);
    assert_near(res->years[0][1].factor, d2, EPS);
    assert_near(res->years[0][1].cat[CBA_GRANT], 50, EPS);
    assert_near(res->years[0][1].tax_cost, 0.2 * (10 + 50), EPS);
    assert_near(res->years[0][1].net, 30 + 5 + 0.2 * 30 - 10 - 0.2 * 60, EPS);
    free(res);
    cba_scenario_free(sc);
}

static void test_golden_conventions(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_params p = sc->base;
    /* start of year: 2024 is t = 0 */
    assert_int_equal(cba_params_set(sc, &p, "timing", "start", NULL), KN_OK);
    cba_result *res = compute(sc, &p);
    assert_near(res->alts[0].pv[CBA_INVESTMENT], 100.0, EPS);
    assert_near(res->alts[0].pv[CBA_GRANT], 50 / 1.04, EPS);
    free(res);
    /* discounting to an earlier year adds whole years of discounting */
    p = sc->base;
    assert_int_equal(cba_params_set(sc, &p, "discount_year", "2022", NULL), KN_OK);
    res = compute(sc, &p);
    assert_near(res->alts[0].pv[CBA_INVESTMENT], 100 / (1.04 * 1.04 * 1.04), EPS);
    free(res);
    /* a shorter analysis period leaves the later years out */
    p = sc->base;
    assert_int_equal(cba_params_set(sc, &p, "last_year", "2026", NULL), KN_OK);
    assert_int_equal(cba_params_set(sc, &p, "break_even.last_year", "2026", NULL), KN_OK);
    res = compute(sc, &p);
    assert_near(res->alts[0].pv[CBA_PRIVATE_EFFICIENCY], 5 / pow(1.04, 2) + 5 / pow(1.04, 3), EPS);
    free(res);
    cba_scenario_free(sc);
}

/* The tax-financing cost on investment only (seed 002 5.1's wording). */
static void test_golden_tax_cost_categories(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_params p = sc->base;
    assert_int_equal(cba_params_set(sc, &p, "tax_cost_categories", "investment", NULL), KN_OK);
    cba_result *res = compute(sc, &p);
    assert_near(res->alts[0].tax_cost, 0.2 * 100 / 1.04, EPS);
    assert_near(res->alts[1].tax_cost, 0, EPS); /* B has only operations */
    free(res);
    cba_scenario_free(sc);
}

static void test_golden_real_growth(void **state)
{
    (void)state;
    const char *json =
        "{\"title\": \"g\", \"first_year\": 2023, \"last_year\": 2025, \"price_year\": 2022,"
        " \"discount_year\": 2023, \"discount_rate\": 0.04,"
        " \"alternatives\": [{\"id\": \"A\", \"flows\": [{\"id\": \"t\", \"category\":"
        " \"public_efficiency\", \"from\": 2023, \"to\": 2025, \"amount\": 100, \"real_growth\": "
        "0.01}]}]}";
    cba_scenario *sc = load(json);
    cba_result *res = compute(sc, &sc->base);
    /* kroner of 2022 grow 1 % a year: 2023 is one year of growth, discounted one year */
    double want = 100 * 1.01 / 1.04 + 100 * 1.01 * 1.01 / (1.04 * 1.04) +
                  100 * 1.01 * 1.01 * 1.01 / (1.04 * 1.04 * 1.04);
    assert_near(res->alts[0].pv[CBA_PUBLIC_EFFICIENCY], want, EPS);
    free(res);
    cba_scenario_free(sc);
}

static void test_golden_break_even(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_params p = sc->base;
    cba_result *res = compute(sc, &p);
    /* B only has costs: shortfall 1.2 * PV(ops); annuity over 2024-2028 gives back 1.2 a year */
    double b_short = -res->alts[1].net;
    assert_near(res->alts[1].be_year, 1.2, 1e-9);
    free(res);
    assert_int_equal(cba_params_set(sc, &p, "break_even.method", "simple", NULL), KN_OK);
    assert_int_equal(cba_params_set(sc, &p, "break_even.first_year", "2025", NULL), KN_OK);
    res = compute(sc, &p);
    assert_near(res->alts[1].be_year, b_short / 4, EPS);
    /* per municipality: kroner per year over 100 municipalities (B: share 1) */
    assert_near(res->alts[1].be_municipality, b_short / 4 * 1e6 / 100, 1e-6);
    if (res->alts[0].net < 0)
        assert_near(res->alts[0].be_municipality, -res->alts[0].net / 4 * 1e6 / 50, 1e-6);
    else
        assert_near(res->alts[0].be_year, 0, EPS);
    free(res);
    cba_scenario_free(sc);
}

static void test_nonpriced_and_ranks(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_result *res = compute(sc, &sc->base);
    assert_near(res->alts[0].np_score, 3, EPS);       /* positiv */
    assert_near(res->alts[1].np_score, 3, EPS);       /* liten positiv/stor positiv: (2+4)/2 */
    assert_int_equal(res->alts[0].rank_nonpriced, 1); /* a tie shares the rank */
    assert_int_equal(res->alts[1].rank_nonpriced, 1);
    int a_first = res->alts[0].net > res->alts[1].net;
    assert_int_equal(res->alts[0].rank_priced, a_first ? 1 : 2);
    assert_int_equal(res->alts[1].rank_priced, a_first ? 2 : 1);
    free(res);
    cba_scenario_free(sc);
}

/* ---- the 11-step scale ---- */

static void test_scores(void **state)
{
    (void)state;
    cba_score s;
    char label[64];
    static const struct {
        const char *text;
        int lo, hi;
    } ok[] = {
        {"svært stor negativ", -5, -5},
        {"Ingen virkning", 0, 0},
        {"ingen", 0, 0},
        {"Svært liten positiv", 1, 1},
        {"positiv", 3, 3},
        {"+++", 3, 3},
        {"----", -4, -4},
        {"-2", -2, -2},
        {"0", 0, 0},
        {"positiv/liten positiv", 2, 3},
        {"svært stor positiv", 5, 5},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(cba_score_parse(ok[i].text, &s, NULL), KN_OK);
        assert_int_equal(s.lo, ok[i].lo);
        assert_int_equal(s.hi, ok[i].hi);
    }
    kn_err err;
    assert_int_equal(cba_score_parse("veldig bra", &s, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "11-step"));
    assert_int_equal(cba_score_parse("6", &s, NULL), KN_EINVAL);
    assert_int_equal(cba_score_parse("++++++", &s, NULL), KN_EINVAL);
    assert_int_equal(cba_score_parse("liten positiv/", &s, NULL), KN_EINVAL);
    assert_int_equal(cba_score_parse("liten positiv/positiv", &s, NULL), KN_OK);
    cba_score_label(&s, label, sizeof label);
    assert_string_equal(label, "liten positiv/positiv");
}

/* ---- properties ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static double rnd(double lo, double hi)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return lo + (hi - lo) * (double)(rng_state >> 11) / 9007199254740992.0;
}

static cba_params period_params(double r)
{
    cba_params p;
    memset(&p, 0, sizeof p);
    p.discount_rate = r;
    p.first_year = 2020;
    p.last_year = 2049;
    p.discount_year = 2020;
    p.price_year = 2020;
    p.timing_end = 1;
    return p;
}

static void test_property_linear(void **state)
{
    (void)state;
    double x[30], y[30], z[30];
    for (int round = 0; round < 200; round++) {
        double a = rnd(-5, 5), b = rnd(-5, 5);
        for (int i = 0; i < 30; i++) {
            x[i] = rnd(-100, 100);
            y[i] = rnd(-100, 100);
            z[i] = a * x[i] + b * y[i];
        }
        cba_params p = period_params(rnd(0, 0.15));
        double g = rnd(-0.02, 0.03);
        double lhs = cba_pv(z, 2020, 30, g, &p);
        double rhs = a * cba_pv(x, 2020, 30, g, &p) + b * cba_pv(y, 2020, 30, g, &p);
        assert_near(lhs, rhs, 1e-9 * (1 + fabs(rhs)));
    }
}

/* Scaling every flow of an alternative by k scales its net by k (taxes are linear too). */
static void test_property_linear_net(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    double base[CBA_MAX_ALTS], scaled[CBA_MAX_ALTS];
    assert_int_equal(cba_net(sc, &sc->base, base, NULL), KN_OK);
    for (int round = 0; round < 50; round++) {
        double k = rnd(0, 10);
        cba_params p = sc->base;
        for (size_t f = 0; f < sc->alts[0].nflows; f++)
            p.flow_scale[0][f] = k;
        assert_int_equal(cba_net(sc, &p, scaled, NULL), KN_OK);
        assert_near(scaled[0], k * base[0], 1e-9 * (1 + fabs(base[0]) * k));
        assert_near(scaled[1], base[1], EPS);
    }
    cba_scenario_free(sc);
}

static void test_property_monotone(void **state)
{
    (void)state;
    double pos[30], neg[30];
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 30; i++) {
            pos[i] = rnd(0, 50);
            neg[i] = -rnd(0, 50);
        }
        pos[round % 30] += 1; /* at least one non-zero flow */
        neg[round % 30] -= 1;
        double last_pos = INFINITY, last_neg = -INFINITY;
        for (double r = 0; r <= 0.25; r += 0.01) {
            cba_params p = period_params(r);
            double vp = cba_pv(pos, 2020, 30, 0, &p), vn = cba_pv(neg, 2020, 30, 0, &p);
            assert_true(vp < last_pos); /* benefits shrink as the rate grows */
            assert_true(vn > last_neg); /* costs shrink in size too */
            last_pos = vp;
            last_neg = vn;
        }
    }
}

/* Adding a grant changes the net by exactly -tax_cost_rate * PV(grant). */
static void test_property_transfer_neutral(void **state)
{
    (void)state;
    char json[2048];
    for (int round = 0; round < 50; round++) {
        double g1 = rnd(0, 500), g2 = rnd(0, 500), tax = rnd(0, 0.4);
        snprintf(
            json, sizeof json,
            "{\"title\": \"t\", \"first_year\": 2024, \"last_year\": 2027, \"tax_cost_rate\": "
            "%.17g,"
            " \"alternatives\": [{\"id\": \"A\", \"flows\": ["
            "  {\"id\": \"ops\", \"category\": \"operations\", \"from\": 2024, \"to\": 2027, "
            "\"amount\": 7},"
            "  {\"id\": \"pub\", \"category\": \"public_efficiency\", \"years\": {\"2026\": 40}},"
            "  {\"id\": \"grant\", \"category\": \"grant\", \"years\": {\"2025\": %.17g, \"2027\": "
            "%.17g}}]}]}",
            tax, g1, g2);
        cba_scenario *sc = load(json);
        cba_params without = sc->base;
        without.flow_scale[0][2] = 0;
        double with_net[CBA_MAX_ALTS], without_net[CBA_MAX_ALTS];
        assert_int_equal(cba_net(sc, &sc->base, with_net, NULL), KN_OK);
        assert_int_equal(cba_net(sc, &without, without_net, NULL), KN_OK);
        double pv_grant = g1 / pow(1.04, 2) + g2 / pow(1.04, 4);
        assert_near(with_net[0] - without_net[0], -tax * pv_grant, 1e-9);
        cba_scenario_free(sc);
    }
}

/* ---- validation ---- */

static void expect_invalid(const char *json, const char *field)
{
    cba_scenario *sc = NULL;
    kn_err err = {0};
    assert_int_equal(cba_scenario_parse_text(json, strlen(json), &sc, &err), KN_EINVAL);
    assert_null(sc);
    if (!strstr(err.msg, field))
        fprintf(stderr, "expected '%s' in: %s\n", field, err.msg);
    assert_non_null(strstr(err.msg, field));
}

#define HEAD "{\"title\": \"v\", \"first_year\": 2024, \"last_year\": 2030, "
#define ONE_FLOW(f) "\"alternatives\": [{\"id\": \"A\", \"flows\": [" f "]}]}"

static void test_validation(void **state)
{
    (void)state;
    expect_invalid(HEAD ONE_FLOW("{\"id\": \"x\", \"category\": \"magic\", \"from\": 2024, \"to\": "
                                 "2025, \"amount\": 1}"),
                   "alternatives[0].flows[0].category: unknown category 'magic'");
    expect_invalid(HEAD ONE_FLOW("{\"id\": \"x\", \"category\": \"operations\", \"from\": 2026, "
                                 "\"to\": 2025, \"amount\": 1}"),
                   "negative duration");
    expect_invalid(
        HEAD ONE_FLOW("{\"id\": \"x\", \"category\": \"operations\", \"years\": {\"2031\": 1}}"),
        "alternatives[0].flows[0].years: year 2031 is outside the analysis period 2024-2030");
    expect_invalid(HEAD ONE_FLOW("{\"id\": \"x\", \"category\": \"operations\", \"from\": 2029, "
                                 "\"profile\": [1, 2, 3]}"),
                   "profile[2]: year 2031 is outside");
    expect_invalid("{\"title\": \"v\", \"first_year\": 2030, \"last_year\": 2024, " ONE_FLOW(""),
                   "last_year: negative analysis period");
    expect_invalid(HEAD "\"discount_rate\": 1.5, " ONE_FLOW(""),
                   "discount_rate: 1.5 is out of range");
    expect_invalid(HEAD "\"discount_rate\": -0.01, " ONE_FLOW(""), "discount_rate");
    expect_invalid(HEAD "\"colour\": 1, " ONE_FLOW(""), "colour: unknown field");
    expect_invalid(
        HEAD ONE_FLOW(
            "{\"id\": \"x\", \"category\": \"operations\", \"from\": 2024, \"to\": 2025}"),
        "flows[0].amount: required");
    expect_invalid(HEAD "\"tax_gain_categories\": [\"investment\"], " ONE_FLOW(""),
                   "tax_gain_categories: 'investment' is a cost");
    expect_invalid(HEAD
                   "\"sensitivities\": [{\"id\": \"s\", \"set\": {\"nope\": 1}}], " ONE_FLOW(""),
                   "sensitivities[0].set: nope: unknown parameter");
    expect_invalid(
        HEAD "\"sensitivities\": [{\"id\": \"s\", \"set\": {\"first_year\": 2031}}], " ONE_FLOW(""),
        "negative analysis period");
    expect_invalid(
        HEAD
        "\"nonpriced_effects\": [{\"id\": \"q\", \"name\": \"Q\"}], "
        "\"alternatives\": [{\"id\": \"A\", \"flows\": [], \"nonpriced\": {\"q\": \"great\"}}]}",
        "alternatives[0].nonpriced.q");
    expect_invalid(HEAD "\"alternatives\": []}", "alternatives: required");
    expect_invalid(
        HEAD "\"alternatives\": [{\"id\": \"A\", \"flows\": []}, {\"id\": \"A\", \"flows\": []}]}",
        "alternatives[1].id: 'A' is used twice");
    expect_invalid("[1, 2]", "must be a JSON object");
    expect_invalid("{\"title\": ", "not JSON");
}

static void test_overrides(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_params p = sc->base;
    kn_err err;
    assert_int_equal(cba_params_set_arg(sc, &p, "discount_rate=0.02", &err), KN_OK);
    assert_near(p.discount_rate, 0.02, 0);
    assert_int_equal(cba_params_set_arg(sc, &p, "alternatives.A.flows.grant.scale=2", &err), KN_OK);
    assert_near(p.flow_scale[0][2], 2, 0);
    assert_int_equal(cba_params_set_arg(sc, &p, "alternatives.B.nonpriced.q=---", &err), KN_OK);
    assert_int_equal(p.nonpriced[1][0].lo, -3);
    assert_int_equal(cba_params_set_arg(sc, &p, "tax_gain_categories=private_efficiency", &err),
                     KN_OK);
    assert_int_equal(p.tax_gain_mask, 1u << CBA_PRIVATE_EFFICIENCY);
    assert_int_equal(cba_params_set_arg(sc, &p, "tax_cost_categories=investment", &err), KN_OK);
    assert_int_equal(p.tax_cost_mask, 1u << CBA_INVESTMENT);
    cba_params cost_on_gain = p;
    assert_int_equal(
        cba_params_set_arg(sc, &cost_on_gain, "tax_cost_categories=purchase_terms", &err), KN_OK);
    assert_int_equal(cba_params_check(sc, &cost_on_gain, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "tax_cost_categories: 'purchase_terms' is a gain"));
    cba_params before = p;
    assert_int_equal(cba_params_set_arg(sc, &p, "discount_rate=abc", &err), KN_EINVAL);
    assert_int_equal(cba_params_set_arg(sc, &p, "discount_rate=2", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "discount_rate"));
    assert_int_equal(cba_params_set_arg(sc, &p, "scales.nope=1", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "unknown tag"));
    assert_int_equal(cba_params_set_arg(sc, &p, "alternatives.C.affected_share=1", &err),
                     KN_EINVAL);
    assert_int_equal(cba_params_set_arg(sc, &p, "alternatives.A.flows.zz.scale=1", &err),
                     KN_EINVAL);
    assert_int_equal(cba_params_set_arg(sc, &p, "no-equals-sign", &err), KN_EINVAL);
    assert_int_equal(cba_params_set_arg(sc, &p, "timing=middle", &err), KN_EINVAL);
    assert_memory_equal(&before, &p, sizeof p); /* refused overrides change nothing */
    cba_scenario_free(sc);
}

static void test_sensitivities_are_changes(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_result *base = compute(sc, &sc->base);
    cba_sens_result sens[2];
    assert_int_equal(cba_sensitivities(sc, &sc->base, base, sens, NULL), KN_OK);
    /* s1: the tagged public gain halves; with its 20 % tax gain */
    const double d2 = 1 / pow(1.04, 2), d3 = d2 / 1.04, d4 = d3 / 1.04, d5 = d4 / 1.04;
    double pub = 30 * (d2 + d3 + d4 + d5);
    assert_near(sens[0].delta[0], -0.5 * pub * 1.2, 1e-9);
    assert_near(sens[0].delta[1], 0, EPS);
    /* s2: recomputed at 2 %, the change is the difference of the two nets */
    cba_params p = sc->base;
    p.discount_rate = 0.02;
    cba_result *two = compute(sc, &p);
    assert_near(sens[1].net[1], two->alts[1].net, EPS);
    assert_near(sens[1].delta[1], two->alts[1].net - base->alts[1].net, EPS);
    assert_near(sens[1].np_delta[0], -3, EPS); /* positiv -> ingen */
    free(two);
    free(base);
    cba_scenario_free(sc);
}

static void test_report_and_json(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_result *res = compute(sc, &sc->base);
    cba_sens_result sens[2];
    assert_int_equal(cba_sensitivities(sc, &sc->base, res, sens, NULL), KN_OK);
    report_book book = {0};
    assert_int_equal(cba_report_build(sc, &sc->base, res, sens, &book, NULL), KN_OK);
    assert_int_equal(book.nsheets, 4);
    assert_string_equal(book.sheets[0]->title, "Nåverdier");
    assert_string_equal(book.sheets[2]->title, "Følsomhet");
    const report_sheet *pv = book.sheets[0];
    int found = 0;
    for (size_t r = 0; r < pv->nrows; r++)
        if (strcmp(pv->cells[r * pv->ncols].text, "Prissatt nettonytte") == 0) {
            assert_near(pv->cells[r * pv->ncols + 1].number, res->alts[0].net, EPS);
            found = 1;
        } else if (strcmp(pv->cells[r * pv->ncols].text, "Investeringskostnader") == 0) {
            assert_near(pv->cells[r * pv->ncols + 1].number, -100 / 1.04, EPS);
        }
    assert_true(found);
    /* years sheet: one row per alternative and year */
    assert_int_equal(book.sheets[1]->nrows, 2 * 5);
    assert_int_equal(book.sheets[2]->nrows, 2 + 2 * 2);
    report_book_free(&book);
    json_t *doc = cba_result_json(sc, &sc->base, res, sens);
    assert_non_null(doc);
    json_t *a = json_array_get(json_object_get(doc, "alternatives"), 0);
    assert_near(json_real_value(json_object_get(a, "net")), res->alts[0].net, EPS);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(a, "nonpriced"), "q"), "label")),
                        "positiv");
    assert_int_equal(json_array_size(json_object_get(doc, "sensitivities")), 2);
    json_decref(doc);
    free(res);
    cba_scenario_free(sc);
}

static void test_sweep(void **state)
{
    (void)state;
    cba_scenario *sc = load(golden_json);
    cba_sweep_stats st;
    kn_err err;
    assert_int_equal(cba_sweep(sc, &sc->base, 500, &st, &err), KN_OK);
    assert_int_equal(st.n, 500);
    for (size_t a = 0; a < sc->nalts; a++) {
        assert_true(st.min[a] <= st.mean[a] && st.mean[a] <= st.max[a]);
        assert_true(st.positive[a] <= 500);
    }
    assert_true(st.min[1] < st.max[1]); /* the discount rate really varies */
    assert_true(st.max[1] < 0);         /* B only has costs, whatever the parameters */
    assert_int_equal(cba_sweep(sc, &sc->base, 0, &st, &err), KN_EINVAL);
    cba_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_present_values),
        cmocka_unit_test(test_golden_conventions),
        cmocka_unit_test(test_golden_tax_cost_categories),
        cmocka_unit_test(test_golden_real_growth),
        cmocka_unit_test(test_golden_break_even),
        cmocka_unit_test(test_nonpriced_and_ranks),
        cmocka_unit_test(test_scores),
        cmocka_unit_test(test_property_linear),
        cmocka_unit_test(test_property_linear_net),
        cmocka_unit_test(test_property_monotone),
        cmocka_unit_test(test_property_transfer_neutral),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_sensitivities_are_changes),
        cmocka_unit_test(test_report_and_json),
        cmocka_unit_test(test_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
