/* vkp_ident.c - Norwegian identifiers wherever they occur in a VKP instance:
 * an Identifier (or Reference.identifier) whose system is the OID of
 * fødselsnummer, D-nummer, felles hjelpenummer, HER-id or organisation
 * number gets its value checked with nid_* (check digits, a real date of
 * birth) and the person numbers against the deployment's environment
 * (production rejects synthetic test-register numbers, test rejects real
 * ones). Person numbers report VKP 2.1 (ugyldig personidentifikator), HER-id
 * and organisation numbers 2.2 (ugyldig systemidentifikator), always at the
 * identifier's .value. The OIDs are those of hl7.no's no-basis profiles and
 * of the VKP profiles' slices (docs/vkp-conformance.md#identifiers).
 */
#include "vkp_rules.h"

#include <string.h>

#include "../nid/nid.h"
#include "vkp_int.h"

#define OID_PREFIX "urn:oid:2.16.578.1.12.4.1."

enum ident_kind { ID_NONE, ID_FNR, ID_DNR, ID_FHN, ID_HERID, ID_ORGNR };

static enum ident_kind kind_of(const char *system)
{
    if (!system || strncmp(system, OID_PREFIX, sizeof OID_PREFIX - 1) != 0)
        return ID_NONE;
    const char *rest = system + sizeof OID_PREFIX - 1;
    if (strcmp(rest, "4.1") == 0)
        return ID_FNR;
    if (strcmp(rest, "4.2") == 0)
        return ID_DNR;
    if (strcmp(rest, "4.3") == 0)
        return ID_FHN;
    if (strcmp(rest, "2") == 0)
        return ID_HERID;
    if (strcmp(rest, "4.101") == 0)
        return ID_ORGNR;
    return ID_NONE;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[n] == '\0';
}

/* Why an 11-digit person number fails, in Norwegian. */
static const char *person_reason(const char *v)
{
    if (strlen(v) != 11 || !all_digits(v, 11))
        return "må være 11 siffer";
    char first9[10], full[12];
    memcpy(first9, v, 9);
    first9[9] = '\0';
    if (nid_person_complete(first9, full) != KN_OK || memcmp(full, v, 11) != 0)
        return "har feil kontrollsiffer";
    return "har ikke en gyldig fødselsdato";
}

static void bad_person(vkp_ctx *ctx, fhir_path *path, const char *what, const char *reason)
{
    vkp_issue(ctx, path, FHIR_SEV_ERROR, "value", VKP_OO_INVALID_PERSON, "%s %s", what, reason);
}

/* Fødselsnummer or D-nummer: check digits and date, the right kind for the
 * system (day + 40 makes a D-nummer), then the environment policy. */
static void check_person(vkp_ctx *ctx, const char *v, enum ident_kind k, fhir_path *path)
{
    const char *what = k == ID_FNR ? "Fødselsnummeret" : "D-nummeret";
    int kind = 0;
    if (nid_person_check(v, &kind, NULL) != KN_OK) {
        bad_person(ctx, path, what, person_reason(v));
        return;
    }
    int dnr = v[0] >= '4';
    if (kind == NID_HNR) {
        bad_person(ctx, path, what,
                   "er et H-nummer (måned + 40), som ikke hører hjemme i dette systemet");
        return;
    }
    if (k == ID_FNR && dnr) {
        bad_person(ctx, path, what, "er et D-nummer (dag + 40); bruk systemet for D-nummer");
        return;
    }
    if (k == ID_DNR && !dnr) {
        bad_person(ctx, path, what, "er ikke et D-nummer (dagen er ikke økt med 40)");
        return;
    }
    if (nid_person_allowed(v, ctx->environment, NULL, NULL) != KN_OK)
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "business-rule", VKP_OO_INVALID_PERSON,
                  kind == NID_SYNTHETIC
                      ? "%s er et syntetisk testnummer, som ikke godtas i produksjon"
                      : "%s er et ekte personnummer, som ikke godtas i testmiljøet",
                  what);
}

/* Felles hjelpenummer; the H-numbers (month + 40) of the same register
 * family are accepted under this system too (#identifiers). */
static void check_fhn(vkp_ctx *ctx, const char *v, fhir_path *path)
{
    int kind = 0;
    if (nid_fhn_check(v, NULL) == KN_OK)
        return;
    if (nid_person_check(v, &kind, NULL) == KN_OK && kind == NID_HNR)
        return;
    bad_person(ctx, path, "Hjelpenummeret",
               strlen(v) != 11 || !all_digits(v, 11)
                   ? "må være 11 siffer"
                   : "er verken et gyldig FH-nummer (første siffer 8 eller 9, "
                     "to kontrollsiffer) eller et H-nummer");
}

void vkp_ident_check(vkp_ctx *ctx, const fj_node *ident, fhir_path *path)
{
    enum ident_kind k = kind_of(fj_get_str(ident, "system"));
    const char *v = fj_get_str(ident, "value");
    if (k == ID_NONE || !v)
        return;
    fhir_path_push(path, "value");
    switch (k) {
    case ID_FNR:
    case ID_DNR:
        check_person(ctx, v, k, path);
        break;
    case ID_FHN:
        check_fhn(ctx, v, path);
        break;
    case ID_HERID:
        if (nid_herid_check(v, NULL) != KN_OK)
            vkp_issue(ctx, path, FHIR_SEV_ERROR, "value", VKP_OO_INVALID_SYSTEM,
                      "HER-id skal være et positivt heltall på 1-9 siffer uten ledende null");
        break;
    case ID_ORGNR:
        if (nid_orgnr_check(v, NULL) != KN_OK)
            vkp_issue(ctx, path, FHIR_SEV_ERROR, "value", VKP_OO_INVALID_SYSTEM,
                      "Organisasjonsnummeret skal ha 9 siffer med riktig kontrollsiffer");
        break;
    default:
        break;
    }
    fhir_path_pop(path);
}
