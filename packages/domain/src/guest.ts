import type { Source } from '@cm/schemas';

/**
 * Guest fields, each with its own value, update time and source. "Most recent non-null" is
 * decided per field by the values' own update times, never by the age of the whole record.
 */

/** Fields with one value each; preferences are a set of keyed values, merged key by key. */
export const SINGLE_GUEST_FIELDS = ['name', 'email', 'phone', 'address', 'language'] as const;
export const GUEST_FIELDS = [...SINGLE_GUEST_FIELDS, 'preferences'] as const;
export type SingleGuestField = (typeof SINGLE_GUEST_FIELDS)[number];
export type GuestField = (typeof GUEST_FIELDS)[number];

/** A postal address, taken and kept whole: lines from two sources are never mixed. */
export interface PostalAddress {
  readonly line1: string;
  readonly line2: string | null;
  readonly city: string | null;
  readonly postalCode: string | null;
  readonly region: string | null;
  /** ISO 3166-1 alpha-2. */
  readonly country: string | null;
}

interface SingleValues {
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly address: PostalAddress;
  /** A BCP 47 language tag, canonical (`pt-BR`). */
  readonly language: string;
}

export interface FieldValue<T = string> {
  readonly value: T;
  readonly updatedAt: number;
  readonly source: Source;
}

export type GuestRecord = { readonly [F in SingleGuestField]: FieldValue<SingleValues[F]> | null } & {
  /** Each preference (`bed`, `arrival_time`, …) with the source and time of its value. */
  readonly preferences: Readonly<Record<string, FieldValue>>;
};

export const NO_GUEST: GuestRecord = { name: null, email: null, phone: null, address: null, language: null, preferences: {} };

/** What one source says about the guest; a null (or absent) value says nothing, it never erases. */
export type GuestUpdate = { readonly [F in 'name' | 'email' | 'phone']: Offered<string> | null } & {
  readonly address?: Offered<PostalAddress> | null;
  readonly language?: Offered<string> | null;
  /** Keys offered at one update time; a key left out says nothing about it. */
  readonly preferences?: Offered<Readonly<Record<string, string>>> | null;
};

interface Offered<T> {
  readonly value: T;
  readonly updatedAt: number;
}

export interface GuestMerge {
  readonly guest: GuestRecord;
  readonly changed: readonly GuestField[];
  /** Fields where the source offered a different non-null value and the rule kept ours. */
  readonly kept: readonly GuestField[];
}

/**
 * Seed 3.3, field by field. Identity fields (name, email) and the address: the PMS's value wins;
 * a channel fills a field the ledger does not have, and may update a value it supplied itself
 * with a newer one. Phone: the most recently updated non-null value wins, whichever source.
 * Language and each preference: the channel's value takes precedence (the guest set it there);
 * between channels the newer wins, and the PMS fills what no channel gave. A tie keeps what the
 * ledger has, so the merge is deterministic.
 */
export function mergeGuest(current: GuestRecord, update: GuestUpdate, source: Source): GuestMerge {
  const next: { -readonly [F in keyof GuestRecord]: GuestRecord[F] } = { ...current };
  const changed: GuestField[] = [];
  const kept: GuestField[] = [];
  for (const field of SINGLE_GUEST_FIELDS) {
    const offered = update[field];
    if (!offered) continue;
    const existing = current[field];
    if (existing && sameValue(existing.value, offered.value)) continue;
    if (takesOffered(field, existing, offered.updatedAt, source)) {
      (next as Record<SingleGuestField, FieldValue<unknown> | null>)[field] = { value: offered.value, updatedAt: offered.updatedAt, source };
      changed.push(field);
    } else {
      kept.push(field);
    }
  }
  const preferences = mergePreferences(current.preferences, update.preferences ?? null, source);
  if (preferences.changed) {
    next.preferences = preferences.values;
    changed.push('preferences');
  }
  if (preferences.kept) kept.push('preferences');
  return { guest: next, changed, kept };
}

function mergePreferences(current: GuestRecord['preferences'], offered: GuestUpdate['preferences'], source: Source): { values: GuestRecord['preferences']; changed: boolean; kept: boolean } {
  const values: Record<string, FieldValue> = { ...current };
  let changed = false;
  let kept = false;
  for (const [key, value] of Object.entries(offered?.value ?? {})) {
    const existing = Object.hasOwn(current, key) ? current[key]! : null;
    if (existing?.value === value) continue;
    if (channelFirst(existing, offered!.updatedAt, source)) {
      values[key] = { value, updatedAt: offered!.updatedAt, source };
      changed = true;
    } else {
      kept = true;
    }
  }
  return { values, changed, kept };
}

function takesOffered(field: SingleGuestField, existing: FieldValue<unknown> | null, offeredAt: number, source: Source): boolean {
  if (!existing) return true;
  switch (field) {
    case 'name':
    case 'email':
    case 'address':
      return source === 'PMS' || (existing.source === source && offeredAt > existing.updatedAt);
    case 'phone':
      return offeredAt > existing.updatedAt;
    case 'language':
      return channelFirst(existing, offeredAt, source);
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(field);
  }
}

/** A channel's value over the PMS's; the newer between two of the same kind. */
function channelFirst(existing: FieldValue<unknown> | null, offeredAt: number, source: Source): boolean {
  if (!existing) return true;
  const offeredByChannel = source !== 'PMS';
  const heldByChannel = existing.source !== 'PMS';
  if (offeredByChannel !== heldByChannel) return offeredByChannel;
  return offeredAt > existing.updatedAt;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  const x = a as PostalAddress;
  const y = b as PostalAddress;
  return x.line1 === y.line1 && x.line2 === y.line2 && x.city === y.city && x.postalCode === y.postalCode && x.region === y.region && x.country === y.country;
}

/* istanbul ignore next -- only reachable through a type error */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
