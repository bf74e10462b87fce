/* test_fuzz_regressions.c - replays every input in tests/fuzz/regressions/
 * (hostile shapes written by hand, and every crash the fuzzer ever found)
 * through the same path the fuzz target drives, in every build: so a fixed
 * crash stays fixed even where libFuzzer is not built.
 *
 * Beyond "does not crash" (which ASan/UBSan in CI turn into failures), each
 * input must give a well-formed verdict: an outcome that serialises to a JSON
 * OperationOutcome with at least one issue, and a verdict that does not
 * depend on the run (validating twice gives the same issues).
 */
#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core_util.h"
#include "fhir/fhir_outcome.h"
#include "nid/nid.h"
#include "vkp/vkp.h"

static char *regression_dir(void)
{
    const char *src = getenv("KNUTE_SOURCE_DIR");
    assert_non_null(src);
    size_t n = strlen(src) + 64;
    char *dir = malloc(n);
    assert_non_null(dir);
    snprintf(dir, n, "%s/tests/fuzz/regressions", src);
    return dir;
}

/* Validate text; returns the serialised outcome (caller frees). */
static char *outcome_text(const kn_buf *text, int env)
{
    vkp_opts opts = {.environment = env, .profile = NULL};
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    int rc = vkp_validate(text->data ? text->data : "", text->len, &opts, &oc);
    assert_true(rc == KN_OK || rc == KN_EINVAL);
    kn_buf out;
    kn_buf_init(&out, 64u << 20);
    assert_int_equal(fhir_outcome_to_json(&oc, &out), KN_OK);
    fhir_outcome_release(&oc);
    return kn_buf_detach(&out, NULL);
}

static void check_outcome_json(const char *file, const char *json_text)
{
    json_error_t jerr;
    json_t *doc = json_loads(json_text, 0, &jerr);
    if (!doc)
        fail_msg("%s: outcome is not JSON: %s", file, jerr.text);
    assert_string_equal(json_string_value(json_object_get(doc, "resourceType")), "OperationOutcome");
    assert_true(json_array_size(json_object_get(doc, "issue")) >= 1);
    json_decref(doc);
}

static void replay_file(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    kn_buf text;
    kn_buf_init(&text, 64u << 20);
    kn_err err;
    assert_int_equal(kn_file_read(path, &text, &err), KN_OK);
    static const int envs[] = {NID_ENV_TEST, NID_ENV_PRODUCTION};
    for (size_t i = 0; i < 2; i++) {
        char *first = outcome_text(&text, envs[i]);
        char *second = outcome_text(&text, envs[i]);
        check_outcome_json(name, first);
        if (strcmp(first, second) != 0)
            fail_msg("%s: two validations disagree", name);
        free(first);
        free(second);
    }
    kn_buf_release(&text);
}

static void test_replay_all(void **state)
{
    (void)state;
    char *dir = regression_dir();
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        replay_file(dir, e->d_name);
        n++;
    }
    closedir(d);
    free(dir);
    assert_true(n >= 5); /* the folder is there and holds the hand-written cases */
}

/* The hand-written hostile inputs must all be rejected, not just survive. */
static void test_hostile_inputs_are_invalid(void **state)
{
    (void)state;
    static const char *const invalid[] = {"empty", "open-array", "deep-nesting", "bom.json",
                                          "overlong-utf8.json", "unicode-escapes.json"};
    char *dir = regression_dir();
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, invalid[i]);
        kn_buf text;
        kn_buf_init(&text, 1u << 20);
        assert_int_equal(kn_file_read(path, &text, NULL), KN_OK);
        fhir_outcome oc;
        fhir_outcome_init(&oc);
        vkp_opts opts = {.environment = NID_ENV_TEST, .profile = NULL};
        vkp_validate(text.data ? text.data : "", text.len, &opts, &oc);
        if (fhir_outcome_ok(&oc))
            fail_msg("%s was accepted", invalid[i]);
        fhir_outcome_release(&oc);
        kn_buf_release(&text);
    }
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_all),
        cmocka_unit_test(test_hostile_inputs_are_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
