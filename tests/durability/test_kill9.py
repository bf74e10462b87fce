#!/usr/bin/env python3
"""test_kill9.py - acknowledged writes survive SIGKILL.

Each round starts `knute serve` on the same database, runs 8 client threads
that POST citizens (unique synthetic person numbers) with an API key, records
every 201-acknowledged id and person number, and kills the server with SIGKILL
at a random moment (0.2-1.5 s). After every restart: every acknowledged
citizen is present (API and SQLite), none is duplicated, and
PRAGMA integrity_check is ok.

    python3 tests/durability/test_kill9.py --knute build/knute [--rounds 25]

Rounds: --rounds, else KNUTE_TEST_KILL_ROUNDS or KNUTE_KILL_ROUNDS, else 25.
Prints "N passed, M failed" last; exits 1 on any failure.
"""

import http.client
import json
import os
import random
import shutil
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402
from knute import MUNI_A, Client, citizen_body, citizens_path  # noqa: E402

THREADS = 8


def rounds_default():
    for name in ("KNUTE_TEST_KILL_ROUNDS", "KNUTE_KILL_ROUNDS"):
        v = os.environ.get(name)
        if v:
            return int(v)
    return 25


def writer(port, key, nins, acked, lock, stop, stats):
    """POST citizens until stop; record (id, nin) of every 201."""
    body_headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    conn = None
    while not stop.is_set():
        nin = nins.next()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", citizens_path(), body=json.dumps(citizen_body(nin)), headers=body_headers)
            r = conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            # the server died: whatever was not acknowledged may or may not be stored
            if conn:
                conn.close()
            conn = None
            with lock:
                stats["errors"] += 1
            if stop.is_set():
                break
            time.sleep(0.01)
            continue
        with lock:
            if r.status == 201:
                doc = json.loads(data)
                acked[doc["id"]] = nin
            else:
                stats["other"][r.status] = stats["other"].get(r.status, 0) + 1
    if conn:
        conn.close()


def verify(R, srv, acked, rnd):
    """With the server up: the API sees every acknowledged citizen."""
    c = Client(srv.url, bearer=srv.read_key)
    total = c.get(citizens_path() + "?limit=1", record=False)
    ok = R.check("round %d: API lists citizens after restart" % rnd, total.status == 200, repr(total))
    if ok:
        R.check("round %d: API total >= acknowledged" % rnd,
                total.json["total"] >= len(acked) + knute.DEMO_CITIZENS - 5,  # 5 demo citizens are in B
                "total %d, acknowledged %d" % (total.json["total"], len(acked)))
    # spot-check the most recent acknowledgements by id through the API
    sample = list(acked.items())[-20:]
    bad = []
    for cid, nin in sample:
        r = c.get("/api/v1/citizens/" + cid, record=False)
        if r.status != 200 or r.json.get("nin") != nin:
            bad.append((cid, r.status))
    R.check("round %d: the last acknowledged citizens read back via the API" % rnd, not bad, repr(bad[:3]))


def snapshot(srv):
    """Copy the database and its WAL as the crash left them (the -shm index is
    dropped, so SQLite recovers from the WAL), leaving the original untouched
    for the server's own recovery; returns a query function on the copy."""
    snap = os.path.join(srv.dir, "snapshot")
    os.makedirs(snap, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        dst = os.path.join(snap, "copy.db" + suffix)
        if os.path.exists(dst):
            os.remove(dst)
    for suffix in ("", "-wal"):
        if os.path.exists(srv.db + suffix):
            shutil.copyfile(srv.db + suffix, os.path.join(snap, "copy.db" + suffix))
    path = os.path.join(snap, "copy.db")

    def sql(query, params=()):
        con = sqlite3.connect(path, timeout=10)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()
    return sql


def check_db(R, srv, acked, rnd):
    """With the server stopped or killed: the SQLite file itself (a copy)."""
    sql = snapshot(srv)
    R.equal("round %d: integrity_check" % rnd, sql("PRAGMA integrity_check")[0][0], "ok")
    rows = sql("SELECT id, nin FROM citizens WHERE municipality = ?", (MUNI_A,))
    stored = {}
    dups = 0
    for cid, nin in rows:
        dups += cid in stored
        stored[cid] = nin
    missing = [cid for cid in acked if cid not in stored]
    wrong = [cid for cid, nin in acked.items() if cid in stored and stored[cid] != nin]
    R.check("round %d: every acknowledged citizen is stored (%d)" % (rnd, len(acked)), not missing,
            "%d missing, e.g. %r" % (len(missing), missing[:3]))
    R.check("round %d: stored person numbers match" % rnd, not wrong, repr(wrong[:3]))
    nin_dups = sql("SELECT nin, count(*) FROM citizens GROUP BY municipality, nin HAVING count(*) > 1")
    R.check("round %d: no duplicates" % rnd, not nin_dups and not dups, repr(nin_dups[:3]))
    audit = sql("SELECT count(*) FROM audit_events WHERE action = 'citizen.create' AND object_id IN "
                    "(SELECT id FROM citizens)")[0][0]
    R.check("round %d: every stored citizen has its create audit event" % rnd,
            audit >= len(rows), "%d events for %d citizens" % (audit, len(rows)))


def main():
    args = knute.parse_args("Knute kill -9 durability test", lambda p: (
        p.add_argument("--rounds", type=int, default=rounds_default()),
        p.add_argument("--seed", type=int, default=int(time.time()))))
    R = knute.Results()
    rng = random.Random(args.seed)
    print("seed %d, %d rounds" % (args.seed, args.rounds))
    t_start = time.monotonic()
    with knute.Workdir("kill9", keep=args.keep) as wd:
        srv = knute.Server(args.knute, wd.path, args.web_root, settings={"access_log": "false", "log_level": "warn"})
        srv.cli("demo")
        key = srv.add_apikey_client("kill9-writer", "knute/api knute/citizens.write knute/citizens.read",
                                    [MUNI_A + ":case_worker"])
        srv.read_key = key
        nins = knute.NinGenerator(58, 99)
        acked = {}
        lock = threading.Lock()
        stats = {"errors": 0, "other": {}}
        kills = 0
        for rnd in range(1, args.rounds + 1):
            srv.start()
            if rnd > 1:
                verify(R, srv, acked, rnd)
            before = len(acked)
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(srv.port, key, nins, acked, lock, stop, stats))
                       for _ in range(THREADS)]
            for t in threads:
                t.start()
            delay = rng.uniform(0.2, 1.5)
            time.sleep(delay)
            srv.kill()
            kills += 1
            stop.set()
            for t in threads:
                t.join(30)
            print("round %d: SIGKILL after %.2fs, %d acknowledged this round, %d in all"
                  % (rnd, delay, len(acked) - before, len(acked)),
                  flush=True)
            check_db(R, srv, acked, rnd)
        # a last clean start/stop: everything still there, clean exit
        srv.start()
        verify(R, srv, acked, args.rounds + 1)
        rc, _ = srv.stop()
        R.equal("final clean stop exits 0", rc, 0, srv.output_tail(500))
        check_db(R, srv, acked, args.rounds + 1)
        R.check("writes were acknowledged", len(acked) > args.rounds * 10, "%d acknowledged" % len(acked))
        R.check("no unexpected statuses", not stats["other"], repr(stats["other"]))
        print("totals: %d rounds, %d SIGKILLs, %d citizens acknowledged, %d connection errors, %.1fs"
              % (args.rounds, kills, len(acked), stats["errors"], time.monotonic() - t_start))
        code = R.summary()
        wd.failed = code != 0
    return code


if __name__ == "__main__":
    sys.exit(main())
