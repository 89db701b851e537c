import { MAX_AMOUNT_MINOR, type CurrencyCode, type Money, type RateLookup } from './money';
import { channelPrice, type Markup, type NightTerms } from './rates';
import { nightsOf, type LocalDate, type StayDates } from './stay-dates';

/**
 * The PMS quote of a channel stay (issue 20.4): what the PMS's stored rates give for its nights,
 * priced for the listing the way the channel shows them (each night converted and marked up by
 * `channelPrice`), summed. It is the reference the arbiter compares a channel's total with (5.1
 * price rows). Pure: ingest reads the rates and the listing's pricing and passes them in.
 */

/** How a listing sells the PMS's rate plans: its currency, its markup and its ids of the plans. */
export interface ListingQuoteTerms {
  readonly currency: CurrencyCode;
  readonly markup: Markup;
  /** PMS rate plan id -> the channel's id of it; empty: the channel uses the PMS's own ids. */
  readonly ratePlans: Readonly<Record<string, string>>;
}

/** Why a stay has no PMS quote: the arbiter then compares with what it has (the ledger's price, or nothing). */
export type NoQuote =
  /** The booking names no rate plan, and the listing sells none or several. */
  | { readonly kind: 'no_quote'; readonly reason: 'rate_plan_not_named' }
  /** The booking's plan is not one the listing maps from exactly one PMS plan. */
  | { readonly kind: 'no_quote'; readonly reason: 'rate_plan_not_mapped'; readonly channelRatePlan: string }
  /** The PMS has stored no rates for the plan. */
  | { readonly kind: 'no_quote'; readonly reason: 'rate_plan_without_rates'; readonly ratePlan: string }
  | { readonly kind: 'no_quote'; readonly reason: 'night_without_price'; readonly ratePlan: string; readonly night: LocalDate }
  /** No rate to convert, and the quote cannot be made in the PMS's currency instead (a fixed markup, or nights in several currencies). */
  | { readonly kind: 'no_quote'; readonly reason: 'no_exchange_rate'; readonly from: CurrencyCode; readonly to: CurrencyCode }
  /** The sum is beyond any amount a command may carry: a unit error in the rates, not a price. */
  | { readonly kind: 'no_quote'; readonly reason: 'total_too_large'; readonly ratePlan: string };

export type NoQuoteReason = NoQuote['reason'];

export interface StayQuote {
  readonly kind: 'quoted';
  /** The PMS rate plan quoted from. */
  readonly ratePlan: string;
  readonly total: Money;
  /**
   * `listing_currency`: as the channel prices the stay. `pms_currency`: there was no exchange
   * rate, so the quote stays in the PMS's currency with the (percentage) markup applied, and the
   * arbiter's 1.3 currency-mismatch rule decides how the channel's total compares with it.
   */
  readonly pricedIn: 'listing_currency' | 'pms_currency';
}

/**
 * Which PMS rate plan a channel booking is quoted from. A booking naming a plan: the PMS plan the
 * listing maps to it (the same id when the listing maps none). A booking naming none: the plan
 * the listing sells when it sells exactly one (its mapped plans, or every plan the PMS has rates
 * for when it maps none). `pmsRatePlans` are the plans the PMS has stored rates for.
 */
export function pmsRatePlanOf(channelRatePlan: string | null, listing: Pick<ListingQuoteTerms, 'ratePlans'>, pmsRatePlans: readonly string[]): string | NoQuote {
  const mapped = Object.entries(listing.ratePlans);
  let plan: string;
  if (channelRatePlan === null) {
    const sold = mapped.length === 0 ? pmsRatePlans : mapped.map(([pms]) => pms);
    if (sold.length !== 1) return { kind: 'no_quote', reason: 'rate_plan_not_named' };
    plan = sold[0]!;
  } else if (mapped.length === 0) {
    plan = channelRatePlan;
  } else {
    const candidates = mapped.filter(([, channel]) => channel === channelRatePlan);
    if (candidates.length !== 1) return { kind: 'no_quote', reason: 'rate_plan_not_mapped', channelRatePlan };
    plan = candidates[0]![0];
  }
  return pmsRatePlans.includes(plan) ? plan : { kind: 'no_quote', reason: 'rate_plan_without_rates', ratePlan: plan };
}

/**
 * The quote of a stay under one PMS rate plan's nights: each night's price converted to the
 * listing's currency and marked up (`channelPrice`, which rounds per night as the channel is sent
 * them), summed. Without an exchange rate the quote is made in the PMS's currency with a
 * percentage markup (a fixed markup is in the listing's currency, so it cannot be), and says so.
 */
export function quoteStay(stay: StayDates, ratePlan: string, terms: (night: LocalDate) => NightTerms, listing: Pick<ListingQuoteTerms, 'currency' | 'markup'>, rates: RateLookup): StayQuote | NoQuote {
  const prices: Money[] = [];
  for (const night of nightsOf(stay)) {
    const price = terms(night).price;
    if (price === null) return { kind: 'no_quote', reason: 'night_without_price', ratePlan, night };
    prices.push(price);
  }
  const inListingCurrency = prices.map((price) => channelPrice(price, listing, rates));
  if (inListingCurrency.every((price): price is Money => price !== 'no_rate')) return quoted(ratePlan, inListingCurrency, listing.currency, 'listing_currency');

  const unconvertible = prices.find((_, i) => inListingCurrency[i] === 'no_rate')!;
  const pmsCurrency = prices[0]!.currency;
  if (listing.markup.kind === 'fixed' || prices.some((price) => price.currency !== pmsCurrency)) {
    return { kind: 'no_quote', reason: 'no_exchange_rate', from: unconvertible.currency, to: listing.currency };
  }
  // Same currency as the prices: channelPrice converts nothing and only marks up.
  return quoted(ratePlan, prices.map((price) => channelPrice(price, { currency: pmsCurrency, markup: listing.markup }, rates) as Money), pmsCurrency, 'pms_currency');
}

function quoted(ratePlan: string, nights: readonly Money[], currency: CurrencyCode, pricedIn: StayQuote['pricedIn']): StayQuote | NoQuote {
  const amountMinor = nights.reduce((sum, night) => sum + night.amountMinor, 0);
  if (amountMinor > MAX_AMOUNT_MINOR) return { kind: 'no_quote', reason: 'total_too_large', ratePlan };
  return { kind: 'quoted', ratePlan, total: { amountMinor, currency }, pricedIn };
}
