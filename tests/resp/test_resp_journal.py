#!/usr/bin/env python3
"""test_resp_journal.py - black-box suite of the response service's hub
side (docs/response.md; resp.h steps 1 and 5) over real HTTP, with the
demo data, `knute epj-sim` as Knutby's EPJ (destination, route and register
as in tests/hub/test_hub_delivery.py) and an alarm receiver made by
`knute client add`:

- automatic journaling: an alarm posted by the receiver is worked through
  claim, acknowledge, callout, callout_started, callout_done, cause,
  measure and close by the operator; the closed alarm's journal becomes
  "sent" with a hub message id, epj-sim receives that message once, and its
  Composition carries the VKP composition events 0,1,3,4,9,5,6,7 in that
  order, the citizen's person number as subject and the DetectedIssue of
  the alarm;
- alarms from the hub: a VKP message with a DetectedIssue (alert code 4.25,
  severity level 30) for a Knutby citizen, posted to $process-message by a
  supplier, appears in GET /api/v1/resp/alarms as an alarm of source "hub"
  of that citizen, once, also when the supplier sends the message again.

    python3 tests/resp/test_resp_journal.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import json
import os
import re
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, os.path.join(HERE, "..", "hub"))
import hub_sim  # noqa: E402
import knute  # noqa: E402
from hub_sim import post, wait_for  # noqa: E402

R = None
KNUTBY = knute.MUNI_A
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
EVENT_CS = "http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090"
ALERT_CS = "http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SETTINGS = {"hub_poll_ms": 100}


class Ctx:
    """Everything the tests share."""


def short(x):
    """A detail text for a failed check."""
    return json.dumps(x, ensure_ascii=False)[:600]


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def act(client, alarm_id, action, **extra):
    body = {"action": action}
    body.update(extra)
    return client.post("/api/v1/resp/alarms/%s/actions" % alarm_id, body)


def alarm_view(ctx, alarm_id):
    r = ctx.op.get("/api/v1/resp/alarms/%s" % alarm_id)
    return (r.json_or_none() or {}).get("alarm", {}) if r.status == 200 else {}


def resource(bundle, rtype):
    for e in bundle.get("entry", []):
        res = e.get("resource", {})
        if res.get("resourceType") == rtype:
            return res
    return {}


def event_codes(comp):
    codes = []
    for ev in comp.get("event", []):
        for cc in ev.get("code", []):
            for c in cc.get("coding", []):
                if c.get("system") == EVENT_CS:
                    codes.append(int(c["code"]))
    return codes


# ---------------------------------------------------------------- journaling

def test_journal(ctx):
    cid, nin = ctx.citizen
    r = ctx.receiver.post("/api/v1/municipalities/%s/alarms" % KNUTBY,
                          {"citizen_id": cid, "alert_code": "4.1", "time": now_rfc3339(),
                           "severity": 30, "position": {"lat": 59.91, "lon": 10.75},
                           "id": "journal-%s" % uuid.uuid4()})
    if not R.equal("alarm posted: 201", r.status, 201, r.text[:300]):
        return
    aid = r.json["id"]
    steps = [("claim", {}), ("acknowledge", {}), ("callout", {"team": "Team Nord"}),
             ("callout_started", {}), ("callout_done", {}),
             ("cause", {"text": "Falt på badet <glatt & vått>"}),
             ("measure", {"text": "Sklimatte bestilt"}), ("close", {})]
    for name, extra in steps:
        s = act(ctx.op, aid, name, **extra)
        if not R.equal("step %s: 200" % name, s.status, 200, s.text[:300]):
            return
    R.equal("closed alarm's journal is pending or sent", alarm_view(ctx, aid).get("journal") in
            ("pending", "sent"), True)
    view = wait_for(lambda: (lambda a: a if a.get("journal") == "sent" else None)(alarm_view(ctx, aid)),
                    20)
    if not R.check("the alarm's journal becomes sent", bool(view), short(alarm_view(ctx, aid))):
        return
    mid = view.get("journal_message_id", "")
    R.equal("journal_message_id is a hub message id", len(mid), 32, short(view))
    got = wait_for(lambda: [x for x in ctx.sim.received() if x.get("message_id") == mid], 20)
    R.equal("epj-sim received the journal message once", len(got or []), 1,
            json.dumps(ctx.sim.received(all_=True))[:600])
    if got:
        R.equal("pushed to $process-message", got[0]["path"], "/fhir/$process-message")
        R.check("epj-sim saw the citizen as patient", got[0]["patient"].endswith("|" + nin),
                got[0]["patient"])
    rows = ctx.srv.sql("SELECT body, event, sender_client FROM hub_messages WHERE id = ?", (mid,))
    if not R.equal("the message is in the hub", len(rows), 1):
        return
    body, event, sender = rows[0]
    R.equal("hub event PatientComposition", event, "PatientComposition")
    R.equal("sent by Knute itself", sender, "knute")
    doc = json.loads(body)
    R.equal("a message Bundle", (doc.get("resourceType"), doc.get("type")), ("Bundle", "message"))
    comp = resource(doc, "Composition")
    R.equal("Composition events in order", event_codes(comp), [0, 1, 3, 4, 9, 5, 6, 7])
    subj = (comp.get("subject") or {}).get("identifier", {})
    R.equal("subject is the citizen's person number", subj.get("value"), nin)
    R.check("subject system is FNR or D-nummer", subj.get("system") in (FNR, DNR), short(subj))
    R.equal("Composition final", comp.get("status"), "final")
    di = resource(doc, "DetectedIssue")
    codes = [c.get("code") for c in (di.get("code") or {}).get("coding", []) if c.get("system") == ALERT_CS]
    R.equal("DetectedIssue carries the alert code", codes, ["4.1"])
    divs = " ".join(((s.get("text") or {}).get("div", "")) for s in comp.get("section", []))
    R.check("cause is in the narrative, escaped", "&lt;glatt &amp; vått&gt;" in divs and "<glatt" not in divs,
            divs[:400])
    ev = ctx.op.get("/api/v1/resp/alarms/%s" % aid).json_or_none() or {}
    kinds = [e.get("kind") for e in ev.get("events", [])]
    R.check("the alarm's log has the journaled event", "journaled" in kinds, short(kinds))
    # the validator agrees (knute validate on the delivered bytes)
    path = os.path.join(ctx.wd, "journal-%s.json" % mid)
    with open(path, "w") as f:
        f.write(body)
    p = ctx.srv.cli("validate", path, check=False)
    R.equal("knute validate accepts the journal message", p.returncode, 0, (p.stdout + p.stderr)[-600:])


# ---------------------------------------------------------------- hub -> alarm

def camera_message(source_dir, nin):
    """msg-cameraobservation with fresh uuids, its own identifier, severity
    level 30 and the given patient."""
    with open(os.path.join(source_dir, "tests", "fhir", "vkp", "valid", "msg-cameraobservation.json")) as f:
        text = f.read()
    mapping = {}
    text = UUID_RE.sub(lambda m: mapping.setdefault(m.group(0), str(uuid.uuid4())), text)
    doc = json.loads(text)
    doc["identifier"] = {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:%s" % uuid.uuid4()}

    def patch(node):
        if isinstance(node, dict):
            ident = node.get("identifier")
            if isinstance(ident, dict) and ident.get("system") == FNR:
                ident["value"] = nin
            for k, v in node.items():
                if k == "valueCodeableConcept" and "severity" in json.dumps(v):
                    for c in v.get("coding", []):
                        c["code"], c["display"] = "30", "Alvorlig"
                else:
                    patch(v)
        elif isinstance(node, list):
            for v in node:
                patch(v)
    patch(doc)
    return json.dumps(doc)


def hub_alarms(ctx, cid):
    q = urllib.parse.urlencode({"municipality": KNUTBY, "state": "all", "citizen": cid, "limit": 1000})
    r = ctx.op.get("/api/v1/resp/alarms?" + q)
    return [a for a in (r.json_or_none() or {}).get("alarms", []) if a.get("source") == "hub"]


def test_hub_alarm(ctx):
    cid, nin = ctx.hub_citizen
    before = len(hub_alarms(ctx, cid))
    body = camera_message(ctx.source_dir, nin)
    r = post(ctx.sup, body)
    R.equal("message with a DetectedIssue accepted: 202", r.status, 202, r.text[:300])
    t0 = time.monotonic()
    found = wait_for(lambda: len(hub_alarms(ctx, cid)) > before and hub_alarms(ctx, cid), 10)
    took = time.monotonic() - t0
    if not R.check("an alarm of source hub appears in GET /api/v1/resp/alarms", bool(found)):
        return
    R.check("within 2 s of the intake (the hub wakes the worker)", took < 2.0 * knute.SLOW, "%.2f s" % took)
    new = [a for a in found if a.get("alert_code") == "4.25"]
    R.equal("one alarm for the message", len(new), 1, short(found))
    if new:
        a = new[0]
        R.equal("its citizen", (a.get("citizen") or {}).get("id"), cid)
        R.equal("severity from the extension", a.get("severity"), 30)
        R.equal("alert display", a.get("alert"), "Hendelsesbasert kameratilsyn")
    r2 = post(ctx.sup, body)
    R.equal("the same message again: 200 duplicate", r2.status, 200, r2.text[:200])
    time.sleep(1.5)
    R.equal("still one hub alarm for it", len([a for a in hub_alarms(ctx, cid) if a.get("alert_code") == "4.25"]),
            1)
    stranger = knute.NinGenerator(start=900).next()
    unknown = camera_message(ctx.source_dir, stranger)
    r3 = post(ctx.sup, unknown)
    R.equal("a message for someone who is no citizen: 202", r3.status, 202, r3.text[:200])
    skipped = wait_for(lambda: [e for e in hub_sim.log_events(ctx.srv, "resp.hubin.skipped")
                                if e.get("message_id") == hub_sim.message_id(r3)], 10)
    R.check("only logged (message id, no person number)", bool(skipped) and
            not any(stranger in line for line in ctx.srv.log_lines()), short(skipped))


# ---------------------------------------------------------------- set-up

def setup(args, wd):
    ctx = Ctx()
    ctx.wd = wd.path
    ctx.source_dir = args.source_dir
    ctx.srv = knute.Server(args.knute, wd.path, args.web_root, settings=SETTINGS)
    key, ctx.sim, ctx.dest = hub_sim.install(ctx.srv, args.knute, wd.path)
    rkey = ctx.srv.add_apikey_client("alarmmottak", "knute/alarms.write", [KNUTBY + ":operator"])
    rows = ctx.srv.sql("SELECT id, nin FROM citizens WHERE municipality = ? ORDER BY id", (KNUTBY,))
    ctx.citizen = rows[0]
    ctx.hub_citizen = rows[1]
    ctx.srv.start()
    ctx.sup = knute.Client(ctx.srv.url, bearer=key)
    ctx.receiver = knute.Client(ctx.srv.url, bearer=rkey)
    ctx.op = knute.logged_in(ctx.srv.url, "operator")
    return ctx


def main():
    global R
    args = knute.parse_args("Knute response service journaling and hub intake black-box suite")
    R = knute.Results(args.only)
    with knute.Workdir("resp_journal", keep=args.keep) as wd:
        ctx = setup(args, wd)
        try:
            R.run("journal of a call-out alarm reaches the EPJ", test_journal, ctx)
            R.run("a hub DetectedIssue becomes an alarm", test_hub_alarm, ctx)
        finally:
            code, _ = ctx.srv.stop()
            ctx.sim.stop()
            R.equal("server stops cleanly", code, 0, ctx.srv.output_tail())
        rc = R.summary()
        wd.failed = rc != 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
