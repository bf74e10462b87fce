/* test_nid.c - organisation and person number checks (nid.h). Expected
 * check digits are computed here from the published weights, independently
 * of nid.c, and known published numbers are used where they exist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nid/nid.h"

#include <stdio.h>
#include <string.h>

static int reference_check(const char *digits, const int *weights, int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++)
        sum += (digits[i] - '0') * weights[i];
    int k = 11 - sum % 11;
    return k == 11 ? 0 : k;
}

static void test_orgnr_known_numbers(void **state)
{
    (void)state;
    /* Published organisation numbers: Brønnøysundregistrene and NAV. */
    assert_int_equal(nid_orgnr_check("974760673", NULL), KN_OK);
    assert_int_equal(nid_orgnr_check("889640782", NULL), KN_OK);
    kn_err err;
    assert_int_equal(nid_orgnr_check("974760674", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "check digit"));
    assert_int_equal(nid_orgnr_check("97476067", &err), KN_EINVAL);
    assert_int_equal(nid_orgnr_check("97476067a", &err), KN_EINVAL);
    assert_int_equal(nid_orgnr_check("9747606730", &err), KN_EINVAL);
    assert_int_equal(nid_orgnr_check(NULL, &err), KN_EINVAL);
}

static void test_orgnr_every_check_digit(void **state)
{
    (void)state;
    static const int w[8] = {3, 2, 7, 6, 5, 4, 3, 2};
    int valid = 0;
    for (int base = 93900000; base < 93900200; base++) {
        char num[10];
        snprintf(num, sizeof num, "%d0", base);
        int k = reference_check(num, w, 8);
        for (int d = 0; d <= 9; d++) {
            num[8] = (char)('0' + d);
            int expect = (k != 10 && d == k) ? KN_OK : KN_EINVAL;
            assert_int_equal(nid_orgnr_check(num, NULL), expect);
            valid += expect == KN_OK;
        }
    }
    assert_true(valid > 150 && valid < 200); /* about 10 in 11 bases have a digit */
}

static void test_person_known_numbers(void **state)
{
    (void)state;
    int kind = 0;
    /* Skatteetaten's example fødselsnummer and a D-number derived from it. */
    assert_int_equal(nid_person_check("01010750160", &kind, NULL), KN_OK);
    assert_int_equal(kind, NID_FNR);
    kn_err err;
    assert_int_equal(nid_person_check("01010750161", &kind, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "check"));
    assert_int_equal(nid_person_check("0101075016", &kind, &err), KN_EINVAL);
    assert_int_equal(nid_person_check("0101075016x", &kind, &err), KN_EINVAL);
}

static void complete_and_check(const char *first9, int expect_kind)
{
    char full[12];
    assert_int_equal(nid_person_complete(first9, full), KN_OK);
    static const int w1[9] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
    static const int w2[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    assert_int_equal(full[9] - '0', reference_check(full, w1, 9));
    assert_int_equal(full[10] - '0', reference_check(full, w2, 10));
    int kind = 0;
    assert_int_equal(nid_person_check(full, &kind, NULL), KN_OK);
    assert_int_equal(kind, expect_kind);
}

static void test_person_kinds(void **state)
{
    (void)state;
    complete_and_check("150378123", NID_FNR);        /* 15 Mar 1978 */
    complete_and_check("550378123", NID_DNR);        /* D-number: day + 40 */
    complete_and_check("154378123", NID_HNR);        /* month + 40 */
    complete_and_check("158378123", NID_SYNTHETIC);  /* month + 80 (test register) */
    complete_and_check("558378124", NID_SYNTHETIC);  /* synthetic D-number */
}

static void test_person_dates(void **state)
{
    (void)state;
    char full[12];
    kn_err err;
    /* 29 Feb 2000 exists (individual 500-999, yy 00-39 -> 2000s); 29 Feb 1900 does not. */
    if (nid_person_complete("290200512", full) == KN_OK)
        assert_int_equal(nid_person_check(full, NULL, NULL), KN_OK);
    if (nid_person_complete("290200123", full) == KN_OK) {
        assert_int_equal(nid_person_check(full, NULL, &err), KN_EINVAL);
        assert_non_null(strstr(err.msg, "date"));
    }
    /* Month 13 and day 32 are never dates. */
    const char *bad[] = {"011378123", "321078123", "000178123", "311178123"};
    for (size_t i = 0; i < 4; i++) {
        for (int ind = 0; ind < 30; ind++) {
            char first9[10];
            snprintf(first9, sizeof first9, "%.6s%03d", bad[i], 100 + ind);
            if (nid_person_complete(first9, full) == KN_OK)
                assert_int_equal(nid_person_check(full, NULL, NULL), KN_EINVAL);
        }
    }
}

static void test_person_complete_rejects_k10(void **state)
{
    (void)state;
    int rejected = 0;
    for (int ind = 0; ind < 100; ind++) {
        char first9[10], full[12];
        snprintf(first9, sizeof first9, "150378%03d", ind);
        rejected += nid_person_complete(first9, full) != KN_OK;
    }
    assert_true(rejected > 0 && rejected < 40);
}

/* A valid 11-digit number from nine digits, by the reference weights; 0 when
 * a check digit would be 10. */
static int reference_complete(const char *first9, char out[12])
{
    static const int w1[9] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
    static const int w2[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    memcpy(out, first9, 9);
    int k1 = reference_check(out, w1, 9);
    if (k1 == 10)
        return 0;
    out[9] = (char)('0' + k1);
    int k2 = reference_check(out, w2, 10);
    if (k2 == 10)
        return 0;
    out[10] = (char)('0' + k2);
    out[11] = '\0';
    return 1;
}

static void expect_allowed(const char *first9, int env, int expect_rc, const char *why)
{
    char nin[12];
    assert_true(reference_complete(first9, nin));
    int kind = -1;
    kn_err err = {0};
    assert_int_equal(nid_person_allowed(nin, env, &kind, &err), expect_rc);
    if (expect_rc == KN_OK)
        assert_int_not_equal(kind, -1);
    else
        assert_int_equal(kind, -1); /* untouched on failure */
    if (why)
        assert_non_null(strstr(err.msg, why));
}

static void test_person_allowed(void **state)
{
    (void)state;
    /* fødselsnummer, D-number, H-number, synthetic (month + 80) */
    expect_allowed("150378123", NID_ENV_PRODUCTION, KN_OK, NULL);
    expect_allowed("550378123", NID_ENV_PRODUCTION, KN_OK, NULL);
    expect_allowed("154378123", NID_ENV_PRODUCTION, KN_OK, NULL);
    expect_allowed("158378123", NID_ENV_PRODUCTION, KN_EINVAL, "not accepted in production");
    expect_allowed("150378123", NID_ENV_TEST, KN_EINVAL, "real person numbers");
    expect_allowed("550378123", NID_ENV_TEST, KN_EINVAL, "real person numbers");
    expect_allowed("154378123", NID_ENV_TEST, KN_OK, NULL);
    expect_allowed("158378123", NID_ENV_TEST, KN_OK, NULL);
    /* 0 is the test policy; other values are refused */
    expect_allowed("150378123", 0, KN_EINVAL, "real person numbers");
    expect_allowed("158378123", 0, KN_OK, NULL);
    expect_allowed("158378123", 7, KN_EINVAL, "unknown environment");
    /* the number itself is checked first, in either environment */
    kn_err err;
    int kind = -1;
    assert_int_equal(nid_person_allowed("01010750161", NID_ENV_PRODUCTION, &kind, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "check digits"));
    assert_int_equal(nid_person_allowed(NULL, NID_ENV_TEST, NULL, &err), KN_EINVAL);
    assert_int_equal(kind, -1);
    assert_int_equal(nid_person_allowed("01010750160", NID_ENV_PRODUCTION, NULL, NULL), KN_OK);
}

static void test_fhn(void **state)
{
    (void)state;
    /* Generated FH-numbers from FHI's public Fhi.NINCheck test data. */
    assert_int_equal(nid_fhn_check("81212121223", NULL), KN_OK);
    assert_int_equal(nid_fhn_check("94545456561", NULL), KN_OK);
    int valid = 0;
    for (long base = 800000000; base <= 999999999; base += 1234567) {
        char first9[10], fhn[12];
        snprintf(first9, sizeof first9, "%09ld", base);
        if (!reference_complete(first9, fhn)) {
            /* no valid number: every last-two-digit choice is refused */
            for (int k = 0; k < 100; k++) {
                snprintf(fhn, sizeof fhn, "%s%02d", first9, k);
                assert_int_equal(nid_fhn_check(fhn, NULL), KN_EINVAL);
            }
            continue;
        }
        assert_int_equal(nid_fhn_check(fhn, NULL), KN_OK);
        valid++;
        for (int d = 1; d <= 9; d++) { /* any other check digit is wrong */
            char bad[12];
            memcpy(bad, fhn, 12);
            bad[10] = (char)('0' + (fhn[10] - '0' + d) % 10);
            kn_err err;
            assert_int_equal(nid_fhn_check(bad, &err), KN_EINVAL);
            assert_non_null(strstr(err.msg, "check digits"));
            memcpy(bad, fhn, 12);
            bad[9] = (char)('0' + (fhn[9] - '0' + d) % 10);
            assert_int_equal(nid_fhn_check(bad, NULL), KN_EINVAL);
        }
    }
    assert_true(valid > 100);
    /* A fødselsnummer with valid check digits is not an FH-number. */
    kn_err err;
    assert_int_equal(nid_fhn_check("01010750160", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "8 or 9"));
    char d7[12];
    assert_true(reference_complete("712121212", d7) || reference_complete("712121213", d7));
    assert_int_equal(nid_fhn_check(d7, NULL), KN_EINVAL);
    assert_int_equal(nid_fhn_check("8121212122", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "11 digits"));
    assert_int_equal(nid_fhn_check("812121212233", NULL), KN_EINVAL);
    assert_int_equal(nid_fhn_check("8121212122x", NULL), KN_EINVAL);
    assert_int_equal(nid_fhn_check(" 81212121223", NULL), KN_EINVAL);
    assert_int_equal(nid_fhn_check(NULL, NULL), KN_EINVAL);
    /* No date rule: the digits after the first are random. */
    char nodate[12];
    assert_true(reference_complete("899999999", nodate) || reference_complete("899999998", nodate));
    assert_int_equal(nid_fhn_check(nodate, NULL), KN_OK);
    assert_int_equal(nid_person_check(nodate, NULL, NULL), KN_EINVAL);
}

static void test_herid(void **state)
{
    (void)state;
    static const char *good[] = {"1", "42", "8094978", "123456789"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(nid_herid_check(good[i], NULL), KN_OK);
    static const char *bad[] = {"", "0", "0123", "1234567890", "12a", "-1", "+1", " 1", "1 "};
    kn_err err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(nid_herid_check(bad[i], &err), KN_EINVAL);
    assert_int_equal(nid_herid_check("0123", &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "leading zero"));
    assert_int_equal(nid_herid_check(NULL, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "1-9 digits"));
}

static void test_days_in_month(void **state)
{
    (void)state;
    assert_int_equal(nid_days_in_month(2024, 2), 29);
    assert_int_equal(nid_days_in_month(2023, 2), 28);
    assert_int_equal(nid_days_in_month(1900, 2), 28);
    assert_int_equal(nid_days_in_month(2000, 2), 29);
    assert_int_equal(nid_days_in_month(2023, 4), 30);
    assert_int_equal(nid_days_in_month(2023, 12), 31);
    int total = 0;
    for (int m = 1; m <= 12; m++)
        total += nid_days_in_month(2023, m);
    assert_int_equal(total, 365);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orgnr_known_numbers),  cmocka_unit_test(test_orgnr_every_check_digit),
        cmocka_unit_test(test_person_known_numbers), cmocka_unit_test(test_person_kinds),
        cmocka_unit_test(test_person_dates),         cmocka_unit_test(test_person_complete_rejects_k10),
        cmocka_unit_test(test_person_allowed),       cmocka_unit_test(test_fhn),
        cmocka_unit_test(test_herid),                cmocka_unit_test(test_days_in_month),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
