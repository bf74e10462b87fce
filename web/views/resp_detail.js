// resp_detail.js - the detail pane of the Responssenter console (web/views/responssenter.js):
// what an operator needs about one alarm, from GET /api/v1/resp/alarms/{id}
// ({alarm, events, citizen, profile, step}): the alarm (alert, priority, state, holder,
// outcome, call-out), the citizen (name, masked person number, address, phone), access (key
// safe, e-lock), relatives in call order, the care team, notes, the device with position and
// battery, the routing recipient notified now, and the event timeline with times and VKP
// composition-event names. Rendering only; the console owns loading and the actions.

import { h } from '../js/dom.js';
import { EMPTY, shortId } from '../js/format.js';
import {
  EVENT_KINDS, OUTCOMES, VKP_EVENTS, formatAge, formatTime, ms, priorityChip, stateLabel, stepLabel,
} from './resp_common.js';

function row(label, value, testId) {
  const empty = value === null || value === undefined || value === '';
  return [h('dt', null, label), h('dd', { 'data-testid': testId || null }, empty ? EMPTY : value)];
}

function phoneLink(phone) {
  return phone ? h('a', { href: `tel:${String(phone).replace(/\s+/g, '')}` }, phone) : '';
}

/** The alarm's own facts (top of the pane). */
export function alarmFacts(alarm, orgName) {
  const holder = alarm.claimed_by;
  const callout = [];
  if (alarm.team) callout.push(`Team: ${alarm.team}`);
  if (alarm.callout_requested_at) callout.push(`bestilt ${formatTime(alarm.callout_requested_at)}`);
  if (alarm.callout_started_at) callout.push(`startet ${formatTime(alarm.callout_started_at)}`);
  if (alarm.callout_done_at) callout.push(`fullført ${formatTime(alarm.callout_done_at)}`);
  return h('div', { class: 'resp-facts' },
    h('p', { class: 'resp-detail-title' }, priorityChip(alarm), ' ',
      h('strong', { 'data-testid': 'resp-detail-alert' }, alarm.alert || alarm.alert_code || EMPTY),
      alarm.alert_code ? h('span', { class: 'muted' }, ` (kode ${alarm.alert_code})`) : null,
      alarm.technical ? h('span', { class: 'pill pill-muted resp-badge' }, 'Teknisk') : null),
    alarm.text ? h('p', { class: 'resp-alarm-text' }, alarm.text) : null,
    h('dl', { class: 'resp-dl' },
      row('Status', h('span', null, h('span', { class: `pill resp-state resp-state-${alarm.state}`, 'data-testid': 'resp-detail-state' },
        stateLabel(alarm.state)),
        holder ? h('span', { class: 'resp-holder', 'data-testid': 'resp-detail-holder' }, ` Tatt av ${holder.name}`) : null)),
      row('Mottatt', alarm.received_at ? `${formatTime(alarm.received_at)} (${formatAge(ms(alarm.received_at))} siden)` : ''),
      row('Utfall', OUTCOMES[alarm.outcome] || alarm.outcome || '', 'resp-detail-outcome'),
      callout.length ? row('Utrykning', callout.join(', '), 'resp-detail-callout') : null,
      alarm.repeats ? row('Gjentak', `${alarm.repeats} ganger`) : null,
      alarm.escalations ? row('Eskalert', `${alarm.escalations} ganger (trinn ${Number(alarm.route_step || 0) + 1})`) : null,
      orgName ? row('Kommune', orgName(alarm.municipality)) : null,
      alarm.state === 'avsluttet' ? row('Journal', journalText(alarm), 'resp-detail-journal') : null));
}

function journalText(alarm) {
  switch (alarm.journal) {
    case 'pending': return 'Venter på journalføring';
    case 'sent': return 'Sendt til EPJ via knutepunktet';
    case 'failed': return 'Journalføring feilet – må følges opp';
    default: return EMPTY;
  }
}

function relatives(profile) {
  const list = [...(profile.relatives || [])].sort((a, b) => (a.call_order ?? 99) - (b.call_order ?? 99));
  if (!list.length) return h('p', { class: 'muted' }, 'Ingen pårørende registrert.');
  return h('ol', { class: 'resp-relatives', 'data-testid': 'resp-relatives' }, list.map((r) =>
    h('li', null, h('strong', null, r.name || EMPTY), r.relation ? ` (${r.relation})` : '', ' ', phoneLink(r.phone))));
}

/** Citizen, access, contacts, device and routing. */
export function citizenFacts(detail) {
  const alarm = detail.alarm || {};
  const citizen = detail.citizen || {};
  const profile = detail.profile || {};
  const step = detail.step || {};
  const position = alarm.position && Number.isFinite(Number(alarm.position.lat))
    ? `${Number(alarm.position.lat).toFixed(5)}, ${Number(alarm.position.lon).toFixed(5)}` : '';
  const access = [profile.key_safe ? `Nøkkelboks: ${profile.key_safe}` : '', profile.elock ? `E-lås: ${profile.elock}` : '',
    profile.access_note || ''].filter(Boolean);
  const team = [profile.care_team, profile.care_team_phone ? phoneLink(profile.care_team_phone) : null].filter(Boolean);
  return h('div', { class: 'resp-citizen', 'data-testid': 'resp-citizen' },
    h('h3', null, 'Tjenestemottaker'),
    h('dl', { class: 'resp-dl' },
      row('Navn', h('strong', null, citizen.name || alarm.citizen?.name || EMPTY), 'resp-citizen-name'),
      row('Fødselsnr.', citizen.nin_masked ? h('span', { class: 'mono' }, citizen.nin_masked) : ''),
      row('Adresse', citizen.address || alarm.citizen?.address || '', 'resp-citizen-address'),
      row('Telefon', phoneLink(citizen.phone), 'resp-citizen-phone'),
      row('Tilgang', access.length ? access.join(' · ') : '', 'resp-access'),
      row('Hjemmetjeneste', team.length ? h('span', null, team.map((t, i) => [i ? ' ' : '', t])) : '', 'resp-care-team'),
      profile.notes ? row('Merknader', profile.notes, 'resp-profile-notes') : null,
      row('Utstyr', alarm.device_id ? h('span', { class: 'mono', title: alarm.device_id }, shortId(alarm.device_id)) : 'Ingen (fra knutepunktet)'),
      row('Posisjon', position, 'resp-position'),
      row('Batteri', alarm.battery === null || alarm.battery === undefined ? '' : `${alarm.battery} %`, 'resp-battery'),
      row('Varsles nå', step.kind ? `${stepLabel(step.kind)}${step.target ? `: ${step.target}` : ''}`
        + `${step.timeout_s ? ` (neste trinn etter ${step.timeout_s} s)` : ''}` : '', 'resp-route-step')),
    h('h3', null, 'Pårørende (ringerekkefølge)'),
    relatives(profile));
}

/** The event timeline, oldest first. */
export function timeline(events) {
  const sorted = [...events].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return h('ol', { class: 'resp-timeline', 'data-testid': 'resp-timeline' }, sorted.map((e) => {
    const vkp = e.vkp_event === null || e.vkp_event === undefined || e.vkp_event < 0 ? null : e.vkp_event;
    return h('li', { 'data-testid': 'resp-event', 'data-kind': e.kind, 'data-vkp': vkp === null ? '' : String(vkp) },
      h('time', { class: 'resp-ev-time', datetime: e.at || '' }, formatTime(e.at)),
      h('span', { class: 'resp-ev-kind' }, EVENT_KINDS[e.kind] || e.kind),
      vkp !== null ? h('span', { class: 'resp-vkp', title: 'VKP hendelseskode' }, `VKP ${vkp} ${VKP_EVENTS[vkp] || ''}`) : null,
      e.actor && e.actor.name ? h('span', { class: 'resp-ev-actor' }, e.actor.name) : null,
      e.text ? h('span', { class: 'resp-ev-text' }, e.text) : null);
  }));
}

/** Cause and measure noted (for "Lukk"), from the events. */
export function notesOf(events) {
  return {
    cause: events.some((e) => e.kind === 'cause'),
    measure: events.some((e) => e.kind === 'measure'),
  };
}
