import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { hashApiKey } from './directory';

/**
 * Bulk rows for benchmarks that set up thousands of properties: plain inserts, none of the admin
 * commands' checks (admin.ts). Each list is inserted in one statement, in dependency order.
 */
export interface DirectoryRows {
  readonly tenants?: readonly { tenantId: string; name: string; ratePerSecond: number | null }[];
  /** Keys as given: stored as their hash, as `issueApiKey` stores a random one. */
  readonly apiKeys?: readonly { key: string; tenantId: string; label: string }[];
  readonly connections?: readonly { connectionId: string; tenantId: string; channel: Channel; webhookSecret: string }[];
  readonly properties?: readonly { propertyId: string; tenantId: string; timeZone: string; currency: string }[];
  readonly listings?: readonly { channel: Channel; listingId: string; propertyId: string; connectionId: string }[];
}

export async function insertDirectoryRows(db: Knex, rows: DirectoryRows): Promise<void> {
  const { tenants = [], apiKeys = [], connections = [], properties = [], listings = [] } = rows;
  if (tenants.length > 0) await db('ingest.tenants').insert(tenants.map((t) => ({ tenant_id: t.tenantId, name: t.name, rate_per_second: t.ratePerSecond })));
  if (apiKeys.length > 0) await db('ingest.api_keys').insert(apiKeys.map((k) => ({ key_hash: hashApiKey(k.key), tenant_id: k.tenantId, label: k.label })));
  if (connections.length > 0) await db('ingest.channel_connections').insert(connections.map((c) => ({ connection_id: c.connectionId, tenant_id: c.tenantId, channel: c.channel, webhook_secret: c.webhookSecret })));
  if (properties.length > 0) await db('ingest.properties').insert(properties.map((p) => ({ property_id: p.propertyId, tenant_id: p.tenantId, time_zone: p.timeZone, currency: p.currency })));
  if (listings.length > 0) await db('ingest.listings').insert(listings.map((l) => ({ channel: l.channel, listing_id: l.listingId, property_id: l.propertyId, connection_id: l.connectionId })));
}
