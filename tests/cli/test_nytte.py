#!/usr/bin/env python3
"""test_nytte.py - black-box suite of the R-109/21 cost-benefit engine.

Runs the scenario files in examples/r109/ through `knute nytte` and compares
the result with the figures seed 002 publishes (Table 3, Table 4, Table 10,
the break-even in 5.7 and the Vedlegg 7 sensitivity rows): the seed's
numbers are the expected values, within rounding. Where the seed contradicts
itself (docs/r109.md lists every case) both readings are computed and each
is checked against the figures it explains. Then the command line (formats,
--set, exit codes), the XLSX (unzipped, sheet XML parsed) and the API
(POST /api/v1/nytte: JSON, CSV, XLSX, 400 problems naming the field, 401).

    python3 tests/cli/test_nytte.py --knute build/knute

Prints "N passed, M failed" last; exits 1 on any failure.
"""

import csv
import io
import json
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

R = None
ARGS = None
ALTS = ("A1", "A2", "A3")
SEED_TABLE3 = {  # seed 002, Table 3 (MNOK, present value, 2022-kroner)
    "investering": (13, 14, 14),
    "drift_og_tilskudd": (326, 417, 609),
    "skattefinansieringskostnad": (68, 86, 125),
    "sum_kostnader": (407, 518, 748),
}
SEED_TABLE10 = {  # seed 002, Table 10
    "effektivisering_kommunene": (14, 26, 177),
    "effektivisering_leverandorene": (30, 32, 29),
    "bedre_kjopsbetingelser": (12, 15, 15),
    "tilskudd_som_inntekt": (257, 321, 492),
    "skattefinansieringsgevinst": (5, 8, 38),
    "sum_nytte": (318, 402, 751),
    "nettonytte": (-89, -116, 3),
}
SEED_TABLE4 = {  # seed 002, Table 4 (effektivisering for journalleverandørene: "-")
    "effektivisering_anskaffelse": (14, 26, 16),
    "effektivisering_innforing": (0, 0, 104),
    "bedre_kjopsbetingelser": (12, 15, 15),
    "skattefinansieringsgevinst": (5, 8, 27),
    "tilskudd_som_inntekt": (257, 321, 492),
    "totale_nyttevirkninger": (288, 370, 654),
}
SEED_NONPRICED = {  # Table 10 (Table 6 differs for tillit/A2, see the T6 sensitivity)
    "kvalitet": ("positiv", "stor positiv", "svært stor positiv"),
    "tillit": ("svært liten positiv", "liten positiv", "positiv"),
    "verdiskaping": ("liten positiv", "liten positiv/positiv", "positiv"),
}
# Vedlegg 7: (net, change) per alternative, as printed
SEED_V7 = {
    "1-1": ((-103, -14), (-134, -18), (-11, -14)),
    "1-2": ((-110, -21), (-143, -27), (-17, -20)),
    "1-3": ((-123, -34), (-161, -45), (-31, -34)),
    "1-4": ((-83, 6), (-107, 9), (9, 6)),
    "1-5": ((-76, 13), (-98, 18), (16, 13)),
    "2-1": ((-115, -26), (-148, -32), (-33, 36)),
    "2-2": ((-120, -31), (-154, -38), (-40, -43)),
    "2-3": ((-89, 0), (-116, 0), (3, 0)),
    "2-4": ((-74, 15), (-94, 22), (21, 18)),
    "3-1": ((-89, 0), (-116, 0), (3, 0)),
    "3-2": ((-89, 0), (-116, 0), (3, 0)),
}
# A published delta is the difference of two figures rounded to whole MNOK,
# each computed from inputs that are themselves published rounded: 1.5 MNOK.
V7_TOLERANCE = 1.5
TAX_GAIN_ALL = "tax_gain_categories=public_efficiency,private_efficiency,purchase_terms"


def example(name):
    return os.path.join(ARGS.source_dir, "examples", "r109", name)


MAIN = None
TABLE4 = None


def nytte(*args, input=None):
    return subprocess.run([ARGS.knute, "nytte"] + list(args), capture_output=True, text=True,
                          input=input, env=knute.child_env(), timeout=60 * knute.SLOW)


def nytte_json(path, *sets):
    args = [path, "--json"]
    for s in sets:
        args += ["--set", s]
    p = nytte(*args)
    if p.returncode != 0:
        raise RuntimeError("knute nytte %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return json.loads(p.stdout)


def rounded(x):
    """Whole MNOK, halves away from zero (as a report would print them)."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def by_id(doc):
    return {a["id"]: a for a in doc["alternatives"]}


def flow_pv(alt, flow_id):
    return sum(f["pv"] for f in alt["flows"] if f["id"] == flow_id)


def compare(label, computed, seed):
    for a, c, s in zip(ALTS, computed, seed):
        R.check("%s %s: seed %s, computed %.2f" % (label, a, s, c), rounded(c) == s,
                "rounds to %d" % rounded(c))


# ------------------------------------------------------------------ seed tables

def test_table3():
    alts = by_id(nytte_json(MAIN))
    pv = [alts[a]["pv"] for a in ALTS]
    compare("Table 3 investment", [p["investment"] for p in pv], SEED_TABLE3["investering"])
    compare("Table 3 operations + grants", [p["operations"] + p["grant"] for p in pv],
            SEED_TABLE3["drift_og_tilskudd"])
    compare("Table 3 tax-financing cost", [alts[a]["tax_cost"] for a in ALTS],
            SEED_TABLE3["skattefinansieringskostnad"])
    compare("Table 3 sum of costs", [alts[a]["costs"] for a in ALTS], SEED_TABLE3["sum_kostnader"])
    # the tax-financing cost is 20 % of all public spending, grants included
    for a in ALTS:
        p = alts[a]["pv"]
        R.check("%s tax cost = 0.2 x (investment + operations + grant)" % a,
                abs(alts[a]["tax_cost"] - 0.2 * (p["investment"] + p["operations"] + p["grant"])) < 1e-9)
    # 5.4: operations without grants 69 (A1) to 117 (A3); grants 60/75/115 a year 2024-2028
    compare("5.4 operations excl. grants (A2 from Table 3 - Table 10)",
            [pv[0]["operations"], pv[1]["operations"], pv[2]["operations"]], (69, 96, 117))
    annuity = sum(1.04 ** -t for t in range(2, 7))  # 2024..2028 at t = 2..6
    for a, per_year in zip(ALTS, (60, 75, 115)):
        R.check("%s grant PV = %d a year over 2024-2028 discounted to 2023, end of year" % (a, per_year),
                abs(alts[a]["pv"]["grant"] - per_year * annuity) < 1e-6)


def test_table10():
    doc = nytte_json(MAIN)
    alts = by_id(doc)
    compare("Table 10 municipal efficiency", [alts[a]["pv"]["public_efficiency"] for a in ALTS],
            SEED_TABLE10["effektivisering_kommunene"])
    compare("Table 10 supplier efficiency", [alts[a]["pv"]["private_efficiency"] for a in ALTS],
            SEED_TABLE10["effektivisering_leverandorene"])
    compare("Table 10 purchase terms", [alts[a]["pv"]["purchase_terms"] for a in ALTS],
            SEED_TABLE10["bedre_kjopsbetingelser"])
    compare("Table 10 grants as income", [alts[a]["pv"]["grant"] for a in ALTS],
            SEED_TABLE10["tilskudd_som_inntekt"])
    compare("Table 10 tax-financing gain", [alts[a]["tax_gain"] for a in ALTS],
            SEED_TABLE10["skattefinansieringsgevinst"])
    compare("Table 10 sum of benefits", [alts[a]["benefits"] for a in ALTS], SEED_TABLE10["sum_nytte"])
    compare("Table 10 priced net benefit", [alts[a]["net"] for a in ALTS], SEED_TABLE10["nettonytte"])
    for effect, labels in SEED_NONPRICED.items():
        for a, label in zip(ALTS, labels):
            R.equal("Table 10 %s %s" % (effect, a), alts[a]["nonpriced"][effect]["label"], label)
    R.equal("Table 10 ranking non-priced", [alts[a]["rank"]["nonpriced"] for a in ALTS], [3, 2, 1])
    R.equal("Table 10 overall ranking", [alts[a]["rank"]["overall"] for a in ALTS], [3, 2, 1])
    # 5.7: priced benefits per grant krone 0.2 / 0.2 / 0.4
    for a, want in zip(ALTS, (0.2, 0.2, 0.4)):
        got = alts[a]["per_grant"]
        R.check("5.7 benefit per grant krone %s: seed %.1f, computed %.3f" % (a, want, got),
                abs(round(got, 1) - want) < 1e-9)


def test_table4():
    alts = by_id(nytte_json(TABLE4))
    compare("Table 4 procurement efficiency", [flow_pv(alts[a], "eff_anskaffelse") for a in ALTS],
            SEED_TABLE4["effektivisering_anskaffelse"])
    compare("Table 4 implementation efficiency", [flow_pv(alts[a], "eff_innforing") for a in ALTS],
            SEED_TABLE4["effektivisering_innforing"])
    compare("Table 4 purchase terms", [alts[a]["pv"]["purchase_terms"] for a in ALTS],
            SEED_TABLE4["bedre_kjopsbetingelser"])
    compare("Table 4 tax-financing gain", [alts[a]["tax_gain"] for a in ALTS],
            SEED_TABLE4["skattefinansieringsgevinst"])
    compare("Table 4 grants as income", [alts[a]["pv"]["grant"] for a in ALTS],
            SEED_TABLE4["tilskudd_som_inntekt"])
    compare("Table 4 total benefits", [alts[a]["benefits"] for a in ALTS],
            SEED_TABLE4["totale_nyttevirkninger"])
    R.check("Table 4 reading: no supplier efficiency",
            all(alts[a]["pv"]["private_efficiency"] == 0 for a in ALTS))
    # the Table 4 reading's own net (the seed prints none): costs as Table 3
    compare("Table 4 reading costs = Table 3", [alts[a]["costs"] for a in ALTS],
            SEED_TABLE3["sum_kostnader"])


def test_text_figures():
    """Figures the text gives beside the tables (docs/r109.md, contradictions)."""
    alts = by_id(nytte_json(MAIN))
    # 5.5 text: innføring 161 in A3 (Table 10: 177 = 16 + 161; Table 4 says 104)
    R.check("5.5 text: A3 implementation efficiency 161",
            rounded(flow_pv(alts["A3"], "eff_innforing")) == 161)
    # 5.5 text: tax-financing gain 2.7 / 5.2 / 3.3 = 20 % of the procurement efficiency only
    for a, text in zip(ALTS, (2.7, 5.2, 3.3)):
        got = 0.2 * flow_pv(alts[a], "eff_anskaffelse")
        R.check("5.5 text tax gain %s: seed %.1f, 0.2 x procurement efficiency %.2f" % (a, text, got),
                abs(got - text) <= 0.15)


def test_tax_cost_reading():
    """5.1 says 20 % 'av investeringskostnadene'; Table 3 charges it on all public spending."""
    alts = by_id(nytte_json(MAIN, "tax_cost_categories=investment"))
    for a, inv in zip(ALTS, SEED_TABLE3["investering"]):
        got = alts[a]["tax_cost"]
        R.check("5.1 reading %s: tax cost 0.2 x investment = %.2f (Table 3: %d)"
                % (a, got, SEED_TABLE3["skattefinansieringskostnad"][ALTS.index(a)]),
                abs(got - 0.2 * alts[a]["pv"]["investment"]) < 1e-9 and rounded(got / 0.2) == inv)
    compare("5.1 reading net (investment-only tax cost)", [alts[a]["net"] for a in ALTS], (-24, -32, 125))


def test_break_even():
    alts = by_id(nytte_json(MAIN))
    # 5.7: "minst 23,2 millioner per år" = A2's shortfall / 5 grant years, undiscounted
    R.check("5.7 break-even A2 per year: seed 23.2, computed %.2f" % alts["A2"]["break_even"]["per_year"],
            round(alts["A2"]["break_even"]["per_year"], 1) == 23.2)
    R.check("break-even of a positive net is 0", alts["A3"]["break_even"]["per_year"] == 0)
    # per municipality: 95 000 only with A3's share (68 % of 356); with A2's 60 %: 108 500
    per_muni = alts["A2"]["break_even"]["per_municipality"]
    R.check("break-even per municipality with A2's 60 %%: %.0f kroner" % per_muni,
            abs(per_muni - 23.2e6 / (356 * 0.6)) < 0.01 * per_muni)
    alt = by_id(nytte_json(MAIN, "alternatives.A2.affected_share=0.68"))["A2"]
    got = alt["break_even"]["per_municipality"]
    R.check("5.7 break-even per municipality: seed 'rundt 95 000', computed %.0f with 68 %%" % got,
            abs(got - 95000) <= 0.01 * 95000)
    # or: A2's 60 % with the annuity over the effect years 2024-2030 (then 20.1 a year, not 23.2)
    alt = by_id(nytte_json(MAIN, "break_even.method=annuity", "break_even.last_year=2030"))["A2"]
    got = alt["break_even"]["per_municipality"]
    R.check("5.7 per municipality, annuity 2024-2030 at 60 %%: %.0f kroner (seed 'rundt 95 000')" % got,
            abs(got - 95000) <= 0.015 * 95000)
    # the discounted reading (R-109 annuity over the grant years)
    alt = by_id(nytte_json(MAIN, "break_even.method=annuity"))["A2"]
    annuity = sum(1.04 ** -t for t in range(2, 7))
    R.check("annuity reading: shortfall / %.4f" % annuity,
            abs(alt["break_even"]["per_year"] + alt["net"] / annuity) < 1e-6)


def sens_changes(doc):
    return {s["id"]: [a["change"] for a in s["alternatives"]] for s in doc["sensitivities"]}


def test_vedlegg7():
    base = by_id(nytte_json(MAIN))
    seed_net = SEED_TABLE10["nettonytte"]
    # the seed's own arithmetic: each printed net = main-analysis net + printed change,
    # except A3 in 2-1 where the change is printed "(36)" for a fall of 36
    for sid, rows in SEED_V7.items():
        for i, (net, change) in enumerate(rows):
            if (sid, i) == ("2-1", 2):
                R.check("Vedlegg 7 2-1 A3: printed (36), net -33 is 36 below +3 (sign typo)",
                        net - seed_net[i] == -change)
                continue
            R.check("Vedlegg 7 %s %s: printed net = base + change" % (sid, ALTS[i]),
                    net == seed_net[i] + change)
    # rows 1-1..1-5, A1 and A2: the seed's reading (20 % tax gain on all efficiency gains)
    s_doc = nytte_json(MAIN, TAX_GAIN_ALL)
    changes = sens_changes(s_doc)
    for sid in ("1-1", "1-2", "1-3", "1-4", "1-5"):
        for i in (0, 1):
            got = changes[sid][i]
            want = SEED_V7[sid][i][1]
            R.check("Vedlegg 7 %s %s change: seed %d, computed %.2f" % (sid, ALTS[i], want, got),
                    abs(got - want) <= V7_TOLERANCE)
            R.check("Vedlegg 7 %s %s net: seed %d, computed %.2f" % (sid, ALTS[i], SEED_V7[sid][i][0],
                                                                    base[ALTS[i]]["net"] + got),
                    abs(base[ALTS[i]]["net"] + got - SEED_V7[sid][i][0]) <= V7_TOLERANCE)
        # A3's published changes repeat A1's (within 1), not A3's own gains (about 4x A1's):
        # they match A1's computation, which is the only reading that gives them
        a3 = SEED_V7[sid][2][1]
        R.check("Vedlegg 7 %s A3 change: seed %d, A1's computation %.2f (A3's own: %.2f)"
                % (sid, a3, changes[sid][0], changes[sid][2]),
                abs(a3 - changes[sid][0]) <= V7_TOLERANCE and abs(a3 - SEED_V7[sid][0][1]) <= 1)
    # the R-109 reading (tax gain on public gains only) gives smaller changes: documented
    r_changes = sens_changes(nytte_json(MAIN))
    pub_a1 = base["A1"]["pv"]
    dep = pub_a1["public_efficiency"] + pub_a1["private_efficiency"] + pub_a1["purchase_terms"] + base["A1"]["tax_gain"]
    R.check("R-109 reading 1-1 A1 = -0.2 x participation-dependent benefits (%.2f)" % (-0.2 * dep),
            abs(r_changes["1-1"][0] + 0.2 * dep) < 1e-6)
    # 2-3, 3-1, 3-2: priced net unchanged, non-priced effects lower
    for sid in ("2-3", "3-1", "3-2"):
        for i in range(3):
            R.check("Vedlegg 7 %s %s: priced change 0" % (sid, ALTS[i]), abs(changes[sid][i]) < 1e-9)
        np = [a["nonpriced_change"] for s in s_doc["sensitivities"] if s["id"] == sid for a in s["alternatives"]]
        R.check("Vedlegg 7 %s: non-priced effects lower in every alternative" % sid, all(x < 0 for x in np), np)
    # 2-1 vs 2-2: twice the share cannot give only 1.2 times the change in a linear model
    for i in range(3):
        ratio = SEED_V7["2-2"][i][1] / -abs(SEED_V7["2-1"][i][1])
        R.check("Vedlegg 7 2-2/2-1 %s: seed ratio %.2f, model ratio %.2f" %
                (ALTS[i], ratio, r_changes["2-2"][i] / r_changes["2-1"][i]),
                abs(r_changes["2-2"][i] / r_changes["2-1"][i] - 2) < 1e-9 and abs(ratio - 2) > 0.5)


# ------------------------------------------------------------------ command line

def test_cli_formats(wd):
    p = nytte(MAIN)
    R.check("text output has the present-value table", p.returncode == 0 and "Prissatt nettonytte" in p.stdout, p.stderr)
    R.check("text output has the sensitivity table", "Følsomhet" in p.stdout)
    raw = subprocess.run([ARGS.knute, "nytte", MAIN, "--csv"], capture_output=True,
                         env=knute.child_env(), timeout=60 * knute.SLOW)
    R.check("--csv: RFC 4180 with CRLF line ends", raw.returncode == 0 and b"\r\n" in raw.stdout)
    p = nytte(MAIN, "--csv")
    rows = list(csv.reader(io.StringIO(p.stdout)))
    R.equal("--csv header", rows[0][:2], ["Post", "Ambisjonsnivå 1"])
    net = [r for r in rows if r and r[0] == "Prissatt nettonytte"]
    R.check("--csv net row", net and [rounded(float(x)) for x in net[0][1:4]] == [-89, -116, 3], net)
    p = nytte(MAIN, "--csv", "--sheet", "Følsomhet")
    R.check("--csv --sheet Følsomhet", p.returncode == 0 and p.stdout.startswith("Scenario,Navn"), p.stdout[:80])
    p = nytte(MAIN, "--csv", "--sheet", "9")
    R.equal("--sheet out of range exits 2", p.returncode, 2)
    with open(MAIN, encoding="utf-8") as f:
        p = nytte("-", "--json", input=f.read())
    R.check("- reads the scenario from standard input", p.returncode == 0 and json.loads(p.stdout)["unit"] == "MNOK")
    p = nytte(MAIN, "--json", "--set", "discount_rate=0.02", "--set=scales.participation=0")
    doc = json.loads(p.stdout)
    R.equal("--set discount_rate applied", doc["parameters"]["discount_rate"], 0.02)
    R.equal("--set scales applied", doc["parameters"]["scales"]["participation"], 0.0)


def test_cli_errors(wd):
    bad = os.path.join(wd, "bad.json")
    cases = [
        ("not JSON", "{", "not JSON"),
        ("unknown category", '{"title":"x","first_year":2024,"last_year":2025,"alternatives":[{"id":"A",'
         '"flows":[{"id":"f","category":"magic","years":{"2024":1}}]}]}', "alternatives[0].flows[0].category"),
        ("year outside the period", '{"title":"x","first_year":2024,"last_year":2025,"alternatives":[{"id":"A",'
         '"flows":[{"id":"f","category":"operations","years":{"2026":1}}]}]}', "outside the analysis period"),
        ("negative duration", '{"title":"x","first_year":2024,"last_year":2025,"alternatives":[{"id":"A",'
         '"flows":[{"id":"f","category":"operations","from":2025,"to":2024,"amount":1}]}]}', "negative duration"),
        ("negative period", '{"title":"x","first_year":2025,"last_year":2024,"alternatives":[]}', "negative analysis period"),
        ("discount rate", '{"title":"x","first_year":2024,"last_year":2025,"discount_rate":2,'
         '"alternatives":[{"id":"A","flows":[]}]}', "discount_rate"),
    ]
    for name, text, field in cases:
        with open(bad, "w", encoding="utf-8") as f:
            f.write(text)
        p = nytte(bad)
        R.check("%s: exit 2 naming %r" % (name, field), p.returncode == 2 and field in p.stderr,
                "exit %d, %s" % (p.returncode, p.stderr))
    p = nytte(MAIN, "--set", "discount_rate=abc")
    R.check("bad --set exits 2", p.returncode == 2 and "discount_rate" in p.stderr, p.stderr)
    p = nytte(MAIN, "--set", "nope=1")
    R.check("unknown --set path exits 2", p.returncode == 2 and "unknown parameter" in p.stderr, p.stderr)
    p = nytte(os.path.join(wd, "missing.json"))
    R.equal("missing file exits 2", p.returncode, 2)
    p = nytte()
    R.equal("no FILE exits 2", p.returncode, 2)
    p = nytte(MAIN, "--bogus")
    R.equal("unknown option exits 2", p.returncode, 2)
    p = nytte(MAIN, "--xlsx", os.path.join(wd, "no-such-dir", "x.xlsx"))
    R.check("unwritable --xlsx exits 1 (an I/O failure, not bad input)", p.returncode == 1, p.stderr)


def xlsx_sheet(path, index):
    """Rows of worksheet index (1-based) as lists of strings, via the XML."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        strings = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
                strings.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet%d.xml" % index))
    rows = []
    for row in sheet.iter("{%s}row" % ns["m"]):
        cells = []
        for c in row.findall("m:c", ns):
            v = c.find("m:v", ns)
            text = "" if v is None else v.text
            cells.append(strings[int(text)] if c.get("t") == "s" else text)
        rows.append(cells)
    return rows


def test_xlsx(wd):
    out = os.path.join(wd, "nytte.xlsx")
    p = nytte(MAIN, "--xlsx", out)
    R.check("--xlsx writes the workbook", p.returncode == 0 and os.path.exists(out), p.stderr)
    R.check("no .tmp left behind", not os.path.exists(out + ".tmp"))
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        wb = z.read("xl/workbook.xml").decode()
    R.check("four worksheets", sum(1 for n in names if n.startswith("xl/worksheets/sheet")) == 4, names)
    R.check("sheet names", all(t in wb for t in ("Nåverdier", "Kontantstrøm", "Følsomhet", "Forutsetninger")))
    rows = xlsx_sheet(out, 1)
    R.equal("header row", rows[0][:2], ["Post", "Ambisjonsnivå 1"])
    net = [r for r in rows if r and r[0] == "Prissatt nettonytte"]
    R.check("net row holds numbers", net and [rounded(float(x)) for x in net[0][1:4]] == [-89, -116, 3], net)
    p = subprocess.run(["xlsx2csv", "-n", "Følsomhet", out], capture_output=True, text=True)
    R.check("xlsx2csv reads the sensitivity sheet", p.returncode == 0 and "1-1" in p.stdout, p.stderr[-300:])


def test_sweep_cli():
    p = nytte(MAIN, "--sweep", "10000")
    R.check("--sweep 10000 runs", p.returncode == 0 and "10000 scenarios" in p.stdout, p.stderr)
    R.check("--sweep reports scenarios per second", "scenarios/s" in p.stdout)
    R.equal("--sweep 0 exits 2", nytte(MAIN, "--sweep", "0").returncode, 2)


# ------------------------------------------------------------------ API

def test_api(wd):
    srv = knute.Server(ARGS.knute, wd, web_root=ARGS.web_root)
    srv.cli("demo")
    srv.start()
    try:
        with open(MAIN, encoding="utf-8") as f:
            scenario = json.load(f)
        anon = knute.Client(srv.url)
        r = anon.post("/api/v1/nytte", scenario)
        R.equal("unauthenticated: 401", r.status, 401)
        for user in ("revisor", "operator"):
            c = knute.logged_in(srv.url, user)
            r = c.post("/api/v1/nytte", scenario)
            R.equal("%s may compute: 200" % user, r.status, 200)
        alts = by_id(r.json)
        R.equal("API net equals the seed", [rounded(alts[a]["net"]) for a in ALTS], [-89, -116, 3])
        R.check("API returns the sensitivities", len(r.json["sensitivities"]) == len(scenario["sensitivities"]))
        r = c.post("/api/v1/nytte?format=csv", scenario)
        R.check("?format=csv: text/csv with the table", r.status == 200 and r.content_type == "text/csv"
                and "Prissatt nettonytte" in r.text, r)
        r = c.post("/api/v1/nytte?format=csv&sheet=2", scenario)
        R.check("?format=csv&sheet=2: the yearly flows", r.status == 200 and r.text.startswith("Alternativ,År"), r.text[:60])
        for path in ("/api/v1/nytte?format=xlsx", "/api/v1/nytte/xlsx"):
            r = c.post(path, scenario)
            disp = r.header("Content-Disposition") or ""
            R.check("%s: workbook as attachment" % path, r.status == 200 and r.body[:4] == b"PK\x03\x04"
                    and disp.startswith("attachment") and "spreadsheetml" in r.content_type, r)
        fpath = os.path.join(wd, "api.xlsx")
        with open(fpath, "wb") as f:
            f.write(r.body)
        rows = xlsx_sheet(fpath, 1)
        R.check("API workbook opens and holds the table", any(x and x[0] == "Prissatt nettonytte" for x in rows))
        bad = json.loads(json.dumps(scenario))
        bad["alternatives"][0]["flows"][0]["category"] = "magic"
        r = c.post("/api/v1/nytte", bad)
        R.check("unknown category: 400 problem naming the field", r.status == 400
                and r.content_type == "application/problem+json"
                and "alternatives[0].flows[0].category" in r.json.get("detail", ""), r)
        bad = json.loads(json.dumps(scenario))
        bad["discount_rate"] = -0.5
        r = c.post("/api/v1/nytte", bad)
        R.check("discount rate out of range: 400", r.status == 400 and "discount_rate" in r.json.get("detail", ""), r)
        bad = json.loads(json.dumps(scenario))
        bad["alternatives"][0]["flows"][0]["years"] = {"2040": 1}
        r = c.post("/api/v1/nytte", bad)
        R.check("year outside the period: 400", r.status == 400 and "outside the analysis period" in r.json.get("detail", ""), r)
        r = c.post("/api/v1/nytte?format=pdf", scenario)
        R.check("?format=pdf: 400 naming the parameter", r.status == 400 and "format" in r.json.get("detail", ""), r)
        r = c.post("/api/v1/nytte?format=csv&sheet=99", scenario)
        R.equal("?sheet out of range: 400", r.status, 400)
    finally:
        srv.stop()


def main():
    global R, ARGS, MAIN, TABLE4
    ARGS = knute.parse_args("R-109 cost-benefit suite")
    R = knute.Results(ARGS.only)
    MAIN = example("helseteknologiordning.json")
    TABLE4 = example("helseteknologiordning-tabell4.json")
    with knute.Workdir("nytte", keep=ARGS.keep) as wd:
        R.run("seed Table 3", test_table3)
        R.run("seed Table 10", test_table10)
        R.run("seed Table 4", test_table4)
        R.run("seed text figures", test_text_figures)
        R.run("seed tax-cost reading", test_tax_cost_reading)
        R.run("seed break-even", test_break_even)
        R.run("seed Vedlegg 7", test_vedlegg7)
        R.run("cli formats", test_cli_formats, wd.path)
        R.run("cli errors", test_cli_errors, wd.path)
        R.run("xlsx", test_xlsx, wd.path)
        R.run("sweep", test_sweep_cli)
        R.run("api", test_api, wd.path)
        rc = R.summary()
        wd.failed = rc != 0
    sys.exit(rc)


if __name__ == "__main__":
    main()
