/* nid.c - check digits and dates of Norwegian organisation and person numbers
 * (see nid.h). Weights and century rules follow Skatteetaten's published
 * description of the fødselsnummer and Brønnøysund's of the orgnr; the
 * environment policy, FH-numbers and HER-ids are at the end.
 */
#include "nid.h"

#include <stddef.h>
#include <string.h>

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[n] == '\0';
}

/* Mod-11 check digit over n digits with the given weights; -1 when it would be 10. */
static int mod11(const char *digits, const int *weights, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (digits[i] - '0') * weights[i];
    int check = 11 - sum % 11;
    if (check == 11)
        return 0;
    return check == 10 ? -1 : check;
}

int nid_orgnr_check(const char *orgnr, kn_err *err)
{
    static const int weights[8] = {3, 2, 7, 6, 5, 4, 3, 2};
    if (!orgnr || strlen(orgnr) != 9 || !all_digits(orgnr, 9))
        return kn_err_set(err, KN_EINVAL, "organisation number must be 9 digits");
    int check = mod11(orgnr, weights, 8);
    if (check < 0 || check != orgnr[8] - '0')
        return kn_err_set(err, KN_EINVAL, "organisation number has a wrong check digit");
    return KN_OK;
}

static const int k1_weights[9] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
static const int k2_weights[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};

int nid_person_complete(const char first9[10], char out[12])
{
    if (strlen(first9) != 9 || !all_digits(first9, 9))
        return KN_EINVAL;
    memcpy(out, first9, 9);
    int k1 = mod11(out, k1_weights, 9);
    if (k1 < 0)
        return KN_EINVAL;
    out[9] = (char)('0' + k1);
    int k2 = mod11(out, k2_weights, 10);
    if (k2 < 0)
        return KN_EINVAL;
    out[10] = (char)('0' + k2);
    out[11] = '\0';
    return KN_OK;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Full year from the two-digit year and the individual number; -1 if none. */
static int person_year(int yy, int individual)
{
    if (individual <= 499)
        return 1900 + yy;
    if (individual <= 749 && yy >= 54)
        return 1800 + yy;
    if (yy <= 39)
        return 2000 + yy;
    if (individual >= 900)
        return 1900 + yy;
    return -1;
}

int nid_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* Strip the D-number day offset and the H/synthetic month offsets. */
static int person_kind(int *day, int *month)
{
    int kind = NID_FNR;
    if (*day > 40) {
        *day -= 40;
        kind = NID_DNR;
    }
    if (*month > 80) {
        *month -= 80;
        kind = NID_SYNTHETIC;
    } else if (*month > 40) {
        *month -= 40;
        kind = NID_HNR;
    }
    return kind;
}

int nid_person_check(const char *nin, int *kind, kn_err *err)
{
    if (!nin || strlen(nin) != 11 || !all_digits(nin, 11))
        return kn_err_set(err, KN_EINVAL, "person number must be 11 digits");
    char expect[12];
    char first9[10];
    memcpy(first9, nin, 9);
    first9[9] = '\0';
    if (nid_person_complete(first9, expect) != KN_OK || memcmp(expect, nin, 11) != 0)
        return kn_err_set(err, KN_EINVAL, "person number has wrong check digits");
    int day = two(nin), month = two(nin + 2);
    int k = person_kind(&day, &month);
    int year = person_year(two(nin + 4), (nin[6] - '0') * 100 + two(nin + 7));
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > nid_days_in_month(year, month))
        return kn_err_set(err, KN_EINVAL, "person number does not hold a valid date of birth");
    if (kind)
        *kind = k;
    return KN_OK;
}

int nid_person_allowed(const char *nin, int env, int *kind, kn_err *err)
{
    int k = 0;
    int rc = nid_person_check(nin, &k, err);
    if (rc != KN_OK)
        return rc;
    if (env == 0)
        env = NID_ENV_TEST;
    if (env != NID_ENV_PRODUCTION && env != NID_ENV_TEST)
        return kn_err_set(err, KN_EINVAL, "unknown environment %d for person numbers", env);
    if (env == NID_ENV_PRODUCTION && k == NID_SYNTHETIC)
        return kn_err_set(err, KN_EINVAL, "synthetic test numbers are not accepted in production");
    if (env == NID_ENV_TEST && k != NID_SYNTHETIC && k != NID_HNR)
        return kn_err_set(err, KN_EINVAL,
                          "real person numbers are not accepted in a test environment");
    if (kind)
        *kind = k;
    return KN_OK;
}

/* FH-nummer (felles hjelpenummer), the help number Norsk helsenett's Personregister
 * assigns to patients without a known fødselsnummer or D-nummer. The rule is
 * in Direktoratet for e-helse's standard "Identifikatorer for personer"
 * (HIS 1001:2010, updated as ehelse.no/standardisering/standarder/
 * identifikatorer-for-personer) and on nhn.no ("Hva er felles hjelpenummer"):
 * eleven digits "med to kontrollsiffer, som i ordinære fødselsnummer, men med
 * første siffer 8 eller 9"; digits 2-9 are random and carry no date, so no
 * date is checked. The check digits are K1/K2 with the fødselsnummer weights
 * (3 7 6 1 8 9 4 5 2 / 5 4 3 2 7 6 5 4 3 2), a remainder giving 10 meaning no
 * valid number. FHI's Fhi.NINCheck and other public validators implement the
 * same rule (a nine-digit prefix 800000000-999999999 plus K1/K2). Note: before
 * 2010 some systems made internal H-numbers by setting the first digit to 8 or
 * 9; such a number with valid check digits cannot be told apart from an FHN. */
int nid_fhn_check(const char *fhn, kn_err *err)
{
    if (!fhn || strlen(fhn) != 11 || !all_digits(fhn, 11))
        return kn_err_set(err, KN_EINVAL, "FH-number must be 11 digits");
    if (fhn[0] != '8' && fhn[0] != '9')
        return kn_err_set(err, KN_EINVAL, "FH-number must start with 8 or 9");
    char first9[10], expect[12];
    memcpy(first9, fhn, 9);
    first9[9] = '\0';
    if (nid_person_complete(first9, expect) != KN_OK || memcmp(expect, fhn, 11) != 0)
        return kn_err_set(err, KN_EINVAL, "FH-number has wrong check digits");
    return KN_OK;
}

/* HER-id: the id NHN's Adresseregister gives each communication party, a
 * positive integer with no check digit. */
int nid_herid_check(const char *herid, kn_err *err)
{
    size_t n = herid ? strlen(herid) : 0;
    if (n < 1 || n > 9 || !all_digits(herid, n))
        return kn_err_set(err, KN_EINVAL, "HER-id must be 1-9 digits");
    if (herid[0] == '0')
        return kn_err_set(err, KN_EINVAL, "HER-id must be a positive number without leading zeros");
    return KN_OK;
}
