import { pricingOfProperties } from '@cm/directory';
import type { Markup } from '@cm/domain';
import { TtlCache, type Knex } from '@cm/service-runtime';
import type { ListingPricing } from '../plan/rate-push';
import type { RateListing } from './rate-store';

/**
 * How each listing takes the PMS's rates: the directory's pricing of it (its currency, markup and
 * the channel's plan ids), read per property and cached briefly, like the listings themselves.
 */
export class ListingPricings {
  private readonly cache: TtlCache<ReadonlyMap<string, ListingPricing>>;

  constructor(
    private readonly db: Knex,
    cacheMs: number,
  ) {
    this.cache = new TtlCache(cacheMs);
  }

  /** The listing's pricing, or undefined if it is not mapped to the property any more. */
  readonly of = async (listing: RateListing): Promise<ListingPricing | undefined> => {
    const byListing = await this.cache.get(listing.propertyId, async () => {
      const rows = await pricingOfProperties(this.db, [listing.propertyId]);
      return new Map(rows.map((r) => [`${r.channel}\u0000${r.listingId}`, { currency: r.currency, markup: r.markup as Markup, ratePlans: r.ratePlans }]));
    });
    return byListing?.get(`${listing.channel}\u0000${listing.listingId}`);
  };
}
