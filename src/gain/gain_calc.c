/* gain_calc.c - the benefit calculations, pure: a gain_scenario in, a
 * gain_result out (see gain.h and docs/gevinst.md for the method).
 *
 * Per plan and subject: the baseline and the latest follow-up, each turned
 * into annual rates (gain_annual_factor). A plan sums its followed subjects'
 * rates and derives visits/hours/km/alarms avoided, reductions, the
 * response-centre clarification rate, avoided cost (hours x wage + km x km
 * rate), net gain after licence, operating and start-up costs, FTEs and the
 * cumulative cost with and without the technology. Every figure records its
 * formula and input values. Groups (technology, size class, quarter, region)
 * and the total sum the plans.
 */
#include "gain_int.h"

#include "../core/core_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gain_quality_keys[GAIN_QUALITY_DIMS] = {"user", "staff", "relatives"};
const char *const gain_quality_labels[GAIN_QUALITY_DIMS] = {"Brukere", "Ansatte", "Pårørende"};
const char *const gain_dim_keys[GAIN_DIMS] = {"technology", "size_class", "quarter", "region"};

/* clang-format off */
static const gain_fig_meta fig_meta[GAIN_F_COUNT] = {
    [GAIN_F_VISITS_BEFORE] = {"visits_before", "Besøk per år før", "besøk/år", 0},
    [GAIN_F_VISITS_AFTER] = {"visits_after", "Besøk per år etter", "besøk/år", 0},
    [GAIN_F_VISITS_AVOIDED] = {"visits_avoided", "Unngåtte besøk", "besøk/år", 0},
    [GAIN_F_VISITS_PCT] = {"visits_reduction_pct", "Reduksjon i besøk", "%", 1},
    [GAIN_F_HOURS_BEFORE] = {"hours_before", "Tidsbruk per år før", "timer/år", 0},
    [GAIN_F_HOURS_AFTER] = {"hours_after", "Tidsbruk per år etter", "timer/år", 0},
    [GAIN_F_HOURS_AVOIDED] = {"hours_avoided", "Frigjort tid", "timer/år", 0},
    [GAIN_F_HOURS_PCT] = {"hours_reduction_pct", "Reduksjon i tidsbruk", "%", 1},
    [GAIN_F_HOURS_PER_USER] = {"hours_per_user", "Frigjort tid per bruker", "timer/år", 1},
    [GAIN_F_KM_BEFORE] = {"km_before", "Kjøring per år før", "km/år", 0},
    [GAIN_F_KM_AFTER] = {"km_after", "Kjøring per år etter", "km/år", 0},
    [GAIN_F_KM_AVOIDED] = {"km_avoided", "Unngått kjøring", "km/år", 0},
    [GAIN_F_ALARMS_BEFORE] = {"alarms_to_service_before", "Alarmer til hjemmetjenesten før", "alarmer/år", 0},
    [GAIN_F_ALARMS_AFTER] = {"alarms_to_service_after", "Alarmer til hjemmetjenesten etter", "alarmer/år", 0},
    [GAIN_F_ALARMS_PCT] = {"alarms_reduction_pct", "Reduksjon i alarmer til hjemmetjenesten", "%", 1},
    [GAIN_F_CLARIFICATION_PCT] = {"clarification_pct", "Avklaringsgrad i responssenteret", "%", 1},
    [GAIN_F_NIGHT_BEFORE] = {"night_checks_before", "Nattilsyn per år før", "tilsyn/år", 0},
    [GAIN_F_NIGHT_AFTER] = {"night_checks_after", "Nattilsyn per år etter", "tilsyn/år", 0},
    [GAIN_F_NIGHT_AVOIDED] = {"night_checks_avoided", "Unngåtte nattilsyn", "tilsyn/år", 0},
    [GAIN_F_STAFF_COST_AVOIDED] = {"staff_cost_avoided", "Unngåtte lønnskostnader", "kr/år", 0},
    [GAIN_F_KM_COST_AVOIDED] = {"km_cost_avoided", "Unngåtte kjørekostnader", "kr/år", 0},
    [GAIN_F_COST_AVOIDED] = {"cost_avoided", "Unngåtte kostnader i alt", "kr/år", 0},
    [GAIN_F_LICENCE] = {"licence_per_year", "Lisenskostnader", "kr/år", 0},
    [GAIN_F_OPERATING] = {"operating_per_year", "Driftskostnader", "kr/år", 0},
    [GAIN_F_STARTUP] = {"startup", "Oppstartskostnader", "kr", 0},
    [GAIN_F_REPLACED] = {"replaced_per_year", "Bortfalte driftskostnader", "kr/år", 0},
    [GAIN_F_NET_ANNUAL] = {"net_annual", "Netto gevinst per år", "kr/år", 0},
    [GAIN_F_NET_PERIOD] = {"net_period", "Netto gevinst i analyseperioden", "kr", 0},
    [GAIN_F_FTE] = {"fte", "Frigjorte årsverk", "årsverk", 2},
};
/* clang-format on */

const gain_fig_meta *gain_fig_meta_of(int fig)
{
    return &fig_meta[fig];
}

void gain_fig_set(gain_figure *f, int fig, double value, const char *formula)
{
    memset(f, 0, sizeof *f);
    f->key = fig_meta[fig].key;
    f->label = fig_meta[fig].label;
    f->unit = fig_meta[fig].unit;
    f->value = value;
    f->defined = 1;
    kn_strcpy(f->formula, sizeof f->formula, formula);
}

void gain_fig_undefined(gain_figure *f, int fig, const char *why)
{
    gain_fig_set(f, fig, 0, why);
    f->defined = 0;
}

void gain_fig_input(gain_figure *f, const char *name, double value)
{
    if (f->ninputs >= GAIN_FIGURE_INPUTS)
        return;
    kn_strcpy(f->inputs[f->ninputs].name, sizeof f->inputs[0].name, name);
    f->inputs[f->ninputs++].value = value;
}

void gain_fig_add(gain_figure *f, const char *name, double value)
{
    f->value += value;
    for (size_t i = 0; i < f->ninputs; i++)
        if (strncmp(f->inputs[i].name, name, sizeof f->inputs[i].name - 1) == 0) {
            f->inputs[i].value += value;
            return;
        }
    if (f->ninputs < GAIN_FIGURE_INPUTS) {
        gain_fig_input(f, name, value);
        return;
    }
    /* full: the last input gathers the rest */
    kn_strcpy(f->inputs[GAIN_FIGURE_INPUTS - 1].name, sizeof f->inputs[0].name, "others");
    f->inputs[GAIN_FIGURE_INPUTS - 1].value += value;
}

size_t gain_unit_index(const gain_scenario *s, const char *key)
{
    size_t i = 0;
    while (i < s->nunits && strcmp(s->units[i].key, key) != 0)
        i++;
    return i;
}

const char *gain_size_class(int64_t inhabitants)
{
    if (inhabitants <= 0)
        return "unknown";
    return inhabitants < 5000 ? "small" : inhabitants < 20000 ? "medium" : "large";
}

const char *gain_size_label(const char *size_class)
{
    if (strcmp(size_class, "small") == 0)
        return "Små kommuner (under 5 000 innbyggere)";
    if (strcmp(size_class, "medium") == 0)
        return "Mellomstore kommuner (5 000-19 999 innbyggere)";
    if (strcmp(size_class, "large") == 0)
        return "Store kommuner (20 000 innbyggere eller flere)";
    return "Ukjent kommunestørrelse";
}

double gain_annual_factor(const char *unit, int count, double days_per_year)
{
    if (count <= 0)
        return 0;
    if (strcmp(unit, "month") == 0)
        return 12.0 / count;
    if (strcmp(unit, "week") == 0)
        return days_per_year / (7.0 * count);
    return days_per_year / count;
}

/* ---- subjects ---- */

static void rates_of(const store_gain_measure *m, double k, gain_rates *r)
{
    r->visits = (double)m->visits * k;
    r->visit_minutes = (double)m->visits * (double)m->minutes_per_visit * k;
    r->alarm_minutes = (double)m->alarms_forwarded * (double)m->minutes_per_alarm * k;
    r->hours = (r->visit_minutes + r->alarm_minutes) / 60.0;
    r->km = (double)m->km * k;
    r->alarms_received = (double)m->alarms_received * k;
    r->alarms_forwarded = (double)m->alarms_forwarded * k;
    r->night_checks = (double)m->night_checks * k;
}

static void rates_add(gain_rates *into, const gain_rates *r)
{
    into->visits += r->visits;
    into->visit_minutes += r->visit_minutes;
    into->alarm_minutes += r->alarm_minutes;
    into->hours += r->hours;
    into->km += r->km;
    into->alarms_received += r->alarms_received;
    into->alarms_forwarded += r->alarms_forwarded;
    into->night_checks += r->night_checks;
}

static void quality_of(const store_gain_measure *m, int out[GAIN_QUALITY_DIMS])
{
    out[0] = m->quality_user;
    out[1] = m->quality_staff;
    out[2] = m->quality_relatives;
}

static size_t plan_index(const gain_scenario *s, const char *id)
{
    size_t i = 0;
    while (i < s->nplans && strcmp(s->plans[i].id, id) != 0)
        i++;
    return i;
}

static gain_subject *subject_find(gain_result *r, size_t plan, const char *subject)
{
    for (size_t i = 0; i < r->nsubjects; i++)
        if (r->subjects[i].plan == plan && strcmp(r->subjects[i].subject, subject) == 0)
            return &r->subjects[i];
    return NULL;
}

static void take_baseline(gain_subject *sub, const store_gain_measure *m, const gain_params *p)
{
    sub->factor_before = gain_annual_factor(m->period_unit, m->period_count, p->days_per_year);
    rates_of(m, sub->factor_before, &sub->before);
    quality_of(m, sub->quality_before);
    kn_strcpy(sub->baseline_start, sizeof sub->baseline_start, m->period_start);
}

/* Keep the latest follow-up (by period start; a later entry wins a tie). */
static void take_followup(gain_subject *sub, const store_gain_measure *m, const gain_params *p)
{
    if (sub->followed && strcmp(m->period_start, sub->followup_start) < 0)
        return;
    sub->followed = 1;
    sub->factor_after = gain_annual_factor(m->period_unit, m->period_count, p->days_per_year);
    rates_of(m, sub->factor_after, &sub->after);
    quality_of(m, sub->quality_after);
    kn_strcpy(sub->followup_start, sizeof sub->followup_start, m->period_start);
}

static const gain_params *params_of_plan(const gain_scenario *s, size_t plan)
{
    size_t u = gain_unit_index(s, s->plans[plan].municipality);
    return &s->units[u].params;
}

/* Baselines first, so a follow-up listed before its baseline still finds it. */
static int collect_subjects(const gain_scenario *s, gain_result *r, int kind, kn_err *err)
{
    for (size_t i = 0; i < s->nmeasures; i++) {
        const store_gain_measure *m = &s->measures[i];
        if (m->kind != kind)
            continue;
        size_t plan = plan_index(s, m->plan_id);
        if (plan == s->nplans)
            return kn_err_set(err, KN_EINVAL, "measurement %zu names unknown plan '%s'", i + 1,
                              m->plan_id);
        gain_subject *sub = subject_find(r, plan, m->citizen_id);
        if (kind == STORE_GAIN_BASELINE && sub)
            return kn_err_set(err, KN_ECONFLICT, "two baselines for '%s' in plan '%s'",
                              m->citizen_id, m->plan_id);
        if (kind == STORE_GAIN_FOLLOWUP && !sub)
            return kn_err_set(err, KN_ECONFLICT, "follow-up for '%s' in plan '%s' without a baseline",
                              m->citizen_id, m->plan_id);
        if (!sub) {
            sub = &r->subjects[r->nsubjects++];
            kn_strcpy(sub->subject, sizeof sub->subject, m->citizen_id);
            sub->plan = plan;
            take_baseline(sub, m, params_of_plan(s, plan));
        } else {
            take_followup(sub, m, params_of_plan(s, plan));
        }
    }
    return KN_OK;
}

/* ---- figures from annual rates (no parameters needed) ---- */

static void fig_diff(gain_figure *figs, int out, int before, int after, const char *formula)
{
    gain_fig_set(&figs[out], out, figs[before].value - figs[after].value, formula);
    gain_fig_input(&figs[out], figs[before].key, figs[before].value);
    gain_fig_input(&figs[out], figs[after].key, figs[after].value);
}

static void fig_pct(gain_figure *figs, int out, int before, int after, const char *formula)
{
    double b = figs[before].value, a = figs[after].value;
    if (b <= 0) {
        gain_fig_undefined(&figs[out], out, "not defined: nothing before");
        return;
    }
    gain_fig_set(&figs[out], out, 100.0 * (b - a) / b, formula);
    gain_fig_input(&figs[out], figs[before].key, b);
    gain_fig_input(&figs[out], figs[after].key, a);
}

static void fig_sum(gain_figure *f, int fig, double value, size_t users, const char *what)
{
    char formula[160];
    snprintf(formula, sizeof formula, "sum over users of %s x annual_factor", what);
    gain_fig_set(f, fig, value, formula);
    gain_fig_input(f, "users", (double)users);
}

static void hours_fig(gain_figure *f, int fig, const gain_rates *r)
{
    gain_fig_set(f, fig, r->hours, "(visit_minutes + alarm_minutes) / 60");
    gain_fig_input(f, "visit_minutes", r->visit_minutes);
    gain_fig_input(f, "alarm_minutes", r->alarm_minutes);
}

static void clarification_fig(gain_figure *f, const gain_rates *after)
{
    if (after->alarms_received <= 0) {
        gain_fig_undefined(f, GAIN_F_CLARIFICATION_PCT, "not defined: no alarms received after");
        return;
    }
    gain_fig_set(f, GAIN_F_CLARIFICATION_PCT,
                 100.0 * (after->alarms_received - after->alarms_forwarded) / after->alarms_received,
                 "100 x (alarms_received_after - alarms_forwarded_after) / alarms_received_after");
    gain_fig_input(f, "alarms_received_after", after->alarms_received);
    gain_fig_input(f, "alarms_forwarded_after", after->alarms_forwarded);
}

static void hours_per_user_fig(gain_figure *figs, size_t followed)
{
    gain_figure *f = &figs[GAIN_F_HOURS_PER_USER];
    if (!followed) {
        gain_fig_undefined(f, GAIN_F_HOURS_PER_USER, "not defined: no followed users");
        return;
    }
    gain_fig_set(f, GAIN_F_HOURS_PER_USER, figs[GAIN_F_HOURS_AVOIDED].value / (double)followed,
                 "hours_avoided / users");
    gain_fig_input(f, "hours_avoided", figs[GAIN_F_HOURS_AVOIDED].value);
    gain_fig_input(f, "users", (double)followed);
}

static void rate_figures(gain_totals *t)
{
    gain_figure *f = t->figs;
    size_t u = t->followed;
    fig_sum(&f[GAIN_F_VISITS_BEFORE], GAIN_F_VISITS_BEFORE, t->before.visits, u, "baseline visits");
    fig_sum(&f[GAIN_F_VISITS_AFTER], GAIN_F_VISITS_AFTER, t->after.visits, u, "follow-up visits");
    fig_diff(f, GAIN_F_VISITS_AVOIDED, GAIN_F_VISITS_BEFORE, GAIN_F_VISITS_AFTER,
             "visits_before - visits_after");
    fig_pct(f, GAIN_F_VISITS_PCT, GAIN_F_VISITS_BEFORE, GAIN_F_VISITS_AFTER,
            "100 x (visits_before - visits_after) / visits_before");
    hours_fig(&f[GAIN_F_HOURS_BEFORE], GAIN_F_HOURS_BEFORE, &t->before);
    hours_fig(&f[GAIN_F_HOURS_AFTER], GAIN_F_HOURS_AFTER, &t->after);
    fig_diff(f, GAIN_F_HOURS_AVOIDED, GAIN_F_HOURS_BEFORE, GAIN_F_HOURS_AFTER,
             "hours_before - hours_after");
    fig_pct(f, GAIN_F_HOURS_PCT, GAIN_F_HOURS_BEFORE, GAIN_F_HOURS_AFTER,
            "100 x (hours_before - hours_after) / hours_before");
    hours_per_user_fig(f, u);
    fig_sum(&f[GAIN_F_KM_BEFORE], GAIN_F_KM_BEFORE, t->before.km, u, "baseline km");
    fig_sum(&f[GAIN_F_KM_AFTER], GAIN_F_KM_AFTER, t->after.km, u, "follow-up km");
    fig_diff(f, GAIN_F_KM_AVOIDED, GAIN_F_KM_BEFORE, GAIN_F_KM_AFTER, "km_before - km_after");
    fig_sum(&f[GAIN_F_ALARMS_BEFORE], GAIN_F_ALARMS_BEFORE, t->before.alarms_forwarded, u,
            "baseline alarms_forwarded");
    fig_sum(&f[GAIN_F_ALARMS_AFTER], GAIN_F_ALARMS_AFTER, t->after.alarms_forwarded, u,
            "follow-up alarms_forwarded");
    fig_pct(f, GAIN_F_ALARMS_PCT, GAIN_F_ALARMS_BEFORE, GAIN_F_ALARMS_AFTER,
            "100 x (alarms_to_service_before - alarms_to_service_after) / alarms_to_service_before");
    clarification_fig(&f[GAIN_F_CLARIFICATION_PCT], &t->after);
    fig_sum(&f[GAIN_F_NIGHT_BEFORE], GAIN_F_NIGHT_BEFORE, t->before.night_checks, u,
            "baseline night_checks");
    fig_sum(&f[GAIN_F_NIGHT_AFTER], GAIN_F_NIGHT_AFTER, t->after.night_checks, u,
            "follow-up night_checks");
    fig_diff(f, GAIN_F_NIGHT_AVOIDED, GAIN_F_NIGHT_BEFORE, GAIN_F_NIGHT_AFTER,
             "night_checks_before - night_checks_after");
}

/* ---- money and FTE for one plan (its unit's parameters) ---- */

static void cost_figures(gain_figure *f, const gain_params *p)
{
    double hours = f[GAIN_F_HOURS_AVOIDED].value, km = f[GAIN_F_KM_AVOIDED].value;
    gain_fig_set(&f[GAIN_F_STAFF_COST_AVOIDED], GAIN_F_STAFF_COST_AVOIDED, hours * p->wage_per_hour,
                 "hours_avoided x wage_per_hour");
    gain_fig_input(&f[GAIN_F_STAFF_COST_AVOIDED], "hours_avoided", hours);
    gain_fig_input(&f[GAIN_F_STAFF_COST_AVOIDED], "wage_per_hour", p->wage_per_hour);
    gain_fig_set(&f[GAIN_F_KM_COST_AVOIDED], GAIN_F_KM_COST_AVOIDED, km * p->km_rate,
                 "km_avoided x km_rate");
    gain_fig_input(&f[GAIN_F_KM_COST_AVOIDED], "km_avoided", km);
    gain_fig_input(&f[GAIN_F_KM_COST_AVOIDED], "km_rate", p->km_rate);
    gain_figure *c = &f[GAIN_F_COST_AVOIDED];
    gain_fig_set(c, GAIN_F_COST_AVOIDED, hours * p->wage_per_hour + km * p->km_rate,
                 "hours_avoided x wage_per_hour + km_avoided x km_rate");
    gain_fig_input(c, "hours_avoided", hours);
    gain_fig_input(c, "wage_per_hour", p->wage_per_hour);
    gain_fig_input(c, "km_avoided", km);
    gain_fig_input(c, "km_rate", p->km_rate);
}

static void plan_cost_inputs(gain_figure *f, const store_gain_plan *plan)
{
    gain_fig_set(&f[GAIN_F_LICENCE], GAIN_F_LICENCE, (double)plan->licence_per_year, "plan input");
    gain_fig_set(&f[GAIN_F_OPERATING], GAIN_F_OPERATING, (double)plan->operating_per_year,
                 "plan input");
    gain_fig_set(&f[GAIN_F_STARTUP], GAIN_F_STARTUP, (double)plan->startup_cost, "plan input");
    gain_fig_set(&f[GAIN_F_REPLACED], GAIN_F_REPLACED, (double)plan->replaced_per_year,
                 "plan input");
}

/* cost_avoided - licence - operating + replaced: the yearly running gain. */
static double running_gain(const gain_figure *f)
{
    return f[GAIN_F_COST_AVOIDED].value - f[GAIN_F_LICENCE].value - f[GAIN_F_OPERATING].value +
           f[GAIN_F_REPLACED].value;
}

static void net_inputs(gain_figure *n, const gain_figure *f, int years)
{
    gain_fig_input(n, "cost_avoided", f[GAIN_F_COST_AVOIDED].value);
    gain_fig_input(n, "licence_per_year", f[GAIN_F_LICENCE].value);
    gain_fig_input(n, "operating_per_year", f[GAIN_F_OPERATING].value);
    gain_fig_input(n, "replaced_per_year", f[GAIN_F_REPLACED].value);
    gain_fig_input(n, "startup", f[GAIN_F_STARTUP].value);
    gain_fig_input(n, "analysis_years", years);
}

static void net_figures(gain_figure *f, const gain_params *p)
{
    int years = p->analysis_years;
    double gain = running_gain(f), startup = f[GAIN_F_STARTUP].value;
    gain_fig_set(&f[GAIN_F_NET_ANNUAL], GAIN_F_NET_ANNUAL, gain - startup / years,
                 "cost_avoided - licence_per_year - operating_per_year + replaced_per_year"
                 " - startup / analysis_years");
    net_inputs(&f[GAIN_F_NET_ANNUAL], f, years);
    gain_fig_set(&f[GAIN_F_NET_PERIOD], GAIN_F_NET_PERIOD, gain * years - startup,
                 "analysis_years x (cost_avoided - licence_per_year - operating_per_year"
                 " + replaced_per_year) - startup");
    net_inputs(&f[GAIN_F_NET_PERIOD], f, years);
    gain_fig_set(&f[GAIN_F_FTE], GAIN_F_FTE, f[GAIN_F_HOURS_AVOIDED].value / p->hours_per_fte,
                 "hours_avoided / hours_per_fte");
    gain_fig_input(&f[GAIN_F_FTE], "hours_avoided", f[GAIN_F_HOURS_AVOIDED].value);
    gain_fig_input(&f[GAIN_F_FTE], "hours_per_fte", p->hours_per_fte);
}

/* Year y: without = y x (cost before + replaced); with = startup + y x
 * (cost after + licence + operating). The gap at y is y x running gain - startup. */
static void cumulative(gain_totals *t, const gain_params *p)
{
    const gain_figure *f = t->figs;
    double before = t->before.hours * p->wage_per_hour + t->before.km * p->km_rate +
                    f[GAIN_F_REPLACED].value;
    double after = t->after.hours * p->wage_per_hour + t->after.km * p->km_rate +
                   f[GAIN_F_LICENCE].value + f[GAIN_F_OPERATING].value;
    t->years = p->analysis_years;
    for (int y = 0; y <= GAIN_YEARS_MAX; y++) {
        t->without[y] = y * before;
        t->with[y] = f[GAIN_F_STARTUP].value + y * after;
    }
}

static void quality_add(gain_totals *t, const gain_subject *sub)
{
    for (int d = 0; d < GAIN_QUALITY_DIMS; d++) {
        gain_quality *q = &t->quality[d];
        if (sub->quality_before[d]) {
            q->before += sub->quality_before[d];
            q->n_before++;
        }
        if (sub->quality_after[d]) {
            q->after += sub->quality_after[d];
            q->n_after++;
        }
    }
}

static void quality_finish(gain_totals *t)
{
    for (int d = 0; d < GAIN_QUALITY_DIMS; d++) {
        gain_quality *q = &t->quality[d];
        q->before = q->n_before ? q->before / (double)q->n_before : 0;
        q->after = q->n_after ? q->after / (double)q->n_after : 0;
    }
}

static void plan_compute(const gain_scenario *s, gain_result *r, size_t i)
{
    gain_plan_result *pr = &r->plans[i];
    const gain_params *p = params_of_plan(s, i);
    pr->plan = i;
    pr->unit = gain_unit_index(s, s->plans[i].municipality);
    pr->size_class = gain_size_class(s->units[pr->unit].inhabitants);
    pr->t.plans = 1;
    for (size_t k = 0; k < r->nsubjects; k++) {
        const gain_subject *sub = &r->subjects[k];
        if (sub->plan != i)
            continue;
        pr->t.users++;
        if (!sub->followed)
            continue;
        pr->t.followed++;
        rates_add(&pr->t.before, &sub->before);
        rates_add(&pr->t.after, &sub->after);
        quality_add(&pr->t, sub);
    }
    quality_finish(&pr->t);
    rate_figures(&pr->t);
    cost_figures(pr->t.figs, p);
    plan_cost_inputs(pr->t.figs, &s->plans[i]);
    net_figures(pr->t.figs, p);
    cumulative(&pr->t, p);
}

/* ---- sums over plans (groups and the total) ---- */

static int additive(int fig)
{
    return fig >= GAIN_F_STAFF_COST_AVOIDED; /* money and FTE: each plan at its own rates */
}

static void totals_add(gain_totals *into, const gain_totals *t, const char *name)
{
    into->plans += t->plans;
    into->users += t->users;
    into->followed += t->followed;
    rates_add(&into->before, &t->before);
    rates_add(&into->after, &t->after);
    for (int f = 0; f < GAIN_F_COUNT; f++) {
        if (!additive(f))
            continue;
        if (!into->figs[f].key)
            gain_fig_set(&into->figs[f], f, 0, "sum over plans");
        gain_fig_add(&into->figs[f], name, t->figs[f].value);
    }
    if (t->years > into->years)
        into->years = t->years;
    for (int y = 0; y <= GAIN_YEARS_MAX; y++) {
        into->without[y] += t->without[y];
        into->with[y] += t->with[y];
    }
    for (int d = 0; d < GAIN_QUALITY_DIMS; d++) {
        into->quality[d].before += t->quality[d].before * (double)t->quality[d].n_before;
        into->quality[d].after += t->quality[d].after * (double)t->quality[d].n_after;
        into->quality[d].n_before += t->quality[d].n_before;
        into->quality[d].n_after += t->quality[d].n_after;
    }
}

static void totals_finish(gain_totals *t)
{
    rate_figures(t);
    quality_finish(t);
    for (int f = 0; f < GAIN_F_COUNT; f++)
        if (additive(f) && !t->figs[f].key)
            gain_fig_set(&t->figs[f], f, 0, "sum over plans (none)");
}

/* ---- groups ---- */

static gain_group *group_get(gain_result *r, int dim, const char *key, const char *label)
{
    for (size_t i = 0; i < r->ngroups; i++)
        if (r->groups[i].dim == dim && strcmp(r->groups[i].key, key) == 0)
            return &r->groups[i];
    gain_group *g = &r->groups[r->ngroups++];
    memset(g, 0, sizeof *g);
    g->dim = dim;
    kn_strcpy(g->key, sizeof g->key, key);
    kn_strcpy(g->label, sizeof g->label, label);
    gain_fig_set(&g->hours_avoided, GAIN_F_HOURS_AVOIDED, 0, "sum");
    gain_fig_set(&g->cost_avoided, GAIN_F_COST_AVOIDED, 0, "sum");
    gain_fig_set(&g->net_annual, GAIN_F_NET_ANNUAL, 0, "sum over plans");
    gain_fig_set(&g->fte, GAIN_F_FTE, 0, "sum");
    return g;
}

static void group_plan(gain_result *r, int dim, const char *key, const char *label,
                       const gain_plan_result *pr, const char *name)
{
    gain_group *g = group_get(r, dim, key, label);
    const gain_figure *f = pr->t.figs;
    g->plans++;
    g->users += pr->t.followed;
    kn_strcpy(g->hours_avoided.formula, sizeof g->hours_avoided.formula, "sum over plans");
    kn_strcpy(g->cost_avoided.formula, sizeof g->cost_avoided.formula, "sum over plans");
    kn_strcpy(g->fte.formula, sizeof g->fte.formula, "sum over plans");
    gain_fig_add(&g->hours_avoided, name, f[GAIN_F_HOURS_AVOIDED].value);
    gain_fig_add(&g->cost_avoided, name, f[GAIN_F_COST_AVOIDED].value);
    gain_fig_add(&g->net_annual, name, f[GAIN_F_NET_ANNUAL].value);
    gain_fig_add(&g->fte, name, f[GAIN_F_FTE].value);
}

/* A quarter holds, per plan and subject, the latest follow-up that starts in
 * it, compared with the subject's baseline at annual rates. Follow-ups are
 * sorted by (plan, subject, quarter, start, position); the last of each run
 * counts. */
typedef struct quarter_ref {
    const store_gain_measure *m;
    size_t pos;
    char quarter[8];
} quarter_ref;

static int quarter_cmp(const void *a, const void *b)
{
    const quarter_ref *x = a, *y = b;
    int c = strcmp(x->m->plan_id, y->m->plan_id);
    if (!c)
        c = strcmp(x->m->citizen_id, y->m->citizen_id);
    if (!c)
        c = strcmp(x->quarter, y->quarter);
    if (!c)
        c = strcmp(x->m->period_start, y->m->period_start);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static void quarter_add(const gain_scenario *s, gain_result *r, const quarter_ref *q)
{
    size_t plan = plan_index(s, q->m->plan_id);
    const gain_subject *sub = subject_find(r, plan, q->m->citizen_id);
    if (!sub)
        return;
    const gain_params *p = params_of_plan(s, plan);
    gain_rates after;
    rates_of(q->m, gain_annual_factor(q->m->period_unit, q->m->period_count, p->days_per_year),
             &after);
    double hours = sub->before.hours - after.hours, km = sub->before.km - after.km;
    gain_group *g = group_get(r, GAIN_DIM_QUARTER, q->quarter, q->quarter);
    g->users++;
    kn_strcpy(g->hours_avoided.formula, sizeof g->hours_avoided.formula,
              "sum over follow-ups in the quarter of (baseline hours - follow-up hours)");
    kn_strcpy(g->cost_avoided.formula, sizeof g->cost_avoided.formula,
              "sum over follow-ups of (hours x wage_per_hour + km x km_rate)");
    kn_strcpy(g->fte.formula, sizeof g->fte.formula, "sum over follow-ups of hours / hours_per_fte");
    gain_fig_add(&g->hours_avoided, s->plans[plan].name, hours);
    gain_fig_add(&g->cost_avoided, s->plans[plan].name, hours * p->wage_per_hour + km * p->km_rate);
    gain_fig_add(&g->fte, s->plans[plan].name, hours / p->hours_per_fte);
    gain_fig_undefined(&g->net_annual, GAIN_F_NET_ANNUAL,
                       "not defined per quarter: costs are per plan and year");
    g->plans = g->hours_avoided.ninputs; /* distinct plans (by name) in the quarter */
}

static void group_quarters(const gain_scenario *s, gain_result *r)
{
    quarter_ref *refs = calloc(s->nmeasures ? s->nmeasures : 1, sizeof *refs);
    size_t n = 0;
    for (size_t i = 0; refs && i < s->nmeasures; i++) {
        if (s->measures[i].kind != STORE_GAIN_FOLLOWUP)
            continue;
        refs[n].m = &s->measures[i];
        refs[n].pos = i;
        gain_quarter(s->measures[i].period_start, refs[n++].quarter);
    }
    if (refs)
        qsort(refs, n, sizeof *refs, quarter_cmp);
    for (size_t i = 0; refs && i < n; i++) {
        const quarter_ref *next = i + 1 < n ? &refs[i + 1] : NULL;
        int same_run = next && strcmp(next->m->plan_id, refs[i].m->plan_id) == 0 &&
                       strcmp(next->m->citizen_id, refs[i].m->citizen_id) == 0 &&
                       strcmp(next->quarter, refs[i].quarter) == 0;
        if (!same_run)
            quarter_add(s, r, &refs[i]);
    }
    free(refs);
}

static int group_cmp(const void *a, const void *b)
{
    const gain_group *x = a, *y = b;
    return x->dim != y->dim ? x->dim - y->dim : strcmp(x->key, y->key);
}

static void groups_compute(const gain_scenario *s, gain_result *r)
{
    for (size_t i = 0; i < r->nplans; i++) {
        const gain_plan_result *pr = &r->plans[i];
        const store_gain_plan *plan = &s->plans[i];
        const char *tech = gain_code_label(GAIN_CODE_TECHNOLOGY, plan->technology);
        group_plan(r, GAIN_DIM_TECHNOLOGY, plan->technology, tech ? tech : plan->technology, pr,
                   plan->name);
        group_plan(r, GAIN_DIM_SIZE, pr->size_class, gain_size_label(pr->size_class), pr,
                   plan->name);
        const char *region = plan->region[0] ? plan->region : "ukjent";
        group_plan(r, GAIN_DIM_REGION, region, plan->region[0] ? plan->region : "Ukjent region",
                   pr, plan->name);
    }
    group_quarters(s, r);
    qsort(r->groups, r->ngroups, sizeof *r->groups, group_cmp);
}

/* ---- entry points ---- */

static int result_alloc(const gain_scenario *s, gain_result *r, kn_err *err)
{
    memset(r, 0, sizeof *r);
    r->scenario = s;
    r->nplans = s->nplans;
    r->plans = calloc(s->nplans ? s->nplans : 1, sizeof *r->plans);
    r->subjects = calloc(s->nmeasures ? s->nmeasures : 1, sizeof *r->subjects);
    /* per plan: technology, size, region; plus at most one quarter per follow-up */
    r->groups = calloc(3 * s->nplans + s->nmeasures + 1, sizeof *r->groups);
    if (!r->plans || !r->subjects || !r->groups) {
        gain_result_free(r);
        return kn_err_set(err, KN_ENOMEM, "gain: out of memory");
    }
    return KN_OK;
}

static int check_units(const gain_scenario *s, kn_err *err)
{
    for (size_t i = 0; i < s->nplans; i++)
        if (gain_unit_index(s, s->plans[i].municipality) == s->nunits)
            return kn_err_set(err, KN_EINVAL, "plan '%s' names unknown municipality '%s'",
                              s->plans[i].id, s->plans[i].municipality);
    return KN_OK;
}

int gain_compute(const gain_scenario *s, gain_result *out, kn_err *err)
{
    int rc = check_units(s, err);
    if (rc == KN_OK)
        rc = result_alloc(s, out, err);
    if (rc != KN_OK)
        return rc;
    rc = collect_subjects(s, out, STORE_GAIN_BASELINE, err);
    if (rc == KN_OK)
        rc = collect_subjects(s, out, STORE_GAIN_FOLLOWUP, err);
    if (rc != KN_OK) {
        gain_result_free(out);
        return rc;
    }
    for (size_t i = 0; i < s->nplans; i++) {
        plan_compute(s, out, i);
        totals_add(&out->total, &out->plans[i].t, s->plans[i].name);
    }
    totals_finish(&out->total);
    groups_compute(s, out);
    return KN_OK;
}

void gain_result_free(gain_result *r)
{
    if (!r)
        return;
    free(r->plans);
    free(r->subjects);
    free(r->groups);
    memset(r, 0, sizeof *r);
}
