// helpers.mjs - shared setup for Knute's browser tests (node --test tests/browser/; this file
// is not a test itself): environment, launching Debian's Chromium through playwright-core,
// pages that collect console errors, uncaught exceptions and CSP violations, logging in,
// screenshots, and "steps" that skip once an earlier one has failed.
//
// Environment: KNUTE_URL (a running Knute server with demo data), KNUTE_USER and
// KNUTE_PASSWORD (a demo user and the demo password), KNUTE_CHROMIUM (browser path,
// default /usr/bin/chromium), KNUTE_SCREENSHOTS=<dir> (save screenshots there).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.KNUTE_URL || '').replace(/\/+$/, '');
export const USER = process.env.KNUTE_USER || '';
export const PASSWORD = process.env.KNUTE_PASSWORD || '';
export const CHROMIUM = process.env.KNUTE_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.KNUTE_SCREENSHOTS || '';
export const TIMEOUT = 15000;
export const VIEWPORT = { width: 1366, height: 768 };
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Fail early, with the fix, when the environment is incomplete. needUser: KNUTE_USER is used. */
export function checkEnv({ needUser = true } = {}) {
  assert.ok(BASE, 'KNUTE_URL is not set: point it at a running Knute server with demo data '
    + '(e.g. KNUTE_URL=http://127.0.0.1:8080), with KNUTE_USER and KNUTE_PASSWORD for a demo user.');
  assert.ok(PASSWORD && (USER || !needUser),
    'KNUTE_USER and KNUTE_PASSWORD must name a demo user of the server at KNUTE_URL.');
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set KNUTE_CHROMIUM).`);
  if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
}

/** Launch headless Chromium; closed when test t ends. */
export async function launchBrowser(t) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  t.after(() => browser.close());
  return browser;
}

/**
 * A new browser context (own cookies and storage: one per user) with one page, 1366×768,
 * locale nb-NO. Console errors (except the browser's own line for a 4xx answer from
 * /api/v1/, which the tests provoke on purpose), uncaught exceptions and CSP violations are
 * pushed onto `problems`. Returns { context, page, byId, shot }.
 */
export async function openPage(browser, problems, { timezoneId } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'nb-NO', timezoneId });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);

  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const url = msg.location().url || '';
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text)
        && new URL(url, BASE).pathname.startsWith('/api/v1/')) return;
    problems.push(`console error: ${text} (${url})`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  await page.exposeFunction('__knuteReportCsp', (text) => problems.push(`CSP violation: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__knuteReportCsp(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });

  const byId = (id) => page.getByTestId(id);
  const shot = async (name) => {
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  return { context, page, byId, shot };
}

/**
 * Steps of one test as subtests: once a step fails the rest are skipped (they build on it).
 * shoot(name) takes a screenshot of the page on screen; on failure it is called with
 * "failed-<step>" (it saves nothing unless KNUTE_SCREENSHOTS is set).
 */
export function stepper(t, shoot) {
  let failed = false;
  return async (name, fn) => {
    if (failed) return t.test(name, { skip: 'an earlier step failed' }, () => {});
    return t.test(name, async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        if (SHOTS && shoot) await shoot(`failed-${name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
        throw err;
      }
    });
  };
}

/** Load the app, log in through the form and wait for the shell; returns the session body. */
export async function login(page, username, password = PASSWORD) {
  await page.goto(`${BASE}/`);
  await page.getByTestId('login-view').waitFor({ state: 'visible' });
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
  await page.getByTestId('login-submit').click();
  const res = await answer;
  assert.equal(res.status(), 200, `login as ${username} should succeed`);
  const body = await res.json();
  await page.getByTestId('app-shell').waitFor({ state: 'visible' });
  return body;
}
