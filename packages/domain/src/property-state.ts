import type { BookingStatus, Channel, Source } from '@cm/schemas';
import type { GuestRecord } from './guest';
import type { Money } from './money';
import { sharesANight, type StayDates } from './stay-dates';

/** A booking or block is known by its source and the source's reference. */
export type StayKey = string & { readonly __brand: 'StayKey' };

export function stayKey(source: Source, ref: string): StayKey {
  return `${source}:${ref}` as StayKey;
}

/** The last version the ledger applied from each source, for "more recent wins" per source. */
export type SourceVersions = Readonly<Partial<Record<Source, number>>>;

interface StayBase {
  readonly key: StayKey;
  readonly ref: string;
  readonly source: Source;
  readonly dates: StayDates;
  readonly versions: SourceVersions;
}

export interface Booking extends StayBase {
  readonly kind: 'booking';
  readonly status: BookingStatus;
  /** When its source confirmed it (the command's occurred_at). */
  readonly confirmedAt: number;
  readonly price: Money | null;
  readonly ratePlan: string | null;
  readonly guestCount: number | null;
  readonly guest: GuestRecord;
  /**
   * The last version from each source whose price the ledger decided: its own price when the
   * booking was created, and each price report decided since. A channel's revision that moves a
   * stay and changes its total arrives as two commands at one version (a date change, then a
   * price report): the date change records the version in `versions`, the price is still to be
   * decided. Absent (bookings stored before it was kept): none decided.
   */
  readonly priceVersions?: SourceVersions;
}

/** A host's manual block; an unblocked block stays known, inactive, so late repeats are recognised. */
export interface Block extends StayBase {
  readonly kind: 'block';
  readonly reason: string;
  readonly active: boolean;
}

export type Stay = Booking | Block;

/** One property's ledger, as the booking-arbiter holds it. `version` counts its decisions. */
export interface PropertyState {
  readonly propertyId: string;
  readonly version: number;
  readonly stays: ReadonlyMap<StayKey, Stay>;
}

export function emptyProperty(propertyId: string): PropertyState {
  return { propertyId, version: 0, stays: new Map() };
}

/** Statuses in which a booking holds its nights. */
export const HOLDING_STATUSES: ReadonlySet<BookingStatus> = new Set<BookingStatus>(['PENDING', 'CONFIRMED']);

export function holdsNights(stay: Stay): boolean {
  return stay.kind === 'block' ? stay.active : HOLDING_STATUSES.has(stay.status);
}

/**
 * The stays that hold any night of `dates`, other than `except`, in a fixed order (first night,
 * then key), so every decision that names them is deterministic.
 */
export function staysHolding(state: PropertyState, dates: StayDates, except?: StayKey): Stay[] {
  return [...state.stays.values()]
    .filter((s) => s.key !== except && holdsNights(s) && sharesANight(s.dates, dates))
    .sort((a, b) => (a.dates.checkIn === b.dates.checkIn ? (a.key < b.key ? -1 : 1) : a.dates.checkIn < b.dates.checkIn ? -1 : 1));
}

export function isChannel(source: Source): source is Channel {
  return source !== 'PMS';
}

export function channelOf(source: Source): Channel | null {
  return isChannel(source) ? source : null;
}
