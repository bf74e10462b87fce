/* fhir_outcome.h - the problems found in a FHIR instance, as an
 * OperationOutcome.
 *
 * Every check appends issues here and goes on; the validator reports all
 * problems, never just the first. Each issue carries the FHIR issue severity
 * and type, the VKP operation-outcome code (vkp-operation-outcome-v090: "2.1"
 * invalid person identifier, "2.4" invalid format, ...), the exact element
 * path and a Norwegian diagnostics text for the sending supplier's staff.
 *
 * Ownership: the outcome owns its issues and their strings;
 * fhir_outcome_release() frees them. Not thread-safe.
 */
#ifndef KN_FHIR_OUTCOME_H
#define KN_FHIR_OUTCOME_H

#include <stddef.h>

#include "../core/core_buf.h"
#include "../core/core_status.h"
#include "fhir_path.h"

typedef enum fhir_severity {
    FHIR_SEV_FATAL = 1,
    FHIR_SEV_ERROR,
    FHIR_SEV_WARNING,
    FHIR_SEV_INFORMATION
} fhir_severity;

/* VKP operation-outcome codes (CodeSystem vkp-operation-outcome-v090). */
#define VKP_OO_SYSTEM "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090"
#define VKP_OO_FORBIDDEN        "1"
#define VKP_OO_NOT_ACTIVE       "1.1"
#define VKP_OO_NOT_ALLOWED      "1.2"
#define VKP_OO_NO_NEED          "1.3"
#define VKP_OO_NO_ACCESS        "1.4"
#define VKP_OO_NOT_AUTHORIZED   "1.5"
#define VKP_OO_INVALID_DATA     "2"
#define VKP_OO_INVALID_PERSON   "2.1"
#define VKP_OO_INVALID_SYSTEM   "2.2"
#define VKP_OO_INVALID_COUNT    "2.3"
#define VKP_OO_INVALID_FORMAT   "2.4"
#define VKP_OO_OTHER            "3"
#define VKP_OO_TIMEOUT          "3.1"

typedef struct fhir_issue {
    fhir_severity severity;
    const char *code;           /* FHIR IssueType code, static: "structure", "required", "value",
                                   "invariant", "code-invalid", "not-found", "too-long", "business-rule",
                                   "invalid", "processing" */
    const char *vkp_code;       /* static VKP_OO_* string, or NULL */
    char *expression;           /* owned: element path, e.g. "Bundle.entry[2].resource.subject" */
    char *diagnostics;          /* owned: Norwegian text */
} fhir_issue;

typedef struct fhir_outcome {
    fhir_issue *issues;
    size_t count, cap;
    size_t errors;              /* issues with severity fatal or error */
    size_t max_issues;          /* 0: default 200; further issues are counted in `dropped` */
    size_t dropped;
} fhir_outcome;

void fhir_outcome_init(fhir_outcome *oc);

/* Append an issue at the path's current position. diag is a printf format
 * (Norwegian). Returns KN_OK or KN_ENOMEM. When the outcome is full the issue
 * is counted in `dropped` (errors still counted) and KN_OK is returned. */
int fhir_outcome_add(fhir_outcome *oc, fhir_severity sev, const char *code, const char *vkp_code,
                     const fhir_path *at, const char *diag_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Same with an explicit expression string (copied). expression may be NULL. */
int fhir_outcome_add_expr(fhir_outcome *oc, fhir_severity sev, const char *code, const char *vkp_code,
                          const char *expression, const char *diag_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* True when no issue of severity error or fatal was added. */
int fhir_outcome_ok(const fhir_outcome *oc);

/* Serialise as an OperationOutcome resource (application/fhir+json). Each
 * issue: severity, code, details.coding[0] = {system:
 * "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090", code, display}
 * when vkp_code is set, diagnostics, expression[0]. With no issues: one
 * "information"/"informational" issue saying "Ingen feil funnet". When
 * issues were dropped, a last "information"/"informational" issue says how
 * many ("N flere problemer er utelatt ..."). KN_OK or the kn_buf error. */
int fhir_outcome_to_json(const fhir_outcome *oc, kn_buf *out);

/* Free all issues; the outcome is empty and reusable. NULL-safe. */
void fhir_outcome_release(fhir_outcome *oc);

/* Display text of a VKP operation-outcome code ("ugyldig format"), or NULL. */
const char *fhir_vkp_oo_display(const char *vkp_code);

#endif
