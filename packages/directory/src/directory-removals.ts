import type { Channel } from '@cm/schemas';
import { pgFailureOf, type Knex } from '@cm/service-runtime';
import { refuseIllFormed, refuseUnknownChannel, unmap, type ListingRef } from './admin-checks';
import { PropertyHasListingsError, TenantInUseError, TenantNotEmptyError, UnknownApiKeyIdError, UnknownListingError, UnknownPropertyError, UnknownTenantError } from './admin-errors';
import { API_KEY_ID_BYTES } from './directory-views';

/**
 * Removing what the admin commands add, each in one transaction that locks the row first. A
 * removal never takes more with it than the operator named unless a flag says so: a tenant goes
 * only once it has no properties and no connections (its API keys go with it), a property with
 * listings needs `unmap`. The ledger's bookings are not the directory's: they stay, so a removed
 * property's id is remembered with its tenant, and adding it for another tenant needs --force.
 */

/** Revokes a key by its id (admin keys list); revoking it again is 'unchanged'. */
export async function revokeApiKeyById(db: Knex, keyId: string): Promise<'revoked' | 'unchanged'> {
  if (!new RegExp(`^[0-9a-f]{${API_KEY_ID_BYTES * 2}}$`).test(keyId)) throw new UnknownApiKeyIdError(keyId);
  const prefix = `substring(key_hash from 1 for ${API_KEY_ID_BYTES}) = decode(?, 'hex')`;
  return db.transaction(async (trx) => {
    const keys: { revoked_at: Date | null }[] = await trx('ingest.api_keys').whereRaw(prefix, [keyId]).forUpdate().select('revoked_at');
    // Two keys sharing 8 bytes of SHA-256 will not happen; if they did, revoking one by chance would be wrong.
    if (keys.length !== 1) throw new UnknownApiKeyIdError(keyId);
    if (keys[0]!.revoked_at !== null) return 'unchanged';
    await trx('ingest.api_keys').whereRaw(prefix, [keyId]).update({ revoked_at: trx.fn.now() });
    return 'revoked';
  });
}

/** Removes a tenant that has no properties and no connections, with its API keys. */
export async function removeTenant(db: Knex, tenantId: string): Promise<{ outcome: 'removed'; keysRemoved: number }> {
  refuseIllFormed({ tenantId });
  return db.transaction(async (trx) => {
    if (!(await trx('ingest.tenants').where({ tenant_id: tenantId }).forUpdate().first('tenant_id'))) throw new UnknownTenantError(tenantId);
    const properties = await countOf(trx, 'ingest.properties', { tenant_id: tenantId });
    const connections = await countOf(trx, 'ingest.channel_connections', { tenant_id: tenantId });
    if (properties > 0 || connections > 0) throw new TenantNotEmptyError(tenantId, properties, connections);
    const keysRemoved = await trx('ingest.api_keys').where({ tenant_id: tenantId }).delete();
    // A foreign-key refusal aborts the transaction: the keys deleted above come back with it.
    try {
      await trx('ingest.tenants').where({ tenant_id: tenantId }).delete();
    } catch (error) {
      if (pgFailureOf(error)?.code === '23503') throw new TenantInUseError(tenantId);
      throw error;
    }
    return { outcome: 'removed', keysRemoved };
  });
}

/** Removes a property from the directory; one with listings needs `unmap`, which unmaps them (returned). */
export async function removeProperty(db: Knex, propertyId: string, options: { unmap?: boolean } = {}): Promise<{ outcome: 'removed'; unmapped: readonly ListingRef[] }> {
  refuseIllFormed({ propertyId });
  return db.transaction(async (trx) => {
    if (!(await trx('ingest.properties').where({ property_id: propertyId }).forUpdate().first('property_id'))) throw new UnknownPropertyError(propertyId);
    const listings = await countOf(trx, 'ingest.listings', { property_id: propertyId });
    if (listings > 0 && !options.unmap) throw new PropertyHasListingsError(propertyId, listings);
    const unmapped = listings > 0 ? await unmap(trx, { property_id: propertyId }) : [];
    const [removed] = await trx('ingest.properties').where({ property_id: propertyId }).delete().returning('tenant_id');
    // The ledger and the channel side keep what was this tenant's under this id (addProperty reads it).
    await trx('ingest.removed_properties').insert({ property_id: propertyId, tenant_id: removed.tenant_id, removed_at: trx.fn.now() }).onConflict('property_id').merge();
    return { outcome: 'removed', unmapped };
  });
}

/** Unmaps one listing (its pricing goes with it): the channel's events for it become dead letters (UNKNOWN_LISTING). */
export async function removeListing(db: Knex, listing: { channel: Channel; listingId: string }): Promise<ListingRef> {
  refuseUnknownChannel(listing.channel);
  refuseIllFormed({ listingId: listing.listingId });
  return db.transaction(async (trx) => {
    const [removed] = await unmap(trx, { channel: listing.channel, listing_id: listing.listingId });
    if (!removed) throw new UnknownListingError(listing.channel, listing.listingId);
    return removed;
  });
}

async function countOf(trx: Knex.Transaction, table: string, where: Record<string, string>): Promise<number> {
  const counted = await trx(table).where(where).count({ count: '*' }).first();
  return Number(counted?.count ?? 0);
}
