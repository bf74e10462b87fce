/* demo_gain.c - demo benefit realisation in Knutby kommune: a medication
 * dispenser plan (quarterly follow-ups for three citizens), a safety-alarm
 * plan (monthly, two citizens) and night-time digital supervision (one
 * citizen), each with a baseline (nullpunktmåling) and follow-ups in 2025,
 * so the Gevinster page has before/after figures, quarters and quality
 * scores to show. Written through the gain_* domain functions as the local
 * operator, so every row passes the same checks and audit as real data.
 */
#include "demo_gain.h"

#include "../core/core_util.h"
#include "../gain/gain.h"

#include <string.h>

typedef struct demo_plan {
    const char *name, *technology, *gain_type, *interval, *indicator, *redeployment;
    int64_t licence, operating, startup;
} demo_plan;

static const demo_plan plans[] = {
    {"Elektronisk medisineringsstøtte", "medication_dispenser", "time_freed", "quarterly",
     "Medisineringsbesøk per uke og tid per besøk", "Mer tid til brukere med størst behov",
     24000, 6000, 40000},
    {"Digitale trygghetsalarmer", "safety_alarm", "time_freed", "monthly",
     "Alarmer til hjemmetjenesten per måned", "Faste gjøremål om formiddagen", 9600, 14400, 15000},
    {"Digitalt tilsyn på natt", "digital_supervision", "avoided_cost", "monthly",
     "Fysiske nattilsyn per 30 dager", "Nattevakten følger opp nye brukere", 6000, 3000, 10000},
};

/* One measurement row: citizen index, plan, kind, start, period, counts, quality. */
typedef struct demo_measure {
    int citizen, plan, kind;
    const char *start, *unit;
    int count;
    int visits, minutes, km, received, forwarded, per_alarm, night;
    int q_user, q_staff, q_relatives;
} demo_measure;

#define B STORE_GAIN_BASELINE
#define F STORE_GAIN_FOLLOWUP
/* clang-format off */
static const demo_measure measures[] = {
    /* medication dispensers: 3 visits a day before, 1 after (citizens 2, 4, 5) */
    {2, 0, B, "2025-01-06", "week", 1, 21, 20, 84, 0, 0, 0, 0, 3, 3, 3},
    {2, 0, F, "2025-04-07", "week", 1, 9, 20, 36, 0, 0, 0, 0, 4, 4, 4},
    {2, 0, F, "2025-07-07", "week", 1, 7, 20, 28, 0, 0, 0, 0, 5, 4, 5},
    {2, 0, F, "2025-10-06", "week", 1, 7, 20, 28, 0, 0, 0, 0, 5, 5, 5},
    {4, 0, B, "2025-01-06", "week", 1, 14, 25, 112, 0, 0, 0, 0, 2, 3, 2},
    {4, 0, F, "2025-04-07", "week", 1, 8, 25, 64, 0, 0, 0, 0, 4, 4, 4},
    {4, 0, F, "2025-10-06", "week", 1, 7, 25, 56, 0, 0, 0, 0, 4, 5, 5},
    {5, 0, B, "2025-01-13", "week", 1, 21, 15, 42, 0, 0, 0, 0, 3, 2, 3},
    {5, 0, F, "2025-07-07", "week", 1, 7, 15, 14, 0, 0, 0, 0, 5, 4, 4},
    /* safety alarms: every alarm to the home service before; the response centre clears most after */
    {0, 1, B, "2025-01-01", "month", 1, 0, 0, 0, 14, 14, 25, 0, 3, 0, 4},
    {0, 1, F, "2025-05-01", "month", 1, 0, 0, 0, 13, 5, 25, 0, 5, 0, 5},
    {0, 1, F, "2025-09-01", "month", 1, 0, 0, 0, 12, 4, 25, 0, 5, 0, 5},
    {1, 1, B, "2025-01-01", "month", 1, 0, 0, 0, 9, 9, 30, 0, 4, 0, 0},
    {1, 1, F, "2025-09-01", "month", 1, 0, 0, 0, 10, 3, 30, 0, 5, 0, 0},
    /* night supervision: 2 visits a night before, call-outs only after */
    {8, 2, B, "2025-02-01", "day", 30, 60, 30, 360, 0, 0, 0, 60, 2, 3, 2},
    {8, 2, F, "2025-06-01", "day", 30, 5, 30, 30, 0, 0, 0, 5, 5, 5, 5},
};
/* clang-format on */

static int load_plan(store *st, const char *municipality, const demo_plan *d,
                     store_gain_plan *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    kn_strcpy(out->name, sizeof out->name, d->name);
    kn_strcpy(out->technology, sizeof out->technology, d->technology);
    kn_strcpy(out->gain_type, sizeof out->gain_type, d->gain_type);
    kn_strcpy(out->interval, sizeof out->interval, d->interval);
    kn_strcpy(out->owner, sizeof out->owner, "Leder hjemmetjenesten");
    kn_strcpy(out->indicator, sizeof out->indicator, d->indicator);
    kn_strcpy(out->prerequisites, sizeof out->prerequisites,
              "Tjenesteforløp og opplæring på plass før tildeling");
    kn_strcpy(out->redeployment, sizeof out->redeployment, d->redeployment);
    kn_strcpy(out->region, sizeof out->region, "Agder");
    kn_strcpy(out->start_date, sizeof out->start_date, "2025-01-01");
    kn_strcpy(out->end_date, sizeof out->end_date, "2026-12-31");
    out->licence_per_year = d->licence;
    out->operating_per_year = d->operating;
    out->startup_cost = d->startup;
    return gain_plan_create(st, NULL, municipality, out, NULL, err);
}

static int load_measure(store *st, const demo_measure *d, const store_gain_plan *plan,
                        const store_citizen *citizen, kn_err *err)
{
    store_gain_measure m;
    memset(&m, 0, sizeof m);
    kn_strcpy(m.plan_id, sizeof m.plan_id, plan->id);
    kn_strcpy(m.citizen_id, sizeof m.citizen_id, citizen->id);
    m.kind = d->kind;
    kn_strcpy(m.period_start, sizeof m.period_start, d->start);
    kn_strcpy(m.period_unit, sizeof m.period_unit, d->unit);
    m.period_count = d->count;
    m.visits = d->visits;
    m.minutes_per_visit = d->minutes;
    m.km = d->km;
    m.alarms_received = d->received;
    m.alarms_forwarded = d->forwarded;
    m.minutes_per_alarm = d->per_alarm;
    m.night_checks = d->night;
    m.quality_user = d->q_user;
    m.quality_staff = d->q_staff;
    m.quality_relatives = d->q_relatives;
    return gain_measure_add(st, NULL, plan->municipality, &m, NULL, err);
}

int demo_gain_load(store *st, const store_citizen *citizens, size_t n, kn_err *err)
{
    store_gain_plan stored[sizeof plans / sizeof plans[0]];
    const char *municipality = citizens[0].municipality; /* citizen 0 lives in Knutby */
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < sizeof plans / sizeof plans[0]; i++)
        rc = load_plan(st, municipality, &plans[i], &stored[i], err);
    for (size_t i = 0; rc == KN_OK && i < sizeof measures / sizeof measures[0]; i++) {
        const demo_measure *d = &measures[i];
        if ((size_t)d->citizen >= n)
            return kn_err_set(err, KN_EINTERNAL, "demo: no citizen %d", d->citizen);
        rc = load_measure(st, d, &stored[d->plan], &citizens[d->citizen], err);
    }
    return rc;
}
