import { ChannelSymbols, type Channel } from '@cm/schemas';
import { requiredIdentifierProblem, type Knex } from '@cm/service-runtime';
import { InvalidCredentialsError, InvalidIdentifierError, InvalidPollIntervalError, InvalidUrlError, UnknownChannelError, UnknownTenantError } from './admin-errors';

/**
 * The checks and row moves the admin commands share (admin.ts, connection-admin.ts,
 * listing-secrets.ts): each refuses with a typed AdminError, or locks and writes inside the
 * caller's transaction.
 */

/** A listing as mapped: what a move, replacement or remap unmapped is reported as these. */
export interface ListingRef {
  readonly channel: Channel;
  readonly listingId: string;
  readonly propertyId: string;
  readonly connectionId: string;
}

export function refuseIllFormed(fields: Record<string, string>): void {
  for (const [field, value] of Object.entries(fields)) {
    const problem = typeof value === 'string' ? requiredIdentifierProblem(value) : 'not a string';
    if (problem) throw new InvalidIdentifierError(field, problem);
  }
}

export function refuseUnknownChannel(channel: string): void {
  if (!(ChannelSymbols as readonly string[]).includes(channel)) throw new UnknownChannelError(channel, ChannelSymbols);
}

/** An http(s) URL, at most 2,000 characters: what a base URL or a feed URL must be. */
export function refuseIllFormedUrl(field: string, text: string): void {
  let url: URL | undefined;
  try {
    url = text.length <= 2_000 ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new InvalidUrlError(field);
}

/** A host sets what the channel tolerates (platforms fetch every few minutes to hours); a second serves tests and the demo. */
export const MIN_POLL_INTERVAL_SECONDS = 1;
export const MAX_POLL_INTERVAL_SECONDS = 86_400;

export function refuseIllFormedPollInterval(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < MIN_POLL_INTERVAL_SECONDS || seconds > MAX_POLL_INTERVAL_SECONDS) throw new InvalidPollIntervalError(seconds, MIN_POLL_INTERVAL_SECONDS, MAX_POLL_INTERVAL_SECONDS);
}

/** The tenant must exist, and stays while the command writes (tenants are never deleted; the share lock is cheap). */
export async function lockTenant(trx: Knex.Transaction, tenantId: string): Promise<void> {
  if (!(await trx('ingest.tenants').where({ tenant_id: tenantId }).forShare().first('tenant_id'))) throw new UnknownTenantError(tenantId);
}

export async function unmap(trx: Knex.Transaction, where: Record<string, string>): Promise<ListingRef[]> {
  const rows: { channel: Channel; listing_id: string; property_id: string; connection_id: string }[] = await trx('ingest.listings').where(where).delete().returning(['channel', 'listing_id', 'property_id', 'connection_id']);
  return rows.map((r) => ({ channel: r.channel, listingId: r.listing_id, propertyId: r.property_id, connectionId: r.connection_id })).sort((a, b) => `${a.channel}${a.listingId}`.localeCompare(`${b.channel}${b.listingId}`));
}

const MAX_CREDENTIALS_LENGTH = 4_096;

/** An API key or token: 1 to 4096 characters, no line breaks (it becomes a header value). */
export function refuseIllFormedCredentials(credentials: string | null): void {
  if (credentials !== null && (credentials.length === 0 || credentials.length > MAX_CREDENTIALS_LENGTH || /[\r\n\u0000]/.test(credentials))) throw new InvalidCredentialsError();
}
