/* vkp_overrides.c - every hand decision Knute makes about the VKP package:
 * where the published package (v0.9.0) is defective, incomplete or leans on
 * profiles it does not ship. The generated tables (vkp_rules_gen.c) say what
 * the package says; this file says what Knute does instead, and each entry
 * points at the section of docs/vkp-conformance.md that explains why. The
 * drift test (tests/fhir/test_vkp_drift.py) fails when a compiled rule
 * differs from the package without an entry here.
 */
#include "vkp_rules.h"

#include <string.h>

#define EHELSE_SD "http://ehelse.no/fhir/StructureDefinition/"
#define HL7NO_SD "http://hl7.no/fhir/StructureDefinition/"
#define EHELSE_VS "http://ehelse.no/fhir/ValueSet/"
#define FNR_OID "urn:oid:2.16.578.1.12.4.1.4.1"
#define DNR_OID "urn:oid:2.16.578.1.12.4.1.4.2"
#define FHN_OID "urn:oid:2.16.578.1.12.4.1.4.3"
#define UCUM "http://unitsofmeasure.org"
#define LOINC "http://loinc.org"
#define URI_SYSTEM "urn:ietf:rfc:3986"

const char *const vkp_hand_event_system = "http://ehelse.no/fhir/CodeSystem/vkp-message-event-v090";

/* ---- patches to single elements ---- */

const vkp_patch vkp_hand_patches[] = {
    /* docs/vkp-conformance.md#deleted-value-set: vkp-encounter-type-v090 was
     * deleted; its codes live on as vkp-encounter-mode-v090, which
     * vkp-Encounter-v090 binds for the same element. */
    {EHELSE_SD "vkp-digital-Encounter-v090", "Encounter.participant.type", VKP_PATCH_VALUESET,
     EHELSE_VS "vkp-encounter-mode-v090", "deleted-value-set"},
    /* docs/vkp-conformance.md#severity-level-system: the coding system is
     * fixed to the value set's URL, which no coding can satisfy together with
     * the required binding; the code system's URL is used. */
    {EHELSE_SD "vkp-severity-level-v090", "Extension.value[x]:valueCodeableConcept.coding.system",
     VKP_PATCH_FIXED, "\"http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090\"",
     "severity-level-system"},
    /* docs/vkp-conformance.md#sone: a value[x] slice without slicing. */
    {EHELSE_SD "vkp-sone-v090", "Extension.value[x]:valueString", VKP_PATCH_NO_SLICE_TYPE, "open",
     "sone"},
};
const size_t vkp_hand_patch_count = sizeof vkp_hand_patches / sizeof vkp_hand_patches[0];

/* ---- elements at STU3 paths (docs/vkp-conformance.md#r4-receiver) ----
 * MessageHeader.receiver is an STU3 element; in R4 the receiver is
 * MessageHeader.destination.receiver, and a top-level receiver is an unknown
 * element to the base R4 check. The profile's receiver rules apply there. */
const vkp_repath vkp_hand_repaths[] = {
    {EHELSE_SD "vkp-MessageHeader-v090", "MessageHeader.receiver",
     "MessageHeader.destination.receiver", "r4-receiver"},
};
const size_t vkp_hand_repath_count = sizeof vkp_hand_repaths / sizeof vkp_hand_repaths[0];

const vkp_repath *vkp_repath_for(const char *url, const char *id)
{
    for (size_t i = 0; i < vkp_hand_repath_count; i++) {
        const vkp_repath *r = &vkp_hand_repaths[i];
        size_t n = strlen(r->from);
        if (strncmp(id, r->from, n) == 0 && (id[n] == '\0' || id[n] == '.' || id[n] == ':') &&
            vkp_canonical_eq(r->profile, url))
            return r;
    }
    return NULL;
}

/* ---- hand-defined value sets (docs/vkp-conformance.md#absent-value-sets) ---- */

/* Identifier systems as codes: the binding sits on Identifier.system. */
static const vkp_vs_entry vs_subject_ids[] = {
    {URI_SYSTEM, FNR_OID, "Fødselsnummer"},
    {URI_SYSTEM, DNR_OID, "D-nummer"},
    {URI_SYSTEM, FHN_OID, "Felles hjelpenummer"},
};
static const vkp_vs_entry vs_performer_ids[] = {
    {URI_SYSTEM, FNR_OID, "Fødselsnummer"},
    {URI_SYSTEM, DNR_OID, "D-nummer"},
};
/* docs/vkp-conformance.md#binding-to-codesystem: every code of v3-ActCode. */
static const vkp_vs_entry vs_actcode[] = {
    {"http://terminology.hl7.org/CodeSystem/v3-ActCode", NULL, ""},
};
/* docs/vkp-conformance.md#vital-signs: the UCUM units of the R4 vital signs. */
static const vkp_vs_entry vs_bodytemp_units[] = {
    {UCUM, "Cel", "grader Celsius"},
    {UCUM, "[degF]", "grader Fahrenheit"},
};
static const vkp_vs_entry vs_bodyweight_units[] = {
    {UCUM, "[lb_av]", "pund"},
    {UCUM, "g", "gram"},
    {UCUM, "kg", "kilogram"},
};

#define VS(url, arr)                                                                               \
    {                                                                                              \
        url, NULL, "hand", arr, sizeof arr / sizeof arr[0]                                         \
    }
const vkp_valueset_def vkp_hand_valuesets[] = {
    VS(EHELSE_VS "vkp-subject-identifiers.valueset", vs_subject_ids),
    VS(EHELSE_VS "vkp-performer-identifiers.valueset", vs_performer_ids),
    VS("http://terminology.hl7.org/CodeSystem/v3-ActCode", vs_actcode),
    VS("http://hl7.org/fhir/ValueSet/ucum-bodytemp", vs_bodytemp_units),
    VS("http://hl7.org/fhir/ValueSet/ucum-bodyweight", vs_bodyweight_units),
};
const size_t vkp_hand_valueset_count = sizeof vkp_hand_valuesets / sizeof vkp_hand_valuesets[0];

/* ---- the base vital-sign rules (docs/vkp-conformance.md#vital-signs) ----
 * vkp-Observation-Bodytemp/-Bodyweight/-Heartrate/-Oxygensat derive from the
 * HL7 R4 vital-sign profiles, which the package does not ship (the blood
 * pressure profile ships its snapshot, so it needs nothing here). These are
 * the rules of those base profiles: the vital-signs category, the LOINC
 * code, subject and effective time, and a UCUM quantity. */

#define HAND(id_, min_, max_) .id = id_, .source = VKP_SRC_HAND, .min = min_, .max = max_
#define VITAL_COMMON(loinc_slice, loinc_code)                                                      \
    {HAND("Observation.category", 1, -1), .slicing = VKP_SLICE_OPEN,                               \
     .discriminators = "value:coding.code;value:coding.system"},                                   \
        {HAND("Observation.category:VSCat", 1, 1)},                                                \
        {HAND("Observation.category:VSCat.coding", 1, -1)},                                        \
        {HAND("Observation.category:VSCat.coding.system", 1, -1),                                  \
         .fixed = "\"http://terminology.hl7.org/CodeSystem/observation-category\"",                \
         .fixed_kind = "Uri"},                                                                     \
        {HAND("Observation.category:VSCat.coding.code", 1, -1), .fixed = "\"vital-signs\"",        \
         .fixed_kind = "Code"},                                                                    \
        {HAND("Observation.code.coding", -1, -1), .slicing = VKP_SLICE_OPEN,                       \
         .discriminators = "value:code;value:system"},                                             \
        {HAND("Observation.code.coding:" loinc_slice, 1, 1)},                                      \
        {HAND("Observation.code.coding:" loinc_slice ".system", 1, -1), .fixed = "\"" LOINC "\"",  \
         .fixed_kind = "Uri"},                                                                     \
        {HAND("Observation.code.coding:" loinc_slice ".code", 1, -1),                              \
         .fixed = "\"" loinc_code "\"", .fixed_kind = "Code"},                                     \
        {HAND("Observation.subject", 1, -1)},                                                      \
        {HAND("Observation.effective[x]", 1, -1), .types = "dateTime|Period"},                     \
        {HAND("Observation.value[x]", -1, -1), .types = "Quantity"},                               \
        {HAND("Observation.value[x].value", 1, -1)}, {HAND("Observation.value[x].unit", 1, -1)},   \
    {                                                                                              \
        HAND("Observation.value[x].system", 1, -1), .fixed = "\"" UCUM "\"", .fixed_kind = "Uri"   \
    }

static const vkp_elem add_bodytemp[] = {
    VITAL_COMMON("BodyTempCode", "8310-5"),
    {HAND("Observation.value[x].code", 1, -1), .strength = VKP_BIND_REQUIRED,
     .valueset = "http://hl7.org/fhir/ValueSet/ucum-bodytemp"},
};
static const vkp_elem add_bodyweight[] = {
    VITAL_COMMON("BodyWeightCode", "29463-7"),
    {HAND("Observation.value[x].code", 1, -1), .strength = VKP_BIND_REQUIRED,
     .valueset = "http://hl7.org/fhir/ValueSet/ucum-bodyweight"},
};
static const vkp_elem add_heartrate[] = {
    VITAL_COMMON("HeartRateCode", "8867-4"),
    {HAND("Observation.value[x].code", 1, -1), .fixed = "\"/min\"", .fixed_kind = "Code"},
};
static const vkp_elem add_oxygensat[] = {
    VITAL_COMMON("OxygenSatCode", "2708-6"),
    {HAND("Observation.value[x].code", 1, -1), .fixed = "\"%\"", .fixed_kind = "Code"},
};

/* docs/vkp-conformance.md#location: vkp-Location-v090 is named by the
 * ImplementationGuide and the MessageHeader profile but not shipped. */
static const vkp_elem add_location[] = {
    {HAND("Location.position", 1, -1)},
};

#define ADD(url, arr, doc)                                                                         \
    {                                                                                              \
        url, arr, sizeof arr / sizeof arr[0], doc                                                  \
    }
const vkp_addition vkp_hand_additions[] = {
    ADD(HL7NO_SD "vkp-Observation-Bodytemp-v090", add_bodytemp, "vital-signs"),
    ADD(HL7NO_SD "vkp-Observation-Bodyweight-v090", add_bodyweight, "vital-signs"),
    ADD(HL7NO_SD "vkp-Observation-Heartrate-v090", add_heartrate, "vital-signs"),
    ADD(HL7NO_SD "vkp-Observation-Oxygensat-v090", add_oxygensat, "vital-signs"),
    ADD(EHELSE_SD "vkp-Location-v090", add_location, "location"),
};
const size_t vkp_hand_addition_count = sizeof vkp_hand_additions / sizeof vkp_hand_additions[0];

/* Profiles the package names but does not define (rules: vkp_hand_additions). */
const vkp_profile_def vkp_hand_profiles[] = {
    {.url = EHELSE_SD "vkp-Location-v090",
     .name = "VkpLocation",
     .type = "Location",
     .kind = VKP_KIND_RESOURCE,
     .base = "http://hl7.org/fhir/StructureDefinition/Location",
     .file = "hand",
     .elems = NULL,
     .n_elems = 0},
};
const size_t vkp_hand_profile_count = sizeof vkp_hand_profiles / sizeof vkp_hand_profiles[0];

/* ---- message events (docs/vkp-conformance.md#message-events) ---- */

#define EV(event, type, profile, min, max)                                                         \
    {                                                                                              \
        "http://ehelse.no/fhir/CodeSystem/vkp-message-event-v090", event, type, profile, min, max, \
            "hand"                                                                                 \
    }
const vkp_focus_patch vkp_hand_focus[] = {
    /* #flag-detectedissue: the MessageDefinition still names Flag. */
    {EV("MedicationDispense", "DetectedIssue", EHELSE_SD "vkp-DetectedIssue-v090", 0, 1), "Flag",
     "flag-detectedissue"},
    /* #message-events: the package's Composition focus names no profile. */
    {EV("MedicationDispense", "Composition", EHELSE_SD "vkp-Composition-v090", 0, 1), "Composition",
     "message-events"},
    {EV("LocationMeasurement", "Location", EHELSE_SD "vkp-Location-v090", 1, 1), NULL,
     "message-events"},
    {EV("LocationMeasurement", "DetectedIssue", EHELSE_SD "vkp-DetectedIssue-v090", 0, 1), NULL,
     "message-events"},
    {EV("LocationMeasurement", "Composition", EHELSE_SD "vkp-Composition-v090", 0, 1), NULL,
     "message-events"},
    {EV("CameraObservation", "Encounter", EHELSE_SD "vkp-digital-Encounter-v090", 1, 1), NULL,
     "message-events"},
    {EV("CameraObservation", "DetectedIssue", EHELSE_SD "vkp-DetectedIssue-v090", 0, 1), NULL,
     "message-events"},
    {EV("CameraObservation", "Composition", EHELSE_SD "vkp-Composition-v090", 0, 1), NULL,
     "message-events"},
    {EV("PatientComposition", "Composition", EHELSE_SD "vkp-Composition-v090", 1, 1), NULL,
     "message-events"},
    {EV("PatientComposition", "DetectedIssue", EHELSE_SD "vkp-DetectedIssue-v090", 0, 1), NULL,
     "message-events"},
    {EV("PatientComposition", "Observation", NULL, 0, VKP_MAX_MANY), NULL, "message-events"},
    {EV("PatientComposition", "QuestionnaireResponse", EHELSE_SD "vkp-QuestionnaireReponse-v090", 0,
        VKP_MAX_MANY),
     NULL, "message-events"},
};
const size_t vkp_hand_focus_count = sizeof vkp_hand_focus / sizeof vkp_hand_focus[0];

/* ---- profile selection (docs/vkp-conformance.md#profile-selection) ---- */

#define SCT "http://snomed.info/sct"
const vkp_obs_select vkp_hand_obs_select[] = {
    {LOINC, "85354-9", EHELSE_SD "vkp-Observation-Bloodpressure-v090"},
    {SCT, "75367002", EHELSE_SD "vkp-Observation-Bloodpressure-v090"},
    {LOINC, "8310-5", HL7NO_SD "vkp-Observation-Bodytemp-v090"},
    {SCT, "276885007", HL7NO_SD "vkp-Observation-Bodytemp-v090"},
    {LOINC, "29463-7", HL7NO_SD "vkp-Observation-Bodyweight-v090"},
    {SCT, "27113001", HL7NO_SD "vkp-Observation-Bodyweight-v090"},
    {LOINC, "8867-4", HL7NO_SD "vkp-Observation-Heartrate-v090"},
    {SCT, "364075005", HL7NO_SD "vkp-Observation-Heartrate-v090"},
    {LOINC, "2708-6", HL7NO_SD "vkp-Observation-Oxygensat-v090"},
    {SCT, "431314004", HL7NO_SD "vkp-Observation-Oxygensat-v090"},
};
const size_t vkp_hand_obs_select_count = sizeof vkp_hand_obs_select / sizeof vkp_hand_obs_select[0];

/* Encounter: vkp-digital-Encounter-v090 when class is v3-ActCode VR (see
 * vkp_select.c), otherwise the entry below. */
const vkp_type_default vkp_hand_type_defaults[] = {
    {"CarePlan", EHELSE_SD "vkp-CarePlan-v090"},
    {"Composition", EHELSE_SD "vkp-Composition-v090"},
    {"DetectedIssue", EHELSE_SD "vkp-DetectedIssue-v090"},
    {"Encounter", EHELSE_SD "vkp-Encounter-v090"},
    {"EpisodeOfCare", EHELSE_SD "vkp-EpisodeOfCare-v090"},
    {"Location", EHELSE_SD "vkp-Location-v090"},
    {"MedicationDispense", EHELSE_SD "vkp-MedicationDispense-v090"},
    {"MessageHeader", EHELSE_SD "vkp-MessageHeader-v090"},
    {"Observation", EHELSE_SD "vkp-Observation-v090"},
    {"Patient", EHELSE_SD "vkp-Patient-v090"},
    {"QuestionnaireResponse", EHELSE_SD "vkp-QuestionnaireReponse-v090"},
};
const size_t vkp_hand_type_default_count =
    sizeof vkp_hand_type_defaults / sizeof vkp_hand_type_defaults[0];

/* ---- canonical URLs (docs/vkp-conformance.md#canonical-urls) ---- */

/* Published spelling, and the spelling also accepted. */
static const char *const spellings[][2] = {
    {"vkp-QuestionnaireReponse-v090", "vkp-QuestionnaireResponse-v090"},
    {"vkp-Observation-Bloodpressure-v090", "vkp-Observation-BloodPressure-v090"},
};

const char *vkp_canonical_name(const char *url)
{
    static const size_t le = sizeof EHELSE_SD - 1, lh = sizeof HL7NO_SD - 1;
    if (strncmp(url, EHELSE_SD, le) == 0)
        return url + le;
    if (strncmp(url, HL7NO_SD, lh) == 0)
        return url + lh;
    return NULL;
}

const char *vkp_canonical_alt(const char *name)
{
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        if (strcmp(name, spellings[i][0]) == 0)
            return spellings[i][1];
        if (strcmp(name, spellings[i][1]) == 0)
            return spellings[i][0];
    }
    return NULL;
}

static int same_name(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
        if ((strcmp(a, spellings[i][0]) == 0 && strcmp(b, spellings[i][1]) == 0) ||
            (strcmp(a, spellings[i][1]) == 0 && strcmp(b, spellings[i][0]) == 0))
            return 1;
    return 0;
}

int vkp_canonical_eq(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    const char *na = vkp_canonical_name(a), *nb = vkp_canonical_name(b);
    return na && nb && same_name(na, nb);
}
