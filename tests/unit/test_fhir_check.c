/* test_fhir_check.c - base FHIR R4 validation (fhir_check.h): realistic valid
 * resources and Bundles of every type (tests/fhir/base/) pass with no issue,
 * and each rejection yields exactly the expected issues: FHIR issue code, VKP
 * operation-outcome code and expression, in order. Covers structure, primitive
 * values, cardinality, choice, "_" companions, contained, Extension, the
 * Bundle rules per type and reference resolution (urn:uuid, relative,
 * absolute, versioned, #contained) with fhir_bundle_resolve().
 *
 * Inline JSON is written with ' for " to stay readable; json() swaps them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fhir/fhir_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct want {
    const char *code, *vkp, *expr;
} want;

#define S "structure", "2.4"
#define V "value", "2.4"
#define REQ "required", "2.3"
#define INV "invariant", "2.4"
#define NF "not-found", "2.4"

static fj_doc *parse(const char *text)
{
    fj_doc *doc = NULL;
    kn_err err = {0};
    if (fj_parse(text, strlen(text), &doc, &err) != KN_OK)
        fail_msg("test JSON does not parse: %s", err.msg);
    return doc;
}

/* text with every ' turned into "; the caller frees. */
static char *json(const char *text)
{
    char *s = strdup(text);
    assert_non_null(s);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static char *read_fixture(const char *name)
{
    const char *src = getenv("KNUTE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fhir/base/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static void print_issues(const fhir_outcome *oc)
{
    for (size_t i = 0; i < oc->count; i++)
        print_message("  issue %zu: %s %s %s: %s\n", i, oc->issues[i].code,
                      oc->issues[i].vkp_code ? oc->issues[i].vkp_code : "-",
                      oc->issues[i].expression ? oc->issues[i].expression : "-",
                      oc->issues[i].diagnostics);
}

/* Check text (already JSON) and compare the issues with w[0..n). */
static void expect_text(const char *text, const want *w, size_t n)
{
    fj_doc *doc = parse(text);
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    assert_int_equal(fhir_check_resource(fj_root(doc), &oc), KN_OK);
    int bad = oc.count != n;
    for (size_t i = 0; !bad && i < n; i++) {
        const fhir_issue *is = &oc.issues[i];
        bad = is->severity != FHIR_SEV_ERROR || strcmp(is->code, w[i].code) != 0 ||
              !is->vkp_code || strcmp(is->vkp_code, w[i].vkp) != 0 || !is->expression ||
              strcmp(is->expression, w[i].expr) != 0 || !is->diagnostics || !is->diagnostics[0];
    }
    if (bad) {
        print_message("for %s\nwanted %zu issue(s):\n", text, n);
        for (size_t i = 0; i < n; i++)
            print_message("  %s %s %s\n", w[i].code, w[i].vkp, w[i].expr);
        print_message("got %zu:\n", oc.count);
        print_issues(&oc);
    }
    assert_false(bad);
    assert_int_equal(fhir_outcome_ok(&oc), n == 0);
    fhir_outcome_release(&oc);
    fj_doc_free(doc);
}

#define EXPECT(text, ...)                                                              \
    do {                                                                               \
        static const want w_[] = {__VA_ARGS__};                                        \
        char *t_ = json(text);                                                         \
        expect_text(t_, w_, sizeof w_ / sizeof w_[0]);                                 \
        free(t_);                                                                      \
    } while (0)

static void expect_valid(const char *text)
{
    char *t = json(text);
    expect_text(t, NULL, 0);
    free(t);
}

/* ---- valid instances ---- */

static void test_valid_fixtures(void **state)
{
    (void)state;
    static const char *const files[] = {
        "message-bundle.json",      "document-bundle.json",        "transaction-bundle.json",
        "batch-bundle.json",        "batch-response-bundle.json",  "transaction-response-bundle.json",
        "searchset-bundle.json",    "history-bundle.json",         "collection-bundle.json",
        "patient-contained.json",   "questionnaire-response.json",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *text = read_fixture(files[i]);
        expect_text(text, NULL, 0);
        free(text);
    }
}

static void test_valid_small(void **state)
{
    (void)state;
    expect_valid("{'resourceType':'Patient'}");
    expect_valid("{'resourceType':'Observation','status':'final','code':{'text':'Puls'},"
                 "'valueQuantity':{'value':1.50,'unit':'/min'}}");
    /* A required primitive given only by its extension. */
    expect_valid("{'resourceType':'Observation','_status':{'extension':[{'url':"
                 "'http://hl7.org/fhir/StructureDefinition/data-absent-reason','valueCode':'unknown'}]},"
                 "'code':{'text':'Puls'}}");
    /* A required choice. */
    expect_valid("{'resourceType':'MedicationRequest','status':'active','intent':'order',"
                 "'medicationCodeableConcept':{'text':'Paracet'},'subject':{'display':'Kari'}}");
    /* Primitive extension on a choice member. */
    expect_valid("{'resourceType':'Observation','status':'final','code':{'text':'x'},"
                 "'valueString':'ja','_valueString':{'id':'v1'}}");
    expect_valid("{'resourceType':'Parameters','parameter':[{'name':'resource','resource':"
                 "{'resourceType':'Patient','id':'p1'}},{'name':'n','valueInteger':-3}]}");
}

/* ---- structure ---- */

static void test_unknown_elements(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Patient','foo':1}", {S, "Patient.foo"});
    EXPECT("{'resourceType':'Patient','name':[{'famly':'Hansen'}]}", {S, "Patient.name[0].famly"});
    EXPECT("{'resourceType':'Patient','_name':[{}]}", {S, "Patient._name"});
    EXPECT("{'resourceType':'Patient','_foo':{}}", {S, "Patient._foo"});
    EXPECT("{'resourceType':'Patient','name':[{'resourceType':'HumanName'}]}",
           {S, "Patient.name[0].resourceType"});
    /* Medplum's additions to Meta are not R4. */
    EXPECT("{'resourceType':'Patient','meta':{'project':'x'}}", {S, "Patient.meta.project"});
    /* A choice needs its type suffix. */
    EXPECT("{'resourceType':'Patient','deceased':true}", {S, "Patient.deceased"});
    /* Bundle is a Resource, not a DomainResource. */
    EXPECT("{'resourceType':'Bundle','type':'collection','text':{'status':'generated'}}",
           {S, "Bundle.text"});
}

static void test_json_shapes(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Patient','gender':['male']}", {S, "Patient.gender"});
    EXPECT("{'resourceType':'Patient','identifier':{'value':'1'}}", {S, "Patient.identifier"});
    EXPECT("{'resourceType':'Patient','identifier':[]}", {S, "Patient.identifier"});
    EXPECT("{'resourceType':'Patient','maritalStatus':{}}", {S, "Patient.maritalStatus"});
    EXPECT("{'resourceType':'Patient','maritalStatus':'M'}", {S, "Patient.maritalStatus"});
    EXPECT("{'resourceType':'Patient','gender':null}", {S, "Patient.gender"});
    EXPECT("{'resourceType':'Patient','name':[null]}", {S, "Patient.name[0]"});
    EXPECT("{'resourceType':'Patient','name':[{'given':['Kari',null]}]}",
           {S, "Patient.name[0].given[1]"});
    EXPECT("{'resourceType':'Patient','name':[{'given':['Kari','Anne'],'_given':[null]}]}",
           {S, "Patient.name[0].given"});
    EXPECT("{'resourceType':'Patient','name':[{'given':[null],'_given':[null]}]}",
           {S, "Patient.name[0].given[0]"});
    EXPECT("{'resourceType':'Patient','name':[{'_given':[null]}]}", {S, "Patient.name[0].given[0]"});
    EXPECT("{'resourceType':'Patient','_birthDate':[{'id':'x'}]}", {S, "Patient.birthDate"});
    EXPECT("{'resourceType':'Patient','_birthDate':{'foo':1}}", {S, "Patient.birthDate.foo"});
    EXPECT("{'resourceType':'Patient','deceasedBoolean':true,'deceasedDateTime':'2020'}",
           {S, "Patient.deceasedDateTime"});
    EXPECT("{'resourceType':'Patient','deceasedBoolean':true,'_deceasedDateTime':{'id':'a'}}",
           {S, "Patient.deceasedDateTime"});
    EXPECT("{'resourceType':'Patient','contained':[{'resourceType':'Organization','id':'o'}],"
           "'managingOrganization':{'reference':'#o'},'text':[]}",
           {S, "Patient.text"});
}

static void test_primitive_values(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Patient','birthDate':'1907-13-01'}", {V, "Patient.birthDate"});
    EXPECT("{'resourceType':'Patient','active':'true'}", {V, "Patient.active"});
    EXPECT("{'resourceType':'Patient','id':'a b'}", {V, "Patient.id"});
    EXPECT("{'resourceType':'Patient','id':'x','name':[{'family':''}]}", {V, "Patient.name[0].family"});
    EXPECT("{'resourceType':'Patient','multipleBirthInteger':1.5}", {V, "Patient.multipleBirthInteger"});
    EXPECT("{'resourceType':'Observation','status':'final','code':{'text':'x'},"
           "'effectiveDateTime':'2026-11-22T08:00:00'}",
           {V, "Observation.effectiveDateTime"});
    /* Resource.id is an id, Element.id a string. */
    expect_valid("{'resourceType':'Patient','name':[{'id':'a b','family':'X'}]}");
    char id65[128] = "{'resourceType':'Patient','id':'";
    memset(id65 + strlen(id65), 'a', 65);
    strcpy(id65 + strlen("{'resourceType':'Patient','id':'") + 65, "'}");
    EXPECT(id65, {V, "Patient.id"});
}

static void test_required(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Observation','code':{'text':'x'}}", {REQ, "Observation.status"});
    EXPECT("{'resourceType':'Observation'}", {REQ, "Observation.code"}, {REQ, "Observation.status"});
    EXPECT("{'resourceType':'MedicationRequest','status':'active','intent':'order',"
           "'subject':{'display':'Kari'}}",
           {REQ, "MedicationRequest.medication[x]"});
    EXPECT("{'resourceType':'Observation','status':'final','code':{'text':'x'},"
           "'component':[{'valueString':'y'}]}",
           {REQ, "Observation.component[0].code"});
    EXPECT("{'resourceType':'Patient','text':{'status':'generated'}}", {REQ, "Patient.text.div"});
}

static void test_resource_type(void **state)
{
    (void)state;
    EXPECT("{'id':'x'}", {REQ, "Resource.resourceType"});
    EXPECT("{'resourceType':'Pasient','foo':1,'bar':[]}", {S, "Resource.resourceType"});
    EXPECT("{'resourceType':'DomainResource'}", {S, "Resource.resourceType"});
    EXPECT("{'resourceType':'Quantity'}", {S, "Resource.resourceType"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'resource':{'resourceType':7}}]}",
           {S, "Bundle.entry[0].resource.resourceType"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'resource':'Patient/1'}]}",
           {S, "Bundle.entry[0].resource"});
    /* Every problem is reported, not only the first. */
    EXPECT("{'resourceType':'Patient','id':'#','gender':['male'],'foo':1,'name':[{'given':''}]}",
           {V, "Patient.id"}, {S, "Patient.gender"}, {S, "Patient.foo"},
           {S, "Patient.name[0].given"});
}

/* ---- extension and contained ---- */

static void test_extension(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Patient','extension':[{'valueString':'x'}]}",
           {REQ, "Patient.extension[0].url"});
    EXPECT("{'resourceType':'Patient','extension':[{'url':'http://x','valueString':'x',"
           "'extension':[{'url':'a','valueBoolean':true}]}]}",
           {INV, "Patient.extension[0]"});
    EXPECT("{'resourceType':'Patient','modifierExtension':[{'url':'http://x'}]}",
           {INV, "Patient.modifierExtension[0]"});
    EXPECT("{'resourceType':'Patient','extension':[{'url':'http://x','valueFoo':'x'}]}",
           {S, "Patient.extension[0].valueFoo"});
    EXPECT("{'resourceType':'Patient','_birthDate':{'extension':[{'url':'http://x',"
           "'valueString':'a','valueCode':'b'}]}}",
           {S, "Patient.birthDate.extension[0].valueCode"});
}

static void test_contained(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Patient','contained':[{'resourceType':'Organization','id':'o'}]}",
           {INV, "Patient.contained[0]"});
    EXPECT("{'resourceType':'Patient','contained':[{'resourceType':'Organization','name':'X'}]}",
           {INV, "Patient.contained[0]"});
    EXPECT("{'resourceType':'Patient','contained':[{'resourceType':'Organization','id':'o',"
           "'contained':[{'resourceType':'Organization','id':'p'}]}],"
           "'managingOrganization':{'reference':'#o'}}",
           {INV, "Patient.contained[0].contained"});
    EXPECT("{'resourceType':'Patient','contained':[{'resourceType':'Organization','id':'o',"
           "'meta':{'versionId':'1','security':[{'code':'R'}]}}],"
           "'managingOrganization':{'reference':'#o'}}",
           {INV, "Patient.contained[0].meta.versionId"}, {INV, "Patient.contained[0].meta.security"});
    EXPECT("{'resourceType':'Patient','contained':[{'resourceType':'Organization','id':'o'}],"
           "'managingOrganization':{'reference':'#nope'}}",
           {NF, "Patient.managingOrganization.reference"}, {INV, "Patient.contained[0]"});
    EXPECT("{'resourceType':'Patient','managingOrganization':{'reference':'#'}}",
           {NF, "Patient.managingOrganization.reference"});
    EXPECT("{'resourceType':'Patient','contained':[{'resourceType':'Organization','id':'o'}],"
           "'managingOrganization':{'reference':'#o','type':'Practitioner'}}",
           {INV, "Patient.managingOrganization.type"});
    /* Contained referenced from another contained one, and by a canonical. */
    expect_valid("{'resourceType':'Patient','contained':[{'resourceType':'Organization','id':'o'},"
                 "{'resourceType':'Organization','id':'p','partOf':{'reference':'#o'}}],"
                 "'managingOrganization':{'reference':'#p'}}");
    expect_valid("{'resourceType':'Questionnaire','status':'draft','contained':[{'resourceType':"
                 "'ValueSet','id':'vs','status':'draft'}],'item':[{'linkId':'1','type':'choice',"
                 "'answerValueSet':'#vs'}]}");
    /* Bundle is not a DomainResource: contained is just an unknown element. */
    EXPECT("{'resourceType':'Bundle','type':'collection','contained':[{'resourceType':'Patient',"
           "'id':'p'}]}",
           {S, "Bundle.contained"});
    /* A resource where a data type is expected. */
    EXPECT("{'resourceType':'Patient','contained':[{'id':'o'}]}",
           {REQ, "Patient.contained[0].resourceType"});
}

/* ---- Bundles ---- */

static void test_bundle_type(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Bundle'}", {REQ, "Bundle.type"});
    EXPECT("{'resourceType':'Bundle','type':'messages'}", {"code-invalid", "2.4", "Bundle.type"});
    EXPECT("{'resourceType':'Bundle','type':' message'}", {V, "Bundle.type"});
    EXPECT("{'resourceType':'Bundle','type':'collection','total':3}", {INV, "Bundle.total"});
}

static void test_bundle_entries(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Bundle','type':'message','entry':[{'fullUrl':'urn:uuid:"
           "0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':'Patient'}}]}",
           {INV, "Bundle.entry[0].resource"});
    EXPECT("{'resourceType':'Bundle','type':'message'}", {REQ, "Bundle.entry"});
    EXPECT("{'resourceType':'Bundle','type':'message','entry':[]}", {S, "Bundle.entry"});
    EXPECT("{'resourceType':'Bundle','type':'message','entry':[{'fullUrl':'urn:uuid:"
           "0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':'MessageHeader',"
           "'eventCoding':{'code':'x'},'source':{'endpoint':'http://x'}}},"
           "{'resource':{'resourceType':'Patient'}}]}",
           {REQ, "Bundle.entry[1].fullUrl"});
    EXPECT("{'resourceType':'Bundle','type':'document','identifier':{'value':'d1'},"
           "'entry':[{'fullUrl':'urn:uuid:0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20',"
           "'resource':{'resourceType':'Patient'}}]}",
           {INV, "Bundle.entry[0].resource"}, {REQ, "Bundle.identifier.system"},
           {REQ, "Bundle.timestamp"});
    EXPECT("{'resourceType':'Bundle','type':'transaction','entry':[{'resource':"
           "{'resourceType':'Patient'}}]}",
           {REQ, "Bundle.entry[0].request"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'resource':"
           "{'resourceType':'Patient'},'request':{'method':'POST','url':'Patient'}}]}",
           {INV, "Bundle.entry[0].request"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'resource':"
           "{'resourceType':'Patient'},'search':{'mode':'match'}}]}",
           {INV, "Bundle.entry[0].search"});
    EXPECT("{'resourceType':'Bundle','type':'batch-response','entry':[{'resource':"
           "{'resourceType':'Patient'}}]}",
           {REQ, "Bundle.entry[0].response"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'fullUrl':'urn:uuid:"
           "0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20'}]}",
           {REQ, "Bundle.entry[0].resource"});
    EXPECT("{'resourceType':'Bundle','type':'transaction','entry':[{'request':{'method':'PUT'}}]}",
           {REQ, "Bundle.entry[0].request.url"});
}

static void test_bundle_full_url(void **state)
{
    (void)state;
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'fullUrl':"
           "'http://x.no/fhir/Patient/1','resource':{'resourceType':'Patient','id':'2'}}]}",
           {INV, "Bundle.entry[0].fullUrl"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'fullUrl':"
           "'http://x.no/fhir/Patient/1','resource':{'resourceType':'Observation','id':'1',"
           "'status':'final','code':{'text':'x'}}}]}",
           {INV, "Bundle.entry[0].fullUrl"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'fullUrl':"
           "'Patient/1','resource':{'resourceType':'Patient'}}]}",
           {INV, "Bundle.entry[0].fullUrl"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'fullUrl':"
           "'http://x.no/fhir/Patient/1/_history/2','resource':{'resourceType':'Patient','id':'1'}}]}",
           {INV, "Bundle.entry[0].fullUrl"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'fullUrl':"
           "'urn:uuid:0C3E9A52-7D1B-4F6E-9A2C-5B8D7E6F1A20','resource':{'resourceType':'Patient'}}]}",
           {V, "Bundle.entry[0].fullUrl"});
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':["
           "{'fullUrl':'urn:uuid:0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':'Patient'}},"
           "{'fullUrl':'urn:uuid:0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':'Patient'}}]}",
           {INV, "Bundle.entry[1].fullUrl"});
    /* Not RESTful (no resource type before the id): no consistency rule. */
    expect_valid("{'resourceType':'Bundle','type':'collection','entry':[{'fullUrl':"
                 "'http://x.no/dokumenter/abc','resource':{'resourceType':'Patient','id':'1'}}]}");
}

/* A message Bundle with the given Observation.subject and entry fullUrls. */
static void expect_message_ref(const char *subject, const want *w, size_t n)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{'resourceType':'Bundle','type':'message','entry':["
             "{'fullUrl':'urn:uuid:0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':"
             "'MessageHeader','eventCoding':{'code':'x'},'source':{'endpoint':'http://x'}}},"
             "{'fullUrl':'urn:uuid:5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f','resource':{'resourceType':"
             "'Patient','id':'p1'}},"
             "{'fullUrl':'urn:uuid:9b7c6d5e-4f3a-4b2c-8d1e-0f9a8b7c6d5e','resource':{'resourceType':"
             "'Observation','status':'final','code':{'text':'x'},'subject':%s}}]}",
             subject);
    char *t = json(text);
    expect_text(t, w, n);
    free(t);
}

static void test_references_in_message(void **state)
{
    (void)state;
    static const want none[1];
    expect_message_ref("{'reference':'urn:uuid:5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f'}", none, 0);
    expect_message_ref("{'reference':'Patient/p1'}", none, 0);
    expect_message_ref("{'reference':'https://other.example/fhir/Patient/9'}", none, 0);
    expect_message_ref("{'identifier':{'system':'urn:oid:2.16.578.1.12.4.1.4.1','value':'1'}}", none,
                       0);
    static const want miss[] = {{NF, "Bundle.entry[2].resource.subject.reference"}};
    expect_message_ref("{'reference':'urn:uuid:00000000-0000-4000-8000-000000000000'}", miss, 1);
    expect_message_ref("{'reference':'Patient/p2'}", miss, 1);
    expect_message_ref("{'reference':'Patient?identifier=x'}", miss, 1);
    static const want type[] = {{INV, "Bundle.entry[2].resource.subject.type"}};
    expect_message_ref("{'reference':'urn:uuid:5f4e3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f','type':'Device'}",
                       type, 1);
    expect_message_ref("{'reference':'Patient/p1','type':"
                       "'http://hl7.org/fhir/StructureDefinition/Group'}", type, 1);
    expect_message_ref("{'reference':'Patient/p1','type':"
                       "'http://hl7.org/fhir/StructureDefinition/Patient'}", none, 0);
    static const want value[] = {{V, "Bundle.entry[2].resource.subject.identifier.value"}};
    expect_message_ref("{'identifier':{'value':''}}", value, 1);
}

static void test_references_elsewhere(void **state)
{
    (void)state;
    /* Relative references to server resources are fine outside messages and documents. */
    expect_valid("{'resourceType':'Bundle','type':'transaction','entry':[{'fullUrl':"
                 "'urn:uuid:0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':"
                 "'Observation','status':'final','code':{'text':'x'},'subject':{'reference':"
                 "'Patient/123'}},'request':{'method':'POST','url':'Observation'}}]}");
    EXPECT("{'resourceType':'Bundle','type':'transaction','entry':[{'fullUrl':"
           "'urn:uuid:0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':"
           "'Observation','status':'final','code':{'text':'x'},'subject':{'reference':"
           "'urn:uuid:11111111-1111-4111-8111-111111111111'}},'request':{'method':'POST','url':"
           "'Observation'}}]}",
           {NF, "Bundle.entry[0].resource.subject.reference"});
    /* Outside any Bundle a urn: reference means nothing. */
    EXPECT("{'resourceType':'Observation','status':'final','code':{'text':'x'},'subject':"
           "{'reference':'urn:uuid:11111111-1111-4111-8111-111111111111'}}",
           {NF, "Observation.subject.reference"});
    expect_valid("{'resourceType':'Observation','status':'final','code':{'text':'x'},'subject':"
                 "{'reference':'Patient/1','type':'Patient'}}");
    EXPECT("{'resourceType':'Observation','status':'final','code':{'text':'x'},'subject':"
           "{'reference':'Patient/1','type':'Group'}}",
           {INV, "Observation.subject.type"});
    /* Inside a contained resource in an entry: the entry's Bundle resolves it. */
    EXPECT("{'resourceType':'Bundle','type':'message','entry':[{'fullUrl':'urn:uuid:"
           "0c3e9a52-7d1b-4f6e-9a2c-5b8d7e6f1a20','resource':{'resourceType':'MessageHeader',"
           "'eventCoding':{'code':'x'},'source':{'endpoint':'http://x'},'focus':[{'reference':"
           "'#o'}],'contained':[{'resourceType':'Observation','id':'o','status':'final','code':"
           "{'text':'x'},'subject':{'reference':'Patient/zz'}}]}}]}",
           {NF, "Bundle.entry[0].resource.contained[0].subject.reference"});
    /* The example path of the brief, in a collection. */
    EXPECT("{'resourceType':'Bundle','type':'collection','entry':[{'resource':{'resourceType':"
           "'Patient'}},{'resource':{'resourceType':'Patient'}},{'resource':{'resourceType':"
           "'Observation','status':'final','code':{'text':'x'},'subject':{'identifier':{'value':"
           "'1','period':{'start':'2026-02-30'}}}}}]}",
           {V, "Bundle.entry[2].resource.subject.identifier.period.start"});
}

/* fhir_bundle_resolve() directly, on the fixtures. */
static void test_bundle_resolve(void **state)
{
    (void)state;
    char *text = read_fixture("collection-bundle.json");
    fj_doc *doc = parse(text);
    const fj_node *b = fj_root(doc);
    int idx = -1;
    const fj_node *r = fhir_bundle_resolve(b, "http://example.org/fhir/Observation/123",
                                           "Patient/23", &idx);
    assert_non_null(r);
    assert_int_equal(idx, 0);
    assert_string_equal(fj_get_str(r, "id"), "23");
    idx = -1;
    r = fhir_bundle_resolve(b, NULL, "http://example.org/fhir/Patient/23", &idx);
    assert_int_equal(idx, 0);
    r = fhir_bundle_resolve(b, NULL, "urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d", &idx);
    assert_non_null(r);
    assert_int_equal(idx, 1);
    assert_null(fhir_bundle_resolve(b, NULL, "urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349e", &idx));
    assert_null(fhir_bundle_resolve(b, NULL, "http://other.example.org/fhir/Patient/23", NULL));
    assert_null(fhir_bundle_resolve(b, NULL, "Patient/24", NULL));
    assert_null(fhir_bundle_resolve(b, NULL, "", NULL));
    assert_null(fhir_bundle_resolve(b, NULL, "Patient?identifier=1234567", NULL));
    /* Relative from a urn:uuid entry (no base): by resource type and id. */
    r = fhir_bundle_resolve(b, "urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d", "Observation/124",
                            &idx);
    assert_int_equal(idx, 3);
    fj_doc_free(doc);
    free(text);

    /* Same id on two servers: the referring entry's base decides. */
    char *two = json("{'resourceType':'Bundle','type':'collection','entry':["
                     "{'fullUrl':'http://a.no/fhir/Patient/1','resource':{'resourceType':'Patient','id':'1'}},"
                     "{'fullUrl':'http://b.no/fhir/Patient/1','resource':{'resourceType':'Patient','id':'1'}}]}");
    doc = parse(two);
    fhir_bundle_resolve(fj_root(doc), "http://b.no/fhir/Observation/5", "Patient/1", &idx);
    assert_int_equal(idx, 1);
    fhir_bundle_resolve(fj_root(doc), "http://a.no/fhir/Observation/5", "Patient/1", &idx);
    assert_int_equal(idx, 0);
    fj_doc_free(doc);
    free(two);

    /* Versioned references match meta.versionId. */
    text = read_fixture("history-bundle.json");
    doc = parse(text);
    b = fj_root(doc);
    fhir_bundle_resolve(b, NULL, "Patient/pas-123/_history/1", &idx);
    assert_int_equal(idx, 1);
    fhir_bundle_resolve(b, NULL, "https://ehr.example.no/fhir/Patient/pas-123/_history/2", &idx);
    assert_int_equal(idx, 0);
    assert_null(fhir_bundle_resolve(b, NULL, "Patient/pas-123/_history/3", NULL));
    fj_doc_free(doc);
    free(text);
}

/* A Bundle of n entries (the index path: more than 32): a MessageHeader,
 * then Patients (odd entries, RESTful fullUrls) and Observations (even,
 * urn:uuid) referring to the Patient before them by type/id (by absolute URL
 * every tenth) and to the Observation before them by urn:uuid. Planted: entry
 * 300 refers to a Patient that is not there, entry 1000 to a urn:uuid that is
 * not there, entry 1500 has a wrong Reference.type, and the last entry repeats
 * entry 1's fullUrl. */
static char *big_bundle(const char *type, int n)
{
    size_t cap = (size_t)n * 400 + 1024, len = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    len += (size_t)snprintf(b + len, cap - len,
                            "{'resourceType':'Bundle','type':'%s','entry':[{'fullUrl':'urn:uuid:"
                            "00000000-0000-4000-8000-000000000000','resource':{'resourceType':"
                            "'MessageHeader','eventCoding':{'code':'x'},'source':{'endpoint':'http://x'}}}",
                            type);
    for (int i = 1; i < n; i++) {
        if (i % 2) {
            int id = i == n - 1 ? 1 : i;
            len += (size_t)snprintf(b + len, cap - len,
                                    ",{'fullUrl':'http://x.no/fhir/Patient/p%d','resource':"
                                    "{'resourceType':'Patient','id':'p%d'}}", id, id);
            continue;
        }
        char subject[160];
        if (i == 300)
            snprintf(subject, sizeof subject, "{'reference':'Patient/nope'}");
        else if (i == 1000)
            snprintf(subject, sizeof subject, "{'reference':'urn:uuid:00000000-0000-4000-8000-999999999999'}");
        else if (i == 1500)
            snprintf(subject, sizeof subject, "{'reference':'Patient/p%d','type':'Group'}", i - 1);
        else if (i % 10 == 6)
            snprintf(subject, sizeof subject, "{'reference':'http://x.no/fhir/Patient/p%d'}", i - 1);
        else
            snprintf(subject, sizeof subject, "{'reference':'Patient/p%d'}", i - 1);
        len += (size_t)snprintf(b + len, cap - len,
                                ",{'fullUrl':'urn:uuid:00000000-0000-4000-8000-%012d','resource':"
                                "{'resourceType':'Observation','status':'final','code':{'text':'x'},"
                                "'subject':%s,'hasMember':[{'reference':'urn:uuid:00000000-0000-4000-8000-%012d'}]}}",
                                i, subject, i >= 4 ? i - 2 : 2);
    }
    snprintf(b + len, cap - len, "]}");
    char *j = json(b);
    free(b);
    return j;
}

static void test_large_bundles(void **state)
{
    (void)state;
    char *text = big_bundle("collection", 2000);
    static const want coll[] = {
        {NF, "Bundle.entry[1000].resource.subject.reference"},
        {INV, "Bundle.entry[1500].resource.subject.type"},
        {INV, "Bundle.entry[1999].fullUrl"},
    };
    expect_text(text, coll, 3);
    /* The public resolver (a scan) finds what the indexed walk found. */
    fj_doc *doc = parse(text);
    int idx = -1;
    fhir_bundle_resolve(fj_root(doc), "urn:uuid:00000000-0000-4000-8000-000000000002", "Patient/p1",
                        &idx);
    assert_int_equal(idx, 1);
    fhir_bundle_resolve(fj_root(doc), NULL, "http://x.no/fhir/Patient/p1997", &idx);
    assert_int_equal(idx, 1997);
    fj_doc_free(doc);
    free(text);

    text = big_bundle("message", 2000);
    static const want msg[] = {
        {NF, "Bundle.entry[300].resource.subject.reference"},
        {NF, "Bundle.entry[1000].resource.subject.reference"},
        {INV, "Bundle.entry[1500].resource.subject.type"},
        {INV, "Bundle.entry[1999].fullUrl"},
    };
    expect_text(text, msg, 4);
    free(text);

    /* Small enough to be scanned: the same rules. */
    text = big_bundle("message", 31);
    static const want none[1];
    expect_text(text, none, 0);
    free(text);
}

/* More contained resources than the bit set holds: the index path. */
static void test_many_contained(void **state)
{
    (void)state;
    char text[16384] = "{'resourceType':'Patient','contained':[";
    for (int i = 0; i < 100; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 "%s{'resourceType':'Organization','id':'o%d'}", i ? "," : "", i);
    strcat(text, "],'generalPractitioner':[");
    for (int i = 0; i < 100; i++)
        if (i != 50)
            snprintf(text + strlen(text), sizeof text - strlen(text), "%s{'reference':'#o%d'}",
                     i ? "," : "", i == 99 ? 200 : i);
    strcat(text, "]}");
    /* o50 and o99 are not referenced; #o200 names nothing. */
    EXPECT(text, {NF, "Patient.generalPractitioner[98].reference"}, {INV, "Patient.contained[50]"},
           {INV, "Patient.contained[99]"});
}

static void test_outcome_limits(void **state)
{
    (void)state;
    /* Issues past the outcome's limit are counted, and the check still runs. */
    char text[8192] = "{'resourceType':'Patient','identifier':[";
    for (int i = 0; i < 300; i++)
        strcat(text, i ? ",{'x':1}" : "{'x':1}");
    strcat(text, "]}");
    char *t = json(text);
    fj_doc *doc = parse(t);
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    assert_int_equal(fhir_check_resource(fj_root(doc), &oc), KN_OK);
    assert_int_equal(oc.count, 200); /* the outcome's default limit */
    assert_int_equal(oc.dropped, 100);
    assert_int_equal(oc.errors, 300);
    assert_string_equal(oc.issues[199].expression, "Patient.identifier[199].x");
    fhir_outcome_release(&oc);
    fj_doc_free(doc);
    free(t);
    fhir_outcome_init(&oc);
    assert_int_equal(fhir_check_resource(NULL, &oc), KN_OK);
    assert_false(fhir_outcome_ok(&oc));
    fhir_outcome_release(&oc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_fixtures),
        cmocka_unit_test(test_valid_small),
        cmocka_unit_test(test_unknown_elements),
        cmocka_unit_test(test_json_shapes),
        cmocka_unit_test(test_primitive_values),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_resource_type),
        cmocka_unit_test(test_extension),
        cmocka_unit_test(test_contained),
        cmocka_unit_test(test_bundle_type),
        cmocka_unit_test(test_bundle_entries),
        cmocka_unit_test(test_bundle_full_url),
        cmocka_unit_test(test_references_in_message),
        cmocka_unit_test(test_references_elsewhere),
        cmocka_unit_test(test_bundle_resolve),
        cmocka_unit_test(test_large_bundles),
        cmocka_unit_test(test_many_contained),
        cmocka_unit_test(test_outcome_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
