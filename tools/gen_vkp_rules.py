#!/usr/bin/env python3
"""gen_vkp_rules.py - compile the VKP FHIR R4 package into C tables.

Reads ../shared/vkp/VKP-R4 (StructureDefinitions in XML and JSON, CodeSystems,
ValueSets, the MessageDefinition and the CapabilityStatement) and writes
src/vkp/vkp_rules_gen.c: the constrained elements of every profile and
extension, the code systems with codes and displays, the value sets expanded
to codes, the message event focus list and the profile URLs the package names
without defining. The file is committed, so Knute needs no package at run
time; src/vkp/vkp_rules.c builds the rule trees from these tables once.

This script copies what the package says and decides nothing: every hand
decision about a defect of the package lives in src/vkp/vkp_overrides.c and
is explained in docs/vkp-conformance.md.

Which elements are taken:
  * from each differential, every element that constrains something (min,
    max, fixed[x], pattern[x], a binding, slicing, a slice, a type
    restriction or a type profile);
  * from a snapshot, where the package ships one (the blood-pressure profile),
    what the differential depends on and the base vital-sign profile adds:
    each differential element completed with what its snapshot element
    states and the differential does not (a slice's min, the slicing);
    slicing and slices (except the url slicing every extension element
    carries), everything constrained inside a slice, fixed and pattern
    values, max 0, and the minimum cardinalities of the resource's own
    elements.

Usage: tools/gen_vkp_rules.py [--package DIR] [--out FILE] [--check]
  --check  exit 1 when FILE differs from what would be written.
Python 3 standard library only.
"""

import argparse
import glob
import json
import os
import sys
import xml.etree.ElementTree as ET

NS = "{http://hl7.org/fhir}"
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, ".."))
DEFAULT_PACKAGE = os.path.normpath(os.path.join(SOURCE, "..", "shared", "vkp", "VKP-R4"))
DEFAULT_OUT = os.path.join(SOURCE, "src", "vkp", "vkp_rules_gen.c")

STRENGTHS = {"required": "VKP_BIND_REQUIRED", "extensible": "VKP_BIND_EXTENSIBLE",
             "preferred": "VKP_BIND_PREFERRED", "example": "VKP_BIND_EXAMPLE"}
SLICE_RULES = {"open": "VKP_SLICE_OPEN", "closed": "VKP_SLICE_CLOSED",
               "openAtEnd": "VKP_SLICE_OPEN_AT_END"}
NUMERIC = ("Integer", "Decimal", "PositiveInt", "UnsignedInt")


# ---------------------------------------------------------------- reading

def xval(e, tag):
    x = e.find(NS + tag)
    return None if x is None else x.get("value")


def xml_primitive(kind, text):
    """A fixed/pattern primitive from XML as its JSON value."""
    if kind == "Boolean":
        return text == "true"
    if kind in NUMERIC:
        return json.loads(text)
    return text


def xml_element(e):
    """One ElementDefinition from XML as the JSON form."""
    out = {"id": e.get("id"), "path": xval(e, "path")}
    for c in e:
        tag = c.tag[len(NS):]
        if tag in ("min",):
            out["min"] = int(c.get("value"))
        elif tag in ("max", "sliceName"):
            out[tag] = c.get("value")
        elif tag.startswith("fixed") or tag.startswith("pattern"):
            if c.get("value") is None:
                sys.exit("gen_vkp_rules: complex %s in XML element %s is not supported" % (tag, out["id"]))
            kind = tag[5:] if tag.startswith("fixed") else tag[7:]
            out[tag] = xml_primitive(kind, c.get("value"))
        elif tag == "binding":
            b = {"strength": xval(c, "strength")}
            vs = xval(c, "valueSet")
            if vs is None:
                ref = c.find(NS + "valueSetReference")
                vs = xval(ref, "reference") if ref is not None else xval(c, "valueSetUri")
            if vs is not None:
                b["valueSet"] = vs
            out["binding"] = b
        elif tag == "slicing":
            out["slicing"] = {
                "discriminator": [{"type": xval(d, "type"), "path": xval(d, "path")}
                                  for d in c.findall(NS + "discriminator")],
                "rules": xval(c, "rules"),
                "description": xval(c, "description"),
            }
        elif tag == "type":
            t = {"code": xval(c, "code")}
            prof = [p.get("value") for p in c.findall(NS + "profile")]
            if prof:
                t["profile"] = prof
            tp = [p.get("value") for p in c.findall(NS + "targetProfile")]
            if tp:
                t["targetProfile"] = tp
            out.setdefault("type", []).append(t)
    return out


def read_sd_xml(path):
    r = ET.parse(path).getroot()
    if r.tag != NS + "StructureDefinition":
        return None
    sd = {k: xval(r, k) for k in ("url", "name", "type", "kind", "baseDefinition", "derivation")}
    for part in ("differential", "snapshot"):
        d = r.find(NS + part)
        if d is not None:
            sd[part] = {"element": [xml_element(e) for e in d.findall(NS + "element")]}
    return sd


def read_sd(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            sd = json.load(f)
        return sd if sd.get("resourceType") == "StructureDefinition" else None
    return read_sd_xml(path)


def read_codesystem(path):
    r = ET.parse(path).getroot()
    concepts = []

    def walk(e):
        for c in e.findall(NS + "concept"):
            concepts.append((xval(c, "code"), xval(c, "display") or ""))
            walk(c)
    walk(r)
    return {"url": xval(r, "url"), "name": xval(r, "name"), "concepts": concepts,
            "file": rel(path)}


def read_valueset(path):
    r = ET.parse(path).getroot()
    includes = []
    compose = r.find(NS + "compose")
    for inc in (compose.findall(NS + "include") if compose is not None else []):
        includes.append({"system": xval(inc, "system"),
                         "concepts": [xval(c, "code") for c in inc.findall(NS + "concept")]})
    return {"url": xval(r, "url"), "name": xval(r, "name"), "includes": includes, "file": rel(path)}


def read_messagedefinition(path):
    """Event and focus list. The package writes each focus code as an XML id
    attribute (<code id="Composition"/>) instead of a value; both are read."""
    r = ET.parse(path).getroot()
    ev = r.find(NS + "event")
    focus = []
    for f in r.findall(NS + "focus"):
        code = f.find(NS + "code")
        name = code.get("value") or code.get("id")
        prof = f.find(NS + "profile")
        focus.append({"code": name,
                      "profile": xval(prof, "reference") if prof is not None else None,
                      "min": int(xval(f, "min") or 0),
                      "max": xval(f, "max") or "*"})
    return {"title": xval(r, "title"), "url": xval(r, "url"),
            "system": xval(ev, "system"), "code": xval(ev, "code"), "focus": focus,
            "file": rel(path)}


def read_capability_profiles(path):
    r = ET.parse(path).getroot()
    out = []
    for res in r.iter(NS + "resource"):
        prof = res.find(NS + "profile")
        if prof is not None:
            out.append((xval(res, "type"), xval(prof, "reference")))
    return out


PACKAGE = DEFAULT_PACKAGE


def rel(path):
    return os.path.relpath(path, PACKAGE)


# ---------------------------------------------------------------- selection

def constrains(e):
    """True when an ElementDefinition constrains something Knute enforces or reports."""
    if "sliceName" in e or "slicing" in e or "binding" in e:
        return True
    if e.get("min", 0) >= 1 or "max" in e:
        return True
    if any(k.startswith(("fixed", "pattern")) for k in e):
        return True
    for t in e.get("type", []):
        if t.get("profile"):
            return True
    return e["id"].split(".")[-1].split(":")[0].endswith("[x]") and "type" in e


def boilerplate_slicing(e):
    """The url slicing FHIR puts on every extension element: adds nothing."""
    s = e.get("slicing")
    last = e["id"].split(".")[-1]
    return (s and last in ("extension", "modifierExtension") and s.get("rules") == "open"
            and [d.get("path") for d in s.get("discriminator", [])] == ["url"])


def in_slice(eid):
    return ":" in eid


def snapshot_wanted(e):
    eid = e["id"]
    if boilerplate_slicing(e):
        return False
    if "slicing" in e or "sliceName" in e:
        return True
    if any(k.startswith(("fixed", "pattern")) for k in e):
        return True
    if e.get("max") == "0":
        return True
    required = e.get("binding", {}).get("strength") == "required"
    if in_slice(eid) and (e.get("min", 0) >= 1 or required):
        return True
    # the resource's own elements (Observation.subject, Observation.effective[x])
    return eid.count(".") == 1 and e.get("min", 0) >= 1


def with_snapshot(d, s):
    """A differential element completed from its snapshot element: what the
    differential does not restate (a slice's min from the base profile, the
    slicing it adds slices to) is taken from the snapshot."""
    merged = dict(d)
    for k, v in s.items():
        if k in merged:
            continue
        if k in ("min", "max") or k.startswith(("fixed", "pattern")):
            merged[k] = v
        elif k == "slicing" and not boilerplate_slicing(s):
            merged[k] = v
        elif k == "binding" and v.get("strength") == "required":
            merged[k] = v
    return merged


def profile_elements(sd):
    diff = [e for e in sd.get("differential", {}).get("element", []) if e.get("id")]
    by_id = {e["id"]: e for e in diff}
    chosen = []
    if "snapshot" in sd:
        seen = set()
        for s in sd["snapshot"]["element"]:
            d = by_id.get(s["id"])
            if d is not None:
                chosen.append(("VKP_SRC_DIFFERENTIAL", with_snapshot(d, s)))
                seen.add(s["id"])
            elif snapshot_wanted(s):
                chosen.append(("VKP_SRC_SNAPSHOT", s))
                seen.add(s["id"])
        for e in diff:      # differential elements the snapshot lacks (should not happen)
            if e["id"] not in seen:
                chosen.append(("VKP_SRC_DIFFERENTIAL", e))
    else:
        chosen = [("VKP_SRC_DIFFERENTIAL", e) for e in diff]
    return [(src, e) for src, e in chosen if constrains(e)]


# ---------------------------------------------------------------- C output

def c_str(s):
    if s is None:
        return "NULL"
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif o < 0x20:
            out.append("\\%03o" % o)
        elif o < 0x7F:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def ident(s):
    return "".join(c if c.isalnum() else "_" for c in s)


def first_key(e, prefix):
    for k in e:
        if k.startswith(prefix):
            return k
    return None


def elem_initializer(src, e):
    fixed_key = first_key(e, "fixed")
    pattern_key = first_key(e, "pattern")
    b = e.get("binding", {})
    strength = STRENGTHS.get(b.get("strength"), "VKP_BIND_NONE")
    vs = b.get("valueSet")
    types = "|".join(t["code"] for t in e.get("type", [])) or None
    profiles = "|".join(p for t in e.get("type", []) for p in t.get("profile", [])) or None
    s = e.get("slicing")
    disc = None
    rules = "VKP_SLICE_NONE"
    if s:
        rules = SLICE_RULES.get(s.get("rules") or "open", "VKP_SLICE_OPEN")
        disc = ";".join("%s:%s" % (d["type"], d["path"]) for d in s.get("discriminator", []))
    mx = e.get("max")
    max_c = "-1" if mx is None else ("VKP_MAX_MANY" if mx == "*" else str(int(mx)))
    fields = [
        ".id = %s" % c_str(e["id"]),
        ".source = %s" % src,
        ".min = %d" % e.get("min", -1),
        ".max = %s" % max_c,
    ]
    if fixed_key:
        fields.append(".fixed = %s" % c_str(json.dumps(e[fixed_key], ensure_ascii=False)))
        fields.append(".fixed_kind = %s" % c_str(fixed_key[5:]))
    if pattern_key:
        fields.append(".pattern = %s" % c_str(json.dumps(e[pattern_key], ensure_ascii=False)))
        fields.append(".pattern_kind = %s" % c_str(pattern_key[7:]))
    if strength != "VKP_BIND_NONE":
        fields.append(".strength = %s" % strength)
        fields.append(".valueset = %s" % c_str(vs))
    if types:
        fields.append(".types = %s" % c_str(types))
    if profiles:
        fields.append(".profiles = %s" % c_str(profiles))
    if s:
        fields.append(".slicing = %s" % rules)
        fields.append(".discriminators = %s" % c_str(disc))
    return "    {" + ", ".join(fields) + "},"


def profile_kind(sd):
    if sd.get("type") == "Extension":
        return "VKP_KIND_EXTENSION"
    if sd.get("type", "")[:1].isupper() and sd.get("kind") == "resource" and sd["type"] in (
            "Address", "HumanName", "ContactPoint", "Identifier"):
        return "VKP_KIND_DATATYPE"     # vkp-Address says kind=resource; its type is a data type
    return "VKP_KIND_RESOURCE" if sd.get("kind") == "resource" else "VKP_KIND_DATATYPE"


def expand(vs, codesystems):
    entries = []
    for inc in vs["includes"]:
        system = inc["system"]
        if inc["concepts"]:
            cs = codesystems.get(system)
            disp = dict(cs["concepts"]) if cs else {}
            entries += [(system, c, disp.get(c, "")) for c in inc["concepts"]]
        elif system in codesystems:
            entries += [(system, c, d) for c, d in codesystems[system]["concepts"]]
        else:
            entries.append((system, None, ""))      # any code of a system outside the package
    return sorted(entries, key=lambda x: (x[0], x[1] or ""))


def generate(package):
    lines = []
    w = lines.append
    sds = []
    for path in sorted(glob.glob(os.path.join(package, "StructureDefinition", "*"))):
        sd = read_sd(path)
        if sd:
            sd["file"] = rel(path)
            sds.append(sd)
    sds.sort(key=lambda s: s["url"])
    codesystems = {}
    for path in sorted(glob.glob(os.path.join(package, "CodeSystem", "*.xml"))):
        cs = read_codesystem(path)
        codesystems[cs["url"]] = cs
    valuesets = [read_valueset(p) for p in sorted(glob.glob(os.path.join(package, "ValueSet", "*.xml")))]
    valuesets.sort(key=lambda v: v["url"])
    messages = [read_messagedefinition(p)
                for p in sorted(glob.glob(os.path.join(package, "MessageDefinition", "*.xml")))]
    named = []
    for p in sorted(glob.glob(os.path.join(package, "CapabilityStatement", "*.xml"))):
        named += [(t, u, rel(p)) for t, u in read_capability_profiles(p)]

    w("/* vkp_rules_gen.c - GENERATED by tools/gen_vkp_rules.py from the VKP FHIR R4")
    w(" * package (../shared/vkp/VKP-R4). Do not edit: change the generator, or put a")
    w(" * hand decision in vkp_overrides.c (see docs/vkp-conformance.md).")
    w(" *")
    w(" * The constrained elements of every StructureDefinition, the code systems,")
    w(" * the value sets expanded to codes, the MessageDefinition focus list and the")
    w(" * profile URLs the CapabilityStatement names. vkp_rules.c builds the rule")
    w(" * trees from these once. */")
    w('#include "vkp_rules.h"')
    w("")
    n_elems = 0
    for sd in sds:
        elems = profile_elements(sd)
        sd["_elems"] = elems
        n_elems += len(elems)
        if not elems:
            continue
        w("static const vkp_elem e_%s[] = {" % ident(sd["url"].rsplit("/", 1)[-1]))
        for src, e in elems:
            w(elem_initializer(src, e))
        w("};")
        w("")
    w("const vkp_profile_def vkp_gen_profiles[] = {")
    for sd in sds:
        arr = "e_" + ident(sd["url"].rsplit("/", 1)[-1]) if sd["_elems"] else "NULL"
        w("    {.url = %s, .name = %s, .type = %s, .kind = %s, .base = %s, .file = %s," % (
            c_str(sd["url"]), c_str(sd.get("name")), c_str(sd["type"]), profile_kind(sd),
            c_str(sd.get("baseDefinition")), c_str(sd["file"])))
        w("     .elems = %s, .n_elems = %d}," % (arr, len(sd["_elems"])))
    known = {sd["url"] for sd in sds}
    for t, u, f in named:
        if u not in known:
            w("    {.url = %s, .name = NULL, .type = %s, .kind = VKP_KIND_RESOURCE, .base = NULL," % (
                c_str(u), c_str(t)))
            w("     .file = %s, .elems = NULL, .n_elems = 0}, /* named, not defined */" % c_str(f))
            known.add(u)
    w("};")
    w("const size_t vkp_gen_profile_count = sizeof vkp_gen_profiles / sizeof vkp_gen_profiles[0];")
    w("const size_t vkp_gen_elem_count = %d;" % n_elems)
    w("")

    for url in sorted(codesystems):
        cs = codesystems[url]
        w("static const vkp_concept c_%s[] = {" % ident(url.rsplit("/", 1)[-1]))
        for code, disp in cs["concepts"]:
            w("    {%s, %s}," % (c_str(code), c_str(disp)))
        w("};")
    w("const vkp_codesystem_def vkp_gen_codesystems[] = {")
    for url in sorted(codesystems):
        cs = codesystems[url]
        w("    {%s, %s, %s, c_%s, %d}," % (c_str(url), c_str(cs["name"]), c_str(cs["file"]),
                                          ident(url.rsplit("/", 1)[-1]), len(cs["concepts"])))
    w("};")
    w("const size_t vkp_gen_codesystem_count = sizeof vkp_gen_codesystems / sizeof vkp_gen_codesystems[0];")
    w("")

    for vs in valuesets:
        w("static const vkp_vs_entry v_%s[] = {" % ident(vs["url"].rsplit("/", 1)[-1]))
        for system, code, disp in expand(vs, codesystems):
            w("    {%s, %s, %s}," % (c_str(system), c_str(code), c_str(disp)))
        w("};")
    w("const vkp_valueset_def vkp_gen_valuesets[] = {")
    for vs in valuesets:
        name = ident(vs["url"].rsplit("/", 1)[-1])
        w("    {%s, %s, %s, v_%s, sizeof v_%s / sizeof v_%s[0]}," % (
            c_str(vs["url"]), c_str(vs["name"]), c_str(vs["file"]), name, name, name))
    w("};")
    w("const size_t vkp_gen_valueset_count = sizeof vkp_gen_valuesets / sizeof vkp_gen_valuesets[0];")
    w("")

    w("/* MessageDefinition focus: event system and code, resource type, profile, min, max. */")
    w("const vkp_focus_def vkp_gen_focus[] = {")
    for m in messages:
        for f in m["focus"]:
            mx = "VKP_MAX_MANY" if f["max"] == "*" else str(int(f["max"]))
            w("    {%s, %s, %s, %s, %d, %s, %s}," % (c_str(m["system"]), c_str(m["code"]),
                                                   c_str(f["code"]), c_str(f["profile"]), f["min"], mx,
                                                   c_str(m["file"])))
    w("};")
    w("const size_t vkp_gen_focus_count = sizeof vkp_gen_focus / sizeof vkp_gen_focus[0];")
    return "\n".join(lines) + "\n"


def main():
    global PACKAGE
    p = argparse.ArgumentParser(description="compile the VKP package into src/vkp/vkp_rules_gen.c")
    p.add_argument("--package", default=DEFAULT_PACKAGE)
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
    PACKAGE = os.path.abspath(a.package)
    if not os.path.isdir(PACKAGE):
        sys.exit("gen_vkp_rules: package not found: %s" % PACKAGE)
    text = generate(PACKAGE)
    if a.check:
        try:
            with open(a.out, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            old = None
        if old != text:
            print("%s is not what tools/gen_vkp_rules.py writes; regenerate it" % a.out)
            return 1
        print("%s is up to date" % a.out)
        return 0
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
