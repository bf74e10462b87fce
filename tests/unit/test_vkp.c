/* test_vkp.c - the VKP conformance validator (vkp.h) against its corpus:
 * every file of tests/fhir/vkp/ is validated and must produce exactly the
 * errors cases.json lists (severity, FHIR issue code, VKP code, expression)
 * and every warning listed there; no corpus file may be missing from the
 * manifest. Then what the corpus cannot show alone: the environment policy
 * on inline instances, a profile forced with --profile, an unknown profile,
 * text that is not JSON, the rules dump, and validation from several threads
 * at once while the rules are built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nid/nid.h"
#include "fhir/fhir_outcome.h"
#include "vkp/vkp.h"
#include "vkp/vkp_rules.h"

#include "test_support.h"

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS "/tests/fhir/vkp/"

static const char *source_dir(void)
{
    const char *src = getenv("KNUTE_SOURCE_DIR");
    return src ? src : ".";
}

/* The file under tests/fhir/vkp/ as a malloc'd buffer (NUL-terminated). */
static char *read_corpus(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s%s", &CORPUS[1], rel); /* relative: no leading '/' */
    char *buf = test_read_source(path, len);
    if (!buf)
        fail_msg("cannot open %s", path);
    return buf;
}

static const char *severity_name(fhir_severity s)
{
    static const char *const names[] = {"", "fatal", "error", "warning", "information"};
    return s >= FHIR_SEV_FATAL && s <= FHIR_SEV_INFORMATION ? names[s] : "?";
}

static int str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int issue_matches(const fhir_issue *is, json_t *want)
{
    return strcmp(severity_name(is->severity),
                  json_string_value(json_object_get(want, "severity"))) == 0 &&
           strcmp(is->code, json_string_value(json_object_get(want, "code"))) == 0 &&
           str_same(is->vkp_code, json_string_value(json_object_get(want, "vkpCode"))) &&
           str_same(is->expression, json_string_value(json_object_get(want, "expression")));
}

static void print_issues(const char *file, const fhir_outcome *oc)
{
    print_message("%s gave:\n", file);
    for (size_t i = 0; i < oc->count; i++)
        print_message("  %s %s %s %s: %s\n", severity_name(oc->issues[i].severity),
                      oc->issues[i].code, oc->issues[i].vkp_code ? oc->issues[i].vkp_code : "-",
                      oc->issues[i].expression ? oc->issues[i].expression : "(none)",
                      oc->issues[i].diagnostics);
}

/* Every expected issue is found once; every error or fatal issue was expected. */
static int outcome_as_expected(const char *file, const fhir_outcome *oc, json_t *expected)
{
    size_t n = json_array_size(expected);
    int used[256] = {0};
    if (oc->count > 256)
        return 0;
    for (size_t k = 0; k < n; k++) {
        json_t *want = json_array_get(expected, k);
        size_t i = 0;
        while (i < oc->count && (used[i] || !issue_matches(&oc->issues[i], want)))
            i++;
        if (i == oc->count) {
            print_message("%s: expected issue not found: %s %s\n", file,
                          json_string_value(json_object_get(want, "code")),
                          json_string_value(json_object_get(want, "expression")));
            return 0;
        }
        used[i] = 1;
    }
    for (size_t i = 0; i < oc->count; i++)
        if (!used[i] && oc->issues[i].severity <= FHIR_SEV_ERROR) {
            print_message("%s: unexpected %s at %s\n", file, oc->issues[i].code,
                          oc->issues[i].expression ? oc->issues[i].expression : "(none)");
            return 0;
        }
    return 1;
}

static int run_case(json_t *c)
{
    const char *file = json_string_value(json_object_get(c, "file"));
    const char *env = json_string_value(json_object_get(c, "environment"));
    size_t len;
    char *text = read_corpus(file, &len);
    vkp_opts opts = {strcmp(env, "production") == 0 ? NID_ENV_PRODUCTION : NID_ENV_TEST, NULL};
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    int rc = vkp_validate(text, len, &opts, &oc);
    int ok = (rc == KN_OK || rc == KN_EINVAL) &&
             fhir_outcome_ok(&oc) == json_is_true(json_object_get(c, "valid")) &&
             outcome_as_expected(file, &oc, json_object_get(c, "issues"));
    if (!ok)
        print_issues(file, &oc);
    fhir_outcome_release(&oc);
    free(text);
    return ok;
}

static json_t *load_manifest(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s" CORPUS "cases.json", source_dir());
    json_error_t jerr;
    json_t *m = json_load_file(path, 0, &jerr);
    if (!m)
        fail_msg("cases.json: %s", jerr.text);
    return m;
}

static void test_corpus(void **state)
{
    (void)state;
    json_t *m = load_manifest();
    json_t *cases = json_object_get(m, "cases");
    size_t failed = 0, valid = 0;
    assert_true(json_array_size(cases) >= 100);
    for (size_t i = 0; i < json_array_size(cases); i++) {
        failed += !run_case(json_array_get(cases, i));
        valid += json_is_true(json_object_get(json_array_get(cases, i), "valid"));
    }
    print_message("%zu cases (%zu valid), %zu failed\n", json_array_size(cases), valid, failed);
    json_decref(m);
    assert_int_equal(failed, 0);
}

static int in_manifest(json_t *cases, const char *file)
{
    for (size_t i = 0; i < json_array_size(cases); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(cases, i), "file")), file) == 0)
            return 1;
    return 0;
}

static void test_every_file_has_expectations(void **state)
{
    (void)state;
    json_t *m = load_manifest();
    static const char *const dirs[] = {"valid", "invalid"};
    for (int d = 0; d < 2; d++) {
        char path[1024];
        snprintf(path, sizeof path, "%s" CORPUS "%s", source_dir(), dirs[d]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        int files = 0;
        for (struct dirent *e; (e = readdir(dir));) {
            if (!strstr(e->d_name, ".json"))
                continue;
            char rel[512];
            snprintf(rel, sizeof rel, "%s/%s", dirs[d], e->d_name);
            if (!in_manifest(json_object_get(m, "cases"), rel))
                fail_msg("%s is not in cases.json", rel);
            files++;
        }
        closedir(dir);
        assert_true(files >= 30);
    }
    json_decref(m);
}

/* ---- inline instances ---- */

static void validate_text(const char *text, int env, const char *profile, fhir_outcome *oc)
{
    vkp_opts opts = {env, profile};
    fhir_outcome_init(oc);
    assert_int_equal(vkp_validate(text, strlen(text), &opts, oc), KN_OK);
}

static char *patient_with(const char *system, const char *nin)
{
    static char buf[512];
    snprintf(buf, sizeof buf,
             "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"%s\",\"value\":\"%s\"}],"
             "\"name\":[{\"family\":\"Nordmann\"}]}",
             system, nin);
    return buf;
}

static void expect_one(const fhir_outcome *oc, const char *code, const char *vkp, const char *expr)
{
    if (oc->errors != 1)
        print_issues("inline", oc);
    assert_int_equal(oc->errors, 1);
    assert_string_equal(oc->issues[0].code, code);
    assert_string_equal(oc->issues[0].vkp_code, vkp);
    assert_string_equal(oc->issues[0].expression, expr);
}

#define FNR "urn:oid:2.16.578.1.12.4.1.4.1"
#define DNR "urn:oid:2.16.578.1.12.4.1.4.2"

static void test_environment_policy(void **state)
{
    (void)state;
    fhir_outcome oc;
    /* synthetic (month + 80): test yes, production no */
    validate_text(patient_with(FNR, "12834810008"), NID_ENV_TEST, NULL, &oc);
    assert_true(fhir_outcome_ok(&oc));
    fhir_outcome_release(&oc);
    validate_text(patient_with(FNR, "12834810008"), NID_ENV_PRODUCTION, NULL, &oc);
    expect_one(&oc, "business-rule", "2.1", "Patient.identifier[0].value");
    assert_non_null(strstr(oc.issues[0].diagnostics, "produksjon"));
    fhir_outcome_release(&oc);
    /* a real series number: production yes, test no */
    validate_text(patient_with(FNR, "12034810042"), NID_ENV_PRODUCTION, NULL, &oc);
    assert_true(fhir_outcome_ok(&oc));
    fhir_outcome_release(&oc);
    validate_text(patient_with(FNR, "12034810042"), NID_ENV_TEST, NULL, &oc);
    expect_one(&oc, "business-rule", "2.1", "Patient.identifier[0].value");
    assert_non_null(strstr(oc.issues[0].diagnostics, "testmiljøet"));
    fhir_outcome_release(&oc);
    /* the default environment (0) is test */
    validate_text(patient_with(FNR, "12034810042"), 0, NULL, &oc);
    expect_one(&oc, "business-rule", "2.1", "Patient.identifier[0].value");
    fhir_outcome_release(&oc);
    /* synthetic D-nummer under the D-nummer system */
    validate_text(patient_with(DNR, "54825510055"), NID_ENV_TEST, NULL, &oc);
    assert_true(fhir_outcome_ok(&oc));
    fhir_outcome_release(&oc);
    /* wrong check digits are 2.1 "value" in either environment */
    validate_text(patient_with(FNR, "12834810009"), NID_ENV_PRODUCTION, NULL, &oc);
    expect_one(&oc, "value", "2.1", "Patient.identifier[0].value");
    assert_non_null(strstr(oc.issues[0].diagnostics, "kontrollsiffer"));
    fhir_outcome_release(&oc);
}

static void test_forced_profile(void **state)
{
    (void)state;
    size_t len;
    char *text = read_corpus("valid/observation-heartrate.json", &len);
    fhir_outcome oc;
    /* a heart rate checked as body temperature: the LOINC code and the unit are wrong */
    validate_text(text, NID_ENV_TEST,
                  "http://hl7.no/fhir/StructureDefinition/vkp-Observation-Bodytemp-v090", &oc);
    assert_int_equal(oc.errors, 2);
    int loinc = 0, unit = 0;
    for (size_t i = 0; i < oc.count; i++) {
        loinc += strcmp(oc.issues[i].expression, "Observation.code.coding") == 0;
        unit += strcmp(oc.issues[i].expression, "Observation.valueQuantity.code") == 0;
    }
    assert_int_equal(loinc, 1);
    assert_int_equal(unit, 1);
    fhir_outcome_release(&oc);
    /* the ehelse.no spelling of the same canonical works the same */
    validate_text(text, NID_ENV_TEST,
                  "http://ehelse.no/fhir/StructureDefinition/vkp-Observation-Bodytemp-v090", &oc);
    assert_int_equal(oc.errors, 2);
    fhir_outcome_release(&oc);
    /* a resource profile of another type is one error without expression */
    validate_text(text, NID_ENV_TEST, "http://ehelse.no/fhir/StructureDefinition/vkp-CarePlan-v090",
                  &oc);
    assert_int_equal(oc.errors, 1);
    assert_string_equal(oc.issues[0].code, "structure");
    assert_null(oc.issues[0].expression);
    fhir_outcome_release(&oc);
    /* an unknown profile is one error without expression, and nothing else is checked */
    validate_text(text, NID_ENV_TEST, "http://example.org/fhir/StructureDefinition/x", &oc);
    assert_int_equal(oc.errors, 1);
    assert_string_equal(oc.issues[0].code, "not-supported");
    assert_null(oc.issues[0].expression);
    fhir_outcome_release(&oc);
    free(text);
}

static void test_not_json(void **state)
{
    (void)state;
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    vkp_opts opts = {NID_ENV_TEST, NULL};
    assert_int_equal(vkp_validate("{\"a\":1,\"a\":2}", 13, &opts, &oc), KN_EINVAL);
    assert_int_equal(oc.count, 1);
    assert_int_equal(oc.issues[0].severity, FHIR_SEV_FATAL);
    assert_string_equal(oc.issues[0].vkp_code, "2.4");
    fhir_outcome_release(&oc);
}

/* The element of profile url with this path in the dump, or NULL. */
static json_t *dumped(json_t *dump, const char *url, const char *path)
{
    json_t *profiles = json_object_get(dump, "profiles");
    for (size_t i = 0; i < json_array_size(profiles); i++) {
        json_t *p = json_array_get(profiles, i);
        if (strcmp(json_string_value(json_object_get(p, "url")), url) != 0)
            continue;
        json_t *els = json_object_get(p, "elements");
        for (size_t j = 0; j < json_array_size(els); j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(els, j), "path")), path) ==
                0)
                return json_array_get(els, j);
    }
    return NULL;
}

static void test_rules_dump(void **state)
{
    (void)state;
    kn_buf b;
    kn_buf_init(&b, 8u << 20);
    assert_int_equal(vkp_rules_dump(&b), KN_OK);
    json_error_t jerr;
    json_t *d = json_loads(b.data, JSON_REJECT_DUPLICATES, &jerr);
    if (!d)
        fail_msg("dump is not JSON: %s", jerr.text);
    assert_true(json_array_size(json_object_get(d, "profiles")) >= 28);
    assert_int_equal(json_array_size(json_object_get(d, "codeSystems")), 13);
    json_t *e = dumped(d, "http://ehelse.no/fhir/StructureDefinition/vkp-MedicationDispense-v090",
                       "MedicationDispense.subject.identifier:FNR.system");
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "fixed")),
                        "urn:oid:2.16.578.1.12.4.1.4.1");
    assert_int_equal(json_integer_value(json_object_get(e, "min")), 1);
    e = dumped(d, "http://ehelse.no/fhir/StructureDefinition/vkp-digital-Encounter-v090",
               "Encounter.participant.type");
    assert_non_null(e);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e, "binding"), "valueSet")),
        "http://ehelse.no/fhir/ValueSet/vkp-encounter-mode-v090");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e, "override"), "packageValue")),
        "http://ehelse.no/fhir/ValueSet/vkp-encounter-type-v090");
    e = dumped(d, "http://ehelse.no/fhir/StructureDefinition/vkp-MessageHeader-v090",
               "MessageHeader.receiver.identifier.system");
    assert_string_equal(json_string_value(json_object_get(e, "effectivePath")),
                        "MessageHeader.destination.receiver.identifier.system");
    json_decref(d);
    kn_buf_release(&b);
}

static void *validate_bench(void *arg)
{
    const char *text = arg;
    vkp_opts opts = {NID_ENV_TEST, NULL};
    long bad = 0;
    for (int i = 0; i < 200; i++) {
        fhir_outcome oc;
        fhir_outcome_init(&oc);
        bad += vkp_validate(text, strlen(text), &opts, &oc) != KN_OK || !fhir_outcome_ok(&oc);
        fhir_outcome_release(&oc);
    }
    return (void *)bad;
}

/* fhir_outcome carries its own copy of the VKP operation-outcome displays (the
 * fhir layer sits below vkp and must not depend on it); this keeps the copy
 * equal to the code system compiled from the package. */
static void test_outcome_displays_match_package(void **state)
{
    (void)state;
    const vkp_codesystem_def *oo = NULL;
    for (size_t i = 0; i < vkp_gen_codesystem_count; i++)
        if (strcmp(vkp_gen_codesystems[i].url, VKP_OO_SYSTEM) == 0)
            oo = &vkp_gen_codesystems[i];
    assert_non_null(oo);
    assert_true(oo->n >= 13);
    for (size_t j = 0; j < oo->n; j++) {
        const char *mine = fhir_vkp_oo_display(oo->concepts[j].code);
        if (!mine || strcmp(mine, oo->concepts[j].display) != 0)
            fail_msg("VKP outcome code %s: fhir_outcome says '%s', the package '%s'",
                     oo->concepts[j].code, mine ? mine : "(none)", oo->concepts[j].display);
    }
    assert_null(fhir_vkp_oo_display("9.9"));
}

static void test_threads(void **state)
{
    (void)state;
    size_t len;
    char *text = read_corpus("bench-medicationdispense-3k.json", &len);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, validate_bench, text), 0);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        assert_null(bad);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads), /* first: the rules are built while four threads race */
        cmocka_unit_test(test_outcome_displays_match_package),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_every_file_has_expectations),
        cmocka_unit_test(test_environment_policy),
        cmocka_unit_test(test_forced_profile),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_rules_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
