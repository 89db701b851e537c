import type { Channel } from '@cm/schemas';
import type { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { hashApiKey } from './directory';
import { hashExportToken } from './export-tokens';
import { webhookSecretContext } from './secret-contexts';

/**
 * Bulk rows for benchmarks that set up thousands of properties: plain inserts, none of the admin
 * commands' checks (admin.ts). Each list is inserted in one statement, in dependency order.
 */
export interface DirectoryRows {
  readonly tenants?: readonly { tenantId: string; name: string; ratePerSecond: number | null }[];
  /** Keys as given: stored as their hash, as `issueApiKey` stores a random one. */
  readonly apiKeys?: readonly { key: string; tenantId: string; label: string }[];
  /** Webhook secrets as given: stored sealed under the key ring passed with them. */
  readonly connections?: readonly { connectionId: string; tenantId: string; channel: Channel; webhookSecret: string; pollIntervalSeconds?: number }[];
  readonly properties?: readonly { propertyId: string; tenantId: string; timeZone: string; currency: string }[];
  /** An export token as given is stored as its hash (the feed is at /ical/<token>.ics); none: no export feed. */
  readonly listings?: readonly { channel: Channel; listingId: string; propertyId: string; connectionId: string; exportToken?: string }[];
}

/** Rows without connections need no key ring; connections' secrets are sealed under the one given. */
export async function insertDirectoryRows(db: Knex, rows: DirectoryRows & { readonly connections?: undefined }): Promise<void>;
export async function insertDirectoryRows(db: Knex, rows: DirectoryRows, secrets: KeyRing): Promise<void>;
export async function insertDirectoryRows(db: Knex, rows: DirectoryRows, secrets?: KeyRing): Promise<void> {
  const { tenants = [], apiKeys = [], connections = [], properties = [], listings = [] } = rows;
  if (connections.length > 0 && !secrets) throw new Error('insertDirectoryRows: connections need a key ring to seal their webhook secrets');
  if (tenants.length > 0) await db('ingest.tenants').insert(tenants.map((t) => ({ tenant_id: t.tenantId, name: t.name, rate_per_second: t.ratePerSecond })));
  if (apiKeys.length > 0) await db('ingest.api_keys').insert(apiKeys.map((k) => ({ key_hash: hashApiKey(k.key), tenant_id: k.tenantId, label: k.label })));
  if (connections.length > 0) await db('ingest.channel_connections').insert(connections.map((c) => ({ connection_id: c.connectionId, tenant_id: c.tenantId, channel: c.channel, webhook_secret_sealed: secrets!.seal(c.webhookSecret, webhookSecretContext(c.connectionId)), ...(c.pollIntervalSeconds === undefined ? {} : { poll_interval_seconds: c.pollIntervalSeconds }) })));
  if (properties.length > 0) await db('ingest.properties').insert(properties.map((p) => ({ property_id: p.propertyId, tenant_id: p.tenantId, time_zone: p.timeZone, currency: p.currency })));
  if (listings.length > 0) await db('ingest.listings').insert(listings.map((l) => ({ channel: l.channel, listing_id: l.listingId, property_id: l.propertyId, connection_id: l.connectionId, export_token_hash: l.exportToken === undefined ? null : hashExportToken(l.exportToken) })));
}
