// resp_panels.js - the "Tjenestenivå" and "Ruting" tabs of the Responssenter console
// (web/views/responssenter.js).
//   Tjenestenivå: GET /api/v1/resp/stats?municipality=&from=&to= -> {months:[…], citizens:[…]}
//     (resp_stats_to_json): share answered within 60 s / 180 s per month against the TSA targets
//     97,5 % and 99 %, median times to claim and close, call-out times, alarm rate per citizen with
//     the abnormal ones flagged; CSV downloads (format=csv&table=months|citizens).
//   Ruting: GET /api/v1/municipalities/{orgnr}/resp/rules and …/resp/coverage: the rules with
//     their schedules and steps, and every hour of the week no rule covers, shown as an error.

import { ApiError, listOf } from '../js/api.js';
import { accessDenied, append, clear, h, showMessage } from '../js/dom.js';
import { EMPTY, shortId } from '../js/format.js';
import { formatSeconds, formatShare, stepLabel } from './resp_common.js';

const TARGET_60 = 0.975;
const TARGET_180 = 0.99;
const DAYS = ['man', 'tir', 'ons', 'tor', 'fre', 'lør', 'søn'];
const DAY_NAMES = { man: 'mandag', tir: 'tirsdag', ons: 'onsdag', tor: 'torsdag', fre: 'fredag', lør: 'lørdag', søn: 'søndag' };

const isoDate = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

function table(testId, caption, heads, rows, empty) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table table-compact', 'data-testid': testId },
      h('caption', { class: 'sr-only' }, caption),
      h('thead', null, h('tr', null, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.length ? rows
        : h('tr', null, h('td', { colspan: String(heads.length), class: 'empty' }, empty)))));
}

function failed(area, err, testId, what) {
  if (err && err.name === 'AbortError') return;
  if (err instanceof ApiError && err.status === 401) return;
  if (err instanceof ApiError && err.status === 403) {
    clear(area).append(accessDenied({ testId: `${testId}-forbidden`, error: err, message: `Du har ikke tilgang til ${what}.` }));
    return;
  }
  const msg = h('div', { class: 'msg msg-error', role: 'alert', 'data-testid': `${testId}-error` });
  showMessage(msg, err instanceof ApiError ? err : `Kunne ikke hente ${what}.`);
  clear(area).append(msg);
}

// ------------------------------------------------------------------ Tjenestenivå

function shareCell(value, target, met, testId) {
  const ok = typeof met === 'boolean' ? met : Number(value) >= target;
  const known = value !== null && value !== undefined && Number.isFinite(Number(value));
  return h('td', { class: 'num', 'data-testid': testId },
    formatShare(value), ' ',
    known ? h('span', { class: `pill ${ok ? 'pill-ok' : 'pill-danger'}` }, ok ? 'innen mål' : 'under mål') : null);
}

function monthRow(m, orgName, targets) {
  return h('tr', { 'data-testid': 'resp-stats-month', 'data-month': m.month || '' },
    h('th', { scope: 'row', class: 'nowrap' }, m.month || EMPTY,
      m.municipality ? h('span', { class: 'muted resp-small' }, ` ${orgName(m.municipality)}`) : null),
    h('td', { class: 'num' }, String(m.alarms ?? EMPTY)),
    shareCell(m.share_60, targets[0], m.met_60, 'resp-stats-share60'),
    shareCell(m.share_180, targets[1], m.met_180, 'resp-stats-share180'),
    h('td', { class: 'num nowrap' }, formatSeconds(m.claim_median_s)),
    h('td', { class: 'num nowrap' }, formatSeconds(m.close_median_s)),
    h('td', { class: 'num' }, String(m.callouts ?? EMPTY)),
    h('td', { class: 'num nowrap' }, formatSeconds(m.callout_start_median_s)),
    h('td', { class: 'num nowrap' }, formatSeconds(m.callout_duration_median_s)));
}

function citizenRow(c, orgName) {
  return h('tr', { 'data-testid': 'resp-stats-citizen', class: c.abnormal ? 'resp-abnormal' : null },
    h('td', null, h('span', { class: 'mono', title: c.citizen_id }, shortId(c.citizen_id))),
    h('td', null, orgName(c.municipality)),
    h('td', { class: 'num' }, String(c.alarms ?? EMPTY)),
    h('td', { class: 'num' }, c.per_30_days === undefined ? EMPTY
      : new Intl.NumberFormat('nb-NO', { maximumFractionDigits: 1 }).format(c.per_30_days)),
    h('td', null, c.abnormal ? h('span', { class: 'pill pill-danger' }, 'Unormalt høy – se over utstyret') : 'Normal'));
}

export function statsPanel(root, ctx, municipalities) {
  const now = new Date();
  const from = h('input', { type: 'date', id: 'resp-stats-from', value: isoDate(new Date(now.getFullYear(), now.getMonth() - 11, 1)),
    'data-testid': 'resp-stats-from' });
  const to = h('input', { type: 'date', id: 'resp-stats-to', value: isoDate(now),
    'data-testid': 'resp-stats-to' });
  const links = h('div', { class: 'resp-links' });
  const area = h('div', { 'data-testid': 'resp-stats-body' });
  const form = h('form', { class: 'filters resp-filters' },
    h('div', { class: 'field field-inline' }, h('label', { for: 'resp-stats-from' }, 'Fra'), from),
    h('div', { class: 'field field-inline' }, h('label', { for: 'resp-stats-to' }, 'Til og med'), to),
    h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Vis'), links);
  root.append(form, area);

  async function load() {
    const params = new URLSearchParams({ municipality: municipalities().join(','), from: from.value, to: to.value });
    const base = `/api/v1/resp/stats?${params}`;
    clear(links).append(
      h('a', { class: 'btn btn-secondary', href: `${base}&format=csv&table=months`, download: '', 'data-testid': 'resp-stats-csv' },
        'Last ned CSV (måneder)'),
      h('a', { class: 'btn btn-secondary', href: `${base}&format=csv&table=citizens`, download: '', 'data-testid': 'resp-stats-csv-citizens' },
        'CSV (per innbygger)'));
    clear(area).append(h('p', { class: 'muted' }, 'Henter tjenestenivå …'));
    let body;
    try {
      body = await ctx.api.get(`${base}&format=json`, { signal: ctx.signal });
    } catch (err) {
      failed(area, err, 'resp-stats', 'tjenestenivået');
      return;
    }
    const months = listOf(body, 'months');
    const citizens = listOf(body, 'citizens', 'rates');
    const abnormal = citizens.filter((c) => c.abnormal);
    const targets = [Number(body && body.target_60) || TARGET_60, Number(body && body.target_180) || TARGET_180];
    append(clear(area), [
      h('p', { class: 'muted resp-small' }, `Mål (TSA): ${formatShare(targets[0])} besvart (tatt) innen 60 s og `
        + `${formatShare(targets[1])} innen 180 s.`),
      table('resp-stats-months', 'Tjenestenivå per måned',
        ['Måned', 'Alarmer', 'Innen 60 s', 'Innen 180 s', 'Median til tatt', 'Median til lukket', 'Utrykninger',
          'Median til start', 'Median varighet'],
        months.map((m) => monthRow(m, ctx.orgName, targets)), 'Ingen alarmer i perioden.'),
      h('h3', { class: 'resp-subhead' }, 'Alarmrate per innbygger'),
      abnormal.length ? h('div', { class: 'msg msg-error', role: 'status', 'data-testid': 'resp-stats-abnormal' },
        `${abnormal.length} ${abnormal.length === 1 ? 'innbygger har' : 'innbyggere har'} unormalt mange alarmer. `
        + 'Se over utstyret og innstillingene.') : null,
      table('resp-stats-citizens', 'Alarmrate per innbygger', ['Innbygger', 'Kommune', 'Alarmer', 'Per 30 dager', 'Vurdering'],
        citizens.slice(0, 50).map((c) => citizenRow(c, ctx.orgName)), 'Ingen innbyggere med alarmer i perioden.')]);
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  return load;
}

// ------------------------------------------------------------------ Ruting

function daysText(days) {
  const list = Array.isArray(days) ? days : [];
  if (list.length === 7) return 'alle dager';
  if (list.length === 5 && DAYS.slice(0, 5).every((d) => list.includes(d))) return 'man–fre';
  return list.join(', ') || EMPTY;
}

function ruleRow(r) {
  return h('tr', { 'data-testid': 'resp-rule-row' },
    h('td', null, r.name || EMPTY),
    h('td', null, !r.service || r.service === '*' ? 'Alle' : r.service),
    h('td', null, r.citizen_id ? h('span', { class: 'mono', title: r.citizen_id }, shortId(r.citizen_id)) : 'Alle'),
    h('td', null, daysText(r.days)),
    h('td', { class: 'nowrap' }, `${r.from || EMPTY}–${r.to || EMPTY}`),
    h('td', null, h('ol', { class: 'resp-steps' }, (r.steps || []).map((s) =>
      h('li', null, `${stepLabel(s.kind)}${s.target ? `: ${s.target}` : ''}${s.timeout_s ? ` (${s.timeout_s} s)` : ''}`)))));
}

function gapText(g) {
  const day = typeof g.day === 'number' ? DAYS[g.day] : g.day;
  const service = !g.service || g.service === '*' ? 'alle tjenester' : `tjeneste ${g.service}`;
  return `Ingen regel dekker ${DAY_NAMES[day] || day} ${g.from}–${g.to} (${service}).`;
}

export function routingPanel(root, ctx, orgnr) {
  const coverage = h('div', { 'data-testid': 'resp-coverage' });
  const rules = h('div', { 'data-testid': 'resp-rules' });
  root.append(h('h3', { class: 'resp-subhead' }, `Dekning – ${ctx.orgName(orgnr)}`), coverage,
    h('h3', { class: 'resp-subhead' }, 'Ruteregler'), rules);

  async function loadCoverage() {
    clear(coverage).append(h('p', { class: 'muted' }, 'Henter dekning …'));
    try {
      const body = await ctx.api.get(`/api/v1/municipalities/${ctx.seg(orgnr)}/resp/coverage`, { signal: ctx.signal });
      const gaps = listOf(body, 'gaps');
      if (body && body.covered && !gaps.length) {
        clear(coverage).append(h('p', { class: 'msg msg-success', 'data-testid': 'resp-covered' },
          'Alle timer i uka er dekket av en regel.'));
      } else {
        clear(coverage).append(h('div', { class: 'msg msg-error', role: 'alert', 'data-testid': 'resp-gaps' },
          h('p', null, h('strong', null, `Hull i rutingen: ${gaps.length} ${gaps.length === 1 ? 'periode' : 'perioder'} uten mottaker.`)),
          h('ul', { class: 'resp-gap-list' }, gaps.map((g) => h('li', { 'data-testid': 'resp-gap' }, gapText(g))))));
      }
    } catch (err) {
      failed(coverage, err, 'resp-coverage', 'dekningen');
    }
  }

  async function loadRules() {
    clear(rules).append(h('p', { class: 'muted' }, 'Henter regler …'));
    try {
      const body = await ctx.api.get(`/api/v1/municipalities/${ctx.seg(orgnr)}/resp/rules`, { signal: ctx.signal });
      clear(rules).append(table('resp-rules-table', 'Ruteregler', ['Navn', 'Tjeneste', 'Innbygger', 'Dager', 'Tid', 'Trinn'],
        listOf(body, 'rules').map(ruleRow), 'Ingen regler. Alarmer går til responssenteret.'));
    } catch (err) {
      failed(rules, err, 'resp-rules', 'rutereglene');
    }
  }

  return () => Promise.all([loadCoverage(), loadRules()]);
}
