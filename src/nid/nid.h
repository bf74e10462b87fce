/* nid.h - Norwegian identifiers: organisation numbers and national identity
 * numbers (fødselsnummer, D-nummer, and the synthetic numbers of the national
 * test registers, where 40 or 80 is added to the month).
 *
 * Pure functions, no I/O, thread-safe. The FHIR validator (fhir_*) builds its
 * identifier rules on these.
 */
#ifndef KN_NID_H
#define KN_NID_H

#include "../core/core_err.h"

/* Kinds of 11-digit person numbers. */
enum nid_person_kind {
    NID_FNR = 1,        /* fødselsnummer */
    NID_DNR,            /* D-nummer: first digit + 4 */
    NID_HNR,            /* H-nummer: month + 40 (help numbers) */
    NID_SYNTHETIC       /* test-register numbers: month + 80 (Skatteetaten's synthetic) */
};

/* Validate a 9-digit organisation number (weights 3 2 7 6 5 4 3 2, mod 11).
 * KN_OK or KN_EINVAL with the reason. */
int nid_orgnr_check(const char *orgnr, kn_err *err);

/* Validate an 11-digit person number: digits only, both mod-11 check digits,
 * a real calendar date (century from the individual number). On KN_OK *kind
 * tells what it is. KN_EINVAL with the reason otherwise. */
int nid_person_check(const char *nin, int *kind, kn_err *err);

/* Compute the two check digits for the first nine digits; KN_EINVAL when the
 * first check digit would be 10 (no valid number with these nine digits).
 * out receives the full 11-digit number + NUL. */
int nid_person_complete(const char first9[10], char out[12]);

/* Which person numbers a deployment accepts (setting `environment`):
 * production rejects synthetic test-register numbers; test rejects real ones
 * (only synthetic and H-numbers are allowed there). */
enum nid_env { NID_ENV_PRODUCTION = 1, NID_ENV_TEST };

/* nid_person_check() plus the environment policy above. env 0 counts as
 * NID_ENV_TEST (the safe default: no real numbers); another unknown value is
 * KN_EINVAL. KN_OK or KN_EINVAL with the reason (English); *kind as for
 * nid_person_check (may be NULL), filled on KN_OK only. */
int nid_person_allowed(const char *nin, int env, int *kind, kn_err *err);

/* Validate an FH-nummer (felles hjelpenummer from the national register of
 * help numbers): 11 digits, first digit 8 or 9, and the two mod-11 check
 * digits of the fødselsnummer (K1, K2); no date (see nid.c for the source).
 * KN_OK or KN_EINVAL with the reason. */
int nid_fhn_check(const char *fhn, kn_err *err);

/* Validate a HER-id (Adresseregisteret's communication-party id): 1-9 digits,
 * positive, no leading zero. KN_OK or KN_EINVAL with the reason. */
int nid_herid_check(const char *herid, kn_err *err);

/* Days in `month` (1-12) of `year` in the Gregorian calendar (leap years by
 * the 4/100/400 rule). Shared by the date checks here and in fhir_prim. */
int nid_days_in_month(int year, int month);

#endif
