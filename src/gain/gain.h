/* gain.h - benefit realisation (gevinstrealisering): benefit plans per service
 * or technology, baseline (nullpunktmåling) and follow-up measurements per
 * citizen, and the calculations and report built from them (seed 003,
 * "Gevinstrealisering", chapters 1-3).
 *
 * Layers: gain_check.c (codes, dates, parameters, validation), gain_calc.c
 * (pure calculations: a gain_scenario in, a gain_result out, every figure
 * carrying its formula and inputs), gain_plan.c / gain_measure.c (stored plans
 * and measurements with access control and audit), gain_load.c (a stored
 * municipality as a scenario), gain_json.c (scenario files in, results out),
 * gain_report.c (the report_book with the six report sections seed 003
 * recommends) and gain_html.c (printable HTML of that book). No SQL or HTTP
 * here: storage through store ops, front ends in http_gain.c and
 * cli_gevinst.c.
 *
 * Ownership: scenarios and results own their arrays (free with
 * gain_scenario_free / gain_result_free); lists from the store are one
 * malloc'd array the caller free()s. Thread-safety: no shared state.
 */
#ifndef KN_GAIN_H
#define KN_GAIN_H

#include "../auth/auth.h"
#include "../core/core_buf.h"
#include "../report/report.h"
#include "../store/store.h"

#include <stddef.h>
#include <stdint.h>

#define GAIN_SCOPE_READ "knute/gevinst.read"
#define GAIN_SCOPE_WRITE "knute/gevinst.write"
/* Who may write and read per-citizen measurements at a municipality. */
#define GAIN_ROLES_PERSONAL (AUTH_ROLE_CASE_WORKER | AUTH_ROLE_COORDINATOR | AUTH_ROLE_ADMIN)
/* Who may read plans and the aggregated report (no citizen ids in it). */
#define GAIN_ROLES_REPORT                                                                          \
    (GAIN_ROLES_PERSONAL | AUTH_ROLE_OPERATOR | AUTH_ROLE_NURSE | AUTH_ROLE_AUDITOR)

#define GAIN_YEARS_MAX 30       /* longest analysis period */
#define GAIN_FIGURE_INPUTS 8    /* inputs one figure shows */
#define GAIN_QUALITY_DIMS 3     /* users, staff, relatives */
#define GAIN_LIST_MAX 10000     /* the store's list limit: a report reads fewer rows */

/* ---- codes (gain_check.c) ---- */

enum gain_code_kind {
    GAIN_CODE_TECHNOLOGY = 0, /* safety_alarm, medication_dispenser, ... */
    GAIN_CODE_GAIN_TYPE,      /* time_freed, avoided_cost, quality */
    GAIN_CODE_INTERVAL,       /* monthly, bimonthly, quarterly */
    GAIN_CODE_KIND,           /* baseline, followup */
    GAIN_CODE_PERIOD_UNIT,    /* day, week, month */
    GAIN_CODE_KINDS
};

typedef struct gain_code {
    const char *code;  /* API spelling */
    const char *label; /* bokmål */
} gain_code;

/* The codes of one kind (static table). */
const gain_code *gain_codes(int kind, size_t *n);
/* Bokmål label of a code, or NULL when unknown. */
const char *gain_code_label(int kind, const char *code);
/* KN_OK, or KN_EINVAL "field 'technology': unknown value 'x' (one of ...)". */
int gain_code_check(int kind, const char *field, const char *code, kn_err *err);
/* "baseline" -> STORE_GAIN_BASELINE, "followup" -> STORE_GAIN_FOLLOWUP; 0 when unknown. */
int gain_kind_parse(const char *code);
const char *gain_kind_code(int kind);

/* ---- dates: "YYYY-MM-DD", proleptic Gregorian (gain_check.c) ---- */

/* Days since 1970-01-01. KN_EINVAL for anything but a real date in 1900..2199. */
int gain_date_parse(const char *text, int64_t *days_out);
void gain_date_format(int64_t days, char out[STORE_DATE_LEN]);
/* Last day of a period of `count` units starting at `start`. */
int gain_period_end(const char *start, const char *unit, int count, char out[STORE_DATE_LEN],
                    kn_err *err);
/* "2021-Q3" for a date. */
void gain_quarter(const char *date, char out[8]);

/* ---- parameters (gain_check.c) ---- */

/* Rates and calendar conventions; every figure is computed with these.
 * Defaults and their sources: gain_params_default() and docs/gevinst.md. */
typedef struct gain_params {
    double wage_per_hour;  /* NOK per staff hour incl. social costs (430) */
    double km_rate;        /* NOK per km driven (4.03, the state rate 2019-2021) */
    double days_per_year;  /* annualises day and week periods (365; 360 = 30/360) */
    double hours_per_fte;  /* hours in one FTE, årsverk (1667: seed 003, 160 000 h = 96 FTE) */
    int analysis_years;    /* years of the cumulative comparison (4) */
} gain_params;

typedef struct gain_param_doc {
    const char *key;   /* "wage_per_hour" */
    const char *label; /* bokmål */
    const char *unit;
    double dflt;
    double min, max;
    const char *source; /* where the default comes from */
} gain_param_doc;

void gain_params_default(gain_params *p);
/* The documented parameters (static table). */
const gain_param_doc *gain_param_docs(size_t *n);
double gain_param_value(const gain_params *p, const char *key);
/* Set one parameter from text ("430", "4.03"). KN_EINVAL naming the key for an
 * unknown key, a malformed number or one outside the documented range. */
int gain_params_set(gain_params *p, const char *key, const char *value, kn_err *err);

/* ---- validation (gain_check.c) ---- */

/* Codes, required fields, dates (start <= end), costs >= 0. */
int gain_plan_check(const store_gain_plan *plan, kn_err *err);
/* kind, period (unit, 1..366 units, inside the plan's dates), counts >= 0
 * ("negative durations"), alarms_forwarded <= alarms_received when both are
 * given, night_checks <= visits, quality scores 0 or 1..6. Fills m->period_end.
 * KN_EINVAL for bad values, KN_EUNPROCESSABLE for a period outside the plan. */
int gain_measure_check(store_gain_measure *m, const store_gain_plan *plan, kn_err *err);
/* The baseline rule over measurements already accepted (`list`, n): a
 * follow-up needs an earlier-or-same-day baseline of the same plan and
 * subject (KN_ECONFLICT / KN_EUNPROCESSABLE), a second baseline is
 * KN_ECONFLICT. The stored path enforces the same rule in the store. */
int gain_baseline_rule(const store_gain_measure *list, size_t n, const store_gain_measure *m,
                       kn_err *err);

/* ---- scenarios: what the calculations take ---- */

/* One municipality's data and the parameters it is computed with. */
typedef struct gain_unit {
    char key[STORE_ORGNR_LEN];  /* orgnr, or "f1".."f99" for scenario files */
    char name[STORE_NAME_LEN];
    int64_t inhabitants;        /* 0 = unknown */
    char title[STORE_GAIN_TEXT_LEN];  /* scenario files: what the file reproduces */
    char source[STORE_GAIN_TEXT_LEN]; /* scenario files: where its numbers come from */
    gain_params params;
} gain_unit;

typedef struct gain_scenario {
    size_t nunits, nplans, nmeasures;
    gain_unit *units;            /* owned */
    store_gain_plan *plans;      /* owned; plan.municipality names its unit's key */
    store_gain_measure *measures; /* owned; plan_id names a plan, citizen_id the subject */
    int subjects_public;         /* 1: subjects are file labels and may be shown */
} gain_scenario;

void gain_scenario_free(gain_scenario *s);          /* NULL-safe; leaves it empty */
/* Apply one parameter to every unit (the CLI's --set). */
int gain_scenario_set_param(gain_scenario *s, const char *key, const char *value, kn_err *err);

/* ---- results (gain_calc.c) ---- */

enum gain_fig {
    GAIN_F_VISITS_BEFORE = 0, GAIN_F_VISITS_AFTER, GAIN_F_VISITS_AVOIDED, GAIN_F_VISITS_PCT,
    GAIN_F_HOURS_BEFORE, GAIN_F_HOURS_AFTER, GAIN_F_HOURS_AVOIDED, GAIN_F_HOURS_PCT,
    GAIN_F_HOURS_PER_USER,
    GAIN_F_KM_BEFORE, GAIN_F_KM_AFTER, GAIN_F_KM_AVOIDED,
    GAIN_F_ALARMS_BEFORE, GAIN_F_ALARMS_AFTER, GAIN_F_ALARMS_PCT, GAIN_F_CLARIFICATION_PCT,
    GAIN_F_NIGHT_BEFORE, GAIN_F_NIGHT_AFTER, GAIN_F_NIGHT_AVOIDED,
    GAIN_F_STAFF_COST_AVOIDED, GAIN_F_KM_COST_AVOIDED, GAIN_F_COST_AVOIDED,
    GAIN_F_LICENCE, GAIN_F_OPERATING, GAIN_F_STARTUP, GAIN_F_REPLACED,
    GAIN_F_NET_ANNUAL, GAIN_F_NET_PERIOD, GAIN_F_FTE,
    GAIN_F_COUNT
};

/* One computed figure with what it was computed from. */
typedef struct gain_figure {
    const char *key;    /* "hours_avoided" (static) */
    const char *label;  /* bokmål (static) */
    const char *unit;   /* "timer/år" (static) */
    double value;
    int defined;        /* 0: not computable here (no alarms, no baseline hours, ...) */
    char formula[160];  /* "hours_before - hours_after" */
    size_t ninputs;
    struct {
        char name[40];
        double value;
    } inputs[GAIN_FIGURE_INPUTS];
} gain_figure;

/* Annual rates of one measurement or a sum of them. */
typedef struct gain_rates {
    double visits, visit_minutes, alarm_minutes, hours, km;
    double alarms_received, alarms_forwarded, night_checks;
} gain_rates;

/* One subject (citizen) of a plan: baseline and latest follow-up, annualised. */
typedef struct gain_subject {
    char subject[STORE_ID_LEN];
    size_t plan;                 /* index into the scenario's plans */
    int followed;                /* 1 when a follow-up exists */
    double factor_before, factor_after; /* annualisation factors used */
    gain_rates before, after;
    int quality_before[GAIN_QUALITY_DIMS], quality_after[GAIN_QUALITY_DIMS];
    char baseline_start[STORE_DATE_LEN], followup_start[STORE_DATE_LEN];
} gain_subject;

typedef struct gain_quality {
    double before, after;        /* mean score 1..6 over subjects that have one */
    size_t n_before, n_after;
} gain_quality;

/* What every aggregate row (a plan, a group, the total) carries. */
typedef struct gain_totals {
    size_t plans, users, followed;
    gain_rates before, after;
    gain_figure figs[GAIN_F_COUNT];
    double without[GAIN_YEARS_MAX + 1]; /* cumulative cost without technology, years 0..N */
    double with[GAIN_YEARS_MAX + 1];    /* ... and with it */
    int years;
    gain_quality quality[GAIN_QUALITY_DIMS];
} gain_totals;

typedef struct gain_plan_result {
    size_t plan;                 /* index into the scenario's plans */
    size_t unit;                 /* index into the scenario's units */
    const char *size_class;      /* "small" | "medium" | "large" | "unknown" (static) */
    gain_totals t;
} gain_plan_result;

enum gain_dim { GAIN_DIM_TECHNOLOGY = 0, GAIN_DIM_SIZE, GAIN_DIM_QUARTER, GAIN_DIM_REGION,
                GAIN_DIMS };

/* One aggregate row: plans (or, for quarters, follow-ups in the quarter)
 * grouped by technology, municipality size class, quarter or region. */
typedef struct gain_group {
    int dim;                     /* enum gain_dim */
    char key[64];                /* technology code, size class, "2021-Q3", region */
    char label[96];
    gain_figure hours_avoided, cost_avoided, net_annual, fte;
    size_t plans, users;
} gain_group;

typedef struct gain_result {
    const gain_scenario *scenario; /* borrowed; must outlive the result */
    size_t nplans, nsubjects, ngroups;
    gain_plan_result *plans;     /* owned, one per scenario plan */
    gain_subject *subjects;      /* owned */
    gain_group *groups;          /* owned, ordered by dim then key */
    gain_totals total;           /* all plans */
} gain_result;

/* Compute every figure. KN_EINVAL when the scenario breaks a rule (a
 * measurement naming an unknown plan, a follow-up without baseline ...). */
int gain_compute(const gain_scenario *s, gain_result *out, kn_err *err);
void gain_result_free(gain_result *r);                /* NULL-safe */

/* Size class of a municipality by inhabitants: < 5 000 small, 5 000-19 999
 * medium, >= 20 000 large, 0 unknown (static strings), and its bokmål label. */
const char *gain_size_class(int64_t inhabitants);
const char *gain_size_label(const char *size_class);
/* Annualisation factor of a period: months 12/count, weeks days_per_year /
 * (7 count), days days_per_year / count. */
double gain_annual_factor(const char *unit, int count, double days_per_year);

/* ---- stored plans and measurements (gain_plan.c, gain_measure.c) ----
 * p NULL means the local command line (whoever can open the database file),
 * recorded in the audit trail as "system"; HTTP always passes the caller. */

/* Create a plan at a municipality (roles GAIN_ROLES_PERSONAL). Validates with
 * gain_plan_check; KN_ENOTFOUND for an unknown municipality. Fills plan->id. */
int gain_plan_create(store *st, const auth_principal *p, const char *municipality,
                     store_gain_plan *plan, const char *request_id, kn_err *err);
/* Plans of a municipality (GAIN_ROLES_REPORT; NULL municipality: all, CLI only).
 * *list is malloc'd (caller frees). */
int gain_plan_list(store *st, const auth_principal *p, const char *municipality,
                   store_gain_plan **list, size_t *n, kn_err *err);

/* Record one measurement (GAIN_ROLES_PERSONAL at the municipality). The plan
 * and the citizen must belong to `municipality` (KN_ENOTFOUND otherwise);
 * validated with gain_measure_check; the store enforces the baseline rule.
 * Audited "gain.measure.create" naming the citizen. Fills m->id. */
int gain_measure_add(store *st, const auth_principal *p, const char *municipality,
                     store_gain_measure *m, const char *request_id, kn_err *err);
/* Measurements of a municipality, optionally of one plan / one citizen
 * (GAIN_ROLES_PERSONAL). Audited "gain.measure.list" before anything is read.
 * *list is malloc'd (caller frees). */
int gain_measure_list(store *st, const auth_principal *p, const char *municipality,
                      const char *plan_id, const char *citizen_id, const char *request_id,
                      store_gain_measure **list, size_t *n, kn_err *err);

/* A municipality's plans and measurements as a scenario computed with params
 * (GAIN_ROLES_REPORT; NULL municipality: every municipality, CLI only).
 * Reading per-citizen measurements is audited ("gain.report") first; the
 * result's subjects are citizen ids, so subjects_public is 0. */
int gain_scenario_load(store *st, const auth_principal *p, const char *municipality,
                       const gain_params *params, const char *request_id, gain_scenario *out,
                       kn_err *err);

/* ---- input and output (gain_json.c, gain_report.c, gain_html.c) ---- */

/* Add one scenario file (JSON text, see docs/gevinst.md) to s as a new unit;
 * every plan and measurement is validated as stored ones are. KN_EINVAL (or
 * the rule's status) with err naming the place on bad input. */
int gain_scenario_parse(gain_scenario *s, const char *text, size_t len, kn_err *err);

/* One plan or measurement object (API body or file entry) into a record:
 * strings and whole numbers only, unknown fields KN_EINVAL. The API's
 * measurements name "plan_id" and "citizen_id", files' only "subject"; a
 * plan's "id" and "measurements" are left to the caller. Nothing is validated beyond types here: see
 * gain_plan_check / gain_measure_check. */
struct json_t;
int gain_plan_from_json(const struct json_t *obj, store_gain_plan *plan, kn_err *err);
int gain_measure_from_json(const struct json_t *obj, store_gain_measure *m, kn_err *err);

/* The result as JSON: parameters, plans with figures (value, unit, formula,
 * inputs), before/after per indicator, cumulative series, quality, groups,
 * totals, subjects when public, and `book` (report_write_json) when given. */
int gain_result_write_json(const gain_result *r, const report_book *book, kn_buf *out);

/* The report book: the six sections of a benefit-realisation report (seed
 * 003, Figur 25) followed by groups, cumulative series, parameters and the
 * trace of every figure. book must be empty ({0}); free with report_book_free. */
int gain_report_book(const gain_result *r, report_book *book, kn_err *err);
/* The sheet the CSV export writes: every figure with formula and inputs. */
#define GAIN_CSV_SHEET "Sporbarhet"

/* Printable standalone HTML of a book. stylesheet: a URL to link, or NULL to
 * embed the print style (files opened from disk). */
int gain_report_html(const report_book *book, const char *title, const char *stylesheet,
                     kn_buf *out);

#endif
