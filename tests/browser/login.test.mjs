// login.test.mjs - browser test of Knute's web UI against a running server with demo data:
// login (wrong and right password), the application shell, the Innbyggere view (masked
// national identity numbers, server errors on create), logout, and no console errors or
// Content-Security-Policy violations along the way.
//
// Run: KNUTE_URL=http://127.0.0.1:8080 KNUTE_USER=... KNUTE_PASSWORD=... node --test tests/browser/
// (or tests/browser/run_with_server.py). Needs playwright-core (npm install) and Debian's
// Chromium (apt-get install chromium); see helpers.mjs for KNUTE_CHROMIUM and KNUTE_SCREENSHOTS.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, USER, checkEnv, launchBrowser, openPage, stepper } from './helpers.mjs';

const NAV_TITLES = ['Oversikt', 'Innbyggere', 'Responssenter', 'Meldinger (knutepunkt)', 'Tjenester',
  'Utstyr', 'Gevinster', 'Godkjenning', 'Revisjon (logg)', 'Administrasjon'];

/** An 11-digit number whose check digits are wrong, so every server must reject it. */
function invalidNin() {
  const first9 = '150190123';
  const d = [...first9].map(Number);
  const w1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
  let k1 = 11 - (w1.reduce((s, w, i) => s + w * d[i], 0) % 11);
  if (k1 === 11) k1 = 0;
  if (k1 === 10) return `${first9}00`;          // no valid number has these nine digits
  const w2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const d10 = [...d, k1];
  let k2 = 11 - (w2.reduce((s, w, i) => s + w * d10[i], 0) % 11);
  if (k2 === 11) k2 = 0;
  return `${first9}${k1}${(k2 + 1) % 10}`;      // right first check digit, wrong second
}

test('Knute web UI: login, shell, Innbyggere, logout', { timeout: 180000 }, async (t) => {
  checkEnv();
  const browser = await launchBrowser(t);
  // Console errors, uncaught exceptions and CSP violations; the browser's lines for 4xx API
  // answers are left out (the test provokes 401 and 4xx on purpose).
  const problems = [];
  const { page, byId, shot } = await openPage(browser, problems);
  const step = stepper(t, shot);

  await step('the page loads under CSP and shows the login form', async () => {
    const res = await page.goto(`${BASE}/`);
    assert.equal(res.status(), 200, 'GET / should answer 200');
    const csp = res.headers()['content-security-policy'] || '';
    assert.match(csp, /default-src 'self'/, `index.html must be served with CSP default-src 'self' (got "${csp}")`);
    await byId('login-view').waitFor({ state: 'visible' });
    await page.getByLabel('Brukernavn').waitFor({ state: 'visible' });
    await page.getByLabel('Passord').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Logg inn' }).waitFor({ state: 'visible' });
    assert.equal(await byId('app-shell').isVisible(), false, 'the shell must be hidden before login');
    await shot('login');
  });

  await step('a wrong password shows the error', async () => {
    await byId('login-username').fill(USER);
    await byId('login-password').fill(`${PASSWORD}-wrong`);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
    await byId('login-submit').click();
    assert.equal((await answer).status(), 401);
    const error = byId('login-error');
    await error.filter({ hasText: 'Feil brukernavn eller passord.' }).waitFor({ state: 'visible' });
    assert.equal((await error.textContent()).trim(), 'Feil brukernavn eller passord.');
    assert.equal(await byId('app-shell').isVisible(), false);
    assert.equal(await byId('login-password').inputValue(), '', 'the password field is cleared after a failure');
    await shot('login-error');
  });

  let displayName = '';
  await step('the right password shows the shell with the display name', async () => {
    await byId('login-username').fill(USER);
    await byId('login-password').fill(PASSWORD);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
    await byId('login-submit').click();
    const res = await answer;
    assert.equal(res.status(), 200, 'login with KNUTE_USER/KNUTE_PASSWORD should succeed');
    const body = await res.json();
    displayName = body.user.display_name;
    assert.ok(displayName, 'the session body carries user.display_name');
    await byId('app-shell').waitFor({ state: 'visible' });
    assert.equal(await byId('login-view').isVisible(), false);
    assert.equal((await byId('user-display-name').textContent()).trim(), displayName);
    assert.equal((await byId('brand').textContent()).trim(), 'Knute');
    const navTexts = (await byId('main-nav').getByRole('link').allTextContents()).map((s) => s.trim());
    assert.deepEqual(navTexts, NAV_TITLES);
    assert.ok(await byId('org-select').locator('option').count() >= 1, 'the municipality selector lists the grants');
    await byId('view-oversikt').waitFor({ state: 'visible' });
    await byId('overview-welcome').filter({ hasText: displayName }).waitFor({ state: 'visible' });
    await byId('logout-button').waitFor({ state: 'visible' });
  });

  let rowCount = 0;
  await step('Innbyggere lists citizens with masked national identity numbers', async () => {
    await byId('nav-innbyggere').click();
    await page.waitForURL(/#\/innbyggere$/);
    await byId('view-innbyggere').waitFor({ state: 'visible' });
    assert.equal(await byId('nav-innbyggere').getAttribute('aria-current'), 'page');
    // Find a municipality among the user's grants that has citizens.
    const orgs = await byId('org-select').locator('option').evaluateAll((opts) => opts.map((o) => o.value));
    const settled = page.locator('[data-testid="citizen-row"], [data-testid="citizen-empty"], '
      + '[data-testid="citizen-list-error"]:not(:empty), [data-testid="citizen-no-org"]');
    for (const orgnr of orgs) {
      if ((await byId('org-select').inputValue()) !== orgnr) await byId('org-select').selectOption(orgnr);
      await settled.first().waitFor({ state: 'visible' });
      rowCount = await byId('citizen-row').count();
      if (rowCount > 0) break;
    }
    assert.ok(rowCount >= 1, `no municipality of ${USER} (${orgs.join(', ')}) lists any citizen`);
    for (const text of await byId('citizen-nin').allTextContents()) {
      assert.match(text.trim(), /^\d{6}\*{5}$/, `national identity number not masked: "${text}"`);
    }
    const visible = await page.locator('body').innerText();
    assert.doesNotMatch(visible, /(?<!\d)\d{11}(?!\d)/, 'a full 11-digit number is visible on the page');
    await shot('innbyggere');
  });

  await step('creating a citizen with an invalid national id shows the server error and adds no row', async () => {
    const family = `Ugyldig${Date.now() % 100000}`;
    await byId('citizen-new-button').click();
    await byId('citizen-form').waitFor({ state: 'visible' });
    await page.getByLabel('Fødselsnummer').fill(invalidNin());
    await page.getByLabel('Fornavn').fill('Testperson');
    await page.getByLabel('Etternavn').fill(family);
    await page.getByLabel('Adresse').fill('Testveien 1');
    await page.getByLabel('Telefon').fill('12345678');
    const answer = page.waitForResponse((r) => /\/api\/v1\/municipalities\/\d+\/citizens$/.test(r.url())
      && r.request().method() === 'POST');
    await byId('citizen-submit').click();
    const res = await answer;
    assert.ok(res.status() >= 400 && res.status() < 500, `server should reject the number (got ${res.status()})`);
    const problem = await res.json();
    const expected = problem.detail || problem.title;
    assert.ok(expected, 'the problem response carries detail or title');
    const error = byId('citizen-form-error');
    await error.filter({ hasText: expected }).waitFor({ state: 'visible' });
    await shot('citizen-error');
    assert.equal(await byId('citizen-row').count(), rowCount);
    // Reload the list (leave and come back) to be sure nothing was stored.
    await byId('nav-oversikt').click();
    await byId('view-oversikt').waitFor({ state: 'visible' });
    await byId('nav-innbyggere').click();
    await byId('citizen-row').first().waitFor({ state: 'visible' });
    assert.equal(await byId('citizen-row').count(), rowCount);
    assert.equal(await byId('citizen-rows').getByText(family).count(), 0, 'the rejected citizen must not be listed');
  });

  await step('logout returns to the login form', async () => {
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'DELETE');
    await byId('logout-button').click();
    assert.equal((await answer).status(), 204);
    await byId('login-view').waitFor({ state: 'visible' });
    assert.equal(await byId('app-shell').isVisible(), false);
    assert.equal(await byId('citizen-row').count(), 0, 'no citizen data is left in the page after logout');
    await page.reload();
    await byId('login-view').waitFor({ state: 'visible' });
    assert.equal(await byId('app-shell').isVisible(), false, 'the session is gone on the server too');
  });

  await step('no console errors or CSP violations', async () => {
    assert.deepEqual(problems, []);
  });
});
