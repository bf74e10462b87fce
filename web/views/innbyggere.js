// innbyggere.js - the "Innbyggere" view: the citizens (tjenestemottakere) of the selected
// municipality, with national identity numbers masked, and a form to register a new one.
// API: GET and POST /api/v1/municipalities/{orgnr}/citizens.

import { ApiError, listOf } from '../js/api.js';
import { clear, h, showMessage } from '../js/dom.js';
import { EMPTY, fullName, maskNin } from '../js/format.js';

const PAGE = 50;

export async function render(root, ctx) {
  if (!ctx.orgnr) {
    root.append(h('div', { class: 'panel' },
      h('p', { 'data-testid': 'citizen-no-org' }, 'Du har ikke tilgang til noen kommune.')));
    return;
  }
  const url = `/api/v1/municipalities/${ctx.seg(ctx.orgnr)}/citizens`;
  const municipality = ctx.orgName(ctx.orgnr);

  // --- toolbar
  const status = h('div', { class: 'msg msg-success', role: 'status', 'aria-live': 'polite', 'data-testid': 'citizen-status' });
  const newButton = h('button', {
    type: 'button', class: 'btn btn-primary', 'aria-expanded': 'false', 'aria-controls': 'citizen-form',
    'data-testid': 'citizen-new-button',
  }, 'Ny innbygger');
  root.append(h('div', { class: 'toolbar' },
    h('p', { class: 'toolbar-text' }, 'Kommune: ', h('strong', null, municipality)),
    newButton));
  root.append(status);

  // --- new citizen form
  const field = (id, label, attrs = {}, hint = '') => {
    const hintId = hint ? `${id}-hint` : null;
    return h('div', { class: 'field' },
      h('label', { for: id }, label, attrs.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      h('input', { id, type: 'text', 'aria-describedby': hintId, ...attrs,
        'aria-required': attrs.required ? 'true' : null }));
  };
  const formError = h('div', { class: 'msg msg-error', role: 'alert', 'aria-live': 'assertive', 'data-testid': 'citizen-form-error' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'citizen-submit' }, 'Registrer');
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'citizen-cancel' }, 'Avbryt');
  const form = h('form', { id: 'citizen-form', class: 'panel form-panel', novalidate: true, hidden: true,
    'aria-labelledby': 'citizen-form-title', 'data-testid': 'citizen-form' },
  h('h2', { id: 'citizen-form-title' }, 'Ny innbygger'),
  h('div', { class: 'form-grid' },
    field('citizen-nin', 'Fødselsnummer', { name: 'nin', required: true, inputmode: 'numeric', autocomplete: 'off',
      maxlength: '11', 'data-testid': 'citizen-nin-input' }, '11 siffer (fødselsnummer eller D-nummer)'),
    field('citizen-given-name', 'Fornavn', { name: 'given_name', required: true, maxlength: '127',
      autocomplete: 'off', 'data-testid': 'citizen-given-name-input' }),
    field('citizen-family-name', 'Etternavn', { name: 'family_name', required: true, maxlength: '127',
      autocomplete: 'off', 'data-testid': 'citizen-family-name-input' }),
    field('citizen-address', 'Adresse', { name: 'address', maxlength: '127', autocomplete: 'off',
      'data-testid': 'citizen-address-input' }),
    field('citizen-phone', 'Telefon', { name: 'phone', type: 'tel', maxlength: '31', autocomplete: 'off',
      'data-testid': 'citizen-phone-input' })),
  formError,
  h('div', { class: 'form-actions' }, submit, cancel));
  root.append(form);

  const openForm = (open) => {
    form.hidden = !open;
    newButton.setAttribute('aria-expanded', String(open));
    showMessage(formError, '');
    if (open) {
      showMessage(status, '');
      form.querySelector('input').focus();
    } else {
      form.reset();
      newButton.focus();
    }
  };
  newButton.addEventListener('click', () => openForm(form.hidden));
  cancel.addEventListener('click', () => openForm(false));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showMessage(formError, '');
    const value = (name) => form.elements[name].value.trim();
    const body = {
      nin: value('nin').replace(/\s+/g, ''),
      given_name: value('given_name'),
      family_name: value('family_name'),
      address: value('address'),
      phone: value('phone'),
    };
    const missing = [['nin', 'fødselsnummer'], ['given_name', 'fornavn'], ['family_name', 'etternavn']]
      .filter(([key]) => !body[key]);
    if (missing.length) {
      showMessage(formError, `Fyll ut ${missing.map(([, label]) => label).join(', ')}.`);
      form.elements[missing[0][0]].focus();
      return;
    }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const created = await ctx.api.post(url, body, { signal: ctx.signal });
      const name = created ? fullName(created) : '';
      openForm(false);
      showMessage(status, `${name || 'Innbyggeren'} er registrert.`);
      await loadList();
    } catch (err) {
      if (ctx.signal.aborted || (err && err.name === 'AbortError')) return;
      showMessage(formError, err instanceof ApiError ? err : 'Registreringen feilet.');
      form.querySelector('input').focus();
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });

  // --- table
  const listError = h('div', { class: 'msg msg-error', role: 'alert', 'aria-live': 'assertive', 'data-testid': 'citizen-list-error' });
  const summary = h('p', { class: 'table-summary', 'aria-live': 'polite', 'data-testid': 'citizen-summary' });
  const tbody = h('tbody', { 'data-testid': 'citizen-rows' });
  const table = h('table', { class: 'table', 'data-testid': 'citizen-table' },
    h('caption', { class: 'sr-only' }, `Innbyggere i ${municipality}`),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Navn'),
      h('th', { scope: 'col' }, 'Fødselsnummer'),
      h('th', { scope: 'col' }, 'Adresse'),
      h('th', { scope: 'col' }, 'Telefon'))),
    tbody);
  const tableWrap = h('div', { class: 'table-wrap' }, table);
  root.append(h('div', { class: 'panel panel-flush' }, summary, listError, tableWrap));

  async function loadList() {
    showMessage(listError, '');
    table.setAttribute('aria-busy', 'true');
    summary.textContent = 'Henter innbyggere …';
    let body;
    try {
      body = await ctx.api.get(`${url}?limit=${PAGE}`, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted || (err && err.name === 'AbortError')) return;
      summary.textContent = '';
      clear(tbody);
      tableWrap.hidden = true;
      showMessage(listError, err instanceof ApiError ? err : 'Kunne ikke hente innbyggere.');
      return;
    } finally {
      table.removeAttribute('aria-busy');
    }
    const citizens = listOf(body, 'citizens');
    clear(tbody);
    tableWrap.hidden = false;
    for (const c of citizens) {
      tbody.append(h('tr', { 'data-testid': 'citizen-row', 'data-id': c.id || null },
        h('td', { 'data-testid': 'citizen-name' }, fullName(c) || EMPTY),
        h('td', { class: 'mono', 'data-testid': 'citizen-nin' }, maskNin(c.nin) || EMPTY),
        h('td', null, c.address || EMPTY),
        h('td', null, c.phone || EMPTY)));
    }
    if (citizens.length === 0) {
      tbody.append(h('tr', { 'data-testid': 'citizen-empty' },
        h('td', { colspan: '4', class: 'empty' }, 'Ingen innbyggere er registrert i kommunen.')));
    }
    const total = body && typeof body.total === 'number' ? body.total : null;
    summary.textContent = total !== null && total > citizens.length
      ? `Viser ${citizens.length} av ${total} innbyggere.`
      : `${citizens.length} ${citizens.length === 1 ? 'innbygger' : 'innbyggere'}.`;
  }

  await loadList();
}
