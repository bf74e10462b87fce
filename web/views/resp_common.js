// resp_common.js - shared pieces of the Responssenter console (web/views/responssenter.js,
// resp_detail.js, resp_panels.js): bokmål labels for priorities, states, event kinds, VKP
// composition events and routing steps; the operator steps with their keys and the rules for
// when each is allowed (docs/response.md, "Operator steps"); time formatting for ages.

import { h } from '../js/dom.js';
import { EMPTY } from '../js/format.js';

/** Priority 1..5: name (text, never colour only) and CSS class. */
export const PRIORITIES = {
  1: { name: 'Rød', cls: 'resp-p1' },
  2: { name: 'Oransje', cls: 'resp-p2' },
  3: { name: 'Gul', cls: 'resp-p3' },
  4: { name: 'Grønn', cls: 'resp-p4' },
  5: { name: 'Blå', cls: 'resp-p5' },
};

export function priorityChip(alarm) {
  const p = PRIORITIES[alarm.priority] || { name: alarm.priority_name || String(alarm.priority ?? EMPTY), cls: 'resp-p0' };
  return h('span', { class: `resp-prio ${p.cls}`, 'data-testid': 'resp-priority', title: `Prioritet ${alarm.priority}: ${p.name}` },
    p.name);
}

/** State names as resp_state_name gives them, with display text. */
export const STATES = {
  ny: 'Ny',
  tatt: 'Tatt',
  kvittert: 'Kvittert',
  utrykning: 'Utrykning',
  avsluttet: 'Avsluttet',
};
export const stateLabel = (state) => STATES[state] || String(state || EMPTY);

export const OUTCOMES = {
  telefon: 'Løst på telefon',
  utrykning: 'Utrykning',
  utsatt: 'Utsatt til neste besøk',
  113: 'Overlatt til 113',
  falsk: 'Falsk alarm',
};

/** VKP composition-event codes (vkp-composition-event). */
export const VKP_EVENTS = {
  0: 'hendelse meldt',
  1: 'hendelse behandles',
  3: 'hendelse kvittert',
  4: 'hendelse til utrykning',
  5: 'hendelse ok utrykning',
  6: 'årsak',
  7: 'tiltak',
  8: 'samtale',
  9: 'aksjon',
  10: 'annen aktør',
};

export const EVENT_KINDS = {
  created: 'Mottatt',
  repeated: 'Gjentatt',
  claimed: 'Tatt',
  released: 'Frigitt',
  acknowledged: 'Kvittert',
  phone: 'Løst på telefon',
  callout_requested: 'Utrykning bestilt',
  callout_started: 'Utrykning startet',
  callout_done: 'Utrykning fullført',
  deferred: 'Utsatt',
  emergency: 'Overlatt til 113',
  cause: 'Årsak',
  measure: 'Tiltak',
  note: 'Notat',
  closed: 'Lukket',
  escalated: 'Eskalert',
  renotified: 'Påminnelse',
  contact_restored: 'Kontakt gjenopprettet',
  journaled: 'Journalført',
  journal_failed: 'Journalføring feilet',
};

export const STEP_KINDS = {
  centre: 'Responssenter',
  homecare: 'Hjemmetjenesten',
  oncall: 'Vakttelefon',
  relatives: 'Pårørende',
};
export const stepLabel = (kind) => STEP_KINDS[kind] || String(kind || EMPTY);

/**
 * The operator steps: action (API name), key (event.key, case-insensitive unless `shift`),
 * the key as shown, the button text, and what it asks for first (input 'team' | 'text',
 * confirm). Kvitter is Shift+K because a plain k moves up in the queue (j/k).
 */
export const ACTIONS = [
  { action: 'claim', key: 't', show: 'T', label: 'Ta' },
  { action: 'acknowledge', key: 'K', shift: true, show: '⇧K', label: 'Kvitter' },
  { action: 'phone', key: 'r', show: 'R', label: 'Løst på telefon' },
  { action: 'callout', key: 'u', show: 'U', label: 'Utrykning', input: 'team' },
  { action: 'callout_started', key: 's', show: 'S', label: 'Utrykning startet' },
  { action: 'callout_done', key: 'f', show: 'F', label: 'Utrykning fullført' },
  { action: 'defer', key: 'p', show: 'P', label: 'Utsett' },
  { action: 'emergency', key: '1', show: '1', label: '113', confirm: true },
  { action: 'cause', key: 'a', show: 'A', label: 'Årsak', input: 'text' },
  { action: 'measure', key: 'm', show: 'M', label: 'Tiltak', input: 'text' },
  { action: 'note', key: 'n', show: 'N', label: 'Notat', input: 'text' },
  { action: 'close', key: 'l', show: 'L', label: 'Lukk' },
  { action: 'release', key: 'g', show: 'G', label: 'Frigi' },
];

/** The step bound to a keydown event, or null. */
export function actionForKey(event) {
  return ACTIONS.find((a) => (a.shift
    ? event.shiftKey && event.key.toLowerCase() === a.key.toLowerCase()
    : event.key.toLowerCase() === a.key)) || null;
}

/** Call-out progress from "callout" ("" | requested | started | done). */
function calloutState(a) {
  const requested = ['requested', 'started', 'done'].includes(a.callout);
  const started = ['started', 'done'].includes(a.callout);
  const done = a.callout === 'done';
  return { requested, started, done, underWay: requested && !done };
}

/**
 * Why `action` is not allowed now ('' = allowed), from the state rules of docs/response.md.
 *   alarm: the alarm JSON; me: the user's id; canOperate: the user may act in its municipality;
 *   notes: { cause, measure } already noted (from the events).
 */
export function blockedReason(action, alarm, me, canOperate, notes) {
  if (!alarm) return 'Ingen alarm er valgt.';
  if (!canOperate) return 'Du kan ikke behandle alarmer i denne kommunen.';
  const state = alarm.state;
  if (state === 'avsluttet') return 'Alarmen er lukket.';
  const holder = alarm.claimed_by;
  const mine = Boolean(holder && holder.id === me);
  if (action === 'claim') {
    if (holder && !mine) return `Tatt av ${holder.name || 'en annen'}.`;
    return state === 'ny' && !holder ? '' : 'Alarmen er allerede tatt.';
  }
  if (!mine) return holder ? `Tatt av ${holder.name || 'en annen'}.` : 'Ta alarmen først.';
  const co = calloutState(alarm);
  switch (action) {
    case 'release':
      return co.underWay ? 'En utrykning er underveis.' : '';
    case 'acknowledge':
      return state === 'tatt' ? '' : 'Alarmen er allerede kvittert.';
    case 'phone':
    case 'defer':
    case 'callout':
      return state === 'kvittert' ? '' : (state === 'tatt' ? 'Kvitter alarmen først.' : 'Ikke mulig etter utrykning.');
    case 'callout_started':
      return state === 'utrykning' && co.requested && !co.started && !co.done ? '' : 'Ingen bestilt utrykning.';
    case 'callout_done':
      return state === 'utrykning' && co.underWay ? '' : 'Ingen utrykning underveis.';
    case 'emergency':
      return state === 'kvittert' || state === 'utrykning' ? '' : 'Kvitter alarmen først.';
    case 'cause':
    case 'measure':
    case 'note':
      return '';
    case 'close':
      if (!alarm.outcome) return 'Velg utfall først (telefon, utrykning, utsett eller 113).';
      if (co.underWay) return 'Utrykningen er ikke fullført.';
      if (!notes.cause) return 'Noter årsak først.';
      if (!notes.measure) return 'Noter tiltak først.';
      return '';
    default:
      return 'Ukjent handling.';
  }
}

/** The server's reasons for refusing a step (English, resp_act.c) in bokmål; others as given. */
const REASONS = [
  [/^claimed by (.+)$/, (m) => `tatt av ${m[1]}`],
  [/^alarm is already claimed by you$/, () => 'du har allerede tatt alarmen'],
  [/^alarm is not claimed$/, () => 'alarmen er ikke tatt'],
  [/^alarm is already acknowledged$/, () => 'alarmen er allerede kvittert'],
  [/^alarm is not acknowledged$/, () => 'alarmen er ikke kvittert'],
  [/^alarm is closed$/, () => 'alarmen er lukket'],
  [/^a call-out is under way$/, () => 'en utrykning er underveis'],
  [/^no call-out is requested$/, () => 'ingen utrykning er bestilt'],
  [/^no call-out is under way$/, () => 'ingen utrykning er underveis'],
  [/^no outcome yet/, () => 'velg utfall først (telefon, utrykning, utsett eller 113)'],
  [/^no cause noted$/, () => 'årsak er ikke notert'],
  [/^no measure noted$/, () => 'tiltak er ikke notert'],
  [/^alarm changed/, () => 'alarmen ble endret i mellomtiden; prøv igjen'],
];

export function reasonText(detail) {
  const text = String(detail || '').trim();
  for (const [re, fn] of REASONS) {
    const m = re.exec(text);
    if (m) return fn(m);
  }
  return text;
}

/** ms since the epoch from an RFC 3339 text (NaN when missing). */
export const ms = (value) => (value ? Date.parse(value) : NaN);

/** Age as "45 s", "3 min 05 s", "2 t 04 min". */
export function formatAge(fromMs, nowMs = Date.now()) {
  if (!Number.isFinite(fromMs)) return EMPTY;
  const s = Math.max(0, Math.floor((nowMs - fromMs) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const t = Math.floor(m / 60);
  if (t < 48) return `${t} t ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(t / 24)} d ${t % 24} t`;
}

const pad2 = (n) => String(n).padStart(2, '0');

/** Local "tt:mm:ss" (and "dd.mm. " before it when not today). */
export function formatTime(value) {
  const t = ms(value);
  if (!Number.isFinite(t)) return EMPTY;
  const d = new Date(t);
  const now = new Date();
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return d.toDateString() === now.toDateString() ? time : `${pad2(d.getDate())}.${pad2(d.getMonth() + 1)}. ${time}`;
}

/** Seconds as "42 s" / "3 min 10 s" / "15 min" / "2 t 05 min"; "–" for missing. */
export function formatSeconds(value) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return EMPTY;
  const s = Math.round(Number(value));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  return formatAge(0, s * 1000);
}

/** Share 0..1 as "97,5 %". */
export function formatShare(value) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return EMPTY;
  return `${new Intl.NumberFormat('nb-NO', { maximumFractionDigits: 1 }).format(Number(value) * 100)} %`;
}

/** Queue order: priority, then age (oldest first), then id. */
export function queueOrder(a, b) {
  return (a.priority - b.priority) || (ms(a.received_at) - ms(b.received_at)) || String(a.id).localeCompare(String(b.id));
}
