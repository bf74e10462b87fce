/* vkp_message.c - the rules of a VKP message (a Bundle of type message):
 * MessageHeader.eventCoding names one of the VKP message events, the Bundle
 * carries for that event the number of resources of each type its focus
 * rules allow (and nothing else besides the MessageHeader), and
 * MessageHeader.focus references the event's main resource and only
 * resources the event allows. The focus rules are the package's
 * MessageDefinition with the hand decisions of vkp_overrides.c
 * (docs/vkp-conformance.md#message-events). Every count problem is VKP 2.3.
 * That the first entry is a MessageHeader (bdl-12) and that references
 * resolve are fhir_check's rules; nothing here repeats them.
 */
#include "vkp_int.h"

#include <string.h>

#include "../fhir/fhir_check.h"

#define MAX_RULES 16

typedef struct event_rules {
    const char *event;
    const vkp_focus_def *rule[MAX_RULES];
    size_t n;
    size_t count[MAX_RULES];
} event_rules;

static size_t rules_of(const char *system, const char *code, event_rules *er)
{
    size_t total;
    const vkp_focus_def *f = vkp_focus_rules(&total);
    er->n = 0;
    er->event = NULL;
    for (size_t i = 0; i < total && er->n < MAX_RULES; i++)
        if (strcmp(f[i].system, system) == 0 && strcmp(f[i].event, code) == 0) {
            er->event = f[i].event;
            er->count[er->n] = 0;
            er->rule[er->n++] = &f[i];
        }
    return er->n;
}

const char *vkp_event_profile(const char *event, const char *type)
{
    size_t total;
    const vkp_focus_def *f = vkp_focus_rules(&total);
    for (size_t i = 0; event && type && i < total; i++)
        if (strcmp(f[i].event, event) == 0 && strcmp(f[i].type, type) == 0)
            return f[i].profile;
    return NULL;
}

static int rule_for(const event_rules *er, const char *type)
{
    for (size_t i = 0; type && i < er->n; i++)
        if (strcmp(er->rule[i]->type, type) == 0)
            return (int)i;
    return -1;
}

/* Push Bundle.entry[i].resource (resource 1) or Bundle.entry[i] (0). */
static void at_entry(fhir_path *path, int i, int resource)
{
    fhir_path_push(path, "entry");
    fhir_path_index(path, i);
    if (resource)
        fhir_path_push(path, "resource");
}

static void leave_entry(fhir_path *path, int resource)
{
    if (resource)
        fhir_path_pop(path);
    fhir_path_pop(path);
}

static void foreign_entry(vkp_ctx *ctx, const event_rules *er, const char *type, int i,
                          fhir_path *path)
{
    at_entry(path, i, 1);
    if (strcmp(type, "Flag") == 0)
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_COUNT,
                  "Flag hører ikke til meldingshendelsen %s: VKP 0.9.0 bruker DetectedIssue i "
                  "stedet for Flag",
                  er->event);
    else
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_COUNT,
                  "Ressurstypen %s hører ikke til meldingshendelsen %s", type, er->event);
    leave_entry(path, 1);
}

/* Count the entries after the MessageHeader by type; report types the event
 * does not allow and the first entry over a rule's max. */
static void count_entries(vkp_ctx *ctx, const fj_node *entries, event_rules *er, fhir_path *path)
{
    int i = 0;
    for (const fj_node *e = entries->child; e; e = e->next, i++) {
        const char *type = fj_get_str(fj_get(e, "resource"), "resourceType");
        if (i == 0 || !type)
            continue;
        int r = rule_for(er, type);
        if (r < 0) {
            foreign_entry(ctx, er, type, i, path);
            continue;
        }
        if (++er->count[r] == (size_t)er->rule[r]->max + 1) {
            at_entry(path, i, 1);
            vkp_issue(ctx, path, FHIR_SEV_ERROR, "structure", VKP_OO_INVALID_COUNT,
                      "Meldingshendelsen %s kan ha høyst %d %s", er->event, er->rule[r]->max, type);
            leave_entry(path, 1);
        }
    }
    for (size_t r = 0; r < er->n; r++)
        if (er->count[r] < (size_t)er->rule[r]->min) {
            fhir_path_push(path, "entry");
            vkp_issue(ctx, path, FHIR_SEV_ERROR, "required", VKP_OO_INVALID_COUNT,
                      "Meldingshendelsen %s skal ha minst %d %s, fant %zu", er->event,
                      er->rule[r]->min, er->rule[r]->type, er->count[r]);
            fhir_path_pop(path);
        }
}

/* Every focus resolves to a type of the event; the main resource is a focus. */
static void check_focus(vkp_ctx *ctx, const fj_node *bundle, const fj_node *header,
                        const event_rules *er, fhir_path *path)
{
    const char *from = fj_get_str(fj_at(fj_get(bundle, "entry"), 0), "fullUrl");
    const fj_node *focus = fj_get(header, "focus");
    const char *main_type = NULL;
    int main_seen = 0;
    for (size_t r = 0; r < er->n; r++)
        if (er->rule[r]->min >= 1 && !main_type)
            main_type = er->rule[r]->type;
    at_entry(path, 0, 1);
    fhir_path_push(path, "focus");
    int i = 0;
    for (const fj_node *f = focus && focus->kind == FJ_ARRAY ? focus->child : NULL; f;
         f = f->next, i++) {
        const fj_node *res = fhir_bundle_resolve(bundle, from, fj_get_str(f, "reference"), NULL);
        const char *type = fj_get_str(res, "resourceType");
        if (!type)
            continue; /* no literal reference, or it does not resolve: fhir_check's finding */
        main_seen |= main_type && strcmp(type, main_type) == 0;
        if (rule_for(er, type) < 0) {
            fhir_path_index(path, i);
            vkp_issue(ctx, path, FHIR_SEV_ERROR, "business-rule", VKP_OO_INVALID_COUNT,
                      "Fokus peker på en %s, som ikke hører til meldingshendelsen %s", type,
                      er->event);
        }
    }
    fhir_path_index(path, -1);
    if (main_type && !main_seen)
        vkp_issue(ctx, path, FHIR_SEV_ERROR, "required", VKP_OO_INVALID_COUNT,
                  "MessageHeader.focus skal peke på meldingens %s", main_type);
    fhir_path_pop(path);
    leave_entry(path, 1);
}

static void unknown_event(vkp_ctx *ctx, const fj_node *coding, fhir_path *path)
{
    const char *system = fj_get_str(coding, "system"), *code = fj_get_str(coding, "code");
    int right_system = system && strcmp(system, vkp_hand_event_system) == 0;
    at_entry(path, 0, 1);
    fhir_path_push(path, "eventCoding");
    fhir_path_push(path, right_system ? "code" : "system");
    vkp_issue(ctx, path, FHIR_SEV_ERROR, "code-invalid", VKP_OO_INVALID_DATA,
              "Ukjent meldingshendelse %s|%s: VKP kjenner MedicationDispense, LocationMeasurement, "
              "CameraObservation og PatientComposition i %s",
              system ? system : "(uten system)", code ? code : "(uten kode)",
              vkp_hand_event_system);
    fhir_path_pop(path);
    fhir_path_pop(path);
    leave_entry(path, 1);
}

const char *vkp_message_check(vkp_ctx *ctx, const fj_node *bundle, fhir_path *path)
{
    const fj_node *entries = fj_get(bundle, "entry");
    if (!entries || entries->kind != FJ_ARRAY)
        return NULL; /* fhir_check reports the empty message */
    const fj_node *header = fj_get(fj_at(entries, 0), "resource");
    if (!fj_str_eq(fj_get(header, "resourceType"), "MessageHeader"))
        return NULL; /* bdl-12 */
    const fj_node *coding = fj_get(header, "eventCoding");
    if (!coding || coding->kind != FJ_OBJECT)
        return NULL; /* eventUri or nothing: the MessageHeader profile and fhir_check report it */
    const char *system = fj_get_str(coding, "system"), *code = fj_get_str(coding, "code");
    event_rules er;
    if (!system || !code || !rules_of(system, code, &er)) {
        unknown_event(ctx, coding, path);
        return NULL;
    }
    count_entries(ctx, entries, &er, path);
    check_focus(ctx, bundle, header, &er, path);
    return er.event;
}
