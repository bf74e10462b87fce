#!/usr/bin/env python3
"""test_resp_api.py - black-box suite of the response service's REST API
(docs/response.md) over real HTTP, with an alarm receiver made by `knute
client add` and a second operator made by `knute user add`:

- alarm intake: 201 + Location + the alarm's JSON view, counted in the queue
  and in the database; an external id sent twice: 200 "duplicate", one row;
- bad input (unknown citizen or device, unknown alert code, malformed time,
  bad JSON, wrong types, unknown fields, stock device) is a 4xx
  problem+json whose detail names the field, and creates nothing;
- two operators race to claim one alarm: exactly one 200, one 409 that
  names the holder; steps by someone not holding the claim are 409; close
  without cause/measure is 409; the whole call-out sequence over HTTP with
  its VKP composition-event codes;
- flood: 300 alarms from one device are one queue line with repeats, and
  another citizen's low-priority alarm is on the first page;
- routing rules CRUD and coverage (the demo's Fjordvik gap; a new service
  rule opens gaps); the response profile PUT/GET round trip, reads audited;
- statistics as JSON and CSV; heartbeats;
- access: a Fjordvik operator gets 403/404 for Knutby; unauthenticated 401;
  a client without the scope 403.

    python3 tests/resp/test_resp_api.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import csv
import io
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

R = None
KNUTBY = knute.MUNI_A
FJORDVIK = knute.MUNI_B
PROBLEM = "application/problem+json"


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def alarms_path(muni=KNUTBY):
    return "/api/v1/municipalities/%s/alarms" % muni


def alarm(device=None, code="3", **extra):
    body = {"alert_code": code, "time": now_rfc3339()}
    if device:
        body["device"] = device
    body.update(extra)
    return body


def act(client, alarm_id, action, **extra):
    body = {"action": action}
    body.update(extra)
    return client.post("/api/v1/resp/alarms/%s/actions" % alarm_id, body)


def queue(client, **params):
    q = urllib.parse.urlencode(params)
    return client.get("/api/v1/resp/alarms" + ("?" + q if q else ""))


class Ctx:
    """Everything the tests share: server, clients, demo ids."""


def counts(ctx):
    """(alarms in the database, events in the database, Knutby history total over the API)."""
    a = ctx.srv.sql("SELECT count(*) FROM resp_alarms")[0][0]
    e = ctx.srv.sql("SELECT count(*) FROM resp_events")[0][0]
    r = queue(ctx.op, municipality=KNUTBY, state="all", limit=1)
    total = r.json.get("total") if r.status == 200 else None
    return a, e, total


def created(ctx, r, name):
    ok = R.equal("%s -> 201" % name, r.status, 201, r.text[:300])
    return r.json if ok else {}


# ---------------------------------------------------------------- intake

def test_intake(ctx):
    before = counts(ctx)
    r = ctx.receiver.post(alarms_path(), alarm(ctx.dev["TA-100-0001"], "3", severity=30, triage="R",
                                                battery=80, position={"lat": 59.91, "lon": 10.75},
                                                text="Knappetrykk"))
    a = created(ctx, r, "valid alarm")
    R.equal("JSON answer", r.content_type, "application/json")
    R.equal("intake is new", a.get("intake"), "new")
    R.check("Location names the alarm", r.header("Location") == "/api/v1/resp/alarms/%s" % a.get("id"),
            r.header("Location"))
    R.equal("citizen from the device", (a.get("citizen") or {}).get("id"), ctx.cit[0])
    R.equal("alert code", a.get("alert_code"), "3")
    R.equal("priority red", (a.get("priority"), a.get("priority_name")), (1, "rød"))
    R.equal("state new", a.get("state"), "ny")
    R.equal("battery", a.get("battery"), 80)
    R.equal("position", a.get("position"), {"lat": 59.91, "lon": 10.75})
    after = counts(ctx)
    R.equal("one alarm row more", after[0], before[0] + 1)
    R.check("its created event stored", after[1] >= before[1] + 1, repr((before, after)))
    R.equal("history total one more", after[2], (before[2] or 0) + 1)
    q = queue(ctx.op, municipality=KNUTBY)
    R.equal("queue answers 200", q.status, 200, q.text[:200])
    R.check("the alarm is in the queue", any(x.get("id") == a.get("id") for x in q.json.get("alarms", [])))
    R.check("queue has last_seq", isinstance(q.json.get("last_seq"), int) and q.json["last_seq"] >= 1, q.text[:200])
    R.equal("the queue read is audited",
            ctx.srv.sql("SELECT count(*) FROM audit_events WHERE action='resp.queue.read' AND actor_id=?",
                        (ctx.op.user["id"],))[0][0] >= 1, True)
    # an alarm by citizen id (no device) from an operator
    r = ctx.op.post(alarms_path(), {"citizen_id": ctx.cit[2], "alert_code": "4.1", "time": now_rfc3339()})
    b = created(ctx, r, "alarm by citizen id, posted by an operator")
    R.equal("its citizen", (b.get("citizen") or {}).get("id"), ctx.cit[2])
    # heartbeats
    r = ctx.receiver.post("/api/v1/municipalities/%s/heartbeats" % KNUTBY,
                          {"device": "TA-100-0002", "battery": 55})
    R.equal("heartbeat by serial -> 204", r.status, 204, r.text[:200])
    r = ctx.receiver.post("/api/v1/municipalities/%s/heartbeats" % KNUTBY, {"device": "NO-SUCH-DEVICE"})
    R.equal("heartbeat of an unknown device -> 404", r.status, 404, r.text[:200])
    r = ctx.receiver.post("/api/v1/municipalities/%s/heartbeats" % KNUTBY, {"battery": 5})
    R.equal("heartbeat without device -> 400", r.status, 400, r.text[:200])


def refused(ctx, name, r, status, needle, before):
    R.equal("%s -> %d" % (name, status), r.status, status, r.text[:300])
    R.equal("%s answers problem+json" % name, r.content_type, PROBLEM, r.text[:200])
    detail = (r.json_or_none() or {}).get("detail", "") if r.content_type == PROBLEM else ""
    if needle:
        R.check("%s: detail says %r" % (name, needle), needle.lower() in detail.lower(), detail)
    R.equal("%s creates nothing" % name, counts(ctx), before)


def test_bad_input(ctx):
    dev = ctx.dev["TA-100-0001"]
    before = counts(ctx)
    cases = [
        ("unknown citizen", {"citizen_id": "0" * 32, "alert_code": "3", "time": now_rfc3339()}, 404, "citizen"),
        ("unknown device", alarm("NO-SUCH-DEVICE"), 404, "device"),
        ("unknown alert code", alarm(dev, "9.99"), 400, "alert"),
        ("malformed time", alarm(dev, time="2026-13-45T25:61:00+01:00"), 400, "time"),
        ("time without offset", alarm(dev, time="2026-11-22T10:15:00"), 400, "time"),
        ("time not a string", alarm(dev, time=1763806500), 400, "time"),
        ("alert code a number", alarm(dev, 3), 400, "alert_code"),
        ("severity a string", alarm(dev, severity="high"), 400, "severity"),
        ("severity not a level", alarm(dev, severity=35), 400, "severity"),
        ("triage unknown", alarm(dev, triage="X"), 400, "triage"),
        ("battery out of range", alarm(dev, battery=101), 400, "battery"),
        ("battery a string", alarm(dev, battery="80"), 400, "battery"),
        ("position a string", alarm(dev, position="59.9,10.7"), 400, "position"),
        ("latitude out of range", alarm(dev, position={"lat": 91, "lon": 10}), 400, "lat"),
        ("unknown field", alarm(dev, colour="red"), 400, "colour"),
        ("neither device nor citizen", alarm(None), 400, "device"),
        ("missing time", {"device": dev, "alert_code": "3"}, 400, "time"),
        ("missing alert code", {"device": dev, "time": now_rfc3339()}, 400, "alert_code"),
        ("device in stock", alarm(ctx.dev["TA-100-0003"]), 422, None),
        ("device and citizen disagree", alarm(dev, citizen_id=ctx.cit[1]), 422, None),
        ("body not an object", ["device"], 400, "object"),
    ]
    for name, body, status, needle in cases:
        refused(ctx, name, ctx.receiver.post(alarms_path(), body), status, needle, before)
    refused(ctx, "bad JSON", ctx.receiver.request("POST", alarms_path(), body='{"device": "x",',
                                                  content_type="application/json"), 400, "JSON", before)
    refused(ctx, "wrong content type", ctx.receiver.request("POST", alarms_path(), body="device=x",
                                                            content_type="text/plain"), 415, None, before)
    refused(ctx, "device of another municipality",
            ctx.receiver.post(alarms_path(), alarm(ctx.dev["GPS-3-0001"])), 404, "device", before)


def test_idempotent(ctx):
    before = counts(ctx)
    body = alarm(ctx.dev["TA-100-0002"], "3", id="alarmmottak-77123")
    first = ctx.receiver.post(alarms_path(), body)
    a = created(ctx, first, "first with external id")
    again = ctx.receiver.post(alarms_path(), body)
    R.equal("same id again -> 200", again.status, 200, again.text[:300])
    R.equal("intake duplicate", (again.json_or_none() or {}).get("intake"), "duplicate")
    R.equal("the original is answered", (again.json_or_none() or {}).get("id"), a.get("id"))
    R.equal("one row", counts(ctx)[0], before[0] + 1)


# ---------------------------------------------------------------- operator steps

def new_alarm(ctx, device="TA-100-0002", code="3", **extra):
    # another code each time, so it is not merged into an open alarm of the device
    r = ctx.receiver.post(alarms_path(), alarm(ctx.dev[device], code, **extra))
    if r.status != 201:
        raise RuntimeError("alarm intake failed: %r" % r)
    return r.json


def race(ctx, alarm_id):
    results = {}
    barrier = threading.Barrier(2)

    def claim(name, client):
        barrier.wait()
        results[name] = act(client, alarm_id, "claim")

    threads = [threading.Thread(target=claim, args=(n, c)) for n, c in (("op", ctx.op), ("op2", ctx.op2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_claim_race(ctx):
    codes = ["4.1", "4.13", "4.14", "4.11", "4.24"]
    names = {"op": "Ola Operatør", "op2": "Otto Operatør"}
    for i, code in enumerate(codes):
        a = new_alarm(ctx, "CAM-2-0001", code)
        res = race(ctx, a["id"])
        statuses = sorted(r.status for r in res.values())
        R.equal("race %d: one 200, one 409" % i, statuses, [200, 409],
                "; ".join("%s %d %s" % (k, v.status, v.text[:120]) for k, v in res.items()))
        if statuses != [200, 409]:
            continue
        winner = [k for k, v in res.items() if v.status == 200][0]
        loser = [k for k, v in res.items() if v.status == 409][0]
        R.equal("race %d: 409 is problem+json" % i, res[loser].content_type, PROBLEM)
        R.check("race %d: 409 names the holder" % i, names[winner] in res[loser].json.get("detail", ""),
                res[loser].text[:300])
        R.equal("race %d: the alarm is held by the winner" % i,
                ((res[winner].json.get("claimed_by") or {}).get("name")), names[winner])
        events = ctx.srv.sql("SELECT count(*) FROM resp_events WHERE alarm_id=? AND kind='claimed'", (a["id"],))
        R.equal("race %d: one claimed event" % i, events[0][0], 1)


def kinds(detail, wanted):
    return [(e.get("kind"), e.get("vkp_event")) for e in detail.get("events", []) if e.get("kind") in wanted]


def test_action_sequence(ctx):
    a = new_alarm(ctx, "TA-100-0002", "4.13")
    aid = a["id"]
    r = act(ctx.op, aid, "claim")
    R.equal("claim -> 200", r.status, 200, r.text[:200])
    R.equal("state tatt", r.json.get("state"), "tatt")
    r = act(ctx.op2, aid, "acknowledge")
    R.equal("acknowledge by someone not holding it -> 409", r.status, 409, r.text[:200])
    R.check("its detail names the holder", "Ola Operatør" in r.text, r.text[:200])
    r = act(ctx.op2, aid, "release")
    R.equal("release by someone else -> 409", r.status, 409, r.text[:200])
    r = act(ctx.op, aid, "phone")
    R.equal("phone before acknowledge -> 409", r.status, 409, r.text[:200])
    r = act(ctx.op, aid, "dance")
    R.equal("unknown action -> 400", r.status, 400, r.text[:200])
    R.check("its detail lists the actions", "claim" in r.text and "close" in r.text, r.text[:300])
    r = act(ctx.op, aid, "claim", version="7")
    R.equal("version of the wrong type -> 400", r.status, 400, r.text[:200])
    steps = [("acknowledge", {}, "kvittert"), ("callout", {"team": "Hjemmetjenesten sone sentrum"}, "utrykning"),
             ("callout_started", {}, "utrykning"), ("callout_done", {}, None),
             ("cause", {"text": "Falt i gangen"}, None), ("measure", {"text": "Hjulpet opp, ingen skade"}, None),
             ("close", {}, "avsluttet")]
    for action, extra, state in steps:
        if action == "close":
            r = act(ctx.op2, aid, "close")
            R.equal("close by someone else -> 409", r.status, 409, r.text[:200])
        r = act(ctx.op, aid, action, **extra)
        R.equal("%s -> 200" % action, r.status, 200, r.text[:300])
        if state and r.status == 200:
            R.equal("%s: state %s" % (action, state), r.json.get("state"), state)
    R.equal("callout team kept", r.json.get("team") if r.status == 200 else None, "Hjemmetjenesten sone sentrum")
    R.equal("outcome utrykning", r.json.get("outcome") if r.status == 200 else None, "utrykning")
    d = ctx.op.get("/api/v1/resp/alarms/%s" % aid)
    R.equal("detail -> 200", d.status, 200, d.text[:200])
    detail = d.json_or_none() or {}
    wanted = {"created", "claimed", "acknowledged", "callout_requested", "callout_started", "callout_done",
              "cause", "measure", "closed"}
    R.equal("events with their VKP codes, in order", kinds(detail, wanted),
            [("created", 0), ("claimed", 1), ("acknowledged", 3), ("callout_requested", 4),
             ("callout_started", 9), ("callout_done", 5), ("cause", 6), ("measure", 7), ("closed", None)])
    cz = detail.get("citizen") or {}
    R.equal("detail names the citizen", cz.get("id"), ctx.cit[1])
    R.check("person number masked", (cz.get("nin_masked") or "").endswith("*****") and len(cz.get("nin_masked", "")) == 11,
            repr(cz.get("nin_masked")))
    R.check("no full person number in the detail", ctx.nin[1] not in d.text)
    R.check("detail has the profile and the step", "profile" in detail and "step" in detail, d.text[:200])
    R.equal("detail read audited",
            ctx.srv.sql("SELECT count(*) FROM audit_events WHERE action='resp.alarm.read' AND object_id=?", (aid,))[0][0] >= 1,
            True)
    r = act(ctx.op, aid, "note", text="etter avslutning")
    R.equal("a step on a closed alarm -> 409", r.status, 409, r.text[:200])
    # close without cause and measure
    b = new_alarm(ctx, "TA-100-0002", "4.14")
    for action in ("claim", "acknowledge", "phone"):
        r = act(ctx.op, b["id"], action)
        R.equal("second alarm: %s -> 200" % action, r.status, 200, r.text[:200])
    r = act(ctx.op, b["id"], "close")
    R.equal("close without cause and measure -> 409", r.status, 409, r.text[:200])
    R.check("it says what is missing", "cause" in r.text.lower(), r.text[:300])
    r = act(ctx.op, b["id"], "cause", text="")
    R.equal("cause without text -> 4xx", r.status in (400, 409, 422), True, r.text[:200])
    for action, text in (("cause", "Trykket ved et uhell"), ("measure", "Ingen tiltak")):
        R.equal("second alarm: %s -> 200" % action, act(ctx.op, b["id"], action, text=text).status, 200)
    r = act(ctx.op, b["id"], "close")
    R.equal("then close -> 200", r.status, 200, r.text[:200])
    R.equal("outcome telefon", r.json.get("outcome") if r.status == 200 else None, "telefon")
    r = ctx.op.post("/api/v1/resp/alarms/%s/actions" % ("f" * 32), {"action": "claim"})
    R.equal("unknown alarm -> 404", r.status, 404, r.text[:200])
    r = ctx.op.get("/api/v1/resp/alarms/%s" % ("f" * 32))
    R.equal("detail of an unknown alarm -> 404", r.status, 404, r.text[:200])


# ---------------------------------------------------------------- flood

def test_flood(ctx):
    dev = ctx.dev["GPS-3-0001"]          # Fjordvik, citizen 3
    n, errors = 300, []
    lock = threading.Lock()
    next_i = [0]

    def worker():
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= n:
                return
            r = ctx.fjord_receiver.post(alarms_path(FJORDVIK), alarm(dev, "2"))
            if r.status not in (200, 201):
                with lock:
                    errors.append(r)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    R.equal("300 alarms accepted", errors, [], repr(errors[:3]))
    print("  (300 alarms in %.2f s)" % (time.monotonic() - t0))
    other = created(ctx, ctx.fjord_receiver.post(alarms_path(FJORDVIK),
                                                 {"citizen_id": ctx.fjord_other, "alert_code": "4.5",
                                                  "time": now_rfc3339()}), "another citizen's alarm")
    R.equal("the other alarm has a low priority", other.get("priority"), 5)
    q = queue(ctx.admin, municipality=FJORDVIK, limit=10)
    R.equal("queue -> 200", q.status, 200, q.text[:200])
    lines = q.json.get("alarms", []) if q.status == 200 else []
    R.check("the other citizen's alarm is on the first page",
            any(x.get("id") == other.get("id") for x in lines), repr([x.get("id") for x in lines]))
    dev_lines = [x for x in lines if x.get("device_id") == dev]
    R.equal("the flooding device has one queue line", len(dev_lines), 1)
    R.equal("with the repeats", dev_lines[0].get("repeats") if dev_lines else None, n - 1)
    R.equal("one alarm row for the device in the database",
            ctx.srv.sql("SELECT count(*) FROM resp_alarms WHERE device_id=? AND state != 5", (dev,))[0][0], 1)


# ---------------------------------------------------------------- rules, coverage, profile

def rules_path(muni=KNUTBY, rest=""):
    return "/api/v1/municipalities/%s/resp/%s" % (muni, rest or "rules")


def test_rules_coverage(ctx):
    r = ctx.coord.get(rules_path())
    R.equal("rules -> 200", r.status, 200, r.text[:200])
    R.check("the demo's rules are there", len((r.json_or_none() or {}).get("rules", [])) >= 4, r.text[:300])
    c = ctx.coord.get(rules_path(rest="coverage"))
    R.equal("Knutby coverage -> 200", c.status, 200, c.text[:200])
    R.equal("Knutby is covered", (c.json_or_none() or {}).get("covered"), True, c.text[:400])
    f = ctx.admin.get(rules_path(FJORDVIK, "coverage"))
    fj = f.json_or_none() or {}
    R.equal("Fjordvik is not covered", fj.get("covered"), False, f.text[:400])
    R.equal("its one gap: Sunday 22-24", fj.get("gaps"), [{"service": "*", "day": "søn", "from": "22:00", "to": "24:00"}])
    rule = {"name": "Digitalt tilsyn dagtid", "service": "4", "days": ["man", "tir", "ons", "tor", "fre"],
            "from": "08:00", "to": "16:00",
            "steps": [{"kind": "centre", "target": "Responssenter Knutby", "timeout_s": 60},
                      {"kind": "homecare", "target": "Hjemmetjenesten sone sentrum", "timeout_s": 300}]}
    r = ctx.op.post(rules_path(), rule)
    R.equal("an operator may not write rules -> 403", r.status, 403, r.text[:200])
    r = ctx.coord.post(rules_path(), dict(rule, **{"from": "25:00"}))
    R.equal("bad time of day -> 400", r.status, 400, r.text[:200])
    R.check("its detail names the field", "from" in r.text, r.text[:200])
    n_rules = len(ctx.coord.get(rules_path()).json.get("rules", []))
    r = ctx.coord.post(rules_path(), rule)
    R.equal("create -> 201", r.status, 201, r.text[:300])
    made = r.json_or_none() or {}
    R.check("it has an id", bool(made.get("id")), r.text[:200])
    R.equal("it reads back", (made.get("service"), made.get("days"), made.get("from"), made.get("to")),
            ("4", rule["days"], "08:00", "16:00"))
    r = ctx.coord.post(rules_path(), dict(rule, id=made.get("id"), name="Digitalt tilsyn, dag"))
    R.equal("replace with the id -> 201", r.status, 201, r.text[:200])
    listed = ctx.coord.get(rules_path()).json.get("rules", [])
    R.equal("one rule more, replaced in place", (len(listed), [x.get("name") for x in listed if x.get("id") == made.get("id")]),
            (n_rules + 1, ["Digitalt tilsyn, dag"]))
    R.equal("a service rule under the all-day rules leaves no gap",
            ctx.coord.get(rules_path(rest="coverage")).json.get("covered"), True)
    r = ctx.coord.delete(rules_path(rest="rules/%s" % made.get("id")))
    R.equal("delete -> 204", r.status, 204, r.text[:200])
    R.equal("one rule fewer", len(ctx.coord.get(rules_path()).json.get("rules", [])), n_rules)
    r = ctx.coord.delete(rules_path(rest="rules/%s" % made.get("id")))
    R.equal("delete again -> 404", r.status, 404, r.text[:200])
    # without the weekend rule Knutby's weekends are gaps; put back, covered again
    weekend = [x for x in listed if x.get("name") == "Helg"]
    R.equal("the demo's weekend rule", len(weekend), 1)
    if not weekend:
        return
    r = ctx.coord.delete(rules_path(rest="rules/%s" % weekend[0]["id"]))
    R.equal("delete the weekend rule -> 204", r.status, 204, r.text[:200])
    c = ctx.coord.get(rules_path(rest="coverage")).json_or_none() or {}
    R.equal("weekends are gaps", (c.get("covered"), c.get("gaps")),
            (False, [{"service": "*", "day": "lør", "from": "00:00", "to": "24:00"},
                     {"service": "*", "day": "søn", "from": "00:00", "to": "24:00"}]))
    again = {k: v for k, v in weekend[0].items() if k != "id"}
    r = ctx.coord.post(rules_path(), again)
    R.equal("put it back -> 201", r.status, 201, r.text[:300])
    c = ctx.coord.get(rules_path(rest="coverage")).json_or_none() or {}
    R.equal("covered again", (c.get("covered"), c.get("gaps")), (True, []))


def test_profile(ctx):
    cid = ctx.cit[2]
    path = "/api/v1/citizens/%s/resp-profile" % cid
    prof = {"key_safe": "Nøkkelboks ved døra, kode 1234", "elock": "", "access_note": "Katt; lukk døra",
            "care_team": "Hjemmetjenesten sone sentrum", "care_team_phone": "+47 37 00 10 01",
            "notes": "Diabetes", "relatives": [
                {"name": "Kari Olsen", "relation": "datter", "phone": "+47 911 22 333", "call_order": 1},
                {"name": "Per Olsen", "relation": "sønn", "phone": "+47 922 33 444", "call_order": 2}],
            "priority_rules": [{"alert_code": "4", "priority": 1}]}
    r = ctx.op.request("PUT", path, json_body=prof)
    R.equal("an operator may not write a profile -> 403", r.status, 403, r.text[:200])
    r = ctx.coord.request("PUT", path, json_body=dict(prof, relatives="Kari"))
    R.equal("relatives not a list -> 400", r.status, 400, r.text[:200])
    r = ctx.coord.request("PUT", path, json_body=prof)
    R.equal("PUT -> 200", r.status, 200, r.text[:300])
    reads = ctx.srv.sql("SELECT count(*) FROM audit_events WHERE action='resp.profile.read'")[0][0]
    g = ctx.nurse.get(path)
    R.equal("GET by a nurse -> 200", g.status, 200, g.text[:200])
    got = g.json_or_none() or {}
    for k in ("key_safe", "access_note", "care_team", "care_team_phone", "notes", "priority_rules"):
        R.equal("%s round trip" % k, got.get(k), prof[k])
    R.equal("relatives in call order", [(x.get("name"), x.get("call_order")) for x in got.get("relatives", [])],
            [("Kari Olsen", 1), ("Per Olsen", 2)])
    R.equal("the read is audited",
            ctx.srv.sql("SELECT count(*) FROM audit_events WHERE action='resp.profile.read'")[0][0], reads + 1)
    R.equal("by the nurse",
            ctx.srv.sql("SELECT actor_id FROM audit_events WHERE action='resp.profile.read' ORDER BY rowid DESC LIMIT 1")[0][0],
            ctx.nurse.user["id"])
    r = ctx.coord.get("/api/v1/citizens/%s/resp-profile" % ctx.fjord_other)
    R.check("a Knutby coordinator cannot read a Fjordvik profile", r.status in (403, 404), r.text[:200])
    e = ctx.coord.get("/api/v1/citizens/%s/resp-profile" % ctx.cit[4])
    R.equal("a citizen without profile -> 200", e.status, 200, e.text[:200])
    R.equal("with no relatives", (e.json_or_none() or {}).get("relatives"), [])


# ---------------------------------------------------------------- statistics

def test_stats(ctx):
    r = ctx.op.get("/api/v1/resp/stats?municipality=%s" % KNUTBY)
    R.equal("stats -> 200", r.status, 200, r.text[:200])
    R.equal("JSON", r.content_type, "application/json")
    s = r.json_or_none() or {}
    months = [m for m in s.get("months", []) if m.get("municipality") == KNUTBY]
    n_db = ctx.srv.sql("SELECT count(*) FROM resp_alarms WHERE municipality=?", (KNUTBY,))[0][0]
    R.equal("every Knutby alarm is counted", sum(m.get("alarms", 0) for m in months), n_db)
    R.check("claims within 60 s counted", sum(m.get("answered_60", 0) for m in months) >= 1, repr(months))
    c = ctx.op.get("/api/v1/resp/stats?municipality=%s&format=csv" % KNUTBY)
    R.equal("CSV -> 200", c.status, 200, c.text[:200])
    R.equal("CSV content type", c.content_type, "text/csv")
    rows = list(csv.reader(io.StringIO(c.text.lstrip("\ufeff"))))
    R.check("CSV has a header and a row", len(rows) >= 2, c.text[:300])
    c = ctx.op.get("/api/v1/resp/stats?municipality=%s&format=csv&table=citizens" % KNUTBY)
    R.equal("citizens CSV -> 200", (c.status, c.content_type), (200, "text/csv"), c.text[:200])
    for q, what in (("format=xml", "format"), ("table=days", "table"), ("from=2026-02-30", "from"),
                    ("from=2026-11-22&to=2026-11-01", "to"), ("municipality=abc", "municipality")):
        r = ctx.op.get("/api/v1/resp/stats?" + q)
        R.equal("%s -> 400" % q, r.status, 400, r.text[:200])
        R.check("%s: detail names %s" % (q, what), what in r.text, r.text[:200])
    r = ctx.fjordop.get("/api/v1/resp/stats?municipality=%s" % KNUTBY)
    R.equal("a Fjordvik operator's Knutby stats -> 403", r.status, 403, r.text[:200])


# ---------------------------------------------------------------- access

def test_access(ctx):
    a = new_alarm(ctx, "TA-100-0001", "4.11")
    aid = a["id"]
    f = ctx.fjordop
    r = queue(f, municipality=KNUTBY)
    R.equal("Fjordvik operator, Knutby queue -> 403", r.status, 403, r.text[:200])
    r = queue(f)
    R.equal("Fjordvik operator, own queue -> 200", r.status, 200, r.text[:200])
    R.check("it shows no Knutby alarm",
            all(x.get("municipality") == FJORDVIK for x in (r.json_or_none() or {}).get("alarms", [])), r.text[:300])
    for name, resp in (("detail", f.get("/api/v1/resp/alarms/%s" % aid)),
                       ("claim", act(f, aid, "claim")),
                       ("profile", f.get("/api/v1/citizens/%s/resp-profile" % ctx.cit[0]))):
        R.check("Fjordvik operator, Knutby %s -> 403/404" % name, resp.status in (403, 404), resp.text[:200])
    r = f.post(alarms_path(), alarm(ctx.dev["TA-100-0001"]))
    R.equal("Fjordvik operator posts a Knutby alarm -> 403", r.status, 403, r.text[:200])
    r = f.get(rules_path())
    R.equal("Fjordvik operator, Knutby rules -> 403", r.status, 403, r.text[:200])
    anon = knute.Client(ctx.srv.url)
    for method, path, body in (("GET", "/api/v1/resp/alarms", None), ("POST", alarms_path(), alarm("TA-100-0001")),
                               ("GET", "/api/v1/resp/alarms/%s" % aid, None),
                               ("POST", "/api/v1/resp/alarms/%s/actions" % aid, {"action": "claim"}),
                               ("GET", rules_path(rest="coverage"), None), ("GET", "/api/v1/resp/stats", None)):
        r = anon.request(method, path, json_body=body)
        R.equal("unauthenticated %s %s -> 401" % (method, path), r.status, 401, r.text[:200])
    r = queue(ctx.receiver)
    R.equal("an alarm receiver may not read the queue -> 403", r.status, 403, r.text[:200])
    r = act(ctx.receiver, aid, "claim")
    R.equal("an alarm receiver may not act -> 403", r.status, 403, r.text[:200])
    r = ctx.receiver.post(alarms_path(FJORDVIK), alarm(ctx.dev["GPS-3-0001"]))
    R.equal("a Knutby receiver posts to Fjordvik -> 403", r.status, 403, r.text[:200])
    r = knute.Client(ctx.srv.url, bearer="knk_not-a-key").post(alarms_path(), alarm("TA-100-0001"))
    R.equal("a wrong API key -> 401", r.status, 401, r.text[:200])
    r = ctx.nurse.post(alarms_path(), alarm(ctx.dev["TA-100-0001"]))
    R.equal("a nurse may not post alarms -> 403", r.status, 403, r.text[:200])


# ---------------------------------------------------------------- main

def setup(args, wd):
    ctx = Ctx()
    srv = ctx.srv = knute.Server(args.knute, wd.path, web_root=args.web_root,
                                 settings={"resp_renotify_s": "3600", "resp_forgotten_s": "86400",
                                           "hub_delivery": "false"})
    srv.cli("demo")
    srv.cli("user", "add", "operator2", "--name", "Otto Operatør", "--grant", KNUTBY + ":operator",
            input=knute.DEMO_PASSWORD + "\n")
    srv.cli("user", "add", "fjordop", "--name", "Fia Fjordoperatør", "--grant", FJORDVIK + ":operator",
            input=knute.DEMO_PASSWORD + "\n")
    key = srv.add_apikey_client("alarmmottak", "knute/alarms.write", [KNUTBY + ":operator"])
    fkey = srv.add_apikey_client("alarmmottak-fjordvik", "knute/alarms.write", [FJORDVIK + ":operator"])
    srv.start()
    ctx.receiver = knute.Client(srv.url, bearer=key)
    ctx.fjord_receiver = knute.Client(srv.url, bearer=fkey)
    ctx.op = knute.logged_in(srv.url, "operator")
    ctx.op2 = knute.logged_in(srv.url, "operator2")
    ctx.fjordop = knute.logged_in(srv.url, "fjordop")
    ctx.coord = knute.logged_in(srv.url, "koordinator")
    ctx.nurse = knute.logged_in(srv.url, "sykepleier")
    ctx.admin = knute.logged_in(srv.url, "admin")
    ctx.dev = {serial: dev_id for dev_id, serial in srv.sql("SELECT id, serial FROM devices")}
    owner = dict(srv.sql("SELECT serial, citizen_id FROM devices"))
    # demo citizens by index: 0, 1, 2 own TA-100-0001, TA-100-0002, MD-7-0001; 4 CAM-2-0001
    ctx.cit = {0: owner["TA-100-0001"], 1: owner["TA-100-0002"], 2: owner["MD-7-0001"],
               3: owner["GPS-3-0001"], 4: owner["CAM-2-0001"]}
    ctx.nin = {i: srv.sql("SELECT nin FROM citizens WHERE id=?", (c,))[0][0] for i, c in ctx.cit.items()}
    ctx.fjord_other = srv.sql("SELECT id FROM citizens WHERE municipality=? AND id != ? ORDER BY id LIMIT 1",
                              (FJORDVIK, ctx.cit[3]))[0][0]
    return ctx


def main():
    global R
    args = knute.parse_args("Knute response service API black-box suite")
    R = knute.Results(args.only)
    with knute.Workdir("resp", keep=args.keep) as wd:
        ctx = setup(args, wd)
        try:
            R.run("alarm intake and heartbeats", test_intake, ctx)
            R.run("bad input creates nothing", test_bad_input, ctx)
            R.run("idempotent external id", test_idempotent, ctx)
            R.run("two operators race to claim", test_claim_race, ctx)
            R.run("operator steps over HTTP", test_action_sequence, ctx)
            R.run("flood from one device", test_flood, ctx)
            R.run("routing rules and coverage", test_rules_coverage, ctx)
            R.run("response profile", test_profile, ctx)
            R.run("service-level statistics", test_stats, ctx)
            R.run("access", test_access, ctx)
        finally:
            code, took = ctx.srv.stop()
            R.equal("server stops cleanly", code, 0, ctx.srv.output_tail())
        rc = R.summary()
        wd.failed = rc != 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
