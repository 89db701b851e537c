import type { Channel } from '@cm/schemas';
import { TtlCache, type Knex } from '@cm/service-runtime';
import type { ListingKey } from './sync-store';

/**
 * Which channel listings a property has. The mapping is ingest's (`ingest.listings`, set up by
 * its admin command); the dispatcher only reads it, cached briefly.
 */
export class ChannelListings {
  private readonly cache: TtlCache<readonly ListingKey[]>;

  constructor(
    private readonly db: Knex,
    cacheMs: number,
  ) {
    this.cache = new TtlCache(cacheMs);
  }

  async ofProperty(propertyId: string): Promise<readonly ListingKey[]> {
    return (
      (await this.cache.get(propertyId, async () => {
        const rows: { channel: Channel; listing_id: string }[] = await this.db('ingest.listings').where({ property_id: propertyId }).select('channel', 'listing_id');
        return rows.map((r) => ({ channel: r.channel, listingId: r.listing_id }));
      })) ?? []
    );
  }
}
