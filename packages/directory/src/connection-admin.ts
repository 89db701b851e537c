import { randomBytes } from 'node:crypto';
import type { Channel } from '@cm/schemas';
import { maskSecret, sealedKeyId, type KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { refuseIllFormed, refuseIllFormedCredentials, unmap, type ListingRef } from './admin-checks';
import { ConnectionHasListingsError, UnknownConnectionError } from './admin-errors';
import { credentialsContext, webhookSecretContext } from './secret-contexts';

/**
 * The operator's view and upkeep of channel connections: list, show, rotate their secrets, remove.
 * A stored secret is only ever shown masked (its last four characters, `maskSecret`); a new one
 * is returned once, by the command that made it.
 */

export interface ConnectionSummary {
  readonly connectionId: string;
  readonly tenantId: string;
  readonly channel: Channel;
  /** Null: the service's default. */
  readonly baseUrl: string | null;
  readonly hasCredentials: boolean;
  readonly pollIntervalSeconds: number;
  readonly listings: number;
  /** The key its webhook secret is sealed under, or 'clear' for a row from before sealing (run `admin secrets reencrypt`). */
  readonly webhookSecretKey: string;
}

export interface ConnectionView extends ConnectionSummary {
  /** Masked: `****` and the last four characters. */
  readonly webhookSecret: string;
  /** Masked, or '(none)'. */
  readonly credentials: string;
}

const SUMMARY_COLUMNS = ['c.connection_id', 'c.tenant_id', 'c.channel', 'c.base_url', 'c.credentials_sealed', 'c.poll_interval_seconds', 'c.webhook_secret_sealed', 'c.webhook_secret'];

/** Every connection (of one tenant, when named), by id. */
export async function listConnections(db: Knex, tenantId?: string): Promise<ConnectionSummary[]> {
  const rows = await db('ingest.channel_connections as c')
    .modify((q) => (tenantId === undefined ? q : q.where('c.tenant_id', tenantId)))
    .select(...SUMMARY_COLUMNS, db('ingest.listings as l').count('*').whereRaw('l.connection_id = c.connection_id').as('listings'))
    .orderBy('c.connection_id');
  return rows.map(summaryOf);
}

/** One connection with its secrets masked; UnknownConnectionError if there is none. */
export async function showConnection(db: Knex, secrets: KeyRing, connectionId: string): Promise<ConnectionView> {
  const row = await db('ingest.channel_connections as c')
    .where('c.connection_id', connectionId)
    .first(...SUMMARY_COLUMNS, db('ingest.listings as l').count('*').whereRaw('l.connection_id = c.connection_id').as('listings'));
  if (!row) throw new UnknownConnectionError(connectionId);
  const webhookSecret = row.webhook_secret_sealed !== null ? secrets.open(row.webhook_secret_sealed, webhookSecretContext(connectionId)) : row.webhook_secret;
  const credentials = row.credentials_sealed !== null ? secrets.open(row.credentials_sealed, credentialsContext(connectionId)) : null;
  return { ...summaryOf(row), webhookSecret: maskSecret(webhookSecret), credentials: maskSecret(credentials) };
}

/**
 * Gives a connection a new webhook secret (generated; returned once) and/or new credentials
 * (given; null clears them). The channel must be given the new secret at once: deliveries signed
 * with the old one are refused from the moment this commits (within ingest's directory cache time).
 */
export async function rotateConnectionSecrets(
  db: Knex,
  secrets: KeyRing,
  connectionId: string,
  rotate: { webhookSecret: boolean; credentials?: string | null },
): Promise<{ webhookSecret: string | null; credentials: 'replaced' | 'cleared' | 'unchanged' }> {
  refuseIllFormed({ connectionId });
  if (rotate.credentials !== undefined) refuseIllFormedCredentials(rotate.credentials);
  const webhookSecret = rotate.webhookSecret ? randomBytes(32).toString('base64url') : null;
  const update = {
    ...(webhookSecret !== null ? { webhook_secret: null, webhook_secret_sealed: secrets.seal(webhookSecret, webhookSecretContext(connectionId)) } : {}),
    ...(rotate.credentials !== undefined ? { credentials_sealed: rotate.credentials === null ? null : secrets.seal(rotate.credentials, credentialsContext(connectionId)) } : {}),
  };
  if (Object.keys(update).length > 0) {
    const updated = await db('ingest.channel_connections').where({ connection_id: connectionId }).update(update).returning('connection_id');
    if (updated.length === 0) throw new UnknownConnectionError(connectionId);
  } else if (!(await db('ingest.channel_connections').where({ connection_id: connectionId }).first('connection_id'))) {
    throw new UnknownConnectionError(connectionId);
  }
  const credentials = rotate.credentials === undefined ? 'unchanged' : rotate.credentials === null ? 'cleared' : 'replaced';
  return { webhookSecret, credentials };
}

/** Removes a connection; one that still carries listings needs `unmap`, which unmaps them (returned). */
export async function removeConnection(db: Knex, connectionId: string, options: { unmap?: boolean } = {}): Promise<{ outcome: 'removed'; unmapped: readonly ListingRef[] }> {
  refuseIllFormed({ connectionId });
  return db.transaction(async (trx) => {
    if (!(await trx('ingest.channel_connections').where({ connection_id: connectionId }).forUpdate().first('connection_id'))) throw new UnknownConnectionError(connectionId);
    const counted = await trx('ingest.listings').where({ connection_id: connectionId }).count({ count: '*' }).first();
    const listings = Number(counted?.count ?? 0);
    if (listings > 0 && !options.unmap) throw new ConnectionHasListingsError(connectionId, listings);
    const unmapped = listings > 0 ? await unmap(trx, { connection_id: connectionId }) : [];
    await trx('ingest.channel_connections').where({ connection_id: connectionId }).delete();
    return { outcome: 'removed', unmapped };
  });
}

function summaryOf(row: { connection_id: string; tenant_id: string; channel: Channel; base_url: string | null; credentials_sealed: string | null; poll_interval_seconds: number; webhook_secret_sealed: string | null; listings: number | string }): ConnectionSummary {
  return {
    connectionId: row.connection_id,
    tenantId: row.tenant_id,
    channel: row.channel,
    baseUrl: row.base_url,
    hasCredentials: row.credentials_sealed !== null,
    pollIntervalSeconds: row.poll_interval_seconds,
    listings: Number(row.listings),
    webhookSecretKey: row.webhook_secret_sealed === null ? 'clear' : (sealedKeyId(row.webhook_secret_sealed) ?? 'unknown'),
  };
}
