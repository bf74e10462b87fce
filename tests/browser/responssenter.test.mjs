// responssenter.test.mjs - browser test of the Responssenter console (web/views/responssenter.js)
// against a running server with demo data, end to end (issue 5, "Must show"):
//   set-up    with the knute CLI: an alarm receiver (API key, knute/alarms.write) and a test EPJ
//             client; `knute epj-sim` (the test EPJ) behind a small recording proxy in this test
//             (epj-sim keeps no bodies; the proxy keeps what the hub delivered, so the Composition
//             can be read), a hub destination and route to it, register grants;
//   console   `operator` (1366×768) opens Responssenter; the alarm POSTed by the receiver shows in
//             the queue within 1 s of the POST's answer; a second operator (`koordinator`) sees it
//             live too, then "Tatt av Ola Operatør" once claimed, with its claim button disabled,
//             and the server refuses its claim (409 "tatt av …");
//   keyboard  operator: select, Enter, T ta, Shift+K kvitter, U utrykning (team), S startet,
//             F fullført, A årsak, M tiltak, L lukk; the alarm leaves the queue;
//   journal   the Composition reaches epj-sim with VKP events 0,1,3,4,9,5,6,7 in that order;
//   also      no horizontal scrolling at 1366×768, the Tjenestenivå and Ruting tabs, a case worker
//             gets "Ingen tilgang", no console errors or CSP violations.
//
// Needs the knute binary for the set-up: KNUTE_BIN (path) and KNUTE_BIN_ARGS (a JSON array of
// the settings flags of the server's installation, e.g. ["--database=/tmp/x/knute.db"]); both
// are set by run_with_server.py. KNUTE_OPERATOR_USER / KNUTE_OTHER_USER / KNUTE_PLAIN_USER override the users;
// KNUTE_URL, KNUTE_PASSWORD as in helpers.mjs. KNUTE_TEST_SLOW (sanitizer builds) scales waits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BASE, PASSWORD, checkEnv, launchBrowser, login, openPage, stepper } from './helpers.mjs';

const OPERATOR = process.env.KNUTE_OPERATOR_USER || 'operator';
const OPERATOR_NAME = 'Ola Operatør';
const OTHER = process.env.KNUTE_OTHER_USER || 'koordinator';
const PLAIN = process.env.KNUTE_PLAIN_USER || 'saksbehandler';   // no role for the response service
const MUNI = '939000011';              // Knutby
const DEVICE = 'TA-100-0001';          // demo safety alarm lent to a Knutby citizen
const KNUTE_BIN = process.env.KNUTE_BIN || '';
const SLOW = Number(process.env.KNUTE_TEST_SLOW || '1') || 1;
const APPEAR_MS = 1000 * SLOW;         // issue 5: in the console within 1 s
const TZ = 'Europe/Oslo';
const VKP_EXPECTED = ['0', '1', '3', '4', '9', '5', '6', '7'];
const VKP_EVENT_SYSTEM = 'vkp-composition-event';

let binArgs = [];
try {
  binArgs = JSON.parse(process.env.KNUTE_BIN_ARGS || '[]');
} catch {
  binArgs = [];
}

/** The environment for a knute child: ours without KNUTE_* (knute reads those as settings). */
function childEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KNUTE_')));
}

/** Run a knute CLI command against the server's installation; its stdout. */
function knute(...args) {
  return execFileSync(KNUTE_BIN, [...args, ...binArgs], { encoding: 'utf8', env: childEnv(), timeout: 60000 * SLOW });
}

function apiKeyOf(output) {
  const m = /(knk_[A-Za-z0-9_-]+)/.exec(output);
  assert.ok(m, `client add printed no API key: ${output}`);
  return m[1];
}

/** The view shows no programming leftovers ("null", "undefined", "NaN", "[object Object]"). */
async function assertNoJunk(page, where) {
  const text = await page.getByTestId('view-responssenter').innerText();
  const junk = /\b(null|undefined|NaN)\b|\[object Object\]/.exec(text);
  assert.equal(junk, null, `${where}: "${junk && junk[0]}" in the view`);
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

async function waitFor(what, fn, timeoutMs, everyMs = 250) {
  const deadline = Date.now() + timeoutMs * SLOW;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  assert.fail(`timed out waiting for ${what}`);
  return last;
}

/** A logged-in API session for Node's fetch. */
async function apiSession(username) {
  const res = await fetch(`${BASE}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }) });
  assert.equal(res.status, 200, `API login as ${username}`);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await res.json();
  return {
    call: (method, p, body) => fetch(`${BASE}${p}`, { method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body) }),
  };
}

/** `knute epj-sim` on a free port; resolves { url, proc }. */
async function startEpjSim(t, dir, apiKey) {
  const portFile = path.join(dir, 'epjsim.port');
  const out = fs.openSync(path.join(dir, 'epjsim.out'), 'a');
  const proc = spawn(KNUTE_BIN, ['epj-sim', '--port=0', '--port-file', portFile, '--api-key', apiKey],
    { env: childEnv(), stdio: ['ignore', out, out] });
  t.after(() => { if (proc.exitCode === null) proc.kill('SIGTERM'); });
  const port = await waitFor('epj-sim to start', () => {
    if (proc.exitCode !== null) assert.fail(`epj-sim exited ${proc.exitCode}: ${fs.readFileSync(path.join(dir, 'epjsim.out'), 'utf8')}`);
    const text = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    return text ? Number(text) : 0;
  }, 10000, 50);
  return { url: `http://127.0.0.1:${port}`, proc };
}

/** An HTTP proxy in front of epj-sim that keeps every delivery (headers and body). */
async function startRecorder(t, target) {
  const records = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      records.push({ path: req.url, headers: req.headers, body: body.toString('utf8') });
      const headers = { ...req.headers, host: new URL(target).host, 'content-length': String(body.length) };
      const fwd = http.request(`${target}${req.url}`, { method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => { res.writeHead(502); res.end(); });
      fwd.end(body);
    });
  });
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  t.after(() => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections?.(); }));
  return { url: `http://127.0.0.1:${server.address().port}`, records };
}

/** The Composition of a delivered message Bundle (or of a Bundle inside it). */
function compositionOf(doc) {
  for (const entry of (doc && doc.entry) || []) {
    const r = entry.resource || {};
    if (r.resourceType === 'Composition') return r;
    if (r.resourceType === 'Bundle') {
      const inner = compositionOf(r);
      if (inner) return inner;
    }
  }
  return null;
}

function vkpEventCodes(composition) {
  return (composition.event || []).map((ev) => {
    const coding = (ev.code || []).flatMap((c) => c.coding || []).find((c) => String(c.system || '').includes(VKP_EVENT_SYSTEM));
    return coding ? String(coding.code) : '?';
  });
}

test('Knute web UI: Responssenter (alarm in, keyboard handling, journal to the EPJ)', { timeout: 240000 }, async (t) => {
  checkEnv({ needUser: false });
  assert.ok(KNUTE_BIN && fs.existsSync(KNUTE_BIN), 'KNUTE_BIN must name the knute binary of the server under test '
    + '(with KNUTE_BIN_ARGS its settings flags as a JSON array); run_with_server.py sets both.');
  const browser = await launchBrowser(t);
  const problems = [];
  let current = null;
  const step = stepper(t, (name) => (current ? current.shot(name) : Promise.resolve()));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knute-resp-browser-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let alarmKey = '';
  let sim = null;
  let recorder = null;
  let op = null;
  let other = null;
  let alarmId = '';
  const row = (page, id) => page.locator(`[data-testid="resp-row"][data-alarm-id="${id}"]`);

  await step('set-up: alarm receiver, test EPJ (epj-sim), destination, route and grants', async () => {
    const suffix = `${Date.now().toString(36)}${process.pid}`;
    alarmKey = apiKeyOf(knute('client', 'add', `alarmmottak-${suffix}`, '--kind', 'apikey',
      '--scope', 'knute/alarms.write', '--grant', `${MUNI}:operator`));
    const epjName = `resp-epj-${suffix}`;
    const epjKey = apiKeyOf(knute('client', 'add', epjName, '--kind', 'apikey', '--scope', 'vkp/read',
      '--grant', `${MUNI}:operator`));
    knute('hub', 'grant', 'add', '--client', epjName, '--receiver', MUNI, '--resource', '*', '--access', 'read');
    sim = await startEpjSim(t, dir, epjKey);
    recorder = await startRecorder(t, sim.url);
    const dest = knute('delivery', 'dest', 'add', `resp-epj-${suffix}`, '--receiver', MUNI, '--url', `${recorder.url}/epj`,
      '--max-attempts', '5', '--backoff-base-ms', '100', '--backoff-max-ms', '1000').trim().split(/\s+/)[1];
    assert.ok(dest, 'delivery dest add printed the destination id');
    knute('delivery', 'route', 'add', '--receiver', MUNI, '--event', '*', '--dest', dest);
  });

  await step(`${OPERATOR}: Responssenter at 1366×768, live ("Tilkoblet"), no horizontal scrolling`, async () => {
    op = current = await openPage(browser, problems, { timezoneId: TZ });
    const { page, byId } = op;
    await login(page, OPERATOR);
    const queue = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/resp/alarms');
    await byId('nav-responssenter').click();
    await page.waitForURL(/#\/responssenter$/);
    assert.equal((await queue).status(), 200);
    await byId('resp-conn').and(page.locator('[data-state="ok"]')).waitFor();
    assert.equal(await byId('resp-conn').innerText(), 'Tilkoblet');
    await byId('resp-sound').waitFor();
    assert.match(await byId('resp-sound').innerText(), /Lyd: (på|av)/);
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `no horizontal scrolling (${scroll} > ${client})`);
  });

  await step(`${OTHER}: a second operator's console is open too`, async () => {
    other = await openPage(browser, problems, { timezoneId: TZ });
    await other.page.addInitScript((orgnr) => localStorage.setItem('knute.orgnr', orgnr), MUNI);
    await login(other.page, OTHER);
    await other.byId('nav-responssenter').click();
    await other.byId('resp-conn').and(other.page.locator('[data-state="ok"]')).waitFor();
  });

  await step('an alarm POSTed by the receiver is in the queue within 1 s of the answer', async () => {
    const { page } = op;
    // Note in the page when each queue line first shows (Playwright's own polling would add its delay).
    await page.evaluate(() => {
      window.__respSeen = {};
      const queue = document.querySelector('[data-testid="resp-queue"]');
      new MutationObserver(() => {
        for (const li of queue.querySelectorAll('[data-testid="resp-row"]')) {
          if (!window.__respSeen[li.dataset.alarmId]) window.__respSeen[li.dataset.alarmId] = Date.now();
        }
      }).observe(queue, { childList: true });
    });
    const res = await fetch(`${BASE}/api/v1/municipalities/${MUNI}/alarms`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alarmKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ device: DEVICE, alert_code: '4.1', time: new Date().toISOString().replace('Z', '+00:00'),
        severity: 40, triage: 'R', battery: 77, position: { lat: 59.9127, lon: 10.7461 }, text: 'Nettlesertest',
        id: `browser-${Date.now()}` }),
    });
    const answered = Date.now();
    const body = await res.json();
    assert.equal(res.status, 201, `alarm accepted: ${JSON.stringify(body)}`);
    assert.equal(body.intake, 'new');
    alarmId = body.id;
    assert.ok(alarmId, 'the answer carries the alarm id');
    await row(page, alarmId).waitFor({ state: 'visible', timeout: APPEAR_MS + 2000 });
    const seen = await page.evaluate((id) => window.__respSeen[id], alarmId);
    assert.ok(seen, 'the queue line was noted when it appeared');
    const took = seen - answered;
    t.diagnostic(`alarm in the console ${took} ms after the POST's answer (negative: before this process had read it)`);
    assert.ok(took <= APPEAR_MS, `in the queue after ${took} ms (limit ${APPEAR_MS} ms)`);
    const line = row(page, alarmId);
    assert.equal(await line.getAttribute('data-priority'), '1');
    assert.match(await line.getByTestId('resp-priority').innerText(), /rød/i, 'priority as text, not colour only');
    assert.match(await line.getByTestId('resp-state').innerText(), /Ny/);
    assert.match(await line.getByTestId('resp-alert').innerText(), /Fall/);
    assert.match(await line.getByTestId('resp-age').innerText(), /\d+ s/);
    assert.ok((await line.getByTestId('resp-name').innerText()).trim().length > 0, 'citizen name shown');
    assert.match(await line.getAttribute('class'), /resp-flash/, 'a new red alarm flashes');
    assert.match(await page.getByTestId('resp-announce').textContent(), /Ny rød alarm: Fall/, 'and is announced');
    await row(other.page, alarmId).waitFor({ state: 'visible' });
    await op.shot('resp-1-queue');
  });

  await step('operator: select it with the keyboard, Enter opens it, T claims it', async () => {
    const { page, byId } = op;
    const line = row(page, alarmId);
    await page.keyboard.press('Home');
    const count = await byId('resp-row').count();
    for (let i = 0; i < count && (await line.getAttribute('aria-selected')) !== 'true'; i++) await page.keyboard.press('j');
    assert.equal(await line.getAttribute('aria-selected'), 'true', 'j moves the selection to the alarm');
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="resp-detail"][data-alarm-id="${alarmId}"]`).waitFor();
    await byId('resp-timeline').getByTestId('resp-event').first().waitFor();
    assert.match(await byId('resp-citizen-name').innerText(), /\S/);
    assert.match(await byId('resp-battery').innerText(), /77 %/);
    assert.equal(await byId('resp-act-acknowledge').isDisabled(), true, 'Kvitter is disabled before the claim');
    await page.keyboard.press('t');
    await line.getByTestId('resp-holder').waitFor();
    assert.match(await line.getByTestId('resp-holder').innerText(), new RegExp(`Tatt av ${OPERATOR_NAME}`));
    await assertNoJunk(page, 'queue and detail');
    await op.shot('resp-2-claimed');
  });

  await step(`${OTHER} sees "Tatt av ${OPERATOR_NAME}", cannot claim, and the server refuses (409)`, async () => {
    const { page, byId } = other;
    const line = row(page, alarmId);
    await line.getByTestId('resp-holder').waitFor();
    assert.match(await line.getByTestId('resp-holder').innerText(), new RegExp(`Tatt av ${OPERATOR_NAME}`));
    await line.click();
    await page.locator(`[data-testid="resp-detail"][data-alarm-id="${alarmId}"]`).waitFor();
    assert.equal(await byId('resp-act-claim').isDisabled(), true, 'the claim button is disabled');
    await page.keyboard.press('t');
    await byId('resp-action-error').filter({ hasText: /Tatt av/ }).waitFor();
    await other.shot('resp-3-other-operator');
    const s = await apiSession(OTHER);
    const res = await s.call('POST', `/api/v1/resp/alarms/${alarmId}/actions`, { action: 'claim' });
    const problem = await res.json();
    assert.equal(res.status, 409, 'a second claim is refused');
    assert.match(problem.detail || '', new RegExp(`(tatt av|claimed by) ${OPERATOR_NAME}`, 'i'), 'the refusal names the holder');
  });

  await step('operator: kvitter, utrykning with a team, startet, fullført, årsak, tiltak, lukk - all by keyboard', async () => {
    const { page, byId } = op;
    const enabled = (id) => byId(id).and(page.locator(':enabled')).waitFor();
    const state = (text) => byId('resp-detail-state').filter({ hasText: text }).waitFor();
    const typeInto = async (text) => {
      await byId('resp-form-input').waitFor();
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
      await byId('resp-form').waitFor({ state: 'detached' });
    };
    await enabled('resp-act-acknowledge');
    await page.keyboard.press('Shift+K');
    await state('Kvittert');
    await enabled('resp-act-callout');
    await page.keyboard.press('u');
    await typeInto('Hjemmetjenesten Nord'); // the field opens selected: typing replaces the suggestion
    await enabled('resp-act-callout_started');
    assert.match(await byId('resp-detail-callout').innerText(), /Hjemmetjenesten Nord/);
    await page.keyboard.press('s');
    await page.locator('[data-testid="resp-event"][data-kind="callout_started"]').waitFor();
    await enabled('resp-act-callout_done');
    await page.keyboard.press('f');
    await page.locator('[data-testid="resp-event"][data-kind="callout_done"]').waitFor();
    await page.keyboard.press('a');
    await typeInto('Falt på badet, ikke skadet');
    await page.locator('[data-testid="resp-event"][data-kind="cause"]').waitFor();
    await page.keyboard.press('m');
    await typeInto('Hjulpet opp, tilsyn i kveld');
    await page.locator('[data-testid="resp-event"][data-kind="measure"]').waitFor();
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `no horizontal scrolling with the detail open (${scroll} > ${client})`);
    await enabled('resp-act-close');
    await op.shot('resp-4-before-close');
    await page.keyboard.press('l');
    await row(page, alarmId).waitFor({ state: 'detached' });
    await state('Avsluttet');
    const codes = await byId('resp-event').evaluateAll((els) => els.map((e) => e.dataset.vkp).filter(Boolean));
    assert.deepEqual(codes, VKP_EXPECTED, 'the timeline shows the VKP events in order');
    await row(other.page, alarmId).waitFor({ state: 'detached' });
  });

  await step('the Composition reaches the test EPJ with VKP events 0,1,3,4,9,5,6,7', async () => {
    const s = await apiSession(OPERATOR);
    const alarm = await waitFor('the alarm to be journaled', async () => {
      const res = await s.call('GET', `/api/v1/resp/alarms/${alarmId}`);
      const a = res.ok ? (await res.json()).alarm : null;
      if (a && a.journal === 'failed') assert.fail(`journaling failed: ${a.journal_error || JSON.stringify(a)}`);
      return a && a.journal === 'sent' ? a : null;
    }, 30000);
    const mid = alarm.journal_message_id;
    assert.ok(mid, 'the alarm names its hub message');
    const received = await waitFor('epj-sim to receive the message', async () => {
      const res = await fetch(`${sim.url}/_received`);
      const list = res.ok ? await res.json() : [];
      return list.find((r) => r.message_id === mid) || null;
    }, 60000);
    assert.equal(received.resource_type, 'Bundle');
    const delivered = recorder.records.find((r) => r.headers['x-knute-message-id'] === mid);
    assert.ok(delivered, 'the delivery passed the recorder');
    const composition = compositionOf(JSON.parse(delivered.body));
    assert.ok(composition, 'the message carries a Composition');
    assert.deepEqual(vkpEventCodes(composition), VKP_EXPECTED, 'Composition.event codes in order');
    const starts = (composition.event || []).map((e) => Date.parse(e.period && e.period.start));
    assert.ok(starts.every((v, i) => Number.isFinite(v) && (i === 0 || v >= starts[i - 1])), 'event times in order');
  });

  await step('Tjenestenivå and Ruting tabs', async () => {
    const { page, byId } = op;
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/resp/stats');
    await byId('resp-tab-stats').click();
    const res = await answer;
    assert.equal(res.status(), 200);
    const stats = await res.json();
    await byId('resp-stats-months').waitFor();
    const months = await byId('resp-stats-month').evaluateAll((trs) => trs.map((tr) => ({
      month: tr.dataset.month, alarms: tr.querySelector('td').textContent.trim(),
      share60: tr.querySelector('[data-testid="resp-stats-share60"]').textContent })));
    assert.ok(months.length >= 1, 'a month with alarms is listed');
    assert.deepEqual(months.map((m) => [m.month, m.alarms]), stats.months.map((m) => [m.month, String(m.alarms)]),
      'one row per month of the API answer, with its alarm count');
    stats.months.forEach((m, i) => assert.match(months[i].share60, m.met_60 ? /innen mål/ : /under mål/));
    const csvHref = await byId('resp-stats-csv').getAttribute('href');
    assert.match(csvHref, /format=csv/);
    const csv = await (await apiSession(OPERATOR)).call('GET', csvHref);
    assert.equal(csv.status, 200, 'the CSV link downloads');
    assert.match(csv.headers.get('content-type') || '', /csv/);
    assert.match(await csv.text(), /Måned/, 'the months table');
    await assertNoJunk(page, 'Tjenestenivå');
    await op.shot('resp-5-stats');
    await byId('resp-tab-routing').click();
    await page.locator('[data-testid="resp-gaps"], [data-testid="resp-covered"]').first().waitFor();
    await byId('resp-rules-table').waitFor();
    await assertNoJunk(page, 'Ruting');
    await op.shot('resp-6-routing');
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `no horizontal scrolling (${scroll} > ${client})`);
    await byId('resp-tab-queue').click();
  });

  await step(`${PLAIN}: no access to the console`, async () => {
    const plain = await openPage(browser, problems, { timezoneId: TZ });
    await login(plain.page, PLAIN);
    await plain.byId('nav-responssenter').click();
    await plain.byId('resp-forbidden').waitFor();
    assert.equal(await plain.byId('resp-queue').count(), 0);
  });

  await step('no console errors, uncaught exceptions or CSP violations', async () => {
    assert.deepEqual(problems, []);
  });
});
