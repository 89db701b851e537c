import { randomBytes } from 'node:crypto';
import { isCurrencyCode, type Markup } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import type { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { isTimeZone } from './time-zone';
import { lockTenant, refuseIllFormed, refuseIllFormedCredentials, refuseIllFormedPollInterval, refuseIllFormedUrl, refuseUnknownChannel, unmap, type ListingRef } from './admin-checks';
import {
  ConnectionExistsError,
  InvalidMarkupError,
  InvalidRateError,
  InvalidSecretError,
  ListingChannelMismatchError,
  ListingMappedElsewhereError,
  ListingPropertyTenantMismatchError,
  PropertyExistsError,
  PropertyExistsForOtherTenantError,
  PropertyHasChannelListingError,
  SharedChannelRatePlanError,
  TenantExistsError,
  UnknownApiKeyError,
  UnknownConnectionError,
  UnknownCurrencyError,
  UnknownListingError,
  UnknownPropertyError,
  UnknownTimeZoneError,
  type ConnectionDifference,
} from './admin-errors';
import { hashApiKey } from './directory';
import { hashExportToken, newExportToken } from './export-tokens';
import { credentialsContext, webhookSecretContext } from './secret-contexts';

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

export type { ListingRef };

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
    // A removed property's bookings and history stay in the ledger under its id: another tenant takes them only as a move does.
    const removed = await trx('ingest.removed_properties').where({ property_id: property.propertyId }).forUpdate().first('tenant_id');
    if (removed && removed.tenant_id !== property.tenantId && !options.move) throw new PropertyExistsForOtherTenantError(property.propertyId, removed.tenant_id);
    const inserted = await trx('ingest.properties').insert(row).onConflict('property_id').ignore().returning('property_id');
    if (inserted.length > 0) {
      if (removed) await trx('ingest.removed_properties').where({ property_id: property.propertyId }).delete();
      return { outcome: removed && removed.tenant_id !== property.tenantId ? 'moved' : 'created', unmapped: [] };
    }
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

/** A connection as the operator gives it: the secret is generated unless given; the rest has defaults. */
export interface NewConnection {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly channel: Channel;
  /** The webhook secret; generated (32 random bytes) when left out. */
  readonly secret?: string;
  /** Where the channel's API is for this connection; null or left out: the service's default. */
  readonly baseUrl?: string | null;
  /** Its API key or token, sent as `Authorization: Bearer`; null or left out: none. */
  readonly credentials?: string | null;
  readonly pollIntervalSeconds?: number;
}

const DEFAULT_POLL_INTERVAL_SECONDS = 300;

/**
 * Adds a tenant's channel connection, its secrets sealed under the key ring's current key. The
 * webhook secret is returned when it is new (created, or replaced), and never again: adding the
 * same connection again answers 'unchanged' with `secret: null`. With `replace` the connection
 * gets a new secret, and may change tenant or channel, which unmaps its listings (returned):
 * another tenant must never sign with the old secret. With `update` its base URL and poll
 * interval change. Other credentials are given by `rotateConnectionSecrets`.
 */
export async function addConnection(
  db: Knex,
  secrets: KeyRing,
  connection: NewConnection,
  options: { replace?: boolean; update?: boolean } = {},
): Promise<{ connectionId: string; secret: string | null; outcome: SaveOutcome | 'replaced'; unmapped: readonly ListingRef[] }> {
  refuseIllFormed({ connectionId: connection.connectionId, tenantId: connection.tenantId });
  refuseUnknownChannel(connection.channel);
  if (connection.secret !== undefined && connection.secret.length < MIN_SECRET_LENGTH) throw new InvalidSecretError(MIN_SECRET_LENGTH);
  refuseIllFormedCredentials(connection.credentials ?? null);
  if (connection.baseUrl != null) refuseIllFormedUrl('base URL', connection.baseUrl);
  if (connection.pollIntervalSeconds !== undefined) refuseIllFormedPollInterval(connection.pollIntervalSeconds);
  const id = connection.connectionId;
  const secret = connection.secret ?? randomBytes(32).toString('base64url');
  const settings = { base_url: connection.baseUrl ?? null, poll_interval_seconds: connection.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS };
  const row = {
    connection_id: id,
    tenant_id: connection.tenantId,
    channel: connection.channel,
    webhook_secret: null,
    webhook_secret_sealed: secrets.seal(secret, webhookSecretContext(id)),
    credentials_sealed: connection.credentials != null ? secrets.seal(connection.credentials, credentialsContext(id)) : null,
    ...settings,
  };
  const answer = (outcome: SaveOutcome | 'replaced', answeredSecret: string | null, unmapped: readonly ListingRef[] = []) => ({ connectionId: id, secret: answeredSecret, outcome, unmapped });
  return db.transaction(async (trx) => {
    await lockTenant(trx, connection.tenantId);
    const inserted = await trx('ingest.channel_connections').insert(row).onConflict('connection_id').ignore().returning('connection_id');
    if (inserted.length > 0) return answer('created', secret);
    const existing = await trx('ingest.channel_connections').where({ connection_id: id }).forUpdate().first('tenant_id', 'channel', 'webhook_secret', 'webhook_secret_sealed', 'credentials_sealed', 'base_url', 'poll_interval_seconds');
    const moves = existing.tenant_id !== connection.tenantId || existing.channel !== connection.channel;
    if (options.replace) {
      const unmapped = moves ? await unmap(trx, { connection_id: id }) : [];
      // Credentials stay with the account unless given anew; a connection moved to another tenant keeps none of the old one's.
      const kept = connection.credentials === undefined && !moves ? { credentials_sealed: existing.credentials_sealed } : {};
      await trx('ingest.channel_connections').where({ connection_id: id }).update({ ...row, ...kept });
      return answer('replaced', secret, unmapped);
    }
    const storedSecret = existing.webhook_secret_sealed !== null ? secrets.open(existing.webhook_secret_sealed, webhookSecretContext(id)) : existing.webhook_secret;
    const storedCredentials = existing.credentials_sealed !== null ? secrets.open(existing.credentials_sealed, credentialsContext(id)) : null;
    const differs: ConnectionDifference[] = [
      ...(existing.tenant_id !== connection.tenantId ? (['tenant'] as const) : []),
      ...(existing.channel !== connection.channel ? (['channel'] as const) : []),
      ...(connection.secret !== undefined && connection.secret !== storedSecret ? (['secret'] as const) : []),
      ...(connection.credentials !== undefined && (connection.credentials ?? null) !== storedCredentials ? (['credentials'] as const) : []),
    ];
    const settingsDiffer: ConnectionDifference[] = [
      ...(connection.baseUrl !== undefined && settings.base_url !== existing.base_url ? (['base URL'] as const) : []),
      ...(connection.pollIntervalSeconds !== undefined && settings.poll_interval_seconds !== existing.poll_interval_seconds ? (['poll interval'] as const) : []),
    ];
    if (differs.length > 0 || (settingsDiffer.length > 0 && !options.update)) throw new ConnectionExistsError(id, [...differs, ...settingsDiffer]);
    if (settingsDiffer.length === 0) return answer('unchanged', null);
    const changed = {
      ...(connection.baseUrl !== undefined ? { base_url: settings.base_url } : {}),
      ...(connection.pollIntervalSeconds !== undefined ? { poll_interval_seconds: settings.poll_interval_seconds } : {}),
    };
    await trx('ingest.channel_connections').where({ connection_id: id }).update(changed);
    return answer('updated', null);
  });
}


/**
 * Maps a channel's listing to a property through a connection: both of one tenant, the connection
 * of the listing's channel. Mapping it elsewhere, or onto a property that already has a listing
 * on this channel (one per channel), needs `remap`; the listing it displaces is returned. A new
 * listing gets its export feed token (`exportToken`, shown this once; export-tokens.ts).
 */
export async function mapListing(
  db: Knex,
  listing: { channel: Channel; listingId: string; propertyId: string; connectionId: string },
  options: { remap?: boolean } = {},
): Promise<{ outcome: 'created' | 'unchanged' | 'remapped'; unmapped: readonly ListingRef[]; exportToken?: string }> {
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
    // Onto another connection (perhaps another tenant's), the listing's feed secrets stay behind:
    // its import URL was the old account's, and its export URL was given to it. A new export token
    // is issued, shown once like a new listing's.
    const remap = async (fromConnection: string) => {
      if (fromConnection === target.connection_id) {
        await trx('ingest.listings').where(key).update(target);
        return { outcome: 'remapped' as const, unmapped };
      }
      const exportToken = newExportToken();
      await trx('ingest.listings').where(key).update({ ...target, import_url_sealed: null, export_token_hash: hashExportToken(exportToken) });
      return { outcome: 'remapped' as const, unmapped, exportToken };
    };
    if (existing) return remap(existing.connection_id);
    // A concurrent twin inserting the same listing waits on this row's lock, then finds it mapped.
    const exportToken = newExportToken();
    const inserted = await trx('ingest.listings').insert({ ...key, ...target, export_token_hash: hashExportToken(exportToken) }).onConflict(['channel', 'listing_id']).ignore().returning('listing_id');
    if (inserted.length > 0) return { outcome: 'created', unmapped, exportToken };
    const raced = await trx('ingest.listings').where(key).forUpdate().first('property_id', 'connection_id');
    if (raced.property_id === listing.propertyId && raced.connection_id === listing.connectionId) return { outcome: 'unchanged', unmapped };
    if (!options.remap) throw new ListingMappedElsewhereError(listing.channel, listing.listingId, { propertyId: raced.property_id, connectionId: raced.connection_id });
    return remap(raced.connection_id);
  });
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
  const byChannelPlan = new Map<string, string[]>();
  for (const [pms, channel] of Object.entries(pricing.ratePlans)) byChannelPlan.set(channel, [...(byChannelPlan.get(channel) ?? []), pms]);
  for (const [channel, pms] of byChannelPlan) if (pms.length > 1) throw new SharedChannelRatePlanError(channel, pms);
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
