import { randomBytes } from 'node:crypto';
import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { isTimeZone } from '../normalise/dates';
import { hashApiKey } from './directory';

/**
 * Setting up who may send what: used by the admin CLI, the demo and tests. Secrets and keys are
 * random (32 bytes) and returned once; keys are stored only as their hash.
 */

export async function createTenant(db: Knex, tenant: { tenantId: string; name: string; ratePerSecond?: number | null }): Promise<void> {
  await db('ingest.tenants')
    .insert({ tenant_id: tenant.tenantId, name: tenant.name, rate_per_second: tenant.ratePerSecond ?? null })
    .onConflict('tenant_id')
    .merge();
}

export async function issueApiKey(db: Knex, tenantId: string, label: string): Promise<string> {
  const key = `cm_${randomBytes(32).toString('base64url')}`;
  await db('ingest.api_keys').insert({ key_hash: hashApiKey(key), tenant_id: tenantId, label });
  return key;
}

export async function revokeApiKey(db: Knex, key: string): Promise<void> {
  await db('ingest.api_keys').where({ key_hash: hashApiKey(key) }).update({ revoked_at: db.fn.now() });
}

export async function addProperty(db: Knex, property: { propertyId: string; tenantId: string; timeZone: string; currency: string }): Promise<void> {
  if (!isTimeZone(property.timeZone)) throw new Error(`unknown time zone '${property.timeZone}'`);
  await db('ingest.properties')
    .insert({ property_id: property.propertyId, tenant_id: property.tenantId, time_zone: property.timeZone, currency: property.currency })
    .onConflict('property_id')
    .merge();
}

export async function addConnection(db: Knex, connection: { connectionId: string; tenantId: string; channel: Channel; secret?: string }): Promise<{ connectionId: string; secret: string }> {
  const secret = connection.secret ?? randomBytes(32).toString('base64url');
  await db('ingest.channel_connections')
    .insert({ connection_id: connection.connectionId, tenant_id: connection.tenantId, channel: connection.channel, webhook_secret: secret })
    .onConflict('connection_id')
    .merge();
  return { connectionId: connection.connectionId, secret };
}

export async function mapListing(db: Knex, listing: { channel: Channel; listingId: string; propertyId: string; connectionId: string }): Promise<void> {
  await db('ingest.listings')
    .insert({ channel: listing.channel, listing_id: listing.listingId, property_id: listing.propertyId, connection_id: listing.connectionId })
    .onConflict(['channel', 'listing_id'])
    .merge();
}
