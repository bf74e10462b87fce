#!/usr/bin/env python3
"""test_hub_intake.py - black-box suite of the hub's intake, status, pull and
acknowledgement over real HTTP, with API-key clients made by `knute client
add` and the authorisation register filled by `knute hub grant add`.

- a valid VKP message: 202 + Location -> $status is a Task "requested";
  the same message again: 200 with the same Location, still one row;
- bad input stores nothing and says why, as an OperationOutcome: malformed
  JSON 400, wrong content type 415, body over 1 MiB 413, unknown receiver
  404, client not allowed 403, profile violation 422 naming the path;
- pull with _lastUpdated cursor paging and _tag:not=journaled; a read
  message becomes delivered; $journaling-acknowledged -> journaled;
- the register over the admin API; audit events carry the client identity;
  no person number in the message table's columns;
- $status shows the delivery attempts: a message routed (admin API) to an
  unreachable destination shows its failed attempts and the error.

    python3 tests/hub/test_hub_intake.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

R = None
ARGS = None
MUNI = knute.MUNI_A
OTHER_MUNI = knute.MUNI_B
SUPPLIER = "987000015"
FHIR = "application/fhir+json"
MH_ID = "d87237f3"
PATIENT_FNR = "12834810008"


def corpus(name):
    with open(os.path.join(ARGS.source_dir, "tests", "fhir", "vkp", name), "rb") as f:
        return f.read().decode("utf-8")


def message(tag):
    """The typical MedicationDispense message with its MessageHeader id (and
    so its idempotency key) made unique by an 8-hex-digit tag."""
    return BASE_MSG.replace(MH_ID, tag)


def post(c, path, body, content_type=FHIR):
    return c.request("POST", path, body=body, content_type=content_type)


def intake_path(receiver=MUNI, op="$process-message"):
    return "/epj/r4/%s/%s" % (receiver, op)


def rows(srv):
    return srv.sql("SELECT count(*) FROM hub_messages")[0][0]


def is_outcome(r):
    j = r.json_or_none()
    return r.content_type == FHIR and isinstance(j, dict) and j.get("resourceType") == "OperationOutcome"


def test_accept_and_dedup(srv, sender):
    before = rows(srv)
    r = post(sender, intake_path(), message("a0000001"))
    R.equal("valid message -> 202", r.status, 202, r.text[:300])
    loc = r.header("Location") or ""
    R.check("Location is the $status URL", loc.startswith("/epj/r4/%s/Bundle/" % MUNI) and loc.endswith("/$status"), loc)
    R.check("body is an OperationOutcome", is_outcome(r), r.text[:200])
    R.check("outcome holds no error", all(i.get("severity") in ("information", "warning") for i in r.json.get("issue", [])), r.text[:300])
    R.equal("one row stored", rows(srv), before + 1)
    s = sender.get(loc)
    R.equal("$status answers 200", s.status, 200, s.text[:300])
    task = s.json_or_none() or {}
    R.equal("status is a Task", task.get("resourceType"), "Task")
    R.equal("Task status requested", task.get("status"), "requested")
    R.equal("businessStatus registered", (task.get("businessStatus") or {}).get("text"), "registered")
    R.check("lastModified set", bool(task.get("lastModified")))
    again = post(sender, intake_path(), message("a0000001"))
    R.equal("same message again -> 200", again.status, 200, again.text[:300])
    R.equal("same Location", again.header("Location"), loc)
    R.equal("still one row", rows(srv), before + 1)
    mid = loc.split("/")[-2]
    R.equal("one intake audit event, by the client",
            srv.sql("SELECT count(*) FROM audit_events WHERE action='hub.intake' AND object_id=? AND actor_kind='client' AND actor_id=?",
                    (mid, SENDER_ID)), [(1,)])
    R.equal("the duplicate is audited", srv.sql("SELECT count(*) FROM audit_events WHERE action='hub.intake.duplicate' AND object_id=?", (mid,)), [(1,)])
    cols = srv.sql("SELECT id, receiver, sender_client, kind, event, idem_key, patient_key FROM hub_messages WHERE id=?", (mid,))
    R.check("no person number in the message columns", cols and all(PATIENT_FNR not in str(v) for v in cols[0]), repr(cols))
    R.equal("event and kind", (cols[0][3], cols[0][4]) if cols else None, ("message", "MedicationDispense"))
    R.equal("patient key is a SHA-256", len(cols[0][6]) if cols else 0, 64)
    R.equal("body stored exactly", srv.sql("SELECT body FROM hub_messages WHERE id=?", (mid,)), [(message("a0000001"),)])
    # a journaling write of a MedicationDispense resource
    md = corpus("valid/medicationdispense.json")
    r = post(sender, intake_path(op="MedicationDispense"), md)
    R.equal("MedicationDispense write -> 202", r.status, 202, r.text[:300])
    R.check("its Location names MedicationDispense", "/MedicationDispense/" in (r.header("Location") or ""), r.header("Location"))


def check_refused(srv, name, r, status, before, needle=None):
    R.equal("%s -> %d" % (name, status), r.status, status, r.text[:300])
    R.check("%s answers an OperationOutcome" % name, is_outcome(r), "%s %r" % (r.content_type, r.text[:200]))
    if needle:
        R.check("%s says why (%s)" % (name, needle), needle in r.text, r.text[:400])
    R.equal("%s stores nothing" % name, rows(srv), before)


def test_bad_input(srv, sender, stranger, other_muni_sender):
    before = rows(srv)
    check_refused(srv, "malformed JSON", post(sender, intake_path(), '{"resourceType": "Bundle",'), 400, before)
    check_refused(srv, "wrong content type", post(sender, intake_path(), message("b0000001"), "text/plain"), 415, before)
    big = '{"resourceType":"Bundle","type":"message","pad":"%s"}' % ("x" * (1 << 20))
    r = sender.request_raw("POST", intake_path(), big.encode(), content_type=FHIR)
    check_refused(srv, "body over 1 MiB", r, 413, before)
    check_refused(srv, "unknown receiver", post(sender, intake_path("123456785"), message("b0000002")), 404, before)
    check_refused(srv, "receiver that is not a municipality", post(sender, intake_path(SUPPLIER), message("b0000003")), 404, before)
    check_refused(srv, "client not in the register", post(stranger, intake_path(), message("b0000004")), 403, before)
    check_refused(srv, "client allowed elsewhere only", post(other_muni_sender, intake_path(), message("b0000005")), 403, before)
    bad = message("b0000006").replace(PATIENT_FNR, "12834810009")  # wrong check digit
    r = post(sender, intake_path(), bad)
    check_refused(srv, "profile violation", r, 422, before)
    issues = (r.json_or_none() or {}).get("issue", [])
    exprs = [e for i in issues for e in i.get("expression", [])]
    R.check("the OperationOutcome names the path", any("subject" in e or "patient" in e for e in exprs), repr(exprs))
    R.check("with the VKP code", any(c.get("code", "").startswith("2") for i in issues
                                     for c in (i.get("details") or {}).get("coding", [])), r.text[:400])
    r = post(sender, intake_path(op="Composition"), message("b0000007"))
    R.check("a Bundle posted as Composition is refused", r.status in (403, 422), "%d %s" % (r.status, r.text[:200]))
    r = post(sender, intake_path(), corpus("valid/medicationdispense.json"))
    check_refused(srv, "a MedicationDispense posted to $process-message", r, 422, before)
    R.equal("nothing in the audit trail for refused intake",
            srv.sql("SELECT count(*) FROM audit_events WHERE action='hub.intake' AND actor_id=?", (STRANGER_ID,)), [(0,)])


def pull(c, query):
    return c.get("/epj/r4/%s/Bundle?%s" % (MUNI, query))


def next_link(bundle):
    for link in bundle.get("link", []):
        if link.get("relation") == "next":
            return link.get("url")
    return None


def test_pull_and_ack(srv, sender, epj, stranger):
    tags = ["c00000%02d" % i for i in range(5)]
    locs = []
    for t in tags:
        r = post(sender, intake_path(), message(t))
        R.check("message %s accepted" % t, r.status == 202, r.text[:200])
        locs.append(r.header("Location"))
    # page through every not-journaled message with the cursor
    seen = []
    url = "/epj/r4/%s/Bundle?_tag:not=journaled&_count=2" % MUNI
    pages = 0
    while url and pages < 20:
        r = epj.get(url)
        R.check("pull page %d -> 200" % pages, r.status == 200, r.text[:300])
        b = r.json_or_none() or {}
        if pages == 0:
            R.equal("searchset", (b.get("resourceType"), b.get("type")), ("Bundle", "searchset"))
        for e in b.get("entry", []):
            seen.append(e["fullUrl"].rsplit("/", 1)[-1])
        url = next_link(b)
        if url and url.startswith("http"):
            u = urllib.parse.urlsplit(url)
            url = u.path + "?" + u.query
        pages += 1
        if not b.get("entry"):
            break
    R.check("pages of at most 2 with next links", pages >= 3, "pages=%d" % pages)
    R.equal("every message exactly once", len(seen), len(set(seen)))
    ids = [l.split("/")[-2] for l in locs]
    R.check("the new messages are all there", set(ids) <= set(seen), "%r vs %r" % (ids, seen))
    R.equal("read messages are delivered",
            srv.sql("SELECT DISTINCT status FROM hub_messages WHERE id IN (%s)" % ",".join("?" * len(ids)), ids), [(2,)])
    R.equal("the pull is audited with the EPJ client", srv.sql(
        "SELECT count(*) > 0 FROM audit_events WHERE action='hub.pull' AND actor_id=?", (EPJ_ID,)), [(1,)])
    t = sender.get(locs[0]).json_or_none() or {}
    R.equal("sender sees in-progress", t.get("status"), "in-progress")
    # an entry's fullUrl + /$journaling-acknowledged acknowledges it
    ack_path = locs[0].replace("/$status", "/$journaling-acknowledged")
    R.equal("the sender may not acknowledge", post(sender, ack_path, "").status, 403)
    R.equal("a stranger does not see it", post(stranger, ack_path, "").status, 404)
    R.equal("a stranger gets no status", stranger.get(locs[0]).status, 404)
    r = post(epj, ack_path, "")
    R.equal("ack -> 200", r.status, 200, r.text[:300])
    R.equal("ack answers the completed Task", (r.json_or_none() or {}).get("status"), "completed")
    R.equal("ack again -> 200 (idempotent)", post(epj, ack_path, "").status, 200)
    t = sender.get(locs[0]).json_or_none() or {}
    R.equal("sender sees completed", t.get("status"), "completed")
    R.equal("businessStatus journaled", (t.get("businessStatus") or {}).get("text"), "journaled")
    R.equal("journaling is audited once, by the EPJ client", srv.sql(
        "SELECT count(*) FROM audit_events WHERE action='hub.journaled' AND object_id=? AND actor_id=?",
        (ids[0], EPJ_ID)), [(1,)])
    # _tag:not=journaled hides it now; the cursor skips what was read
    r = pull(epj, "_tag:not=journaled&_count=100")
    got = [e["fullUrl"].rsplit("/", 1)[-1] for e in (r.json_or_none() or {}).get("entry", [])]
    R.check("journaled message filtered out", ids[0] not in got and ids[1] in got, repr(got))
    last = srv.sql("SELECT max(updated_at) FROM hub_messages")[0][0]
    import datetime
    when = datetime.datetime.fromtimestamp(last / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (last % 1000)
    r = pull(epj, "_lastUpdated=gt" + when)
    R.equal("nothing after the newest instant", (r.status, (r.json_or_none() or {}).get("entry", [])), (200, []))
    R.equal("bad _lastUpdated -> 400", pull(epj, "_lastUpdated=yesterday").status, 400)
    R.equal("bad _tag:not -> 400", pull(epj, "_tag:not=lost").status, 400)
    R.equal("bad _count -> 400", pull(epj, "_count=0").status, 400)
    R.equal("the sender cannot pull", pull(sender, "_count=1").status, 403)


def test_register_api(srv, admin, fjordvik_admin_less):
    r = admin.get("/api/v1/hub/grants?receiver=%s" % MUNI)
    R.equal("list -> 200", r.status, 200, r.text[:200])
    items = (r.json_or_none() or {}).get("items", [])
    R.check("lists the CLI's grants", any(i["client_id"] == SENDER_ID and i["access"] == "write" for i in items), repr(items)[:300])
    body = {"client": "fremmed", "receiver": MUNI, "resource": "Composition", "access": "write"}
    r = admin.post("/api/v1/hub/grants", body)
    R.equal("add -> 201", r.status, 201, r.text[:200])
    R.equal("answer names the client id", (r.json_or_none() or {}).get("client_id"), STRANGER_ID)
    R.equal("add is audited", srv.sql("SELECT count(*) FROM audit_events WHERE action='hub.grant.add' AND actor_kind='user' AND object_id=?", (STRANGER_ID,)), [(1,)])
    q = urllib.parse.urlencode({"client": STRANGER_ID, "receiver": MUNI, "resource": "Composition", "access": "write"})
    R.equal("remove -> 204", admin.delete("/api/v1/hub/grants?" + q).status, 204)
    R.equal("remove again -> 404", admin.delete("/api/v1/hub/grants?" + q).status, 404)
    r = admin.post("/api/v1/hub/grants", dict(body, access="admin"))
    R.equal("bad access -> 400", r.status, 400)
    r = admin.post("/api/v1/hub/grants", dict(body, receiver="123456785"))
    R.equal("a receiver where the caller is not admin -> 403", r.status, 403)
    p = srv.cli("hub", "grant", "add", "--client", "fremmed", "--receiver", "123456785", "--resource", "*",
                "--access", "read", check=False)
    R.check("CLI: unknown receiver refused", p.returncode == 2 and "unknown receiver" in p.stderr, p.stderr)
    r = fjordvik_admin_less.post("/api/v1/hub/grants", body)
    R.equal("a non-admin may not change the register", r.status, 403)


DELIVERY_EXT = "https://knute.no/fhir/StructureDefinition/hub-delivery"


def sub(ext, url):
    """The values of sub-extension url of ext, in order."""
    out = []
    for e in ext.get("extension", []):
        if e.get("url") == url:
            out.append(next((v for k, v in e.items() if k.startswith("value")), e))
    return out


def test_status_shows_attempts(srv, admin, sender):
    """Last: the "*" route it adds would route every later message of MUNI."""
    import socket
    import time
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead_port = s.getsockname()[1]
    s.close()  # nothing listens there: connection refused
    r = admin.post("/api/v1/hub/destinations", {
        "receiver": MUNI, "name": "epj-nede", "mode": "push", "url": "http://127.0.0.1:%d/fhir" % dead_port,
        "auth": "none", "max_attempts": 2, "backoff_base_ms": 50, "backoff_max_ms": 100})
    R.equal("destination created -> 201", r.status, 201, r.text[:300])
    dest = (r.json_or_none() or {}).get("id")
    r = admin.post("/api/v1/hub/routes", {"receiver": MUNI, "event": "*", "dest_id": dest})
    R.equal("route added -> 201", r.status, 201, r.text[:300])
    r = post(sender, intake_path(), message("d0000001"))
    R.equal("message accepted", r.status, 202, r.text[:200])
    loc = urllib.parse.urlsplit(r.header("Location") or "").path
    deadline = time.time() + 20
    task, deliveries = {}, []
    while time.time() < deadline:
        task = sender.get(loc).json_or_none() or {}
        deliveries = [e for e in task.get("extension", []) if e.get("url") == DELIVERY_EXT]
        if deliveries and sub(deliveries[0], "status") == ["dead"]:
            break
        time.sleep(0.1)
    R.equal("one delivery on the Task", len(deliveries), 1, json.dumps(task)[:600])
    if not deliveries:
        return
    d = deliveries[0]
    R.equal("destination named", sub(d, "destination"), ["epj-nede"])
    R.equal("dead after max_attempts", sub(d, "status"), ["dead"], json.dumps(d)[:600])
    R.equal("attempts counted", sub(d, "attempts"), [2])
    attempts = [e for e in d.get("extension", []) if e.get("url") == "attempt"]
    R.equal("each attempt listed", [sub(a, "n") for a in attempts], [[1], [2]], json.dumps(d)[:600])
    R.check("each attempt has its error and no HTTP status",
            all(sub(a, "error") and sub(a, "error")[0] and not sub(a, "httpStatus") for a in attempts),
            json.dumps(attempts)[:600])
    R.check("last error shown", bool(sub(d, "lastError")) and sub(d, "lastError")[0], json.dumps(d)[:600])
    last = sub(d, "lastAttempt")
    R.check("last attempt time = the last attempt's", last and last == sub(attempts[-1], "at"), json.dumps(d)[:600])


def main():
    global R, ARGS, BASE_MSG, SENDER_ID, EPJ_ID, STRANGER_ID
    ARGS = knute.parse_args("Knute hub intake black-box suite")
    R = knute.Results(ARGS.only)
    BASE_MSG = corpus("bench-medicationdispense-3k.json")
    with knute.Workdir("hub-intake", keep=ARGS.keep) as wd:
        srv = knute.Server(ARGS.knute, wd.path, ARGS.web_root)
        srv.cli("demo")
        sender_key = srv.add_apikey_client("leverandor-knutby", "vkp/write vkp/read", [SUPPLIER + ":supplier"])
        other_key = srv.add_apikey_client("leverandor-fjordvik", "vkp/write vkp/read", [SUPPLIER + ":supplier"])
        epj_key = srv.add_apikey_client("epj-knutby", "vkp/read", [MUNI + ":operator"])
        stranger_key = srv.add_apikey_client("fremmed", "vkp/write vkp/read", [SUPPLIER + ":supplier"])
        srv.cli("hub", "grant", "add", "--client", "leverandor-knutby", "--receiver", MUNI, "--resource", "Bundle", "--access", "write")
        srv.cli("hub", "grant", "add", "--client", "leverandor-knutby", "--receiver", MUNI, "--resource", "MedicationDispense", "--access", "write")
        srv.cli("hub", "grant", "add", "--client", "leverandor-fjordvik", "--receiver", OTHER_MUNI, "--resource", "*", "--access", "write")
        srv.cli("hub", "grant", "add", "--client", "epj-knutby", "--receiver", MUNI, "--resource", "*", "--access", "read")
        listing = srv.cli("hub", "grant", "list", "--receiver", MUNI).stdout
        ids = {r[0]: r[1] for r in srv.sql("SELECT name, id FROM clients")}
        SENDER_ID, EPJ_ID, STRANGER_ID = ids["leverandor-knutby"], ids["epj-knutby"], ids["fremmed"]
        R.check("knute hub grant list shows the grants", SENDER_ID in listing and EPJ_ID in listing, listing)
        srv.start()
        try:
            sender = knute.Client(srv.url, bearer=sender_key)
            epj = knute.Client(srv.url, bearer=epj_key)
            stranger = knute.Client(srv.url, bearer=stranger_key)
            other = knute.Client(srv.url, bearer=other_key)
            R.run("accept and dedup", test_accept_and_dedup, srv, sender)
            R.run("bad input stores nothing", test_bad_input, srv, sender, stranger, other)
            R.run("pull, paging and acknowledgement", test_pull_and_ack, srv, sender, epj, stranger)
            R.run("register admin API", test_register_api, srv, knute.logged_in(srv.url, "admin"),
                  knute.logged_in(srv.url, "fjordvik"))
            R.run("status shows delivery attempts", test_status_shows_attempts, srv,
                  knute.logged_in(srv.url, "admin"), sender)
        finally:
            rc, _ = srv.stop()
            R.equal("server stopped cleanly", rc, 0)
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
