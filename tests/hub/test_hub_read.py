#!/usr/bin/env python3
"""test_hub_read.py - black-box suite of the hub's read interfaces over HTTP
(issue 4, item 6): /epj/r4/{orgnr}/Patient, Composition, Observation,
EpisodeOfCare, CarePlan (read by id and search), searchset paging by next
links, the authorisation register enforced per resource type and receiver,
OperationOutcomes for unknown parameters and ids, an audit event with the
client's identity for every read, the admin message list, and /metadata as a
valid CapabilityStatement (also by `knute validate`).

    python3 tests/hub/test_hub_read.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import json
import os
import re
import subprocess
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

R = None
ARGS = None
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
PATIENT_NIN = "12834810008"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MESSAGES = 7  # each carries one Composition and one Observation


def corpus(name):
    with open(os.path.join(ARGS.source_dir, "tests", "fhir", "vkp", "valid", name)) as f:
        return f.read()


def fresh_copy(text):
    """The message with every uuid replaced consistently: a new message."""
    mapping = {}
    return UUID_RE.sub(lambda m: mapping.setdefault(m.group(0), str(uuid.uuid4())), text)


def epj(orgnr, rest):
    return "/epj/r4/%s/%s" % (orgnr, rest)


def path_of(url):
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def client_id(srv, name):
    return srv.sql("SELECT id FROM clients WHERE name = ?", (name,))[0][0]


def setup(srv):
    """A supplier (writes), an EPJ (reads Patient, Composition, Observation of
    A) and an outsider client; the register set by an admin over the API."""
    keys = {}
    for name in ("leverandor", "epj-a", "fremmed"):
        keys[name] = srv.add_apikey_client(name, "vkp/write vkp/read", ["%s:operator" % knute.MUNI_A])
    admin = knute.Client(srv.url)
    admin.login("admin")
    grants = [("leverandor", "Bundle", "write"),
              ("epj-a", "Patient", "read"), ("epj-a", "Composition", "read"),
              ("epj-a", "Observation", "read")]
    for name, resource, access in grants:
        r = admin.post("/api/v1/hub/grants", {"client": client_id(srv, name), "receiver": knute.MUNI_A,
                                              "resource": resource, "access": access})
        R.check("grant %s %s %s" % (name, resource, access), r.status in (200, 201), r.text[:300])
    return keys, admin


def post_messages(srv, keys):
    sup = knute.Client(srv.url, bearer=keys["leverandor"])
    base = corpus("msg-patientcomposition.json")
    for i in range(MESSAGES):
        r = sup.request("POST", epj(knute.MUNI_A, "$process-message"), body=fresh_copy(base),
                        content_type="application/fhir+json")
        R.check("message %d accepted" % i, r.status in (200, 201, 202), "%d %s" % (r.status, r.text[:300]))


def test_metadata(srv, wd):
    anon = knute.Client(srv.url)
    for path in (epj(knute.MUNI_A, "metadata"), "/fhir/metadata"):
        r = anon.get(path)
        R.equal("%s answers without authentication" % path, r.status, 200)
        R.check("%s is fhir+json" % path, "application/fhir+json" in r.content_type, r.content_type)
        cs = r.json
        R.equal("resourceType", cs.get("resourceType"), "CapabilityStatement")
        R.equal("fhirVersion", cs.get("fhirVersion"), "4.0.1")
        R.equal("format", cs.get("format"), ["json"])
        res = {x["type"]: x for x in cs["rest"][0]["resource"]}
        for t in ("Patient", "Composition", "Observation", "EpisodeOfCare", "CarePlan"):
            codes = sorted(i["code"] for i in res.get(t, {}).get("interaction", []))
            R.check("%s has read and search-type" % t, "read" in codes and "search-type" in codes, str(codes))
        pparams = {p["name"] for p in res["Patient"]["searchParam"]}
        R.check("Patient search by identifier and name", {"identifier", "name"} <= pparams, str(pparams))
        oparams = {p["name"] for p in res["Observation"]["searchParam"]}
        R.check("Observation search by patient, date, code", {"patient", "date", "code"} <= oparams, str(oparams))
        R.equal("Patient profile", res["Patient"].get("profile"),
                "http://ehelse.no/fhir/StructureDefinition/vkp-Patient-v090")
        ops = {o["name"] for o in cs["rest"][0].get("operation", [])}
        R.check("operations", {"process-message", "validate", "journaling-acknowledged"} <= ops, str(ops))
        path_file = os.path.join(wd, "capability.json")
        with open(path_file, "w") as f:
            f.write(r.text)
        p = subprocess.run([ARGS.knute, "validate", path_file], capture_output=True, text=True,
                           env=knute.child_env(), timeout=60 * knute.SLOW)
        R.equal("knute validate accepts %s" % path, p.returncode, 0, p.stdout[-800:] + p.stderr[-400:])


def test_patient(srv, keys):
    epj_a = knute.Client(srv.url, bearer=keys["epj-a"])
    r = epj_a.get(epj(knute.MUNI_A, "Patient?_count=7"))
    R.equal("Patient search 200", r.status, 200, r.text[:300])
    b = r.json
    R.equal("searchset", (b.get("resourceType"), b.get("type")), ("Bundle", "searchset"))
    seen, pages = [], 0
    while True:
        pages += 1
        seen += [e["resource"]["id"] for e in b.get("entry", [])]
        nxt = [l["url"] for l in b["link"] if l["relation"] == "next"]
        if not nxt or pages > 10:
            break
        b = epj_a.get(path_of(nxt[0])).json
    total = srv.sql("SELECT count(*) FROM citizens WHERE municipality = ?", (knute.MUNI_A,))[0][0]
    R.equal("paging sees every citizen of A once", (len(seen), len(set(seen))), (total, total))
    R.equal("pages of 7", pages, (total + 6) // 7)
    nin, pid, given = srv.sql("SELECT nin, id, given_name FROM citizens WHERE municipality = ? LIMIT 1",
                              (knute.MUNI_A,))[0]
    r = epj_a.get(epj(knute.MUNI_A, "Patient?identifier=%s|%s" % (FNR, nin)))
    ids = [e["resource"]["id"] for e in r.json.get("entry", [])]
    R.equal("search by identifier", ids, [pid])
    r = epj_a.get(epj(knute.MUNI_A, "Patient?name=%s" % urllib.parse.quote(given.lower())))
    R.check("search by name", pid in [e["resource"]["id"] for e in r.json.get("entry", [])], r.text[:200])
    r = epj_a.get(epj(knute.MUNI_A, "Patient/%s" % pid))
    R.equal("read by id", (r.status, r.json.get("id")), (200, pid))
    R.equal("identifier slice", r.json["identifier"][0]["system"], FNR)
    other = srv.sql("SELECT id FROM citizens WHERE municipality = ? LIMIT 1", (knute.MUNI_B,))[0][0]
    R.equal("citizen of B is 404 at A", epj_a.get(epj(knute.MUNI_A, "Patient/%s" % other)).status, 404)
    r = epj_a.get(epj(knute.MUNI_A, "Patient?birthdate=1950"))
    R.equal("unknown parameter 400", r.status, 400)
    oo = r.json_or_none() or {}
    R.equal("as OperationOutcome", oo.get("resourceType"), "OperationOutcome")
    R.check("names the parameter", "birthdate" in json.dumps(oo), r.text[:300])
    r = epj_a.get(epj(knute.MUNI_A, "Patient/does-not-exist"))
    R.equal("unknown id 404 OperationOutcome", (r.status, (r.json_or_none() or {}).get("resourceType")),
            (404, "OperationOutcome"))
    audit = srv.sql("SELECT actor_kind, actor_id, object_id FROM audit_events WHERE action = 'hub.read'"
                    " AND object_type = 'Patient' ORDER BY seq DESC LIMIT 1")
    R.equal("read audited with the client", tuple(audit[0]), ("client", client_id(srv, "epj-a"), pid))


def test_register(srv, keys):
    fremmed = knute.Client(srv.url, bearer=keys["fremmed"])
    r = fremmed.get(epj(knute.MUNI_A, "Patient"))
    R.equal("client without register grant 403", r.status, 403)
    R.equal("403 as OperationOutcome", (r.json_or_none() or {}).get("resourceType"), "OperationOutcome")
    epj_a = knute.Client(srv.url, bearer=keys["epj-a"])
    R.equal("grant is per type (no EpisodeOfCare)", epj_a.get(epj(knute.MUNI_A, "EpisodeOfCare")).status, 403)
    R.equal("grant is per receiver", epj_a.get(epj(knute.MUNI_B, "Patient")).status, 403)
    R.equal("unknown receiver 404", epj_a.get(epj("999999999", "Patient")).status, 404)
    R.equal("no credentials 401", knute.Client(srv.url).get(epj(knute.MUNI_A, "Patient")).status, 401)


def test_indexed(srv, keys):
    post_messages(srv, keys)
    epj_a = knute.Client(srv.url, bearer=keys["epj-a"])
    r = epj_a.get(epj(knute.MUNI_A, "Composition?patient=%s|%s" % (FNR, PATIENT_NIN)))
    R.equal("Composition by patient", (r.status, len(r.json.get("entry", []))), (200, MESSAGES), r.text[:300])
    comp = r.json["entry"][0]["resource"]
    R.equal("the resource from the message", comp.get("resourceType"), "Composition")
    r = epj_a.get(epj(knute.MUNI_A, "Composition/%s" % comp["id"]))
    R.equal("Composition read by id", (r.status, r.json.get("id")), (200, comp["id"]))
    seen, pages = [], 0
    path = epj(knute.MUNI_A, "Observation?subject=%s&date=ge2025-03-04&_count=3" % PATIENT_NIN)
    while path and pages < 10:
        b = epj_a.get(path).json
        pages += 1
        seen += [e["resource"]["id"] for e in b.get("entry", [])]
        nxt = [l["url"] for l in b["link"] if l["relation"] == "next"]
        path = path_of(nxt[0]) if nxt else None
    R.equal("Observation pages", (len(seen), len(set(seen)), pages), (MESSAGES, MESSAGES, 3))
    r = epj_a.get(epj(knute.MUNI_A, "Observation?code=http://loinc.org|8867-4"))
    R.equal("Observation by code", len(r.json.get("entry", [])), MESSAGES)
    r = epj_a.get(epj(knute.MUNI_A, "Observation?date=lt2025-03-04"))
    R.equal("Observation by date (none before)", r.json.get("entry", []), [])
    R.equal("unknown Observation id 404", epj_a.get(epj(knute.MUNI_A, "Observation/nope")).status, 404)
    r = epj_a.get(epj(knute.MUNI_A, "Observation?value-quantity=72"))
    R.check("unknown parameter named", r.status == 400 and "value-quantity" in r.text, r.text[:300])
    n = srv.sql("SELECT count(*) FROM audit_events WHERE action = 'hub.search' AND object_type = 'Observation'"
                " AND actor_id = ?", (client_id(srv, "epj-a"),))[0][0]
    R.check("searches audited with the client", n >= 5, str(n))


def test_admin_messages(srv, admin):
    r = admin.get("/api/v1/hub/messages?receiver=%s&limit=2" % knute.MUNI_A)
    R.equal("admin message list", r.status, 200, r.text[:300])
    items = r.json["items"]
    R.equal("page of 2", len(items), 2)
    R.check("no bodies", all("body" not in m for m in items), str(items[0]))
    R.check("next cursor", bool(r.json.get("next")), r.text[:200])
    r2 = admin.get("/api/v1/hub/messages?receiver=%s&after=%s" % (knute.MUNI_A, r.json["next"]))
    R.check("next page differs", {m["id"] for m in r2.json["items"]}.isdisjoint({m["id"] for m in items}))
    r = admin.get("/api/v1/hub/messages?receiver=%s&status=bogus" % knute.MUNI_A)
    R.equal("bad status 400", r.status, 400)
    nurse = knute.Client(srv.url)
    nurse.login("saksbehandler")
    R.equal("non-admin 403", nurse.get("/api/v1/hub/messages?receiver=%s" % knute.MUNI_A).status, 403)


def main():
    global R, ARGS
    ARGS = knute.parse_args("hub read interfaces")
    R = knute.Results(ARGS.only)
    with knute.Workdir("hub_read", keep=ARGS.keep) as wd:
        srv = knute.Server(ARGS.knute, wd.path, ARGS.web_root)
        srv.cli("demo")
        srv.start()
        try:
            keys, admin = setup(srv)
            R.run("metadata", test_metadata, srv, wd.path)
            R.run("patient", test_patient, srv, keys)
            R.run("register", test_register, srv, keys)
            R.run("indexed", test_indexed, srv, keys)
            R.run("admin messages", test_admin_messages, srv, admin)
        finally:
            srv.stop()
        wd.failed = R.failed > 0
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
