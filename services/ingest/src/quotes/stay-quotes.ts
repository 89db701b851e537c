import { pmsRatePlanOf, quoteStay, type CurrencyCode, type ListingQuoteTerms, type NoQuote, type RateLookup, type StayDates, type StayQuote } from '@cm/domain';
import { listingPricingKey } from '@cm/directory';
import type { RatesStore } from '@cm/rates';
import type { Channel, ChannelInboundEvent, Money } from '@cm/schemas';
import { TtlCache, type CacheTime, type Knex } from '@cm/service-runtime';
import { stayToQuote } from '../normalise/channel-event-command';
import { readPropertyQuoting, type PropertyQuoting } from './property-quoting';

/** The listing a channel stay was booked on, as the directory maps it. */
export interface QuotedListing {
  readonly channel: Channel;
  readonly listingId: string;
  readonly propertyId: string;
  /** The property's currency: the listing's while it names none. */
  readonly currency: string;
}

/**
 * The PMS quote of a channel stay (issue 20.4), read where it lives: the listing's pricing from
 * the directory and the PMS's rate plans from the rates store, in one statement per property
 * (`readPropertyQuoting`), cached until the directory changes or the PMS posts a plan new to the
 * property (`forget`); the nights of the quoted plan read once per stay. The domain's
 * `pmsRatePlanOf` and `quoteStay` decide what they give.
 */
export class StayQuotes {
  private readonly properties: TtlCache<PropertyQuoting>;

  constructor(
    private readonly db: Knex,
    private readonly rates: RatesStore,
    private readonly exchangeRates: RateLookup,
    cacheMs: CacheTime,
    private readonly onQuote: (result: StayQuote | NoQuote) => void = () => undefined,
  ) {
    this.properties = new TtlCache(cacheMs);
  }

  /** Forgets every property's quoting: the directory changed. */
  forget(): void {
    this.properties.clear();
  }

  /** The PMS quote a channel event's command carries: of the stay `stayToQuote` names, if any. */
  async ofEvent(event: ChannelInboundEvent, listing: QuotedListing): Promise<Money | null> {
    const stay = stayToQuote(event);
    if (!stay) return null;
    const result = await this.quote(listing, stay, event.rate_plan);
    this.onQuote(result);
    return result.kind === 'quoted' ? { amount_minor: result.total.amountMinor, currency: result.total.currency } : null;
  }

  async quote(listing: QuotedListing, stay: StayDates, channelRatePlan: string | null): Promise<StayQuote | NoQuote> {
    const quoting = await this.properties.get(listing.propertyId, () => readPropertyQuoting(this.db, listing.propertyId));
    const terms = termsOf(listing, quoting);
    const plan = pmsRatePlanOf(channelRatePlan, terms, quoting?.ratePlans ?? []);
    if (typeof plan !== 'string') return plan;
    return quoteStay(stay, plan, await this.rates.stayTerms(listing.propertyId, plan, stay), terms, this.exchangeRates);
  }
}

/** A listing mapped since the property's quoting was cached, or a property gone: the property's currency, no markup, the PMS's plan ids. */
function termsOf(listing: QuotedListing, quoting: PropertyQuoting | undefined): ListingQuoteTerms {
  return quoting?.pricings.get(listingPricingKey(listing)) ?? { currency: listing.currency as CurrencyCode, markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} };
}
