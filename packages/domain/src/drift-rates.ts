import type { Channel } from '@cm/schemas';
import type { RaisedConflict } from './conflicts';
import { driftWindow } from './drift';
import { comparePrices, exceeds, noRates, type Money, type RateLookup } from './money';
import { channelPrice, termsRanges, type ChannelPricing, type NightTerms, type TermField } from './rates';
import { PRICE_TOLERANCE_BP } from './rules/price-check';
import { nightsOf, type LocalDate, type StayDates } from './stay-dates';

/**
 * Rate drift (seed 1.3 "price drift"): what a channel shows of each rate plan the listing sells,
 * night by night, against what it should show under the PMS's rates: the PMS's price converted
 * to the listing's currency and marked up (rates.ts `channelPrice`, as the dispatcher pushes it),
 * and the PMS's stay rules as they are. The PMS is the truth; a drifted night is pushed again.
 */

/** How a listing sells the PMS's rate plans: its currency and markup, and the channel's plan ids. */
export interface ListingRatePricing extends ChannelPricing {
  /** PMS rate plan id -> the channel's; empty: every PMS plan under its own id. */
  readonly ratePlans: Readonly<Record<string, string>>;
}

/** Terms per rate plan and night; a night absent was never set (PMS) or not shown (channel). */
export type RatePlanNights = ReadonlyMap<string, ReadonlyMap<LocalDate, NightTerms>>;

export interface RateDriftInput {
  readonly channel: Channel;
  /** First night of the window, property-local (usually today). */
  readonly from: LocalDate;
  readonly days?: number;
  /** The PMS's terms, by the PMS's plan ids. */
  readonly pms: RatePlanNights;
  /** What the channel shows, by the channel's plan ids. */
  readonly channelRates: RatePlanNights;
  readonly pricing: ListingRatePricing;
  /** Converts a PMS price to the listing's currency; no rate: the night's price is not compared. */
  readonly fx: RateLookup;
}

export type RateMismatchKind =
  /** The channel's price is not the PMS's converted and marked up (beyond 1%, another currency, missing, or one the PMS never set). */
  | 'price'
  /** A stay rule (minimum or maximum stay, closed to arrival or departure, stop-sell) differs. */
  | 'restriction';

export interface RateNightMismatch {
  /** The PMS's plan id. */
  readonly ratePlan: string;
  readonly channelRatePlan: string;
  readonly night: LocalDate;
  readonly kinds: readonly RateMismatchKind[];
  /** The terms that differ. */
  readonly fields: readonly TermField[];
  /** What the channel should show (its price null where there is no rate to convert with) and what it shows. */
  readonly expected: NightTerms;
  readonly shown: NightTerms;
}

/** Nights [from, to) of a PMS plan to push to this channel again: they hold these terms at the PMS. */
export interface RateCorrection {
  readonly ratePlan: string;
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly terms: NightTerms;
}

export interface RateDriftReport {
  readonly channel: Channel;
  readonly window: StayDates;
  /** Plan-nights the PMS set terms for and the channel showed: compared. */
  readonly compared: number;
  /** Plan-nights the PMS set terms for that the channel did not show (the plan or the night missing): counted, not drift. */
  readonly unreported: number;
  /** Compared plan-nights whose price could not be converted (no exchange rate): their price is not compared. */
  readonly unpriced: number;
  /** In plan order, then night order. */
  readonly mismatches: readonly RateNightMismatch[];
  /** Each plan's drifted nights as runs of equal PMS terms (a gap or other terms start a new one). */
  readonly corrections: readonly RateCorrection[];
  /** Nights with a mismatch in any plan: the PRICE_DRIFT conflict's nights. */
  readonly driftNights: number;
  /** Of those, nights with a price mismatch, and nights with a restriction mismatch (a night may have both). */
  readonly priceNights: number;
  readonly restrictionNights: number;
  readonly conflicts: readonly RaisedConflict[];
}

/** The stay rules, each compared for equality. A new field of NightTerms must be added here (or the build breaks). */
const RESTRICTIONS: { readonly [F in Exclude<TermField, 'price'>]: true } = {
  minStayArrival: true,
  minStayThrough: true,
  maxStay: true,
  closedToArrival: true,
  closedToDeparture: true,
  stopSell: true,
};
const RESTRICTION_FIELDS = Object.keys(RESTRICTIONS) as (keyof typeof RESTRICTIONS)[];

export function detectRateDrift(input: RateDriftInput): RateDriftReport {
  const window = driftWindow(input.from, input.days);
  const nights = nightsOf(window);
  const mismatches: RateNightMismatch[] = [];
  const drifted = new Map<string, Map<LocalDate, NightTerms>>();
  let compared = 0;
  let unreported = 0;
  let unpriced = 0;
  for (const ratePlan of [...input.pms.keys()].sort()) {
    const channelRatePlan = channelPlanOf(ratePlan, input.pricing.ratePlans);
    // The listing does not sell this plan: nothing of it is due on the channel.
    if (channelRatePlan === undefined) continue;
    const pmsNights = input.pms.get(ratePlan)!;
    const shownNights = input.channelRates.get(channelRatePlan);
    for (const night of nights) {
      const pms = pmsNights.get(night);
      if (!pms) continue;
      const shown = shownNights?.get(night);
      if (!shown) {
        unreported++;
        continue;
      }
      compared++;
      const price = priceOnChannel(pms.price, input.pricing, input.fx);
      if (price === 'no_rate') unpriced++;
      const expected: NightTerms = { ...pms, price: price === 'no_rate' ? null : price };
      const fields: TermField[] = [];
      if (price !== 'no_rate' && priceDrifts(price, shown.price)) fields.push('price');
      for (const field of RESTRICTION_FIELDS) if (pms[field] !== shown[field]) fields.push(field);
      if (fields.length === 0) continue;
      const kinds: RateMismatchKind[] = [];
      if (fields.includes('price')) kinds.push('price');
      if (fields.some((field) => field !== 'price')) kinds.push('restriction');
      mismatches.push({ ratePlan, channelRatePlan, night, kinds, fields, expected, shown: termsOnly(shown) });
      const planDrift = drifted.get(ratePlan) ?? new Map<LocalDate, NightTerms>();
      planDrift.set(night, pms);
      drifted.set(ratePlan, planDrift);
    }
  }

  const nightsWith = (kind?: RateMismatchKind) => new Set(mismatches.filter((m) => kind === undefined || m.kinds.includes(kind)).map((m) => m.night)).size;
  const driftNights = nightsWith();
  const priceNights = nightsWith('price');
  const restrictionNights = nightsWith('restriction');
  return {
    channel: input.channel,
    window,
    compared,
    unreported,
    unpriced,
    mismatches,
    corrections: [...drifted].flatMap(([ratePlan, planNights]) => termsRanges(planNights).map((range) => ({ ratePlan, ...range }))),
    driftNights,
    priceNights,
    restrictionNights,
    conflicts: rateDriftConflicts(input.channel, driftNights, priceNights, restrictionNights),
  };
}

/** The channel's id of a PMS plan: the mapping's, or the PMS's own when the listing maps none; undefined: not sold there. */
function channelPlanOf(ratePlan: string, mapping: Readonly<Record<string, string>>): string | undefined {
  if (Object.keys(mapping).length === 0) return ratePlan;
  return Object.hasOwn(mapping, ratePlan) ? mapping[ratePlan] : undefined;
}

/** The price the channel should show: none where the PMS set none, 'no_rate' where it cannot be converted. */
function priceOnChannel(pms: Money | null, pricing: ChannelPricing, fx: RateLookup): Money | null | 'no_rate' {
  return pms === null ? null : channelPrice(pms, pricing, fx);
}

/**
 * Whether the channel shows another price than `expected`: one missing, or one where the PMS set
 * none, in another currency, or more than PRICE_TOLERANCE_BP away (exactly 1% is rounding, not drift).
 */
function priceDrifts(expected: Money | null, shown: Money | null): boolean {
  if (expected === null || shown === null) return expected !== shown;
  const comparison = comparePrices(expected, shown, noRates);
  return comparison.kind === 'no_rate' || exceeds(comparison, PRICE_TOLERANCE_BP);
}

/** A night's terms without whatever else the caller's object carries (a channel's date). */
function termsOnly(terms: NightTerms): NightTerms {
  const { price, minStayArrival, minStayThrough, maxStay, closedToArrival, closedToDeparture, stopSell } = terms;
  return { price, minStayArrival, minStayThrough, maxStay, closedToArrival, closedToDeparture, stopSell };
}

function rateDriftConflicts(channel: Channel, nights: number, priceNights: number, restrictionNights: number): RaisedConflict[] {
  if (nights === 0) return [];
  return [
    {
      facts: { type: 'PRICE_DRIFT', channel, nights },
      resolution: 'CORRECTED_CHANNEL',
      rule: '1.3 price drift',
      channel,
      summary: `${channel}: ${nights} night(s) with a price or restriction other than the PMS's (${priceNights} price, ${restrictionNights} restriction); pushing the PMS's`,
    },
  ];
}
