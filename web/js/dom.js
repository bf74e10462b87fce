// dom.js - tiny DOM helpers for Knute's web UI. Elements are always built with
// createElement/textContent (never innerHTML), so server data cannot inject markup,
// and nothing here needs inline styles or eval (CSP: default-src 'self').

/**
 * Create an element.
 *   h('button', { type: 'button', class: 'btn', 'data-testid': 'x', onclick: fn }, 'Tekst')
 * Attribute rules: keys starting with "on" add event listeners; `class` sets className;
 * `hidden`, `disabled`, `checked`, `selected`, `value` are set as properties; null/undefined/false
 * values are skipped; everything else goes through setAttribute.
 * Children may be strings, numbers, Nodes, arrays of those, or null/undefined/false (ignored).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'class') {
        el.className = value;
      } else if (key === 'hidden' || key === 'disabled' || key === 'checked' ||
                 key === 'selected' || key === 'value') {
        el[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

/** Append children (same rules as h) to a parent element. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Remove all children of an element. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Get an element by data-testid inside root (document by default). */
export function byTestId(id, root = document) {
  return root.querySelector(`[data-testid="${id}"]`);
}

/**
 * Show a message in an error/status area (an aria-live region that is always in the DOM).
 * Passing an ApiError shows its detail (or title) and, when present, the request id so
 * the user can quote it to support. Passing null/'' empties the area (CSS collapses it).
 */
export function showMessage(area, message) {
  clear(area);
  if (!message) return;
  if (typeof message === 'string') {
    area.textContent = message;
    return;
  }
  const text = message.detail || message.title || message.message || 'Noe gikk galt.';
  area.append(h('span', { class: 'msg-text' }, text));
  if (message.request_id) {
    area.append(' ', h('span', { class: 'msg-ref' }, `(referanse: ${message.request_id})`));
  }
}

/**
 * A panel telling the user they lack access (a 403 from the API): a Norwegian explanation,
 * then the server's own answer (problem title and detail) and the request id for support.
 *   accessDenied({ testId: 'audit-forbidden', message: 'Du har ikke tilgang …', error })
 */
export function accessDenied({ testId, message, error }) {
  const answer = error ? [error.title, error.detail].filter(Boolean).join(': ') : '';
  return h('div', { class: 'panel panel-denied', role: 'alert', 'data-testid': testId },
    h('h2', null, 'Ingen tilgang'),
    h('p', { 'data-testid': `${testId}-message` }, message),
    answer ? h('p', { class: 'denied-detail' }, 'Svar fra serveren: ',
      h('span', { 'data-testid': `${testId}-detail` }, answer),
      error.request_id ? h('span', { class: 'msg-ref' }, ` (referanse: ${error.request_id})`) : null) : null);
}
