// revisjon.js - the "Revisjon (logg)" view: the audit trail for auditors. Lists the events of
// the selected municipality (or of all the caller's municipalities plus events outside any
// municipality, such as logins), oldest first, filtered by action, paged with "Last flere".
// API: GET /api/v1/audit?municipality=&action=&after=&limit= -> {items: [...], last_seq}.

import { ApiError, listOf } from '../js/api.js';
import { accessDenied, clear, h, showMessage } from '../js/dom.js';
import { EMPTY, formatDateTime, formatTimestampMs, shortId } from '../js/format.js';

const PAGE = 100;

/** Known actions in bokmål; the filter offers these, other actions are shown as recorded. */
const ACTIONS = [
  ['auth.login', 'Innlogging'],
  ['citizen.list', 'Listet innbyggere'],
  ['citizen.read', 'Leste innbygger'],
  ['citizen.create', 'Registrerte innbygger'],
  ['hub.intake', 'Mottok melding'],
  ['hub.intake.duplicate', 'Mottok duplikat av melding'],
  ['hub.status.read', 'Leste meldingsstatus'],
  ['hub.pull', 'EPJ hentet meldinger'],
  ['hub.message.delivered', 'Melding levert (hentet)'],
  ['hub.journaled', 'Melding journalført'],
  ['hub.delivery.attempt', 'Leveringsforsøk'],
  ['hub.delivery.dead', 'Melding til feilkø'],
  ['hub.delivery.read', 'Leste levering'],
  ['hub.delivery.requeue', 'Sendte melding på nytt'],
  ['hub.delivery.edit_requeue', 'Rettet og sendte melding på nytt'],
  ['hub.read', 'Leste ressurs (FHIR)'],
  ['hub.search', 'Søkte i ressurser (FHIR)'],
  ['hub.messages', 'Listet meldinger'],
  ['hub.grant.add', 'Ga tilgang i registeret'],
  ['hub.grant.remove', 'Fjernet tilgang i registeret'],
  ['hub.destination.create', 'Opprettet mottaker (EPJ)'],
  ['hub.destination.update', 'Endret mottaker (EPJ)'],
  ['hub.route.add', 'La til ruting'],
  ['hub.route.remove', 'Fjernet ruting'],
  ['gain.plan.create', 'Opprettet gevinstplan'],
  ['gain.measure.create', 'Registrerte måling'],
  ['gain.measure.list', 'Leste målinger'],
  ['gain.report', 'Leste gevinstrapport'],
];
const ACTION_LABELS = new Map(ACTIONS);

const ACTOR_KINDS = { user: 'Bruker', client: 'Klient', system: 'System' };
const OBJECT_TYPES = {
  citizen: ['Innbygger', 'Innbyggere'],
  user: ['Bruker', 'Brukere'],
  hub_message: ['Melding', 'Meldinger'],
  gain_plan: ['Gevinstplan', 'Gevinstplaner'],
};
const OUTCOMES = {
  ok: ['OK', 'pill-ok'],
  denied: ['Avvist', 'pill-danger'],
  locked: ['Sperret', 'pill-warn'],
};

export function actionLabel(action) {
  return ACTION_LABELS.get(action) || String(action || EMPTY);
}

function eventTime(e) {
  if (e.at_ms !== undefined && e.at_ms !== null) return formatTimestampMs(e.at_ms);
  return formatDateTime(e.at);
}

/** A short id in monospace with the full id as tooltip. */
function idCell(id) {
  return id ? h('span', { class: 'mono', title: id }, shortId(id)) : null;
}

export async function render(root, ctx) {
  if (!ctx.orgnr) {
    root.append(h('div', { class: 'panel' },
      h('p', { 'data-testid': 'audit-no-org' }, 'Du har ikke tilgang til noen kommune.')));
    return;
  }
  const municipality = ctx.orgName(ctx.orgnr);

  // --- filters
  const scope = h('select', { id: 'audit-scope', 'data-testid': 'audit-scope' },
    h('option', { value: 'municipality' }, municipality),
    h('option', { value: 'all' }, 'Alle mine kommuner og innlogginger'));
  const action = h('select', { id: 'audit-action', 'data-testid': 'audit-action-filter' },
    h('option', { value: '' }, 'Alle handlinger'),
    ACTIONS.map(([value, label]) => h('option', { value }, label)));
  const filters = h('div', { class: 'filters', 'data-testid': 'audit-filters' },
    h('div', { class: 'field field-inline' }, h('label', { for: 'audit-scope' }, 'Omfang'), scope),
    h('div', { class: 'field field-inline' }, h('label', { for: 'audit-action' }, 'Handling'), action));
  root.append(filters);

  // --- table
  const denied = h('div', { 'data-testid': 'audit-denied-area' });
  const listError = h('div', { class: 'msg msg-error', role: 'alert', 'aria-live': 'assertive', 'data-testid': 'audit-error' });
  const summary = h('p', { class: 'table-summary', 'aria-live': 'polite', 'data-testid': 'audit-summary' });
  const municipalityHead = h('th', { scope: 'col' }, 'Kommune');
  const tbody = h('tbody', { 'data-testid': 'audit-rows' });
  const table = h('table', { class: 'table table-compact', 'data-testid': 'audit-table' },
    h('caption', { class: 'sr-only' }, 'Revisjonslogg'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Tid'),
      h('th', { scope: 'col' }, 'Handling'),
      h('th', { scope: 'col' }, 'Aktør'),
      h('th', { scope: 'col' }, 'Objekt'),
      municipalityHead,
      h('th', { scope: 'col' }, 'Utfall'),
      h('th', { scope: 'col' }, 'Forespørsel-id'))),
    tbody);
  const more = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'audit-more', hidden: true },
    'Last flere');
  const footer = h('div', { class: 'table-footer' }, more);
  const tableWrap = h('div', { class: 'table-wrap' }, table);
  const panel = h('div', { class: 'panel panel-flush' }, summary, listError, tableWrap, footer);
  root.append(denied, panel);

  let lastSeq = 0;
  let shown = 0;
  let loadController = null;

  const allScope = () => scope.value === 'all';

  function row(e) {
    const self = e.actor_id && e.actor_id === ctx.user.id;
    const kind = ACTOR_KINDS[e.actor_kind] || e.actor_kind || EMPTY;
    const [typeOne, typeMany] = OBJECT_TYPES[e.object_type] || [e.object_type || '', e.object_type || ''];
    const [outcomeText, outcomeClass] = OUTCOMES[e.outcome] || [e.outcome || EMPTY, 'pill-muted'];
    return h('tr', { 'data-testid': 'audit-row', 'data-seq': String(e.seq), 'data-action': e.action || '' },
      h('td', { class: 'nowrap', 'data-testid': 'audit-time' }, eventTime(e)),
      h('td', { 'data-testid': 'audit-action' }, actionLabel(e.action)),
      h('td', { class: 'nowrap', 'data-testid': 'audit-actor' }, kind, ' ',
        self ? h('span', { class: 'muted', title: e.actor_id }, '(deg)') : idCell(e.actor_id)),
      h('td', { class: 'nowrap', 'data-testid': 'audit-object' },
        e.object_id ? [typeOne, ' ', idCell(e.object_id)] : (typeMany || EMPTY)),
      allScope() ? h('td', { 'data-testid': 'audit-municipality' },
        e.municipality ? ctx.orgName(e.municipality) : h('span', { class: 'muted' }, 'Ingen')) : null,
      h('td', { 'data-testid': 'audit-outcome' }, h('span', { class: `pill ${outcomeClass}` }, outcomeText)),
      h('td', { 'data-testid': 'audit-request' }, idCell(e.request_id) || EMPTY));
  }

  function updateSummary(hasMore) {
    const what = action.value ? ` av typen «${actionLabel(action.value)}»` : '';
    if (shown === 0) {
      summary.textContent = '';
      return;
    }
    summary.textContent = `Viser ${shown} ${shown === 1 ? 'hendelse' : 'hendelser'}${what}, eldste først.`
      + (hasMore ? ' Trykk «Last flere» for nyere.' : '');
  }

  /** Load a page: from the start (append false) or after the last event shown. */
  async function load(append) {
    if (loadController) loadController.abort();
    const controller = new AbortController();
    loadController = controller;
    const abortLoad = () => controller.abort();
    ctx.signal.addEventListener('abort', abortLoad, { once: true });

    const params = new URLSearchParams();
    if (!allScope()) params.set('municipality', ctx.orgnr);
    if (action.value) params.set('action', action.value);
    if (append) params.set('after', String(lastSeq));
    params.set('limit', String(PAGE));

    showMessage(listError, '');
    more.setAttribute('aria-busy', 'true');
    table.setAttribute('aria-busy', 'true');
    if (!append) summary.textContent = 'Henter hendelser …';
    let body;
    try {
      body = await ctx.api.get(`/api/v1/audit?${params}`, { signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted || (err && err.name === 'AbortError')) return;
      if (err instanceof ApiError && err.status === 401) return; // the shell shows the login form
      summary.textContent = '';
      if (err instanceof ApiError && err.status === 403) {
        filters.hidden = true;
        panel.hidden = true;
        clear(denied).append(accessDenied({
          testId: 'audit-forbidden',
          message: allScope()
            ? 'Du har ikke tilgang til revisjonsloggen. Den er bare for brukere med rollen Revisor.'
            : `Du har ikke tilgang til revisjonsloggen for ${municipality}. `
              + 'Den er bare for brukere med rollen Revisor i kommunen.',
          error: err,
        }));
        return;
      }
      showMessage(listError, err instanceof ApiError ? err : 'Kunne ikke hente revisjonsloggen.');
      return;
    } finally {
      ctx.signal.removeEventListener('abort', abortLoad);
      if (loadController === controller) {
        loadController = null;
        table.removeAttribute('aria-busy');
        more.removeAttribute('aria-busy');
      }
    }

    const events = listOf(body, 'events');
    if (!append) {
      clear(tbody);
      shown = 0;
      municipalityHead.hidden = !allScope();
    }
    for (const e of events) tbody.append(row(e));
    shown += events.length;
    if (body && Number.isFinite(body.last_seq)) lastSeq = body.last_seq;
    else if (events.length) lastSeq = events[events.length - 1].seq;

    if (shown === 0) {
      tbody.append(h('tr', { 'data-testid': 'audit-empty' },
        h('td', { colspan: allScope() ? '7' : '6', class: 'empty' },
          action.value ? 'Ingen hendelser av denne typen.' : 'Ingen hendelser er logget.')));
    }
    const hasMore = events.length === PAGE;
    const hadFocus = document.activeElement === more;
    more.hidden = !hasMore;
    // Keep keyboard focus somewhere sensible when the button disappears.
    if (hadFocus && !hasMore) summary.focus();
    updateSummary(hasMore);
  }

  summary.setAttribute('tabindex', '-1');
  scope.addEventListener('change', () => load(false));
  action.addEventListener('change', () => load(false));
  more.addEventListener('click', () => {
    if (!loadController) load(true); // one page at a time
  });

  await load(false);
}
