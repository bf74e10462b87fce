#!/usr/bin/env python3
"""test_resp_cli.py - black-box suite of `knute resp` (response service CLI).

1. Offline, on demo data: `resp coverage` of a municipality without rules
   lists the whole week as a gap for service "*" and exits 1, Fjordvik's
   deliberate gap (Sunday 22-24) exits 1, fully covered Knutby exits 0;
   `resp rules` lists the rules; bad usage exits 2; `resp stats` on no
   alarms gives empty tables with the TSA targets, and the read is audited
   (resp.stats.read, one event per municipality, as the system).
2. With `knute serve`: an admin stores the missing Sunday-evening rule,
   after which Fjordvik's coverage exits 0; alarms posted to the API, some
   claimed at once, show up in `resp stats` (JSON and CSV) with the
   answered shares they must have, and GET /api/v1/resp/stats gives the
   same table.

    python3 tests/cli/test_resp_cli.py --knute build/knute

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import csv
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402
from knute import MUNI_A, MUNI_B  # noqa: E402

R = None
DAYS = ["man", "tir", "ons", "tor", "fre", "lør", "søn"]


def show(p):
    return "exit %d, stdout %r, stderr %r" % (p.returncode, p.stdout[-300:], p.stderr[-400:])


def resp(srv, *args):
    return srv.cli("resp", *args, check=False)


# ---------------------------------------------------------------- offline

def orgnr_complete(first8):
    """A valid organisation number: first8 plus its mod-11 check digit (None when 10)."""
    weights = [3, 2, 7, 6, 5, 4, 3, 2]
    r = 11 - sum(int(d) * w for d, w in zip(first8, weights)) % 11
    return None if r == 10 else first8 + str(0 if r == 11 else r)


def new_municipality(srv):
    """A municipality with no routing rules at all."""
    orgnr = next(o for o in (orgnr_complete("9399%04d" % i) for i in range(100)) if o)
    srv.cli("org", "add", orgnr, "--kind", "municipality", "--name", "Tomvik kommune")
    return orgnr


def gaps_of(p):
    return [l.split() for l in p.stdout.splitlines() if l.startswith("gap:")]


def test_coverage(srv, empty):
    p = resp(srv, "coverage", "--municipality", empty)
    R.equal("no rules: exit 1", p.returncode, 1, show(p))
    gaps = gaps_of(p)
    R.equal("no rules: one gap per weekday", len(gaps), 7, show(p))
    R.check("no rules: each gap is service * all day",
            all(g[2] == "*" and g[4] == "00:00-24:00" for g in gaps), repr(gaps))
    R.equal("no rules: Monday to Sunday", [g[3] for g in gaps], DAYS)
    R.check("no rules: stderr counts the gaps", "7 gap(s)" in p.stderr, p.stderr)

    p = resp(srv, "coverage", "--municipality", MUNI_B)
    R.equal("Fjordvik forgot Sunday evening: exit 1", p.returncode, 1, show(p))
    R.check("Fjordvik: the gap is Sunday 22:00-24:00",
            ["gap:", "service", "*", "søn", "22:00-24:00"] in gaps_of(p), show(p))

    p = resp(srv, "coverage", "--municipality", MUNI_A)
    R.equal("Knutby is covered: exit 0", p.returncode, 0, show(p))
    R.check("Knutby: says covered", p.stdout.startswith("covered") and not gaps_of(p), show(p))

    p = resp(srv, "rules", "--municipality", MUNI_A)
    R.equal("rules: exit 0", p.returncode, 0, show(p))
    R.check("rules: the weekend rule with its days and hours",
            any("Helg" in l and "lør,søn" in l and "00:00-24:00" in l for l in p.stdout.splitlines()),
            p.stdout)
    R.check("rules: steps listed", "step 1: centre" in p.stdout, p.stdout)
    p = resp(srv, "rules", "--municipality", MUNI_A, "--json")
    rules = json.loads(p.stdout)
    R.check("rules --json: the API's shape",
            rules and all({"id", "name", "service", "days", "from", "to", "steps"} <= set(r)
                          for r in rules), p.stdout[:400])
    p = resp(srv, "rules", "--municipality", empty, "--json")
    R.equal("rules --json of no rules", json.loads(p.stdout), [])


def test_usage(srv):
    cases = [
        (["coverage"], "coverage without --municipality"),
        (["coverage", "--municipality", "123456789"], "unknown municipality"),
        (["rules"], "rules without --municipality"),
        (["stats", "--from", "2026-02-30"], "not a real date"),
        (["stats", "--from", "2026-11-01", "--to", "2026-10-01"], "to before from"),
        (["stats", "--json", "--csv", "months"], "--json and --csv"),
        (["stats", "--csv", "quarters"], "unknown CSV table"),
        (["stats", "--bogus"], "unknown option"),
        (["frobnicate"], "unknown subcommand"),
        ([], "no subcommand"),
    ]
    for args, name in cases:
        p = resp(srv, *args)
        R.equal("%s: exit 2" % name, p.returncode, 2, show(p))
        R.check("%s: says why" % name, p.stderr.startswith("knute: "), show(p))


def test_stats_empty(srv, empty):
    before = srv.sql("SELECT count(*) FROM audit_events WHERE action = 'resp.stats.read'")[0][0]
    p = resp(srv, "stats", "--json")
    R.equal("exit 0", p.returncode, 0, show(p))
    j = json.loads(p.stdout)
    R.equal("target_60", j["target_60"], 0.975)
    R.equal("target_180", j["target_180"], 0.99)
    R.equal("no months", j["months"], [])
    R.equal("no citizens", j["citizens"], [])
    R.check("from before to", j["from"] < j["to"], "%s .. %s" % (j["from"], j["to"]))
    after = srv.sql("SELECT count(*) FROM audit_events WHERE action = 'resp.stats.read'")[0][0]
    R.equal("audited once per municipality", after - before, 3)
    rows = srv.sql("SELECT actor_kind, municipality FROM audit_events "
                   "WHERE action = 'resp.stats.read' ORDER BY seq DESC LIMIT 3")
    R.equal("as the system, for every municipality",
            sorted(rows), sorted([("system", MUNI_A), ("system", MUNI_B), ("system", empty)]))

    p = resp(srv, "stats", "--municipality", MUNI_A, "--from", "2026-01-01", "--to",
             "2026-01-31", "--json")
    j = json.loads(p.stdout)
    R.equal("January in Oslo starts 23:00Z the day before", j["from"], "2025-12-31T23:00:00Z")
    R.equal("--to includes its day", j["to"], "2026-01-31T23:00:00Z")

    p = resp(srv, "stats", "--csv", "months")
    R.equal("CSV exit 0", p.returncode, 0, show(p))
    head = p.stdout.split("\r\n")[0]
    R.check("Norwegian headings",
            head.startswith("Kommune,Måned,Alarmer,Besvart innen 60 s,Besvart innen 60 s (%)"),
            head)
    p = resp(srv, "stats", "--csv", "citizens")
    R.check("citizens CSV heading",
            p.stdout.startswith("Kommune,Tjenestemottaker,Alarmer,Alarmer per 30 dager"), show(p))
    p = resp(srv, "stats")
    R.equal("text exit 0", p.returncode, 0, show(p))
    R.check("text names the targets", "97.5 %" in p.stdout and "99.0 %" in p.stdout, p.stdout)


# ---------------------------------------------------------------- with the server

SUNDAY_EVENING = {"name": "Søndag kveld", "service": "*", "days": ["søn"],
                  "from": "22:00", "to": "24:00",
                  "steps": [{"kind": "centre", "target": "Responssenter Fjordvik", "timeout_s": 60}]}


def test_rule_closes_gap(srv):
    c = knute.Client(srv.url)
    c.login("admin")
    r = c.post("/api/v1/municipalities/%s/resp/rules" % MUNI_B, json_body=SUNDAY_EVENING)
    R.equal("rule stored", r.status, 201, r.text)
    p = resp(srv, "coverage", "--municipality", MUNI_B)
    R.equal("Fjordvik now covered: exit 0", p.returncode, 0, show(p))
    R.check("says covered", p.stdout.startswith("covered"), show(p))
    p = resp(srv, "rules", "--municipality", MUNI_B)
    R.check("rules lists the new rule",
            any("Søndag kveld" in l and "22:00-24:00" in l for l in p.stdout.splitlines()),
            p.stdout)


def post_alarm(c, serial, code):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return c.post("/api/v1/municipalities/%s/alarms" % MUNI_A,
                  json_body={"device": serial, "alert_code": code, "time": now})


def test_stats_with_alarms(srv):
    c = knute.Client(srv.url)
    c.login("operator")
    ids = []
    for serial, code in [("TA-100-0001", "3"), ("TA-100-0002", "3"), ("TA-100-0001", "4.1")]:
        r = post_alarm(c, serial, code)
        R.check("alarm %s %s accepted" % (serial, code), r.status == 201, r.text)
        if r.status == 201:
            ids.append(r.json["id"])
    if len(ids) != 3:
        return
    for alarm_id in ids[:2]:   # two claimed at once, the third never
        r = c.post("/api/v1/resp/alarms/%s/actions" % alarm_id, json_body={"action": "claim"})
        R.equal("claimed", r.status, 200, r.text)
    p = resp(srv, "stats", "--municipality", MUNI_A, "--json")
    R.equal("stats exit 0", p.returncode, 0, show(p))
    j = json.loads(p.stdout)
    R.equal("one month", len(j["months"]), 1, p.stdout[:400])
    if not j["months"]:
        return
    m = j["months"][0]
    R.equal("3 alarms", m["alarms"], 3)
    R.equal("2 answered within 60 s", m["answered_60"], 2)
    R.equal("2 answered within 180 s", m["answered_180"], 2)
    R.check("share 2/3", abs(m["share_60"] - 2 / 3) < 1e-9, repr(m["share_60"]))
    R.equal("target missed", m["met_60"], False)
    R.equal("nothing closed", m["close_median_s"], None)
    R.equal("two citizens", m["citizens"], 2)
    R.equal("two citizens in the rates", len(j["citizens"]), 2)
    R.equal("highest rate first", j["citizens"][0]["alarms"], 2)
    R.equal("three alarms are no abnormal rate", [c["abnormal"] for c in j["citizens"]],
            [False, False])

    p = resp(srv, "stats", "--municipality", MUNI_A, "--csv", "months")
    rows = list(csv.reader(io.StringIO(p.stdout)))
    R.equal("CSV: header and one row", len(rows), 2, p.stdout)
    if len(rows) == 2:
        row = dict(zip(rows[0], rows[1]))
        R.equal("CSV Kommune", row["Kommune"], MUNI_A)
        R.equal("CSV Alarmer", row["Alarmer"], "3")
        R.equal("CSV Besvart innen 60 s (%)", row["Besvart innen 60 s (%)"], "66.7")
        R.equal("CSV no close time", row["Median tid til avsluttet (s)"], "")

    # the same table over the API, as the nurse; a case worker of the other municipality may not
    nurse = knute.Client(srv.url)
    nurse.login("sykepleier")
    r = nurse.get("/api/v1/resp/stats?municipality=%s&format=csv&table=months" % MUNI_A)
    R.equal("API CSV: 200", r.status, 200, r.text)
    R.equal("API CSV is the CLI's", r.text.replace("\r\n", "\n"), p.stdout)
    r = nurse.get("/api/v1/resp/stats?municipality=%s" % MUNI_A)
    R.equal("API JSON: the same month", r.status == 200 and r.json["months"], j["months"])
    other = knute.Client(srv.url)
    other.login("fjordvik")
    r = other.get("/api/v1/resp/stats?municipality=%s" % MUNI_A)
    R.equal("API: a case worker of Fjordvik may not read Knutby", r.status, 403, r.text)


def main():
    global R
    args = knute.parse_args("knute resp (CLI) suite")
    R = knute.Results(args.only)
    with knute.Workdir("resp-cli", keep=args.keep) as wd:
        srv = knute.Server(args.knute, wd.path, web_root=args.web_root)
        srv.cli("demo")
        empty = new_municipality(srv)
        R.run("coverage and rules", test_coverage, srv, empty)
        R.run("bad usage", test_usage, srv)
        R.run("stats of no alarms", test_stats_empty, srv, empty)
        srv.start()
        try:
            R.run("a rule closes the gap", test_rule_closes_gap, srv)
            R.run("stats of posted alarms", test_stats_with_alarms, srv)
        finally:
            srv.stop()
        rc = R.summary()
        wd.failed = rc != 0
    return rc


if __name__ == "__main__":
    sys.exit(main())
