// administrasjon.js - the "Administrasjon" view for administrators: Knute's users with their
// status and grants, and the organisations Knute knows. Read-only for now.
// API: GET /api/v1/users (admin) and GET /api/v1/organisations, both {items: [...]}.

import { ApiError, listOf } from '../js/api.js';
import { accessDenied, h } from '../js/dom.js';
import { EMPTY, formatCount, orgKindLabel } from '../js/format.js';

/** [text, pill class] for a user's status: deactivated wins over a temporary lock. */
function userStatus(u) {
  if (u.disabled) return ['deaktivert', 'pill-muted'];
  if (u.locked) return ['sperret', 'pill-warn'];
  return ['aktiv', 'pill-ok'];
}

const byText = (a, b) => a.localeCompare(b, 'nb');

export async function render(root, ctx) {
  const [users, orgs] = await Promise.allSettled([
    ctx.api.get('/api/v1/users', { signal: ctx.signal }),
    ctx.api.get('/api/v1/organisations', { signal: ctx.signal }),
  ]);
  if (ctx.signal.aborted) return;
  if (users.status === 'rejected') {
    const err = users.reason;
    if (err instanceof ApiError && err.status === 403) {
      root.append(accessDenied({
        testId: 'admin-forbidden',
        message: 'Du har ikke tilgang til administrasjon. Denne delen er bare for brukere med rollen Administrator.',
        error: err,
      }));
      return;
    }
    throw err; // the shell shows it (and handles 401)
  }

  // Organisation names for the grants: from this answer, else what the shell knows.
  const orgList = orgs.status === 'fulfilled' ? listOf(orgs.value, 'organisations') : [];
  const names = new Map(orgList.map((o) => [String(o.orgnr), String(o.name || o.orgnr)]));
  const orgName = (orgnr) => names.get(orgnr) || ctx.orgName(orgnr);

  root.append(usersPanel(listOf(users.value, 'users'), orgName, ctx));
  root.append(orgsPanel(orgs, orgList));
}

function usersPanel(list, orgName, ctx) {
  const rows = [...list].sort((a, b) => byText(String(a.username || ''), String(b.username || ''))).map((u) => {
    const [status, statusClass] = userStatus(u);
    const grants = (Array.isArray(u.grants) ? u.grants : [])
      .map((g) => ({ name: orgName(g.orgnr), orgnr: g.orgnr, roles: (g.roles || []).map(ctx.roleLabel) }))
      .sort((a, b) => byText(a.name, b.name));
    return h('tr', { 'data-testid': 'admin-user-row', 'data-username': u.username || '' },
      h('th', { scope: 'row', class: 'mono', 'data-testid': 'admin-user-username' }, u.username || EMPTY),
      h('td', { 'data-testid': 'admin-user-name' }, u.display_name || EMPTY),
      h('td', { 'data-testid': 'admin-user-status' }, h('span', { class: `pill ${statusClass}` }, status)),
      h('td', { 'data-testid': 'admin-user-grants' },
        grants.length === 0 ? h('span', { class: 'muted' }, 'Ingen tilganger')
          : h('ul', { class: 'plain-list' }, grants.map((g) => h('li', { 'data-testid': 'admin-user-grant', title: `Org.nr. ${g.orgnr}` },
            `${g.name}: ${g.roles.join(', ') || EMPTY}`)))));
  });
  if (rows.length === 0) {
    rows.push(h('tr', { 'data-testid': 'admin-users-empty' },
      h('td', { colspan: '4', class: 'empty' }, 'Ingen brukere.')));
  }
  return h('section', { class: 'panel panel-flush', 'aria-labelledby': 'admin-users-title', 'data-testid': 'admin-users' },
    h('div', { class: 'panel-head' },
      h('h2', { id: 'admin-users-title' }, 'Brukere'),
      h('p', { class: 'table-summary', 'data-testid': 'admin-users-summary' },
        `${list.length} ${list.length === 1 ? 'bruker' : 'brukere'}`)),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table', 'data-testid': 'admin-users-table' },
        h('caption', { class: 'sr-only' }, 'Brukere med status og tilganger'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Brukernavn'),
          h('th', { scope: 'col' }, 'Navn'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, 'Tilganger'))),
        h('tbody', null, rows))));
}

function orgsPanel(result, list) {
  const body = [];
  if (result.status === 'rejected') {
    const err = result.reason;
    body.push(h('div', { class: 'msg msg-error', role: 'alert', 'data-testid': 'admin-orgs-error' },
      err instanceof ApiError ? (err.detail || err.title) : 'Kunne ikke hente organisasjonene.'));
  } else {
    const rows = list.map((o) => h('tr', { 'data-testid': 'admin-org-row', 'data-orgnr': o.orgnr || '' },
      h('td', { class: 'mono', 'data-testid': 'admin-org-orgnr' }, o.orgnr || EMPTY),
      h('td', { 'data-testid': 'admin-org-kind' }, orgKindLabel(o.kind)),
      h('th', { scope: 'row', 'data-testid': 'admin-org-name' }, o.name || EMPTY),
      h('td', { class: 'num', 'data-testid': 'admin-org-inhabitants' },
        o.kind === 'municipality' || o.inhabitants ? formatCount(o.inhabitants) : EMPTY)));
    if (rows.length === 0) {
      rows.push(h('tr', { 'data-testid': 'admin-orgs-empty' },
        h('td', { colspan: '4', class: 'empty' }, 'Ingen organisasjoner.')));
    }
    body.push(h('div', { class: 'table-wrap' },
      h('table', { class: 'table', 'data-testid': 'admin-orgs-table' },
        h('caption', { class: 'sr-only' }, 'Organisasjoner'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Org.nr.'),
          h('th', { scope: 'col' }, 'Type'),
          h('th', { scope: 'col' }, 'Navn'),
          h('th', { scope: 'col', class: 'num' }, 'Innbyggere'))),
        h('tbody', null, rows))));
  }
  return h('section', { class: 'panel panel-flush', 'aria-labelledby': 'admin-orgs-title', 'data-testid': 'admin-orgs' },
    h('div', { class: 'panel-head' },
      h('h2', { id: 'admin-orgs-title' }, 'Organisasjoner'),
      result.status === 'fulfilled' ? h('p', { class: 'table-summary', 'data-testid': 'admin-orgs-summary' },
        `${list.length} ${list.length === 1 ? 'organisasjon' : 'organisasjoner'}`) : null),
    body);
}
