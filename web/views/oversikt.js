// oversikt.js - the "Oversikt" view: a welcome and the user's roles per organisation.
//
// View contract (every module under web/views/ follows it):
//   export async function render(root, ctx)
//     root: an empty <section> below the view's <h1> (the shell renders the heading).
//     ctx:  { api, user, grants, orgnr, orgName(orgnr), rolesAt(orgnr), roleLabel(role),
//             seg(value), signal, navigate(viewId) }
//           orgnr is the municipality chosen in the header ('' when the user has none);
//           the view is rendered again when it changes. signal aborts when the user
//           leaves the view: pass it to api calls and stop timers on its 'abort' event.
//   Throwing an ApiError shows its detail in the view; 401 is handled by the shell.

import { h } from '../js/dom.js';

export async function render(root, ctx) {
  const name = ctx.user.display_name || ctx.user.username;

  root.append(
    h('div', { class: 'panel' },
      h('p', { class: 'lead', 'data-testid': 'overview-welcome' }, `Velkommen, ${name}.`),
      h('p', null,
        'Knute samler kommunens velferdsteknologi: innbyggere og tjenester, responssenter, ',
        'meldinger gjennom knutepunktet, utstyr, gevinstrealisering og godkjenning av leverandører. ',
        'Velg en del i menyen til venstre.')),
  );

  const grants = ctx.grants; // sorted by organisation name
  const section = h('div', { class: 'panel' },
    h('h2', null, 'Dine roller'));
  if (grants.length === 0) {
    section.append(h('p', { 'data-testid': 'overview-no-grants' },
      'Du har ingen roller ennå. Kontakt en administrator i kommunen.'));
  } else {
    const rows = grants.map((grant) => h('tr', {
        'data-testid': 'overview-grant-row',
        class: grant.orgnr === ctx.orgnr ? 'is-selected' : null,
      },
      h('th', { scope: 'row' }, ctx.orgName(grant.orgnr),
        grant.orgnr === ctx.orgnr ? h('span', { class: 'tag' }, 'valgt') : null),
      h('td', { class: 'mono' }, grant.orgnr),
      h('td', null, (grant.roles || []).map(ctx.roleLabel).join(', ') || '–')));
    section.append(h('table', { class: 'table', 'data-testid': 'overview-grants' },
      h('caption', { class: 'sr-only' }, 'Dine roller per organisasjon'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Organisasjon'),
        h('th', { scope: 'col' }, 'Org.nr.'),
        h('th', { scope: 'col' }, 'Roller'))),
      h('tbody', null, rows)));
  }
  root.append(section);
}
