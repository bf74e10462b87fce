// gevinst.test.mjs - browser test of the Gevinster view against a running server with demo data:
// as the case worker (KNUTE_USER) the key figures, the SVG charts (every bar and point checked
// against the API's numbers, bar lengths in proportion), the six report sections, the XLSX
// download (read back with xlsx2csv: sheets and the conclusion's total), the CSV download and
// the printable HTML; as the supplier user, the access-denied panel; no console errors or CSP
// violations throughout. KNUTE_URL etc. as for login.test.mjs (see helpers.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { BASE, USER, checkEnv, launchBrowser, login, openPage, stepper } from './helpers.mjs';

const SUPPLIER = process.env.KNUTE_SUPPLIER_USER || 'leverandor';
const SECTIONS = ['1 Oppnådde gevinster', '2 Spart tid', '3 Unngåtte kostnader', '4 Kvalitet',
  '5 Prosjektkostnader', '6 Konklusjon'];
const BAR_MAX = 330; // the view's longest bar, in SVG units

const isReport = (r) => /\/api\/v1\/gevinst\/\d{9}\/report$/.test(new URL(r.url()).pathname)
  && !new URL(r.url()).search && r.request().method() === 'GET';
const close = (a, b, eps = 1e-6) => Math.abs(Number(a) - Number(b)) <= eps * Math.max(1, Math.abs(Number(b)));

test('Knute web UI: Gevinster (benefit realisation report)', { timeout: 240000 }, async (t) => {
  checkEnv();
  const browser = await launchBrowser(t);
  const problems = [];
  let current = null;
  const step = stepper(t, (name) => (current ? current.shot(name) : Promise.resolve()));

  let report = null;
  await step(`${USER}: the Gevinster page loads the municipality's report`, async () => {
    current = await openPage(browser, problems);
    const { page, byId, shot } = current;
    await login(page, USER);
    const answer = page.waitForResponse(isReport);
    await byId('nav-gevinster').click();
    await page.waitForURL(/#\/gevinster$/);
    const res = await answer;
    assert.equal(res.status(), 200);
    report = await res.json();
    assert.ok(report.plans.length >= 3, 'the demo has benefit plans');
    await byId('gevinst-charts').waitFor({ state: 'visible' });
    assert.equal(await byId('placeholder-panel').count(), 0, 'no longer a placeholder');
    assert.equal(await byId('gevinst-plan-row').count(), report.plans.length);
    for (const [testId, key] of [['gevinst-card-hours', 'hours_avoided'], ['gevinst-card-cost', 'cost_avoided'],
      ['gevinst-card-net', 'net_annual'], ['gevinst-card-fte', 'fte']]) {
      assert.ok(close(await byId(testId).getAttribute('data-value'), report.total.figures[key].value), key);
    }
    await shot('gevinster');
  });

  await step('before/after chart: one pair of bars per indicator, values and lengths from the API', async () => {
    const { page } = current;
    const plans = report.plans.filter((p) => p.before_after.length);
    assert.equal(await page.getByTestId('gevinst-chart-before-after').count(), plans.length);
    for (const plan of plans) {
      const chart = page.locator(`svg[data-testid="gevinst-chart-before-after"][data-plan="${plan.id}"]`);
      assert.equal(await chart.getByTestId('gevinst-bar').count(), 2 * plan.before_after.length);
      for (const row of plan.before_after) {
        const width = {};
        for (const phase of ['before', 'after']) {
          const bar = chart.locator(`rect[data-indicator="${row.indicator}"][data-phase="${phase}"]`);
          assert.equal(await bar.count(), 1);
          assert.ok(close(await bar.getAttribute('data-value'), row[phase]), `${plan.name} ${row.indicator} ${phase}`);
          width[phase] = Number(await bar.getAttribute('width'));
        }
        const max = Math.max(row.before, row.after);
        assert.ok(Math.abs(Math.max(width.before, width.after) - BAR_MAX) < 0.01, 'the larger bar is full length');
        assert.ok(Math.abs(width.after - (row.after / max) * BAR_MAX) < 1.01, 'the bars are in proportion');
      }
    }
    // the demo's medication plan: fewer hours after than before
    const med = report.plans.find((p) => p.technology === 'medication_dispenser');
    const hours = med.before_after.find((r) => r.indicator === 'hours');
    assert.ok(hours.after < hours.before);
  });

  await step('cumulative chart: with and without technology over the analysis period', async () => {
    const { page } = current;
    const chart = page.getByTestId('gevinst-chart-cumulative');
    await chart.waitFor({ state: 'visible' });
    const points = report.total.cumulative;
    assert.equal(points.length, 5, 'year 0 to year 4 (analysis_years default 4)');
    assert.equal(await chart.getByTestId('gevinst-line-without').count(), 1);
    assert.equal(await chart.getByTestId('gevinst-line-with').count(), 1);
    assert.equal(await chart.getByTestId('gevinst-point').count(), 2 * points.length);
    for (const p of points) {
      for (const series of ['without', 'with']) {
        const dot = chart.locator(`circle[data-series="${series}"][data-year="${p.year}"]`);
        assert.ok(close(await dot.getAttribute('data-value'), p[series]), `year ${p.year} ${series}`);
      }
    }
    const last = points[points.length - 1];
    const cy = async (series) => Number(await chart.locator(`circle[data-series="${series}"][data-year="${last.year}"]`).getAttribute('cy'));
    assert.ok(last.without > last.with, 'the demo gains over the period');
    assert.ok(await cy('without') < await cy('with'), 'the higher cost is drawn higher');
    assert.ok(close(last.without - last.with, report.total.figures.net_period.value), 'the gap is the net gain');
  });

  await step('the report: the six sections seed 003 recommends, from the report book', async () => {
    const { page, byId } = current;
    const sections = byId('gevinst-section');
    const titles = [];
    for (let i = 0; i < SECTIONS.length; i++) titles.push(await sections.nth(i).getAttribute('data-title'));
    assert.deepEqual(titles, SECTIONS);
    for (let i = 0; i < SECTIONS.length; i++) {
      const sheet = report.book.sheets[i];
      assert.equal(await sections.nth(i).locator('tbody tr').count(), sheet.rows.length, sheet.title);
    }
    const conclusion = page.locator('[data-testid="gevinst-section"][data-title="6 Konklusjon"]');
    assert.match(await conclusion.textContent(), /Totalt/);
    assert.match(await conclusion.textContent(), /Positiv netto gevinst/);
  });

  await step('XLSX download: the workbook opens, with every section and the right total', async () => {
    const { page, byId } = current;
    const download = page.waitForEvent('download');
    await byId('gevinst-export-xlsx').click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^gevinstrapport-\d{9}\.xlsx$/);
    const path = await file.path();
    const all = execFileSync('xlsx2csv', ['-a', path], { encoding: 'utf8' });
    for (const title of [...SECTIONS, 'Per teknologi', 'Per kvartal', 'Kumulativ', 'Sporbarhet']) {
      assert.ok(all.includes(` - ${title}\n`), `sheet ${title}`);
    }
    for (const plan of report.plans) assert.ok(all.includes(plan.name), plan.name);
    const conclusion = execFileSync('xlsx2csv', ['-n', '6 Konklusjon', path], { encoding: 'utf8' });
    const total = conclusion.split('\n').find((line) => line.startsWith('Totalt,'));
    assert.ok(total, 'a total row');
    assert.ok(close(total.split(',')[3], report.total.figures.net_annual.value, 1e-5), 'net per year in the workbook');
  });

  await step('CSV download and the printable report', async () => {
    const { page, byId } = current;
    const download = page.waitForEvent('download');
    await byId('gevinst-export-csv').click();
    const file = await download;
    const text = fs.readFileSync(await file.path(), 'utf8');
    assert.match(text, /^Nivå,Plan,Nøkkel,Tall,Verdi,Enhet,Formel,Inndata\r\n/);
    assert.ok(text.includes('hours_avoided x wage_per_hour + km_avoided x km_rate'), 'formulas travel with the numbers');
    const html = byId('gevinst-export-html');
    assert.equal(await html.getAttribute('target'), '_blank');
    const res = await page.request.get(new URL(await html.getAttribute('href'), `${BASE}/`).href);
    assert.equal(res.status(), 200);
    const body = await res.text();
    for (const title of SECTIONS) assert.ok(body.includes(`<h2>${title}</h2>`), title);
  });

  await step(`${SUPPLIER}: no access to a report, told so`, async () => {
    current = await openPage(browser, problems);
    const { page, byId } = current;
    await login(page, SUPPLIER);
    const answer = page.waitForResponse(isReport);
    await byId('nav-gevinster').click();
    assert.equal((await answer).status(), 403);
    await byId('gevinst-forbidden').waitFor({ state: 'visible' });
    assert.equal(await byId('gevinst-charts').count(), 0);
  });

  await step('no console errors or CSP violations', async () => {
    assert.deepEqual(problems, []);
  });
});
