import { createHash } from 'node:crypto';

/** Longer than any UID a calendar writes (a UUID with a domain is under 100 characters), short enough for an index key. */
const MAX_UID_LENGTH = 500;

/**
 * A feed's UID as it is kept: the UID itself, or, when it holds what a database or a log cannot
 * take (a control character, a lone surrogate) or is longer than MAX_UID_LENGTH, `sha256:` and
 * the hash of it. The same UID always becomes the same key, so the event keeps its identity from
 * one read to the next; PostgreSQL refused a NUL and stalled the whole feed's import.
 */
export function storableUid(uid: string): string {
  // eslint-disable-next-line no-control-regex
  const storable = uid.length <= MAX_UID_LENGTH && uid.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(uid);
  return storable ? uid : `sha256:${createHash('sha256').update(uid).digest('hex')}`;
}

/** An occurrence of a recurring series: `<series uid>#<day the rule gave it>`, so an override that moves it keeps its identity. */
export function occurrenceUid(seriesUid: string, day: string): string {
  return `${seriesUid}#${day}`;
}

/**
 * The series an occurrence's uid (occurrenceUid) belongs to, or the uid itself: a series the read
 * could not parse names its UID in its problem, and every occurrence of it stays held.
 */
export function seriesOfUid(uid: string): string {
  const at = uid.lastIndexOf('#');
  return at > 0 && /^\d{4}-\d{2}-\d{2}$|^unknown$/.test(uid.slice(at + 1)) ? uid.slice(0, at) : uid;
}
