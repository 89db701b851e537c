import type { Channel } from '@cm/schemas';
import type { RaisedConflict } from './conflicts';
import { comparePrices, exceeds, noRates, type Money } from './money';
import { holdsNights, type PropertyState } from './property-state';
import { PRICE_TOLERANCE_BP } from './rules/price-check';
import { addDays, nightsOf, sharesANight, type LocalDate, type StayDates } from './stay-dates';

/** Seed section 4: the ledger is the truth; a channel's calendar is compared with it night by night. */

export const DEFAULT_WINDOW_DAYS = 90;
/** Booking.com expects 12 months of availability, rates and restrictions. */
export const MAX_WINDOW_DAYS = 365;

export interface ChannelNightView {
  readonly available: boolean;
  readonly price: Money | null;
  readonly minStay: number | null;
}

/** What the PMS's rate calendar says of a night, where it says anything. */
export interface PmsNightRate {
  readonly price: Money | null;
  readonly minStay: number | null;
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
  readonly pmsRates?: ReadonlyMap<LocalDate, PmsNightRate>;
}

export type MismatchKind =
  /** The channel sells a night a stay holds: a double booking waiting to happen. */
  | 'open_while_booked'
  /** The channel refuses a free night: lost revenue. */
  | 'closed_while_free'
  | 'price_mismatch'
  | 'restriction_mismatch';

export interface NightMismatch {
  readonly night: LocalDate;
  readonly kinds: readonly MismatchKind[];
}

/** Consecutive nights with the same kinds of mismatch, for the operator. */
export interface DriftRange {
  readonly dates: StayDates;
  readonly kinds: readonly MismatchKind[];
}

/** One push to this channel only: the ledger's state of a run of nights. */
export interface Correction {
  readonly dates: StayDates;
  readonly available: boolean;
  readonly nightlyPrice: Money | null;
  readonly minStay: number | null;
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
  /** Nights whose price or restriction differs. */
  readonly priceDriftNights: number;
  readonly conflicts: readonly RaisedConflict[];
}

export function detectDrift(input: DriftInput): DriftReport {
  const days = input.days ?? DEFAULT_WINDOW_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
    throw new RangeError(`drift window must be 1 to ${MAX_WINDOW_DAYS} days, got ${days}`);
  }
  const window: StayDates = { checkIn: input.from, checkOut: addDays(input.from, days) };
  const holding = 'state' in input ? [...input.state.stays.values()].filter(holdsNights).map((s) => s.dates) : input.holding;
  const heldNights = new Set<LocalDate>();
  for (const dates of holding) {
    if (!sharesANight(dates, window)) continue;
    for (const night of nightsOf(dates)) heldNights.add(night);
  }

  const mismatches: NightMismatch[] = [];
  const wanted = new Map<LocalDate, Correction>();
  let compared = 0;
  for (const night of nightsOf(window)) {
    const seen = input.channelCalendar.get(night);
    if (!seen) continue;
    compared++;
    const free = !heldNights.has(night);
    const rate = input.pmsRates?.get(night);
    const kinds: MismatchKind[] = [];
    if (seen.available && !free) kinds.push('open_while_booked');
    if (!seen.available && free) kinds.push('closed_while_free');
    if (free && rate?.price && priceDiffers(rate.price, seen.price)) kinds.push('price_mismatch');
    if (free && rate?.minStay != null && rate.minStay !== seen.minStay) kinds.push('restriction_mismatch');
    if (kinds.length === 0) continue;
    mismatches.push({ night, kinds });
    wanted.set(night, { dates: { checkIn: night, checkOut: addDays(night, 1) }, available: free, nightlyPrice: free ? (rate?.price ?? null) : null, minStay: free ? (rate?.minStay ?? null) : null });
  }

  const availabilityKinds: MismatchKind[] = ['open_while_booked', 'closed_while_free'];
  const driftNights = mismatches.filter((m) => m.kinds.some((k) => availabilityKinds.includes(k))).length;
  const openWhileBooked = mismatches.filter((m) => m.kinds.includes('open_while_booked')).length;
  const priceDriftNights = mismatches.filter((m) => m.kinds.some((k) => !availabilityKinds.includes(k))).length;

  return {
    channel: input.channel,
    window,
    compared,
    unreported: days - compared,
    mismatches,
    ranges: mergeRuns(mismatches.map((m) => ({ dates: { checkIn: m.night, checkOut: addDays(m.night, 1) }, kinds: m.kinds })), (a, b) => a.kinds.join() === b.kinds.join()),
    corrections: mergeRuns([...wanted.values()], sameCorrection),
    driftNights,
    openWhileBooked,
    priceDriftNights,
    conflicts: driftConflicts(input.channel, days, driftNights, openWhileBooked, priceDriftNights),
  };
}

function priceDiffers(pms: Money, channel: Money | null): boolean {
  if (!channel) return true;
  const comparison = comparePrices(pms, channel, noRates);
  return comparison.kind === 'no_rate' || exceeds(comparison, PRICE_TOLERANCE_BP);
}

function sameCorrection(a: Correction, b: Correction): boolean {
  return (
    a.available === b.available &&
    a.minStay === b.minStay &&
    a.nightlyPrice?.amountMinor === b.nightlyPrice?.amountMinor &&
    a.nightlyPrice?.currency === b.nightlyPrice?.currency
  );
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

function driftConflicts(channel: Channel, windowDays: number, driftNights: number, openWhileBooked: number, priceDriftNights: number): RaisedConflict[] {
  const conflicts: RaisedConflict[] = [];
  if (driftNights > 0) {
    conflicts.push({
      facts: { type: 'AVAILABILITY_DRIFT', channel, driftNights, openWhileBooked, windowDays },
      resolution: 'CORRECTED_CHANNEL',
      rule: '5.1 availability',
      channel,
      summary: `${channel}: ${driftNights} night(s) of ${windowDays} differ from the ledger (${openWhileBooked} open while booked); pushing the ledger's`,
    });
  }
  if (priceDriftNights > 0) {
    conflicts.push({
      facts: { type: 'PRICE_DRIFT', channel, nights: priceDriftNights },
      resolution: 'CORRECTED_CHANNEL',
      rule: '1.3 price drift',
      channel,
      summary: `${channel}: ${priceDriftNights} night(s) with a price or restriction other than the PMS's; pushing the PMS's`,
    });
  }
  return conflicts;
}
