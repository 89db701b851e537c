import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { refuseIllFormed, refuseUnknownChannel } from './admin-checks';
import { UnknownListingError, UnknownPropertyError, UnknownTenantError } from './admin-errors';

/**
 * What the admin commands list and show: every record they add (tenants, API keys, properties,
 * listings; connections are in connection-admin.ts), without a secret. An API key is named by
 * its id, the first 8 bytes of its hash in hex: the hash is all we keep, and its prefix reveals
 * nothing of the key.
 */

export interface TenantSummary {
  readonly tenantId: string;
  readonly name: string;
  readonly ratePerSecond: number | null;
  readonly properties: number;
  readonly connections: number;
  readonly activeKeys: number;
}

export interface ApiKeySummary {
  readonly keyId: string;
  readonly tenantId: string;
  readonly label: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export interface PropertySummary {
  readonly propertyId: string;
  readonly tenantId: string;
  readonly timeZone: string;
  readonly currency: string;
  readonly listings: number;
}

export interface ListingSummary {
  readonly channel: Channel;
  readonly listingId: string;
  readonly propertyId: string;
  readonly connectionId: string;
  readonly tenantId: string;
  readonly hasImportUrl: boolean;
  readonly hasPricing: boolean;
}

/** The hex length of a key id: 8 bytes of SHA-256, unique among any number of keys a tenant would issue. */
export const API_KEY_ID_BYTES = 8;

/** Every tenant, or the one named. */
export async function listTenants(db: Knex, onlyTenantId?: string): Promise<TenantSummary[]> {
  const rows = await db('ingest.tenants as t')
    .modify((q) => (onlyTenantId !== undefined ? void q.where('t.tenant_id', onlyTenantId) : undefined))
    .select('t.tenant_id', 't.name', 't.rate_per_second')
    .select(db.raw('(select count(*) from ingest.properties p where p.tenant_id = t.tenant_id)::int as properties'))
    .select(db.raw('(select count(*) from ingest.channel_connections c where c.tenant_id = t.tenant_id)::int as connections'))
    .select(db.raw('(select count(*) from ingest.api_keys k where k.tenant_id = t.tenant_id and k.revoked_at is null)::int as active_keys'))
    .orderBy('t.tenant_id');
  return rows.map((r: { tenant_id: string; name: string; rate_per_second: number | null; properties: number; connections: number; active_keys: number }) => ({ tenantId: r.tenant_id, name: r.name, ratePerSecond: r.rate_per_second, properties: r.properties, connections: r.connections, activeKeys: r.active_keys }));
}

export async function showTenant(db: Knex, tenantId: string): Promise<TenantSummary> {
  refuseIllFormed({ tenantId });
  const [tenant] = await listTenants(db, tenantId);
  if (!tenant) throw new UnknownTenantError(tenantId);
  return tenant;
}

/** A tenant's API keys, revoked ones included (their revocation time says so). */
export async function listApiKeys(db: Knex, tenantId: string): Promise<ApiKeySummary[]> {
  refuseIllFormed({ tenantId });
  if (!(await db('ingest.tenants').where({ tenant_id: tenantId }).first('tenant_id'))) throw new UnknownTenantError(tenantId);
  const rows = await db('ingest.api_keys')
    .where({ tenant_id: tenantId })
    .select(db.raw(`encode(substring(key_hash from 1 for ${API_KEY_ID_BYTES}), 'hex') as key_id`), 'tenant_id', 'label', 'created_at', 'revoked_at')
    .orderBy([{ column: 'created_at' }, { column: 'key_id' }]);
  return rows.map((r) => ({ keyId: r.key_id, tenantId: r.tenant_id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

export async function listProperties(db: Knex, tenantId?: string): Promise<PropertySummary[]> {
  if (tenantId !== undefined) refuseIllFormed({ tenantId });
  const rows = await db('ingest.properties as p')
    .modify((q) => (tenantId !== undefined ? void q.where('p.tenant_id', tenantId) : undefined))
    .select('p.property_id', 'p.tenant_id', 'p.time_zone', 'p.currency')
    .select(db.raw('(select count(*) from ingest.listings l where l.property_id = p.property_id)::int as listings'))
    .orderBy('p.property_id');
  return rows.map((r: { property_id: string; tenant_id: string; time_zone: string; currency: string; listings: number }) => ({ propertyId: r.property_id, tenantId: r.tenant_id, timeZone: r.time_zone, currency: r.currency, listings: r.listings }));
}

export async function showProperty(db: Knex, propertyId: string): Promise<PropertySummary & { listingsOnChannels: readonly ListingSummary[] }> {
  refuseIllFormed({ propertyId });
  const row = await db('ingest.properties').where({ property_id: propertyId }).first('property_id', 'tenant_id', 'time_zone', 'currency');
  if (!row) throw new UnknownPropertyError(propertyId);
  const listings = await listListings(db, { propertyId });
  return { propertyId: row.property_id, tenantId: row.tenant_id, timeZone: row.time_zone, currency: row.currency, listings: listings.length, listingsOnChannels: listings };
}

/** Listings of one tenant, property or connection (or all). */
export async function listListings(db: Knex, filter: { tenantId?: string; propertyId?: string; connectionId?: string; channel?: Channel; listingId?: string } = {}): Promise<ListingSummary[]> {
  const rows = await db('ingest.listings as l')
    .join('ingest.properties as p', 'p.property_id', 'l.property_id')
    .leftJoin('ingest.listing_pricing as lp', function joinPricing() {
      this.on('lp.channel', 'l.channel').andOn('lp.listing_id', 'l.listing_id');
    })
    .modify((q) => {
      if (filter.tenantId !== undefined) void q.where('p.tenant_id', filter.tenantId);
      if (filter.propertyId !== undefined) void q.where('l.property_id', filter.propertyId);
      if (filter.connectionId !== undefined) void q.where('l.connection_id', filter.connectionId);
      if (filter.channel !== undefined) void q.where('l.channel', filter.channel);
      if (filter.listingId !== undefined) void q.where('l.listing_id', filter.listingId);
    })
    .select('l.channel', 'l.listing_id', 'l.property_id', 'l.connection_id', 'p.tenant_id', db.raw('l.import_url_sealed is not null as has_import_url'), db.raw('lp.listing_id is not null as has_pricing'))
    .orderBy(['l.channel', 'l.listing_id']);
  return rows.map((r: { channel: Channel; listing_id: string; property_id: string; connection_id: string; tenant_id: string; has_import_url: boolean; has_pricing: boolean }) => ({ channel: r.channel, listingId: r.listing_id, propertyId: r.property_id, connectionId: r.connection_id, tenantId: r.tenant_id, hasImportUrl: r.has_import_url, hasPricing: r.has_pricing }));
}

export async function showListing(db: Knex, listing: { channel: Channel; listingId: string }): Promise<ListingSummary> {
  refuseUnknownChannel(listing.channel);
  refuseIllFormed({ listingId: listing.listingId });
  const [found] = await listListings(db, { channel: listing.channel, listingId: listing.listingId });
  if (!found) throw new UnknownListingError(listing.channel, listing.listingId);
  return found;
}
