/* cli_validate.c - `knute validate FILE...`: the VKP conformance validator on
 * the command line, for suppliers checking their messages before they send
 * them and for the test suites.
 *
 * The same vkp_validate() the server's POST /fhir/$validate and the hub's
 * intake call; this file only reads files and prints. Exit codes: 0 every
 * file valid, 1 some file invalid, 2 some file unreadable (cannot be read, or
 * is not JSON) or bad usage.
 */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core_util.h"
#include "../nid/nid.h"
#include "../vkp/vkp.h"

#define VALIDATE_MAX_FILE (64u * 1024u * 1024u)

enum { RESULT_VALID = 0, RESULT_INVALID = 1, RESULT_UNREADABLE = 2 };

static const char *severity_word(fhir_severity s)
{
    switch (s) {
    case FHIR_SEV_FATAL: return "fatal";
    case FHIR_SEV_ERROR: return "feil";
    case FHIR_SEV_WARNING: return "advarsel";
    default: return "info";
    }
}

static void print_text(const char *file, int result, const fhir_outcome *oc)
{
    size_t warnings = 0;
    for (size_t i = 0; i < oc->count; i++)
        warnings += oc->issues[i].severity == FHIR_SEV_WARNING;
    if (result == RESULT_VALID)
        printf("%s: gyldig", file);
    else
        printf("%s: %s (%zu feil", file, result == RESULT_INVALID ? "ugyldig" : "uleselig",
               oc->errors);
    if (result == RESULT_VALID && warnings)
        printf(" (%zu advarsler)", warnings);
    else if (result != RESULT_VALID)
        printf(", %zu advarsler)", warnings);
    printf("\n");
    for (size_t i = 0; i < oc->count; i++) {
        const fhir_issue *is = &oc->issues[i];
        if (is->severity == FHIR_SEV_INFORMATION)
            continue;
        printf("  %-8s %-14s %-4s %s: %s\n", severity_word(is->severity), is->code,
               is->vkp_code ? is->vkp_code : "-", is->expression ? is->expression : "(dokument)",
               is->diagnostics ? is->diagnostics : "");
    }
    if (oc->dropped)
        printf("  ... og %zu problemer til\n", oc->dropped);
}

/* Validate one file into oc; returns RESULT_*. */
static int validate_file(const char *file, const vkp_opts *opts, fhir_outcome *oc)
{
    kn_buf text;
    kn_buf_init(&text, VALIDATE_MAX_FILE);
    kn_err err;
    int rc = kn_file_read(file, &text, &err);
    int result;
    if (rc != KN_OK) {
        fhir_outcome_add_expr(oc, FHIR_SEV_FATAL, "exception", NULL, NULL, "Kan ikke lese filen: %s",
                              err.msg);
        result = RESULT_UNREADABLE;
    } else {
        rc = vkp_validate(text.data ? text.data : "", text.len, opts, oc);
        if (rc == KN_EINVAL)
            result = RESULT_UNREADABLE;
        else if (rc != KN_OK)
            result = RESULT_UNREADABLE;
        else
            result = fhir_outcome_ok(oc) ? RESULT_VALID : RESULT_INVALID;
    }
    kn_buf_release(&text);
    return result;
}

static int print_json(const char *file, int result, const fhir_outcome *oc, int many, int first)
{
    kn_buf out;
    kn_buf_init(&out, 64u * 1024u * 1024u);
    int rc = fhir_outcome_to_json(oc, &out);
    if (rc == KN_OK && !many) {
        printf("%s\n", out.data);
    } else if (rc == KN_OK) {
        json_t *name = json_string(file);
        char *quoted = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;
        printf("%s{\"file\":%s,\"valid\":%s,\"outcome\":%s}", first ? "[" : ",\n",
               quoted ? quoted : "null", result == RESULT_VALID ? "true" : "false", out.data);
        free(quoted);
        json_decref(name);
    }
    kn_buf_release(&out);
    return rc;
}

static int print_rules(void)
{
    kn_buf out;
    kn_buf_init(&out, 64u * 1024u * 1024u);
    int rc = vkp_rules_dump(&out);
    if (rc == KN_OK)
        printf("%s\n", out.data);
    else
        cli_error("validate: cannot dump the rules (%s)", kn_status_code(rc));
    kn_buf_release(&out);
    return rc == KN_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int validate_run(kn_config *cfg, int argc, char **argv)
{
    static const char *const allowed[] = {"json", "profile", "rules", NULL};
    static const char *const valued[] = {"profile", NULL};
    if (cli_check_options(argc, argv, allowed) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (cli_flag(argc, argv, "rules"))
        return print_rules();
    if (!cli_positional(argc, argv, 0, valued)) {
        cli_error("validate: give one or more FILEs (- reads standard input)");
        return CLI_EXIT_USAGE;
    }
    vkp_opts opts = {
        .environment = strcmp(cfg->environment, "production") == 0 ? NID_ENV_PRODUCTION : NID_ENV_TEST,
        .profile = cli_option(argc, argv, "profile"),
    };
    int json = cli_flag(argc, argv, "json");
    int many = cli_positional(argc, argv, 1, valued) != NULL;
    int worst = RESULT_VALID;
    for (int i = 0;; i++) {
        const char *file = cli_positional(argc, argv, i, valued);
        if (!file)
            break;
        fhir_outcome oc;
        fhir_outcome_init(&oc);
        int result = validate_file(file, &opts, &oc);
        if (json)
            print_json(file, result, &oc, many, i == 0);
        else
            print_text(file, result, &oc);
        fhir_outcome_release(&oc);
        if (result > worst)
            worst = result;
    }
    if (json && many)
        printf("]\n");
    return worst;
}

const cli_command cli_validate_command = {
    "validate", "Check FHIR messages against the VKP profiles",
    "Usage: knute validate [--json] [--profile URL] FILE...\n"
    "       knute validate --rules\n\n"
    "Checks each FILE (FHIR R4 JSON; - reads standard input) against base FHIR R4\n"
    "and the VKP profiles (HL7 Norway, v0.9.0) compiled into Knute: structure,\n"
    "data types, cardinalities, fixed values, code bindings, Norwegian\n"
    "identifiers and the message rules. Every problem is reported with its\n"
    "element path and the VKP operation-outcome code.\n\n"
    "  --json          print the FHIR OperationOutcome (several files: a JSON array\n"
    "                  of {file, valid, outcome})\n"
    "  --profile URL   validate against this profile instead of choosing by\n"
    "                  meta.profile, message event and resource type\n"
    "  --rules         print the compiled VKP rules as JSON and exit\n"
    "  --environment=production|test\n"
    "                  which person numbers are accepted (setting `environment`):\n"
    "                  production rejects synthetic ones, test rejects real ones\n\n"
    "Exit status: 0 every file valid, 1 some file invalid, 2 some file could not\n"
    "be read or is not JSON (or bad usage).\n",
    validate_run,
};
