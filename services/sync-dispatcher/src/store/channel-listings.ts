import { listingsOfProperties } from '@cm/directory';
import { listingTimeZones, type ListingTimeZones } from '@cm/channel-adapters';
import type { Channel } from '@cm/schemas';
import { TtlCache, type CacheTime, type Knex } from '@cm/service-runtime';
import type { ListingKey } from './sync-store';

/**
 * Which channel listings a property has. The mapping is ingest's (`ingest.listings`, set up by
 * its admin command); the dispatcher only reads it, cached until the directory changes (`forget`).
 */
export class ChannelListings {
  private readonly cache: TtlCache<readonly ListingKey[]>;

  constructor(
    private readonly db: Knex,
    cacheMs: CacheTime,
    /** Told each listing's connection as it is read: the pushes that follow need it. */
    private readonly onConnection: (channel: Channel, listingId: string, connectionId: string) => void = () => {},
  ) {
    this.cache = new TtlCache(cacheMs);
    this.timeZoneOf = listingTimeZones(db, cacheMs);
  }

  /** The IANA time zone of a listing's property, if the listing is mapped. */
  readonly timeZoneOf: ListingTimeZones;

  /** Forgets every property's listings and every listing's time zone: the directory changed. */
  forget(): void {
    this.cache.clear();
    this.timeZoneOf.forget();
  }

  /** The listings of each property; those not cached are read in one query. */
  async ofProperties(propertyIds: Iterable<string>): Promise<Map<string, readonly ListingKey[]>> {
    const found = new Map<string, readonly ListingKey[]>();
    const missing: string[] = [];
    for (const id of new Set(propertyIds)) {
      const held = this.cache.peek(id);
      if (held) found.set(id, held);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const readSince = this.cache.mark();
    const rows = await listingsOfProperties(this.db, missing);
    for (const id of missing) found.set(id, []);
    for (const r of rows) (found.get(r.property_id) as ListingKey[]).push({ channel: r.channel, listingId: r.listing_id });
    // Read before a change this process was told of (`forget` came meanwhile): given to this
    // caller, kept for nobody, the connections' cache included (it forgets with this one).
    if (readSince !== this.cache.mark()) return found;
    for (const r of rows) this.onConnection(r.channel, r.listing_id, r.connection_id);
    for (const id of missing) this.cache.put(id, found.get(id)!);
    return found;
  }
}
