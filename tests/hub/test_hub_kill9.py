#!/usr/bin/env python3
"""test_hub_kill9.py - kill -9 of knute while suppliers post messages and the
engine delivers them to `knute epj-sim`; restart, repeat. Afterwards: no
acknowledged (202/200) message is lost - each is stored and delivered - and
none reached the EPJ under two different message ids. Delivery is
at-least-once across a crash (the EPJ may see a retry of the same message:
same X-Knute-Message-Id), which the test counts and reports.

    python3 tests/hub/test_hub_kill9.py --knute build/knute [--rounds 4]

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import http.client
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import hub_sim  # noqa: E402
import knute  # noqa: E402

THREADS = 4
SETTINGS = {"hub_poll_ms": 50, "hub_breaker_failures": 1000}


def poster(port, key, msgs, patients, acked, lock, stop):
    """POST messages until stop; record (key, message id) of every 200/202."""
    headers = {"Authorization": "Bearer " + key, "Content-Type": "application/fhir+json"}
    conn = None
    while not stop.is_set():
        ident, body = msgs.make(random.choice(patients))
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", hub_sim.PROCESS, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            loc = r.getheader("Location") or ""
        except (OSError, http.client.HTTPException):
            if conn:
                conn.close()
            conn = None
            if stop.is_set():
                break
            time.sleep(0.01)
            continue
        if r.status in (200, 202):
            with lock:
                acked[ident] = loc.rstrip("/").split("/")[-2]


def one_round(srv, key, msgs, patients, acked, lock, rnd):
    srv.start()
    stop = threading.Event()
    threads = [threading.Thread(target=poster, args=(srv.port, key, msgs, patients, acked, lock, stop))
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    time.sleep(random.uniform(0.8, 2.0) * knute.SLOW)
    srv.kill()
    stop.set()
    for t in threads:
        t.join()


def main():
    def extra(p):
        p.add_argument("--rounds", type=int, default=int(os.environ.get("KNUTE_TEST_HUB_KILL_ROUNDS", "4")))
    args = knute.parse_args("hub kill -9", extra)
    R = knute.Results(args.only)
    with knute.Workdir("hub_kill9", keep=args.keep) as wd:
        srv = knute.Server(args.knute, wd.path, args.web_root, settings=SETTINGS)
        key, sim, dest = hub_sim.install(srv, args.knute, wd.path)
        msgs = hub_sim.Messages(args.source_dir)
        gen = knute.NinGenerator()
        patients = [gen.next() for _ in range(8)]
        acked, lock = {}, threading.Lock()
        try:
            for rnd in range(args.rounds):
                one_round(srv, key, msgs, patients, acked, lock, rnd)
                print("round %d: %d acknowledged so far" % (rnd + 1, len(acked)), flush=True)
            srv.start()
            R.check("messages were acknowledged", len(acked) > 0)
            stored = {row[0]: row[1] for row in srv.sql("SELECT idem_key, id FROM hub_messages")}
            lost = [k for k in acked if k not in stored]
            R.equal("no acknowledged message lost (stored)", lost[:5], [])
            R.check("stored under the acknowledged id", all(stored.get(k) == m for k, m in acked.items()))

            def delivered():
                seen = {r["identifier"] for r in sim.log_records()}
                return all(k in seen for k in acked)
            R.check("every acknowledged message delivered after restart",
                    hub_sim.wait_for(delivered, 60, 0.5))
            ids = {}
            for rec in sim.log_records():
                ids.setdefault(rec["identifier"], []).append(rec["message_id"])
            two = [k for k, v in ids.items() if len(set(v)) > 1]
            R.equal("none delivered under two ids", two[:5], [])
            again = sum(len(v) - 1 for v in ids.values())
            print("retries of the same message seen by the EPJ (at-least-once): %d of %d"
                  % (again, len(ids)), flush=True)
            R.check("retries stay rare (at most one per crash and in-flight slot)",
                    again <= args.rounds * 4 * 2, again)
            ok = srv.sql("PRAGMA integrity_check")[0][0]
            R.equal("integrity_check", ok, "ok")
        finally:
            if srv.running():
                srv.stop()
            sim.stop()
        wd.failed = R.failed > 0
    return R.summary()


if __name__ == "__main__":
    sys.exit(main())
