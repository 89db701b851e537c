import { convert, type CurrencyCode, type Money, type RateLookup } from './money';
import { fromEpochDay, nightCount, nightsOf, toEpochDay, type LocalDate, type StayDates } from './stay-dates';

/**
 * Rates and restrictions (issue 20): what the PMS sets per property, rate plan and night, and what
 * a channel must enforce. Pure: the services keep, push and check them with these rules.
 */

/** A night's price and stay rules for one rate plan, as the PMS set them. */
export interface NightTerms {
  readonly price: Money | null;
  /** Fewest nights of a stay that arrives this night. */
  readonly minStayArrival: number | null;
  /** Fewest nights of any stay that includes this night. */
  readonly minStayThrough: number | null;
  /** Most nights of a stay that arrives this night. */
  readonly maxStay: number | null;
  readonly closedToArrival: boolean;
  /** No stay may leave on this day (the night's date is the departure day). */
  readonly closedToDeparture: boolean;
  /** Nothing is sold that includes this night. */
  readonly stopSell: boolean;
}

export type TermField = keyof NightTerms;

/** What a night holds before the PMS said anything: open, no rules, no price. */
export const OPEN_NIGHT: NightTerms = { price: null, minStayArrival: null, minStayThrough: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false };

/** A field's value with the version of the update that set it. */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

/** A night's terms as kept: each field with its own version (fields the PMS never set are absent). */
export type KeptNight = { readonly [F in TermField]?: Versioned<NightTerms[F]> };

/** One update from the PMS: these fields, for the nights from `from` to `to` (exclusive), at `version`. */
export interface TermsUpdate {
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly version: number;
  readonly set: Partial<NightTerms>;
}

/**
 * Applies an update night by night and field by field: a field takes the update's value only if
 * the update is newer than the version that set it, so an older update arriving after a newer
 * one changes nothing it covers, and two updates of different fields both hold. Returns the
 * nights as kept now and the dates whose effective terms changed.
 */
export function applyTermsUpdate(kept: ReadonlyMap<LocalDate, KeptNight>, update: TermsUpdate): { readonly nights: Map<LocalDate, KeptNight>; readonly changed: LocalDate[] } {
  return applyTermsUpdates(kept, [update]);
}

/**
 * `applyTermsUpdate` of each update in order, the nights copied once: a request of thousands of
 * one-night updates costs its nights, not its nights times its updates (copying for each was 20
 * ms an update over a plan of a century's nights). `changed`: each date whose effective terms
 * changed at any step, once.
 */
export function applyTermsUpdates(kept: ReadonlyMap<LocalDate, KeptNight>, updates: readonly TermsUpdate[]): { readonly nights: Map<LocalDate, KeptNight>; readonly changed: LocalDate[] } {
  const nights = new Map(kept);
  const changed = new Set<LocalDate>();
  for (const update of updates) {
    const fields = Object.keys(update.set) as TermField[];
    for (const date of nightsOf({ checkIn: update.from, checkOut: update.to })) {
      const before = nights.get(date) ?? {};
      const after: Record<string, Versioned<unknown>> = { ...before };
      for (const field of fields) {
        const current = before[field];
        if (current && current.version >= update.version) continue;
        after[field] = { value: update.set[field], version: update.version };
      }
      const next = after as KeptNight;
      if (!sameTerms(termsOf(before), termsOf(next))) changed.add(date);
      nights.set(date, next);
    }
  }
  return { nights, changed: [...changed] };
}

/** A kept night's effective terms: each field as last set, or open. */
export function termsOf(night: KeptNight | undefined): NightTerms {
  const terms: Record<string, unknown> = { ...OPEN_NIGHT };
  for (const [field, kept] of Object.entries(night ?? {})) terms[field] = (kept as Versioned<unknown>).value;
  return terms as unknown as NightTerms;
}

export function sameTerms(a: NightTerms, b: NightTerms): boolean {
  return (
    samePrice(a.price, b.price) &&
    a.minStayArrival === b.minStayArrival &&
    a.minStayThrough === b.minStayThrough &&
    a.maxStay === b.maxStay &&
    a.closedToArrival === b.closedToArrival &&
    a.closedToDeparture === b.closedToDeparture &&
    a.stopSell === b.stopSell
  );
}

function samePrice(a: Money | null, b: Money | null): boolean {
  return a === b || (a !== null && b !== null && a.amountMinor === b.amountMinor && a.currency === b.currency);
}

/** Consecutive nights with equal terms: what one push call carries. `to` is exclusive. */
export interface TermsRange {
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly terms: NightTerms;
}

/** Merges nights into ranges of equal terms; a missing night (a gap) ends a range. */
export function termsRanges(nights: ReadonlyMap<LocalDate, NightTerms>): TermsRange[] {
  // Days as numbers, each date parsed once: a season of several plans is merged for every listing of a push.
  const days = [...nights.keys()].map((date) => ({ date, day: toEpochDay(date) })).sort((a, b) => a.day - b.day);
  const ranges: TermsRange[] = [];
  let open: { from: LocalDate; toDay: number; terms: NightTerms } | undefined;
  for (const { date, day } of days) {
    const terms = nights.get(date)!;
    if (open && open.toDay === day && sameTerms(open.terms, terms)) {
      open.toDay = day + 1;
      continue;
    }
    if (open) ranges.push({ from: open.from, to: fromEpochDay(open.toDay), terms: open.terms });
    open = { from: date, toDay: day + 1, terms };
  }
  if (open) ranges.push({ from: open.from, to: fromEpochDay(open.toDay), terms: open.terms });
  return ranges;
}

/** Why a platform refuses a stay under the terms it was sent. */
export type StayRefusal =
  | { readonly rule: 'stop_sell'; readonly night: LocalDate }
  | { readonly rule: 'closed_to_arrival'; readonly night: LocalDate }
  | { readonly rule: 'closed_to_departure'; readonly night: LocalDate }
  | { readonly rule: 'min_stay_arrival'; readonly night: LocalDate; readonly nights: number }
  | { readonly rule: 'min_stay_through'; readonly night: LocalDate; readonly nights: number }
  | { readonly rule: 'max_stay'; readonly night: LocalDate; readonly nights: number };

/**
 * Whether a stay may be booked under these terms (nights absent are open), as channel managers
 * define the rules: stop-sell on any night; closed to arrival on the arrival night; closed to
 * departure on the departure day; the arrival night's minimum and maximum stay; and every
 * night's minimum stay through. The first rule broken, in that order.
 */
export function stayRefusal(stay: StayDates, terms: (night: LocalDate) => NightTerms): StayRefusal | null {
  const length = nightCount(stay);
  const nights = nightsOf(stay);
  for (const night of nights) if (terms(night).stopSell) return { rule: 'stop_sell', night };
  const arrival = terms(stay.checkIn);
  if (arrival.closedToArrival) return { rule: 'closed_to_arrival', night: stay.checkIn };
  if (terms(stay.checkOut).closedToDeparture) return { rule: 'closed_to_departure', night: stay.checkOut };
  if (arrival.minStayArrival !== null && length < arrival.minStayArrival) return { rule: 'min_stay_arrival', night: stay.checkIn, nights: arrival.minStayArrival };
  if (arrival.maxStay !== null && length > arrival.maxStay) return { rule: 'max_stay', night: stay.checkIn, nights: arrival.maxStay };
  for (const night of nights) {
    const through = terms(night).minStayThrough;
    if (through !== null && length < through) return { rule: 'min_stay_through', night, nights: through };
  }
  return null;
}

/** What a channel adds to the PMS's price: a percentage (basis points) or a fixed amount per night in the channel's currency. */
export type Markup = { readonly kind: 'percent'; readonly basisPoints: number } | { readonly kind: 'fixed'; readonly amountMinor: number };

/** How a channel listing takes prices: its currency and its markup. */
export interface ChannelPricing {
  readonly currency: CurrencyCode;
  readonly markup: Markup;
}

/**
 * The price a channel shows for a night: converted to the channel's currency (an exact rate,
 * rounded half away from zero), then marked up (a percentage rounded the same way). No rate for
 * a currency pair: 'no_rate', never a guess.
 */
export function channelPrice(price: Money, pricing: ChannelPricing, rates: RateLookup): Money | 'no_rate' {
  let inChannelCurrency = price;
  if (price.currency !== pricing.currency) {
    const rate = rates(price.currency, pricing.currency);
    if (!rate) return 'no_rate';
    inChannelCurrency = convert(price, rate);
  }
  const amount = inChannelCurrency.amountMinor;
  const marked = pricing.markup.kind === 'fixed' ? amount + pricing.markup.amountMinor : Number((2n * BigInt(amount) * BigInt(10_000 + pricing.markup.basisPoints) + 10_000n) / 20_000n);
  return { amountMinor: Math.max(0, marked), currency: pricing.currency };
}

/** A stay's total under its nights' prices (null if a night has none, or the nights mix currencies). */
export function stayTotal(stay: StayDates, terms: (night: LocalDate) => NightTerms): Money | null {
  const prices = nightsOf(stay).map((night) => terms(night).price);
  const first = prices[0];
  if (!first || prices.some((p) => p === null || p.currency !== first.currency)) return null;
  return { amountMinor: prices.reduce((sum, p) => sum + p!.amountMinor, 0), currency: first.currency };
}
