/* resp_codes.c - the vocabularies of the response service: the VKP alert
 * codes (vkp-alert-code 0.9.0, compiled in with the code system's display
 * texts), severity and triage, the priority rule, and the names of event
 * kinds, states, outcomes, priorities and operator actions (resp.h).
 *
 * Pure tables and functions: no store, no allocation, thread-safe.
 * tests/unit/test_resp_codes.c keeps the table equal to the code system file.
 */
#include "resp_int.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

/* ---- event kinds ---- */

static const struct {
    const char *name;
    int vkp;
} event_kinds[] = {
#define RESP_EVENT_ROW(name, text, vkp) {text, vkp},
    RESP_EVENT_LIST(RESP_EVENT_ROW)
#undef RESP_EVENT_ROW
};

const char *resp_event_name(int kind)
{
    return kind >= 0 && kind < RESP_EV__COUNT ? event_kinds[kind].name : "";
}

int resp_event_vkp(int kind)
{
    return kind >= 0 && kind < RESP_EV__COUNT ? event_kinds[kind].vkp : -1;
}

void resp_event_init(store_resp_event *ev, int kind, int64_t at, const auth_principal *p,
                     const char *text)
{
    memset(ev, 0, sizeof *ev);
    ev->at = at;
    kn_strcpy(ev->kind, sizeof ev->kind, resp_event_name(kind));
    ev->vkp_event = resp_event_vkp(kind);
    if (p) {
        kn_strcpy(ev->actor_id, sizeof ev->actor_id, p->id);
        kn_strcpy(ev->actor_name, sizeof ev->actor_name, p->name);
    }
    if (text)
        kn_strcpy(ev->text, sizeof ev->text, text);
}

/* ---- alert codes ----
 *
 * Default priority (1 red .. 5 blue) and technical flag per code; the
 * reasoning, so the choices can be reviewed:
 *  - red (1): a person may be hurt or in danger now and has no other help:
 *    3 Trygghetsalarm (the safety-alarm button), 4.1 Fall, 4.11 Brannalarm,
 *    4.13 Knappetrykk, 4.14 Snortrekk, 4.24 Epilepsi.
 *  - orange (2): likely harm soon or a person missing: 2 Lokaliseringsteknologi
 *    (left the safe zone), 4.7/4.9/4.23 long stay / inactivity, 4.12 Fravær,
 *    4.17 Vannalarm, 4.19 Manglende bevegelse, 4.21 Forlatt bolig,
 *    4.25 event-driven camera check, 7 Sykesignalanlegg; medication not
 *    given because the dispenser is empty or off (1.2, 1.13, 1.18) and
 *    1.22 Innbrudd (someone forced the dispenser: overdose risk).
 *  - yellow (3): needs a person today: the category headers 1, 4, 5, 6,
 *    missed or unconfirmed medication (1.1, 1.3, 1.4, 1.10), dispenser
 *    faults that stop dispensing (1.5-1.9 technical), 1.14 no schedule,
 *    1.19 no power, 1.20 Ingen kontakt, 1.21 open, 1.23 dosett misplaced,
 *    4.2 left bed, 4.10 loud, 4.15 door opened, 4.18 unexpected movement,
 *    4.22 failed call, 5.1 summary, 5.3 inactive patient, 7.1 Inkontinens.
 *  - green (4): follow up when convenient: low stock (1.11, 1.12), 1.9 full
 *    drawer, 1.15 plan check, 1.17 Batteri lavt, 4.3/4.4/4.6 movement
 *    notices, 4.26 planned camera check, DHO data and missing answers
 *    (5.2.1, 5.2.2, 5.3.1, 5.3.2).
 *  - blue (5): information: 1.16 roll handled, 4.5/4.8/4.16/4.20 activity
 *    notices, 5.2 and 5.2.3 actions done.
 * Technical (1): the device, not the person, needs attention - the
 * dispenser's stopped-dispensing faults (1.5-1.9), 1.14 and the "Teknisk
 * varsel" group 1.17-1.21 and 1.23 (battery, power, no contact, open,
 * misplaced). 1.22 Innbrudd is in that group but is about a person, so it
 * is not technical. */
static const resp_alert_info alert_codes[] = {
    {"1", "Elektronisk medisineringsstøtte", 1, 3, 0},
    {"1.1", "Ikke utlevert", 1, 3, 0},
    {"1.2", "Utlevering forhindret av medisinmangel", 1, 2, 0},
    {"1.3", "Mangler utleveringsbekreftelse", 1, 3, 0},
    {"1.4", "Melding ikke lest", 1, 3, 0},
    {"1.5", "Teknisk feil", 1, 3, 1},
    {"1.6", "Pose ikke lest", 1, 3, 1},
    {"1.7", "Feil ved rull", 1, 3, 1},
    {"1.8", "Rull sitter fast", 1, 3, 1},
    {"1.9", "Full skuff", 1, 4, 1},
    {"1.10", "Medisin venter", 1, 3, 0},
    {"1.11", "Mangler tilstrekkelig mengde medisin", 1, 4, 0},
    {"1.12", "Snart tomt for medisin", 1, 4, 0},
    {"1.13", "Tomt for medisin", 1, 2, 0},
    {"1.14", "Mangler tidsplan", 1, 3, 1},
    {"1.15", "Endringskontroll av medisinplan", 1, 4, 0},
    {"1.16", "Rull behandlet", 1, 5, 0},
    {"1.17", "Batteri lavt", 1, 4, 1},
    {"1.18", "Batteri tomt", 1, 2, 1},
    {"1.19", "Ikke tilkoblet strøm", 1, 3, 1},
    {"1.20", "Ingen kontakt", 1, 3, 1},
    {"1.21", "Dispenser åpen", 1, 3, 1},
    {"1.22", "Innbrudd", 1, 2, 0},
    {"1.23", "Dosett feilplassert", 1, 3, 1},
    {"2", "Lokaliseringsteknologi", 2, 2, 0},
    {"3", "Trygghetsalarm", 3, 1, 0},
    {"4", "Digitalt tilsyn", 4, 3, 0},
    {"4.1", "Fall", 4, 1, 0},
    {"4.2", "Forlatt sengen", 4, 3, 0},
    {"4.3", "Satt seg opp seng", 4, 4, 0},
    {"4.4", "Reist seg fra stol", 4, 4, 0},
    {"4.5", "Kommet inn rom", 4, 5, 0},
    {"4.6", "Forlatt rom", 4, 4, 0},
    {"4.7", "Uventet langt opphold", 4, 2, 0},
    {"4.8", "Aktivitet rom", 4, 5, 0},
    {"4.9", "Inaktivitet", 4, 2, 0},
    {"4.10", "Høyt lydnivå", 4, 3, 0},
    {"4.11", "Brannalarm", 4, 1, 0},
    {"4.12", "Fravær", 4, 2, 0},
    {"4.13", "Knappetrykk", 4, 1, 0},
    {"4.14", "Snortrekk", 4, 1, 0},
    {"4.15", "Dør åpnet", 4, 3, 0},
    {"4.16", "Dør lukket", 4, 5, 0},
    {"4.17", "Vannalarm", 4, 2, 0},
    {"4.18", "Bevegelse", 4, 3, 0},
    {"4.19", "Manglende bevegelse", 4, 2, 0},
    {"4.20", "Lagt seg seng", 4, 5, 0},
    {"4.21", "Forlatt bolig", 4, 2, 0},
    {"4.22", "Mislykket brukeranrop", 4, 3, 0},
    {"4.23", "Inaktivitet bad", 4, 2, 0},
    {"4.24", "Epilepsi", 4, 1, 0},
    {"4.25", "Hendelsesbasert kameratilsyn", 4, 2, 0},
    {"4.26", "Planlagt kameratilsyn", 4, 4, 0},
    {"5", "Digital hjemmeoppfølging", 5, 3, 0},
    {"5.1", "Oppsummerende varsel", 5, 3, 0},
    {"5.2", "Handling utført", 5, 5, 0},
    {"5.2.1", "Måledata rapportert", 5, 4, 0},
    {"5.2.2", "Skjemabesvarelse", 5, 4, 0},
    {"5.2.3", "Annen handling utført", 5, 5, 0},
    {"5.3", "Inaktiv pasient", 5, 3, 0},
    {"5.3.1", "Manglende skjemabesvarelse", 5, 4, 0},
    {"5.3.2", "Måling ikke rapportert", 5, 4, 0},
    {"6", "Elektronisk dørlås", 6, 3, 0},
    {"7", "Sykesignalanlegg", 7, 2, 0},
    {"7.1", "Inkontinens", 7, 3, 0},
};

#define NCODES (sizeof alert_codes / sizeof alert_codes[0])

const resp_alert_info *resp_alert_lookup(const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < NCODES; i++)
        if (strcmp(alert_codes[i].code, code) == 0)
            return &alert_codes[i];
    return NULL;
}

int resp_severity_valid(int severity)
{
    return severity >= 0 && severity <= 40 && severity % 10 == 0;
}

static const char *const triage_codes[] = {"R", "O", "Y", "G", "B", "BL", "NR"};

/* Priority of a triage colour: R 1 .. B 5; BL, NR and unknown 0 (none). */
static int triage_priority(const char *triage)
{
    for (int i = 0; triage && i < 5; i++)
        if (strcmp(triage, triage_codes[i]) == 0)
            return i + 1;
    return 0;
}

int resp_triage_valid(const char *triage)
{
    for (size_t i = 0; triage && i < sizeof triage_codes / sizeof triage_codes[0]; i++)
        if (strcmp(triage, triage_codes[i]) == 0)
            return 1;
    return 0;
}

/* The category of a code: its leading number ("5" of "5.2.1"). */
static void code_category(const char *code, char out[STORE_RESP_CODE_LEN])
{
    size_t n = strcspn(code, ".");
    if (n >= STORE_RESP_CODE_LEN)
        n = STORE_RESP_CODE_LEN - 1;
    memcpy(out, code, n);
    out[n] = '\0';
}

/* The citizen's rule for this exact code, else for its category; 0 = none. */
static int profile_priority(const store_resp_profile *profile, const char *code)
{
    if (!profile || !code)
        return 0;
    char category[STORE_RESP_CODE_LEN];
    code_category(code, category);
    int by_category = 0;
    for (int i = 0; i < profile->nprio && i < STORE_RESP_MAX_PRIO_RULES; i++) {
        const store_resp_prio_rule *r = &profile->prio[i];
        if (r->priority < 1 || r->priority > 5)
            continue;
        if (strcmp(r->alert_code, code) == 0)
            return r->priority;
        if (!by_category && strcmp(r->alert_code, category) == 0)
            by_category = r->priority;
    }
    return by_category;
}

static int most_urgent(int a, int b)
{
    return b > 0 && b < a ? b : a;
}

int resp_priority(const char *alert_code, int severity, const char *triage,
                  const store_resp_profile *profile)
{
    const resp_alert_info *info = resp_alert_lookup(alert_code);
    int prio = info ? info->priority : 3;
    prio = most_urgent(prio, triage_priority(triage));
    if (severity >= 10 && severity <= 40 && severity % 10 == 0)
        prio = most_urgent(prio, 5 - severity / 10);
    int rule = profile_priority(profile, alert_code);
    return rule ? rule : prio;
}

/* ---- names ---- */

static const char *name_at(const char *const *names, size_t n, int i)
{
    return i >= 0 && (size_t)i < n ? names[i] : "";
}

#define NAME_AT(table, i) name_at(table, sizeof table / sizeof table[0], i)

const char *resp_priority_name(int priority)
{
    static const char *const names[] = {"", "rød", "oransje", "gul", "grønn", "blå"};
    return NAME_AT(names, priority);
}

const char *resp_state_name(int state)
{
    static const char *const names[] = {"", "ny", "tatt", "kvittert", "utrykning", "avsluttet"};
    return NAME_AT(names, state);
}

const char *resp_outcome_name(int outcome)
{
    static const char *const names[] = {"", "telefon", "utrykning", "utsatt", "113", "falsk"};
    return NAME_AT(names, outcome);
}

/* Index enum resp_action (0: none). */
static const char *const action_names[] = {
    "",        "claim",           "release",      "acknowledge", "phone",
    "callout", "callout_started", "callout_done", "defer",       "emergency",
    "cause",   "measure",         "note",         "close",
};

int resp_action_parse(const char *name)
{
    for (size_t i = 1; name && i < sizeof action_names / sizeof action_names[0]; i++)
        if (strcmp(name, action_names[i]) == 0)
            return (int)i;
    return 0;
}

const char *resp_action_name(int action)
{
    return NAME_AT(action_names, action);
}
