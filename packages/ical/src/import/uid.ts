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
