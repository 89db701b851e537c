import type { Source } from '@cm/schemas';

/**
 * Guest fields, each with its own value, update time and source. "Most recent non-null" is
 * decided per field by the values' own update times, never by the age of the whole record.
 */

export const GUEST_FIELDS = ['name', 'email', 'phone'] as const;
export type GuestField = (typeof GUEST_FIELDS)[number];

export interface FieldValue {
  readonly value: string;
  readonly updatedAt: number;
  readonly source: Source;
}

export type GuestRecord = { readonly [F in GuestField]: FieldValue | null };

export const NO_GUEST: GuestRecord = { name: null, email: null, phone: null };

/** What one source says about the guest; a null value says nothing, it never erases. */
export type GuestUpdate = { readonly [F in GuestField]: { readonly value: string; readonly updatedAt: number } | null };

export interface GuestMerge {
  readonly guest: GuestRecord;
  readonly changed: readonly GuestField[];
  /** Fields where the source offered a different non-null value and the rule kept ours. */
  readonly kept: readonly GuestField[];
}

/**
 * Identity fields (name, email): the PMS's value wins; a channel fills a field the ledger does
 * not have, and a channel may update a value it supplied itself with a newer one.
 * Phone: the most recently updated non-null value wins, whichever source it comes from.
 * A tie keeps what the ledger has, so the merge is deterministic.
 */
export function mergeGuest(current: GuestRecord, update: GuestUpdate, source: Source): GuestMerge {
  const next: { -readonly [F in GuestField]: FieldValue | null } = { ...current };
  const changed: GuestField[] = [];
  const kept: GuestField[] = [];
  for (const field of GUEST_FIELDS) {
    const offered = update[field];
    if (!offered) continue;
    const existing = current[field];
    if (existing?.value === offered.value) continue;
    if (takesOffered(field, existing, offered.updatedAt, source)) {
      next[field] = { value: offered.value, updatedAt: offered.updatedAt, source };
      changed.push(field);
    } else {
      kept.push(field);
    }
  }
  return { guest: next, changed, kept };
}

function takesOffered(field: GuestField, existing: FieldValue | null, offeredAt: number, source: Source): boolean {
  if (!existing) return true;
  switch (field) {
    case 'name':
    case 'email':
      return source === 'PMS' || (existing.source === source && offeredAt > existing.updatedAt);
    case 'phone':
      return offeredAt > existing.updatedAt;
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(field);
  }
}

/* istanbul ignore next -- only reachable through a type error */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
