// app.js - Knute's web app entry point: session check, login/logout, the application
// shell (header, municipality selector, navigation) and the hash router that renders
// the views registered in views.js.

import { api, ApiError, listOf, onUnauthorized, seg, setCsrfToken } from './api.js';
import { append, byTestId, clear, h, showMessage } from './dom.js';
import { roleLabel } from './format.js';
import { views } from './views.js';

const ORG_STORAGE_KEY = 'knute.orgnr';

const state = {
  user: null,           // session user: {id, username, display_name, grants: [{orgnr, roles}]}
  orgNames: new Map(),  // orgnr -> organisation name (from GET /api/v1/organisations)
  orgnr: '',            // selected organisation
  controller: null,     // AbortController of the view on screen
  renderSeq: 0,         // guards against out-of-order async renders
};

const el = {
  boot: document.getElementById('boot'),
  loginView: document.getElementById('login-view'),
  loginForm: document.getElementById('login-form'),
  username: document.getElementById('login-username'),
  password: document.getElementById('login-password'),
  loginSubmit: document.getElementById('login-submit'),
  loginError: document.getElementById('login-error'),
  loginInfo: document.getElementById('login-info'),
  shell: document.getElementById('shell'),
  skipLink: document.getElementById('skip-link'),
  userName: document.getElementById('user-name'),
  orgSelect: document.getElementById('org-select'),
  logout: document.getElementById('logout-button'),
  navList: document.getElementById('nav-list'),
  main: document.getElementById('main'),
  shellError: document.getElementById('shell-error'),
  viewRoot: document.getElementById('view-root'),
};

// ---------------------------------------------------------------------------
// Login form

function showLogin(info = '') {
  teardownShell();
  el.boot.hidden = true;
  el.shell.hidden = true;
  el.loginView.hidden = false;
  showMessage(el.loginError, '');
  showMessage(el.loginInfo, info);
  el.password.value = '';
  el.loginSubmit.disabled = false;
  document.title = 'Logg inn – Knute';
  (el.username.value ? el.password : el.username).focus();
}

async function onLoginSubmit(event) {
  event.preventDefault();
  showMessage(el.loginError, '');
  showMessage(el.loginInfo, '');
  const username = el.username.value.trim();
  const password = el.password.value;
  if (!username || !password) {
    showMessage(el.loginError, 'Skriv inn brukernavn og passord.');
    (username ? el.password : el.username).focus();
    return;
  }
  el.loginSubmit.disabled = true;
  el.loginForm.setAttribute('aria-busy', 'true');
  try {
    const body = await api.post('/api/v1/session', { username, password }, { handle401: false });
    el.password.value = '';
    await startShell(body);
  } catch (err) {
    el.password.value = '';
    if (err instanceof ApiError && err.status === 401) {
      showMessage(el.loginError, 'Feil brukernavn eller passord.');
    } else if (err instanceof ApiError && (err.status === 429 || err.code === 'locked_out')) {
      showMessage(el.loginError, 'Kontoen er midlertidig sperret. Prøv igjen senere.');
    } else {
      showMessage(el.loginError, err);
    }
    el.password.focus();
  } finally {
    el.loginSubmit.disabled = false;
    el.loginForm.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------------------
// Shell

function grants() {
  return (state.user && Array.isArray(state.user.grants)) ? state.user.grants : [];
}

function orgName(orgnr) {
  return state.orgNames.get(orgnr) || orgnr || '';
}

function rolesAt(orgnr) {
  const grant = grants().find((g) => g.orgnr === orgnr);
  return grant && Array.isArray(grant.roles) ? grant.roles : [];
}

async function loadOrganisationNames() {
  try {
    const body = await api.get('/api/v1/organisations');
    for (const org of listOf(body, 'organisations')) {
      if (org && org.orgnr && org.name) state.orgNames.set(String(org.orgnr), String(org.name));
    }
  } catch (err) {
    // Names are a nicety: fall back to organisation numbers (401 is handled by api.js).
    if (!(err instanceof ApiError)) throw err;
  }
}

/** Grants sorted by organisation name; organisations without a known name last, by number. */
function sortByOrgName(list) {
  const key = (g) => (state.orgNames.has(g.orgnr) ? `0${orgName(g.orgnr)}` : `1${g.orgnr}`);
  return [...list].sort((a, b) => key(a).localeCompare(key(b), 'nb'));
}

function fillOrgSelect() {
  clear(el.orgSelect);
  const list = grants();
  if (list.length === 0) {
    el.orgSelect.append(h('option', { value: '' }, 'Ingen kommune'));
    el.orgSelect.disabled = true;
    state.orgnr = '';
    return;
  }
  el.orgSelect.disabled = false;
  const sorted = sortByOrgName(list);
  for (const grant of sorted) {
    el.orgSelect.append(h('option', { value: grant.orgnr, title: `Org.nr. ${grant.orgnr}` }, orgName(grant.orgnr)));
  }
  let saved = '';
  try {
    saved = localStorage.getItem(ORG_STORAGE_KEY) || '';
  } catch {
    saved = '';
  }
  state.orgnr = list.some((g) => g.orgnr === saved) ? saved : sorted[0].orgnr;
  el.orgSelect.value = state.orgnr;
}

function onOrgChange() {
  state.orgnr = el.orgSelect.value;
  try {
    localStorage.setItem(ORG_STORAGE_KEY, state.orgnr);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
  renderRoute({ focus: false });
}

function buildNav() {
  clear(el.navList);
  for (const view of views) {
    el.navList.append(h('li', null,
      h('a', { href: `#/${view.id}`, class: 'nav-link', 'data-testid': `nav-${view.id}`, 'data-view': view.id },
        view.title)));
  }
}

async function startShell(sessionBody) {
  if (!sessionBody || !sessionBody.user) throw new ApiError({ status: 0, title: 'Ugyldig svar fra serveren.' });
  state.user = sessionBody.user;
  setCsrfToken(sessionBody.csrf_token);
  state.orgNames.clear();
  await loadOrganisationNames();
  if (!state.user) return; // a 401 during loading sent us back to the login form

  el.userName.textContent = state.user.display_name || state.user.username || '';
  fillOrgSelect();
  buildNav();
  showMessage(el.shellError, '');
  el.boot.hidden = true;
  el.loginView.hidden = true;
  el.shell.hidden = false;
  if (!routeId()) {
    history.replaceState(null, '', `#/${views[0].id}`);
  }
  await renderRoute({ focus: true });
}

function teardownShell() {
  if (state.controller) state.controller.abort();
  state.controller = null;
  state.renderSeq += 1;
  state.user = null;
  state.orgnr = '';
  state.orgNames.clear();
  setCsrfToken(null);
  // Leave no personal data in the DOM after logout or session expiry.
  clear(el.viewRoot);
  clear(el.navList);
  clear(el.orgSelect);
  el.userName.textContent = '';
  showMessage(el.shellError, '');
}

async function onLogout() {
  el.logout.disabled = true;
  showMessage(el.shellError, '');
  try {
    await api.del('/api/v1/session', { handle401: false });
    showLogin('Du er logget ut.');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      showLogin('Du er logget ut.');
    } else {
      showMessage(el.shellError, err);
    }
  } finally {
    el.logout.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// Router

/** The view id of the current hash (#/innbyggere -> "innbyggere"), or "". */
function routeId() {
  const match = /^#\/([a-z0-9-]+)/.exec(location.hash);
  return match ? match[1] : '';
}

function placeholder(root) {
  append(root, h('div', { class: 'panel panel-placeholder', 'data-testid': 'placeholder-panel' },
    h('p', { class: 'placeholder-badge' }, 'Kommer'),
    h('p', null, 'Denne delen av Knute er under utvikling og kommer i en senere versjon.')));
}

async function renderRoute({ focus = true } = {}) {
  if (!state.user) return;
  const id = routeId();
  const view = views.find((v) => v.id === id);
  if (!view) {
    location.replace(`#/${views[0].id}`); // fires hashchange, which renders
    return;
  }

  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const seq = ++state.renderSeq;

  for (const link of el.navList.querySelectorAll('a[data-view]')) {
    if (link.dataset.view === view.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${view.title} – Knute`;
  showMessage(el.shellError, '');

  clear(el.viewRoot);
  const heading = h('h1', { class: 'view-title', tabindex: '-1', 'data-testid': 'view-title' }, view.title);
  const body = h('section', { class: 'view', 'data-testid': `view-${view.id}`, 'aria-labelledby': 'view-heading' });
  heading.id = 'view-heading';
  el.viewRoot.append(heading, body);
  if (focus) heading.focus();

  if (!view.load) {
    placeholder(body);
    return;
  }

  const ctx = {
    api,
    user: state.user,
    grants: sortByOrgName(grants()),
    orgnr: state.orgnr,
    orgName,
    rolesAt,
    roleLabel,
    seg,
    signal: controller.signal,
    navigate: (viewId) => { location.hash = `#/${viewId}`; },
  };
  try {
    const mod = await view.load();
    if (seq !== state.renderSeq) return;
    await mod.render(body, ctx);
  } catch (err) {
    if (controller.signal.aborted || (err && err.name === 'AbortError')) return;
    if (seq !== state.renderSeq) return;
    if (err instanceof ApiError && err.status === 401) return; // already back at login
    console.warn('Knute: view failed', view.id, err);
    append(body, h('div', { class: 'msg msg-error', role: 'alert', 'data-testid': 'view-error' },
      err instanceof ApiError ? (err.detail || err.title) : 'Visningen kunne ikke lastes.'));
  }
}

// ---------------------------------------------------------------------------
// Boot

async function boot() {
  el.loginForm.addEventListener('submit', onLoginSubmit);
  el.logout.addEventListener('click', onLogout);
  el.orgSelect.addEventListener('change', onOrgChange);
  el.skipLink.addEventListener('click', (event) => {
    event.preventDefault();
    const heading = byTestId('view-title', el.viewRoot);
    (heading || el.main).focus();
  });
  window.addEventListener('hashchange', () => renderRoute({ focus: true }));
  onUnauthorized(() => {
    if (state.user) showLogin('Økten er utløpt. Logg inn på nytt.');
  });

  try {
    const body = await api.get('/api/v1/session', { handle401: false });
    await startShell(body);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      showLogin();
    } else {
      showLogin();
      showMessage(el.loginError, err instanceof ApiError ? err : 'Kunne ikke starte Knute.');
    }
  }
}

boot();
