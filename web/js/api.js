// api.js - fetch wrapper for Knute's JSON API (/api/v1/...).
// JSON in and out, same-origin cookies, the CSRF token (kept in memory only, taken from
// the login/session response) on state-changing requests, RFC 9457 problem responses
// turned into thrown ApiError objects, and a hook that sends the user back to the
// login form when the server answers 401.

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = null;
let unauthorizedHandler = null;

/** Remember the CSRF token from a session body ({csrf_token}); null forgets it. */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** Register the function called when any request (unless opted out) gets 401. */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

/** An error from the API: carries the problem fields title, detail, code, status, request_id. */
export class ApiError extends Error {
  constructor({ status = 0, title = '', detail = '', code = '', request_id = '', type = '', body = null } = {}) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.code = code;
    this.request_id = request_id;
    this.type = type;
    this.body = body;
  }
}

/** Fallback texts (bokmål) when the server's response carries no problem document. */
function fallbackTitle(status) {
  if (status === 0) return 'Kunne ikke kontakte serveren.';
  if (status === 401) return 'Du er ikke logget inn.';
  if (status === 403) return 'Du har ikke tilgang til dette.';
  if (status === 404) return 'Fant ikke det du ba om.';
  if (status === 429) return 'For mange forespørsler. Prøv igjen senere.';
  if (status >= 500) return 'Det oppstod en feil på serveren. Prøv igjen senere.';
  return 'Forespørselen feilet.';
}

async function readBody(res) {
  if (res.status === 204 || res.status === 205) return null;
  const text = await res.text();
  if (!text) return null;
  const type = (res.headers.get('Content-Type') || '').toLowerCase();
  if (type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Send one request.
 *   method: 'GET' | 'POST' | ...
 *   path:   '/api/v1/...'
 *   options.body:       a value sent as JSON
 *   options.signal:     an AbortSignal
 *   options.handle401:  false to not call the unauthorized hook (login and session checks)
 * Resolves with the parsed JSON body (null for 204); rejects with ApiError.
 */
export async function request(method, path, { body, signal, handle401 = true } = {}) {
  method = method.toUpperCase();
  const headers = { Accept: 'application/json, application/problem+json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (STATE_CHANGING.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'network', title: fallbackTitle(0), detail: fallbackTitle(0) });
  }

  const data = await readBody(res);
  if (res.ok) return data;

  const problem = data && typeof data === 'object' ? data : {};
  const error = new ApiError({
    status: typeof problem.status === 'number' ? problem.status : res.status,
    title: problem.title || fallbackTitle(res.status),
    detail: problem.detail || '',
    code: problem.code || '',
    request_id: problem.request_id || res.headers.get('X-Request-Id') || '',
    type: problem.type || '',
    body: data,
  });
  if (res.status === 401 && handle401 && unauthorizedHandler) {
    csrfToken = null;
    unauthorizedHandler(error);
  }
  throw error;
}

export const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, body, opts) => request('POST', path, { ...opts, body }),
  put: (path, body, opts) => request('PUT', path, { ...opts, body }),
  patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
  del: (path, opts) => request('DELETE', path, opts),
};

/**
 * Pull the array out of a list response. Accepts a bare array or an object holding the
 * array under one of `keys` (default: items, data), so views do not depend on the envelope.
 */
export function listOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object') {
    for (const key of [...keys, 'items', 'data']) {
      if (Array.isArray(body[key])) return body[key];
    }
  }
  return [];
}

/** Path segment encoding for ids and organisation numbers in URLs. */
export const seg = (value) => encodeURIComponent(String(value));
