import { createHash } from 'node:crypto';
import type { Channel } from '@cm/schemas';
import type { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { TtlCache, type CacheTime } from '@cm/service-runtime';
import { webhookSecretContext } from './secret-contexts';

export interface PropertyEntry {
  readonly propertyId: string;
  readonly tenantId: string;
  readonly timeZone: string;
  readonly currency: string;
}

export interface ListingEntry extends PropertyEntry {
  readonly channel: Channel;
  readonly listingId: string;
  readonly connectionId: string;
}

export interface ConnectionEntry {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly channel: Channel;
  /** The webhook secret, opened: it stays in this process's memory and is never logged (the logger censors `secret`). */
  readonly secret: string;
}

export interface TenantEntry {
  readonly tenantId: string;
  readonly ratePerSecond: number | null;
}

/** API keys are looked up by their SHA-256: high-entropy keys need no slow hash, and the key is never stored. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Who is who, read from the directory's tables (in the ingest schema) and cached: a change (a revoked key, a moved
 * listing) takes effect when `forget` is called (`DirectoryChanges` calls it on every change), or within the cache time.
 */
export class Directory {
  private readonly listings: TtlCache<ListingEntry>;
  private readonly connections: TtlCache<ConnectionEntry>;
  private readonly keys: TtlCache<TenantEntry>;
  private readonly properties: TtlCache<PropertyEntry>;

  constructor(
    private readonly db: Knex,
    cacheMs: CacheTime,
    private readonly secrets: KeyRing,
  ) {
    this.listings = new TtlCache(cacheMs);
    this.connections = new TtlCache(cacheMs);
    this.keys = new TtlCache(cacheMs);
    this.properties = new TtlCache(cacheMs);
  }

  /** Forgets everything cached: the directory changed. */
  forget(): void {
    for (const cache of [this.listings, this.connections, this.keys, this.properties]) cache.clear();
  }

  listing(channel: Channel, listingId: string): Promise<ListingEntry | undefined> {
    return this.listings.get(`${channel}\u0000${listingId}`, async () => {
      const propertiesSince = this.properties.mark();
      const row = await this.db('ingest.listings as l')
        .join('ingest.properties as p', 'p.property_id', 'l.property_id')
        .where({ 'l.channel': channel, 'l.listing_id': listingId })
        .first('l.channel', 'l.listing_id', 'l.property_id', 'l.connection_id', 'p.tenant_id', 'p.time_zone', 'p.currency');
      if (!row) return undefined;
      const property: PropertyEntry = { propertyId: row.property_id, tenantId: row.tenant_id, timeZone: row.time_zone, currency: row.currency };
      // The row holds the property whole: the revision of the booking this webhook makes reads it
      // next, and with many properties would miss the cache (issue 22: a round trip a cold webhook).
      this.properties.put(property.propertyId, property, propertiesSince);
      return { ...property, channel: row.channel, listingId: row.listing_id, connectionId: row.connection_id };
    });
  }

  connection(connectionId: string): Promise<ConnectionEntry | undefined> {
    return this.connections.get(connectionId, async () => {
      const row = await this.db('ingest.channel_connections').where({ connection_id: connectionId }).first('connection_id', 'tenant_id', 'channel', 'webhook_secret', 'webhook_secret_sealed');
      if (!row) return undefined;
      // A row from before sealing keeps its clear secret until `admin secrets reencrypt` (migration 20261216_003).
      const secret = row.webhook_secret_sealed !== null ? this.secrets.open(row.webhook_secret_sealed, webhookSecretContext(connectionId)) : row.webhook_secret;
      return { connectionId: row.connection_id, tenantId: row.tenant_id, channel: row.channel, secret };
    });
  }

  tenantOfKey(apiKey: string): Promise<TenantEntry | undefined> {
    const hash = hashApiKey(apiKey);
    return this.keys.get(hash.toString('hex'), async () => {
      const row = await this.db('ingest.api_keys as k')
        .join('ingest.tenants as t', 't.tenant_id', 'k.tenant_id')
        .where('k.key_hash', hash)
        .whereNull('k.revoked_at')
        .first('t.tenant_id', 't.rate_per_second');
      return row ? { tenantId: row.tenant_id, ratePerSecond: row.rate_per_second } : undefined;
    });
  }

  tenant(tenantId: string): Promise<TenantEntry | undefined> {
    return this.keys.get(`tenant:${tenantId}`, async () => {
      const row = await this.db('ingest.tenants').where({ tenant_id: tenantId }).first('tenant_id', 'rate_per_second');
      return row ? { tenantId: row.tenant_id, ratePerSecond: row.rate_per_second } : undefined;
    });
  }

  property(propertyId: string): Promise<PropertyEntry | undefined> {
    return this.properties.get(propertyId, async () => {
      const row = await this.db('ingest.properties').where({ property_id: propertyId }).first();
      return row ? { propertyId: row.property_id, tenantId: row.tenant_id, timeZone: row.time_zone, currency: row.currency } : undefined;
    });
  }
}
