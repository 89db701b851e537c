import { randomBytes } from 'node:crypto';
import { isCurrencyCode, type Markup } from '@cm/domain';
import { ChannelSymbols, type Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { isTimeZone } from './time-zone';
import { requiredIdentifierProblem } from '@cm/service-runtime';
import {
  ConnectionExistsError,
  InvalidIdentifierError,
  InvalidMarkupError,
  InvalidRateError,
  InvalidSecretError,
  ListingChannelMismatchError,
  ListingMappedElsewhereError,
  ListingPropertyTenantMismatchError,
  PropertyExistsError,
  PropertyExistsForOtherTenantError,
  PropertyHasChannelListingError,
  TenantExistsError,
  UnknownApiKeyError,
  UnknownChannelError,
  UnknownConnectionError,
  UnknownCurrencyError,
  UnknownListingError,
  UnknownPropertyError,
  UnknownTenantError,
  UnknownTimeZoneError,
} from './admin-errors';
import { hashApiKey } from './directory';

/**
 * Setting up who may send what: used by the admin CLI, the demo and tests. Secrets and keys are
 * random (32 bytes) and returned once; keys are stored only as their hash.
 *
 * Every command creates its record, and saving exactly the same record again is a no-op
 * ('unchanged'). A different record under an existing id is refused (admin-errors.ts) unless the
 * command's flag says the change is meant: `update` (a tenant's name or rate, a property's time
 * zone or currency), `move` (a property to another tenant), `replace` (a connection's tenant,
 * channel or secret), `remap` (a listing to another property or connection). A listing must join a
 * property and a connection of the same tenant on the listing's own channel. Each command is one
 * transaction that locks the rows it checks, so a concurrent command cannot slip between the check
 * and the write.
 */

export type SaveOutcome = 'created' | 'unchanged' | 'updated';

/** A listing as mapped: what a move, replacement or remap unmapped is reported as these. */
export interface ListingRef {
  readonly channel: Channel;
  readonly listingId: string;
  readonly propertyId: string;
  readonly connectionId: string;
}

const MAX_RATE_PER_SECOND = 2_147_483_647;
const MIN_SECRET_LENGTH = 16;

/**
 * Creates a tenant. Renaming it or changing its rate needs `update`: a tenant id reused by mistake
 * (two operators both picking `acme`) would otherwise silently rename someone else's tenant.
 */
export async function createTenant(db: Knex, tenant: { tenantId: string; name: string; ratePerSecond?: number | null }, options: { update?: boolean } = {}): Promise<SaveOutcome> {
  refuseIllFormed({ tenantId: tenant.tenantId, name: tenant.name });
  const rate = tenant.ratePerSecond ?? null;
  if (rate !== null && !(Number.isInteger(rate) && rate >= 1 && rate <= MAX_RATE_PER_SECOND)) throw new InvalidRateError(rate);
  return db.transaction(async (trx) => {
    const inserted = await trx('ingest.tenants').insert({ tenant_id: tenant.tenantId, name: tenant.name, rate_per_second: rate }).onConflict('tenant_id').ignore().returning('tenant_id');
    if (inserted.length > 0) return 'created';
    const existing = await trx('ingest.tenants').where({ tenant_id: tenant.tenantId }).forUpdate().first('name', 'rate_per_second');
    if (existing.name === tenant.name && existing.rate_per_second === rate) return 'unchanged';
    if (!options.update) throw new TenantExistsError(tenant.tenantId, { name: existing.name, ratePerSecond: existing.rate_per_second });
    await trx('ingest.tenants').where({ tenant_id: tenant.tenantId }).update({ name: tenant.name, rate_per_second: rate });
    return 'updated';
  });
}

export async function issueApiKey(db: Knex, tenantId: string, label: string): Promise<string> {
  refuseIllFormed({ tenantId, label });
  const key = `cm_${randomBytes(32).toString('base64url')}`;
  await db.transaction(async (trx) => {
    await lockTenant(trx, tenantId);
    await trx('ingest.api_keys').insert({ key_hash: hashApiKey(key), tenant_id: tenantId, label });
  });
  return key;
}

/** Revokes a key; revoking it again is a no-op ('unchanged'), a key we never issued is refused. */
export async function revokeApiKey(db: Knex, key: string): Promise<'revoked' | 'unchanged'> {
  const hash = hashApiKey(key);
  return db.transaction(async (trx) => {
    const revoked = await trx('ingest.api_keys').where({ key_hash: hash }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() }).returning('key_hash');
    if (revoked.length > 0) return 'revoked';
    if (!(await trx('ingest.api_keys').where({ key_hash: hash }).first('key_hash'))) throw new UnknownApiKeyError();
    return 'unchanged';
  });
}

/**
 * Adds a property to a tenant. Another time zone or currency for it needs `update`; a property
 * of another tenant needs `move`, which also unmaps its listings (they are on the old tenant's
 * connections) and returns them. Only the directory moves: bookings already taken stay as they were.
 */
export async function addProperty(
  db: Knex,
  property: { propertyId: string; tenantId: string; timeZone: string; currency: string },
  options: { update?: boolean; move?: boolean } = {},
): Promise<{ outcome: SaveOutcome | 'moved'; unmapped: readonly ListingRef[] }> {
  refuseIllFormed({ propertyId: property.propertyId, tenantId: property.tenantId });
  if (!isTimeZone(property.timeZone)) throw new UnknownTimeZoneError(property.timeZone);
  if (!isCurrencyCode(property.currency)) throw new UnknownCurrencyError(property.currency);
  const row = { property_id: property.propertyId, tenant_id: property.tenantId, time_zone: property.timeZone, currency: property.currency };
  return db.transaction(async (trx) => {
    await lockTenant(trx, property.tenantId);
    const inserted = await trx('ingest.properties').insert(row).onConflict('property_id').ignore().returning('property_id');
    if (inserted.length > 0) return { outcome: 'created', unmapped: [] };
    const existing = await trx('ingest.properties').where({ property_id: property.propertyId }).forUpdate().first('tenant_id', 'time_zone', 'currency');
    if (existing.tenant_id !== property.tenantId) {
      if (!options.move) throw new PropertyExistsForOtherTenantError(property.propertyId, existing.tenant_id);
      const unmapped = await unmap(trx, { property_id: property.propertyId });
      await trx('ingest.properties').where({ property_id: property.propertyId }).update(row);
      return { outcome: 'moved', unmapped };
    }
    if (existing.time_zone === property.timeZone && existing.currency === property.currency) return { outcome: 'unchanged', unmapped: [] };
    if (!options.update && !options.move) throw new PropertyExistsError(property.propertyId, { timeZone: existing.time_zone, currency: existing.currency });
    await trx('ingest.properties').where({ property_id: property.propertyId }).update(row);
    return { outcome: 'updated', unmapped: [] };
  });
}

/**
 * Adds a tenant's channel connection; the secret is generated unless given. Adding it again with
 * the same tenant and channel (and no secret, or the same one) returns the stored secret. With
 * `replace` the connection gets a new secret (rotation), and may change tenant or channel, which
 * unmaps its listings (returned): another tenant must never sign with the old secret.
 */
export async function addConnection(
  db: Knex,
  connection: { connectionId: string; tenantId: string; channel: Channel; secret?: string },
  options: { replace?: boolean } = {},
): Promise<{ connectionId: string; secret: string; outcome: SaveOutcome | 'replaced'; unmapped: readonly ListingRef[] }> {
  refuseIllFormed({ connectionId: connection.connectionId, tenantId: connection.tenantId });
  refuseUnknownChannel(connection.channel);
  if (connection.secret !== undefined && connection.secret.length < MIN_SECRET_LENGTH) throw new InvalidSecretError(MIN_SECRET_LENGTH);
  const secret = connection.secret ?? randomBytes(32).toString('base64url');
  const row = { connection_id: connection.connectionId, tenant_id: connection.tenantId, channel: connection.channel, webhook_secret: secret };
  const answer = (outcome: SaveOutcome | 'replaced', answeredSecret: string, unmapped: readonly ListingRef[] = []) => ({ connectionId: connection.connectionId, secret: answeredSecret, outcome, unmapped });
  return db.transaction(async (trx) => {
    await lockTenant(trx, connection.tenantId);
    const inserted = await trx('ingest.channel_connections').insert(row).onConflict('connection_id').ignore().returning('connection_id');
    if (inserted.length > 0) return answer('created', secret);
    const existing = await trx('ingest.channel_connections').where({ connection_id: connection.connectionId }).forUpdate().first('tenant_id', 'channel', 'webhook_secret');
    const moves = existing.tenant_id !== connection.tenantId || existing.channel !== connection.channel;
    if (options.replace) {
      const unmapped = moves ? await unmap(trx, { connection_id: connection.connectionId }) : [];
      await trx('ingest.channel_connections').where({ connection_id: connection.connectionId }).update(row);
      return answer('replaced', secret, unmapped);
    }
    const differs = [
      ...(existing.tenant_id !== connection.tenantId ? (['tenant'] as const) : []),
      ...(existing.channel !== connection.channel ? (['channel'] as const) : []),
      ...(connection.secret !== undefined && connection.secret !== existing.webhook_secret ? (['secret'] as const) : []),
    ];
    if (differs.length > 0) throw new ConnectionExistsError(connection.connectionId, differs);
    return answer('unchanged', existing.webhook_secret);
  });
}

/**
 * Maps a channel's listing to a property through a connection: both of one tenant, the connection
 * of the listing's channel. Mapping it elsewhere, or onto a property that already has a listing
 * on this channel (one per channel), needs `remap`; the listing it displaces is returned.
 */
export async function mapListing(
  db: Knex,
  listing: { channel: Channel; listingId: string; propertyId: string; connectionId: string },
  options: { remap?: boolean } = {},
): Promise<{ outcome: 'created' | 'unchanged' | 'remapped'; unmapped: readonly ListingRef[] }> {
  refuseIllFormed({ listingId: listing.listingId, propertyId: listing.propertyId, connectionId: listing.connectionId });
  refuseUnknownChannel(listing.channel);
  const key = { channel: listing.channel, listing_id: listing.listingId };
  const target = { property_id: listing.propertyId, connection_id: listing.connectionId };
  return db.transaction(async (trx) => {
    // The property row is locked for update: mappings onto one property, and its moves, go one at a time.
    const property = await trx('ingest.properties').where({ property_id: listing.propertyId }).forUpdate().first('tenant_id');
    if (!property) throw new UnknownPropertyError(listing.propertyId);
    const connection = await trx('ingest.channel_connections').where({ connection_id: listing.connectionId }).forShare().first('tenant_id', 'channel');
    if (!connection) throw new UnknownConnectionError(listing.connectionId);
    if (connection.channel !== listing.channel) throw new ListingChannelMismatchError(listing.channel, listing.connectionId, connection.channel);
    if (property.tenant_id !== connection.tenant_id) throw new ListingPropertyTenantMismatchError(listing.propertyId, property.tenant_id, listing.connectionId, connection.tenant_id);

    const existing = await trx('ingest.listings').where(key).forUpdate().first('property_id', 'connection_id');
    if (existing && existing.property_id === listing.propertyId && existing.connection_id === listing.connectionId) return { outcome: 'unchanged', unmapped: [] };
    if (existing && !options.remap) throw new ListingMappedElsewhereError(listing.channel, listing.listingId, { propertyId: existing.property_id, connectionId: existing.connection_id });
    const other = await trx('ingest.listings').where({ property_id: listing.propertyId, channel: listing.channel }).whereNot({ listing_id: listing.listingId }).first('listing_id');
    if (other && !options.remap) throw new PropertyHasChannelListingError(listing.propertyId, listing.channel, other.listing_id);
    const unmapped = other ? await unmap(trx, { channel: listing.channel, listing_id: other.listing_id }) : [];
    if (existing) {
      await trx('ingest.listings').where(key).update(target);
      return { outcome: 'remapped', unmapped };
    }
    // A concurrent twin inserting the same listing waits on this row's lock, then finds it mapped.
    const inserted = await trx('ingest.listings').insert({ ...key, ...target }).onConflict(['channel', 'listing_id']).ignore().returning('listing_id');
    if (inserted.length > 0) return { outcome: 'created', unmapped };
    const raced = await trx('ingest.listings').where(key).forUpdate().first('property_id', 'connection_id');
    if (raced.property_id === listing.propertyId && raced.connection_id === listing.connectionId) return { outcome: 'unchanged', unmapped };
    if (!options.remap) throw new ListingMappedElsewhereError(listing.channel, listing.listingId, { propertyId: raced.property_id, connectionId: raced.connection_id });
    await trx('ingest.listings').where(key).update(target);
    return { outcome: 'remapped', unmapped };
  });
}

function refuseIllFormed(fields: Record<string, string>): void {
  for (const [field, value] of Object.entries(fields)) {
    const problem = typeof value === 'string' ? requiredIdentifierProblem(value) : 'not a string';
    if (problem) throw new InvalidIdentifierError(field, problem);
  }
}

function refuseUnknownChannel(channel: string): void {
  if (!(ChannelSymbols as readonly string[]).includes(channel)) throw new UnknownChannelError(channel, ChannelSymbols);
}

/** The tenant must exist, and stays while the command writes (tenants are never deleted; the share lock is cheap). */
async function lockTenant(trx: Knex.Transaction, tenantId: string): Promise<void> {
  if (!(await trx('ingest.tenants').where({ tenant_id: tenantId }).forShare().first('tenant_id'))) throw new UnknownTenantError(tenantId);
}

async function unmap(trx: Knex.Transaction, where: Record<string, string>): Promise<ListingRef[]> {
  const rows: { channel: Channel; listing_id: string; property_id: string; connection_id: string }[] = await trx('ingest.listings').where(where).delete().returning(['channel', 'listing_id', 'property_id', 'connection_id']);
  return rows.map((r) => ({ channel: r.channel, listingId: r.listing_id, propertyId: r.property_id, connectionId: r.connection_id })).sort((a, b) => `${a.channel}${a.listingId}`.localeCompare(`${b.channel}${b.listingId}`));
}

/** How a channel listing takes the PMS's rates: its currency (null: the property's), its markup, and the channel's id of each PMS rate plan. */
export interface ListingPricing {
  readonly currency: string | null;
  readonly markup: Markup;
  /** PMS rate plan id -> the channel's; empty: each plan under the PMS's own id. */
  readonly ratePlans: Readonly<Record<string, string>>;
}

/** Sets a listing's pricing, replacing what it had; saving the same again is 'unchanged'. */
export async function setListingPricing(db: Knex, listing: { channel: Channel; listingId: string }, pricing: ListingPricing): Promise<SaveOutcome> {
  refuseUnknownChannel(listing.channel);
  if (pricing.currency !== null && !isCurrencyCode(pricing.currency)) throw new UnknownCurrencyError(pricing.currency);
  if (!markupIsSane(pricing.markup)) throw new InvalidMarkupError(JSON.stringify(pricing.markup));
  for (const [pms, channel] of Object.entries(pricing.ratePlans)) refuseIllFormed({ 'PMS rate plan': pms, 'channel rate plan': channel });
  const row = {
    currency: pricing.currency,
    markup_kind: pricing.markup.kind,
    markup_value: pricing.markup.kind === 'percent' ? pricing.markup.basisPoints : pricing.markup.amountMinor,
    rate_plans: JSON.stringify(pricing.ratePlans),
  };
  return db.transaction(async (trx) => {
    const key = { channel: listing.channel, listing_id: listing.listingId };
    if (!(await trx('ingest.listings').where(key).forShare().first('listing_id'))) throw new UnknownListingError(listing.channel, listing.listingId);
    const existing = await trx('ingest.listing_pricing').where(key).forUpdate().first();
    if (existing && existing.currency === row.currency && existing.markup_kind === row.markup_kind && Number(existing.markup_value) === row.markup_value && JSON.stringify(existing.rate_plans) === JSON.stringify(pricing.ratePlans)) return 'unchanged';
    await trx('ingest.listing_pricing').insert({ ...key, ...row }).onConflict(['channel', 'listing_id']).merge();
    return existing ? 'updated' : 'created';
  });
}

/** A percentage from -50% to 500%, or a fixed amount per night from -100000 to 10000000 minor units. */
function markupIsSane(markup: Markup): boolean {
  if (markup.kind === 'percent') return Number.isInteger(markup.basisPoints) && markup.basisPoints >= -5_000 && markup.basisPoints <= 50_000;
  return Number.isInteger(markup.amountMinor) && markup.amountMinor >= -100_000 && markup.amountMinor <= 10_000_000;
}
