/* test_fhir_prim.c - the FHIR R4 primitive types (fhir_prim.h): a table of
 * valid and invalid lexical forms per type (calendar dates and leap days,
 * timezone rules, instant, 32-bit ranges, base64 padding, ...), the JSON kind
 * each type needs, and the type names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fhir/fhir_prim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct prim_case {
    fhir_prim prim;
    const char *text;
    int valid;
    const char *reason;         /* substring of err.msg when invalid, or NULL */
} prim_case;

#define OK(p, t) {FHIR_PRIM_##p, t, 1, NULL}
#define BAD(p, t, why) {FHIR_PRIM_##p, t, 0, why}

static const prim_case cases[] = {
    OK(BOOLEAN, "true"), OK(BOOLEAN, "false"),
    BAD(BOOLEAN, "True", "true eller false"), BAD(BOOLEAN, "1", NULL), BAD(BOOLEAN, "", NULL),

    OK(INTEGER, "0"), OK(INTEGER, "-1"), OK(INTEGER, "+7"), OK(INTEGER, "2147483647"),
    OK(INTEGER, "-2147483648"),
    BAD(INTEGER, "2147483648", "for stort"), BAD(INTEGER, "-2147483649", "for lite"),
    BAD(INTEGER, "99999999999999999999999", "for stort"),
    BAD(INTEGER, "-0", "ledende null"), BAD(INTEGER, "01", "ledende null"),
    BAD(INTEGER, "1.0", "uten desimaler"), BAD(INTEGER, "1e3", NULL), BAD(INTEGER, "", NULL),
    BAD(INTEGER, "-", NULL), BAD(INTEGER, " 1", NULL),

    OK(UNSIGNEDINT, "0"), OK(UNSIGNEDINT, "2147483647"),
    BAD(UNSIGNEDINT, "2147483648", "for stort"), BAD(UNSIGNEDINT, "-1", "fortegn"),
    BAD(UNSIGNEDINT, "+1", "fortegn"), BAD(UNSIGNEDINT, "00", NULL),

    OK(POSITIVEINT, "1"), OK(POSITIVEINT, "+1"), OK(POSITIVEINT, "2147483647"),
    BAD(POSITIVEINT, "0", "minst 1"), BAD(POSITIVEINT, "-5", "minst 1"),
    BAD(POSITIVEINT, "2147483648", "for stort"),

    OK(DECIMAL, "0"), OK(DECIMAL, "-0"), OK(DECIMAL, "0.0"), OK(DECIMAL, "1.50"),
    OK(DECIMAL, "-12.345e-10"), OK(DECIMAL, "1E+2"), OK(DECIMAL, "1e2"),
    OK(DECIMAL, "123456789012345678901234567890.5"),
    BAD(DECIMAL, "01", "ledende null"), BAD(DECIMAL, "-01.5", "ledende null"),
    BAD(DECIMAL, "1.", "desimalpunktet"), BAD(DECIMAL, ".5", NULL), BAD(DECIMAL, "+1", NULL),
    BAD(DECIMAL, "1e", "eksponent"), BAD(DECIMAL, "1e+", "eksponent"), BAD(DECIMAL, "1,5", NULL),
    BAD(DECIMAL, "NaN", NULL), BAD(DECIMAL, "", NULL), BAD(DECIMAL, "-", NULL),

    OK(STRING, "a"), OK(STRING, " leading and trailing "), OK(STRING, "line\nbreak\ttab"),
    OK(STRING, "\xC3\xA6\xC3\xB8\xC3\xA5"), OK(MARKDOWN, "# Overskrift\n\n*tekst*"),
    BAD(STRING, "", "tom"), BAD(STRING, "   ", "blanke"), BAD(STRING, " \t\r\n", "blanke"),
    BAD(STRING, "\xC3", "UTF-8"), BAD(MARKDOWN, "\n", "blanke"),

    OK(CODE, "final"), OK(CODE, "a b c"), OK(CODE, "8867-4"), OK(CODE, "\xC3\xA6"),
    BAD(CODE, " final", "starte eller slutte"), BAD(CODE, "final ", "starte eller slutte"),
    BAD(CODE, "a  b", "enkle mellomrom"), BAD(CODE, "a\tb", "enkle mellomrom"),
    BAD(CODE, "a\nb", "enkle mellomrom"), BAD(CODE, "", "tom"), BAD(CODE, " ", NULL),

    OK(ID, "a"), OK(ID, "Patient-1.v2"), OK(ID, "0123456789012345678901234567890123456789012345678901234567890123"),
    BAD(ID, "01234567890123456789012345678901234567890123456789012345678901234", "1-64"),
    BAD(ID, "", "1-64"), BAD(ID, "a_b", "A-Z"), BAD(ID, "a b", NULL), BAD(ID, "\xC3\xA6", NULL),

    OK(URI, "urn:uuid:0c3f2a4e-1111-4a2b-9c3d-123456789abc"), OK(URI, "Patient/123"),
    OK(URI, "#p1"), OK(URL, "https://example.org/fhir"), OK(URL, "mailto:a@b.no"),
    OK(CANONICAL, "http://hl7.no/fhir/StructureDefinition/no-basis-Patient|2.0.0"),
    BAD(URI, "", "tom"), BAD(URI, "http://a b", "blanke"), BAD(URL, "http://a\tb", "blanke"),
    BAD(CANONICAL, " http://a", "blanke"),

    OK(OID, "urn:oid:2.16.578.1.12.4.1.4.1"), OK(OID, "urn:oid:0.0"), OK(OID, "urn:oid:1.10.0"),
    BAD(OID, "2.16.578", "urn:oid:"), BAD(OID, "urn:oid:3.1", NULL), BAD(OID, "urn:oid:2", NULL),
    BAD(OID, "urn:oid:2.", NULL), BAD(OID, "urn:oid:2.016", "ledende"),
    BAD(OID, "urn:oid:2..1", NULL), BAD(OID, "urn:oid:12.1", NULL), BAD(OID, "urn:oid:2.1a", NULL),

    OK(UUID, "urn:uuid:0c3f2a4e-1111-4a2b-9c3d-123456789abc"),
    BAD(UUID, "urn:uuid:0C3F2A4E-1111-4A2B-9C3D-123456789ABC", "små"),
    BAD(UUID, "0c3f2a4e-1111-4a2b-9c3d-123456789abc", "urn:uuid:"),
    BAD(UUID, "urn:uuid:0c3f2a4e-1111-4a2b-9c3d-123456789ab", NULL),
    BAD(UUID, "urn:uuid:0c3f2a4e11114a2b-9c3d-123456789abcd", NULL),
    BAD(UUID, "urn:uuid:0c3f2a4g-1111-4a2b-9c3d-123456789abc", NULL),

    OK(BASE64BINARY, "TWFu"), OK(BASE64BINARY, "TWE="), OK(BASE64BINARY, "TQ=="),
    OK(BASE64BINARY, "ab+/cd09"),
    BAD(BASE64BINARY, "", "tom"), BAD(BASE64BINARY, "TWF", "delelig med 4"),
    BAD(BASE64BINARY, "TQ=", "delelig med 4"), BAD(BASE64BINARY, "T===", "utfylling"),
    BAD(BASE64BINARY, "====", "utfylling"), BAD(BASE64BINARY, "TW=u", "utfylling"),
    BAD(BASE64BINARY, "TWFu TWFu", "blanke"), BAD(BASE64BINARY, "TWFu\n", "blanke"),
    BAD(BASE64BINARY, "TW-_", "base64-alfabetet"), BAD(BASE64BINARY, "TWFuTQ==TWFu", "utfylling"),

    OK(DATE, "2024"), OK(DATE, "2024-02"), OK(DATE, "2024-02-29"), OK(DATE, "2000-02-29"),
    OK(DATE, "0001-01-01"), OK(DATE, "9999-12-31"),
    BAD(DATE, "2023-02-29", "kalenderen"), BAD(DATE, "1900-02-29", "kalenderen"),
    BAD(DATE, "2024-04-31", "kalenderen"), BAD(DATE, "2024-13", "måned"),
    BAD(DATE, "2024-00", "måned"), BAD(DATE, "2024-01-00", "dag"), BAD(DATE, "2024-01-32", "dag"),
    BAD(DATE, "0000", "0001-9999"), BAD(DATE, "24", "0001-9999"), BAD(DATE, "2024-1-01", "måned"),
    BAD(DATE, "2024-01-01T10:00:00Z", "klokkeslett"), BAD(DATE, "2024-", "måned"),
    BAD(DATE, "2024-01-01 ", "etter verdien"), BAD(DATE, "", NULL),

    OK(DATETIME, "2024"), OK(DATETIME, "2024-02"), OK(DATETIME, "2024-02-29"),
    OK(DATETIME, "2024-02-29T23:59:59Z"), OK(DATETIME, "2024-02-29T00:00:00+01:00"),
    OK(DATETIME, "2024-02-29T12:30:00.123456-03:30"), OK(DATETIME, "2024-06-30T23:59:60Z"),
    OK(DATETIME, "2024-01-01T00:00:00+14:00"), OK(DATETIME, "2024-01-01T00:00:00-13:59"),
    BAD(DATETIME, "2024-02-29T10:00:00", "med klokkeslett må ha tidssone (Z eller ±hh:mm)"),
    BAD(DATETIME, "2024-02-29T10:00Z", "sekunder"), BAD(DATETIME, "2024-02-29T10Z", "minutt"),
    BAD(DATETIME, "2024-02-29T24:00:00Z", "time (00-23)"),
    BAD(DATETIME, "2024-02-29T23:60:00Z", "minutt"),
    BAD(DATETIME, "2024-02-29T23:59:61Z", "sekund"),
    BAD(DATETIME, "2024-02-29T10:00:00.Z", "desimalpunktet"),
    BAD(DATETIME, "2024-02-29T10:00:00+1:00", "tidssone"),
    BAD(DATETIME, "2024-02-29T10:00:00+01", "tidssone"),
    BAD(DATETIME, "2024-02-29T10:00:00+0100", "tidssone"),
    BAD(DATETIME, "2024-02-29T10:00:00+14:30", "tidssone"),
    BAD(DATETIME, "2024-02-29T10:00:00+15:00", "tidssone"),
    BAD(DATETIME, "2024-02-29T10:00:00z", "tidssone"),
    BAD(DATETIME, "2024-02-29T10:00:00ZZ", "etter verdien"),
    BAD(DATETIME, "2024-02T10:00:00Z", "full dato"), BAD(DATETIME, "2024T10:00:00Z", "full dato"),
    BAD(DATETIME, "2023-02-29T10:00:00Z", "kalenderen"), BAD(DATETIME, "2024-02-29T", "time"),
    BAD(DATETIME, "2024-02-29 10:00:00Z", "etter verdien"),

    OK(INSTANT, "2024-02-29T10:00:00Z"), OK(INSTANT, "2024-02-29T10:00:00.5+01:00"),
    BAD(INSTANT, "2024-02-29", "klokkeslett med sekunder og tidssone"),
    BAD(INSTANT, "2024-02", "full dato"), BAD(INSTANT, "2024", "full dato"),
    BAD(INSTANT, "2024-02-29T10:00:00", "tidssone"), BAD(INSTANT, "2024-02-29T10:00Z", "sekunder"),
    BAD(INSTANT, "2023-02-29T10:00:00Z", "kalenderen"),

    OK(TIME, "00:00:00"), OK(TIME, "23:59:59"), OK(TIME, "12:00:00.250"),
    BAD(TIME, "24:00:00", "00-23"), BAD(TIME, "12:00", "sekunder"), BAD(TIME, "12:60:00", "minutt"),
    BAD(TIME, "12:00:00Z", "tidssone"), BAD(TIME, "12:00:00+01:00", "tidssone"),
    BAD(TIME, "1:00:00", NULL), BAD(TIME, "", NULL),

    OK(XHTML, "<div xmlns=\"http://www.w3.org/1999/xhtml\">Hei</div>"),
    OK(XHTML, "<div xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"no\"><p>a</p></div>"),
    BAD(XHTML, "<div>Hei</div>", "xmlns"), BAD(XHTML, "<p xmlns=\"http://www.w3.org/1999/xhtml\">a</p>", "div"),
    BAD(XHTML, "Hei", "div"), BAD(XHTML, "", "div"),
    BAD(XHTML, "<divx xmlns=\"http://www.w3.org/1999/xhtml\">a</div>", "div"),
};

static void test_lexical_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const prim_case *c = &cases[i];
        kn_err err = {0};
        int rc = fhir_prim_check_text(c->prim, c->text, strlen(c->text), &err);
        if ((rc == KN_OK) != c->valid)
            fail_msg("%s '%s': expected %s, got %d (%s)", fhir_prim_name(c->prim), c->text,
                     c->valid ? "valid" : "invalid", rc, err.msg);
        if (!c->valid) {
            assert_int_equal(rc, KN_EINVAL);
            /* every reason names the type first */
            assert_memory_equal(err.msg, fhir_prim_name(c->prim), strlen(fhir_prim_name(c->prim)));
            if (c->reason && !strstr(err.msg, c->reason))
                fail_msg("%s '%s': reason '%s' lacks '%s'", fhir_prim_name(c->prim), c->text,
                         err.msg, c->reason);
        }
    }
}

/* Every calendar day of four years (one a leap year, one a century non-leap
 * year) is a valid date, and the day after each month's last is not. */
static void test_calendar(void **state)
{
    (void)state;
    static const int years[] = {2023, 2024, 1900, 2000};
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (size_t y = 0; y < 4; y++) {
        int leap = years[y] == 2024 || years[y] == 2000;
        for (int m = 1; m <= 12; m++) {
            int last = mdays[m - 1] + (m == 2 && leap);
            for (int d = 1; d <= last + 1; d++) {
                char text[32];
                snprintf(text, sizeof text, "%04d-%02d-%02d", years[y], m, d);
                int expect = d <= last ? KN_OK : KN_EINVAL;
                assert_int_equal(fhir_prim_check_text(FHIR_PRIM_DATE, text, 10, NULL), expect);
            }
        }
    }
}

static fj_doc *parse(const char *text)
{
    fj_doc *doc = NULL;
    assert_int_equal(fj_parse(text, strlen(text), &doc, NULL), KN_OK);
    return doc;
}

/* fhir_prim_check: the JSON kind first, then the lexical rule. */
static void test_json_kinds(void **state)
{
    (void)state;
    fj_doc *doc = parse("{\"b\":true,\"bs\":\"true\",\"i\":5,\"is\":\"5\",\"big\":3000000000,"
                        "\"d\":1.50,\"s\":\"x\",\"n\":null,\"dt\":\"2024-02-29T10:00:00\","
                        "\"nul\":\"a\\u0000b\",\"f\":1.5}");
    const fj_node *o = fj_root(doc);
    kn_err err;
    assert_int_equal(fhir_prim_check(FHIR_PRIM_BOOLEAN, fj_get(o, "b"), &err), KN_OK);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_BOOLEAN, fj_get(o, "bs"), &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "JSON true eller false"));
    assert_int_equal(fhir_prim_check(FHIR_PRIM_INTEGER, fj_get(o, "i"), &err), KN_OK);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_POSITIVEINT, fj_get(o, "i"), &err), KN_OK);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_INTEGER, fj_get(o, "is"), &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "JSON-tall"));
    assert_int_equal(fhir_prim_check(FHIR_PRIM_INTEGER, fj_get(o, "big"), &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "for stort"));
    assert_int_equal(fhir_prim_check(FHIR_PRIM_INTEGER, fj_get(o, "f"), &err), KN_EINVAL);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_DECIMAL, fj_get(o, "d"), &err), KN_OK);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_DECIMAL, fj_get(o, "i"), &err), KN_OK);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_STRING, fj_get(o, "s"), &err), KN_OK);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_STRING, fj_get(o, "i"), &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "JSON-streng"));
    assert_int_equal(fhir_prim_check(FHIR_PRIM_CODE, fj_get(o, "n"), &err), KN_EINVAL);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_DATETIME, fj_get(o, "dt"), &err), KN_EINVAL);
    assert_string_equal(err.msg, "dateTime med klokkeslett m\xC3\xA5 ha tidssone (Z eller \xC2\xB1hh:mm)");
    /* the node's length counts, not the C string up to a NUL */
    assert_int_equal(fhir_prim_check(FHIR_PRIM_ID, fj_get(o, "nul"), &err), KN_EINVAL);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_STRING, NULL, &err), KN_EINVAL);
    assert_int_equal(fhir_prim_check(FHIR_PRIM_NONE, fj_get(o, "s"), &err), KN_EINVAL);
    assert_int_equal(fhir_prim_check_text(FHIR_PRIM_NONE, "x", 1, &err), KN_EINVAL);
    assert_int_equal(fhir_prim_check_text(FHIR_PRIM_STRING, NULL, 0, &err), KN_EINVAL);
    fj_doc_free(doc);
}

static void test_string_limit(void **state)
{
    (void)state;
    size_t max = 1024 * 1024;
    char *s = malloc(max * 2 + 2);
    memset(s, 'a', max + 1);
    assert_int_equal(fhir_prim_check_text(FHIR_PRIM_STRING, s, max, NULL), KN_OK);
    kn_err err;
    assert_int_equal(fhir_prim_check_text(FHIR_PRIM_STRING, s, max + 1, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "1 MB"));
    /* the limit counts characters: 1 MB of two-byte characters is fine */
    for (size_t i = 0; i < max; i++)
        memcpy(s + 2 * i, "\xC3\xA6", 2);
    assert_int_equal(fhir_prim_check_text(FHIR_PRIM_STRING, s, max * 2, NULL), KN_OK);
    free(s);
}

static void test_names(void **state)
{
    (void)state;
    static const char *names[] = {"boolean", "integer", "positiveInt", "unsignedInt", "decimal",
                                  "string", "markdown", "code", "id", "uri", "url", "canonical",
                                  "oid", "uuid", "base64Binary", "instant", "date", "dateTime",
                                  "time", "xhtml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fhir_prim p = fhir_prim_from_name(names[i]);
        assert_int_not_equal(p, FHIR_PRIM_NONE);
        assert_string_equal(fhir_prim_name(p), names[i]);
    }
    assert_int_equal(fhir_prim_from_name("dateTime"), FHIR_PRIM_DATETIME);
    assert_int_equal(fhir_prim_from_name("datetime"), FHIR_PRIM_NONE);
    assert_int_equal(fhir_prim_from_name("Quantity"), FHIR_PRIM_NONE);
    assert_int_equal(fhir_prim_from_name(NULL), FHIR_PRIM_NONE);
    assert_string_equal(fhir_prim_name(FHIR_PRIM_NONE), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexical_table), cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_json_kinds),    cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
