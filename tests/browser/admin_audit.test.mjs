// admin_audit.test.mjs - browser test of Knute's Administrasjon and Revisjon (logg) views
// against a running server with demo data: as `admin` the user and organisation tables, as
// `revisor` the audit trail (rows checked against the API's answer, "Last flere" paging,
// the action filter, logins in the "all municipalities" scope), as `saksbehandler` the
// forbidden messages of both views; no console errors or CSP violations.
//
// Uses its own demo users (KNUTE_ADMIN_USER, KNUTE_AUDITOR_USER, KNUTE_PLAIN_USER override
// them) with KNUTE_PASSWORD; KNUTE_URL as for login.test.mjs (see helpers.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, checkEnv, launchBrowser, login, openPage, stepper } from './helpers.mjs';

const ADMIN = process.env.KNUTE_ADMIN_USER || 'admin';
const AUDITOR = process.env.KNUTE_AUDITOR_USER || 'revisor';
const PLAIN = process.env.KNUTE_PLAIN_USER || 'saksbehandler';
const TZ = 'Europe/Oslo';
const AUDIT_PAGE = 100; // the view's page size (limit=100)

const ACTION_TEXT = {
  'auth.login': 'Innlogging',
  'citizen.list': 'Listet innbyggere',
  'citizen.read': 'Leste innbygger',
  'citizen.create': 'Registrerte innbygger',
};
const OUTCOME_TEXT = { ok: 'OK', denied: 'Avvist', locked: 'Sperret' };
const KIND_TEXT = { municipality: 'kommune', supplier: 'leverandør', epj_vendor: 'EPJ-leverandør', national: 'nasjonal' };
const ROLE_TEXT = { operator: 'Operatør', case_worker: 'Saksbehandler', nurse: 'Sykepleier', coordinator: 'Koordinator',
  admin: 'Administrator', supplier: 'Leverandør', reviewer: 'Godkjenner', auditor: 'Revisor' };

const norm = (s) => String(s || '').replace(/\s+/g, ' ').trim();

/** The Tid column's text for at_ms in Europe/Oslo: "dd.mm.åååå tt:mm:ss". */
function expectedTime(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}:${parts.second}`;
}

const isAudit = (r) => new URL(r.url()).pathname === '/api/v1/audit' && r.request().method() === 'GET';

test('Knute web UI: Administrasjon and Revisjon (logg)', { timeout: 240000 }, async (t) => {
  checkEnv({ needUser: false });
  const browser = await launchBrowser(t);
  const problems = [];
  let current = null; // the page on screen, for failure screenshots
  const step = stepper(t, (name) => (current ? current.shot(name) : Promise.resolve()));

  let admin = null;
  await step(`${ADMIN}: Administrasjon lists the users and the organisations`, async () => {
    admin = current = await openPage(browser, problems, { timezoneId: TZ });
    const { page, byId, shot } = admin;
    await login(page, ADMIN);
    const users = page.waitForResponse((r) => r.url().endsWith('/api/v1/users'));
    await byId('nav-administrasjon').click();
    await page.waitForURL(/#\/administrasjon$/);
    const usersRes = await users;
    assert.equal(usersRes.status(), 200);
    const apiUsers = (await usersRes.json()).items;
    await byId('admin-user-row').first().waitFor({ state: 'visible' });
    assert.equal(await byId('placeholder-panel').count(), 0, 'the view is no longer a placeholder');

    // Users: one row per user of the API, and the case worker's row in full.
    assert.equal(await byId('admin-user-row').count(), apiUsers.length);
    assert.equal(norm(await byId('admin-users-summary').textContent()), `${apiUsers.length} brukere`);
    const worker = page.locator(`[data-testid="admin-user-row"][data-username="${PLAIN}"]`);
    assert.equal(await worker.count(), 1, `user ${PLAIN} is listed`);
    const apiWorker = apiUsers.find((u) => u.username === PLAIN);
    assert.equal(norm(await worker.getByTestId('admin-user-username').textContent()), PLAIN);
    assert.equal(norm(await worker.getByTestId('admin-user-name').textContent()), apiWorker.display_name);
    assert.equal(norm(await worker.getByTestId('admin-user-status').textContent()), 'aktiv');
    if (PLAIN === 'saksbehandler') {
      assert.deepEqual((await worker.getByTestId('admin-user-grant').allTextContents()).map(norm),
        ['Knutby kommune: Saksbehandler']);
    }
    // Every user's grants, as "organisation name: role, role" in bokmål.
    const apiOrgs = (await (await page.request.get(`${BASE}/api/v1/organisations`)).json()).items;
    const orgName = new Map(apiOrgs.map((o) => [o.orgnr, o.name]));
    for (const u of apiUsers) {
      const row = page.locator(`[data-testid="admin-user-row"][data-username="${u.username}"]`);
      const shown = (await row.getByTestId('admin-user-grant').allTextContents()).map(norm).sort();
      const expected = u.grants.map((g) => `${orgName.get(g.orgnr) || g.orgnr}: ${g.roles.map((r) => ROLE_TEXT[r] || r).join(', ')}`);
      assert.deepEqual(shown, expected.sort(), `grants of ${u.username}`);
    }

    // Organisations: all of them, with the kind in bokmål and grouped inhabitant counts.
    assert.equal(await byId('admin-org-row').count(), apiOrgs.length);
    const knutby = page.locator('[data-testid="admin-org-row"]').filter({ hasText: 'Knutby kommune' });
    assert.equal(await knutby.count(), 1, 'the organisation "Knutby kommune" is listed');
    const apiKnutby = apiOrgs.find((o) => o.name === 'Knutby kommune');
    assert.equal(norm(await knutby.getByTestId('admin-org-orgnr').textContent()), apiKnutby.orgnr);
    assert.equal(norm(await knutby.getByTestId('admin-org-kind').textContent()), 'kommune');
    assert.equal((await knutby.getByTestId('admin-org-inhabitants').textContent()).replace(/\s/g, ''),
      String(apiKnutby.inhabitants));
    assert.equal((await knutby.getByTestId('admin-org-inhabitants').textContent()).trim(),
      apiKnutby.inhabitants.toLocaleString('en-US').replace(/,/g, '\u00a0'), 'digits are grouped with a no-break space');
    for (const o of apiOrgs) {
      const row = page.locator(`[data-testid="admin-org-row"][data-orgnr="${o.orgnr}"]`);
      assert.equal(norm(await row.getByTestId('admin-org-kind').textContent()), KIND_TEXT[o.kind] || o.kind);
      assert.equal(norm(await row.getByTestId('admin-org-name').textContent()), o.name);
    }
    await shot('administrasjon');
    await byId('admin-orgs').scrollIntoViewIfNeeded();
    await shot('administrasjon-organisasjoner');
  });

  let auditor = null;
  let orgnr = '';
  await step(`${AUDITOR}: Revisjon lists the audit events of the selected municipality`, async () => {
    auditor = current = await openPage(browser, problems, { timezoneId: TZ });
    const { page, byId, shot } = auditor;
    const session = await login(page, AUDITOR);
    orgnr = await byId('org-select').inputValue();
    assert.ok(orgnr, `${AUDITOR} has a municipality selected`);

    // More than one page of events there: list citizens (an audited read) as admin.
    const list = `${BASE}/api/v1/municipalities/${orgnr}/citizens?limit=1`;
    for (let i = 0; i < AUDIT_PAGE + 1; i += 10) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => admin.page.request.get(list)));
      for (const a of answers) assert.equal(a.status(), 200, `admin lists citizens at ${orgnr}`);
    }

    const first = page.waitForResponse(isAudit);
    await byId('nav-revisjon').click();
    await page.waitForURL(/#\/revisjon$/);
    const res = await first;
    assert.equal(res.status(), 200);
    const params = new URL(res.url()).searchParams;
    assert.equal(params.get('municipality'), orgnr);
    assert.equal(params.get('limit'), String(AUDIT_PAGE));
    assert.equal(params.get('after'), null);
    const body = await res.json();
    assert.equal(body.items.length, AUDIT_PAGE);
    await byId('audit-row').first().waitFor({ state: 'visible' });
    assert.equal(await byId('placeholder-panel').count(), 0, 'the view is no longer a placeholder');
    assert.equal(await byId('audit-row').count(), AUDIT_PAGE);

    // Each row against the API's event: time, action, outcome, short ids.
    const rows = await page.locator('[data-testid="audit-row"]').evaluateAll((trs) => trs.map((tr) => {
      const cell = (id) => tr.querySelector(`[data-testid="${id}"]`).textContent.replace(/\s+/g, ' ').trim();
      return { seq: tr.dataset.seq, time: cell('audit-time'), action: cell('audit-action'), actor: cell('audit-actor'),
        object: cell('audit-object'), outcome: cell('audit-outcome'), request: cell('audit-request') };
    }));
    body.items.forEach((e, i) => {
      const r = rows[i];
      assert.equal(r.seq, String(e.seq), `row ${i} is event ${e.seq}`);
      assert.equal(r.time, expectedTime(e.at_ms), `time of event ${e.seq}`);
      assert.equal(r.action, ACTION_TEXT[e.action] || e.action, `action of event ${e.seq}`);
      assert.equal(r.outcome, OUTCOME_TEXT[e.outcome] || e.outcome, `outcome of event ${e.seq}`);
      if (e.request_id) assert.equal(r.request, `…${e.request_id.slice(-8)}`);
      if (e.actor_kind === 'user' && e.actor_id !== session.user.id) {
        assert.equal(r.actor, `Bruker …${e.actor_id.slice(-8)}`);
      }
      if (e.actor_kind === 'system') assert.equal(r.actor, 'System');
      if (e.object_type === 'citizen') assert.match(r.object, /^Innbygger/);
    });
    assert.ok(rows.some((r) => r.action === 'Listet innbyggere' || r.action === 'Innlogging'),
      'a "Listet innbyggere" or "Innlogging" row is listed');
    assert.match(norm(await byId('audit-summary').textContent()), /^Viser 100 hendelser, eldste først\./);
    await shot('revisjon');
    await byId('audit-more').scrollIntoViewIfNeeded();
    await shot('revisjon-last-flere');

    // "Last flere" pages on with after=<last_seq> until a short page.
    let lastSeq = body.last_seq;
    let total = AUDIT_PAGE;
    for (let n = 0; n < 50 && await byId('audit-more').isVisible(); n += 1) {
      const next = page.waitForResponse(isAudit);
      await byId('audit-more').click();
      const more = await next;
      assert.equal(new URL(more.url()).searchParams.get('after'), String(lastSeq));
      const page2 = await more.json();
      total += page2.items.length;
      lastSeq = page2.last_seq;
      await page.waitForFunction((count) => document.querySelectorAll('[data-testid="audit-row"]').length === count,
        total);
      if (page2.items.length < AUDIT_PAGE) await byId('audit-more').waitFor({ state: 'hidden' });
    }
    assert.ok(total > AUDIT_PAGE, 'a second page was loaded');
    assert.equal(await byId('audit-more').isVisible(), false, '"Last flere" is hidden after the last page');
    const seqs = (await byId('audit-row').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.seq))));
    assert.equal(seqs.length, total);
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), 'events are listed once each, oldest first');
  });

  await step(`${AUDITOR}: the action filter and the scope with logins`, async () => {
    const { page, byId, shot } = auditor;
    const filtered = page.waitForResponse(isAudit);
    await byId('audit-action-filter').selectOption('citizen.create');
    const res = await filtered;
    assert.equal(new URL(res.url()).searchParams.get('action'), 'citizen.create');
    const created = (await res.json()).items.length;
    assert.ok(created >= 1, 'the demo data registered citizens here');
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="audit-row"]').length === count, created);
    assert.deepEqual([...new Set((await byId('audit-action').allTextContents()).map(norm))], ['Registrerte innbygger']);

    // All municipalities plus events outside any: the auditor's own login shows up.
    const all = page.waitForResponse((r) => isAudit(r) && new URL(r.url()).searchParams.get('municipality') === null
      && new URL(r.url()).searchParams.get('action') === 'auth.login');
    await byId('audit-action-filter').selectOption('auth.login');
    await byId('audit-scope').selectOption('all');
    const answer = await all;
    const logins = (await answer.json()).items;
    assert.ok(logins.length >= 1, 'logins are listed in the "all" scope');
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="audit-row"]').length === count
      && document.querySelector('[data-testid="audit-row"][data-action="auth.login"]'), logins.length);
    assert.deepEqual([...new Set((await byId('audit-action').allTextContents()).map(norm))], ['Innlogging']);
    const own = page.locator('[data-testid="audit-row"]').filter({ has: page.getByTestId('audit-actor').getByText('(deg)') });
    assert.ok(await own.count() >= 1, 'the auditor\'s own login is marked "(deg)"');
    assert.equal(norm(await own.last().getByTestId('audit-municipality').textContent()), 'Ingen');
    await shot('revisjon-innlogging');
  });

  await step(`${PLAIN}: Administrasjon and Revisjon say the user has no access`, async () => {
    const plain = current = await openPage(browser, problems, { timezoneId: TZ });
    const { page, byId, shot } = plain;
    await login(page, PLAIN);

    const users = page.waitForResponse((r) => r.url().endsWith('/api/v1/users'));
    await byId('nav-administrasjon').click();
    const res = await users;
    assert.equal(res.status(), 403);
    const problem = await res.json();
    await byId('admin-forbidden').waitFor({ state: 'visible' });
    assert.equal(norm(await byId('admin-forbidden-message').textContent()),
      'Du har ikke tilgang til administrasjon. Denne delen er bare for brukere med rollen Administrator.');
    assert.equal(norm(await byId('admin-forbidden-detail').textContent()), norm(`${problem.title}: ${problem.detail}`));
    assert.equal(await byId('admin-user-row').count(), 0);
    assert.equal(await byId('admin-org-row').count(), 0);
    await shot('administrasjon-ingen-tilgang');

    const audit = page.waitForResponse(isAudit);
    await byId('nav-revisjon').click();
    const auditRes = await audit;
    assert.equal(auditRes.status(), 403);
    const auditProblem = await auditRes.json();
    await byId('audit-forbidden').waitFor({ state: 'visible' });
    assert.match(norm(await byId('audit-forbidden-message').textContent()),
      /^Du har ikke tilgang til revisjonsloggen for .+\. Den er bare for brukere med rollen Revisor i kommunen\.$/);
    assert.equal(norm(await byId('audit-forbidden-detail').textContent()),
      norm(`${auditProblem.title}: ${auditProblem.detail}`));
    assert.equal(await byId('audit-row').count(), 0);
    assert.equal(await byId('audit-filters').isVisible(), false);
  });

  await step('no console errors or CSP violations', async () => {
    assert.deepEqual(problems, []);
  });
});
