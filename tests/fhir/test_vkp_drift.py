#!/usr/bin/env python3
"""test_vkp_drift.py - the VKP rules compiled into knute cannot drift from the
package: every constraint in every StructureDefinition differential of
../shared/vkp/VKP-R4 (min >= 1, a stated max, fixed[x], pattern[x], a
required binding) must

  (a) be in `knute validate --rules` with the package's value, or carry an
      override that names its section of docs/vkp-conformance.md, and
  (b) be enforced: a valid instance of the profile from tests/fhir/vkp/valid
      is mutated to break just that constraint (element removed, one over
      max, fixed/pattern value changed, a code outside the value set) and
      `knute validate --json --profile URL FILE` must report an error at the
      element's path.

The package is read here, independently of tools/gen_vkp_rules.py. Slice
membership is decided here too: an instance belongs to a slice when it has
the slice's fixed and pattern values (for a choice, when it has the slice's
type; for an extension, when it has the extension's url). A constraint that
decides membership of a slice which may be empty in open slicing cannot be
broken (the instance just leaves the slice); those, and the few others that
cannot be mutated, are listed in UNMUTATABLE below with the reason, and in
docs/vkp-conformance.md. If ../shared/vkp is missing the test fails.

    test_vkp_drift.py --knute BIN --source-dir DIR [--package DIR]
Prints "N passed, M failed" last. Python 3 standard library only.
"""

import copy
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import knute  # noqa: E402

NS = "{http://hl7.org/fhir}"
HOSTS = ("http://ehelse.no/fhir/StructureDefinition/", "http://hl7.no/fhir/StructureDefinition/")
SPELLINGS = {"vkp-QuestionnaireResponse-v090": "vkp-QuestionnaireReponse-v090",
             "vkp-Observation-BloodPressure-v090": "vkp-Observation-Bloodpressure-v090"}
UNKNOWN_CODE = "knute-drift-unknown"

# (profile name part, element id, kind) -> why it cannot be broken by a mutation
OPTIONAL_OPEN = "identifies an optional slice of open slicing: an instance without it is simply not in the slice"
EXT_URL = ("the url is the extension's identity: another url is another extension (checked where the "
           "extension is sliced closed, e.g. vkp-Address)")
NO_VS = "the value set is not in the package and Knute defines none: nothing to check codes against"
UNMUTATABLE = {
    ("vkp-Observation-v090", "Observation.code.coding:LOINC.system", "min"): OPTIONAL_OPEN,
    ("vkp-Observation-v090", "Observation.code.coding:LOINC.system", "pattern"): OPTIONAL_OPEN,
    ("vkp-Observation-v090", "Observation.code.coding:SCT.system", "min"): OPTIONAL_OPEN,
    ("vkp-Observation-v090", "Observation.code.coding:SCT.system", "pattern"): OPTIONAL_OPEN,
    ("vkp-Observation-Bloodpressure-v090", "Observation.code.coding:BPSCTCode.system", "min"): OPTIONAL_OPEN,
    ("vkp-Observation-Bloodpressure-v090", "Observation.code.coding:BPSCTCode.system", "pattern"): OPTIONAL_OPEN,
    ("vkp-Observation-Bloodpressure-v090", "Observation.code.coding:BPSCTCode.code", "min"): OPTIONAL_OPEN,
    ("vkp-Observation-Bloodpressure-v090", "Observation.code.coding:BPSCTCode.code", "pattern"): OPTIONAL_OPEN,
    ("vkp-Observation-Bloodpressure-v090", "Observation.bodySite", "binding"): NO_VS,
    ("vkp-Observation-Bloodpressure-v090", "Observation.bodySite.coding", "binding"): NO_VS,
    ("vkp-Observation-Bloodpressure-v090", "Observation.bodySite.coding.system", "binding"): NO_VS,
    ("vkp-Observation-Bloodpressure-v090", "Observation.method", "binding"): NO_VS,
    ("vkp-Observation-Bloodpressure-v090", "Observation.method.coding", "binding"): NO_VS,
    ("vkp-Observation-Bloodpressure-v090", "Observation.method.coding.system", "binding"): NO_VS,
    ("vkp-digital-Encounter-v090", "Encounter.classHistory.class", "binding"):
        "the binding names no value set at all",
}
for _p, _s in (("Bodytemp", "BodyTempSCTCode"), ("Bodyweight", "BodyWeightSCTCode"),
               ("Heartrate", "HeartrateSCTCode"), ("Oxygensat", "OXSATSCT")):
    for _e in ("system", "code"):
        for _k in ("min", "pattern"):
            UNMUTATABLE[("vkp-Observation-%s-v090" % _p, "Observation.code.coding:%s.%s" % (_s, _e), _k)] = OPTIONAL_OPEN
for _s in ("Systolic", "Diastolic"):
    _c = "S" if _s == "Systolic" else "D"
    for _e in ("system", "code"):
        for _k in ("min", "fixed"):
            UNMUTATABLE[("vkp-Observation-Bloodpressure-v090",
                         "Observation.component:%sBP.code.coding:%sBPSCTCode.%s" % (_s, _c, _e), _k)] = OPTIONAL_OPEN
# (vkp-elock and iso21090-ADXP-additionalLocator are used where extensions are
# sliced closed, vkp-Address, so a changed url is an error there and is tested)
for _x in ("vkp-annotation-v090", "vkp-detailheader-v090", "vkp-deviceReference-v090", "vkp-displayURL-v090",
           "vkp-encounterDevice-v090", "vkp-household-v090", "VkpMedicationDispenseDevice-v090",
           "vkp-severity-level-v090", "vkp-sone-v090"):
    UNMUTATABLE[(_x, "Extension.url", "fixed")] = EXT_URL
for _x in ("vkp-encounterDevice-v090", "VkpMedicationDispenseDevice-v090"):
    for _s in ("typeName", "location"):
        UNMUTATABLE[(_x, "Extension.extension:%s.url" % _s, "fixed")] = OPTIONAL_OPEN


# ---------------------------------------------------------------- reading the package

def xml_elem(e):
    out = {"id": e.get("id")}
    for c in e:
        tag = c.tag[len(NS):]
        v = c.get("value")
        if tag == "min":
            out["min"] = int(v)
        elif tag in ("max", "sliceName"):
            out[tag] = v
        elif tag.startswith(("fixed", "pattern")):
            out[tag] = v if tag[-3:] not in ("ger", "mal", "ean") else json.loads(v)
        elif tag == "binding":
            s = c.find(NS + "strength")
            vs = c.find(NS + "valueSet")
            out["binding"] = {"strength": s.get("value") if s is not None else None,
                              "valueSet": vs.get("value") if vs is not None else None}
        elif tag == "slicing":
            r = c.find(NS + "rules")
            out["slicing"] = {"rules": r.get("value") if r is not None else "open",
                              "discriminator": [{"type": d.find(NS + "type").get("value"),
                                                 "path": d.find(NS + "path").get("value")}
                                                for d in c.findall(NS + "discriminator")]}
        elif tag == "type":
            t = {"code": c.find(NS + "code").get("value"),
                 "profile": [p.get("value") for p in c.findall(NS + "profile")]}
            out.setdefault("type", []).append(t)
    return out


def read_sd(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            sd = json.load(f)
        if sd.get("resourceType") != "StructureDefinition":
            return None
        return {"url": sd["url"], "type": sd["type"], "file": os.path.basename(path),
                "differential": sd.get("differential", {}).get("element", []),
                "snapshot": sd.get("snapshot", {}).get("element", [])}
    root = ET.parse(path).getroot()
    if root.tag != NS + "StructureDefinition":
        return None
    get = lambda tag: root.find(NS + tag).get("value")  # noqa: E731
    diff = root.find(NS + "differential")
    snap = root.find(NS + "snapshot")
    return {"url": get("url"), "type": get("type"), "file": os.path.basename(path),
            "differential": [xml_elem(e) for e in diff.findall(NS + "element")] if diff is not None else [],
            "snapshot": [xml_elem(e) for e in snap.findall(NS + "element")] if snap is not None else []}


def name_of(url):
    for h in HOSTS:
        if url.startswith(h):
            n = url[len(h):]
            return SPELLINGS.get(n, n)
    return url


def constraints(sd):
    """(element, kind, value) for every constraint the differential states."""
    out = []
    for e in sd["differential"]:
        if e.get("min", 0) >= 1:
            out.append((e, "min", e["min"]))
        if "max" in e:
            out.append((e, "max", e["max"]))
        for k in e:
            if k.startswith("fixed"):
                out.append((e, "fixed", e[k]))
            elif k.startswith("pattern"):
                out.append((e, "pattern", e[k]))
        if e.get("binding", {}).get("strength") == "required":
            out.append((e, "binding", e["binding"].get("valueSet")))
    return out


# ---------------------------------------------------------------- element ids and instances

def segments(eid):
    """'A.b:s.c[x]' -> [('b', 's'), ('c[x]', None)] (the root is dropped)."""
    out = []
    for seg in eid.split(".")[1:]:
        name, _, sl = seg.partition(":")
        out.append((name, sl or None))
    return out


def choice_key(obj, name):
    prefix = name[:-3]
    for k in obj:
        if k.startswith(prefix) and len(k) > len(prefix) and k[len(prefix)].isupper():
            return k
    return None


class Inst:
    """One instance of an element: its value, where it is in the file (a list
    of keys and indexes) and its FHIRPath expression."""

    def __init__(self, value, where, expr):
        self.value, self.where, self.expr = value, where, expr


class Profile:
    def __init__(self, sd, all_sds):
        self.sd = sd
        self.url = sd["url"]
        self.name = name_of(sd["url"])
        self.elems = {}
        for e in sd["snapshot"] + sd["differential"]:     # differential wins
            self.elems.setdefault(e["id"], {}).update(e)
        self.all = all_sds

    def elem(self, eid):
        return self.elems.get(eid, {})

    def slice_min(self, sid):
        return self.elem(sid).get("min", 0)

    def slicing_of(self, base_id):
        return self.elem(base_id).get("slicing")

    def identifying(self, sid):
        """(relative path, value) pairs an instance of slice sid must have."""
        out = []
        for eid, e in self.elems.items():
            if not eid.startswith(sid + "."):
                continue
            rel = eid[len(sid) + 1:]
            # descendants under a nested optional slice do not identify
            skip = False
            acc = sid
            for part in rel.split(".")[:-1]:
                acc += "." + part
                if ":" in part and self.slice_min(acc) < 1:
                    skip = True
            if skip:
                continue
            for k, v in e.items():
                if k.startswith(("fixed", "pattern")):
                    out.append(([seg.split(":")[0] for seg in rel.split(".")], v))
        return out

    def member(self, value, base_id, sl, key=None):
        """Is value (found under key) an instance of slice sl of base_id?"""
        sid = base_id + ":" + sl
        if base_id.endswith("[x]"):
            return key == sl
        e = self.elem(sid)
        for t in e.get("type", []):
            for p in t.get("profile", []):
                if t["code"] == "Extension":
                    return isinstance(value, dict) and name_of(value.get("url", "")) == name_of(p)
        ident = self.identifying(sid)
        if not ident:
            return None     # nothing says what belongs to this slice
        return all(has_value(value, path, want) for path, want in ident)


def has_value(v, path, want):
    if isinstance(v, list):
        return any(has_value(x, path, want) for x in v)
    if not path:
        return v == want
    if not isinstance(v, dict):
        return False
    key = choice_key(v, path[0]) if path[0].endswith("[x]") else path[0]
    return has_value(v.get(key), path[1:], want)


def children(obj, name, where, expr):
    """The instances of member name of obj (a choice by its type); arrays fan out."""
    if not isinstance(obj, dict):
        return []
    key = choice_key(obj, name) if name.endswith("[x]") else name
    if key is None or key not in obj:
        return []
    v = obj[key]
    if isinstance(v, list):
        return [Inst(x, where + [key, i], "%s.%s[%d]" % (expr, key, i)) for i, x in enumerate(v)]
    return [Inst(v, where + [key], "%s.%s" % (expr, key))]


def companion(root, inst):
    """The "_name" object holding id/extension of a primitive instance."""
    where = list(inst.where)
    idx = where.pop() if isinstance(where[-1], int) else None
    key = where.pop()
    parent = get_at(root, where)
    comp = parent.get("_" + key) if isinstance(parent, dict) else None
    if idx is not None and isinstance(comp, list):
        comp = comp[idx] if idx < len(comp) else None
    return comp, where + ["_" + key] + ([idx] if idx is not None else [])


def get_at(root, where):
    v = root
    for k in where:
        v = v[k]
    return v


def resolve(prof, root, start, eid):
    """Instances of element eid under the instance start. Returns
    (instances, parents) where parents are the instances of the element's
    parent (so a missing element has a place)."""
    segs = segments(eid)
    cur = [start]
    base_id = eid.split(".")[0]
    parents = cur
    for depth, (name, sl) in enumerate(segs):
        parents = cur
        nxt = []
        for inst in cur:
            obj, where = inst.value, inst.where
            if not isinstance(obj, dict):
                comp, cwhere = companion(root, inst)
                obj, where = comp, cwhere
            for c in children(obj, name, where, inst.expr):
                key = c.where[-1] if not isinstance(c.where[-1], int) else c.where[-2]
                if sl is None or prof.member(c.value, base_id + "." + name, sl, key):
                    nxt.append(c)
        base_id += "." + name + (":" + sl if sl else "")
        cur = nxt
    return cur, parents


# ---------------------------------------------------------------- base instances in the corpus

def corpus_instances(corpus_dir):
    """(file, root json, resource instance, resource) for every resource of
    every valid file the manifest checks in the test environment; standalone
    resources first."""
    with open(os.path.join(corpus_dir, "cases.json"), encoding="utf-8") as fh:
        cases = json.load(fh)["cases"]
    test_valid = {c["file"][len("valid/"):] for c in cases
                  if c["valid"] and c["environment"] == "test" and c["file"].startswith("valid/")}
    valid_dir = os.path.join(corpus_dir, "valid")
    out = []
    for f in sorted(os.listdir(valid_dir), key=lambda n: (n.startswith("msg-"), n)):
        if f not in test_valid:
            continue
        with open(os.path.join(valid_dir, f), encoding="utf-8") as fh:
            root = json.load(fh)
        if root.get("resourceType") == "Bundle":
            for i, e in enumerate(root.get("entry", [])):
                r = e["resource"]
                out.append((f, root, Inst(r, ["entry", i, "resource"], "Bundle.entry[%d].resource" % i), r))
        else:
            out.append((f, root, Inst(root, [], root["resourceType"]), root))
    return out


def extension_instances(root, v, where, expr, url_name, out):
    if isinstance(v, dict):
        for k, x in v.items():
            name = k[1:] if k.startswith("_") else k
            if k in ("extension", "modifierExtension") and isinstance(x, list):
                for i, ext in enumerate(x):
                    if isinstance(ext, dict) and name_of(ext.get("url", "")) == url_name:
                        out.append(Inst(ext, where + [k, i], "%s.%s[%d]" % (expr, k, i)))
            if isinstance(x, list):
                for i, y in enumerate(x):
                    extension_instances(root, y, where + [k, i], "%s.%s[%d]" % (expr, name, i), url_name, out)
            else:
                extension_instances(root, x, where + [k], "%s.%s" % (expr, name), url_name, out)


def bases_for(prof, corpus, profiles):
    """(file, root, instance) for the profile: resources that claim it, the
    extensions with its url, or the data-type elements that use it."""
    out = []
    if prof.sd["type"] == "Extension":
        for f, root, res, _ in corpus:
            found = []
            extension_instances(root, res.value, res.where, res.expr, prof.name, found)
            out += [(f, root, x) for x in found]
        return out
    for f, root, res, r in corpus:
        claimed = [name_of(p) for p in r.get("meta", {}).get("profile", [])]
        if prof.name in claimed:
            out.append((f, root, res))
    if out:
        return out
    for other in profiles.values():         # a data-type profile: where is it used?
        for e in other.sd["differential"]:
            for t in e.get("type", []):
                if any(name_of(p) == prof.name for p in t.get("profile", [])):
                    for f, root, res, r in corpus:
                        if other.name in [name_of(p) for p in r.get("meta", {}).get("profile", [])]:
                            found, _ = resolve(other, root, res, e["id"])
                            out += [(f, root, x) for x in found]
    return out


# ---------------------------------------------------------------- running knute

class Runner:
    def __init__(self, args, work):
        self.knute, self.work, self.n = args.knute, work, 0

    def validate(self, obj, profile):
        self.n += 1
        path = os.path.join(self.work, "m%04d.json" % self.n)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False)
        p = subprocess.run([self.knute, "validate", "--json", "--profile", profile, path],
                           capture_output=True, text=True, timeout=60 * knute.SLOW,
                           env=knute.child_env({"KNUTE_ENVIRONMENT": "test"}), cwd=self.work)
        try:
            oo = json.loads(p.stdout)
        except ValueError:
            return None, "not JSON: %r %r" % (p.stdout[:200], p.stderr[:200])
        return [(i["severity"], (i.get("expression") or [None])[0]) for i in oo.get("issue", [])], None

    def errors_at(self, obj, profile):
        issues, err = self.validate(obj, profile)
        if issues is None:
            return None, err
        return {e for s, e in issues if s in ("error", "fatal")}, None


# ---------------------------------------------------------------- mutations

def set_at(root, where, value):
    get_at(root, where[:-1])[where[-1]] = value


def delete_at(root, where):
    parent = get_at(root, where[:-1])
    del parent[where[-1]]
    if isinstance(parent, list) and not parent:
        grand = get_at(root, where[:-2])
        del grand[where[-2]]


def changed(v):
    if isinstance(v, str):
        return v + "-knute-drift"
    if isinstance(v, bool):
        return not v
    if isinstance(v, (int, float)):
        return v + 1
    return {"knute": "drift"}


def unknown_code(v):
    """A code outside any value set: unknown system and code."""
    if isinstance(v, str):
        return "urn:knute:" + UNKNOWN_CODE
    v = copy.deepcopy(v)
    for c in v["coding"] if "coding" in v else [v]:
        c["system"] = "urn:knute:drift"
        c["code"] = UNKNOWN_CODE
    return v


def slice_context(eid):
    """For an element inside slices: [(sliced element id, slice id)] from the
    innermost slice out."""
    out = []
    parts = eid.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if ":" in parts[i]:
            base = ".".join(parts[:i] + [parts[i].split(":")[0]])
            out.append((base, ".".join(parts[:i + 1])))
    return out


def add_one(prof, eid, parent, root):
    """Mutation that adds one more instance of element eid under parent."""
    name, sl = segments(eid)[-1]
    obj = parent.value if isinstance(parent.value, dict) else None
    if obj is None:
        return None
    if name.endswith("[x]"):
        key = choice_key(obj, name)
        if key is None:
            set_at(root, parent.where + [name[:-3] + "String"], "knute-drift")
            return parent.expr + "." + name[:-3] + "String"
        return None
    cur = obj.get(name)
    if isinstance(cur, list):
        base_id = eid.rsplit(":", 1)[0] if sl else eid
        members = [x for x in cur if sl is None or prof.member(x, base_id, sl, name)]
        if not members:
            return None
        pick = members[0]
        cur.append(copy.deepcopy(pick))
        return parent.expr + "." + name
    if cur is None:
        samples = {"reference": "Organization/knute-drift",
                   "extension": [{"url": "http://example.org/knute-drift", "valueString": "x"}]}
        if name not in samples:
            return None
        set_at(root, parent.where + [name], samples[name])
        return parent.expr + "." + name
    return None


class Drift:
    def __init__(self, args, results, runner, profiles, corpus, dump, docs):
        self.args, self.r, self.run = args, results, runner
        self.profiles, self.corpus, self.dump, self.docs = profiles, corpus, dump, docs
        self.checked = self.skipped = 0

    # (a) the rule is in the dump
    def in_dump(self, prof, e, kind, value):
        d = self.dump.get(prof.url, {})
        elems = [x for x in d.get("elements", []) if x["path"] == e["id"]]
        label = "%s %s %s" % (prof.name, e["id"], kind)
        if not self.r.check(label + ": in --rules", elems, "no element %s in the dump" % e["id"]):
            return None
        x = elems[0]
        over = x.get("override")
        if over:
            self.r.check(label + ": override documented", 'id="%s"' % over["doc"] in self.docs,
                         "docs/vkp-conformance.md has no anchor %s" % over["doc"])
        if kind == "min":
            self.r.equal(label + ": min", x.get("min"), value)
        elif kind == "max":
            self.r.equal(label + ": max", x.get("max"), value)
        elif kind in ("fixed", "pattern"):
            if over and over.get("field") == kind:
                self.r.equal(label + ": package value kept in override", over.get("packageValue"), value)
            else:
                self.r.equal(label + ": " + kind, x.get(kind), value)
        elif kind == "binding":
            b = x.get("binding", {})
            self.r.equal(label + ": strength", b.get("strength"), "required")
            if over and over.get("field") == "valueSet":
                self.r.equal(label + ": package value set kept", over.get("packageValue"), value)
            else:
                self.r.equal(label + ": value set", (b.get("valueSet") or "").split("|")[0],
                             (value or "").split("|")[0])
        return x

    # (b) the rule is enforced
    def enforced(self, prof, e, kind, value, dumped):
        key = (prof.name, e["id"], kind)
        label = "%s %s %s" % (prof.name, e["id"], kind)
        if key in UNMUTATABLE:
            self.skipped += 1
            self.r.check(label + ": listed in docs as not mutatable", e["id"] in self.docs,
                         "docs/vkp-conformance.md does not name %s" % e["id"])
            return
        if kind == "max" and value == "*":
            return  # no upper bound to break
        if kind == "binding" and dumped and not dumped.get("binding", {}).get("resolved"):
            self.r.check(label + ": binding resolvable", False, "value set %s is not compiled" % value)
            return
        eid = dumped.get("effectivePath", e["id"]) if dumped else e["id"]
        for f, root, base in bases_for(prof, self.corpus, self.profiles):
            outcome = self.try_base(prof, eid, kind, value, f, root, base)
            if outcome is not None:
                ok, detail = outcome
                self.checked += 1
                self.r.check(label + ": enforced (%s)" % f, ok, detail)
                return
        self.r.check(label + ": a base instance in tests/fhir/vkp/valid has the element", False,
                     "no valid corpus instance of %s has the parent of %s" % (prof.url, eid))

    def try_base(self, prof, eid, kind, value, f, root, base):
        root = copy.deepcopy(root)
        base = Inst(get_at(root, base.where), base.where, base.expr)
        insts, parents = resolve(prof, root, base, eid)
        if not parents:
            return None
        name, _ = segments(eid)[-1]
        expect = set()
        before = copy.deepcopy(root)
        if kind == "min":
            if not insts:
                return None
            for i in sorted(insts, key=lambda x: x.where, reverse=True):
                delete_at(root, i.where)
            p = parents[0].expr
            expect |= {p + "." + name, p + "." + name.replace("[x]", "")}
        elif kind == "max":
            if int(value) == 0:
                where = add_one(prof, eid, parents[0], root)
            elif insts:
                where = add_one(prof, eid, parents[0], root)
            else:
                return None
            if where is None:
                return None
            expect |= {where, "%s[%s]" % (where, value)}
        elif kind in ("fixed", "pattern"):
            if not insts:
                return None
            set_at(root, insts[0].where, changed(insts[0].value))
            expect.add(insts[0].expr)
            if prof.sd["type"] == "Extension" and eid == "Extension.url":
                expect.add(base.expr)   # now another extension: wrong where extensions are sliced closed
        elif kind == "binding":
            if not insts:
                return None
            set_at(root, insts[0].where, unknown_code(insts[0].value))
            expect.add(insts[0].expr)
        expect |= self.slice_losses(prof, eid, before, root, base)
        errors, err = self.run.errors_at(root, prof.url)
        if errors is None:
            return False, err
        base_errors, _ = self.run.errors_at(before, prof.url)
        if base_errors:
            return False, "the base instance is not valid: %s" % sorted(base_errors)
        return bool(errors & expect), "expected an error at one of %s, got %s" % (sorted(expect), sorted(errors))

    def slice_losses(self, prof, eid, before, after, base):
        """Where an error is due when the mutation took an instance out of a
        slice it belonged to: at the sliced instance when slicing is closed,
        at the sliced element when the slice must have members."""
        out = set()
        for base_id, sid in slice_context(eid):
            sl = sid.rsplit(":", 1)[1]
            b_before, parents = resolve(prof, before, Inst(get_at(before, base.where), base.where, base.expr), base_id)
            b_after, _ = resolve(prof, after, Inst(get_at(after, base.where), base.where, base.expr), base_id)
            key = lambda i: i.where[-1] if not isinstance(i.where[-1], int) else i.where[-2]  # noqa: E731
            was = [i for i in b_before if prof.member(i.value, base_id, sl, key(i))]
            now = [i for i in b_after if prof.member(i.value, base_id, sl, key(i))]
            if len(now) < len(was):
                slicing = prof.slicing_of(base_id) or {}
                if slicing.get("rules") == "closed":
                    out |= {i.expr for i in b_after}
                if prof.slice_min(sid) > len(now):
                    name = segments(base_id)[-1][0]
                    out |= {p.expr + "." + name for p in parents}
        return out


def load_profiles(package):
    sds = {}
    for f in sorted(os.listdir(os.path.join(package, "StructureDefinition"))):
        sd = read_sd(os.path.join(package, "StructureDefinition", f))
        if sd:
            sds[sd["url"]] = sd
    return {url: Profile(sd, sds) for url, sd in sds.items()}


def main():
    args = knute.parse_args("VKP rules drift test",
                            lambda p: p.add_argument("--package", default="", help="VKP-R4 folder"))
    package = args.package or os.path.normpath(os.path.join(args.source_dir, "..", "shared", "vkp", "VKP-R4"))
    results = knute.Results(args.only)
    if not results.check("the VKP package is at %s" % package, os.path.isdir(os.path.join(package, "StructureDefinition"))):
        return results.summary()
    with open(os.path.join(args.source_dir, "docs", "vkp-conformance.md"), encoding="utf-8") as f:
        docs = f.read()
    gen = subprocess.run([sys.executable, os.path.join(args.source_dir, "tools", "gen_vkp_rules.py"),
                          "--check", "--package", package], capture_output=True, text=True, timeout=120)
    results.check("src/vkp/vkp_rules_gen.c is what tools/gen_vkp_rules.py writes from the package",
                  gen.returncode == 0, gen.stdout + gen.stderr)
    p = subprocess.run([args.knute, "validate", "--rules"], capture_output=True, text=True,
                       env=knute.child_env(), timeout=60)
    dump = {x["url"]: x for x in json.loads(p.stdout)["profiles"]}
    profiles = load_profiles(package)
    corpus = corpus_instances(os.path.join(args.source_dir, "tests", "fhir", "vkp"))
    total = 0
    with knute.Workdir("vkp-drift", keep=args.keep) as wd:
        drift = Drift(args, results, Runner(args, wd.path), profiles, corpus, dump, docs)
        for url in sorted(profiles):
            prof = profiles[url]
            cons = constraints(prof.sd)

            def run_profile(prof=prof, cons=cons):
                for e, kind, value in cons:
                    dumped = drift.in_dump(prof, e, kind, value)
                    drift.enforced(prof, e, kind, value, dumped)
            total += len(cons)
            results.run(prof.name, run_profile)
        listed = {k for k in UNMUTATABLE}
        known = {(pr.name, e["id"], k) for pr in profiles.values() for e, k, _ in constraints(pr.sd)}
        results.check("every UNMUTATABLE entry is a constraint of the package", listed <= known,
                      "stale: %s" % sorted(listed - known))
        print("%d constraints in %d profiles: %d mutated and enforced-checked, %d not mutatable (listed), "
              "%d with no upper bound" % (total, len(profiles), drift.checked, drift.skipped,
                                          sum(1 for pr in profiles.values() for _, k, v in constraints(pr.sd)
                                              if k == "max" and v == "*")))
        if results.failed:
            wd.failed = True
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())
