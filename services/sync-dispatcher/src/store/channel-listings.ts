import type { Channel } from '@cm/schemas';
import { TtlCache, type Knex } from '@cm/service-runtime';
import type { ListingKey } from './sync-store';

/**
 * Which channel listings a property has. The mapping is ingest's (`ingest.listings`, set up by
 * its admin command); the dispatcher only reads it, cached briefly.
 */
export class ChannelListings {
  private readonly cache: TtlCache<readonly ListingKey[]>;
  private readonly zones: TtlCache<string>;

  constructor(
    private readonly db: Knex,
    cacheMs: number,
  ) {
    this.cache = new TtlCache(cacheMs);
    this.zones = new TtlCache(cacheMs);
  }

  /** The IANA time zone of a listing's property, if the listing is mapped. */
  timeZoneOf(channel: Channel, listingId: string): Promise<string | undefined> {
    return this.zones.get(`${channel}\u0000${listingId}`, async () => {
      const row: { time_zone: string } | undefined = await this.db('ingest.listings as l')
        .join('ingest.properties as p', 'p.property_id', 'l.property_id')
        .where({ 'l.channel': channel, 'l.listing_id': listingId })
        .first('p.time_zone');
      return row?.time_zone;
    });
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
