#!/usr/bin/env python3
"""test_resp_stream.py - black-box suite of the operator console's live stream
(GET /api/v1/resp/stream, Server-Sent Events; docs/response.md "Live stream")
over real HTTP against `knute serve` with the demo data:

- two streams of one operator see an alarm posted to the API within 1 s;
  the answer's headers (text/event-stream, no-store, X-Accel-Buffering: no);
- a stream that drops and reconnects with Last-Event-ID gets exactly the
  alarms posted meanwhile, in order, and nothing twice; ?after= does the
  same, and Last-Event-ID wins over it;
- a Fjordvik operator's stream never sees Knutby alarms, and may not ask
  for Knutby (403); a case worker may not open a stream at all;
- every stream open is audited ("resp.stream.open");
- stopping the server ends the open streams (the stop is prompt and clean).

    python3 tests/resp/test_resp_stream.py --knute build/knute --source-dir .

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import datetime
import http.client
import json
import re
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

R = None
ARGS = None
KNUTBY = knute.MUNI_A
FJORDVIK = knute.MUNI_B
STREAM = "/api/v1/resp/stream"
WAIT = 1.0 * knute.SLOW   # an alarm must reach every console within this


class Sse:
    """One live stream read on its own thread: frames as dicts {id, event,
    data, t} (t = time.monotonic() of arrival)."""

    def __init__(self, srv_url, path, auth=None, headers=None):
        c = knute.Client(srv_url)
        self.conn = http.client.HTTPConnection(c.host, c.port, timeout=30 * knute.SLOW)
        h = {"Accept": "text/event-stream"}
        h.update(auth or {})
        h.update(headers or {})
        self.conn.request("GET", path, headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}
        self.frames = []
        self.ended = False
        self.cv = threading.Condition()
        self.body = ""
        if self.status == 200:
            self.thread = threading.Thread(target=self._read, daemon=True)
            self.thread.start()
        else:
            self.body = self.resp.read().decode("utf-8", "replace")
            self.conn.close()

    def _read(self):
        cur = {}
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line == "":
                    if cur:
                        cur["t"] = time.monotonic()
                        with self.cv:
                            self.frames.append(cur)
                            self.cv.notify_all()
                    cur = {}
                elif line.startswith(":"):
                    continue
                else:
                    k, _, v = line.partition(":")
                    cur[k] = v[1:] if v.startswith(" ") else v
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        with self.cv:
            self.ended = True
            self.cv.notify_all()

    def alarms(self):
        with self.cv:
            return [f for f in self.frames if f.get("event") == "alarm"]

    def ids(self):
        return [int(f["id"]) for f in self.alarms()]

    def wait(self, pred, timeout):
        end = time.monotonic() + timeout
        with self.cv:
            while not pred(self):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cv.wait(left)
            return True

    def wait_ids(self, ids, timeout):
        return self.wait(lambda s: set(ids) <= set(int(f["id"]) for f in s.frames
                                                if f.get("event") == "alarm"), timeout)

    def close(self):
        try:
            self.conn.sock.shutdown(2)
        except (OSError, AttributeError):
            pass
        self.conn.close()


def cookie_auth(c):
    return {"Cookie": "knute_session=" + c.cookie}


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class Poster:
    """Posts alarms through the alarm receivers' API key, each for its own
    demo citizen (so nothing merges)."""

    def __init__(self, srv, key):
        self.c = knute.Client(srv.url, bearer=key)
        rows = srv.sql("SELECT id, municipality FROM citizens ORDER BY id")
        self.free = {KNUTBY: [r[0] for r in rows if r[1] == KNUTBY],
                     FJORDVIK: [r[0] for r in rows if r[1] == FJORDVIK]}

    def post(self, muni, text="test"):
        cid = self.free[muni].pop(0)
        body = {"citizen_id": cid, "alert_code": "3", "time": now_rfc3339(), "text": text}
        t0 = time.monotonic()
        r = self.c.post("/api/v1/municipalities/%s/alarms" % muni, body)
        R.equal("alarm for %s accepted" % muni, r.status, 201, r.text[:300])
        j = r.json_or_none() or {}
        return int(j.get("last_seq") or 0), t0


def test_two_streams_see_alarms(srv, op, poster):
    a = Sse(srv.url, STREAM, cookie_auth(op))
    b = Sse(srv.url, STREAM, cookie_auth(op))
    try:
        R.equal("stream answers 200", a.status, 200, a.body[:300])
        R.equal("Content-Type", (a.headers.get("content-type") or "").split(";")[0], "text/event-stream")
        R.equal("Cache-Control", a.headers.get("cache-control"), "no-store")
        R.equal("X-Accel-Buffering", a.headers.get("x-accel-buffering"), "no")
        time.sleep(0.2)
        seqs = []
        for i in range(3):
            seq, t0 = poster.post(KNUTBY, "to begge %d" % i)
            seqs.append(seq)
            for name, s in (("first", a), ("second", b)):
                ok = s.wait_ids([seq], WAIT)
                R.check("alarm %d on the %s stream within %.1f s" % (i + 1, name, WAIT), ok,
                        "got %r, want %d" % (s.ids(), seq))
        R.equal("first stream: exactly the three, in order", a.ids(), seqs)
        R.equal("second stream: exactly the three, in order", b.ids(), seqs)
        f = a.alarms()[0]
        data = json.loads(f["data"])
        R.equal("frame data carries its seq", data.get("seq"), seqs[0])
        R.check("frame data has the event and the alarm", "event" in data and "alarm" in data, f["data"][:300])
        # drop the second console, post three more, reconnect with Last-Event-ID
        last = b.ids()[-1]
        b.close()
        more = [poster.post(KNUTBY, "mens borte %d" % i)[0] for i in range(3)]
        R.check("the open stream sees the three", a.wait_ids(more, WAIT), repr(a.ids()))
        again = Sse(srv.url, STREAM, cookie_auth(op), {"Last-Event-ID": str(last)})
        R.check("reconnected stream replays", again.wait_ids(more, WAIT), repr(again.ids()))
        time.sleep(0.3)
        R.equal("replay: exactly the three missed, in order", again.ids(), more)
        R.equal("no reset on a short absence", [f for f in again.frames if f.get("event") == "reset"], [])
        metrics_show_streams(srv)
        again.close()
        # ?after= does the same; Last-Event-ID wins over it
        after = Sse(srv.url, STREAM + "?after=%d" % seqs[-1], cookie_auth(op))
        R.check("?after= replays", after.wait_ids(more, WAIT), repr(after.ids()))
        time.sleep(0.3)
        R.equal("?after=: exactly the missed ones", after.ids(), more)
        after.close()
        both = Sse(srv.url, STREAM + "?after=0", cookie_auth(op), {"Last-Event-ID": str(more[1])})
        R.check("Last-Event-ID wins over ?after=", both.wait_ids([more[2]], WAIT), repr(both.ids()))
        time.sleep(0.3)
        R.equal("only what came after Last-Event-ID", both.ids(), [more[2]])
        both.close()
    finally:
        a.close()
        b.close()


def metrics_show_streams(srv):
    """/metrics (as admin) counts the open streams and the published frames."""
    adm = knute.logged_in(srv.url, "admin")
    r = adm.get("/metrics")
    R.equal("/metrics answers 200", r.status, 200, r.text[:200])
    got = dict(re.findall(r"^(knute_resp_[a-z_]+) (\d+)$", r.text, re.M))
    R.check("knute_resp_streams counts the open streams (2 here)", int(got.get("knute_resp_streams", -1)) >= 2,
            repr(got))
    R.check("knute_resp_frames_published_total counts the frames", int(got.get("knute_resp_frames_published_total", 0)) >= 6,
            repr(got))
    R.equal("no stream was reset", got.get("knute_resp_stream_resets_total"), "0")


def test_municipality_filter(srv, op, fjord_op, case_worker, poster):
    f = Sse(srv.url, STREAM, cookie_auth(fjord_op))
    k = Sse(srv.url, STREAM + "?municipality=" + KNUTBY, cookie_auth(op))
    try:
        R.equal("Fjordvik operator's stream opens", f.status, 200, f.body[:300])
        time.sleep(0.2)
        knutby = [poster.post(KNUTBY, "knutby %d" % i)[0] for i in range(2)]
        fjord, _ = poster.post(FJORDVIK, "fjordvik")
        knutby.append(poster.post(KNUTBY, "knutby 3")[0])
        R.check("Fjordvik alarm on the Fjordvik stream", f.wait_ids([fjord], WAIT), repr(f.ids()))
        R.check("Knutby stream gets Knutby's", k.wait_ids(knutby, WAIT), repr(k.ids()))
        time.sleep(0.5)
        R.equal("Fjordvik stream: never a Knutby alarm", f.ids(), [fjord])
        R.equal("Knutby-only stream: no Fjordvik alarm", k.ids(), knutby)
        for fr in f.alarms():
            R.equal("Fjordvik frame's alarm is Fjordvik's",
                    ((json.loads(fr["data"]).get("alarm") or {}).get("municipality") or FJORDVIK), FJORDVIK)
    finally:
        f.close()
        k.close()
    no = Sse(srv.url, STREAM + "?municipality=" + KNUTBY, cookie_auth(fjord_op))
    R.equal("Fjordvik operator may not stream Knutby", no.status, 403, no.body[:300])
    cw = Sse(srv.url, STREAM, cookie_auth(case_worker))
    R.equal("a case worker may not stream", cw.status, 403, cw.body[:300])
    bad = Sse(srv.url, STREAM, cookie_auth(op), {"Last-Event-ID": "abc"})
    R.equal("malformed Last-Event-ID -> 400", bad.status, 400, bad.body[:300])
    anon = Sse(srv.url, STREAM)
    R.equal("no credentials -> 401", anon.status, 401, anon.body[:300])


def test_audit(srv):
    n = srv.sql("SELECT count(*) FROM audit_events WHERE action='resp.stream.open'")[0][0]
    R.check("stream opens are audited", n >= 7, "resp.stream.open events: %d" % n)


def test_stop_ends_streams(srv, op):
    s = Sse(srv.url, STREAM, cookie_auth(op))
    R.equal("stream open before stop", s.status, 200)
    time.sleep(0.2)
    rc, took = srv.stop()
    R.equal("server stopped cleanly with a stream open", rc, 0)
    R.check("stop is prompt (%.1f s)" % took, took < 10 * knute.SLOW)
    R.check("the stream ended", s.wait(lambda x: x.ended, 5 * knute.SLOW))
    s.close()


def main():
    global R, ARGS
    ARGS = knute.parse_args("Knute response service live stream black-box suite")
    R = knute.Results(ARGS.only)
    with knute.Workdir("resp-stream", keep=ARGS.keep) as wd:
        srv = knute.Server(ARGS.knute, wd.path, ARGS.web_root)
        srv.cli("demo")
        srv.cli("user", "add", "fjordvik-operator", "--name", "Fredrik Fjordvik",
                "--grant", FJORDVIK + ":operator", input=knute.DEMO_PASSWORD + "\n")
        key = srv.add_apikey_client("alarmmottak", "knute/alarms.write",
                                    [KNUTBY + ":operator", FJORDVIK + ":operator"])
        srv.start()
        stopped = False
        try:
            op = knute.logged_in(srv.url, "operator")
            fjord_op = knute.logged_in(srv.url, "fjordvik-operator")
            case_worker = knute.logged_in(srv.url, "saksbehandler")
            poster = Poster(srv, key)
            R.run("two streams see alarms, reconnect replays", test_two_streams_see_alarms, srv, op, poster)
            R.run("municipality filter and access", test_municipality_filter, srv, op, fjord_op,
                  case_worker, poster)
            R.run("audit", test_audit, srv)
            R.run("stop ends streams", test_stop_ends_streams, srv, op)
            stopped = True
        finally:
            if not stopped:
                srv.stop()
        if R.failed:
            wd.failed = True
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
