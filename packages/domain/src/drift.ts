import type { Channel } from '@cm/schemas';
import type { RaisedConflict } from './conflicts';
import { holdsNights, type PropertyState } from './property-state';
import { addDays, nightsOf, sharesANight, type LocalDate, type StayDates } from './stay-dates';

/**
 * Seed section 4: the ledger is the truth; a channel's calendar is compared with it night by night.
 * Availability only: prices and stay rules are compared per rate plan with the PMS's rates
 * (drift-rates.ts), from what the channel shows of every plan rather than its calendar's one price.
 */

export const DEFAULT_WINDOW_DAYS = 90;
/** Booking.com expects 12 months of availability, rates and restrictions. */
export const MAX_WINDOW_DAYS = 365;

export interface ChannelNightView {
  readonly available: boolean;
}

/** The nights [from, from + days) a comparison covers: 1 to MAX_WINDOW_DAYS days. */
export function driftWindow(from: LocalDate, days: number = DEFAULT_WINDOW_DAYS): StayDates {
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
    throw new RangeError(`drift window must be 1 to ${MAX_WINDOW_DAYS} days, got ${days}`);
  }
  return { checkIn: from, checkOut: addDays(from, days) };
}

/**
 * The ledger side is the property's state, or just the dates of the stays that hold nights (what
 * a reconciler streaming thousands of properties reads from the ledger).
 */
export type DriftInput = DriftInputBase & ({ readonly state: PropertyState } | { readonly holding: readonly StayDates[] });

interface DriftInputBase {
  readonly channel: Channel;
  /** First night of the window, property-local (usually today). */
  readonly from: LocalDate;
  readonly days?: number;
  readonly channelCalendar: ReadonlyMap<LocalDate, ChannelNightView>;
}

export type MismatchKind =
  /** The channel sells a night a stay holds: a double booking waiting to happen. */
  | 'open_while_booked'
  /** The channel refuses a free night: lost revenue. */
  | 'closed_while_free';

export interface NightMismatch {
  readonly night: LocalDate;
  readonly kind: MismatchKind;
}

/** Consecutive nights with the same kind of mismatch, for the operator. */
export interface DriftRange {
  readonly dates: StayDates;
  readonly kind: MismatchKind;
}

/** One push to this channel only: the ledger's state of a run of nights. */
export interface Correction {
  readonly dates: StayDates;
  readonly available: boolean;
}

export interface DriftReport {
  readonly channel: Channel;
  readonly window: StayDates;
  /** Nights the channel reported and were compared. */
  readonly compared: number;
  /** Nights of the window the channel did not report; not counted as drift. */
  readonly unreported: number;
  readonly mismatches: readonly NightMismatch[];
  readonly ranges: readonly DriftRange[];
  readonly corrections: readonly Correction[];
  /** Nights whose availability differs: the seed's "drift days". */
  readonly driftNights: number;
  readonly openWhileBooked: number;
  readonly conflicts: readonly RaisedConflict[];
}

export function detectDrift(input: DriftInput): DriftReport {
  const days = input.days ?? DEFAULT_WINDOW_DAYS;
  const window = driftWindow(input.from, days);
  const holding = 'state' in input ? [...input.state.stays.values()].filter(holdsNights).map((s) => s.dates) : input.holding;
  const heldNights = new Set<LocalDate>();
  for (const dates of holding) {
    if (!sharesANight(dates, window)) continue;
    for (const night of nightsOf(dates)) heldNights.add(night);
  }

  const mismatches: NightMismatch[] = [];
  let compared = 0;
  for (const night of nightsOf(window)) {
    const seen = input.channelCalendar.get(night);
    if (!seen) continue;
    compared++;
    const free = !heldNights.has(night);
    if (seen.available === free) continue;
    mismatches.push({ night, kind: free ? 'closed_while_free' : 'open_while_booked' });
  }
  const oneNight = (night: LocalDate): StayDates => ({ checkIn: night, checkOut: addDays(night, 1) });

  const driftNights = mismatches.length;
  const openWhileBooked = mismatches.filter((m) => m.kind === 'open_while_booked').length;

  return {
    channel: input.channel,
    window,
    compared,
    unreported: days - compared,
    mismatches,
    ranges: mergeRuns(mismatches.map((m) => ({ dates: oneNight(m.night), kind: m.kind })), (a, b) => a.kind === b.kind),
    // The ledger's state of each mismatched night: free nights open, held nights closed.
    corrections: mergeRuns(mismatches.map((m): Correction => ({ dates: oneNight(m.night), available: m.kind === 'closed_while_free' })), (a, b) => a.available === b.available),
    driftNights,
    openWhileBooked,
    conflicts: driftConflicts(input.channel, days, driftNights, openWhileBooked),
  };
}

/** Joins runs of adjacent one-night items that `same` says may share one range. Items come in night order. */
function mergeRuns<T extends { dates: StayDates }>(items: readonly T[], same: (a: T, b: T) => boolean): T[] {
  const runs: T[] = [];
  for (const item of items) {
    const last = runs[runs.length - 1];
    if (last && last.dates.checkOut === item.dates.checkIn && same(last, item)) {
      runs[runs.length - 1] = { ...last, dates: { checkIn: last.dates.checkIn, checkOut: item.dates.checkOut } };
    } else {
      runs.push(item);
    }
  }
  return runs;
}

function driftConflicts(channel: Channel, windowDays: number, driftNights: number, openWhileBooked: number): RaisedConflict[] {
  if (driftNights === 0) return [];
  return [
    {
      facts: { type: 'AVAILABILITY_DRIFT', channel, driftNights, openWhileBooked, windowDays },
      resolution: 'CORRECTED_CHANNEL',
      rule: '5.1 availability',
      channel,
      summary: `${channel}: ${driftNights} night(s) of ${windowDays} differ from the ledger (${openWhileBooked} open while booked); pushing the ledger's`,
    },
  ];
}
