import type { CurrencyCode, ListingQuoteTerms } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import { TtlCache, type CacheTime, type Knex } from '@cm/service-runtime';
import { pricingOfProperties, type ListingPricingRow } from './reads';

/**
 * How each listing takes the PMS's rates (its currency, markup and the channel's plan ids), as
 * the services that price for a channel read it: a property's listings in one query, cached
 * like the listings themselves.
 */
export class ListingPricings {
  private readonly cache: TtlCache<ReadonlyMap<string, ListingQuoteTerms>>;

  constructor(
    private readonly db: Knex,
    cacheMs: CacheTime,
  ) {
    this.cache = new TtlCache(cacheMs);
  }

  /** Forgets everything cached: the directory changed. */
  forget(): void {
    this.cache.clear();
  }

  /** The listing's pricing, or undefined if it is not mapped to this property. */
  readonly of = async (listing: { readonly channel: Channel; readonly listingId: string; readonly propertyId: string }): Promise<ListingQuoteTerms | undefined> => {
    const byListing = await this.cache.get(listing.propertyId, async () => {
      return termsByListing(await pricingOfProperties(this.db, [listing.propertyId]));
    });
    return byListing?.get(listingPricingKey(listing));
  };
}

/** Listings' pricings as the quotes take them, by `listingPricingKey`. */
export function termsByListing(rows: readonly ListingPricingRow[]): ReadonlyMap<string, ListingQuoteTerms> {
  // The directory refuses a currency it does not know, for listings and properties alike.
  return new Map(rows.map((row) => [listingPricingKey(row), { currency: row.currency as CurrencyCode, markup: row.markup, ratePlans: row.ratePlans }]));
}

export const listingPricingKey = (listing: { readonly channel: Channel; readonly listingId: string }) => `${listing.channel}\u0000${listing.listingId}`;
