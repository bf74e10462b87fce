#!/usr/bin/env python3
"""test_hub_delivery.py - the hub's delivery side end to end over real HTTP
(issue 4, items 4, 5 and 8): intake -> routing -> push to `knute epj-sim`
(bearer credentials) -> the sim acknowledges -> status journaled; the EPJ
down for 30 s while messages keep coming, then back: every message delivered
exactly once per idempotency key, in per-patient order, with the circuit
breaker, the destination-down alert and recovery in the log and metrics;
a poison message (EPJ answers 400) is dead-lettered without blocking the
rest, then requeued, and edit-then-requeue (validated, same key); the admin
API (destinations without secrets, routes, access).

    python3 tests/hub/test_hub_delivery.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import json
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import hub_sim  # noqa: E402
import knute  # noqa: E402
from hub_sim import message_id, post, wait_for  # noqa: E402

R = None
DOWN_S = 30
ALERT_AFTER_S = 5
SETTINGS = {"hub_poll_ms": 100, "hub_breaker_failures": 3, "hub_breaker_open_ms": 2000,
            "hub_alert_after_s": ALERT_AFTER_S, "hub_timeout_ms": 5000}


class Ctx:
    pass


def status_of(c, resp):
    r = c.get(resp.header("Location"))
    doc = r.json_or_none() or {}
    return (doc.get("businessStatus") or {}).get("text", "")


def received_keys(sim):
    """Keys the EPJ accepted, in arrival order ([] while it is down)."""
    try:
        return [r["identifier"] for r in sim.received()]
    except OSError:
        return []


def test_end_to_end(x):
    key, body = x.msgs.make(x.patients[0])
    r = post(x.sup, body)
    R.equal("202 Accepted", r.status, 202, r.text[:300])
    mid = message_id(r)
    R.check("Location names the message", len(mid) == 32, r.header("Location"))
    st = wait_for(lambda: status_of(x.sup, r) == "journaled" and "journaled", 15)
    R.equal("status journaled after the EPJ's acknowledgement", st, "journaled")
    got = [rec for rec in x.sim.received() if rec["identifier"] == key]
    R.equal("delivered once", len(got), 1)
    if got:
        R.equal("X-Knute-Message-Id is the message id", got[0]["message_id"], mid)
        R.equal("pushed to $process-message", got[0]["path"], "/fhir/$process-message")
        R.check("patient recorded", got[0]["patient"].endswith(x.patients[0]), got[0])
    R.equal("bearer credentials reached the EPJ (none refused)", x.sim.stats()["refused"], 0)
    d = x.admin.get("/api/v1/hub/messages/%s/deliveries" % mid)
    items = (d.json_or_none() or {}).get("items", [])
    R.check("deliveries listed", d.status == 200 and len(items) == 1, d.text[:300])
    if items:
        R.equal("delivery done", items[0]["status"], "done")
        att = items[0]["attempt_list"]
        R.check("one attempt, HTTP 200", len(att) == 1 and att[0]["http_status"] == 200, att)


def poster(x, plan, accepted, stop_after):
    """POST the planned (patient, key, body) in order, retrying until 202."""
    for patient, key, body in plan:
        for _ in range(20):
            r = post(x.sup, body)
            if r.status in (200, 202):
                accepted.append((patient, key, message_id(r)))
                break
            time.sleep(0.2)
        time.sleep(stop_after / max(1, len(plan)))


def check_order(received, accepted):
    """Per patient, the EPJ saw the keys in the order they were accepted."""
    bad = []
    for patient in {p for p, _, _ in accepted}:
        want = [k for p, k, _ in accepted if p == patient]
        wanted = set(want)
        seen = [k for k in received if k in wanted]
        if seen != want:
            bad.append(patient)
    return bad


def test_epj_down(x):
    x.sim.control(mode="down", down_s=DOWN_S)
    t_down = time.monotonic()
    time.sleep(0.3)
    plan = []
    for i in range(40):
        patient = x.patients[i % len(x.patients)]
        key, body = x.msgs.make(patient)
        plan.append((patient, key, body))
    accepted = []
    th = threading.Thread(target=poster, args=(x, plan, accepted, 12))
    th.start()
    opened = wait_for(lambda: [e for e in hub_sim.log_events(x.srv, "hub.breaker")
                               if e.get("state") == "open"], 10)
    R.check("circuit breaker opened (log)", bool(opened))
    down = wait_for(lambda: hub_sim.log_events(x.srv, "hub.destination_down"), ALERT_AFTER_S + 10)
    R.check("destination-down alert logged", len(down) == 1, down)
    m = x.admin.get("/metrics").text
    R.check("failing-seconds gauge > 0 while down",
            any(line.startswith("knute_hub_destination_failing_seconds{dest=\"%s\"" % x.dest)
                and not line.endswith(" 0") for line in m.splitlines()), "")
    th.join()
    R.equal("all 40 accepted while the EPJ was down", len(accepted), 40)
    logged = {rec["identifier"] for rec in x.sim.log_records()}
    R.check("nothing delivered while down", not any(k in logged for _, k, _ in accepted))
    left = DOWN_S - (time.monotonic() - t_down)
    all_keys = {k for _, k, _ in accepted}
    done = wait_for(lambda: all_keys <= set(received_keys(x.sim)), max(left, 0) + 40, 0.5)
    R.check("every message delivered after the EPJ came back", done,
            "%d of %d" % (len(all_keys & set(received_keys(x.sim))), len(all_keys)))
    keys = received_keys(x.sim)
    dups = [k for k in all_keys if keys.count(k) != 1]
    R.equal("exactly once per idempotency key", dups, [])
    R.equal("per-patient order kept", check_order(keys, accepted), [])
    ids = {}
    for rec in x.sim.received():
        ids.setdefault(rec["identifier"], set()).add(rec["message_id"])
    R.check("one message id per key", all(len(v) == 1 for v in ids.values()))
    rec = wait_for(lambda: hub_sim.log_events(x.srv, "hub.destination_recovered"), 10)
    R.check("recovery logged", len(rec) == 1, rec)
    closed = [e for e in hub_sim.log_events(x.srv, "hub.breaker") if e.get("state") == "closed"]
    R.check("circuit breaker closed again", bool(closed))
    journaled = wait_for(lambda: all(status_of(x.sup, _Loc(mid)) == "journaled"
                                     for _, _, mid in accepted[:5]), 20)
    R.check("acknowledged messages journaled", journaled)


class _Loc:
    """A stand-in response carrying a Location for status_of."""

    def __init__(self, mid):
        self.mid = mid

    def header(self, name):
        return "/epj/r4/%s/Bundle/%s/$status" % (knute.MUNI_A, self.mid)


def dead_items(x):
    r = x.admin.get("/api/v1/hub/dead?receiver=%s" % knute.MUNI_A)
    return (r.json_or_none() or {}).get("items", [])


def test_poison(x):
    marker = "POISON-%s" % uuid.uuid4()
    x.sim.control(reject=marker, reject_status=400)
    patient = x.patients[1]
    pkey, pbody = x.msgs.make(patient, note=marker)
    r = post(x.sup, pbody)
    R.equal("poison accepted by intake", r.status, 202)
    pmid = message_id(r)
    good = []
    for _ in range(3):
        key, body = x.msgs.make(patient)
        post(x.sup, body)
        good.append(key)
    ok = wait_for(lambda: set(good) <= set(received_keys(x.sim)), 20)
    R.check("later messages of the same patient not blocked", ok)
    dead = wait_for(lambda: [d for d in dead_items(x) if d["message_id"] == pmid], 10)
    R.check("poison in the dead-letter queue at once", len(dead) == 1, dead)
    if not dead:
        return
    R.check("no retries of a 400", dead[0]["attempts"] == 1, dead[0])
    v = x.admin.get("/api/v1/hub/dead/%s" % dead[0]["id"])
    doc = v.json_or_none() or {}
    att = doc.get("attempt_list", [])
    R.check("inspect shows the attempt with HTTP 400", v.status == 200 and att and att[0]["http_status"] == 400,
            v.text[:300])
    R.check("inspect shows the message body", (doc.get("message") or {}).get("body", {}).get("resourceType") == "Bundle")
    R.equal("sender sees failed", status_of(x.sup, r), "failed")
    x.sim.control(reject="")
    q = x.admin.post("/api/v1/hub/dead/%s/requeue" % dead[0]["id"])
    R.equal("requeue 200", q.status, 200, q.text[:300])
    R.check("requeued message delivered", wait_for(lambda: pkey in received_keys(x.sim), 15))
    q = x.admin.post("/api/v1/hub/dead/%s/requeue" % dead[0]["id"])
    R.equal("requeue of a delivery that is not dead: 409", q.status, 409, q.text[:200])


def test_edit_requeue(x):
    marker = "POISON-%s" % uuid.uuid4()
    x.sim.control(reject=marker, reject_status=422)
    key, doc = x.msgs.make_doc(x.patients[2], note=marker)
    r = post(x.sup, json.dumps(doc))
    mid = message_id(r)
    dead = wait_for(lambda: [d for d in dead_items(x) if d["message_id"] == mid], 15)
    R.check("dead-lettered", len(dead) == 1)
    if not dead:
        return
    path = "/api/v1/hub/dead/%s/edit-requeue" % dead[0]["id"]
    other = json.loads(json.dumps(doc))
    other["identifier"]["value"] = "urn:uuid:%s" % uuid.uuid4()
    e = x.admin.request("POST", path, body=json.dumps(other), content_type="application/fhir+json")
    R.equal("edit that changes the identifier: 422", e.status, 422, e.text[:300])
    broken = json.loads(json.dumps(doc))
    broken["entry"][1]["resource"]["subject"]["identifier"]["value"] = "12345678901"
    e = x.admin.request("POST", path, body=json.dumps(broken), content_type="application/fhir+json")
    R.check("invalid edit: 422 with an OperationOutcome",
            e.status == 422 and (e.json_or_none() or {}).get("resourceType") == "OperationOutcome",
            e.text[:300])
    fixed = json.loads(json.dumps(doc))
    fixed["entry"][1]["resource"]["note"] = [{"text": "Rettet av administrator."}]
    e = x.admin.request("POST", path, body=json.dumps(fixed), content_type="application/fhir+json")
    R.equal("edit-then-requeue 200", e.status, 200, e.text[:300])
    R.check("edited message delivered", wait_for(lambda: key in received_keys(x.sim), 15))
    rows = x.srv.sql("SELECT count(*) FROM audit_events WHERE action = 'hub.delivery.edit_requeue'"
                     " AND object_id = ?", (mid,))
    R.equal("edit audited", rows[0][0], 1)
    x.sim.control(reject="")


def test_admin_api(x):
    r = x.admin.get("/api/v1/hub/destinations?receiver=%s" % knute.MUNI_A)
    items = (r.json_or_none() or {}).get("items", [])
    R.check("destinations listed", r.status == 200 and len(items) == 1, r.text[:300])
    R.check("secret never returned", hub_sim.BEARER not in r.text and items and items[0]["has_secret"])
    R.check("secret never logged", not any(hub_sim.BEARER in line for line in x.srv.log_lines()))
    r = x.admin.get("/api/v1/hub/routes?receiver=%s" % knute.MUNI_A)
    R.check("route listed", r.status == 200 and len(r.json["items"]) == 1, r.text[:200])
    r = x.admin.post("/api/v1/hub/routes", {"receiver": knute.MUNI_A, "event": "Other",
                                            "dest_id": x.dest})
    R.equal("route added", r.status, 201, r.text[:200])
    r = x.admin.delete("/api/v1/hub/routes?receiver=%s&event=Other&dest_id=%s" % (knute.MUNI_A, x.dest))
    R.equal("route removed", r.status, 204, r.text[:200])
    op = knute.logged_in(x.srv.url, "operator")
    r = op.get("/api/v1/hub/dead?receiver=%s" % knute.MUNI_A)
    R.equal("a non-admin user: 403", r.status, 403, r.text[:200])
    r = x.sup.get("/api/v1/hub/dead?receiver=%s" % knute.MUNI_A)
    R.check("supplier client may not read dead letters", r.status in (401, 403), r.text[:200])


def main():
    global R
    args = knute.parse_args("hub delivery")
    R = knute.Results(args.only)
    with knute.Workdir("hub_delivery", keep=args.keep) as wd:
        x = Ctx()
        x.srv = knute.Server(args.knute, wd.path, args.web_root, settings=SETTINGS)
        key, x.sim, x.dest = hub_sim.install(x.srv, args.knute, wd.path)
        x.msgs = hub_sim.Messages(args.source_dir)
        gen = knute.NinGenerator()
        x.patients = [gen.next() for _ in range(5)]
        x.srv.start()
        try:
            x.sup = knute.Client(x.srv.url, bearer=key)
            x.admin = knute.logged_in(x.srv.url, "admin")
            R.run("end to end", test_end_to_end, x)
            R.run("admin api", test_admin_api, x)
            R.run("poison", test_poison, x)
            R.run("edit requeue", test_edit_requeue, x)
            R.run("epj down", test_epj_down, x)
        finally:
            x.srv.stop()
            x.sim.stop()
        wd.failed = R.failed > 0
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
