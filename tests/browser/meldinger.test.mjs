// meldinger.test.mjs - browser test of the "Meldinger (knutepunkt)" view against a running
// server with demo data: messages are posted to Knutby through $process-message (as the
// admin user, over the API), a push destination that refuses connections and a route to it
// are added when the delivery API is there; then `admin` opens Meldinger, sees the messages
// with status and event, filters by status, opens one and sees its deliveries with every
// attempt (or "ikke tilgjengelig" while that API is missing); no console errors.
//
// KNUTE_ADMIN_USER (default admin), KNUTE_PASSWORD and KNUTE_URL as in helpers.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BASE, PASSWORD, checkEnv, launchBrowser, login, openPage, stepper } from './helpers.mjs';

const ADMIN = process.env.KNUTE_ADMIN_USER || 'admin';
const MUNI = '939000011';
const MESSAGES = 3;
const CORPUS = path.resolve(import.meta.dirname, '..', 'fhir', 'vkp', 'valid', 'msg-patientcomposition.json');

/** The corpus message with every uuid replaced consistently: a new message. */
function freshMessage() {
  const seen = new Map();
  return fs.readFileSync(CORPUS, 'utf8').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
    (u) => { if (!seen.has(u)) seen.set(u, crypto.randomUUID()); return seen.get(u); });
}

/** A logged-in API session for Node's fetch: { call(method, path, body, type) }. */
async function apiSession(username) {
  const res = await fetch(`${BASE}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }) });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await res.json();
  return {
    call: (method, p, body, type = 'application/json') => fetch(`${BASE}${p}`, { method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': type },
      body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) }),
  };
}

test('Knute web UI: Meldinger (knutepunkt)', { timeout: 180000 }, async (t) => {
  checkEnv({ needUser: false });
  const browser = await launchBrowser(t);
  const problems = [];
  let current = null;
  const step = stepper(t, (name) => (current ? current.shot(name) : Promise.resolve()));
  let deliveriesApi = false;
  let ids = [];

  await step('messages are posted and (when there is a delivery API) routed to a dead EPJ', async () => {
    const s = await apiSession(ADMIN);
    const dest = await s.call('POST', '/api/v1/hub/destinations', { receiver: MUNI, name: 'EPJ (nede)',
      mode: 'push', url: 'http://127.0.0.1:9/epj', max_attempts: 3, backoff_base_ms: 50, backoff_max_ms: 100 });
    if (dest.ok) {
      const d = await dest.json();
      const route = await s.call('POST', '/api/v1/hub/routes', { receiver: MUNI, event: '*', dest_id: d.id });
      deliveriesApi = route.ok;
      t.diagnostic(`delivery API: destination ${dest.status}, route ${route.status}`);
    }
    for (let i = 0; i < MESSAGES; i++) {
      const r = await s.call('POST', `/epj/r4/${MUNI}/$process-message`, freshMessage(), 'application/fhir+json');
      assert.ok([200, 201, 202].includes(r.status), `message accepted: ${r.status} ${await r.text()}`);
    }
    const list = await (await s.call('GET', `/api/v1/hub/messages?receiver=${MUNI}`)).json();
    ids = list.items.map((m) => m.id);
    assert.ok(ids.length >= MESSAGES);
  });

  await step(`${ADMIN}: Meldinger lists the messages with status and event`, async () => {
    current = await openPage(browser, problems, { timezoneId: 'Europe/Oslo' });
    const { page, byId } = current;
    await page.addInitScript((orgnr) => localStorage.setItem('knute.orgnr', orgnr), MUNI); // Knutby, not Fjordvik
    await login(page, ADMIN);
    await byId('nav-meldinger').click();
    await page.waitForURL(/#\/meldinger$/);
    await byId('hub-message-row').first().waitFor({ state: 'visible' });
    assert.equal(await byId('hub-message-row').count(), ids.length);
    const text = await byId('hub-message-table').innerText();
    assert.match(text, /PatientComposition/);
    assert.match(text, /Registrert|Levert|Feilet|Journalført/);
    await byId('hub-grants').getByTestId('hub-grants-table').waitFor();
  });

  await step('the status filter narrows the list', async () => {
    const { page, byId } = current;
    const answer = page.waitForResponse((r) => r.url().includes('/api/v1/hub/messages?') && r.url().includes('status=journaled'));
    await byId('hub-status-filter').selectOption('journaled');
    await answer;
    await byId('hub-empty').waitFor({ state: 'visible' });
    await byId('hub-status-filter').selectOption('');
    await byId('hub-message-row').first().waitFor({ state: 'visible' });
  });

  await step('a message shows its deliveries and every attempt', async () => {
    const { page, byId } = current;
    await byId('hub-open').first().click();
    await byId('hub-message-detail').waitFor({ state: 'visible' });
    if (!deliveriesApi) {
      await page.locator('[data-testid="hub-deliveries-unavailable"], [data-testid="hub-deliveries-empty"]')
        .first().waitFor({ state: 'visible' });
      return;
    }
    // the dead EPJ refuses: attempts appear (reload the detail until the engine has tried; the
    // engine picks up a new destination within 2 s, and sanitizer builds are several times slower)
    // Each reopen refetches, so give every fetch time to render before reopening.
    const deadline = Date.now() + 45000;
    while (Date.now() < deadline) {
      try {
        await byId('hub-attempt-row').first().waitFor({ state: 'visible', timeout: 3000 });
        break;
      } catch {
        await byId('hub-open').first().click();
      }
    }
    assert.ok((await byId('hub-attempt-row').count()) >= 1, 'at least one attempt is listed');
    assert.match(await byId('hub-attempts').first().innerText(), /\d/);
  });

  await step('no console errors, uncaught exceptions or CSP violations', async () => {
    assert.deepEqual(problems, []);
  });
});
