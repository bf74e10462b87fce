/* demo.c - writes the demo data set described in demo.h through the store
 * interface and the auth/citizen domain functions, so demo rows obey every
 * rule real rows do. Person numbers are generated (nid_person_complete) from
 * birth dates with month + 80, the synthetic range of the national test register.
 */
#include "demo.h"

#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/core_util.h"
#include "../nid/nid.h"
#include "../org/org.h"
#include "demo_gain.h"
#include "demo_resp.h"

#include <stdio.h>
#include <string.h>

#define MUNI_A "939000011"
#define MUNI_B "939000038"
#define SUPPLIER "987000015"
#define EPJ_VENDOR "987000023"
#define NATIONAL "974000016"

static const store_org demo_orgs[] = {
    {MUNI_A, STORE_ORG_MUNICIPALITY, "Knutby kommune", 12400},
    {MUNI_B, STORE_ORG_MUNICIPALITY, "Fjordvik kommune", 3800},
    {SUPPLIER, STORE_ORG_SUPPLIER, "Trygg Alarm AS", 0},
    {EPJ_VENDOR, STORE_ORG_EPJ_VENDOR, "Journalsystemer AS", 0},
    {NATIONAL, STORE_ORG_NATIONAL, "Nasjonal godkjenningsinstans (demo)", 0},
};

struct demo_user {
    const char *username;
    const char *display_name;
    const char *role;
    const char *orgs[2];
};

static const struct demo_user demo_user_rows[] = {
    {"operator", "Ola Operatør", "operator", {MUNI_A, MUNI_B}},
    {"saksbehandler", "Sara Saksbehandler", "case_worker", {MUNI_A, NULL}},
    {"sykepleier", "Siri Sykepleier", "nurse", {MUNI_A, NULL}},
    {"koordinator", "Kari Koordinator", "coordinator", {MUNI_A, NULL}},
    {"admin", "Anders Admin", "admin", {MUNI_A, MUNI_B}},
    {"leverandor", "Lars Leverandør", "supplier", {SUPPLIER, NULL}},
    {"kontrollor", "Kristin Kontrollør", "reviewer", {NATIONAL, NULL}},
    {"revisor", "Rune Revisor", "auditor", {MUNI_A, MUNI_B}},
    {"fjordvik", "Frida Fjordvik", "case_worker", {MUNI_B, NULL}},
};

#define NUSERS (sizeof demo_user_rows / sizeof demo_user_rows[0])

static const char *const given_names[] = {"Astrid", "Bjørn", "Eli", "Gunnar", "Ingrid", "Johan", "Kari", "Magnus", "Nora", "Odd"};
static const char *const family_names[] = {"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Berg"};

struct demo_device {
    const char *type;
    const char *serial;
    int citizen;           /* index of the citizen it is lent to; -1 = in stock */
};

static const struct demo_device demo_device_rows[] = {
    {"safety_alarm", "TA-100-0001", 0},     {"safety_alarm", "TA-100-0002", 1},
    {"medication_dispenser", "MD-7-0001", 2}, {"gps_tracker", "GPS-3-0001", 3},
    {"camera", "CAM-2-0001", 4},            {"vitals_kit", "VK-1-0001", 5},
    {"safety_alarm", "TA-100-0003", -1},
};

size_t demo_users(const char **names, const char **roles, size_t max)
{
    size_t n = 0;
    for (; n < NUSERS && n < max; n++) {
        names[n] = demo_user_rows[n].username;
        roles[n] = demo_user_rows[n].role;
    }
    return n;
}

static int load_user(store *st, const struct demo_user *row, kn_err *err)
{
    store_user u;
    memset(&u, 0, sizeof u);
    kn_strcpy(u.username, sizeof u.username, row->username);
    kn_strcpy(u.display_name, sizeof u.display_name, row->display_name);
    uint32_t roles = 0;
    int rc = auth_roles_parse(row->role, &roles, err);
    for (size_t i = 0; rc == KN_OK && i < 2 && row->orgs[i]; i++) {
        kn_strcpy(u.grants[i].orgnr, sizeof u.grants[i].orgnr, row->orgs[i]);
        u.grants[i].roles = roles;
        u.ngrants = i + 1;
    }
    return rc == KN_OK ? auth_user_add(st, &u, DEMO_PASSWORD, err) : rc;
}

/* The i-th synthetic person number: birth dates spread over 1928-1957,
 * month + 80; individual numbers from 400 down until the check digits exist. */
static int demo_nin(int i, char out[12])
{
    int day = 1 + (i * 7) % 28, month = 1 + (i * 5) % 12, year = 28 + i * 3 % 30;
    for (int individual = 499 - i; individual > 0; individual -= 23) {
        char first9[48]; /* 9 digits; room for what the compiler cannot rule out */
        snprintf(first9, sizeof first9, "%02d%02d%02d%03d", day, month + 80, year, individual);
        if (nid_person_complete(first9, out) == KN_OK)
            return KN_OK;
    }
    return KN_EINTERNAL;
}

static int load_citizen(store *st, int i, store_citizen *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    int rc = demo_nin(i, out->nin);
    if (rc != KN_OK)
        return kn_err_set(err, rc, "no synthetic person number for demo citizen %d", i);
    kn_strcpy(out->municipality, sizeof out->municipality, i % 4 == 3 ? MUNI_B : MUNI_A);
    kn_strcpy(out->given_name, sizeof out->given_name, given_names[i % 10]);
    kn_strcpy(out->family_name, sizeof out->family_name, family_names[(i * 3 + i / 10) % 10]);
    snprintf(out->address, sizeof out->address, "Storgata %d, %s", 1 + i * 2,
             i % 4 == 3 ? "6800 Fjordvik" : "4760 Knutby");
    snprintf(out->phone, sizeof out->phone, "+47 9%07d", 1000000 + i * 1234);
    store_audit audit;
    audit_event_init(&audit, NULL, "citizen.create", out->municipality, "citizen", NULL, NULL, "ok");
    return st->ops->citizen_create(st, out, &audit, err);
}

static int load_device(store *st, const struct demo_device *row, const store_citizen *citizens,
                       kn_err *err)
{
    store_device d;
    memset(&d, 0, sizeof d);
    const store_citizen *c = row->citizen >= 0 ? &citizens[row->citizen] : NULL;
    kn_strcpy(d.municipality, sizeof d.municipality, c ? c->municipality : MUNI_A);
    kn_strcpy(d.citizen_id, sizeof d.citizen_id, c ? c->id : "");
    kn_strcpy(d.type, sizeof d.type, row->type);
    kn_strcpy(d.serial, sizeof d.serial, row->serial);
    kn_strcpy(d.supplier_orgnr, sizeof d.supplier_orgnr, SUPPLIER);
    return st->ops->device_create(st, &d, err);
}

#define DEMO_CITIZENS 20

static int load_people_and_devices(store *st, demo_report *out, kn_err *err)
{
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < NUSERS; i++, out->users++)
        rc = load_user(st, &demo_user_rows[i], err);
    store_citizen citizens[DEMO_CITIZENS];
    for (int i = 0; rc == KN_OK && i < DEMO_CITIZENS; i++, out->citizens++)
        rc = load_citizen(st, i, &citizens[i], err);
    size_t ndevices = sizeof demo_device_rows / sizeof demo_device_rows[0];
    for (size_t i = 0; rc == KN_OK && i < ndevices; i++, out->devices++)
        rc = load_device(st, &demo_device_rows[i], citizens, err);
    if (rc == KN_OK)
        rc = demo_gain_load(st, citizens, DEMO_CITIZENS, err);
    if (rc == KN_OK)
        rc = demo_resp_load(st, citizens, DEMO_CITIZENS, err);
    return rc;
}

int demo_load(store *st, int production, demo_report *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    if (production)
        return kn_err_set(err, KN_EFORBIDDEN, "demo data is refused when environment = production");
    store_org existing;
    int rc = st->ops->org_get(st, MUNI_A, &existing, err);
    if (rc == KN_OK) {
        out->already_loaded = 1;
        return KN_OK;
    }
    if (rc != KN_ENOTFOUND)
        return rc;
    kn_err_clear(err);
    size_t norgs = sizeof demo_orgs / sizeof demo_orgs[0];
    for (size_t i = 0; i < norgs; i++, out->organisations++)
        if ((rc = org_save(st, &demo_orgs[i], err)) != KN_OK)
            return rc;
    return load_people_and_devices(st, out, err);
}
