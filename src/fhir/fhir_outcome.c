/* fhir_outcome.c - collecting validation issues and writing them as a FHIR
 * OperationOutcome (see fhir_outcome.h). The VKP operation-outcome code
 * system (vkp-operation-outcome-v090, Direktoratet for e-helse, version 0.9.0)
 * is compiled in below, so nothing is read from the VKP package at run time.
 * JSON is written with fj_write_string(), which also replaces any byte that is
 * not UTF-8, so the output is valid JSON whatever a diagnostics text holds.
 */
#include "fhir_outcome.h"

#include "fhir_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTCOME_DEFAULT_MAX 200

/* CodeSystem vkp-operation-outcome-v090: code and Norwegian display. */
static const struct vkp_concept {
    const char *code;
    const char *display;
} vkp_concepts[] = {
    {"1", "forbudt"},
    {"1.1", "ikke aktiv"},
    {"1.2", "ikke tillatt"},
    {"1.3", "ikke oppfylt tjenstlig behov"},
    {"1.4", "ikke tilgang"},
    {"1.5", "ikke tilgang"},
    {"2", "ugyldige data"},
    {"2.1", "ugyldig personidentifikator"},
    {"2.2", "ugyldig systemidentifikator"},
    {"2.3", "ugyldig antall parametere"},
    {"2.4", "ugyldig format"},
    {"3", "annen feil"},
    {"3.1", "time out"},
};

const char *fhir_vkp_oo_display(const char *vkp_code)
{
    if (!vkp_code)
        return NULL;
    for (size_t i = 0; i < sizeof vkp_concepts / sizeof vkp_concepts[0]; i++)
        if (strcmp(vkp_concepts[i].code, vkp_code) == 0)
            return vkp_concepts[i].display;
    return NULL;
}

void fhir_outcome_init(fhir_outcome *oc)
{
    memset(oc, 0, sizeof *oc);
}

static int is_error(fhir_severity sev)
{
    return sev == FHIR_SEV_FATAL || sev == FHIR_SEV_ERROR;
}

/* Count the issue; 1 when it must be dropped because the outcome is full. */
static int count_issue(fhir_outcome *oc, fhir_severity sev)
{
    size_t max = oc->max_issues ? oc->max_issues : OUTCOME_DEFAULT_MAX;
    oc->errors += is_error(sev);
    if (oc->count < max)
        return 0;
    oc->dropped++;
    return 1;
}

static char *format_text(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *format_text(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *text = n < 0 ? NULL : malloc((size_t)n + 1);
    if (text)
        vsnprintf(text, (size_t)n + 1, fmt, again);
    va_end(again);
    return text;
}

/* Store an issue (already counted). Takes the expression as given (copied). */
static int store_issue(fhir_outcome *oc, fhir_severity sev, const char *code, const char *vkp_code,
                       const char *expression, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
static int store_issue(fhir_outcome *oc, fhir_severity sev, const char *code, const char *vkp_code,
                       const char *expression, const char *fmt, va_list ap)
{
    if (oc->count == oc->cap) {
        size_t cap = oc->cap ? oc->cap * 2 : 8;
        fhir_issue *grown = realloc(oc->issues, cap * sizeof *grown);
        if (!grown)
            return KN_ENOMEM;
        oc->issues = grown;
        oc->cap = cap;
    }
    fhir_issue is = {sev, code ? code : "processing", vkp_code, NULL, NULL};
    is.diagnostics = format_text(fmt, ap);
    is.expression = expression ? strdup(expression) : NULL;
    if (!is.diagnostics || (expression && !is.expression)) {
        free(is.diagnostics);
        free(is.expression);
        return KN_ENOMEM;
    }
    oc->issues[oc->count++] = is;
    return KN_OK;
}

int fhir_outcome_add(fhir_outcome *oc, fhir_severity sev, const char *code, const char *vkp_code,
                     const fhir_path *at, const char *diag_fmt, ...)
{
    if (count_issue(oc, sev))
        return KN_OK;
    char expression[FHIR_PATH_MAX_TEXT];
    if (at)
        fhir_path_render(at, expression, sizeof expression);
    va_list ap;
    va_start(ap, diag_fmt);
    int rc = store_issue(oc, sev, code, vkp_code, at ? expression : NULL, diag_fmt, ap);
    va_end(ap);
    return rc;
}

int fhir_outcome_add_expr(fhir_outcome *oc, fhir_severity sev, const char *code,
                          const char *vkp_code, const char *expression, const char *diag_fmt, ...)
{
    if (count_issue(oc, sev))
        return KN_OK;
    va_list ap;
    va_start(ap, diag_fmt);
    int rc = store_issue(oc, sev, code, vkp_code, expression, diag_fmt, ap);
    va_end(ap);
    return rc;
}

int fhir_outcome_ok(const fhir_outcome *oc)
{
    return oc->errors == 0;
}

static const char *severity_code(fhir_severity sev)
{
    switch (sev) {
    case FHIR_SEV_FATAL:
        return "fatal";
    case FHIR_SEV_ERROR:
        return "error";
    case FHIR_SEV_WARNING:
        return "warning";
    default:
        return "information";
    }
}

/* ,"name":"value" (a JSON string member after an earlier member). */
static int put_member(kn_buf *out, const char *name, const char *value)
{
    int rc = kn_buf_printf(out, ",\"%s\":", name);
    return rc == KN_OK ? fj_write_string(value, strlen(value), out) : rc;
}

static int put_details(kn_buf *out, const char *vkp_code)
{
    int rc = kn_buf_puts(out, ",\"details\":{\"coding\":[{\"system\":\"" VKP_OO_SYSTEM "\"");
    if (rc == KN_OK)
        rc = put_member(out, "code", vkp_code);
    const char *display = fhir_vkp_oo_display(vkp_code);
    if (rc == KN_OK && display)
        rc = put_member(out, "display", display);
    return rc == KN_OK ? kn_buf_puts(out, "}]}") : rc;
}

static int put_issue(kn_buf *out, const fhir_issue *is)
{
    int rc = kn_buf_printf(out, "{\"severity\":\"%s\"", severity_code(is->severity));
    if (rc == KN_OK)
        rc = put_member(out, "code", is->code ? is->code : "processing");
    if (rc == KN_OK && is->vkp_code)
        rc = put_details(out, is->vkp_code);
    if (rc == KN_OK && is->diagnostics && *is->diagnostics)
        rc = put_member(out, "diagnostics", is->diagnostics);
    if (rc == KN_OK && is->expression && *is->expression) {
        rc = kn_buf_puts(out, ",\"expression\":[");
        if (rc == KN_OK)
            rc = fj_write_string(is->expression, strlen(is->expression), out);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "]");
    }
    return rc == KN_OK ? kn_buf_puts(out, "}") : rc;
}

/* The closing note: how many issues were left out, or that there were none. */
static int put_note(kn_buf *out, const fhir_outcome *oc)
{
    char text[128];
    if (oc->count == 0)
        snprintf(text, sizeof text, "Ingen feil funnet");
    else
        snprintf(text, sizeof text, "%zu flere problemer er utelatt (grensen er %zu)", oc->dropped,
                 oc->count);
    fhir_issue note = {FHIR_SEV_INFORMATION, "informational", NULL, NULL, text};
    int rc = oc->count ? kn_buf_puts(out, ",") : KN_OK;
    return rc == KN_OK ? put_issue(out, &note) : rc;
}

int fhir_outcome_to_json(const fhir_outcome *oc, kn_buf *out)
{
    int rc = kn_buf_puts(out, "{\"resourceType\":\"OperationOutcome\",\"issue\":[");
    for (size_t i = 0; i < oc->count && rc == KN_OK; i++) {
        if (i > 0)
            rc = kn_buf_puts(out, ",");
        if (rc == KN_OK)
            rc = put_issue(out, &oc->issues[i]);
    }
    if (rc == KN_OK && (oc->count == 0 || oc->dropped))
        rc = put_note(out, oc);
    return rc == KN_OK ? kn_buf_puts(out, "]}") : rc;
}

void fhir_outcome_release(fhir_outcome *oc)
{
    if (!oc)
        return;
    for (size_t i = 0; i < oc->count; i++) {
        free(oc->issues[i].expression);
        free(oc->issues[i].diagnostics);
    }
    free(oc->issues);
    oc->issues = NULL;
    oc->count = oc->cap = oc->errors = oc->dropped = 0;
}
