import { createHash } from 'node:crypto';
import { addDays, channelPrice, OPEN_NIGHT, termsRanges, type ListingQuoteTerms, type LocalDate, type NightTerms, type RateLookup } from '@cm/domain';
import type { RateRange } from '@cm/channel-adapters';
import type { MarkedNight } from '../store/rate-store';

/** One call's worth of a listing's rate push: its ranges and the marked nights they carry. */
export interface RateCall {
  readonly ranges: RateRange[];
  readonly nights: MarkedNight[];
}

export interface RatePushPlan {
  /** The calls to make, in order, each within the channel's ranges per call. */
  readonly calls: RateCall[];
  /** Nights of plans this listing does not sell (its mapping names other plans): cleared without a call. */
  readonly unsold: MarkedNight[];
  /** Nights whose price could not be converted to the listing's currency (no exchange rate): pushed without a price. */
  readonly unconverted: number;
}

/**
 * What a listing's marked nights come to on its channel: each night's terms as the PMS holds them
 * now, its price converted and marked up for the listing, under the channel's plan id, merged into
 * ranges of equal terms, and cut into calls of at most `rangesPerCall` ranges. A night the channel
 * cannot be given a price for (no exchange rate) still gets its restrictions, with no price.
 */
export function planRatePush(input: {
  readonly marked: readonly MarkedNight[];
  readonly terms: (ratePlan: string, night: LocalDate) => NightTerms | undefined;
  readonly pricing: ListingQuoteTerms;
  readonly fx: RateLookup;
  readonly rangesPerCall: number;
}): RatePushPlan {
  const { pricing } = input;
  const mapped = Object.keys(pricing.ratePlans).length > 0;
  const byPlan = new Map<string, { nights: Map<LocalDate, NightTerms>; marked: Map<LocalDate, MarkedNight> }>();
  const unsold: MarkedNight[] = [];
  let unconverted = 0;
  for (const night of input.marked) {
    const channelPlan = !mapped ? night.ratePlan : Object.hasOwn(pricing.ratePlans, night.ratePlan) ? pricing.ratePlans[night.ratePlan] : undefined;
    if (channelPlan === undefined) {
      unsold.push(night);
      continue;
    }
    const pms = input.terms(night.ratePlan, night.night) ?? OPEN_NIGHT;
    let price = pms.price;
    if (price) {
      const converted = channelPrice(price, pricing, input.fx);
      if (converted === 'no_rate') unconverted++;
      price = converted === 'no_rate' ? null : converted;
    }
    const plan = byPlan.get(channelPlan) ?? { nights: new Map(), marked: new Map() };
    plan.nights.set(night.night, { ...pms, price });
    plan.marked.set(night.night, night);
    byPlan.set(channelPlan, plan);
  }

  const calls: RateCall[] = [];
  let current: RateCall = { ranges: [], nights: [] };
  for (const [channelPlan, plan] of [...byPlan].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // Ranges come in date order, and every marked night is in one: walk both once.
    const dates = [...plan.marked.keys()].sort();
    let next = 0;
    for (const range of termsRanges(plan.nights).flatMap((r) => withinAYear(r))) {
      if (current.ranges.length >= input.rangesPerCall) {
        calls.push(current);
        current = { ranges: [], nights: [] };
      }
      current.ranges.push(rateRangeOf(channelPlan, range.from, range.to, range.terms));
      while (next < dates.length && dates[next]! < range.to) current.nights.push(plan.marked.get(dates[next++]!)!);
    }
  }
  if (current.ranges.length > 0) calls.push(current);
  return { calls, unsold, unconverted };
}

/** Nights one range carries at most: platforms limit a range's span (the simulator at 731 nights), and equal terms over years merged into one range past it. */
export const MAX_RANGE_NIGHTS = 365;

function withinAYear<R extends { readonly from: LocalDate; readonly to: LocalDate }>(range: R): R[] {
  const pieces: R[] = [];
  for (let from = range.from; from < range.to; ) {
    const cut = addDays(from, MAX_RANGE_NIGHTS);
    const to = cut < range.to ? cut : range.to;
    pieces.push({ ...range, from, to });
    from = to;
  }
  return pieces;
}

function rateRangeOf(ratePlanId: string, from: LocalDate, to: LocalDate, terms: NightTerms): RateRange {
  return {
    from,
    to,
    ratePlanId,
    price: terms.price,
    minStayArrival: terms.minStayArrival,
    minStayThrough: terms.minStayThrough,
    maxStay: terms.maxStay,
    closedToArrival: terms.closedToArrival,
    closedToDeparture: terms.closedToDeparture,
    stopSell: terms.stopSell,
  };
}

/**
 * The same nights at the same markings with the same terms are the same request: a retry is
 * applied once by a channel that dedupes. The terms are in it: a retry after a timeout whose
 * prices moved meanwhile (an exchange rate refreshed, a markup changed) is a new request, or the
 * channel would answer it as the first and keep the old prices.
 */
export function rateRequestId(work: { readonly channel: string; readonly listingId: string }, call: RateCall, marksOf: ReadonlyMap<string, number>): string {
  const hash = createHash('sha256').update(`${work.channel}\n${work.listingId}`);
  for (const n of call.nights) hash.update(`\n${n.ratePlan}\n${n.night}\n${marksOf.get(n.ratePlan)}`);
  hash.update(`\n${JSON.stringify(call.ranges)}`);
  return `rates-${hash.digest('hex').slice(0, 32)}`;
}
