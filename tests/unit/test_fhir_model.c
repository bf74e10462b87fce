/* test_fhir_model.c - the generated FHIR R4 type model (fhir_model.h):
 * lookups of resources, data types, primitives and backbone elements, choice
 * expansion, contentReference, base cardinalities, the required-element
 * lists, and that the tables are sorted and consistent throughout. Expected
 * values are taken from the R4 specification pages (hl7.org/fhir/R4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fhir/fhir_model.h"

#include <string.h>

static const fhir_elem *elem(const char *type, const char *name)
{
    const fhir_type *t = fhir_model_type(type);
    assert_non_null(t);
    return fhir_model_elem(t, name);
}

static const char *type_name_of(const fhir_elem *e)
{
    assert_non_null(e);
    const fhir_type *t = fhir_model_type_at(e->type);
    assert_non_null(t);
    return t->name;
}

static void test_counts(void **state)
{
    (void)state;
    unsigned n = fhir_model_type_count(), resources = 0, primitives = 0, backbones = 0;
    for (unsigned i = 0; i < n; i++) {
        const fhir_type *t = fhir_model_type_at((uint16_t)i);
        assert_non_null(t);
        resources += t->kind == FHIR_KIND_RESOURCE && !t->is_abstract;
        primitives += t->kind == FHIR_KIND_PRIMITIVE;
        backbones += t->kind == FHIR_KIND_BACKBONE;
    }
    /* R4 4.0.1: 146 concrete resource types (ResourceType value set less
     * Resource and DomainResource), 20 primitive types. */
    assert_int_equal(resources, 146);
    assert_int_equal(primitives, 20);
    assert_true(backbones > 400);
    assert_null(fhir_model_type_at((uint16_t)n));
    assert_string_equal(fhir_model_version(), "4.0.1");
}

static void test_resources(void **state)
{
    (void)state;
    assert_true(fhir_model_is_resource("Patient"));
    assert_true(fhir_model_is_resource("Bundle"));
    assert_true(fhir_model_is_resource("MessageHeader"));
    assert_true(fhir_model_is_resource("Parameters"));
    assert_false(fhir_model_is_resource("Resource"));
    assert_false(fhir_model_is_resource("DomainResource"));
    assert_false(fhir_model_is_resource("Quantity"));
    assert_false(fhir_model_is_resource("Bundle.entry"));
    assert_false(fhir_model_is_resource("patient"));
    assert_false(fhir_model_is_resource(""));
    /* Medplum's own resources and the R4B SubscriptionStatus are not R4. */
    assert_null(fhir_model_type("Project"));
    assert_null(fhir_model_type("Bot"));
    assert_null(fhir_model_type("SubscriptionStatus"));
    assert_null(fhir_model_type(NULL));
    const fhir_type *r = fhir_model_type("Resource");
    assert_non_null(r);
    assert_int_equal(r->kind, FHIR_KIND_RESOURCE);
    assert_true(r->is_abstract);
    assert_int_equal(r->n_elems, 4); /* id, implicitRules, language, meta */
}

static void test_patient(void **state)
{
    (void)state;
    const fhir_elem *e = elem("Patient", "identifier");
    assert_non_null(e);
    assert_true(e->many);
    assert_int_equal(e->min, 0);
    assert_int_equal(e->choice, 0);
    assert_string_equal(type_name_of(e), "Identifier");
    assert_string_equal(e->path, "Patient.identifier");
    e = elem("Patient", "gender");
    assert_false(e->many);
    assert_string_equal(type_name_of(e), "code");
    /* Inherited from Resource and DomainResource. */
    e = elem("Patient", "id");
    assert_string_equal(type_name_of(e), "id");
    assert_string_equal(e->path, "Patient.id");
    e = elem("Patient", "contained");
    assert_true(e->many);
    assert_string_equal(type_name_of(e), "Resource");
    assert_non_null(elem("Patient", "modifierExtension"));
    assert_non_null(elem("Patient", "meta"));
    /* Choice: deceased[x] is boolean | dateTime. */
    const fhir_elem *b = elem("Patient", "deceasedBoolean"), *d = elem("Patient", "deceasedDateTime");
    assert_non_null(b);
    assert_non_null(d);
    assert_true(b->choice > 0);
    assert_int_equal(b->choice, d->choice);
    assert_string_equal(b->path, "Patient.deceased[x]");
    assert_null(elem("Patient", "deceased"));
    assert_null(elem("Patient", "deceased[x]"));
    assert_null(elem("Patient", "deceasedString"));
    assert_null(elem("Patient", "resourceType"));
    assert_null(elem("Patient", "Identifier"));
    assert_null(elem("Patient", ""));
}

static void test_observation_choice(void **state)
{
    (void)state;
    const fhir_elem *q = elem("Observation", "valueQuantity");
    assert_non_null(q);
    assert_true(q->choice > 0);
    assert_string_equal(type_name_of(q), "Quantity");
    assert_string_equal(q->path, "Observation.value[x]");
    static const char *const values[] = {"valueCodeableConcept", "valueString", "valueBoolean",
                                         "valueInteger", "valueRange", "valueRatio",
                                         "valueSampledData", "valueTime", "valueDateTime",
                                         "valuePeriod"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        const fhir_elem *v = elem("Observation", values[i]);
        assert_non_null(v);
        assert_int_equal(v->choice, q->choice);
    }
    assert_null(elem("Observation", "valueReference"));
    const fhir_elem *eff = elem("Observation", "effectiveDateTime");
    assert_non_null(eff);
    assert_true(eff->choice > 0);
    assert_int_not_equal(eff->choice, q->choice);
    assert_string_equal(type_name_of(elem("Observation", "effectiveInstant")), "instant");
    const fhir_elem *status = elem("Observation", "status");
    assert_int_equal(status->min, 1);
    assert_int_equal(status->choice, 0);
    /* Observation.component is a backbone with its own value[x]. */
    const fhir_elem *comp = elem("Observation", "component");
    assert_true(comp->many);
    assert_string_equal(type_name_of(comp), "Observation.component");
    assert_non_null(elem("Observation.component", "valueQuantity"));
    assert_int_equal(elem("Observation.component", "code")->min, 1);
    /* Extension.value[x] is open to every data type. */
    assert_string_equal(type_name_of(elem("Extension", "valueBase64Binary")), "base64Binary");
    assert_string_equal(type_name_of(elem("Extension", "valueCodeableConcept")), "CodeableConcept");
    assert_string_equal(type_name_of(elem("Extension", "url")), "uri");
    assert_int_equal(elem("Extension", "url")->min, 1);
}

static void test_bundle_backbones(void **state)
{
    (void)state;
    const fhir_elem *entry = elem("Bundle", "entry");
    assert_true(entry->many);
    assert_string_equal(type_name_of(entry), "Bundle.entry");
    const fhir_type *bt = fhir_model_type("Bundle.entry");
    assert_non_null(bt);
    assert_int_equal(bt->kind, FHIR_KIND_BACKBONE);
    assert_false(bt->is_abstract);
    assert_string_equal(type_name_of(elem("Bundle.entry", "resource")), "Resource");
    assert_string_equal(type_name_of(elem("Bundle.entry", "fullUrl")), "uri");
    assert_string_equal(type_name_of(elem("Bundle.entry", "request")), "Bundle.entry.request");
    assert_int_equal(elem("Bundle.entry.request", "method")->min, 1);
    assert_string_equal(elem("Bundle.entry.request", "method")->path, "Bundle.entry.request.method");
    /* Backbone elements carry id, extension and modifierExtension. */
    assert_string_equal(type_name_of(elem("Bundle.entry", "id")), "string");
    assert_non_null(elem("Bundle.entry", "modifierExtension"));
    assert_string_equal(elem("Bundle.entry", "extension")->path, "Bundle.entry.extension");
    /* contentReference: Bundle.entry.link is a Bundle.link. */
    const fhir_elem *link = elem("Bundle.entry", "link");
    assert_true(link->many);
    assert_string_equal(type_name_of(link), "Bundle.link");
    /* R4 has entry.response.outcome typed Resource (Medplum's snapshot says
     * OperationOutcome). */
    assert_string_equal(type_name_of(elem("Bundle.entry.response", "outcome")), "Resource");
    assert_int_equal(elem("Bundle", "type")->min, 1);
    assert_null(elem("Bundle", "contained")); /* Bundle is a Resource, not a DomainResource */
    assert_null(elem("Bundle", "text"));
    assert_string_equal(type_name_of(elem("MessageHeader", "destination")),
                        "MessageHeader.destination");
    assert_string_equal(type_name_of(elem("MessageHeader", "eventCoding")), "Coding");
}

static void test_content_reference(void **state)
{
    (void)state;
    const fhir_elem *item = elem("Questionnaire", "item");
    assert_string_equal(type_name_of(item), "Questionnaire.item");
    const fhir_elem *nested = elem("Questionnaire.item", "item");
    assert_non_null(nested);
    assert_true(nested->many);
    assert_int_equal(nested->type, item->type);
    assert_string_equal(nested->path, "Questionnaire.item.item");
    assert_int_equal(elem("Questionnaire.item", "linkId")->min, 1);
    assert_string_equal(type_name_of(elem("QuestionnaireResponse.item.answer", "item")),
                        "QuestionnaireResponse.item");
}

static void test_data_types_and_primitives(void **state)
{
    (void)state;
    static const struct { const char *name; fhir_prim prim; } prims[] = {
        {"boolean", FHIR_PRIM_BOOLEAN},         {"integer", FHIR_PRIM_INTEGER},
        {"positiveInt", FHIR_PRIM_POSITIVEINT}, {"unsignedInt", FHIR_PRIM_UNSIGNEDINT},
        {"decimal", FHIR_PRIM_DECIMAL},         {"string", FHIR_PRIM_STRING},
        {"markdown", FHIR_PRIM_MARKDOWN},       {"code", FHIR_PRIM_CODE},
        {"id", FHIR_PRIM_ID},                   {"uri", FHIR_PRIM_URI},
        {"url", FHIR_PRIM_URL},                 {"canonical", FHIR_PRIM_CANONICAL},
        {"oid", FHIR_PRIM_OID},                 {"uuid", FHIR_PRIM_UUID},
        {"base64Binary", FHIR_PRIM_BASE64BINARY}, {"instant", FHIR_PRIM_INSTANT},
        {"date", FHIR_PRIM_DATE},               {"dateTime", FHIR_PRIM_DATETIME},
        {"time", FHIR_PRIM_TIME},               {"xhtml", FHIR_PRIM_XHTML},
    };
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
        const fhir_type *t = fhir_model_type(prims[i].name);
        assert_non_null(t);
        assert_int_equal(t->kind, FHIR_KIND_PRIMITIVE);
        assert_int_equal(t->prim, prims[i].prim);
        assert_null(t->elems);
        assert_int_equal(t->n_elems, 0);
    }
    const fhir_type *q = fhir_model_type("Quantity");
    assert_int_equal(q->kind, FHIR_KIND_COMPLEX);
    assert_int_equal(q->prim, FHIR_PRIM_NONE);
    assert_string_equal(type_name_of(fhir_model_elem(q, "value")), "decimal");
    /* Age is a specialisation of Quantity and has its elements. */
    assert_string_equal(type_name_of(elem("Age", "comparator")), "code");
    assert_string_equal(elem("Age", "unit")->path, "Age.unit");
    /* Element and BackboneElement are abstract complex types. */
    assert_true(fhir_model_type("Element")->is_abstract);
    assert_int_equal(fhir_model_type("BackboneElement")->n_elems, 3);
    /* Data-type backbones (Timing.repeat is an Element: no modifierExtension). */
    assert_string_equal(type_name_of(elem("Timing", "repeat")), "Timing.repeat");
    assert_null(elem("Timing.repeat", "modifierExtension"));
    assert_non_null(elem("Timing", "modifierExtension")); /* Timing is a BackboneElement */
    assert_non_null(elem("Timing.repeat", "boundsDuration"));
    /* Meta as in R4, without Medplum's additions. */
    assert_non_null(elem("Meta", "lastUpdated"));
    assert_null(elem("Meta", "project"));
    assert_null(elem("Meta", "author"));
    assert_null(elem("Binary", "url"));
    assert_string_equal(type_name_of(elem("Narrative", "div")), "xhtml");
    assert_int_equal(elem("Narrative", "div")->min, 1);
    assert_string_equal(type_name_of(elem("Reference", "type")), "uri");
}

static void test_required_lists(void **state)
{
    (void)state;
    unsigned n = 0;
    const fhir_type *obs = fhir_model_type("Observation");
    const uint16_t *req = fhir_model_required(obs, &n);
    assert_int_equal(n, 2); /* status, code */
    assert_string_equal(obs->elems[req[0]].name, "code");
    assert_string_equal(obs->elems[req[1]].name, "status");
    assert_non_null(fhir_model_required(fhir_model_type("Patient"), &n));
    assert_int_equal(n, 0);
    /* A required choice group is listed once. */
    const fhir_type *mr = fhir_model_type("MedicationRequest");
    req = fhir_model_required(mr, &n);
    int medication = 0;
    for (unsigned i = 0; i < n; i++)
        medication += strncmp(mr->elems[req[i]].name, "medication", 10) == 0;
    assert_int_equal(medication, 1);
    assert_int_equal(n, 4); /* intent, medication[x], status, subject */
}

/* Every type: elements strictly sorted, types valid, choice members share
 * their path, required lists point at min-1 elements; the type table sorted. */
static void test_tables_consistent(void **state)
{
    (void)state;
    unsigned n = fhir_model_type_count();
    for (unsigned i = 0; i < n; i++) {
        const fhir_type *t = fhir_model_type_at((uint16_t)i);
        if (i > 0)
            assert_true(strcmp(fhir_model_type_at((uint16_t)(i - 1))->name, t->name) < 0);
        assert_ptr_equal(fhir_model_type(t->name), t);
        for (unsigned k = 0; k < t->n_elems; k++) {
            const fhir_elem *e = &t->elems[k];
            if (k > 0)
                assert_true(strcmp(t->elems[k - 1].name, e->name) < 0);
            assert_ptr_equal(fhir_model_elem(t, e->name), e);
            assert_non_null(fhir_model_type_at(e->type));
            assert_true(e->choice <= 64);
            assert_true(e->min <= 1);
            assert_true(strncmp(e->path, t->name, strlen(t->name)) == 0);
            if (e->choice)
                assert_non_null(strstr(e->path, "[x]"));
        }
        unsigned nreq = 0;
        const uint16_t *req = fhir_model_required(t, &nreq);
        for (unsigned k = 0; k < nreq; k++) {
            assert_true(req[k] < t->n_elems);
            assert_int_equal(t->elems[req[k]].min, 1);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_patient),
        cmocka_unit_test(test_observation_choice),
        cmocka_unit_test(test_bundle_backbones),
        cmocka_unit_test(test_content_reference),
        cmocka_unit_test(test_data_types_and_primitives),
        cmocka_unit_test(test_required_lists),
        cmocka_unit_test(test_tables_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
