import type { Channel } from '@cm/schemas';
import type { KeyRing } from '@cm/secrets';
import { preparedRaw, type Knex, type SqlValue } from '@cm/service-runtime';
import { credentialsContext } from './secret-contexts';

/**
 * The directory as other services read it: each function is one query over the directory's tables,
 * run on the connection (or transaction) the caller passes. Cached lookups for ingest's hot path
 * are the `Directory` class.
 */

/** The time zone of a listing's property, or undefined for a listing the directory does not map. */
export async function timeZoneOfListing(db: Knex, channel: Channel, listingId: string): Promise<string | undefined> {
  const row: { time_zone: string } | undefined = await db('ingest.listings as l')
    .join('ingest.properties as p', 'p.property_id', 'l.property_id')
    .where({ 'l.channel': channel, 'l.listing_id': listingId })
    .first('p.time_zone');
  return row?.time_zone;
}

/** The property a channel listing is mapped to, or undefined. */
export async function propertyOfListing(db: Knex, channel: Channel, listingId: string): Promise<string | undefined> {
  const row: { property_id: string } | undefined = await db('ingest.listings').where({ channel, listing_id: listingId }).first('property_id');
  return row?.property_id;
}

/** The connection a channel listing is reached through, or undefined for a listing the directory does not map. */
export async function connectionOfListing(db: Knex, channel: Channel, listingId: string): Promise<string | undefined> {
  const row: { connection_id: string } | undefined = await db('ingest.listings').where({ channel, listing_id: listingId }).first('connection_id');
  return row?.connection_id;
}

/** The channel listings of these properties, with the connection each is reached through, in no particular order. */
export function listingsOfProperties(db: Knex, propertyIds: readonly string[]): Promise<{ property_id: string; channel: Channel; listing_id: string; connection_id: string }[]> {
  return db('ingest.listings').whereIn('property_id', propertyIds).select('property_id', 'channel', 'listing_id', 'connection_id');
}

/** The tenant a property belongs to, or undefined for a property the directory does not know. */
export async function tenantOfProperty(db: Knex, propertyId: string): Promise<string | undefined> {
  const row: { tenant_id: string } | undefined = await db('ingest.properties').where({ property_id: propertyId }).first('tenant_id');
  return row?.tenant_id;
}

/** True if the directory knows this property, and (when a tenant is named) it is that tenant's. */
export async function propertyExists(db: Knex, propertyId: string, tenantId?: string): Promise<boolean> {
  const query = db('ingest.properties').where({ property_id: propertyId });
  if (tenantId !== undefined) query.where({ tenant_id: tenantId });
  return (await query.first('property_id')) !== undefined;
}

/**
 * A tenant's property ids as a subquery, for `whereIn(column, propertyIdsOfTenant(db, t))`: the
 * caller's query filters by tenant in one round trip, without naming the directory's tables.
 */
export function propertyIdsOfTenant(db: Knex, tenantId: string): Knex.QueryBuilder {
  return db('ingest.properties').where({ tenant_id: tenantId }).select('property_id');
}

export interface PropertyListingRow {
  readonly property_id: string;
  readonly time_zone: string;
  readonly channel: Channel;
  readonly listing_id: string;
}

/**
 * One page of properties with channel listings (keyset paging by property id, after `after`), at
 * most `limit` properties, optionally one tenant's or one property: a row per listing, in
 * property, channel, listing order.
 */
export function propertyListingsPage(db: Knex, page: { after: string; limit: number; tenantId: string | null; propertyId: string | null }): Promise<PropertyListingRow[]> {
  const { after, limit, tenantId, propertyId } = page;
  return db('ingest.properties as p')
    .join('ingest.listings as l', 'l.property_id', 'p.property_id')
    .whereIn('p.property_id', db('ingest.properties').select('property_id').where('property_id', '>', after).modify((q) => (propertyId === null ? q : q.where({ property_id: propertyId }))).modify((q) => (tenantId === null ? q : q.where({ tenant_id: tenantId }))).orderBy('property_id').limit(limit))
    .orderBy(['p.property_id', 'l.channel', 'l.listing_id'])
    .select('p.property_id', 'p.time_zone', 'l.channel', 'l.listing_id');
}

/** Every tenant's id. */
export async function tenantIds(db: Knex): Promise<string[]> {
  const rows: { tenant_id: string }[] = await db('ingest.tenants').select('tenant_id');
  return rows.map((row) => row.tenant_id);
}

/** A listing's pricing as the dispatcher and ingest's quotes apply it: the currency resolved (the property's when the listing names none). */
export interface ListingPricingRow {
  readonly channel: Channel;
  readonly listingId: string;
  readonly propertyId: string;
  readonly currency: string;
  readonly markup: { readonly kind: 'percent'; readonly basisPoints: number } | { readonly kind: 'fixed'; readonly amountMinor: number };
  /** PMS rate plan id -> the channel's; empty: the PMS's own ids. */
  readonly ratePlans: Readonly<Record<string, string>>;
}

/** A listing's pricing columns, as the statements below select them. */
interface ListingPricingColumns {
  readonly channel: Channel;
  readonly listing_id: string;
  readonly property_id: string;
  readonly currency: string | null;
  readonly property_currency: string;
  readonly markup_kind: string | null;
  readonly markup_value: number | string | null;
  readonly rate_plans: Record<string, string> | null;
}

/** Those columns: `l` the listing, `p` its property, `x` its pricing (left-joined). */
const LISTING_PRICING_SELECT = 'l.channel, l.listing_id, l.property_id, x.currency, p.currency AS property_currency, x.markup_kind, x.markup_value, x.rate_plans';

/** The pricing of every listing of these properties (a listing never priced: the property's currency, no markup, the PMS's plan ids). */
export async function pricingOfProperties(db: Knex, propertyIds: readonly string[]): Promise<ListingPricingRow[]> {
  const rows: ListingPricingColumns[] = await db('ingest.listings as l')
    .join('ingest.properties as p', 'p.property_id', 'l.property_id')
    .leftJoin('ingest.listing_pricing as x', function () {
      this.on('x.channel', 'l.channel').andOn('x.listing_id', 'l.listing_id');
    })
    .whereIn('l.property_id', propertyIds)
    .select(db.raw(LISTING_PRICING_SELECT));
  return rows.map(pricingOfRow);
}

/**
 * The pricing of every listing of one property and `value` of the same property (another
 * package's subquery on its own tables), in one statement: a caller that needs both pays one
 * round trip, not two. `V` is the value as pg gives it, which the caller knows from its SQL.
 * Undefined if the directory does not know the property.
 */
export async function pricingOfPropertyWith<V>(db: Knex, propertyId: string, value: SqlValue): Promise<{ pricings: ListingPricingRow[]; value: V } | undefined> {
  const { rows } = (await preparedRaw(
    db,
    `SELECT ${LISTING_PRICING_SELECT}, ${value.sql} AS value
     FROM ingest.properties p
     LEFT JOIN ingest.listings l ON l.property_id = p.property_id
     LEFT JOIN ingest.listing_pricing x ON x.channel = l.channel AND x.listing_id = l.listing_id
     WHERE p.property_id = ?`,
    [...value.bindings, propertyId],
  )) as { rows: (Omit<ListingPricingColumns, 'listing_id'> & { listing_id: string | null; value: V })[] };
  const first = rows[0];
  if (!first) return undefined;
  // A property without listings is one row of its own, with no listing in it.
  const listed = rows.filter((row): row is ListingPricingColumns & { value: V } => row.listing_id !== null);
  return { pricings: listed.map(pricingOfRow), value: first.value };
}

/** A listing's pricing from its columns: the currency resolved, the markup typed, a null `rate_plans` as `{}`. */
function pricingOfRow(r: ListingPricingColumns): ListingPricingRow {
  return {
    channel: r.channel,
    listingId: r.listing_id,
    propertyId: r.property_id,
    currency: (r.currency ?? r.property_currency).trim(),
    markup: r.markup_kind === 'fixed' ? { kind: 'fixed', amountMinor: Number(r.markup_value) } : { kind: 'percent', basisPoints: Number(r.markup_value ?? 0) },
    ratePlans: r.rate_plans ?? {},
  };
}

/** How a service reaches a connection's channel API: its base URL (null: the service's default) and its credentials, opened (null: none). */
export interface ConnectionSettings {
  readonly connectionId: string;
  readonly channel: Channel;
  readonly baseUrl: string | null;
  readonly credentials: string | null;
}

/** A connection's API settings, its credentials opened, or undefined for a connection the directory does not know. */
export async function connectionSettingsOf(db: Knex, secrets: KeyRing, connectionId: string): Promise<ConnectionSettings | undefined> {
  const row: { connection_id: string; channel: Channel; base_url: string | null; credentials_sealed: string | null } | undefined = await db('ingest.channel_connections')
    .where({ connection_id: connectionId })
    .first('connection_id', 'channel', 'base_url', 'credentials_sealed');
  if (!row) return undefined;
  return {
    connectionId: row.connection_id,
    channel: row.channel,
    baseUrl: row.base_url,
    credentials: row.credentials_sealed === null ? null : secrets.open(row.credentials_sealed, credentialsContext(row.connection_id)),
  };
}
