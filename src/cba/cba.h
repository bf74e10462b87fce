/* cba.h - cost-benefit analysis per Finansdepartementet's circular R-109/21
 * (samfunnsøkonomisk analyse): alternatives with yearly cash flows by
 * category, present values, tax-financing cost and gain, priced net benefit,
 * non-priced effects on the 11-step scale with a ranking, break-even, and
 * sensitivity scenarios as parameter overrides. Method and conventions:
 * docs/r109.md.
 *
 * Pure computation: no I/O, no store. The CLI (`knute nytte`) and the API
 * (POST /api/v1/nytte) parse a JSON scenario with cba_scenario_parse(), apply
 * --set / sensitivity overrides to a cba_params copy with cba_params_set(),
 * compute with cba_compute() and turn the result into a report_book
 * (cba_report_build) or JSON (cba_result_json).
 *
 * A scenario holds the data (flows, names) and `base`, the parameters an
 * override may change; computations take the scenario and a cba_params, so a
 * sensitivity or a sweep never copies the flows.
 *
 * Ownership: cba_scenario_parse() allocates the scenario; the caller frees it
 * with cba_scenario_free(). Results are caller-allocated structs (large:
 * allocate cba_result on the heap). Thread-safe: nothing global.
 */
#ifndef KN_CBA_H
#define KN_CBA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core_err.h"
#include "../report/report.h"

#define CBA_MAX_ALTS 16
#define CBA_MAX_FLOWS 64   /* per alternative */
#define CBA_MAX_YEARS 100  /* longest analysis period */
#define CBA_MAX_EFFECTS 16 /* non-priced effects */
#define CBA_MAX_TAGS 16
#define CBA_MAX_SENS 64 /* sensitivity scenarios */
#define CBA_MAX_SETS 32 /* overrides per sensitivity */
#define CBA_ID_LEN 33   /* [A-Za-z0-9_-]{1,32} */
#define CBA_NAME_LEN 161
#define CBA_TEXT_LEN 481
#define CBA_PATH_LEN 161
#define CBA_VALUE_LEN 161
#define CBA_YEAR_MIN 1900
#define CBA_YEAR_MAX 2200
#define CBA_SWEEP_MAX 10000000

/* Cash-flow categories. Costs and benefits are entered as positive amounts
 * in their own direction (a cost of 13 is 13; a benefit that turns out to be
 * a loss is negative). */
typedef enum cba_category {
    CBA_INVESTMENT = 0,     /* cost, public: tax-financing cost */
    CBA_OPERATIONS,         /* cost, public (drift og forvaltning): tax-financing cost */
    CBA_GRANT,              /* transfer state -> recipients: a cost and an equal benefit;
                               tax-financing cost only */
    CBA_PUBLIC_EFFICIENCY,  /* benefit to the public sector: tax-financing gain */
    CBA_PRIVATE_EFFICIENCY, /* benefit to firms/households: no tax-financing gain */
    CBA_PURCHASE_TERMS,     /* benefit, better purchase terms for public buyers: tax gain */
    CBA_NCAT
} cba_category;

/* Canonical name ("investment", ...) of a category; "unknown" when out of range. */
const char *cba_category_name(int category);
/* Category for a name; KN_EINVAL naming the accepted names. */
int cba_category_parse(const char *name, int *out, kn_err *err);
/* 1 for the three cost categories. */
int cba_category_is_cost(int category);

/* Non-priced effects on the 11-step scale of seed 002 / R-109 practice:
 * -5 "svært stor negativ" .. 0 "ingen virkning" .. +5 "svært stor positiv".
 * An assessment may be a range ("liten positiv/positiv"): lo <= hi. */
#define CBA_SCORE_MIN (-5)
#define CBA_SCORE_MAX 5
typedef struct cba_score {
    int set; /* 0 = not assessed */
    int lo, hi;
} cba_score;

/* Parse a label (case-insensitive), "a/b" range, integer -5..5 or +/- signs
 * ("+++", "--", "0"). KN_EINVAL with the accepted forms. */
int cba_score_parse(const char *text, cba_score *out, kn_err *err);
/* The label of a score ("positiv", "liten positiv/positiv", "" if not set) into out. */
void cba_score_label(const cba_score *score, char *out, size_t size);

typedef enum cba_be_method {
    CBA_BE_ANNUITY = 0, /* the yearly amount whose PV over the window equals the shortfall */
    CBA_BE_SIMPLE       /* shortfall / number of years in the window, undiscounted */
} cba_be_method;

/* Everything a --set or sensitivity override may change. */
typedef struct cba_params {
    double discount_rate;   /* 0 <= r <= 0.5; default 0.04 */
    double tax_cost_rate;   /* share of public spending (incl. transfers); default 0.2 */
    unsigned tax_cost_mask; /* bit per category bearing it; default investment, operations, grant */
    double tax_gain_rate;   /* share of the gains in tax_gain_mask; default 0.2 */
    unsigned tax_gain_mask; /* bit per category; default public efficiency + purchase terms */
    int first_year, last_year; /* analysis period (inclusive); flows outside it are left out */
    int discount_year;         /* present values are at the start of this year */
    int price_year;            /* kroner of this year; real growth compounds from it */
    int timing_end;            /* 1: a year's flow falls at its end (t = y - discount_year + 1);
                                  0: at its start (t = y - discount_year) */
    double municipalities;     /* municipalities in the country, for break-even per municipality */
    int be_method;             /* enum cba_be_method */
    int be_first, be_last;     /* break-even window (years) */
    double tag_scale[CBA_MAX_TAGS];                 /* factor per tag; default 1 */
    double flow_scale[CBA_MAX_ALTS][CBA_MAX_FLOWS]; /* factor per flow; default 1 */
    double affected_share[CBA_MAX_ALTS];            /* share of municipalities affected, 0..1 */
    cba_score nonpriced[CBA_MAX_ALTS][CBA_MAX_EFFECTS];
} cba_params;

typedef struct cba_flow {
    char id[CBA_ID_LEN];
    char name[CBA_NAME_LEN];
    int category;                 /* enum cba_category */
    double real_growth;           /* yearly real price growth from price_year, e.g. real wages */
    uint32_t tags;                /* bit i = scenario tag i */
    double amount[CBA_MAX_YEARS]; /* by year - scenario year0, in price_year kroner */
} cba_flow;

typedef struct cba_alt {
    char id[CBA_ID_LEN];
    char name[CBA_NAME_LEN];
    int overall_rank; /* the analyst's overall ranking (R-109: a judgement); 0 = none */
    size_t nflows;
    cba_flow flows[CBA_MAX_FLOWS];
} cba_alt;

typedef struct cba_override {
    char path[CBA_PATH_LEN];
    char value[CBA_VALUE_LEN];
} cba_override;

typedef struct cba_sensitivity {
    char id[CBA_ID_LEN];
    char name[CBA_NAME_LEN];
    size_t nsets;
    cba_override sets[CBA_MAX_SETS];
} cba_sensitivity;

typedef struct cba_scenario {
    char title[CBA_NAME_LEN];
    char unit[CBA_ID_LEN]; /* display unit of amounts, e.g. "MNOK" */
    double unit_value; /* kroner per unit (1e6 for MNOK); per-municipality figures are in kroner */
    int year0, nyears; /* the declared analysis period: data years */
    size_t nalts;
    cba_alt alts[CBA_MAX_ALTS];
    size_t neffects;
    struct {
        char id[CBA_ID_LEN];
        char name[CBA_NAME_LEN];
    } effects[CBA_MAX_EFFECTS];
    size_t ntags;
    char tags[CBA_MAX_TAGS][CBA_ID_LEN];
    cba_params base;
    size_t nsens;
    cba_sensitivity sens[CBA_MAX_SENS];
} cba_scenario;

/* ---- scenario (cba_scenario.c) ---- */

/* Parse and validate a JSON scenario (format: docs/r109.md). KN_EINVAL names
 * the field ("alternatives[1].flows[2].category: unknown category 'x'").
 * On success *out is allocated; free with cba_scenario_free(). */
int cba_scenario_parse(const json_t *doc, cba_scenario **out, kn_err *err);
/* Same from JSON text of len bytes. */
int cba_scenario_parse_text(const char *text, size_t len, cba_scenario **out, kn_err *err);
void cba_scenario_free(cba_scenario *sc);

/* ---- overrides (cba_sensitivity.c) ---- */

/* Apply one override to p: path is one of discount_rate, tax_cost_rate,
 * tax_gain_rate, tax_cost_categories and tax_gain_categories (comma lists),
 * first_year, last_year,
 * discount_year, price_year, timing (start|end), municipalities,
 * break_even.method (annuity|simple), break_even.first_year,
 * break_even.last_year, scales.TAG, alternatives.ALT.affected_share,
 * alternatives.ALT.flows.FLOW.scale, alternatives.ALT.nonpriced.EFFECT.
 * KN_EINVAL names the path or the value; p is unchanged then. */
int cba_params_set(const cba_scenario *sc, cba_params *p, const char *path, const char *value,
                   kn_err *err);
/* "path=value" form of cba_params_set (the CLI's --set). */
int cba_params_set_arg(const cba_scenario *sc, cba_params *p, const char *arg, kn_err *err);
/* Check ranges and the analysis period of p; KN_EINVAL naming the parameter. */
int cba_params_check(const cba_scenario *sc, const cba_params *p, kn_err *err);

/* ---- computation (cba_compute.c) ---- */

typedef struct cba_alt_result {
    double pv[CBA_NCAT];           /* present value per category, signs as entered */
    double flow_pv[CBA_MAX_FLOWS]; /* present value of each flow, in the alternative's order */
    double tax_cost;               /* tax_cost_rate * PV(categories in tax_cost_mask) */
    double tax_gain;               /* tax_gain_rate * PV(categories in tax_gain_mask) */
    double costs;                  /* investment + operations + grant + tax_cost */
    double benefits;               /* efficiencies + purchase terms + grant as income + tax_gain */
    double net;                    /* benefits - costs */
    double per_grant;       /* (efficiencies + purchase terms) / PV(grant); NAN without a grant */
    double be_year;         /* non-priced value per year needed for net = 0 (0 when net >= 0) */
    double be_municipality; /* be_year in kroner per affected municipality; NAN when none */
    cba_score nonpriced[CBA_MAX_EFFECTS];
    double np_score;    /* sum of the midpoints of the assessed scores */
    int rank_priced;    /* 1 = highest net; ties share a rank */
    int rank_nonpriced; /* 1 = highest np_score */
    int rank_overall;   /* the analyst's, from the scenario; 0 = none */
} cba_alt_result;

/* One year of one alternative, in price_year kroner (real growth applied). */
typedef struct cba_year_row {
    int year;
    double factor; /* discount factor */
    double cat[CBA_NCAT];
    double tax_cost, tax_gain;
    double net;    /* undiscounted */
    double net_pv; /* net * factor */
} cba_year_row;

typedef struct cba_result {
    size_t nalts;
    cba_alt_result alts[CBA_MAX_ALTS];
    int nyears;
    cba_year_row years[CBA_MAX_ALTS][CBA_MAX_YEARS];
} cba_result;

/* Present value of one series: sum of amount[i] * (1+g)^(y-price_year) /
 * (1+r)^t over the years y = first_year + i inside p's analysis period, with
 * t = y - discount_year (+1 when timing_end). The same discounting as
 * cba_compute, for one series (tests, tools). */
double cba_pv(const double *amount, int first_year, int nyears, double growth, const cba_params *p);

/* Compute every alternative with parameters p (cba_params_check first).
 * KN_EINVAL for bad parameters, KN_EUNPROCESSABLE when a result is not a
 * finite number. */
int cba_compute(const cba_scenario *sc, const cba_params *p, cba_result *out, kn_err *err);

/* Only the priced net benefit per alternative (net[sc->nalts]): the fast
 * path for sweeps. Same checks and statuses as cba_compute. */
int cba_net(const cba_scenario *sc, const cba_params *p, double *net, kn_err *err);

/* ---- sensitivities and sweeps (cba_sensitivity.c) ---- */

typedef struct cba_sens_result {
    double net[CBA_MAX_ALTS];
    double delta[CBA_MAX_ALTS]; /* net - base net */
    double np_score[CBA_MAX_ALTS];
    double np_delta[CBA_MAX_ALTS]; /* np_score - base np_score */
} cba_sens_result;

/* Each of the scenario's sensitivities (out[sc->nsens]), from `base` plus
 * its overrides, as change from `base_result` (computed from base). */
int cba_sensitivities(const cba_scenario *sc, const cba_params *base, const cba_result *base_result,
                      cba_sens_result *out, kn_err *err);

typedef struct cba_sweep_stats {
    size_t n;
    double min[CBA_MAX_ALTS], max[CBA_MAX_ALTS], mean[CBA_MAX_ALTS];
    size_t positive[CBA_MAX_ALTS]; /* scenarios with net > 0 */
} cba_sweep_stats;

/* n scenarios around base: the discount rate spread over [0, 2 * base rate]
 * (at least up to 8 %), every tag scale over [0.5, 1.5] and the tax-financing
 * rates over [0, 2 * base], on a deterministic low-discrepancy sequence.
 * 1 <= n <= CBA_SWEEP_MAX. */
int cba_sweep(const cba_scenario *sc, const cba_params *base, size_t n, cba_sweep_stats *out,
              kn_err *err);

/* ---- output (cba_report.c) ---- */

/* The report: sheets "Nåverdier" (the present-value table, non-priced
 * effects, rankings, break-even), "Kontantstrøm" (yearly flows),
 * "Følsomhet" (sensitivities, when sens is not NULL and the scenario has
 * any) and "Forutsetninger" (the parameters). Appends to book. */
int cba_report_build(const cba_scenario *sc, const cba_params *p, const cba_result *res,
                     const cba_sens_result *sens, report_book *book, kn_err *err);

/* The result as a JSON object (new reference; NULL on ENOMEM):
 * {"title","unit","parameters":{...},"alternatives":[{...}],"sensitivities":[...]}. */
json_t *cba_result_json(const cba_scenario *sc, const cba_params *p, const cba_result *res,
                        const cba_sens_result *sens);

#endif
