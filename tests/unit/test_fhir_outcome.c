/* test_fhir_outcome.c - element paths (fhir_path.h) and validation outcomes
 * (fhir_outcome.h): the expression of each issue, the OperationOutcome JSON
 * read back with jansson field by field, the VKP code displays, and what
 * happens when the outcome is full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fhir/fhir_outcome.h"
#include "fhir/fhir_path.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void test_path_render(void **state)
{
    (void)state;
    fhir_path p;
    char out[FHIR_PATH_MAX_TEXT];
    fhir_path_init(&p, "Bundle");
    assert_int_equal(fhir_path_render(&p, out, sizeof out), 6);
    assert_string_equal(out, "Bundle");
    fhir_path_push(&p, "entry");
    fhir_path_index(&p, 2);
    fhir_path_push(&p, "resource");
    fhir_path_push(&p, "subject");
    fhir_path_push(&p, "identifier");
    fhir_path_index(&p, 0);
    fhir_path_push(&p, "value");
    size_t n = fhir_path_render(&p, out, sizeof out);
    assert_string_equal(out, "Bundle.entry[2].resource.subject.identifier[0].value");
    assert_int_equal(n, strlen(out));
    fhir_path_pop(&p);
    fhir_path_pop(&p);
    fhir_path_pop(&p);
    fhir_path_render(&p, out, sizeof out);
    assert_string_equal(out, "Bundle.entry[2].resource");
    fhir_path_pop(&p);
    fhir_path_index(&p, 13); /* the next element of the same array */
    fhir_path_render(&p, out, sizeof out);
    assert_string_equal(out, "Bundle.entry[13]");
    fhir_path_pop(&p);
    fhir_path_pop(&p);
    fhir_path_pop(&p); /* popping past the root is harmless */
    assert_int_equal(fhir_path_render(&p, out, sizeof out), 0);
    assert_string_equal(out, "");
    fhir_path_push(&p, NULL);
    assert_int_equal(fhir_path_render(&p, out, sizeof out), 0);
}

static void test_path_truncation(void **state)
{
    (void)state;
    fhir_path p;
    fhir_path_init(&p, "Observation");
    fhir_path_push(&p, "component");
    fhir_path_index(&p, 12);
    char out[16];
    size_t n = fhir_path_render(&p, out, sizeof out);
    assert_string_equal(out, "Observation....");
    assert_int_equal(n, 15);
    memset(out, 'x', sizeof out);
    assert_int_equal(fhir_path_render(&p, out, 3), 0);
    assert_string_equal(out, "");
    assert_int_equal(fhir_path_render(&p, out, 0), 0);
    assert_int_equal(out[0], '\0'); /* untouched by size 0 */
    /* Exactly fitting text is not cut. */
    char fit[sizeof "Observation.component[12]"];
    assert_int_equal(fhir_path_render(&p, fit, sizeof fit), sizeof fit - 1);
    assert_string_equal(fit, "Observation.component[12]");
    /* A cut never splits a UTF-8 sequence: "æ" is two bytes. */
    fhir_path_init(&p, "\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6\xC3\xA6");
    n = fhir_path_render(&p, out, 9); /* room for 5 bytes + "..." */
    assert_string_equal(out, "\xC3\xA6\xC3\xA6...");
    assert_int_equal(n, 7);
}

static void test_path_overflow(void **state)
{
    (void)state;
    fhir_path p;
    fhir_path_init(&p, "Questionnaire");
    for (int i = 0; i < FHIR_PATH_MAX_DEPTH + 6; i++) {
        fhir_path_push(&p, "item");
        fhir_path_index(&p, i);
    }
    assert_int_equal(p.depth, FHIR_PATH_MAX_DEPTH);
    assert_int_equal(p.overflow, 7);
    char out[FHIR_PATH_MAX_TEXT * 2];
    size_t n = fhir_path_render(&p, out, sizeof out);
    assert_int_equal(n, strlen(out));
    assert_string_equal(out + n - 3, "...");
    assert_non_null(strstr(out, "Questionnaire.item[0].item[1]."));
    /* the indices of unstored segments did not land on stored ones */
    char last[32];
    snprintf(last, sizeof last, "item[%d]...", FHIR_PATH_MAX_DEPTH - 2);
    assert_string_equal(out + n - strlen(last), last);
    for (int i = 0; i < FHIR_PATH_MAX_DEPTH + 6; i++)
        fhir_path_pop(&p);
    fhir_path_render(&p, out, sizeof out);
    assert_string_equal(out, "Questionnaire");
}

/* Serialise oc and parse it back with jansson (which rejects invalid JSON and UTF-8). */
static json_t *outcome_json(const fhir_outcome *oc)
{
    kn_buf b;
    kn_buf_init(&b, 1 << 20);
    assert_int_equal(fhir_outcome_to_json(oc, &b), KN_OK);
    json_error_t jerr;
    json_t *j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        fail_msg("outcome is not JSON: %s in %s", jerr.text, b.data);
    kn_buf_release(&b);
    assert_string_equal(json_string_value(json_object_get(j, "resourceType")), "OperationOutcome");
    assert_true(json_is_array(json_object_get(j, "issue")));
    return j;
}

static json_t *issue_at(json_t *j, size_t i)
{
    json_t *is = json_array_get(json_object_get(j, "issue"), i);
    assert_non_null(is);
    return is;
}

static const char *str_at(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void test_outcome_issues_json(void **state)
{
    (void)state;
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    fhir_path p;
    fhir_path_init(&p, "Bundle");
    fhir_path_push(&p, "entry");
    fhir_path_index(&p, 1);
    fhir_path_push(&p, "resource");
    fhir_path_push(&p, "identifier");
    fhir_path_index(&p, 0);
    fhir_path_push(&p, "value");
    assert_int_equal(fhir_outcome_add(&oc, FHIR_SEV_ERROR, "value", VKP_OO_INVALID_PERSON, &p,
                                      "Fødselsnummeret har feil kontrollsiffer (%d av %d)", 2, 2),
                     KN_OK);
    assert_int_equal(fhir_outcome_add_expr(&oc, FHIR_SEV_WARNING, "business-rule", NULL, NULL,
                                           "Ukjent profil"),
                     KN_OK);
    assert_int_equal(fhir_outcome_add_expr(&oc, FHIR_SEV_FATAL, "structure", VKP_OO_INVALID_FORMAT,
                                           "Bundle", "Ugyldig JSON: %s", "trailing comma at byte 7"),
                     KN_OK);
    assert_int_equal(fhir_outcome_add(&oc, FHIR_SEV_INFORMATION, NULL, "9.9", NULL, "merk"), KN_OK);
    assert_int_equal(oc.count, 4);
    assert_int_equal(oc.errors, 2);
    assert_false(fhir_outcome_ok(&oc));
    assert_string_equal(oc.issues[0].expression,
                        "Bundle.entry[1].resource.identifier[0].value");

    json_t *j = outcome_json(&oc);
    assert_int_equal(json_array_size(json_object_get(j, "issue")), 4);

    json_t *is = issue_at(j, 0);
    assert_string_equal(str_at(is, "severity"), "error");
    assert_string_equal(str_at(is, "code"), "value");
    json_t *coding = json_array_get(json_object_get(json_object_get(is, "details"), "coding"), 0);
    assert_string_equal(str_at(coding, "system"),
                        "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090");
    assert_string_equal(str_at(coding, "code"), "2.1");
    assert_string_equal(str_at(coding, "display"), "ugyldig personidentifikator");
    assert_string_equal(str_at(is, "diagnostics"),
                        "F\xC3\xB8""dselsnummeret har feil kontrollsiffer (2 av 2)");
    json_t *expr = json_object_get(is, "expression");
    assert_int_equal(json_array_size(expr), 1);
    assert_string_equal(json_string_value(json_array_get(expr, 0)),
                        "Bundle.entry[1].resource.identifier[0].value");
    assert_int_equal(json_object_size(is), 5);

    is = issue_at(j, 1); /* no VKP code, no expression: no details, no expression */
    assert_string_equal(str_at(is, "severity"), "warning");
    assert_string_equal(str_at(is, "code"), "business-rule");
    assert_null(json_object_get(is, "details"));
    assert_null(json_object_get(is, "expression"));
    assert_string_equal(str_at(is, "diagnostics"), "Ukjent profil");

    is = issue_at(j, 2);
    assert_string_equal(str_at(is, "severity"), "fatal");
    assert_string_equal(str_at(is, "code"), "structure");
    coding = json_array_get(json_object_get(json_object_get(is, "details"), "coding"), 0);
    assert_string_equal(str_at(coding, "code"), "2.4");
    assert_string_equal(str_at(coding, "display"), "ugyldig format");
    assert_string_equal(str_at(is, "diagnostics"), "Ugyldig JSON: trailing comma at byte 7");
    assert_string_equal(json_string_value(json_array_get(json_object_get(is, "expression"), 0)),
                        "Bundle");

    is = issue_at(j, 3); /* an unknown VKP code keeps its code, without display */
    assert_string_equal(str_at(is, "severity"), "information");
    assert_string_equal(str_at(is, "code"), "processing");
    coding = json_array_get(json_object_get(json_object_get(is, "details"), "coding"), 0);
    assert_string_equal(str_at(coding, "code"), "9.9");
    assert_null(json_object_get(coding, "display"));
    json_decref(j);

    fhir_outcome_release(&oc);
    assert_int_equal(oc.count, 0);
    assert_int_equal(oc.errors, 0);
    assert_true(fhir_outcome_ok(&oc));
    fhir_outcome_release(&oc); /* twice is fine */
    fhir_outcome_release(NULL);
}

static void test_outcome_empty_and_warnings(void **state)
{
    (void)state;
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    assert_true(fhir_outcome_ok(&oc));
    json_t *j = outcome_json(&oc);
    assert_int_equal(json_array_size(json_object_get(j, "issue")), 1);
    json_t *is = issue_at(j, 0);
    assert_string_equal(str_at(is, "severity"), "information");
    assert_string_equal(str_at(is, "code"), "informational");
    assert_string_equal(str_at(is, "diagnostics"), "Ingen feil funnet");
    json_decref(j);

    /* Warnings and information leave the verdict ok and are listed as they are. */
    fhir_outcome_add_expr(&oc, FHIR_SEV_WARNING, "business-rule", NULL, "Patient", "advarsel");
    fhir_outcome_add_expr(&oc, FHIR_SEV_INFORMATION, "informational", NULL, NULL, "info");
    assert_true(fhir_outcome_ok(&oc));
    j = outcome_json(&oc);
    assert_int_equal(json_array_size(json_object_get(j, "issue")), 2);
    assert_string_equal(str_at(issue_at(j, 0), "severity"), "warning");
    assert_string_equal(str_at(issue_at(j, 1), "diagnostics"), "info");
    json_decref(j);
    fhir_outcome_release(&oc);
}

static void test_outcome_escaping(void **state)
{
    (void)state;
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    /* Quotes, backslashes, control characters and a cut UTF-8 sequence (as a
     * truncated kn_err message may hold) still give valid JSON. */
    fhir_outcome_add_expr(&oc, FHIR_SEV_ERROR, "value", NULL, "Patient.name[0].given[\"x\"]",
                          "a \"b\" \\ c\nd\te\x01 \xC3");
    json_t *j = outcome_json(&oc);
    json_t *is = issue_at(j, 0);
    assert_string_equal(str_at(is, "diagnostics"), "a \"b\" \\ c\nd\te\x01 \xEF\xBF\xBD");
    assert_string_equal(json_string_value(json_array_get(json_object_get(is, "expression"), 0)),
                        "Patient.name[0].given[\"x\"]");
    json_decref(j);
    /* An empty diagnostics text (not a valid FHIR string) is left out. */
    fhir_outcome_release(&oc);
    fhir_outcome_add_expr(&oc, FHIR_SEV_ERROR, "value", NULL, "", "%s", "");
    j = outcome_json(&oc);
    assert_null(json_object_get(issue_at(j, 0), "diagnostics"));
    assert_null(json_object_get(issue_at(j, 0), "expression"));
    json_decref(j);
    /* A buffer too small for the outcome is reported. */
    kn_buf small;
    kn_buf_init(&small, 40);
    assert_int_equal(fhir_outcome_to_json(&oc, &small), KN_ETOOLARGE);
    kn_buf_release(&small);
    fhir_outcome_release(&oc);
}

static void test_outcome_max_issues(void **state)
{
    (void)state;
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    oc.max_issues = 3;
    fhir_path p;
    fhir_path_init(&p, "Bundle");
    for (int i = 0; i < 7; i++) {
        fhir_path_push(&p, "entry");
        fhir_path_index(&p, i);
        fhir_severity sev = i < 2 ? FHIR_SEV_WARNING : FHIR_SEV_ERROR;
        assert_int_equal(fhir_outcome_add(&oc, sev, "value", NULL, &p, "problem %d", i), KN_OK);
        fhir_path_pop(&p);
    }
    assert_int_equal(oc.count, 3);
    assert_int_equal(oc.dropped, 4);
    assert_int_equal(oc.errors, 5); /* dropped errors still decide the verdict */
    assert_false(fhir_outcome_ok(&oc));
    json_t *j = outcome_json(&oc);
    assert_int_equal(json_array_size(json_object_get(j, "issue")), 4);
    assert_string_equal(str_at(issue_at(j, 2), "diagnostics"), "problem 2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(issue_at(j, 2), "expression"), 0)),
                        "Bundle.entry[2]");
    json_t *note = issue_at(j, 3);
    assert_string_equal(str_at(note, "severity"), "information");
    assert_string_equal(str_at(note, "code"), "informational");
    assert_non_null(strstr(str_at(note, "diagnostics"), "4 flere problemer er utelatt"));
    json_decref(j);
    fhir_outcome_release(&oc);
    assert_int_equal(oc.dropped, 0);

    /* The default limit is 200. */
    fhir_outcome_init(&oc);
    for (int i = 0; i < 250; i++)
        fhir_outcome_add_expr(&oc, FHIR_SEV_ERROR, "value", NULL, NULL, "p");
    assert_int_equal(oc.count, 200);
    assert_int_equal(oc.dropped, 50);
    assert_int_equal(oc.errors, 250);
    fhir_outcome_release(&oc);
}

static void test_vkp_displays(void **state)
{
    (void)state;
    static const char *const codes[][2] = {
        {VKP_OO_FORBIDDEN, "forbudt"},
        {VKP_OO_NOT_ACTIVE, "ikke aktiv"},
        {VKP_OO_NOT_ALLOWED, "ikke tillatt"},
        {VKP_OO_NO_NEED, "ikke oppfylt tjenstlig behov"},
        {VKP_OO_NO_ACCESS, "ikke tilgang"},
        {VKP_OO_NOT_AUTHORIZED, "ikke tilgang"},
        {VKP_OO_INVALID_DATA, "ugyldige data"},
        {VKP_OO_INVALID_PERSON, "ugyldig personidentifikator"},
        {VKP_OO_INVALID_SYSTEM, "ugyldig systemidentifikator"},
        {VKP_OO_INVALID_COUNT, "ugyldig antall parametere"},
        {VKP_OO_INVALID_FORMAT, "ugyldig format"},
        {VKP_OO_OTHER, "annen feil"},
        {VKP_OO_TIMEOUT, "time out"},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_string_equal(fhir_vkp_oo_display(codes[i][0]), codes[i][1]);
    assert_null(fhir_vkp_oo_display("2.5"));
    assert_null(fhir_vkp_oo_display("2."));
    assert_null(fhir_vkp_oo_display(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_render),         cmocka_unit_test(test_path_truncation),
        cmocka_unit_test(test_path_overflow),       cmocka_unit_test(test_outcome_issues_json),
        cmocka_unit_test(test_outcome_empty_and_warnings), cmocka_unit_test(test_outcome_escaping),
        cmocka_unit_test(test_outcome_max_issues),  cmocka_unit_test(test_vkp_displays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
