// gevinster.js - the "Gevinster" view: benefit realisation (gevinstrealisering) in the selected
// municipality. Key figures, SVG charts drawn here (before/after per indicator for each benefit
// plan; cumulative cost with and without the technology over the analysis period), the benefit
// plans, and the report in the six sections seed 003 recommends, with CSV, XLSX and printable
// HTML exports. The report holds no citizen ids.
// API: GET /api/v1/gevinst/{orgnr}/report (JSON; ?format=csv|xlsx|html for the exports).

import { ApiError } from '../js/api.js';
import { accessDenied, h, showMessage } from '../js/dom.js';
import { EMPTY } from '../js/format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const SECTIONS = 6; // the first six sheets of the report book are the report's sections
const COLORS = { before: '#8a96a8', after: '#1f7a4d', without: '#b3261e', with: '#1f5fbf' };
const PHASE_TEXT = { before: 'før', after: 'etter' };

/** An SVG element (same attribute and child rules as dom.js h, without event handlers). */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function ensureStylesheet() {
  if (document.querySelector('link[data-gevinst-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: 'css/gevinst.css', 'data-gevinst-css': '' }));
}

/** Norwegian number text with at most `decimals` decimals; "–" when missing. */
export function fmt(value, decimals = 0) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return EMPTY;
  return new Intl.NumberFormat('nb-NO', { maximumFractionDigits: decimals }).format(Number(value));
}

/** Short axis text: 1 250 000 -> "1,3 mill.", 45 000 -> "45 000". */
function axisText(value) {
  return Math.abs(value) >= 1e6 ? `${fmt(value / 1e6, 1)} mill.` : fmt(value);
}

/** A round number at least max: 1, 2 or 5 times a power of ten. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max);
}

// ------------------------------------------------------------------ charts

/** Horizontal bars before and after per indicator; each indicator scaled to its own largest value. */
export function beforeAfterChart(plan, index) {
  const rows = plan.before_after || [];
  const width = 640, labelWidth = 210, barMax = 330, rowHeight = 48, top = 6;
  const height = top + rows.length * rowHeight + 4;
  const titleId = `gevinst-ba-title-${index}`;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId,
    'data-testid': 'gevinst-chart-before-after', 'data-plan': plan.id,
  }, svg('title', { id: titleId }, `Før og etter per indikator: ${plan.name}`));
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const max = Math.max(row.before, row.after) || 1;
    chart.append(
      svg('text', { x: 0, y: y + 16 }, row.label),
      svg('text', { x: 0, y: y + 32, class: 'muted-text' }, row.unit));
    [['before', row.before, 2], ['after', row.after, 22]].forEach(([phase, value, offset]) => {
      const barWidth = value > 0 ? Math.max(1, (value / max) * barMax) : 0;
      const decimals = Math.abs(value) < 100 ? 1 : 0;
      chart.append(
        svg('rect', {
          x: labelWidth, y: y + offset, width: barWidth.toFixed(2), height: 16, fill: COLORS[phase],
          'data-testid': 'gevinst-bar', 'data-plan': plan.id, 'data-indicator': row.indicator,
          'data-phase': phase, 'data-value': String(value),
        }, svg('title', null, `${row.label} ${PHASE_TEXT[phase]}: ${fmt(value, decimals)} ${row.unit}`)),
        svg('text', { x: labelWidth + barWidth + 6, y: y + offset + 13 }, fmt(value, decimals)));
    });
  });
  return chart;
}

/** Lines of cumulative cost with and without the technology, year 0 to the analysis period. */
export function cumulativeChart(points) {
  const width = 640, height = 300, left = 78, right = 18, top = 14, bottom = 40;
  const years = points.length - 1;
  const step = niceMax(Math.max(...points.flatMap((p) => [p.without, p.with])) / 4);
  const max = 4 * step; // four gridlines at round values
  const x = (year) => left + (years > 0 ? year / years : 0) * (width - left - right);
  const y = (value) => top + (1 - value / max) * (height - top - bottom);
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'gevinst-cum-title',
    'data-testid': 'gevinst-chart-cumulative',
  }, svg('title', { id: 'gevinst-cum-title' }, 'Akkumulerte kostnader med og uten teknologi'));
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    chart.append(
      svg('line', { x1: left, x2: width - right, y1: y(value), y2: y(value), class: i ? 'grid' : 'axis' }),
      svg('text', { x: left - 8, y: y(value) + 4, 'text-anchor': 'end', class: 'muted-text' }, axisText(value)));
  }
  points.forEach((p) => chart.append(
    svg('text', { x: x(p.year), y: height - bottom + 18, 'text-anchor': 'middle', class: 'muted-text' }, `År ${p.year}`)));
  for (const series of ['without', 'with']) {
    chart.append(svg('polyline', {
      points: points.map((p) => `${x(p.year).toFixed(1)},${y(p[series]).toFixed(1)}`).join(' '),
      fill: 'none', stroke: COLORS[series], 'stroke-width': 2.5, 'data-testid': `gevinst-line-${series}`,
    }));
    points.forEach((p) => chart.append(svg('circle', {
      cx: x(p.year).toFixed(1), cy: y(p[series]).toFixed(1), r: 4, fill: COLORS[series],
      'data-testid': 'gevinst-point', 'data-series': series, 'data-year': String(p.year), 'data-value': String(p[series]),
    }, svg('title', null, `År ${p.year} ${series === 'with' ? 'med' : 'uten'} teknologi: ${fmt(p[series])} kr`))));
  }
  return chart;
}

function legend(items) {
  return h('ul', { class: 'gevinst-legend' },
    items.map(([key, text]) => h('li', null, h('span', { class: `gevinst-swatch gevinst-swatch-${key}`, 'aria-hidden': 'true' }), text)));
}

// ------------------------------------------------------------------ report tables

function cell(value, header) {
  if (typeof value === 'number') {
    const decimals = /%|årsverk|1-6/i.test(header) ? 1 : Math.abs(value) < 10 && value % 1 ? 2 : 0;
    return h('td', { class: 'num' }, fmt(value, decimals));
  }
  return h('td', null, value === null || value === undefined ? '' : String(value));
}

function sheetSection(sheet, index) {
  const id = `gevinst-section-${index}`;
  return h('section', { 'aria-labelledby': id, 'data-testid': 'gevinst-section', 'data-title': sheet.title },
    h('h2', { id }, sheet.title),
    sheet.note ? h('p', { class: 'note' }, sheet.note) : null,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact' },
      h('thead', null, h('tr', null, sheet.columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, sheet.rows.map((row) => h('tr', null, row.map((v, i) => cell(v, sheet.columns[i]))))))));
}

function reportPanel(book) {
  const sheets = (book && book.sheets) || [];
  return h('div', { class: 'panel gevinst-report', 'data-testid': 'gevinst-report' },
    sheets.slice(0, SECTIONS).map(sheetSection),
    sheets.length > SECTIONS ? h('details', { class: 'gevinst-more' },
      h('summary', null, 'Grupperinger, parametre og sporbarhet'),
      sheets.slice(SECTIONS).map((sheet, i) => sheetSection(sheet, SECTIONS + i))) : null);
}

// ------------------------------------------------------------------ the view

function card(testId, label, figure, decimals, unit) {
  const value = figure ? figure.value : null;
  return h('div', { class: 'panel gevinst-card', 'data-testid': testId, 'data-value': value === null ? '' : String(value) },
    h('p', { class: 'gevinst-card-label' }, label),
    h('p', { class: 'gevinst-card-value', title: figure ? figure.formula : '' }, `${fmt(value, decimals)} ${unit}`));
}

function plansTable(plans) {
  return h('div', { class: 'panel panel-flush' }, h('div', { class: 'table-wrap' },
    h('table', { class: 'table', 'data-testid': 'gevinst-plans' },
      h('caption', { class: 'sr-only' }, 'Gevinstplaner'),
      h('thead', null, h('tr', null, ['Plan', 'Teknologi', 'Gevinsttype', 'Måles', 'Ansvarlig', 'Indikator', 'Brukere fulgt opp']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, plans.map((p) => h('tr', { 'data-testid': 'gevinst-plan-row', 'data-id': p.id },
        h('td', null, p.name), h('td', null, p.technology_label), h('td', null, p.gain_type_label),
        h('td', null, p.interval_label), h('td', null, p.owner || EMPTY), h('td', null, p.indicator || EMPTY),
        h('td', { class: 'num' }, `${p.followed} av ${p.users}`)))))));
}

function charts(body) {
  const withBars = body.plans.filter((p) => (p.before_after || []).length);
  return h('div', { class: 'panel gevinst-charts', 'data-testid': 'gevinst-charts' },
    h('h2', null, 'Før og etter per indikator'),
    h('p', { class: 'note' }, 'Siste oppfølgingsmåling mot nullpunktmålingen, omregnet til årstakt. Hver indikator er skalert for seg.'),
    legend([['before', 'Før (nullpunkt)'], ['after', 'Etter (siste oppfølging)']]),
    withBars.map((p, i) => h('figure', { class: 'gevinst-chart' }, h('figcaption', null, p.name), beforeAfterChart(p, i))),
    h('h2', null, `Med og uten teknologi over ${body.total.cumulative.length - 1} år`),
    h('p', { class: 'note' }, 'Akkumulerte kostnader for alle planene: uten teknologi fortsetter tjenesten som før; '
      + 'med teknologi kommer oppstart, lisens og drift i tillegg til tjenesten etter.'),
    legend([['without', 'Uten teknologi'], ['with', 'Med teknologi']]),
    h('figure', { class: 'gevinst-chart' }, cumulativeChart(body.total.cumulative)));
}

function exportLinks(base) {
  return h('div', { class: 'gevinst-actions', 'data-testid': 'gevinst-exports' },
    h('a', { class: 'btn btn-secondary', href: `${base}?format=csv`, download: '', 'data-testid': 'gevinst-export-csv' }, 'Last ned CSV'),
    h('a', { class: 'btn btn-secondary', href: `${base}?format=xlsx`, download: '', 'data-testid': 'gevinst-export-xlsx' }, 'Last ned Excel (XLSX)'),
    h('a', { class: 'btn btn-secondary', href: `${base}?format=html`, target: '_blank', rel: 'noopener', 'data-testid': 'gevinst-export-html' },
      'Utskriftsvennlig rapport'));
}

function showReport(root, body, base, municipality) {
  const figures = body.total.figures;
  root.append(h('div', { class: 'toolbar' },
    h('p', { class: 'toolbar-text' }, 'Kommune: ', h('strong', null, municipality)), exportLinks(base)));
  root.append(h('div', { class: 'gevinst-cards', 'data-testid': 'gevinst-cards' },
    card('gevinst-card-hours', 'Frigjort tid', figures.hours_avoided, 0, 'timer/år'),
    card('gevinst-card-cost', 'Unngåtte kostnader', figures.cost_avoided, 0, 'kr/år'),
    card('gevinst-card-net', 'Netto gevinst', figures.net_annual, 0, 'kr/år'),
    card('gevinst-card-fte', 'Frigjorte årsverk', figures.fte, 2, 'årsverk')));
  root.append(plansTable(body.plans), charts(body), reportPanel(body.book));
}

export async function render(root, ctx) {
  ensureStylesheet();
  if (!ctx.orgnr) {
    root.append(h('div', { class: 'panel' },
      h('p', { 'data-testid': 'gevinst-no-org' }, 'Du har ikke tilgang til noen kommune.')));
    return;
  }
  const base = `/api/v1/gevinst/${ctx.seg(ctx.orgnr)}/report`;
  const municipality = ctx.orgName(ctx.orgnr);
  const status = h('p', { class: 'table-summary', role: 'status', 'data-testid': 'gevinst-status' }, 'Henter gevinstrapporten …');
  const error = h('div', { class: 'msg msg-error', role: 'alert', 'aria-live': 'assertive', 'data-testid': 'gevinst-error' });
  root.append(status, error);
  let body;
  try {
    body = await ctx.api.get(base, { signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted || (err && err.name === 'AbortError')) return;
    status.remove();
    if (err instanceof ApiError && err.status === 403) {
      root.append(accessDenied({ testId: 'gevinst-forbidden', error: err,
        message: `Du har ikke tilgang til gevinstrapporten for ${municipality}.` }));
    } else {
      showMessage(error, err instanceof ApiError ? err : 'Kunne ikke hente gevinstrapporten.');
    }
    return;
  }
  status.remove();
  if (!body || !Array.isArray(body.plans) || body.plans.length === 0) {
    root.append(h('div', { class: 'panel', 'data-testid': 'gevinst-empty' },
      h('p', null, `Ingen gevinstplaner er registrert for ${municipality} ennå.`)));
    return;
  }
  showReport(root, body, base, municipality);
}
