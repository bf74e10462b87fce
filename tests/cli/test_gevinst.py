#!/usr/bin/env python3
"""test_gevinst.py - black-box suite of benefit realisation (gevinst).

1. The seed 003 municipality cases (Lillesand, Vik, Kinn) reproduced by
   running examples/gevinst/*.json through `knute gevinst calc --json`; the
   expected values are the numbers the seed publishes, with the seed's own
   qualifier ("over", "nærmere", "ca.") as the tolerance. Where the seed
   contradicts itself both readings are checked (docs/gevinst.md).
2. The command line: stored plans and measurements, the baseline rule and
   the error cases (exit codes and reasons), reports as XLSX/CSV/HTML.
3. The API against `knute serve` with demo data: access per role and
   municipality, the audit trail of per-citizen reads, errors as
   problem+json, the report in four formats (the XLSX parsed from its XML).

    python3 tests/cli/test_gevinst.py --knute build/knute

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402
from knute import MUNI_A, MUNI_B  # noqa: E402

R = None
ARGS = None
EX = None  # examples/gevinst
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECTIONS = ["1 Oppnådde gevinster", "2 Spart tid", "3 Unngåtte kostnader", "4 Kvalitet",
            "5 Prosjektkostnader", "6 Konklusjon"]


def run(args, wd, input=None):
    return subprocess.run([ARGS.knute] + list(args), input=input, capture_output=True, text=True,
                          cwd=wd, env=knute.child_env(), timeout=60 * knute.SLOW)


def show(p):
    return "exit %d, stdout %r, stderr %r" % (p.returncode, p.stdout[-300:], p.stderr[-400:])


def calc(wd, *files, sets=()):
    args = ["gevinst", "calc"] + [os.path.join(EX, f) for f in files] + ["--json"]
    for s in sets:
        args += ["--set", s]
    p = run(args, wd)
    if p.returncode != 0:
        raise RuntimeError("gevinst calc failed: " + show(p))
    return json.loads(p.stdout)


def fig(plan, key):
    return plan["figures"][key]["value"]


# ---------------------------------------------------------------- the seed's qualifiers

def over(name, value, seed, slack=0.10):
    """'over X': above X, and not so far above that the statement would be odd."""
    R.check("%s: %.1f is over %s (and within %d%%)" % (name, value, seed, slack * 100),
            seed < value <= seed * (1 + slack), "computed %r" % value)


def near(name, value, seed, tol):
    """'nærmere X' / 'ca. X' / a rounded figure: within tol (a fraction) of X."""
    R.check("%s: %.1f is within %.1f%% of %s" % (name, value, tol * 100, seed),
            abs(value - seed) <= tol * seed, "computed %r, off by %.2f%%" % (value, 100 * abs(value - seed) / seed))


def exact(name, value, seed):
    R.check("%s: %s" % (name, seed), abs(value - seed) < 0.5, "computed %r" % value)


# ---------------------------------------------------------------- 1. seed 003 cases

def test_lillesand(wd):
    a = calc(wd, "lillesand.json")["plans"][0]
    # Seed: ~500 alarms a month, 6 000 a year, 20 minutes each = 2 000 hours a year.
    exact("alarms to the home service before (6.000 i året)", fig(a, "alarms_to_service_before"), 6000)
    exact("hours before (2.000 timer årlig)", fig(a, "hours_before"), 2000)
    # Reading A: 114 forwarded a month -> 1 368 a year; the seed's text says 1 350 (contradiction 1).
    exact("reading A: 114 a month x 12", fig(a, "alarms_to_service_after"), 114 * 12)
    R.check("reading A differs from the seed's 1 350 by 18 alarms only",
            abs(fig(a, "alarms_to_service_after") - 1350) == 18)
    R.check("reduction 'over 70%'", fig(a, "alarms_reduction_pct") > 70, a["figures"]["alarms_reduction_pct"])
    clar = fig(a, "clarification_pct")
    R.check("clarification rate in the seed's 50-60 %% (%.1f)" % clar, 50 <= clar <= 60)
    exact("clarification = (274 - 114) / 274", clar * 274 / 100, 274 - 114)
    near("hours freed 'nærmere 1.500' (contradiction 2: 1 544)", fig(a, "hours_avoided"), 1500, 0.04)
    near("annual gain 'nærmere 650.000 kr'", fig(a, "net_annual"), 650000, 0.01)
    R.check("net gain stays positive despite higher running costs",
            fig(a, "net_annual") > 0 and fig(a, "operating_per_year") > 0)
    # Reading B: the yearly totals as stated under 'Gevinster'.
    b = calc(wd, "lillesand-aarstall.json")["plans"][0]
    exact("reading B: 1.350 a year", fig(b, "alarms_to_service_after"), 1350)
    exact("reading B: 6.000 a year before", fig(b, "alarms_to_service_before"), 6000)
    R.check("reading B: 'over 70%'", fig(b, "alarms_reduction_pct") > 70)
    near("reading B: hours freed 'nærmere 1.500' (1 550)", fig(b, "hours_avoided"), 1500, 0.04)
    near("reading B: annual gain 'nærmere 650.000 kr'", fig(b, "net_annual"), 650000, 0.01)
    R.check("reading B: clarification in 50-60 %", 50 <= fig(b, "clarification_pct") <= 60)


def test_vik(wd):
    res = calc(wd, "vik.json")
    a = res["plans"][0]
    subs = res["subjects"]
    R.equal("9 users", (a["users"], a["followed"], len(subs)), (9, 9, 9))
    for s in subs[:1] + subs[-1:]:
        exact("reading A, %s: 360 hours a year before" % s["subject"], s["before"]["hours"], 360)
        exact("reading A, %s: 42 hours a year after" % s["subject"], s["after"]["hours"], 42)
    exact("reading A: 9 x (360 - 42) hours avoided", fig(a, "hours_avoided"), 9 * (360 - 42))
    over("personnel costs 'over 1,2 millioner'", fig(a, "staff_cost_avoided"), 1200000)
    near("transport 'ca. 90.000 kr'", fig(a, "km_cost_avoided"), 90000, 0.05)
    R.equal("Vik is a small municipality (2 500)", a["size_class"], "small")
    b = calc(wd, "vik-365.json")
    pb = b["plans"][0]
    sb = b["subjects"][0]
    # Contradiction 3: 2 visits x 1/2 hour x 365 nights is 365 hours, not the seed's 360.
    exact("reading B: 365 hours before per user", sb["before"]["hours"], 365)
    near("reading B: 42 hours after per user (42.6)", sb["after"]["hours"], 42, 0.02)
    over("reading B: personnel costs still 'over 1,2 millioner'", fig(pb, "staff_cost_avoided"), 1200000)
    near("reading B: transport 'ca. 90.000 kr'", fig(pb, "km_cost_avoided"), 90000, 0.05)


def test_kinn(wd):
    k = calc(wd, "kinn.json")["plans"][0]
    # From one visit a day to one a week; ~30 km each way.
    over("time freed 'over 300 timer'", fig(k, "hours_avoided"), 300)
    over("driving 'over 75.000 kr'", fig(k, "km_cost_avoided"), 75000)
    near("avoided costs 'tilsvarende 210.000 kr'", fig(k, "cost_avoided"), 210000, 0.02)
    R.equal("Kinn is medium-sized (17 000)", k["size_class"], "medium")
    # Contradiction 4: with Vik's 360-day year the same visits fall short of 'over 75.000'.
    k360 = calc(wd, "kinn.json", sets=["days_per_year=360"])["plans"][0]
    R.check("Kinn with a 360-day year: driving below 75.000 (%.0f)" % fig(k360, "km_cost_avoided"),
            fig(k360, "km_cost_avoided") < 75000)


def test_all_cases_together(wd):
    files = ["lillesand.json", "vik.json", "kinn.json"]
    alone = [calc(wd, f)["plans"][0] for f in files]
    res = calc(wd, *files)
    total = res["total"]["figures"]
    near("total hours = sum of the cases", total["hours_avoided"]["value"],
         sum(fig(p, "hours_avoided") for p in alone), 1e-9)
    groups = res["groups"]
    size = {g["key"]: g for g in groups["size_class"]}
    R.equal("size classes", sorted(size), ["medium", "small"])
    near("small = Vik", size["small"]["cost_avoided"]["value"], fig(alone[1], "cost_avoided"), 1e-9)
    near("medium = Lillesand + Kinn", size["medium"]["cost_avoided"]["value"],
         fig(alone[0], "cost_avoided") + fig(alone[2], "cost_avoided"), 1e-9)
    region = {g["key"]: g for g in groups["region"]}
    R.equal("regions", sorted(region), ["Agder", "Vestland"])
    near("Vestland = Vik + Kinn", region["Vestland"]["hours_avoided"]["value"],
         fig(alone[1], "hours_avoided") + fig(alone[2], "hours_avoided"), 1e-9)
    tech = {g["key"] for g in groups["technology"]}
    R.equal("technologies", tech, {"safety_alarm", "digital_supervision", "medication_dispenser"})
    R.equal("quarters", [g["key"] for g in groups["quarter"]], ["2020-Q1", "2020-Q3", "2021-Q1"])
    trace = alone[2]["figures"]["cost_avoided"]
    R.equal("every figure carries its formula", trace["formula"],
            "hours_avoided x wage_per_hour + km_avoided x km_rate")
    R.check("... and its inputs", abs(trace["inputs"]["hours_avoided"] * trace["inputs"]["wage_per_hour"]
                                      + trace["inputs"]["km_avoided"] * trace["inputs"]["km_rate"]
                                      - trace["value"]) < 1e-6, trace)
    p = run(["gevinst", "calc"] + [os.path.join(EX, f) for f in files], wd)
    R.check("text summary names every municipality",
            p.returncode == 0 and all(m in p.stdout for m in ("Lillesand", "Vik", "Kinn")), show(p))


# ---------------------------------------------------------------- 2. the command line

def write(wd, name, obj):
    path = os.path.join(wd, name)
    with open(path, "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_calc_errors(wd):
    with open(os.path.join(EX, "kinn.json")) as f:
        base = json.load(f)

    def variant(change):
        doc = json.loads(json.dumps(base))
        change(doc)
        return write(wd, "variant.json", doc)

    m = lambda d, i: d["plans"][0]["measurements"][i]  # noqa: E731
    cases = [
        ("negative minutes", lambda d: m(d, 1).update(minutes_per_visit=-60), 2, "minutes_per_visit"),
        ("quality 7", lambda d: m(d, 1).update(quality_user=7), 2, "quality_user"),
        ("unknown technology", lambda d: d["plans"][0].update(technology="drone"), 2, "technology"),
        ("unknown interval", lambda d: d["plans"][0].update(interval="weekly"), 2, "interval"),
        ("follow-up without baseline", lambda d: m(d, 0).update(kind="followup"), 1, "baseline"),
        ("period outside the plan", lambda d: m(d, 1).update(period_start="2021-03-29"), 1, "outside"),
        ("unknown field", lambda d: d.update(colour="red"), 2, "colour"),
        ("bad parameter", lambda d: d["params"].update(km_rate=-4), 2, "km_rate"),
    ]
    for name, change, code, word in cases:
        p = run(["gevinst", "calc", variant(change)], wd)
        R.check("calc %s: exit %d naming %s" % (name, code, word),
                p.returncode == code and word in p.stderr, show(p))
    p = run(["gevinst", "calc", write(wd, "broken.json", "{")], wd)
    R.check("calc of broken JSON: exit 2", p.returncode == 2 and "JSON" in p.stderr, show(p))
    p = run(["gevinst", "calc", os.path.join(EX, "kinn.json"), "--set", "wage=1"], wd)
    R.check("--set of an unknown parameter: exit 2", p.returncode == 2 and "wage" in p.stderr, show(p))
    p = run(["gevinst", "calc"], wd)
    R.check("calc without files: exit 2", p.returncode == 2, show(p))
    p = run(["gevinst", "calc", os.path.join(EX, "kinn.json"), "--json", "--csv"], wd)
    R.check("two outputs: exit 2", p.returncode == 2, show(p))
    p = run(["gevinst", "frobnicate"], wd)
    R.check("unknown verb: exit 2", p.returncode == 2, show(p))


def db_args(wd):
    return ["--database=" + os.path.join(wd, "cli.db"), "--log-file=" + os.path.join(wd, "cli.log")]


def test_cli_store(wd):
    d = db_args(wd)
    p = run(["demo"] + d, wd)
    R.check("demo loads", p.returncode == 0, show(p))
    plan_args = ["gevinst", "plan", "add", "--municipality", MUNI_A, "--name", "GPS for personer med demens",
                 "--technology", "gps_tracker", "--gain-type", "avoided_cost", "--interval", "bimonthly",
                 "--start", "2024-01-01", "--end", "2024-12-31", "--licence", "5000"]
    p = run(plan_args + d, wd)
    m = re.search(r"plan ([0-9a-f]{32}) created", p.stdout)
    R.check("plan add prints the new id", p.returncode == 0 and m, show(p))
    plan = m.group(1) if m else "none"
    p = run(["gevinst", "plan", "add", "--municipality", MUNI_A, "--name", "x", "--technology", "drone",
             "--gain-type", "quality", "--interval", "monthly", "--start", "2024-01-01", "--end", "2024-12-31"] + d, wd)
    R.check("plan add with an unknown technology: exit 2", p.returncode == 2 and "technology" in p.stderr, show(p))
    p = run(["gevinst", "plan", "list", "--municipality", MUNI_A] + d, wd)
    R.check("plan list shows it", p.returncode == 0 and plan in p.stdout, show(p))
    citizens = knute_sql(wd, "SELECT id FROM citizens WHERE municipality = ? ORDER BY id LIMIT 2", (MUNI_A,))
    citizen = citizens[0][0]
    measure = ["gevinst", "measure", "add", "--municipality", MUNI_A, "--plan", plan, "--citizen", citizen]
    p = run(measure + ["--kind", "followup", "--start", "2024-03-01", "--period", "1m", "--visits", "4"] + d, wd)
    R.check("follow-up before any baseline: exit 1, 409-style reason",
            p.returncode == 1 and "conflict" in p.stderr and "baseline" in p.stderr, show(p))
    p = run(measure + ["--kind", "baseline", "--start", "2024-01-01", "--period", "1m", "--visits", "-4"] + d, wd)
    R.check("negative visits: exit 2 naming the field", p.returncode == 2 and "visits" in p.stderr, show(p))
    p = run(measure + ["--kind", "baseline", "--start", "2024-01-01", "--period", "1m", "--visits", "12",
                       "--minutes", "-15"] + d, wd)
    R.check("negative duration: exit 2", p.returncode == 2 and "minutes_per_visit" in p.stderr, show(p))
    p = run(measure + ["--kind", "baseline", "--start", "2024-01-01", "--period", "1m", "--visits", "12",
                       "--quality-user", "9"] + d, wd)
    R.check("quality 9: exit 2", p.returncode == 2 and "quality_user" in p.stderr, show(p))
    p = run(measure + ["--kind", "baseline", "--start", "2024-12-15", "--period", "1m", "--visits", "12"] + d, wd)
    R.check("period outside the plan: exit 1", p.returncode == 1 and "outside the plan" in p.stderr, show(p))
    p = run(measure + ["--kind", "baseline", "--start", "2024-01-01", "--period", "1m", "--visits", "12",
                       "--minutes", "30", "--km", "120", "--quality-user", "3"] + d, wd)
    R.check("baseline recorded", p.returncode == 0 and "recorded (baseline" in p.stdout, show(p))
    p = run(measure + ["--kind", "baseline", "--start", "2024-02-01", "--period", "1m", "--visits", "12"] + d, wd)
    R.check("second baseline: exit 1", p.returncode == 1 and "already exists" in p.stderr, show(p))
    p = run(measure + ["--kind", "followup", "--start", "2024-06-01", "--period", "1m", "--visits", "3",
                       "--minutes", "30", "--km", "30", "--quality-user", "5"] + d, wd)
    R.check("follow-up recorded", p.returncode == 0, show(p))
    p = run(["gevinst", "measure", "list", "--municipality", MUNI_A, "--plan", plan] + d, wd)
    R.check("measure list shows both", p.returncode == 0 and p.stdout.count(citizen) == 2, show(p))
    audit = knute_sql(wd, "SELECT count(*) FROM audit_events WHERE action = 'gain.measure.list'", ())
    R.equal("the CLI's read is audited too", audit[0][0], 1)
    # the report from the database, as JSON and as a workbook
    p = run(["gevinst", "report", "--municipality", MUNI_A, "--json"] + d, wd)
    rep = json.loads(p.stdout) if p.returncode == 0 else {}
    gps = [x for x in rep.get("plans", []) if x["id"] == plan]
    R.check("report holds the new plan", len(gps) == 1, show(p))
    if gps:
        # 12 visits x 30 min a month before, 3 after: 9 x 0.5 h x 12 = 54 h; km (120 - 30) x 12
        exact("report: hours avoided from the stored inputs", fig(gps[0], "hours_avoided"), 54)
        exact("report: km avoided", fig(gps[0], "km_avoided"), 90 * 12)
    R.check("report has no subjects (citizen ids)", "subjects" not in rep and citizen not in p.stdout)
    xlsx = os.path.join(wd, "report.xlsx")
    p = run(["gevinst", "report", "--municipality", MUNI_A, "--xlsx", xlsx] + d, wd)
    R.check("report --xlsx writes the workbook", p.returncode == 0 and os.path.exists(xlsx), show(p))
    if os.path.exists(xlsx):
        with open(xlsx, "rb") as f:
            check_workbook("CLI workbook", f.read(), ["GPS for personer med demens"])
        p = subprocess.run(["xlsx2csv", "-n", "6 Konklusjon", xlsx], capture_output=True, text=True)
        R.check("xlsx2csv reads the conclusion sheet",
                p.returncode == 0 and "Totalt" in p.stdout and "Konklusjon" in p.stdout, p.stderr[-300:])
    html = os.path.join(wd, "report.html")
    p = run(["gevinst", "report", "--municipality", MUNI_A, "--html", html] + d, wd)
    text = open(html, encoding="utf-8").read() if os.path.exists(html) else ""
    R.check("report --html has the six sections",
            p.returncode == 0 and all("<h2>%s</h2>" % s in text for s in SECTIONS), show(p))
    p = run(["gevinst", "report", "--municipality", MUNI_A, "--csv", "--set", "wage_per_hour=500"] + d, wd)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    wages = [r for r in rows[1:] if r[2] == "staff_cost_avoided" and r[1] == "GPS for personer med demens"]
    R.check("--csv is the trace; --set reaches the formula inputs",
            p.returncode == 0 and rows[0][:3] == ["Nivå", "Plan", "Nøkkel"] and wages
            and "wage_per_hour=500" in wages[0][7], show(p))


def knute_sql(wd, query, params):
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(wd, "cli.db"), uri=True)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- XLSX from its XML

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def xlsx_sheets(data):
    """{sheet name: [[cell text, ...], ...]} read from the workbook's XML parts."""
    z = zipfile.ZipFile(io.BytesIO(data))
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            strings.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    out = {}
    for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", NS):
        target = rels[sheet.get("{%s}id" % NS["r"])].lstrip("/")
        path = target if target.startswith("xl/") else "xl/" + target
        rows = []
        for row in ET.fromstring(z.read(path)).iter("{%s}row" % NS["m"]):
            cells = []
            for c in row.findall("m:c", NS):
                v = c.find("m:v", NS)
                t = c.get("t")
                if t == "s" and v is not None:
                    cells.append(strings[int(v.text)])
                elif t == "inlineStr":
                    cells.append("".join(x.text or "" for x in c.iter("{%s}t" % NS["m"])))
                else:
                    cells.append(v.text if v is not None else "")
            rows.append(cells)
        out[sheet.get("name")] = rows
    return out


def check_workbook(name, data, plan_names):
    R.check("%s is a ZIP (XLSX)" % name, data[:2] == b"PK", data[:20])
    try:
        sheets = xlsx_sheets(data)
    except Exception as e:  # a broken workbook is a failed check, not a crash
        R.check("%s parses" % name, False, repr(e))
        return {}
    R.equal("%s: the six report sections first" % name, list(sheets)[:6], SECTIONS)
    R.check("%s: groups, cumulative, parameters and trace sheets" % name,
            all(s in sheets for s in ("Per teknologi", "Per kommunestørrelse", "Per kvartal", "Per region",
                                      "Kumulativ", "Parametre", "Sporbarhet")), list(sheets))
    flat = [c for rows in sheets.values() for r in rows for c in r]
    for plan in plan_names:
        R.check("%s names plan %s" % (name, plan), plan in flat)
    return sheets


# ---------------------------------------------------------------- 3. the API

def problem(r):
    return r.content_type == "application/problem+json" and (r.json_or_none() or {}).get("detail")


def test_api(wd):
    srv = knute.Server(ARGS.knute, wd, ARGS.web_root, name="api")
    srv.cli("demo")
    key = srv.add_apikey_client("gevinst-reader", "knute/gevinst.read", [MUNI_A + ":coordinator"])
    key_noscope = srv.add_apikey_client("gevinst-noscope", "knute/api", [MUNI_A + ":coordinator"])
    srv.start()
    try:
        api_checks(srv, key, key_noscope)
    finally:
        rc, _ = srv.stop()
        R.equal("server stops cleanly", rc, 0)


BASE = "/api/v1/gevinst/%s" % MUNI_A


def api_checks(srv, key, key_noscope):
    who = {name: knute.logged_in(srv.url, name) for name in ("saksbehandler", "sykepleier", "fjordvik", "revisor")}
    api_access(srv, who, key, key_noscope)
    api_audit(who)
    plan, cid = api_writes(srv, who)
    api_formats(who["saksbehandler"], plan, cid)


def api_access(srv, who, key, key_noscope):
    base, cw, nurse, other = BASE, who["saksbehandler"], who["sykepleier"], who["fjordvik"]
    r = cw.get(base + "/report")
    R.equal("case worker reads the report", r.status, 200, repr(r))
    rep = r.json if r.status == 200 else {}
    R.equal("report: the demo's three plans", len(rep.get("plans", [])), 3)
    R.equal("report book: six sections first", [s["title"] for s in rep.get("book", {}).get("sheets", [])][:6], SECTIONS)
    ids = [row[0] for row in srv.sql("SELECT id FROM citizens")]
    R.check("report holds no citizen id", not any(i in r.text for i in ids))
    R.check("nurse reads the report (aggregates)", nurse.get(base + "/report").status == 200)
    r = other.get(base + "/report")
    R.check("another municipality's case worker: 403 problem", r.status == 403 and problem(r), repr(r))
    r = knute.Client(srv.url).get(base + "/report")
    R.equal("no credentials: 401", r.status, 401)
    r = knute.Client(srv.url, bearer=key).get(base + "/report")
    R.equal("API key with scope knute/gevinst.read", r.status, 200, repr(r))
    r = knute.Client(srv.url, bearer=key_noscope).get(base + "/report")
    R.check("API key without the scope: 403", r.status == 403 and problem(r), repr(r))


def api_audit(who):
    """Per-citizen data: personal roles only, every read audited."""
    base, cw, nurse, auditor = BASE, who["saksbehandler"], who["sykepleier"], who["revisor"]
    r = nurse.get(base + "/measurements")
    R.check("nurse may not read per-citizen measurements", r.status == 403 and problem(r), repr(r))
    r = cw.get(base + "/measurements")
    items = r.json.get("items", []) if r.status == 200 else []
    R.check("case worker reads measurements", r.status == 200 and len(items) >= 16, repr(r))
    citizen = items[0]["citizen_id"] if items else ""
    r = cw.get(base + "/measurements?citizen=" + citizen)
    R.check("one citizen's measurements", r.status == 200 and all(m["citizen_id"] == citizen for m in r.json["items"]))
    uid = cw.user["id"]
    events = auditor.get("/api/v1/audit?municipality=%s&actor=%s&limit=1000" % (MUNI_A, uid)).json["items"]
    actions = [e["action"] for e in events]
    R.equal("audit: two measurement reads by the case worker", actions.count("gain.measure.list"), 2)
    R.check("audit: the one-citizen read names the citizen",
            any(e["action"] == "gain.measure.list" and e["object_id"] == citizen for e in events))
    R.check("audit: the report read is recorded", actions.count("gain.report") >= 1)
    nurse_events = auditor.get("/api/v1/audit?actor=%s&limit=1000" % nurse.user["id"]).json["items"]
    R.check("audit: the nurse's refused read left no measurement read",
            "gain.measure.list" not in [e["action"] for e in nurse_events])


def api_writes(srv, who):
    """Plans and measurements over the API; every error a problem+json with its reason."""
    base, cw, nurse, other, auditor = (BASE, who["saksbehandler"], who["sykepleier"], who["fjordvik"],
                                       who["revisor"])
    uid = cw.user["id"]
    plan_body = {"name": "Digitalt tilsyn, test", "technology": "digital_supervision", "gain_type": "avoided_cost",
                 "interval": "monthly", "owner": "Avdelingsleder", "indicator": "Nattilsyn per 30 dager",
                 "start": "2024-01-01", "end": "2024-12-31", "licence_per_year": 3000}
    r = nurse.post(base + "/plans", plan_body)
    R.check("nurse may not create plans", r.status == 403 and problem(r), repr(r))
    r = cw.post(base + "/plans", dict(plan_body, technology="drone"))
    R.check("unknown technology: 400 naming it", r.status == 400 and "technology" in problem(r), repr(r))
    r = cw.post(base + "/plans", dict(plan_body, interval="weekly"))
    R.check("unknown interval: 400", r.status == 400 and "interval" in problem(r), repr(r))
    r = cw.post(base + "/plans", plan_body)
    R.equal("plan created", r.status, 201, repr(r))
    plan = r.json["id"] if r.status == 201 else ""
    r = cw.get(base + "/plans")
    R.check("plan listed", r.status == 200 and plan in [p["id"] for p in r.json["items"]])
    cid = srv.sql("SELECT id FROM citizens WHERE municipality = ? ORDER BY id DESC LIMIT 1", (MUNI_A,))[0][0]
    cid_b = srv.sql("SELECT id FROM citizens WHERE municipality = ? LIMIT 1", (MUNI_B,))[0][0]
    m = {"plan_id": plan, "citizen_id": cid, "kind": "followup", "period_start": "2024-03-01",
         "period_unit": "day", "period_count": 30, "visits": 6, "minutes_per_visit": 30, "km": 24, "night_checks": 6}
    r = cw.post(base + "/measurements", m)
    R.check("follow-up without baseline: 409 with the reason",
            r.status == 409 and "baseline" in problem(r), repr(r))
    bad = [("negative duration", dict(m, kind="baseline", minutes_per_visit=-30), 400, "minutes_per_visit"),
           ("quality outside 1-6", dict(m, kind="baseline", quality_user=0, quality_staff=7), 400, "quality_staff"),
           ("unknown kind", dict(m, kind="midline"), 400, "kind"),
           ("unknown period unit", dict(m, kind="baseline", period_unit="year"), 400, "period_unit"),
           ("period outside the plan", dict(m, kind="baseline", period_start="2024-12-15"), 422, "outside"),
           ("citizen of another municipality", dict(m, kind="baseline", citizen_id=cid_b), 404, "citizen"),
           ("fraction of a visit", dict(m, kind="baseline", visits=6.5), 400, "whole number"),
           ("unknown field", dict(m, kind="baseline", colour="blue"), 400, "colour")]
    for name, body, status, word in bad:
        r = cw.post(base + "/measurements", body)
        R.check("%s: %d problem naming %s" % (name, status, word),
                r.status == status and word in (problem(r) or ""), repr(r))
    r = cw.post(base + "/measurements", dict(m, kind="baseline", period_start="2024-01-01", visits=60, km=240,
                                               night_checks=60))
    R.equal("baseline: 201", r.status, 201, repr(r))
    R.check("baseline answer has its period end", r.status == 201 and r.json["period_end"] == "2024-01-30")
    r = cw.post(base + "/measurements", m)
    R.equal("follow-up after the baseline: 201", r.status, 201, repr(r))
    r = cw.post(base + "/measurements", dict(m, kind="baseline", period_start="2024-02-01"))
    R.check("second baseline: 409", r.status == 409 and problem(r), repr(r))
    r = other.post(base + "/measurements", dict(m, period_start="2024-05-01"))
    R.check("another municipality may not write here", r.status == 403 and problem(r), repr(r))
    creates = auditor.get("/api/v1/audit?municipality=%s&action=gain.measure.create&limit=1000" % MUNI_A).json["items"]
    R.check("audit: both writes name the citizen",
            sum(1 for e in creates if e["object_id"] == cid and e["actor_id"] == uid) == 2)
    return plan, cid


def api_formats(cw, plan, cid):
    """The report with the new plan in four formats, parameters from the query; calc over the API."""
    base = BASE
    r = cw.get(base + "/report?wage_per_hour=500&days_per_year=360")
    R.check("the report never names the measured citizen", r.status == 200 and cid not in r.text)
    new = [p for p in r.json["plans"] if p["id"] == plan] if r.status == 200 else []
    R.check("report has the new plan", len(new) == 1, repr(r))
    if new:
        # 30-day periods in a 360-day year: (60 - 6) x 0.5 h x 12 = 324 h; km (240 - 24) x 12
        exact("API report: hours avoided from the inputs", fig(new[0], "hours_avoided"), 324)
        exact("API report: wage from the query", fig(new[0], "staff_cost_avoided"), 324 * 500)
        exact("API report: km cost at the default rate", fig(new[0], "km_cost_avoided") * 100, 216 * 12 * 403)
    r = cw.get(base + "/report?wage_per_hour=-5")
    R.check("bad parameter: 400", r.status == 400 and "wage_per_hour" in problem(r), repr(r))
    r = cw.get(base + "/report?format=pdf")
    R.check("unknown format: 400", r.status == 400 and problem(r), repr(r))
    r = cw.get(base + "/report?format=xlsx")
    R.check("XLSX: type and attachment", r.status == 200 and r.content_type == XLSX_TYPE
            and "attachment" in (r.header("Content-Disposition") or ""), repr(r)[:200])
    if r.status == 200:
        sheets = check_workbook("API workbook", r.body, ["Digitalt tilsyn, test", "Elektronisk medisineringsstøtte"])
        costs = sheets.get("3 Unngåtte kostnader", [])
        R.check("workbook: avoided costs per plan and a total row", costs and costs[-1][0] == "Totalt"
                or any(row and row[0] == "Totalt" for row in costs), costs[-3:])
    r = cw.get(base + "/report?format=csv")
    R.check("CSV trace", r.status == 200 and r.content_type == "text/csv"
            and r.text.startswith("Nivå,Plan,Nøkkel"), repr(r)[:200])
    r = cw.get(base + "/report?format=html")
    R.check("printable HTML with the six sections", r.status == 200 and r.content_type == "text/html"
            and all(s in r.text for s in SECTIONS) and "/css/gevinst.css" in r.text, repr(r)[:200])

    # calc over the API: the same numbers as the CLI
    with open(os.path.join(EX, "kinn.json"), "rb") as f:
        body = f.read()
    r = cw.request("POST", "/api/v1/gevinst/calc", body=body, content_type="application/json")
    R.check("calc over the API", r.status == 200 and abs(fig(r.json["plans"][0], "cost_avoided")
                                                         - 210177.43) < 0.01, repr(r)[:300])
    r = cw.request("POST", "/api/v1/gevinst/calc", body=b'{"plans":[]}', content_type="application/json")
    R.check("calc of an empty scenario: 400", r.status == 400 and problem(r), repr(r))


def main():
    global R, ARGS, EX
    ARGS = knute.parse_args("Knute gevinst black-box suite")
    EX = os.path.join(ARGS.source_dir, "examples", "gevinst")
    R = knute.Results(ARGS.only)
    with knute.Workdir("gevinst", keep=ARGS.keep) as wd:
        R.run("seed 003: Lillesand (trygghetsalarm)", test_lillesand, wd.path)
        R.run("seed 003: Vik (digitalt tilsyn)", test_vik, wd.path)
        R.run("seed 003: Kinn (Pilly)", test_kinn, wd.path)
        R.run("seed 003: all cases aggregated", test_all_cases_together, wd.path)
        R.run("calc: bad scenario files", test_calc_errors, wd.path)
        R.run("CLI: stored plans, measurements, reports", test_cli_store, wd.path)
        R.run("API: access, audit, errors, formats", test_api, wd.path)
        code = R.summary()
        wd.failed = code != 0
    return code


if __name__ == "__main__":
    sys.exit(main())
