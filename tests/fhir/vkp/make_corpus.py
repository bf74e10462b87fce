#!/usr/bin/env python3
"""make_corpus.py - writes the VKP conformance corpus: valid/ (realistic
instances of every message event and every profile), invalid/ (each one
mutation of a valid instance) and cases.json, the expectations
tests/unit/test_vkp.c holds vkp_validate() to: per file the environment,
whether it is valid, and every issue (severity, FHIR issue code, VKP code,
expression). The expectations below are written by hand from the profiles and
docs/vkp-conformance.md; they are never taken from the validator's output.

Person numbers are synthetic (Tenor style, month + 80) unless a case is about
the production environment. Run from anywhere: python3 make_corpus.py.
Python 3 standard library only.
"""
import copy
import json
import os
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SD = "http://ehelse.no/fhir/StructureDefinition/"
SDH = "http://hl7.no/fhir/StructureDefinition/"
CS = "http://ehelse.no/fhir/CodeSystem/"
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
FHN = "urn:oid:2.16.578.1.12.4.1.4.3"
HER = "urn:oid:2.16.578.1.12.4.1.2"
ORG = "urn:oid:2.16.578.1.12.4.1.4.101"
# synthetic (month + 80): Kari 12.03.1948, Ola 03.01.1939, nurse 09.11.1961; D-nummer 14.02.1955
KARI, OLA, NURSE, DKARI = "12834810008", "03813910089", "09916123008", "54825510055"
REAL_FNR, REAL_DNR = "12034810042", "54025510170"   # valid numbers of the real series, for production
HNR = "12434810025"                                 # H-nummer (month + 40)
FHNR = "80000000098"                                # FH-nummer (first digit 8)
def u(n): return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "knute-vkp-" + n))
def uid(n): return str(uuid.uuid5(uuid.NAMESPACE_URL, "knute-vkp-" + n))
def subj(v=KARI, system=FNR, display="Kari Nordmann"):
    return {"identifier": {"system": system, "value": v}, "display": display}
def cc(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": display}]}
def save(name, obj):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")

def header(event, focus, mid):
    return {"resourceType": "MessageHeader", "id": uid(mid),
            "meta": {"profile": [SD + "vkp-MessageHeader-v090"]},
            "eventCoding": {"system": CS + "vkp-message-event-v090", "code": event},
            "sender": {"identifier": {"system": HER, "value": "8142519"}, "display": "Velferdsteknologi leverandør AS"},
            "destination": [{"endpoint": "https://knute.knutby.kommune.example/fhir/$process-message",
                             "receiver": {"identifier": {"system": HER, "value": "102287"},
                                          "display": "Sykepleietjeneste, pleie- og omsorg"}}],
            "source": {"name": "Knutepunkt-klient", "software": "VT-gateway", "version": "4.2.1",
                       "contact": {"system": "phone", "value": "+47 22 00 00 00"},
                       "endpoint": "https://vkp.leverandor.example/devices/135164"},
            "focus": [{"reference": r, "display": d} for r, d in focus]}

def bundle(name, entries):
    return {"resourceType": "Bundle", "id": uid(name), "type": "message", "timestamp": "2025-03-04T08:02:11+01:00",
            "entry": [{"fullUrl": u(n), "resource": r} for n, r in entries]}

def medicationdispense(n="md"):
    return {"resourceType": "MedicationDispense", "id": uid(n),
      "meta": {"profile": [SD + "vkp-MedicationDispense-v090"]},
      "extension": [{"url": SD + "VkpMedicationDispenseDevice-v090", "extension": [
          {"url": "identifier", "valueString": "E300-135164"},
          {"url": "displayName", "valueString": "Medisindispenser stue"},
          {"url": "type", "valueString": "medisindispenser"},
          {"url": "typeName", "valueString": "Evondos E300"},
          {"url": "location", "valueString": "Stue"}]}],
      "identifier": [{"system": "urn:ietf:rfc:3986", "value": u(n + "-ident")}],
      "status": "completed",
      "category": cc(CS + "vkp-medicationdispense-events-v090", "1.2", "medisin utlevert assistert"),
      "medicationCodeableConcept": {"text": "Multidose morgen"},
      "subject": subj(),
      "performer": [{"actor": {"identifier": {"system": HER, "value": "102287"}, "display": "Hjemmesykepleien Knutby"}}],
      "whenHandedOver": "2025-03-04T08:00:00+01:00",
      "note": [{"text": "Medisinen ble tatt ut av skuffen etter påminnelse."}],
      "dosageInstruction": [{"sequence": 1, "text": "1 pose kl 08"}]}

def detectedissue(code="1.4", disp="Melding ikke lest", implicated="md", n="di"):
    d = {"resourceType": "DetectedIssue", "id": uid(n),
      "meta": {"profile": [SD + "vkp-DetectedIssue-v090"]},
      "extension": [{"url": SD + "vkp-severity-level-v090", "valueCodeableConcept":
                     cc(CS + "vkp-severity-level-v090", "20", "Moderat")},
                    {"url": SD + "vkp-displayURL-v090", "valueUri": "https://portal.leverandor.example/hendelser/88231"}],
      "status": "final",
      "code": cc(CS + "vkp-alert-code-v090", code, disp),
      "severity": "moderate",
      "patient": subj(),
      "identifiedDateTime": "2025-03-04T08:15:00+01:00",
      "detail": "Brukeren kvitterte ikke for meldingen innen 15 minutter."}
    if implicated:
        d["implicated"] = [{"reference": u(implicated)}]
    return d

def composition(category=("1", "Trygghet og mestring"), section=("1.1", "beskrivelse av oppfølging"), n="comp", entries=None):
    c = {"resourceType": "Composition", "id": uid(n),
      "meta": {"profile": [SD + "vkp-Composition-v090"]},
      "status": "final",
      "type": cc("http://loinc.org", "11488-4", "Consult note"),
      "category": [cc(CS + "vkp-composition-category-v090", *category)],
      "subject": subj(),
      "date": "2025-03-04T08:40:00+01:00",
      "author": [{"identifier": {"system": HER, "value": "102287"}, "display": "Responssenteret Knutby"}],
      "title": "Oppfølging av hendelse",
      "event": [{"code": [cc(CS + "vkp-composition-event-v090", "3", "hendelse kvittert")]}],
      "section": [{"title": "Notat",
                   "code": cc(CS + "vkp-composition-section-v090", *section),
                   "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Ringte bruker, alt i orden.</p></div>"}}]}
    if entries:
        c["section"][0]["entry"] = [{"reference": u(e)} for e in entries]
    return c

def vital(kind, n):
    SNO = "http://snomed.info/sct"; LN = "http://loinc.org"; UCUM = "http://unitsofmeasure.org"
    spec = {"heartrate": (SDH + "vkp-Observation-Heartrate-v090", "8867-4", "Heart rate", "364075005", "Hjertefrekvens", 72, "slag/min", "/min"),
            "bodytemp": (SDH + "vkp-Observation-Bodytemp-v090", "8310-5", "Body temperature", "276885007", "Kroppstemperatur", 37.2, "°C", "Cel"),
            "bodyweight": (SDH + "vkp-Observation-Bodyweight-v090", "29463-7", "Body weight", "27113001", "Kroppsvekt", 68.4, "kg", "kg"),
            "oxygensat": (SDH + "vkp-Observation-Oxygensat-v090", "2708-6", "Oxygen saturation in Arterial blood", "431314004", "SpO2", 96, "%", "%")}[kind]
    prof, loinc, ld, sct, sd, val, unit, code = spec
    return {"resourceType": "Observation", "id": uid(n), "meta": {"profile": [prof]},
      "status": "final",
      "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs"}]}],
      "code": {"coding": [{"system": LN, "code": loinc, "display": ld}, {"system": SNO, "code": sct, "display": sd}]},
      "subject": subj(),
      "effectiveDateTime": "2025-03-04T07:45:00+01:00",
      "performer": [{"identifier": {"system": FNR, "value": NURSE}, "display": "Sykepleier Per Hansen"}],
      "valueQuantity": {"value": val, "unit": unit, "system": UCUM, "code": code}}

def bloodpressure(n="bp"):
    SNO = "http://snomed.info/sct"; LN = "http://loinc.org"; UCUM = "http://unitsofmeasure.org"
    def comp(lc, ld, sc, v):
        return {"code": {"coding": [{"system": LN, "code": lc, "display": ld}, {"system": SNO, "code": sc}]},
                "valueQuantity": {"value": v, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}}
    return {"resourceType": "Observation", "id": uid(n),
      "meta": {"profile": [SD + "vkp-Observation-Bloodpressure-v090"]},
      "status": "final",
      "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
      "code": {"coding": [{"system": LN, "code": "85354-9", "display": "Blood pressure panel"}, {"system": SNO, "code": "75367002", "display": "Blodtrykk"}]},
      "subject": subj(),
      "effectiveDateTime": "2025-03-04T07:50:00+01:00",
      "performer": [{"identifier": {"system": FNR, "value": NURSE}, "display": "Sykepleier Per Hansen"}],
      "component": [comp("8480-6", "Systolic blood pressure", "271649006", 138), comp("8462-4", "Diastolic blood pressure", "271650006", 86)]}

def digital_encounter(n="enc"):
    return {"resourceType": "Encounter", "id": uid(n),
      "meta": {"profile": [SD + "vkp-digital-Encounter-v090"]},
      "extension": [{"url": SD + "vkp-encounterDevice-v090", "extension": [
          {"url": "identifier", "valueString": "CAM-22"},
          {"url": "displayName", "valueString": "Kamera soverom"},
          {"url": "type", "valueString": "kamera"},
          {"url": "typeName", "valueString": "Nattkamera IR"},
          {"url": "location", "valueString": "Soverom"}]}],
      "identifier": [{"system": "urn:ietf:rfc:3986", "value": u(n + "-ident")}],
      "status": "finished",
      "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR", "display": "virtual"},
      "classHistory": [{"class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR",
                                  "display": "virtual"},
                        "period": {"start": "2025-03-04T02:14:00+01:00", "end": "2025-03-04T02:16:30+01:00"}}],
      "subject": subj(),
      "participant": [{"type": [cc(CS + "vkp-encounter-mode-v090", "1", "bildetilsyn")],
                       "individual": {"display": "Nattevakt responssenteret"}}],
      "period": {"start": "2025-03-04T02:14:00+01:00", "end": "2025-03-04T02:16:30+01:00"},
      "reasonCode": [cc(CS + "vkp-encounter-reason-v090", "2", "hendelsesbasert tilsyn")],
      "location": [{"location": {"display": "Soverom"}}]}

def encounter(n="enc-home"):
    return {"resourceType": "Encounter", "id": uid(n),
      "meta": {"profile": [SD + "vkp-Encounter-v090"]},
      "identifier": [{"system": "urn:ietf:rfc:3986", "value": u(n + "-ident")}],
      "status": "finished",
      "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH", "display": "home health"},
      "subject": subj(),
      "participant": [{"type": [cc(CS + "vkp-encounter-mode-v090", "2", "toveis tale")],
                       "individual": {"display": "Sykepleier Per Hansen"}}],
      "period": {"start": "2025-03-04T10:00:00+01:00", "end": "2025-03-04T10:12:00+01:00"},
      "reasonCode": [cc(CS + "vkp-encounter-reason-v090", "1", "planlagt tilsyn")],
      "location": [{"location": {"display": "Stue"}}]}

def location(n="loc"):
    return {"resourceType": "Location", "id": uid(n),
      "meta": {"profile": [SD + "vkp-Location-v090"]},
      "status": "active", "name": "Posisjon fra GPS-klokke", "mode": "instance",
      "position": {"longitude": 8.2431, "latitude": 58.2960, "altitude": 41.5}}

def questionnaireresponse(n="qr"):
    return {"resourceType": "QuestionnaireResponse", "id": uid(n),
      "meta": {"profile": [SD + "vkp-QuestionnaireReponse-v090"]},
      "questionnaire": "http://dho.leverandor.example/fhir/Questionnaire/kols-egenvurdering",
      "_questionnaire": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/display", "valueString": "KOLS egenvurdering"}]},
      "status": "completed",
      "subject": subj(),
      "authored": "2025-03-04T07:40:00+01:00",
      "item": [{"linkId": "1", "text": "Hvordan er pusten i dag?", "answer": [{"valueString": "Som vanlig"}]},
               {"linkId": "2", "text": "Har du brukt anfallsmedisin?", "answer": [{"valueBoolean": False}]}]}

def patient(n="pat"):
    return {"resourceType": "Patient", "id": uid(n),
      "meta": {"profile": [SD + "vkp-Patient-v090"]},
      "extension": [{"url": SD + "vkp-sone-v090", "valueString": "Sone 3 Sentrum"},
                    {"url": SD + "vkp-household-v090", "valueString": "Bor alene, har katt"}],
      "identifier": [{"system": FNR, "value": KARI}],
      "name": [{"family": "Nordmann", "given": ["Kari"]}],
      "telecom": [{"system": "phone", "value": "+47 99 99 99 99", "use": "mobile"}],
      "gender": "female", "birthDate": "1948-03-12",
      "address": [{"extension": [{"url": SD + "vkp-elock-v090", "valueString": "Digital lås på ytterdør"}],
                   "use": "home", "line": ["Storgata 1"],
                   "_line": [{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-additionalLocator",
                                             "valueString": "Inngang fra bakgården"}]}],
                   "postalCode": "4760", "city": "Birkeland"}],
      "contact": [{"relationship": [{"text": "Datter"}], "name": {"family": "Nordmann", "given": ["Ingrid"]},
                   "telecom": [{"system": "phone", "value": "+47 98 76 54 32"}]}],
      "generalPractitioner": [{"identifier": {"system": HER, "value": "720"}, "display": "Birkeland legekontor"}]}

def careplan(n="cp"):
    return {"resourceType": "CarePlan", "id": uid(n),
      "meta": {"profile": [SD + "vkp-CarePlan-v090"]},
      "identifier": [{"system": "urn:ietf:rfc:3986", "value": u(n + "-ident")}],
      "status": "active", "intent": "plan",
      "category": [cc(CS + "vkp-careplan-category-v090", "3", "besoksplan")],
      "title": "Besøksplan hjemmetjenesten",
      "subject": subj(),
      "period": {"start": "2025-01-01"},
      "author": {"identifier": {"system": HER, "value": "102287"}, "display": "Hjemmesykepleien Knutby"},
      "activity": [{"detail": {"extension": [{"url": SD + "vkp-detailheader-v090", "valueString": "Tiltak"}],
                               "status": "scheduled", "description": "Tilsyn morgen og kveld"}}]}

def episodeofcare(n="eoc"):
    return {"resourceType": "EpisodeOfCare", "id": uid(n),
      "meta": {"profile": [SD + "vkp-EpisodeOfCare-v090"]},
      "status": "active", "type": [{"text": "GPS"}],
      "patient": subj(),
      "managingOrganization": {"identifier": {"system": ORG, "value": "939000011"}, "display": "Knutby kommune"},
      "period": {"start": "2024-06-01"}}

def observation(n="obs"):
    return {"resourceType": "Observation", "id": uid(n),
      "meta": {"profile": [SD + "vkp-Observation-v090"]},
      "extension": [{"url": SD + "vkp-deviceReference-v090", "valueReference": {"display": "Skritteller armbånd"}},
                    {"url": SD + "vkp-annotation-v090", "valueAnnotation": {"text": "Målt hjemme"}}],
      "status": "final",
      "code": {"coding": [{"system": "http://loinc.org", "code": "41950-7", "display": "Number of steps in 24 hour Measured"}]},
      "subject": subj(),
      "effectiveDateTime": "2025-03-03T23:59:00+01:00",
      "performer": [{"identifier": {"system": FNR, "value": NURSE}, "display": "Sykepleier Per Hansen"}],
      "valueQuantity": {"value": 4312, "unit": "skritt", "system": "http://unitsofmeasure.org", "code": "{steps}/(24.h)"}}


def flag(n="flag"):
    return {"resourceType": "Flag", "id": uid(n), "status": "active", "code": {"text": "Medisinvarsel"},
            "subject": subj()}


# ---------------------------------------------------------------- valid instances

MD_MSG = bundle("b-md", [
    ("mh", header("MedicationDispense", [(u("md"), "MedicationDispense"), (u("di"), "DetectedIssue")], "mh")),
    ("md", medicationdispense()), ("di", detectedissue()), ("comp", composition(entries=["md"]))])
LOC_MSG = bundle("b-loc", [
    ("mh3", header("LocationMeasurement", [(u("loc"), "Location")], "mh3")), ("loc", location()),
    ("di3", detectedissue("2", "Lokaliseringsteknologi", "loc", "di3"))])
CAM_MSG = bundle("b-cam", [
    ("mh4", header("CameraObservation", [(u("enc"), "Encounter")], "mh4")), ("enc", digital_encounter()),
    ("di4", detectedissue("4.25", "Hendelsesbasert kameratilsyn", "enc", "di4"))])
PC_MSG = bundle("b-pc", [
    ("mh5", header("PatientComposition", [(u("comp5"), "Composition")], "mh5")),
    ("comp5", composition(("2", "Digital hjemmeoppfølging"), ("2", "sammenstilt tekst"), "comp5", ["hr5", "qr5"])),
    ("hr5", vital("heartrate", "hr5")), ("qr5", questionnaireresponse("qr5"))])


def md_minimal():
    md2 = medicationdispense("md2")
    md2["subject"] = subj(DKARI, DNR)
    del md2["extension"], md2["note"]
    return bundle("b-md2", [("mh2", header("MedicationDispense", [(u("md2"), "MedicationDispense")], "mh2")),
                            ("md2", md2)])


def with_numbers(msg, value, system=FNR):
    """The message with every person identifier replaced."""
    m = copy.deepcopy(msg)
    for e in m["entry"]:
        r = e["resource"]
        for key in ("subject", "patient"):
            if key in r:
                r[key] = subj(value, system)
    return m


STANDALONE = {
    "messageheader.json": header("MedicationDispense", [("MedicationDispense/" + uid("md"), "MedicationDispense")], "mh-alone"),
    "messageheader-videostream.json": dict(
        header("CameraObservation", [("Encounter/" + uid("enc"), "Encounter")], "mh-video"),
        source={"name": "Kamera-tilsyn", "endpoint": "https://vkp.leverandor.example/devices/22",
                "contact": {"system": "url", "value": "https://support.leverandor.example/video"}}),
    "medicationdispense.json": medicationdispense("md-alone"),
    "detectedissue.json": detectedissue(implicated=None, n="di-alone"),
    "composition.json": composition(n="comp-alone"),
    "encounter-digital.json": digital_encounter("enc-alone"),
    "encounter.json": encounter(),
    "location.json": location("loc-alone"),
    "patient.json": patient(),
    "careplan.json": careplan(),
    "questionnaireresponse.json": questionnaireresponse(),
    "episodeofcare.json": episodeofcare(),
    "observation.json": observation(),
    "observation-bloodpressure.json": bloodpressure(),
}
for _k in ("heartrate", "bodytemp", "bodyweight", "oxygensat"):
    STANDALONE["observation-%s.json" % _k] = vital(_k, _k)

CASES = []


def valid(name, obj, env="test", warnings=(), note=""):
    save("valid/" + name, obj)
    CASES.append({"file": "valid/" + name, "environment": env, "valid": True, "description": note,
                  "issues": list(warnings)})


def E(code, vkp, expr):
    return {"severity": "error", "code": code, "vkpCode": vkp, "expression": expr}


def W(code, vkp, expr):
    return {"severity": "warning", "code": code, "vkpCode": vkp, "expression": expr}


def bad(name, base, mutate, issues, env="test", note=""):
    obj = copy.deepcopy(base)
    mutate(obj)
    save("invalid/" + name + ".json", obj)
    CASES.append({"file": "invalid/%s.json" % name, "environment": env, "valid": False, "description": note,
                  "issues": issues})


def res(i):
    return lambda m: m["entry"][i]["resource"]


MH, E1, E2, E3 = "Bundle.entry[0].resource", "Bundle.entry[1].resource", "Bundle.entry[2].resource", "Bundle.entry[3].resource"


def build_valid():
    valid("msg-medicationdispense.json", MD_MSG, note="MedicationDispense with DetectedIssue and Composition")
    valid("msg-medicationdispense-minimal.json", md_minimal(), note="only the MedicationDispense; D-nummer")
    valid("msg-locationmeasurement.json", LOC_MSG)
    valid("msg-cameraobservation.json", CAM_MSG)
    valid("msg-patientcomposition.json", PC_MSG)
    valid("msg-medicationdispense-production.json", with_numbers(MD_MSG, REAL_FNR), env="production",
          note="real fødselsnummer, production environment")
    valid("msg-medicationdispense-dnr-production.json", with_numbers(MD_MSG, REAL_DNR, DNR), env="production")
    fh = copy.deepcopy(MD_MSG)
    fh["entry"][1]["resource"]["subject"] = subj(FHNR, FHN)
    valid("msg-medicationdispense-fhn.json", fh, note="FH-nummer in the FHN slice")
    hn = copy.deepcopy(MD_MSG)
    hn["entry"][1]["resource"]["subject"] = subj(HNR, FHN)
    valid("msg-medicationdispense-hnr.json", hn, note="H-nummer under the hjelpenummer system, test environment")
    for name, obj in STANDALONE.items():
        valid(name, obj)
    # either spelling of a canonical (docs/vkp-conformance.md#canonical-urls)
    hr = vital("heartrate", "hr-alias")
    hr["meta"]["profile"] = [SD + "vkp-Observation-Heartrate-v090"]
    valid("alias-observation-heartrate-ehelse.json", hr, note="hl7.no profile named with ehelse.no")
    qr = questionnaireresponse("qr-alias")
    qr["meta"]["profile"] = [SD + "vkp-QuestionnaireResponse-v090"]
    valid("alias-questionnaireresponse-spelling.json", qr, note="the corrected spelling of QuestionnaireReponse")
    p = patient("pat-alias")
    p["extension"][0]["url"] = SDH + "vkp-sone-v090"
    valid("alias-patient-sone-hl7no.json", p, note="extension url with hl7.no")
    sec = copy.deepcopy(MD_MSG)
    sec["entry"][3]["resource"]["section"][0]["code"] = {"coding": [{"system": "http://loinc.org", "code": "48767-8"}]}
    valid("msg-medicationdispense-section-loinc.json", sec, warnings=[W("code-invalid", None, E3 + ".section[0].code")],
          note="extensible binding: a code outside the value set is a warning")
    enc = copy.deepcopy(CAM_MSG)
    del enc["entry"][1]["resource"]["meta"]
    valid("msg-cameraobservation-no-meta.json", enc, note="profile chosen by the event")
    obs = vital("bodyweight", "bw-nometa")
    del obs["meta"]
    valid("observation-bodyweight-no-meta.json", obs, note="profile chosen by the code")


def drop_entry(m, i):
    del m["entry"][i]


def set_in(path, value):
    """Mutation setting a nested key; path is a list of keys and indexes."""
    def f(m):
        o = m
        for k in path[:-1]:
            o = o[k]
        o[path[-1]] = value
    return f


def delete(path):
    def f(m):
        o = m
        for k in path[:-1]:
            o = o[k]
        del o[path[-1]]
    return f


def both(*fs):
    def f(m):
        for g in fs:
            g(m)
    return f


def build_md_invalid():
    r = ["entry", 1, "resource"]
    bad("md-fnr-check-digit", MD_MSG, set_in(r + ["subject", "identifier", "value"], KARI[:10] + "9"),
        [E("value", "2.1", E1 + ".subject.identifier.value")])
    bad("md-fnr-no-date", MD_MSG, set_in(r + ["subject", "identifier", "value"], "31824810020"),
        [E("value", "2.1", E1 + ".subject.identifier.value")], note="31 February")
    bad("md-fnr-ten-digits", MD_MSG, set_in(r + ["subject", "identifier", "value"], KARI[:10]),
        [E("value", "2.1", E1 + ".subject.identifier.value")])
    bad("md-dnr-under-fnr", MD_MSG, set_in(r + ["subject", "identifier", "value"], DKARI),
        [E("value", "2.1", E1 + ".subject.identifier.value")])
    bad("md-fnr-under-dnr", MD_MSG, set_in(r + ["subject", "identifier", "system"], DNR),
        [E("value", "2.1", E1 + ".subject.identifier.value")])
    bad("md-fhn-invalid", MD_MSG, set_in(r + ["subject"], subj("80000000099", FHN)),
        [E("value", "2.1", E1 + ".subject.identifier.value")])
    bad("md-subject-system-unknown", MD_MSG, set_in(r + ["subject", "identifier", "system"], "urn:oid:2.16.578.1.12.4.1.4.5"),
        [E("structure", "2.2", E1 + ".subject.identifier")], note="DUF number: not a slice of the closed slicing")
    bad("md-subject-no-identifier", MD_MSG, set_in(r + ["subject"], {"display": "Kari Nordmann"}),
        [E("required", "2.3", E1 + ".subject.identifier")])
    bad("md-category-unknown", MD_MSG, set_in(r + ["category", "coding", 0, "code"], "9.9"),
        [E("code-invalid", "2", E1 + ".category")])
    bad("md-category-missing", MD_MSG, delete(r + ["category"]),
        [E("required", "2.3", E1 + ".category")])
    bad("md-performer-reference", MD_MSG, set_in(r + ["performer", 0, "actor", "reference"], "Organization/hjemmesykepleien"),
        [E("structure", "2.3", E1 + ".performer[0].actor.reference"),
         E("not-found", "2.4", E1 + ".performer[0].actor.reference")],
        note="max 0; the base check also finds that the reference does not resolve in the message")
    bad("md-performer-missing", MD_MSG, delete(r + ["performer"]),
        [E("required", "2.3", E1 + ".performer")])
    bad("md-performer-no-identifier-system", MD_MSG, delete(r + ["performer", 0, "actor", "identifier", "system"]),
        [E("required", "2.3", E1 + ".performer[0].actor.identifier.system")])
    bad("md-identifier-system", MD_MSG, set_in(r + ["identifier", 0, "system"], "http://leverandor.example/id"),
        [E("value", "2", E1 + ".identifier[0].system")])
    bad("md-device-no-type", MD_MSG, delete(r + ["extension", 0, "extension", 2]),
        [E("required", "2.3", E1 + ".extension[0].extension")])
    bad("md-device-value", MD_MSG, set_in(r + ["extension", 0, "valueString"], "E300"),
        [E("structure", "2.3", E1 + ".extension[0].valueString"), E("invariant", "2.4", E1 + ".extension[0]")],
        note="value[x] max 0; the base check also reports ext-1 (value and extensions together)")
    bad("md-two-medicationdispense", MD_MSG,
        lambda m: m["entry"].append({"fullUrl": u("md-extra"), "resource": medicationdispense("md-extra")}),
        [E("structure", "2.3", "Bundle.entry[4].resource")])
    bad("md-two-detectedissues", MD_MSG,
        lambda m: m["entry"].append({"fullUrl": u("di-extra"), "resource": detectedissue(n="di-extra")}),
        [E("structure", "2.3", "Bundle.entry[4].resource")])
    bad("md-flag", MD_MSG, lambda m: m["entry"].append({"fullUrl": u("flag"), "resource": flag()}),
        [E("structure", "2.3", "Bundle.entry[4].resource")], note="Flag is DetectedIssue in VKP 0.9.0")

    def no_md(m):
        del m["entry"][1]
        m["entry"][0]["resource"]["focus"] = [{"reference": u("di"), "display": "DetectedIssue"}]
        del m["entry"][1]["resource"]["implicated"]
        del m["entry"][2]["resource"]["section"][0]["entry"]
    bad("md-no-medicationdispense", MD_MSG, no_md,
        [E("required", "2.3", "Bundle.entry"), E("required", "2.3", MH + ".focus")])
    bad("md-focus-without-main", MD_MSG,
        set_in(["entry", 0, "resource", "focus"], [{"reference": u("di"), "display": "DetectedIssue"}]),
        [E("required", "2.3", MH + ".focus")])
    bad("md-event-unknown", MD_MSG, set_in(["entry", 0, "resource", "eventCoding", "code"], "MedicationAdministration"),
        [E("code-invalid", "2", MH + ".eventCoding.code")])
    bad("md-event-system", MD_MSG, set_in(["entry", 0, "resource", "eventCoding", "system"], "http://hl7.org/fhir/message-events"),
        [E("code-invalid", "2", MH + ".eventCoding.system")])

    def event_uri(m):
        h = m["entry"][0]["resource"]
        del h["eventCoding"]
        h["eventUri"] = "http://ehelse.no/fhir/vkp/MedicationDispense"
    bad("md-event-uri", MD_MSG, event_uri, [E("structure", "2.4", MH + ".eventUri")])
    bad("md-sender-system", MD_MSG, set_in(["entry", 0, "resource", "sender", "identifier", "system"], ORG),
        [E("value", "2", MH + ".sender.identifier.system"), E("value", "2.2", MH + ".sender.identifier.value")],
        note="an organisation number system with a HER-id value: wrong system, and not a valid orgnr")
    bad("md-herid-leading-zero", MD_MSG, set_in(["entry", 0, "resource", "sender", "identifier", "value"], "0814251"),
        [E("value", "2.2", MH + ".sender.identifier.value")])
    bad("md-receiver-system", MD_MSG,
        set_in(["entry", 0, "resource", "destination", 0, "receiver", "identifier", "system"], "urn:oid:2.16.578.1.12.4.1.4.4"),
        [E("value", "2", MH + ".destination[0].receiver.identifier.system")])
    bad("md-receiver-stu3", MD_MSG,
        set_in(["entry", 0, "resource", "receiver"], {"identifier": {"system": HER, "value": "102287"}}),
        [E("structure", "2.4", MH + ".receiver")], note="STU3 MessageHeader.receiver is not R4")
    bad("md-contact-email", MD_MSG,
        set_in(["entry", 0, "resource", "source", "contact"], {"system": "email", "value": "drift@leverandor.example"}),
        [E("structure", "2", MH + ".source.contact")])
    d = ["entry", 2, "resource"]
    bad("di-code-unknown", MD_MSG, set_in(d + ["code", "coding", 0, "code"], "9"),
        [E("code-invalid", "2", E2 + ".code")])
    bad("di-code-missing", MD_MSG, delete(d + ["code"]), [E("required", "2.3", E2 + ".code")])
    bad("di-no-patient", MD_MSG, delete(d + ["patient"]), [E("required", "2.3", E2 + ".patient")])
    bad("di-severity-code", MD_MSG, set_in(d + ["extension", 0, "valueCodeableConcept", "coding", 0, "code"], "50"),
        [E("code-invalid", "2", E2 + ".extension[0].valueCodeableConcept")])
    bad("di-severity-system-valueset", MD_MSG,
        set_in(d + ["extension", 0, "valueCodeableConcept", "coding", 0, "system"], "http://ehelse.no/fhir/ValueSet/vkp-severity-level-v090"),
        [E("value", "2", E2 + ".extension[0].valueCodeableConcept.coding[0].system"),
         E("code-invalid", "2", E2 + ".extension[0].valueCodeableConcept")],
        note="the system the package fixes (a value set URL) is replaced by the code system URL")

    def url_as_string(m):
        ext = m["entry"][2]["resource"]["extension"][1]
        del ext["valueUri"]
        ext["valueString"] = "https://portal.leverandor.example/hendelser/88231"
    bad("di-displayurl-string", MD_MSG, url_as_string, [E("structure", "2.4", E2 + ".extension[1].valueString")])
    c = ["entry", 3, "resource"]
    bad("comp-category-unknown", MD_MSG, set_in(c + ["category", 0, "coding", 0, "code"], "9"),
        [E("code-invalid", "2", E3 + ".category[0]")])
    bad("comp-no-subject", MD_MSG, delete(c + ["subject"]), [E("required", "2.3", E3 + ".subject")])
    bad("comp-event-code", MD_MSG, set_in(c + ["event", 0, "code", 0, "coding", 0, "code"], "2"),
        [E("code-invalid", "2", E3 + ".event[0].code[0]")], note="code 2 is missing from vkp-composition-event")
    bad("comp-two", MD_MSG, lambda m: m["entry"].append({"fullUrl": u("comp-extra"), "resource": composition(n="comp-extra")}),
        [E("structure", "2.3", "Bundle.entry[4].resource")])


def build_env_invalid():
    bad("env-production-synthetic", MD_MSG, lambda m: None,
        [E("business-rule", "2.1", E1 + ".subject.identifier.value"),
         E("business-rule", "2.1", E2 + ".patient.identifier.value"),
         E("business-rule", "2.1", E3 + ".subject.identifier.value")],
        env="production", note="synthetic numbers are rejected in production")
    bad("env-test-real", with_numbers(MD_MSG, REAL_FNR), lambda m: None,
        [E("business-rule", "2.1", E1 + ".subject.identifier.value"),
         E("business-rule", "2.1", E2 + ".patient.identifier.value"),
         E("business-rule", "2.1", E3 + ".subject.identifier.value")],
        note="real numbers are rejected in a test environment")
    bad("env-production-hnr", MD_MSG, set_in(["entry", 1, "resource", "subject"], subj(HNR, FNR)),
        [E("value", "2.1", E1 + ".subject.identifier.value"),
         E("business-rule", "2.1", E2 + ".patient.identifier.value"),
         E("business-rule", "2.1", E3 + ".subject.identifier.value")],
        env="production", note="an H-nummer is not a fødselsnummer")


def build_other_messages():
    bad("loc-no-position", LOC_MSG, delete(["entry", 1, "resource", "position"]),
        [E("required", "2.3", E1 + ".position")])

    def no_loc(m):
        del m["entry"][1]
        m["entry"][0]["resource"]["focus"] = [{"reference": u("di3")}]
        del m["entry"][1]["resource"]["implicated"]
    bad("loc-no-location", LOC_MSG, no_loc,
        [E("required", "2.3", "Bundle.entry"), E("required", "2.3", MH + ".focus")])
    bad("loc-medicationdispense", LOC_MSG,
        lambda m: m["entry"].append({"fullUrl": u("md-loc"), "resource": medicationdispense("md-loc")}),
        [E("structure", "2.3", "Bundle.entry[3].resource")])
    bad("loc-di-code", LOC_MSG, set_in(["entry", 2, "resource", "code", "coding", 0, "code"], "2.1"),
        [E("code-invalid", "2", E2 + ".code")])
    r = ["entry", 1, "resource"]
    bad("cam-class-not-virtual", CAM_MSG, set_in(r + ["class", "code"], "HH"),
        [E("value", "2", E1 + ".class.code")])
    bad("cam-participant-mode", CAM_MSG, set_in(r + ["participant", 0, "type", 0, "coding", 0, "code"], "9"),
        [E("code-invalid", "2", E1 + ".participant[0].type[0]")])
    bad("cam-participant-old-codesystem", CAM_MSG,
        set_in(r + ["participant", 0, "type", 0, "coding", 0, "system"], CS + "vkp-encounter-type-v090"),
        [E("code-invalid", "2", E1 + ".participant[0].type[0]")], note="the deleted vkp-encounter-type code system")
    bad("cam-participant-two-types", CAM_MSG,
        lambda m: m["entry"][1]["resource"]["participant"][0]["type"].append(cc(CS + "vkp-encounter-mode-v090", "4", "innlytt")),
        [E("structure", "2.3", E1 + ".participant[0].type[1]")])
    bad("cam-participant-no-type", CAM_MSG, delete(r + ["participant", 0, "type"]),
        [E("required", "2.3", E1 + ".participant[0].type")])
    bad("cam-two-reasons", CAM_MSG,
        lambda m: m["entry"][1]["resource"]["reasonCode"].append(cc(CS + "vkp-encounter-reason-v090", "1", "planlagt tilsyn")),
        [E("structure", "2.3", E1 + ".reasonCode[1]")])
    bad("cam-no-period", CAM_MSG, delete(r + ["period"]), [E("required", "2.3", E1 + ".period")])
    bad("cam-identifier-system", CAM_MSG, set_in(r + ["identifier", 0, "system"], "http://leverandor.example/id"),
        [E("value", "2", E1 + ".identifier[0].system")])
    bad("cam-device-no-identifier", CAM_MSG, delete(r + ["extension", 0, "extension", 0]),
        [E("required", "2.3", E1 + ".extension[0].extension")])
    bad("cam-two-encounters", CAM_MSG,
        lambda m: m["entry"].append({"fullUrl": u("enc-2"), "resource": digital_encounter("enc-2")}),
        [E("structure", "2.3", "Bundle.entry[3].resource")])
    bad("pc-heartrate-unit", PC_MSG, set_in(["entry", 2, "resource", "valueQuantity", "code"], "/s"),
        [E("value", "2", E2 + ".valueQuantity.code")])
    bad("pc-questionnaire-no-subject", PC_MSG, delete(["entry", 3, "resource", "subject"]),
        [E("required", "2.3", E3 + ".subject")])
    bad("pc-careplan", PC_MSG, lambda m: m["entry"].append({"fullUrl": u("cp-pc"), "resource": careplan("cp-pc")}),
        [E("structure", "2.3", "Bundle.entry[4].resource")])
    bad("pc-no-composition", PC_MSG,
        both(set_in(["entry", 0, "resource", "focus"], [{"reference": u("hr5")}]), lambda m: drop_entry(m, 1)),
        [E("required", "2.3", "Bundle.entry"), E("required", "2.3", MH + ".focus")])


def build_profile_invalid():
    P = STANDALONE["patient.json"]
    bad("patient-fnr-check-digit", P, set_in(["identifier", 0, "value"], KARI[:9] + "99"),
        [E("value", "2.1", "Patient.identifier[0].value")])
    bad("patient-two-sone", P, lambda p: p["extension"].append({"url": SD + "vkp-sone-v090", "valueString": "Sone 4"}),
        [E("structure", "2.3", "Patient.extension")])
    bad("patient-address-unknown-extension", P,
        lambda p: p["address"][0]["extension"].append({"url": "http://leverandor.example/fhir/etasje", "valueString": "2"}),
        [E("structure", "2", "Patient.address[0].extension[1]")])
    bad("patient-elock-boolean", P, set_in(["address", 0, "extension", 0], {"url": SD + "vkp-elock-v090", "valueBoolean": True}),
        [E("structure", "2", "Patient.address[0].extension[0].valueBoolean"),
         E("required", "2.3", "Patient.address[0].extension[0].value[x]")])
    bad("patient-line-unknown-extension", P,
        lambda p: p["address"][0]["_line"][0]["extension"].append({"url": "http://leverandor.example/fhir/port", "valueString": "B"}),
        [E("structure", "2", "Patient.address[0].line[0].extension[1]")])
    bad("patient-household-integer", P, set_in(["extension", 1], {"url": SD + "vkp-household-v090", "valueInteger": 2}),
        [E("structure", "2", "Patient.extension[1].valueInteger")])
    C = STANDALONE["careplan.json"]
    bad("careplan-category-unknown", C, set_in(["category", 0, "coding", 0, "code"], "7"),
        [E("code-invalid", "2", "CarePlan.category[0]")])
    bad("careplan-category-system", C, set_in(["category", 0, "coding", 0, "system"], "http://snomed.info/sct"),
        [E("value", "2", "CarePlan.category[0].coding[0].system"), E("code-invalid", "2", "CarePlan.category[0]")])
    bad("careplan-no-category", C, delete(["category"]), [E("required", "2.3", "CarePlan.category")])
    bad("careplan-two-headers", C,
        lambda c: c["activity"][0]["detail"]["extension"].append({"url": SD + "vkp-detailheader-v090", "valueString": "Mål"}),
        [E("structure", "2.3", "CarePlan.activity[0].detail.extension")])
    bad("questionnaireresponse-no-subject", STANDALONE["questionnaireresponse.json"], delete(["subject"]),
        [E("required", "2.3", "QuestionnaireResponse.subject")])
    EN = STANDALONE["encounter.json"]
    bad("encounter-no-participant", EN, delete(["participant"]), [E("required", "2.3", "Encounter.participant")])
    bad("encounter-reason-unknown", EN, set_in(["reasonCode", 0, "coding", 0, "code"], "3"),
        [E("code-invalid", "2", "Encounter.reasonCode[0]")])
    bad("encounter-no-subject", EN, delete(["subject"]), [E("required", "2.3", "Encounter.subject")])
    O = STANDALONE["observation.json"]
    bad("observation-no-subject", O, delete(["subject"]), [E("required", "2.3", "Observation.subject")])
    bad("observation-performer-hpr", O, set_in(["performer", 0, "identifier"], {"system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": "9144900"}),
        [E("code-invalid", "2", "Observation.performer[0].identifier.system")])
    bad("observation-devicereference-string", O, set_in(["extension", 0], {"url": SD + "vkp-deviceReference-v090", "valueString": "armbånd"}),
        [E("structure", "2.4", "Observation.extension[0].valueString")])
    BP = STANDALONE["observation-bloodpressure.json"]
    bad("bp-no-systolic", BP, lambda o: o["component"].pop(0),
        [E("required", "2.3", "Observation.component"), E("required", "2.3", "Observation.component")])
    bad("bp-unit", BP, set_in(["component", 1, "valueQuantity", "code"], "mmHg"),
        [E("value", "2", "Observation.component[1].valueQuantity.code")])
    bad("bp-value", BP, set_in(["valueQuantity"], {"value": 138, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}),
        [E("structure", "2.3", "Observation.valueQuantity")])
    bad("bp-no-loinc", BP, lambda o: o["code"]["coding"].pop(0), [E("required", "2.3", "Observation.code.coding")])
    bad("bp-no-category", BP, delete(["category"]),
        [E("required", "2.3", "Observation.category"), E("required", "2.3", "Observation.category")])
    bad("bp-subject-system", BP, set_in(["subject", "identifier", "system"], "urn:oid:2.16.578.1.12.4.1.4.4"),
        [E("code-invalid", "2", "Observation.subject.identifier.system")])
    bad("bodytemp-unit", STANDALONE["observation-bodytemp.json"], set_in(["valueQuantity", "code"], "K"),
        [E("code-invalid", "2", "Observation.valueQuantity.code")])
    bad("bodytemp-value-string", STANDALONE["observation-bodytemp.json"],
        both(delete(["valueQuantity"]), set_in(["valueString"], "37,2")),
        [E("structure", "2.4", "Observation.valueString")])
    bad("bodyweight-no-category", STANDALONE["observation-bodyweight.json"], delete(["category"]),
        [E("required", "2.3", "Observation.category"), E("required", "2.3", "Observation.category")])
    bad("bodyweight-ucum-system", STANDALONE["observation-bodyweight.json"], set_in(["valueQuantity", "system"], "http://example.org/units"),
        [E("value", "2", "Observation.valueQuantity.system")],
        note="the unit binding is on Quantity.code, a code: the code kg is still in it")
    bad("oxygensat-wrong-loinc", STANDALONE["observation-oxygensat.json"], set_in(["code", "coding", 0, "code"], "59408-5"),
        [E("required", "2.3", "Observation.code.coding")])
    bad("heartrate-no-effective", STANDALONE["observation-heartrate.json"], delete(["effectiveDateTime"]),
        [E("required", "2.3", "Observation.effective[x]")])
    bad("heartrate-no-subject", STANDALONE["observation-heartrate.json"], delete(["subject"]),
        [E("required", "2.3", "Observation.subject")])
    bad("medicationdispense-no-category", STANDALONE["medicationdispense.json"], delete(["category"]),
        [E("required", "2.3", "MedicationDispense.category")])
    bad("episodeofcare-orgnr", STANDALONE["episodeofcare.json"], set_in(["managingOrganization", "identifier", "value"], "939000012"),
        [E("value", "2.2", "EpisodeOfCare.managingOrganization.identifier.value")])
    bad("episodeofcare-patient-dnr", STANDALONE["episodeofcare.json"], set_in(["patient", "identifier", "system"], DNR),
        [E("value", "2.1", "EpisodeOfCare.patient.identifier.value")])
    bad("profile-of-other-type", STANDALONE["patient.json"], set_in(["meta", "profile"], [SD + "vkp-CarePlan-v090"]),
        [E("structure", "2", "Patient.meta.profile[0]")])
    bad("digital-encounter-display", STANDALONE["encounter-digital.json"], set_in(["class", "display"], "Virtual"),
        [E("value", "2", "Encounter.class.display")])
    bad("messageheader-contact-fax", STANDALONE["messageheader.json"],
        set_in(["source", "contact"], {"system": "fax", "value": "+47 22 00 00 01"}),
        [E("structure", "2", "MessageHeader.source.contact")])


def write_manifest():
    with open(os.path.join(HERE, "not-json.json"), "w", encoding="utf-8") as f:
        f.write('{"resourceType": "Bundle", "type": "message", \n')
    CASES.append({"file": "not-json.json", "environment": "test", "valid": False,
                  "description": "not JSON: one fatal issue without expression",
                  "issues": [{"severity": "fatal", "code": "structure", "vkpCode": "2.4", "expression": None}]})
    with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"cases": CASES}, ensure_ascii=False, indent=1) + "\n")


def write_bench():
    """The typical 3 KB MedicationDispense message with a DetectedIssue."""
    md = copy.deepcopy(MD_MSG["entry"][1]["resource"])
    del md["note"], md["extension"][0]["extension"][3:]
    di = copy.deepcopy(MD_MSG["entry"][2]["resource"])
    del di["extension"][1]
    msg = bundle("b-bench", [("mh", MD_MSG["entry"][0]["resource"]), ("md", md), ("di", di)])
    with open(os.path.join(HERE, "bench-medicationdispense-3k.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(msg, ensure_ascii=False, separators=(",", ":")) + "\n")
    CASES.append({"file": "bench-medicationdispense-3k.json", "environment": "test", "valid": True,
                  "description": "the benchmark message", "issues": []})


def main():
    for d in ("valid", "invalid"):
        os.makedirs(os.path.join(HERE, d), exist_ok=True)
        for f in os.listdir(os.path.join(HERE, d)):
            if f.endswith(".json"):
                os.remove(os.path.join(HERE, d, f))
    build_valid()
    build_md_invalid()
    build_env_invalid()
    build_other_messages()
    build_profile_invalid()
    write_bench()
    write_manifest()
    print("%d cases" % len(CASES))


if __name__ == "__main__":
    main()
