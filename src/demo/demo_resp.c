/* demo_resp.c - the response service's part of the demo data set: routing
 * rules for both municipalities and the operator's record (key safe,
 * relatives in call order, care team) of a few demo citizens.
 *
 * Knutby's rules cover every hour of the week: weekdays 07:00-15:30 the
 * response centre, then the home-care group; evenings, nights and weekends
 * the centre, then the on-call phone; GPS alarms (service 2) always go to the
 * on-call phone; one citizen's evening alarms go to her relatives. Fjordvik
 * forgot Sunday evening (22:00-24:00), so its coverage view shows a gap.
 * Written through resp_rule_put / resp_profile_put as the demo admin, so the
 * rows pass the same checks and audit as real ones. Called by demo.c.
 */
#include "demo_resp.h"

#include "../core/core_util.h"
#include "../nid/nid.h"
#include "../resp/resp.h"

#include <string.h>

#define KNUTBY "939000011"
#define FJORDVIK "939000038"
/* the audit trail shows a request id by its last 8 characters */
#define DEMO_RESP_REQUEST_ID "demo-resp-load"
#define WEEKDAYS 0x1f /* bit 0 Monday .. bit 6 Sunday */
#define SATURDAY 0x20
#define SUNDAY 0x40
#define WEEKEND (SATURDAY | SUNDAY)
#define EVERY_DAY 0x7f
#define HM(h, m) ((h) * 60 + (m))

typedef struct demo_rule {
    const char *municipality, *name, *service;
    int citizen; /* index of a demo citizen for a citizen rule; -1 = every citizen */
    int days, start, end;
    const char *second_target; /* after the centre: group name or phone; NULL = relatives */
    int second_kind;
} demo_rule;

#define CENTRE_KNUTBY "Responssenter Knutby"
#define CENTRE_FJORDVIK "Responssenter Fjordvik"
#define HOMECARE_KNUTBY "Hjemmetjenesten sone sentrum"
#define HOMECARE_FJORDVIK "Hjemmetjenesten Fjordvik"
#define ONCALL_KNUTBY "+47 915 00 111"
#define ONCALL_FJORDVIK "+47 915 00 222"

/* clang-format off */
static const demo_rule rules[] = {
    {KNUTBY, "Hverdager dag", "*", -1, WEEKDAYS, HM(7, 0), HM(15, 30), HOMECARE_KNUTBY, RESP_STEP_HOMECARE},
    {KNUTBY, "Hverdager kveld", "*", -1, WEEKDAYS, HM(15, 30), HM(24, 0), ONCALL_KNUTBY, RESP_STEP_ONCALL},
    {KNUTBY, "Hverdager natt", "*", -1, WEEKDAYS, HM(0, 0), HM(7, 0), ONCALL_KNUTBY, RESP_STEP_ONCALL},
    {KNUTBY, "Helg", "*", -1, WEEKEND, HM(0, 0), HM(24, 0), ONCALL_KNUTBY, RESP_STEP_ONCALL},
    {KNUTBY, "Lokalisering (GPS): alltid vakttelefon", "2", -1, EVERY_DAY, HM(0, 0), HM(24, 0), ONCALL_KNUTBY, RESP_STEP_ONCALL},
    {KNUTBY, "Pårørende først på kveldstid", "*", 0, EVERY_DAY, HM(15, 30), HM(24, 0), NULL, RESP_STEP_RELATIVES},
    {FJORDVIK, "Hverdager dag", "*", -1, WEEKDAYS, HM(8, 0), HM(16, 0), HOMECARE_FJORDVIK, RESP_STEP_HOMECARE},
    {FJORDVIK, "Hverdager kveld og natt", "*", -1, WEEKDAYS, HM(16, 0), HM(24, 0), ONCALL_FJORDVIK, RESP_STEP_ONCALL},
    {FJORDVIK, "Hverdager natt", "*", -1, WEEKDAYS, HM(0, 0), HM(8, 0), ONCALL_FJORDVIK, RESP_STEP_ONCALL},
    {FJORDVIK, "Lørdag", "*", -1, SATURDAY, HM(0, 0), HM(24, 0), ONCALL_FJORDVIK, RESP_STEP_ONCALL},
    /* the deliberate gap: Sunday 22:00-24:00 is nobody's */
    {FJORDVIK, "Søndag", "*", -1, SUNDAY, HM(0, 0), HM(22, 0), ONCALL_FJORDVIK, RESP_STEP_ONCALL},
};
/* clang-format on */

typedef struct demo_profile {
    int citizen;
    const char *key_safe, *elock, *access_note, *care_team, *care_team_phone, *notes;
    struct {
        const char *name, *relation, *phone;
    } relatives[2];
    const char *prio_code; /* one priority rule, NULL = none */
    int prio;
} demo_profile;

/* clang-format off */
static const demo_profile profiles[] = {
    {0, "Nøkkelboks til venstre for inngangsdøra, kode 4711", "",
     "Hund i huset (snill). Soverommet er i 2. etasje.", HOMECARE_KNUTBY, "+47 37 00 10 01",
     "Faller ofte om natta på vei til badet. Hørselshemmet: ring lenge.",
     {{"Kari Hansen", "datter", "+47 911 22 333"}, {"Per Hansen", "sønn", "+47 922 33 444"}},
     "4", 1},
    {1, "", "Digital lås: Trygg Lås, enhet TL-2231",
     "Ringeklokka virker ikke; bank på kjøkkenvinduet.", HOMECARE_KNUTBY, "+47 37 00 10 01",
     "Bor alene. Lett demens; kan være urolig om kvelden.",
     {{"Liv Johansen", "nabo", "+47 933 44 555"}, {"Ola Johansen", "bror", "+47 944 55 666"}},
     NULL, 0},
    {3, "Nøkkelboks på baksiden, kode 2580", "",
     "Går tur alene; GPS-alarmen sier hvor.", HOMECARE_FJORDVIK, "+47 57 00 20 02",
     "Kan gå seg bort. Kjenner området rundt kaia godt.",
     {{"Anne Larsen", "datter", "+47 955 66 777"}, {NULL, NULL, NULL}},
     "2", 2},
    {5, "Nøkkelboks ved garasjen, kode 1357", "",
     "Rullator; la døra stå på gløtt ved utrykning.", HOMECARE_KNUTBY, "+47 37 00 10 01",
     "KOLS; følges opp med digital hjemmeoppfølging (målinger hver morgen).",
     {{"Eva Pedersen", "kone", "+47 966 77 888"}, {NULL, NULL, NULL}},
     NULL, 0},
};
/* clang-format on */

static void rule_fill(const demo_rule *d, const store_citizen *citizens, store_resp_rule *r)
{
    memset(r, 0, sizeof *r);
    kn_strcpy(r->municipality, sizeof r->municipality, d->municipality);
    kn_strcpy(r->name, sizeof r->name, d->name);
    kn_strcpy(r->service, sizeof r->service, d->service);
    if (d->citizen >= 0)
        kn_strcpy(r->citizen_id, sizeof r->citizen_id, citizens[d->citizen].id);
    r->weekdays = d->days;
    r->start_min = d->start;
    r->end_min = d->end;
    int knutby = strcmp(d->municipality, KNUTBY) == 0;
    store_resp_step *first = &r->steps[0], *second = &r->steps[1];
    first->kind = RESP_STEP_CENTRE;
    kn_strcpy(first->target, sizeof first->target, knutby ? CENTRE_KNUTBY : CENTRE_FJORDVIK);
    first->timeout_s = 60;
    second->kind = d->second_kind;
    kn_strcpy(second->target, sizeof second->target, d->second_target ? d->second_target : "");
    second->timeout_s = 300;
    r->nsteps = 2;
    if (d->second_kind == RESP_STEP_RELATIVES) { /* relatives first, the centre after */
        store_resp_step tmp = *first;
        *first = *second;
        *second = tmp;
        first->timeout_s = 120;
    }
}

static void profile_fill(const demo_profile *d, store_resp_profile *p)
{
    memset(p, 0, sizeof *p);
    kn_strcpy(p->key_safe, sizeof p->key_safe, d->key_safe);
    kn_strcpy(p->elock, sizeof p->elock, d->elock);
    kn_strcpy(p->access_note, sizeof p->access_note, d->access_note);
    kn_strcpy(p->care_team, sizeof p->care_team, d->care_team);
    kn_strcpy(p->care_team_phone, sizeof p->care_team_phone, d->care_team_phone);
    kn_strcpy(p->notes, sizeof p->notes, d->notes);
    for (int i = 0; i < 2 && d->relatives[i].name; i++) {
        store_resp_relative *r = &p->relatives[p->nrelatives++];
        kn_strcpy(r->name, sizeof r->name, d->relatives[i].name);
        kn_strcpy(r->relation, sizeof r->relation, d->relatives[i].relation);
        kn_strcpy(r->phone, sizeof r->phone, d->relatives[i].phone);
        r->call_order = i + 1;
    }
    if (d->prio_code) {
        kn_strcpy(p->prio[0].alert_code, sizeof p->prio[0].alert_code, d->prio_code);
        p->prio[0].priority = d->prio;
        p->nprio = 1;
    }
}

/* The demo admin (admin at both municipalities) as the acting principal. */
static int admin_principal(store *st, auth_principal *p, kn_err *err)
{
    store_user u;
    int rc = st->ops->user_get_by_name(st, "admin", &u, err);
    if (rc != KN_OK)
        return rc;
    memset(p, 0, sizeof *p);
    p->kind = AUTH_PRINCIPAL_USER;
    kn_strcpy(p->id, sizeof p->id, u.id);
    kn_strcpy(p->name, sizeof p->name, u.username);
    p->ngrants = u.ngrants < STORE_MAX_GRANTS ? u.ngrants : STORE_MAX_GRANTS;
    memcpy(p->grants, u.grants, p->ngrants * sizeof p->grants[0]);
    return KN_OK;
}

static int load_all(resp_ctx *ctx, const auth_principal *admin, const store_citizen *citizens,
                    size_t n, kn_err *err)
{
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < sizeof rules / sizeof rules[0]; i++) {
        if (rules[i].citizen >= (int)n)
            return kn_err_set(err, KN_EINTERNAL, "demo: no citizen %d", rules[i].citizen);
        store_resp_rule r;
        rule_fill(&rules[i], citizens, &r);
        rc = resp_rule_put(ctx, admin, &r, DEMO_RESP_REQUEST_ID, err);
    }
    for (size_t i = 0; rc == KN_OK && i < sizeof profiles / sizeof profiles[0]; i++) {
        if (profiles[i].citizen >= (int)n)
            return kn_err_set(err, KN_EINTERNAL, "demo: no citizen %d", profiles[i].citizen);
        store_resp_profile p;
        profile_fill(&profiles[i], &p);
        rc = resp_profile_put(ctx, admin, citizens[profiles[i].citizen].id, &p, DEMO_RESP_REQUEST_ID, err);
    }
    return rc;
}

int demo_resp_load(store *st, const store_citizen *citizens, size_t n, kn_err *err)
{
    auth_principal admin;
    int rc = admin_principal(st, &admin, err);
    if (rc != KN_OK)
        return rc;
    resp_opts o = {.st = st, .environment = NID_ENV_TEST};
    resp_ctx *ctx = NULL;
    rc = resp_ctx_new(&o, &ctx, err);
    if (rc == KN_OK)
        rc = load_all(ctx, &admin, citizens, n, err);
    resp_ctx_free(ctx);
    return rc;
}
