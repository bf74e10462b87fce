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
