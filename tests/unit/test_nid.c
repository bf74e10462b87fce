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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orgnr_known_numbers),  cmocka_unit_test(test_orgnr_every_check_digit),
        cmocka_unit_test(test_person_known_numbers), cmocka_unit_test(test_person_kinds),
        cmocka_unit_test(test_person_dates),         cmocka_unit_test(test_person_complete_rejects_k10),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
