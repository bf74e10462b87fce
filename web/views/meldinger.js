// meldinger.js - the "Meldinger (knutepunkt)" view for admins of a municipality: the hub's
// messages to the selected municipality (status, sender, event, time; filter by status,
// "Last flere"), one message's deliveries with every attempt, the dead-letter queue with
// requeue, the authorisation register (tilgangsregister) and the routes and destinations.
// APIs (each panel says "ikke tilgjengelig" when its API answers 404/405 or fails):
//   GET  /api/v1/hub/messages?receiver=&status=&after=&limit=  -> {items, next}
//   GET  /api/v1/hub/messages/{id}/deliveries                  -> {items: [delivery + attempts]}
//   GET  /api/v1/hub/dead?receiver=                            -> {items}
//   POST /api/v1/hub/dead/{id}/requeue
//   GET  /api/v1/hub/grants?receiver=, /routes?receiver=, /destinations?receiver=

import { ApiError, listOf } from '../js/api.js';
import { accessDenied, append, clear, h, showMessage } from '../js/dom.js';
import { EMPTY, formatDateTime, formatTimestampMs, shortId } from '../js/format.js';

const PAGE = 50;

const STATUSES = [
  ['registered', 'Registrert', 'pill-muted'],
  ['delivered', 'Levert', 'pill-warn'],
  ['journaled', 'Journalført', 'pill-ok'],
  ['failed', 'Feilet', 'pill-danger'],
];
const STATUS = new Map(STATUSES.map(([value, label, cls]) => [value, { label, cls }]));
const DELIVERY = {
  pending: ['Venter', 'pill-warn'],
  done: ['Levert', 'pill-ok'],
  dead: ['Død', 'pill-danger'],
  1: ['Venter', 'pill-warn'],
  2: ['Levert', 'pill-ok'],
  3: ['Død', 'pill-danger'],
};

function pill([text, cls]) {
  return h('span', { class: `pill ${cls}` }, text);
}

export function statusPill(status) {
  const s = STATUS.get(status);
  return pill(s ? [s.label, s.cls] : [String(status || EMPTY), 'pill-muted']);
}

/** A time from any of the shapes the hub APIs use (ms number, seconds or RFC 3339 text). */
function when(value) {
  if (value === undefined || value === null || value === '') return EMPTY;
  if (typeof value === 'number') return value > 1e11 ? formatTimestampMs(value) : formatTimestampMs(value * 1000);
  return formatDateTime(value);
}

function idCell(id) {
  return id ? h('span', { class: 'mono', title: id }, shortId(id)) : EMPTY;
}

/** True when the error means "this API is not there (yet)". */
function missing(err) {
  return err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501);
}

function unavailable(testId, what) {
  return h('p', { class: 'muted', 'data-testid': testId }, `${what} er ikke tilgjengelig.`);
}

function table(testId, caption, heads, rows, empty) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table table-compact', 'data-testid': testId },
      h('caption', { class: 'sr-only' }, caption),
      h('thead', null, h('tr', null, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.length ? rows
        : h('tr', null, h('td', { colspan: String(heads.length), class: 'empty' }, empty)))));
}

/** Load one panel's list; on a missing API or error show "ikke tilgjengelig" instead. */
async function panelList(ctx, area, path, what, testId, build) {
  clear(area).append(h('p', { class: 'muted' }, `Henter ${what.toLowerCase()} …`));
  try {
    const body = await ctx.api.get(path, { signal: ctx.signal });
    clear(area).append(build(listOf(body)));
  } catch (err) {
    if (ctx.signal.aborted || (err && err.name === 'AbortError')) return;
    if (err instanceof ApiError && err.status === 401) return;
    clear(area).append(unavailable(`${testId}-unavailable`, what));
    if (!missing(err)) area.append(h('p', { class: 'muted' }, err.detail || err.title || ''));
  }
}

// ---------------------------------------------------------------- message detail

function attemptsOf(d) {
  if (Array.isArray(d.attempts)) return d.attempts;
  if (Array.isArray(d.attempt_list)) return d.attempt_list;
  if (Array.isArray(d.items)) return d.items;
  return [];
}

function attemptRow(a) {
  return h('tr', { 'data-testid': 'hub-attempt-row' },
    h('td', null, String(a.n ?? EMPTY)),
    h('td', { class: 'nowrap' }, when(a.started_at_ms ?? a.started_at)),
    h('td', null, a.duration_ms !== undefined ? `${a.duration_ms} ms` : EMPTY),
    h('td', null, a.http_status ? String(a.http_status) : EMPTY),
    h('td', null, a.error ? a.error : pill(['OK', 'pill-ok'])));
}

function deliveryBlock(d) {
  const count = typeof d.attempts === 'number' ? d.attempts : attemptsOf(d).length;
  return h('div', { class: 'panel', 'data-testid': 'hub-delivery' },
    h('h3', null, 'Levering til ', d.dest_name || d.destination || idCell(d.dest_id), ' ',
      pill(DELIVERY[d.status] || [String(d.status || EMPTY), 'pill-muted'])),
    h('p', { class: 'muted' }, `${count} forsøk`,
      d.last_error ? ` – siste feil: ${d.last_error}` : '',
      (d.next_at_ms ?? d.next_at) ? ` – neste forsøk ${when(d.next_at_ms ?? d.next_at)}` : ''),
    table('hub-attempts', 'Forsøk', ['Nr.', 'Startet', 'Varighet', 'HTTP', 'Resultat'],
      attemptsOf(d).map(attemptRow), 'Ingen forsøk ennå.'));
}

async function showDetail(ctx, area, m) {
  clear(area).append(h('h2', null, 'Melding ', h('span', { class: 'mono' }, m.id)),
    h('dl', { class: 'detail-list', 'data-testid': 'hub-message-detail' },
      h('dt', null, 'Status'), h('dd', null, statusPill(m.status)),
      h('dt', null, 'Hendelse'), h('dd', null, m.event || m.kind || EMPTY),
      h('dt', null, 'Avsender (klient)'), h('dd', null, idCell(m.sender_client)),
      h('dt', null, 'Mottatt'), h('dd', null, when(m.created_at_ms ?? m.created_at)),
      h('dt', null, 'Sist endret'), h('dd', null, when(m.updated_at_ms ?? m.updated_at))));
  const deliveries = h('div', { 'data-testid': 'hub-deliveries' });
  area.append(h('h3', null, 'Leveranser og forsøk'), deliveries);
  await panelList(ctx, deliveries, `/api/v1/hub/messages/${ctx.seg(m.id)}/deliveries`, 'Leveranser',
    'hub-deliveries', (items) => (items.length ? h('div', null, items.map(deliveryBlock))
      : h('p', { 'data-testid': 'hub-deliveries-empty' }, 'Ingen leveranser (ikke rutet ennå, eller hentes av EPJ).')));
  area.focus();
}

// ---------------------------------------------------------------- panels

function deadPanel(ctx, area) {
  const load = () => panelList(ctx, area, `/api/v1/hub/dead?receiver=${ctx.seg(ctx.orgnr)}`,
    'Feilkøen', 'hub-dead', (items) => table('hub-dead-table', 'Feilkø',
      ['Levering', 'Melding', 'Forsøk', 'Siste feil', ''],
      items.map((d) => {
        const msg = h('span', { 'aria-live': 'polite' });
        const btn = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'hub-requeue' },
          'Send på nytt');
        btn.addEventListener('click', async () => {
          btn.disabled = true;
          try {
            await ctx.api.post(`/api/v1/hub/dead/${ctx.seg(d.id)}/requeue`, {});
            msg.textContent = ' Lagt i kø.';
          } catch (err) {
            btn.disabled = false;
            msg.textContent = missing(err) ? ' Ikke tilgjengelig.' : ` ${err.detail || err.title}`;
          }
        });
        return h('tr', { 'data-testid': 'hub-dead-row' }, h('td', null, idCell(d.id)),
          h('td', null, idCell(d.message_id)), h('td', null, String(d.attempts ?? EMPTY)),
          h('td', null, d.last_error || EMPTY), h('td', null, btn, msg));
      }), 'Feilkøen er tom.'));
  return load();
}

function registerPanel(ctx, area) {
  return panelList(ctx, area, `/api/v1/hub/grants?receiver=${ctx.seg(ctx.orgnr)}`, 'Tilgangsregisteret',
    'hub-grants', (items) => table('hub-grants-table', 'Tilgangsregister',
      ['Klient', 'Ressurs', 'Tilgang', 'Opprettet'],
      items.map((g) => h('tr', { 'data-testid': 'hub-grant-row' },
        h('td', null, g.client_name || idCell(g.client || g.client_id)), h('td', null, g.resource),
        h('td', null, g.access === 'write' ? 'Skrive' : g.access === 'read' ? 'Lese' : g.access),
        h('td', null, when(g.created_at)))), 'Ingen klienter har tilgang.'));
}

function routesPanel(ctx, area) {
  const dests = h('div');
  const routes = h('div');
  area.append(h('h3', null, 'Mottakere (EPJ)'), dests, h('h3', null, 'Ruter'), routes);
  const q = `?receiver=${ctx.seg(ctx.orgnr)}`;
  return Promise.all([
    panelList(ctx, dests, `/api/v1/hub/destinations${q}`, 'Mottakerlisten', 'hub-destinations',
      (items) => table('hub-destinations-table', 'Mottakere', ['Navn', 'Modus', 'Adresse', 'Maks samtidig'],
        items.map((d) => h('tr', null, h('td', null, d.name || idCell(d.id)),
          h('td', null, d.mode === 'pull' || d.mode === 2 ? 'Henting (pull)' : 'Levering (push)'),
          h('td', { class: 'mono' }, d.url || EMPTY), h('td', null, String(d.max_concurrency ?? EMPTY)))),
        'Ingen mottakere.')),
    panelList(ctx, routes, `/api/v1/hub/routes${q}`, 'Rutetabellen', 'hub-routes',
      (items) => table('hub-routes-table', 'Ruter', ['Hendelse', 'Mottaker'],
        items.map((r) => h('tr', null, h('td', null, r.event === '*' ? 'Alle' : r.event),
          h('td', null, r.dest_name || idCell(r.dest_id)))), 'Ingen ruter.')),
  ]);
}

// ---------------------------------------------------------------- the message list

export async function render(root, ctx) {
  if (!ctx.orgnr) {
    root.append(h('div', { class: 'panel' },
      h('p', { 'data-testid': 'hub-no-org' }, 'Du har ikke tilgang til noen kommune.')));
    return;
  }
  const status = h('select', { id: 'hub-status', 'data-testid': 'hub-status-filter' },
    h('option', { value: '' }, 'Alle statuser'),
    STATUSES.map(([value, label]) => h('option', { value }, label)));
  const filters = h('div', { class: 'filters' },
    h('div', { class: 'field field-inline' }, h('label', { for: 'hub-status' }, 'Status'), status));
  const error = h('div', { class: 'msg msg-error', role: 'alert', 'data-testid': 'hub-error' });
  const summary = h('p', { class: 'table-summary', 'aria-live': 'polite', 'data-testid': 'hub-summary' });
  const tbody = h('tbody', { 'data-testid': 'hub-message-rows' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'hub-more', hidden: true },
    'Last flere');
  const detail = h('div', { class: 'panel', 'data-testid': 'hub-detail', tabindex: '-1', hidden: true });
  const list = h('div', { class: 'panel panel-flush', 'data-testid': 'hub-messages' }, summary, error,
    h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact', 'data-testid': 'hub-message-table' },
      h('caption', { class: 'sr-only' }, `Meldinger til ${ctx.orgName(ctx.orgnr)}`),
      h('thead', null, h('tr', null, ['Mottatt', 'Hendelse', 'Avsender', 'Status', 'Melding']
        .map((t) => h('th', { scope: 'col' }, t)))),
      tbody)),
    h('div', { class: 'table-footer' }, more));
  const dead = h('div', { 'data-testid': 'hub-dead' });
  const register = h('div', { 'data-testid': 'hub-grants' });
  const routing = h('div', { 'data-testid': 'hub-routing' });
  const denied = h('div');
  root.append(denied, filters, list, detail,
    h('div', { class: 'panel' }, h('h2', null, 'Feilkø (døde meldinger)'), dead),
    h('div', { class: 'panel' }, h('h2', null, 'Tilgangsregister'), register),
    h('div', { class: 'panel' }, h('h2', null, 'Ruting'), routing));

  let next = null;
  let shown = 0;

  function row(m) {
    const open = h('button', { type: 'button', class: 'btn btn-ghost', 'data-testid': 'hub-open' }, shortId(m.id));
    open.addEventListener('click', () => {
      detail.hidden = false;
      showDetail(ctx, detail, m);
    });
    return h('tr', { 'data-testid': 'hub-message-row', 'data-status': m.status || '' },
      h('td', { class: 'nowrap' }, when(m.created_at_ms ?? m.created_at)),
      h('td', null, m.event || m.kind || EMPTY),
      h('td', null, idCell(m.sender_client)),
      h('td', { 'data-testid': 'hub-message-status' }, statusPill(m.status)),
      h('td', null, open));
  }

  async function load(appendPage) {
    const params = new URLSearchParams({ receiver: ctx.orgnr, limit: String(PAGE) });
    if (status.value) params.set('status', status.value);
    if (appendPage && next) params.set('after', next);
    showMessage(error, '');
    let body;
    try {
      body = await ctx.api.get(`/api/v1/hub/messages?${params}`, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted || (err && err.name === 'AbortError')) return;
      if (err instanceof ApiError && err.status === 401) return;
      if (err instanceof ApiError && err.status === 403) {
        filters.hidden = true;
        list.hidden = true;
        clear(denied).append(accessDenied({ testId: 'hub-forbidden', error: err,
          message: `Meldingene til ${ctx.orgName(ctx.orgnr)} er bare for administratorer i kommunen.` }));
        return;
      }
      if (missing(err)) clear(list).append(unavailable('hub-messages-unavailable', 'Meldingslisten'));
      else showMessage(error, err);
      return;
    }
    const items = listOf(body);
    if (!appendPage) {
      clear(tbody);
      shown = 0;
    }
    append(tbody, items.map(row));
    shown += items.length;
    next = body && body.next ? body.next : null;
    more.hidden = !next;
    if (shown === 0) {
      tbody.append(h('tr', { 'data-testid': 'hub-empty' }, h('td', { colspan: '5', class: 'empty' },
        status.value ? 'Ingen meldinger med denne statusen.' : 'Ingen meldinger er mottatt.')));
    }
    summary.textContent = shown ? `Viser ${shown} ${shown === 1 ? 'melding' : 'meldinger'}, eldste først.` : '';
  }

  status.addEventListener('change', () => load(false));
  more.addEventListener('click', () => load(true));
  await Promise.all([load(false), deadPanel(ctx, dead), registerPanel(ctx, register), routesPanel(ctx, routing)]);
}
