// responssenter.js - the "Responssenter" view: the operator console of the response service
// (docs/response.md). Keyboard-driven, bokmål, made for a 1366×768 laptop.
//   Kø: the live queue of open alarms (priority, then age) in the caller's municipalities, with
//     colour and text per priority, ticking age, holder ("Tatt av …"), repeat and escalation
//     badges; new red alarms flash and beep (WebAudio; "Lyd av/på"). The queue is loaded with
//     GET /api/v1/resp/alarms (last_seq), then kept live by the Server-Sent Events stream
//     GET /api/v1/resp/stream?after=last_seq: frames are applied by alarm id and version (older
//     versions ignored, closed alarms leave the queue), "reset" reloads. EventSource reconnects
//     by itself with Last-Event-ID; a stream the browser gave up on is reopened after a reload
//     (resp_live.js).
//     The detail pane (resp_detail.js, GET /api/v1/resp/alarms/{id}) and the operator steps
//     (POST …/{id}/actions) with buttons and keys (resp_common.js ACTIONS), enabled only when
//     allowed; a refusal (409) shows the server's reason.
//   Tjenestenivå and Ruting: resp_panels.js.

import { ApiError, listOf } from '../js/api.js';
import { accessDenied, clear, h, showMessage } from '../js/dom.js';
import { EMPTY } from '../js/format.js';
import {
  ACTIONS, actionForKey, blockedReason, formatAge, ms, priorityChip, queueOrder, reasonText, stateLabel,
} from './resp_common.js';
import { alarmFacts, citizenFacts, notesOf, timeline } from './resp_detail.js';
import { liveFeed } from './resp_live.js';
import { routingPanel, statsPanel } from './resp_panels.js';

const READ_ROLES = ['operator', 'nurse', 'coordinator', 'admin'];
const OPERATE_ROLES = ['operator', 'coordinator', 'admin'];
const SOUND_KEY = 'knute.resp.sound';
const ONLY_KEY = 'knute.resp.only-selected';
const FLASH_MS = 8000;

function ensureStylesheet() {
  if (document.querySelector('link[data-resp-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: 'css/resp.css', 'data-resp-css': '' }));
}

function stored(key, fallback) {
  try {
    const v = localStorage.getItem(key);
    return v === null ? fallback : v;
  } catch {
    return fallback;
  }
}

function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
}

const isTyping = (el) => el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

/** A short two-tone beep (WebAudio). Only after the user has interacted with the page. */
function makeBeeper() {
  let audio = null;
  return {
    beep() {
      if (navigator.userActivation && !navigator.userActivation.hasBeenActive) return;
      try {
        const AC = window.AudioContext || window.webkitAudioContext;
        if (!AC) return;
        audio = audio || new AC();
        if (audio.state === 'suspended') audio.resume().catch(() => {});
        const t = audio.currentTime;
        [[880, 0], [660, 0.18]].forEach(([freq, at]) => {
          const osc = audio.createOscillator();
          const gain = audio.createGain();
          osc.frequency.value = freq;
          gain.gain.setValueAtTime(0.0001, t + at);
          gain.gain.exponentialRampToValueAtTime(0.25, t + at + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.16);
          osc.connect(gain).connect(audio.destination);
          osc.start(t + at);
          osc.stop(t + at + 0.17);
        });
      } catch {
        // no sound available: the flash is the signal
      }
    },
    close() {
      if (audio) audio.close().catch(() => {});
      audio = null;
    },
  };
}

export async function render(root, ctx) {
  ensureStylesheet();
  const readable = ctx.grants.filter((g) => (g.roles || []).some((r) => READ_ROLES.includes(r))).map((g) => g.orgnr);
  if (!ctx.orgnr || readable.length === 0) {
    root.append(accessDenied({ testId: 'resp-forbidden',
      message: 'Responssenteret er for operatører, sykepleiere, koordinatorer og administratorer i kommunen.' }));
    return;
  }
  const me = ctx.user.id;
  const canOperate = (muni) => ctx.rolesAt(muni).some((r) => OPERATE_ROLES.includes(r));
  const beeper = makeBeeper();

  const st = {
    alarms: new Map(),     // open alarms in the queue, by id
    versions: new Map(),   // newest version seen per alarm id (also closed ones)
    lastSeq: 0,
    selectedId: '',
    selectedIndex: 0,
    detail: null,          // {alarm, events, citizen, profile, step} of the open alarm
    detailSeqs: new Set(),
    localNotes: { cause: false, measure: false },
    loadingId: '',
    flashUntil: new Map(),
    sound: stored(SOUND_KEY, 'on') !== 'off',
    onlySelected: stored(ONLY_KEY, '') === '1' && readable.includes(ctx.orgnr),
    form: null,            // the step whose form is open
  };
  const scope = () => (st.onlySelected ? [ctx.orgnr] : readable);

  // ---------------------------------------------------------------- the frame

  const conn = h('span', { class: 'resp-conn resp-conn-wait', role: 'status', 'data-testid': 'resp-conn', 'data-state': 'wait' },
    'Kobler til …');
  const soundBtn = h('button', { type: 'button', class: 'btn btn-secondary resp-tool', 'data-testid': 'resp-sound' });
  const onlyBox = h('input', { type: 'checkbox', id: 'resp-only', 'data-testid': 'resp-only-selected', checked: st.onlySelected });
  const count = h('span', { class: 'resp-count', 'data-testid': 'resp-count' });
  const toolbar = h('div', { class: 'resp-toolbar' }, conn, count,
    readable.length > 1 && readable.includes(ctx.orgnr) ? h('label', { class: 'resp-check', for: 'resp-only' }, onlyBox, ` Bare ${ctx.orgName(ctx.orgnr)}`) : null,
    soundBtn);

  const tabs = [
    { id: 'queue', label: 'Kø' },
    { id: 'stats', label: 'Tjenestenivå' },
    { id: 'routing', label: 'Ruting' },
  ];
  const tabButtons = new Map();
  const tabPanels = new Map();
  const tabList = h('div', { class: 'resp-tabs', role: 'tablist', 'aria-label': 'Responssenter' });
  for (const t of tabs) {
    const btn = h('button', { type: 'button', role: 'tab', id: `resp-tab-${t.id}`, class: 'resp-tab',
      'aria-controls': `resp-panel-${t.id}`, 'data-testid': `resp-tab-${t.id}` }, t.label);
    const panel = h('div', { role: 'tabpanel', id: `resp-panel-${t.id}`, 'aria-labelledby': `resp-tab-${t.id}`,
      class: 'resp-panel', 'data-testid': `resp-panel-${t.id}` });
    btn.addEventListener('click', () => showTab(t.id));
    tabButtons.set(t.id, btn);
    tabPanels.set(t.id, panel);
    tabList.append(btn);
  }
  tabList.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const ids = tabs.map((t) => t.id);
    const at = ids.indexOf(activeTab());
    const next = ids[(at + (e.key === 'ArrowRight' ? 1 : ids.length - 1)) % ids.length];
    showTab(next);
    tabButtons.get(next).focus();
    e.preventDefault();
  });

  const error = h('div', { class: 'msg msg-error', role: 'alert', 'data-testid': 'resp-error' });
  const announce = h('p', { class: 'sr-only', 'aria-live': 'assertive', 'data-testid': 'resp-announce' });
  const list = h('ul', { class: 'resp-queue', role: 'listbox', tabindex: '0', 'aria-label': 'Alarmkø, viktigst først',
    'data-testid': 'resp-queue' });
  const empty = h('p', { class: 'resp-empty', 'data-testid': 'resp-queue-empty', hidden: true }, 'Ingen åpne alarmer.');
  const queueCol = h('div', { class: 'resp-queue-col' }, list, empty);

  const facts = h('div');
  const actionBar = h('div', { class: 'resp-actions', role: 'group', 'aria-label': 'Handlinger', 'data-testid': 'resp-actions' });
  const actionError = h('div', { class: 'msg msg-error', role: 'alert', 'data-testid': 'resp-action-error' });
  const actionInfo = h('div', { class: 'msg msg-info', role: 'status', 'data-testid': 'resp-action-info' });
  const formArea = h('div', { class: 'resp-form-area', 'data-testid': 'resp-form-area' });
  const citizenArea = h('div');
  const timelineArea = h('div');
  const detailHint = h('p', { class: 'muted', 'data-testid': 'resp-detail-empty' },
    'Velg en alarm i køen (j/k eller piltaster) og trykk Enter for å åpne den.');
  const detailBody = h('div', { hidden: true }, facts, actionBar, actionError, actionInfo, formArea, citizenArea,
    h('h3', null, 'Hendelser'), timelineArea);
  const detailPane = h('section', { class: 'resp-detail', 'aria-label': 'Valgt alarm', 'data-testid': 'resp-detail', tabindex: '-1' },
    detailHint, detailBody);
  const keys = h('p', { class: 'resp-keys', 'data-testid': 'resp-keys' },
    [['j/k ↑/↓', 'flytt'], ['Home/End', 'første/siste'], ['Enter', 'åpne'], ['Esc', 'tilbake']]
      .map(([k, t]) => h('span', { class: 'resp-key' }, h('kbd', null, k), ` ${t}`)),
    h('span', null, 'Tastene for handlingene står på knappene (Shift+K kvitterer; k alene flytter opp).'));
  tabPanels.get('queue').append(h('div', { class: 'resp-console' }, queueCol, detailPane), keys);

  const statsLoad = statsPanel(tabPanels.get('stats'), ctx, scope);
  const routingLoad = routingPanel(tabPanels.get('routing'), ctx, ctx.orgnr);

  root.append(h('div', { class: 'resp-head' }, tabList, toolbar), error, announce, ...tabPanels.values());

  function activeTab() {
    return tabs.find((t) => tabButtons.get(t.id).getAttribute('aria-selected') === 'true')?.id || 'queue';
  }

  function showTab(id) {
    for (const t of tabs) {
      const on = t.id === id;
      tabButtons.get(t.id).setAttribute('aria-selected', on ? 'true' : 'false');
      tabButtons.get(t.id).tabIndex = on ? 0 : -1;
      tabPanels.get(t.id).hidden = !on;
    }
    if (id === 'stats') statsLoad();
    if (id === 'routing') routingLoad();
  }

  function paintSound() {
    soundBtn.textContent = st.sound ? 'Lyd: på' : 'Lyd: av';
    soundBtn.setAttribute('aria-pressed', st.sound ? 'true' : 'false');
    soundBtn.title = st.sound ? 'Slå av lyd for nye røde alarmer' : 'Slå på lyd for nye røde alarmer';
  }
  soundBtn.addEventListener('click', () => {
    st.sound = !st.sound;
    store(SOUND_KEY, st.sound ? 'on' : 'off');
    paintSound();
  });
  paintSound();

  function setConn(state) {
    const text = { ok: 'Tilkoblet', retry: 'Kobler til igjen …', down: 'Frakoblet – prøver igjen', wait: 'Kobler til …' }[state];
    conn.textContent = text;
    conn.dataset.state = state;
    conn.className = `resp-conn resp-conn-${state}`;
  }

  // ---------------------------------------------------------------- the queue

  function sorted() {
    return [...st.alarms.values()].sort(queueOrder);
  }

  function rowOf(a, index) {
    const holder = a.claimed_by;
    const flashing = (st.flashUntil.get(a.id) || 0) > Date.now();
    const selected = a.id === st.selectedId;
    const opened = st.detail && st.detail.alarm.id === a.id;
    const li = h('li', {
      role: 'option', id: `resp-row-${a.id}`, 'aria-selected': selected ? 'true' : 'false',
      class: `resp-row resp-row-p${a.priority}${flashing ? ' resp-flash' : ''}${opened ? ' resp-row-open' : ''}`,
      'data-testid': 'resp-row', 'data-alarm-id': a.id, 'data-priority': String(a.priority), 'data-state': a.state || '',
      'data-index': String(index),
    },
    h('div', { class: 'resp-row-top' },
      priorityChip(a),
      h('span', { class: 'resp-age', 'data-since': String(ms(a.received_at)), 'data-testid': 'resp-age', title: 'Alder' },
        formatAge(ms(a.received_at))),
      h('span', { class: 'resp-alert', 'data-testid': 'resp-alert' }, a.alert || a.alert_code || EMPTY,
        a.text ? h('span', { class: 'resp-alert-text' }, ` – ${a.text}`) : null),
      a.technical ? h('span', { class: 'pill pill-muted resp-badge' }, 'Teknisk') : null,
      a.repeats ? h('span', { class: 'pill pill-warn resp-badge', 'data-testid': 'resp-repeats', title: 'Gjentatte alarmer slått sammen' },
        `${a.repeats}× gjentatt`) : null,
      a.escalations ? h('span', { class: 'pill pill-danger resp-badge', 'data-testid': 'resp-escalated', title: 'Eskalert eller purret' },
        `Eskalert ${a.escalations}`) : null),
    h('div', { class: 'resp-row-bottom' },
      h('span', { class: 'resp-name', 'data-testid': 'resp-name' }, a.citizen?.name || EMPTY),
      h('span', { class: 'resp-address' }, a.citizen?.address || ''),
      readable.length > 1 && !st.onlySelected ? h('span', { class: 'resp-muni' }, ctx.orgName(a.municipality).replace(/ kommune$/, '')) : null,
      h('span', { class: `pill resp-state resp-state-${a.state}`, 'data-testid': 'resp-state' }, stateLabel(a.state)),
      holder ? h('span', { class: 'resp-holder', 'data-testid': 'resp-holder' },
        `Tatt av ${holder.name}${holder.id === me ? ' (deg)' : ''}`) : null));
    li.addEventListener('click', () => {
      st.selectedId = a.id;
      openDetail(a.id);
      list.focus({ preventScroll: true });
    });
    return li;
  }

  function paintQueue() {
    const rows = sorted();
    // The selected alarm left the queue: select the one now at its place.
    if (!st.alarms.has(st.selectedId)) st.selectedId = rows.length ? rows[Math.min(st.selectedIndex, rows.length - 1)].id : '';
    st.selectedIndex = Math.max(0, rows.findIndex((a) => a.id === st.selectedId));
    clear(list).append(...rows.map(rowOf));
    empty.hidden = rows.length > 0;
    list.hidden = rows.length === 0;
    count.textContent = `${rows.length} ${rows.length === 1 ? 'åpen alarm' : 'åpne alarmer'}`;
    const waiting = rows.filter((a) => a.state === 'ny').length;
    if (!ctx.signal.aborted) document.title = `${waiting ? `(${waiting} nye) ` : ''}Responssenter – Knute`;
    if (st.selectedId) {
      list.setAttribute('aria-activedescendant', `resp-row-${st.selectedId}`);
    } else {
      list.removeAttribute('aria-activedescendant');
    }
  }

  function move(delta) {
    const rows = sorted();
    if (!rows.length) return;
    let i = rows.findIndex((a) => a.id === st.selectedId);
    if (delta === -Infinity) i = 0;
    else if (delta === Infinity) i = rows.length - 1;
    else i = Math.max(0, Math.min(rows.length - 1, (i < 0 ? 0 : i + delta)));
    st.selectedId = rows[i].id;
    paintQueue();
    const el = document.getElementById(`resp-row-${st.selectedId}`);
    if (el) el.scrollIntoView({ block: 'nearest' });
  }

  /** Apply an alarm by version; true when it was news. */
  function applyAlarm(a, { sameVersion = false } = {}) {
    if (!a || !a.id) return false;
    const known = st.versions.get(a.id);
    if (known !== undefined && (sameVersion ? known > a.version : known >= a.version)) return false;
    st.versions.set(a.id, a.version);
    if (a.state === 'avsluttet' || !scope().includes(a.municipality)) st.alarms.delete(a.id);
    else st.alarms.set(a.id, a);
    if (st.detail && st.detail.alarm.id === a.id) st.detail.alarm = a;
    return true;
  }

  function addEvent(e) {
    if (!st.detail || !e || e.alarm_id !== st.detail.alarm.id || st.detailSeqs.has(e.seq)) return false;
    st.detailSeqs.add(e.seq);
    st.detail.events.push(e);
    return true;
  }

  /** Mark a new red alarm to flash; the beep comes after the queue is painted. */
  function flash(a) {
    st.flashUntil.set(a.id, Date.now() + FLASH_MS);
    announce.textContent = `Ny rød alarm: ${a.alert || a.alert_code || ''}, ${a.citizen?.name || ''}`;
    if (st.sound) setTimeout(() => beeper.beep(), 0);
    setTimeout(() => { if (!ctx.signal.aborted) paintQueue(); }, FLASH_MS + 50);
  }

  function onFrame(frame) {
    if (!frame) return;
    if (Number(frame.seq) > st.lastSeq) st.lastSeq = Number(frame.seq);
    const a = frame.alarm;
    const isNew = a && !st.versions.has(a.id);
    const changed = applyAlarm(a);
    const evAdded = addEvent(frame.event);
    if (changed && isNew && a.priority === 1 && a.state !== 'avsluttet' && st.alarms.has(a.id)) flash(a);
    if (changed) paintQueue();
    if ((changed || evAdded) && st.detail && a && a.id === st.detail.alarm.id) paintDetail();
  }

  /** Load the queue: true loaded, false failed (retry), null no access (give up). */
  async function loadQueue() {
    const params = new URLSearchParams({ municipality: scope().join(','), state: 'open', limit: '1000' });
    let body;
    try {
      body = await ctx.api.get(`/api/v1/resp/alarms?${params}`, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted || (err && err.name === 'AbortError')) return null;
      if (err instanceof ApiError && err.status === 401) return null;
      if (err instanceof ApiError && err.status === 403) {
        clear(root).append(accessDenied({ testId: 'resp-forbidden', error: err,
          message: 'Du har ikke tilgang til alarmkøen i disse kommunene.' }));
        return null;
      }
      showMessage(error, err instanceof ApiError ? err : 'Kunne ikke hente alarmkøen.');
      return false;
    }
    showMessage(error, '');
    const before = new Map(st.alarms);
    st.alarms.clear();
    for (const a of listOf(body, 'alarms')) {
      const known = st.versions.get(a.id);
      if (known !== undefined && known > a.version) {
        // the stream was ahead of this read: keep the newer one (absent = closed meanwhile)
        if (before.has(a.id)) st.alarms.set(a.id, before.get(a.id));
        continue;
      }
      st.versions.set(a.id, a.version);
      if (a.state !== 'avsluttet') st.alarms.set(a.id, a);
      if (st.detail && st.detail.alarm.id === a.id) st.detail.alarm = a;
    }
    st.lastSeq = Number(body && body.last_seq) || 0;
    paintQueue();
    return true;
  }

  // ---------------------------------------------------------------- the live stream

  const live = liveFeed({
    load: loadQueue,
    url: () => `/api/v1/resp/stream?${new URLSearchParams({ municipality: scope().join(','), after: String(st.lastSeq) })}`,
    onFrame,
    // The server no longer holds what we missed: reload; the stream goes on from now.
    onReset: () => loadQueue().then(() => { if (st.detail) openDetail(st.detail.alarm.id, { keepForm: true }); }),
    onState: setConn,
    signal: ctx.signal,
  });

  // ---------------------------------------------------------------- the detail pane

  function current() {
    if (st.detail) return st.detail.alarm;
    return st.alarms.get(st.selectedId) || null;
  }

  function notes() {
    const n = st.detail ? notesOf(st.detail.events) : { cause: false, measure: false };
    return { cause: n.cause || st.localNotes.cause, measure: n.measure || st.localNotes.measure };
  }

  // One button per step, made once (so keyboard focus survives repaints); paintActions
  // only enables, disables and explains them.
  const actionButtons = new Map(ACTIONS.map((def) => [def.action, h('button', {
    type: 'button', class: `btn resp-act resp-act-${def.action}`, 'data-testid': `resp-act-${def.action}`,
    'aria-keyshortcuts': def.shift ? `Shift+${def.key.toUpperCase()}` : def.key.toUpperCase(),
    onclick: () => runAction(def),
  }, h('kbd', null, def.show), ` ${def.label}`)]));
  actionBar.append(...actionButtons.values());

  function paintActions() {
    const a = current();
    for (const def of ACTIONS) {
      const reason = a ? blockedReason(def.action, a, me, canOperate(a.municipality), notes()) : 'Ingen alarm er valgt.';
      const btn = actionButtons.get(def.action);
      btn.disabled = Boolean(reason);
      btn.title = reason || `${def.label} (tast ${def.show})`;
    }
  }

  function paintDetail() {
    if (!st.detail) {
      detailHint.hidden = false;
      detailBody.hidden = true;
      return;
    }
    detailHint.hidden = true;
    detailBody.hidden = false;
    detailPane.dataset.alarmId = st.detail.alarm.id;
    detailPane.dataset.state = st.detail.alarm.state || '';
    clear(facts).append(alarmFacts(st.detail.alarm, readable.length > 1 ? ctx.orgName : null));
    clear(citizenArea).append(citizenFacts(st.detail));
    clear(timelineArea).append(timeline(st.detail.events));
    paintActions();
  }

  async function openDetail(id, { keepForm = false } = {}) {
    if (!id) return;
    const same = st.detail && st.detail.alarm.id === id;
    if (!same) {
      closeForm();
      showMessage(actionError, '');
      showMessage(actionInfo, '');
      st.localNotes = { cause: false, measure: false };
    } else if (!keepForm) {
      closeForm();
    }
    st.loadingId = id;
    let body;
    try {
      body = await ctx.api.get(`/api/v1/resp/alarms/${ctx.seg(id)}`, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted || (err && err.name === 'AbortError')) return;
      if (st.loadingId !== id) return;
      showMessage(error, err instanceof ApiError ? err : 'Kunne ikke hente alarmen.');
      return;
    }
    if (st.loadingId !== id || !body || !body.alarm) return;
    const prev = st.detail && st.detail.alarm.id === id ? st.detail : null;
    st.detail = { ...body, events: Array.isArray(body.events) ? [...body.events] : [] };
    st.detailSeqs = new Set(st.detail.events.map((e) => e.seq));
    // events that arrived on the stream while the read was under way
    if (prev) prev.events.forEach(addEvent);
    const known = st.versions.get(id);
    if (known !== undefined && known > body.alarm.version) {
      // the stream already brought a newer version than this read
      st.detail.alarm = st.alarms.get(id) || (prev && prev.alarm) || body.alarm;
    } else {
      applyAlarm(body.alarm, { sameVersion: true });
    }
    showMessage(error, '');
    paintQueue();
    paintDetail();
  }

  function closeDetail() {
    closeForm();
    st.detail = null;
    st.loadingId = '';
    showMessage(actionError, '');
    showMessage(actionInfo, '');
    paintDetail();
    paintQueue();
    list.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- actions

  function closeForm() {
    st.form = null;
    clear(formArea);
  }

  function openForm(def, alarm) {
    closeForm();
    st.form = def;
    const isTeam = def.input === 'team';
    const profile = (st.detail && st.detail.profile) || {};
    const input = h('input', { type: 'text', id: 'resp-form-input', maxlength: '500', autocomplete: 'off',
      'data-testid': 'resp-form-input', required: true, list: isTeam ? 'resp-teams' : null,
      value: isTeam && profile.care_team ? profile.care_team : '' });
    const label = { team: 'Team som rykker ut', text: `${def.label} (fritekst)` }[def.input];
    const form = h('form', { class: 'resp-form', 'data-testid': 'resp-form', 'data-action': def.action },
      h('label', { for: 'resp-form-input' }, label),
      h('div', { class: 'resp-form-row' }, input,
        h('button', { type: 'submit', class: 'btn btn-primary resp-tool', 'data-testid': 'resp-form-submit' }, 'Lagre ', h('kbd', null, 'Enter')),
        h('button', { type: 'button', class: 'btn btn-secondary resp-tool', 'data-testid': 'resp-form-cancel', onclick: cancelForm },
          'Avbryt ', h('kbd', null, 'Esc'))),
      isTeam && profile.care_team ? h('datalist', { id: 'resp-teams' }, h('option', { value: profile.care_team })) : null);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        cancelForm();
      }
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) {
        showMessage(actionError, isTeam ? 'Skriv hvilket team som rykker ut.' : `Skriv ${def.label.toLowerCase()}.`);
        input.focus();
        return;
      }
      const ok = await post(def, alarm.id, isTeam ? { team: value } : { text: value });
      if (ok) {
        closeForm();
        list.focus({ preventScroll: true });
      }
    });
    formArea.append(form);
    input.focus();
    input.select();
  }

  function openConfirm(def, alarm) {
    closeForm();
    st.form = def;
    const yes = h('button', { type: 'submit', class: 'btn btn-primary resp-danger resp-tool', 'data-testid': 'resp-confirm-yes' },
      'Ja, overlat til 113 ', h('kbd', null, 'Enter'));
    const form = h('form', { class: 'resp-form resp-confirm', 'data-testid': 'resp-confirm', 'data-action': def.action },
      h('p', null, h('strong', null, 'Overlate alarmen til 113 (nødetatene)?'),
        ' Ring 113 først; dette registrerer at alarmen er overlatt til annen aktør.'),
      h('div', { class: 'resp-form-row' }, yes,
        h('button', { type: 'button', class: 'btn btn-secondary resp-tool', 'data-testid': 'resp-form-cancel', onclick: cancelForm },
          'Avbryt ', h('kbd', null, 'Esc'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const ok = await post(def, alarm.id, {});
      if (ok) {
        closeForm();
        list.focus({ preventScroll: true });
      }
    });
    formArea.append(form);
    yes.focus();
  }

  function cancelForm() {
    closeForm();
    showMessage(actionError, '');
    list.focus({ preventScroll: true });
  }

  // Steps run one after another: a key pressed while a step is under way waits for it and is
  // then judged on the new state.
  let pending = Promise.resolve();
  function serial(fn) {
    const next = pending.then(fn, fn);
    pending = next.catch(() => {});
    return next;
  }

  const post = (def, id, extra) => serial(() => send(def, id, extra));

  async function send(def, id, extra) {
    showMessage(actionError, '');
    showMessage(actionInfo, '');
    try {
      const body = await ctx.api.post(`/api/v1/resp/alarms/${ctx.seg(id)}/actions`, { action: def.action, ...extra });
      const a = body && body.alarm ? body.alarm : body;
      if (def.action === 'cause') st.localNotes.cause = true;
      if (def.action === 'measure') st.localNotes.measure = true;
      applyAlarm(a);
      showMessage(actionInfo, `${def.label}: registrert.`);
      if (!st.detail || st.detail.alarm.id !== id) openDetail(id);
      return true;
    } catch (err) {
      if (err && err.name === 'AbortError') return false;
      if (err instanceof ApiError && err.status === 401) return false;
      showMessage(actionError, err instanceof ApiError
        ? `Kunne ikke utføre «${def.label}»: ${reasonText(err.detail) || err.title}` : `Kunne ikke utføre «${def.label}».`);
      // Someone else moved it: show the truth.
      if (err instanceof ApiError && err.status === 409) openDetail(id, { keepForm: true });
      return false;
    } finally {
      paintQueue();
      if (st.detail) paintDetail();
    }
  }

  function runAction(def) {
    return serial(() => startAction(def));
  }

  function startAction(def) {
    const a = current();
    if (!a) {
      showMessage(actionError, 'Velg en alarm først.');
      return;
    }
    if (!st.detail) openDetail(a.id);
    const reason = blockedReason(def.action, a, me, canOperate(a.municipality), notes());
    if (reason) {
      showMessage(actionError, `${def.label}: ${reason}`);
      return;
    }
    if (def.input) openForm(def, a);
    else if (def.confirm) openConfirm(def, a);
    else return send(def, a.id, {});
    return undefined;
  }

  // ---------------------------------------------------------------- keys

  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (activeTab() !== 'queue' || tabPanels.get('queue').hidden) return;
    const target = e.target;
    if (isTyping(target)) return;
    const onControl = target && (target.tagName === 'BUTTON' || target.tagName === 'A');
    if (e.key === 'Escape') {
      e.preventDefault();
      if (st.form) cancelForm();
      else if (st.detail) closeDetail();
      return;
    }
    if ((e.key === 'Enter' || e.key === ' ') && onControl) return;
    if (st.form) return; // a form or confirmation is open: Enter/Esc belong to it
    switch (e.key) {
      case 'j': case 'ArrowDown': move(1); break;
      case 'k': case 'ArrowUp': move(-1); break;
      case 'Home': move(-Infinity); break;
      case 'End': move(Infinity); break;
      case 'Enter': openDetail(st.selectedId); break;
      default: {
        const def = actionForKey(e);
        if (!def) return;
        runAction(def);
      }
    }
    e.preventDefault();
  }

  document.addEventListener('keydown', onKey);
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const el of list.querySelectorAll('[data-since]')) el.textContent = formatAge(Number(el.dataset.since), now);
  }, 1000);
  ctx.signal.addEventListener('abort', () => {
    document.removeEventListener('keydown', onKey);
    clearInterval(ticker);
    beeper.close();
  });

  onlyBox.addEventListener('change', async () => {
    st.onlySelected = onlyBox.checked;
    store(ONLY_KEY, st.onlySelected ? '1' : '');
    setConn('wait');
    await live.restart();
  });

  showTab('queue');
  paintDetail();
  setConn('wait');
  await live.restart();
}
