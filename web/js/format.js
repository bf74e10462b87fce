// format.js - shared display helpers for Knute's views: role names in bokmål,
// masked national identity numbers, names and dates.

const ROLE_LABELS = {
  operator: 'Operatør',
  case_worker: 'Saksbehandler',
  nurse: 'Sykepleier',
  coordinator: 'Koordinator',
  admin: 'Administrator',
  supplier: 'Leverandør',
  reviewer: 'Godkjenner',
  auditor: 'Revisor',
};

/** Bokmål name of an API role ("case_worker" -> "Saksbehandler"); unknown roles as given. */
export function roleLabel(role) {
  return ROLE_LABELS[role] || String(role);
}

/** Mask a national identity number: the first 6 digits (birth date) + "*****". */
export function maskNin(nin) {
  const s = String(nin || '');
  if (!s) return '';
  return `${s.slice(0, 6)}*****`;
}

/** "Given Family" from a record with given_name/family_name. */
export function fullName(rec) {
  return [rec && rec.given_name, rec && rec.family_name].filter(Boolean).join(' ');
}

/** Placeholder for empty cells. */
export const EMPTY = '–';

/** Format unix seconds or an ISO string as a Norwegian date and time. */
export function formatDateTime(value) {
  if (value === null || value === undefined || value === '') return EMPTY;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString('nb-NO', { dateStyle: 'short', timeStyle: 'short' });
}

const pad2 = (n) => String(n).padStart(2, '0');

/**
 * Norwegian local date and time with seconds, "dd.mm.åååå tt:mm:ss", from milliseconds
 * since the epoch (audit events carry at_ms). Built by hand so it does not depend on the
 * browser's locale data.
 */
export function formatTimestampMs(ms) {
  if (ms === null || ms === undefined || ms === '') return EMPTY;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return String(ms);
  return `${pad2(date.getDate())}.${pad2(date.getMonth() + 1)}.${date.getFullYear()} `
    + `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

const ORG_KIND_LABELS = {
  municipality: 'kommune',
  supplier: 'leverandør',
  epj_vendor: 'EPJ-leverandør',
  national: 'nasjonal',
};

/** Bokmål name of an organisation kind ("epj_vendor" -> "EPJ-leverandør"); unknown kinds as given. */
export function orgKindLabel(kind) {
  return ORG_KIND_LABELS[kind] || String(kind || EMPTY);
}

/** A whole number with Norwegian digit grouping ("12 400", with a no-break space). */
export function formatCount(n) {
  const value = Number(n);
  if (!Number.isFinite(value)) return EMPTY;
  return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
}

/** The last `n` characters of a long id, prefixed with "…" ("…4cd9fd09"); ids are time-ordered,
 *  so their start is shared by everything made around the same time. */
export function shortId(id, n = 8) {
  const s = String(id || '');
  if (!s) return '';
  return s.length > n ? `…${s.slice(-n)}` : s;
}
