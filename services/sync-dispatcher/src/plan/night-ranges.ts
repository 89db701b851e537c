/**
 * Turns per-night desired states into the fewest channel API calls: nights in a row that a channel
 * must be told the same thing about become one range. Dates are property-local calendar dates and
 * all arithmetic on them is UTC day counting (Date.UTC), so the machine's time zone and DST never
 * shift a night.
 *
 * Malformed input (an impossible date, a night listed twice, an empty range) is a caller bug and
 * throws a RangeError saying which value was wrong.
 */
import type { Money } from '@cm/schemas';

/** A calendar date, YYYY-MM-DD, in the property's time zone. */
export type LocalDate = string;

/** What one night should look like on a channel, at a ledger version. */
export interface NightState {
  readonly date: LocalDate;
  readonly available: boolean;
  readonly price: Money | null;
  readonly minStay: number | null;
  /** Per-property ledger version; an older version is never sent after a newer one. */
  readonly version: number;
}

/** Everything about a night but its date: what a range says about each of its nights. */
export type NightTerms = Omit<NightState, 'date'>;

/** Nights [from, to) that share their terms; one API call. */
export interface NightRange extends NightTerms {
  readonly from: LocalDate;
  /** Exclusive: the first night not in the range. */
  readonly to: LocalDate;
  /** The highest version among the range's nights. */
  readonly version: number;
}

/** The most nights `expandRange` lists: far past any booking horizon, so more is a caller bug. */
export const MAX_EXPANDED_NIGHTS = 1_000;

/**
 * Nights sorted by date and merged into ranges: consecutive dates with equal availability, price
 * (amount and currency) and minimum stay share a range; a gap or any difference starts a new one.
 */
export function mergeIntoRanges(nights: readonly NightState[]): NightRange[] {
  const ordered = nights.map((night) => ({ night, day: toEpochDay(night.date) })).sort((a, b) => a.day - b.day);
  const ranges: NightRange[] = [];
  let building: { fromDay: number; toDay: number; terms: NightState; version: number } | null = null;
  for (const { night, day } of ordered) {
    if (building !== null && day === building.toDay - 1) {
      throw new RangeError(`night ${night.date} is listed twice; each night must appear once`);
    }
    if (building !== null && day === building.toDay && sameTerms(building.terms, night)) {
      building.toDay = day + 1;
      building.version = Math.max(building.version, night.version);
      continue;
    }
    if (building !== null) ranges.push(rangeOf(building.fromDay, building.toDay, building.terms, building.version));
    building = { fromDay: day, toDay: day + 1, terms: night, version: night.version };
  }
  if (building !== null) ranges.push(rangeOf(building.fromDay, building.toDay, building.terms, building.version));
  return ranges;
}

/**
 * A range cut into consecutive pieces of at most `maxNights`, for channels that limit a call's span.
 * Each piece keeps the range's version: which night held the highest one is no longer known.
 */
export function splitRange(range: NightRange, maxNights: number): NightRange[] {
  if (!Number.isInteger(maxNights) || maxNights < 1) throw new RangeError(`maxNights must be an integer >= 1, got ${maxNights}`);
  const [fromDay, toDay] = nonEmptySpan(range.from, range.to);
  const pieces: NightRange[] = [];
  for (let start = fromDay; start < toDay; start += maxNights) {
    pieces.push(rangeOf(start, Math.min(start + maxNights, toDay), range, range.version));
  }
  return pieces;
}

/**
 * The incoming nights that must still be sent, sorted by date: a night wins only with a version
 * greater than the one known for its date (in `current`, or earlier in `incoming`); equal or older
 * is dropped. So at most one state per date comes out.
 */
export function newerNights(current: ReadonlyMap<LocalDate, NightState>, incoming: readonly NightState[]): NightState[] {
  const winners = new Map<LocalDate, NightState>();
  for (const night of incoming) {
    toEpochDay(night.date); // refuses a malformed date before it becomes a key
    const known = winners.get(night.date) ?? current.get(night.date);
    if (known === undefined || night.version > known.version) winners.set(night.date, night);
  }
  return [...winners.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Every night of [from, to) with the given terms, in order; at most MAX_EXPANDED_NIGHTS of them. */
export function expandRange(from: LocalDate, to: LocalDate, terms: NightTerms): NightState[] {
  const [fromDay, toDay] = nonEmptySpan(from, to);
  if (toDay - fromDay > MAX_EXPANDED_NIGHTS) {
    throw new RangeError(`${from}..${to} is ${toDay - fromDay} nights, more than the ${MAX_EXPANDED_NIGHTS} one range may expand to`);
  }
  const nights: NightState[] = [];
  for (let day = fromDay; day < toDay; day += 1) nights.push({ ...copyTerms(terms), date: fromEpochDay(day) });
  return nights;
}

function sameTerms(a: NightTerms, b: NightTerms): boolean {
  return a.available === b.available && a.minStay === b.minStay && samePrice(a.price, b.price);
}

function samePrice(a: Money | null, b: Money | null): boolean {
  if (a === null || b === null) return a === b;
  return a.amount_minor === b.amount_minor && a.currency === b.currency;
}

/** Only the terms' own fields: a NightState or NightRange passed as terms must not leak its date or span. */
function copyTerms(terms: NightTerms): NightTerms {
  return { available: terms.available, price: terms.price, minStay: terms.minStay, version: terms.version };
}

function rangeOf(fromDay: number, toDay: number, terms: NightTerms, version: number): NightRange {
  return { from: fromEpochDay(fromDay), to: fromEpochDay(toDay), ...copyTerms(terms), version };
}

/** The epoch days of [from, to), refusing a range with no night in it. */
function nonEmptySpan(from: LocalDate, to: LocalDate): [number, number] {
  const [fromDay, toDay] = [toEpochDay(from), toEpochDay(to)];
  if (toDay <= fromDay) throw new RangeError(`range ${from}..${to} holds no night: its end must be after its start`);
  return [fromDay, toDay];
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD date; refuses impossible days such as 2026-02-30. */
function toEpochDay(date: LocalDate): number {
  const match = ISO_DATE.exec(date);
  const day = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS : Number.NaN;
  // the round trip catches rolled-over days (Feb 30 → Mar 2) and years Date.UTC maps to 19xx
  if (!Number.isInteger(day) || fromEpochDay(day) !== date) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return day;
}

function fromEpochDay(day: number): LocalDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
