import type { Channel } from '@cm/schemas';
import { sealedKeyId, SecretUnreadableError, type KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { credentialsContext, importUrlContext, webhookSecretContext } from './secret-contexts';

/**
 * Whether a key ring opens what the directory holds: one stored value per key id it names is
 * opened. A service checks this at start, so a wrong ring (a key dropped before re-encryption, or
 * another deployment's ring) stops it with a clear message instead of failing each webhook.
 * Returns the problems, empty when every key the directory names opens.
 */
export async function keyRingProblems(db: Knex, secrets: KeyRing): Promise<string[]> {
  const connections: { connection_id: string; webhook_secret_sealed: string | null; credentials_sealed: string | null }[] = await db('ingest.channel_connections')
    .where((q) => q.whereNotNull('webhook_secret_sealed').orWhereNotNull('credentials_sealed'))
    .select('connection_id', 'webhook_secret_sealed', 'credentials_sealed');
  const listings: { channel: Channel; listing_id: string; import_url_sealed: string }[] = await db('ingest.listings').whereNotNull('import_url_sealed').select('channel', 'listing_id', 'import_url_sealed');
  const samples = new Map<string, { value: string; context: string }>();
  const sample = (value: string | null, context: string) => {
    const keyId = value === null ? undefined : (sealedKeyId(value) ?? `malformed:${context}`);
    if (keyId !== undefined && !samples.has(keyId)) samples.set(keyId, { value: value!, context });
  };
  for (const c of connections) {
    sample(c.webhook_secret_sealed, webhookSecretContext(c.connection_id));
    sample(c.credentials_sealed, credentialsContext(c.connection_id));
  }
  for (const l of listings) sample(l.import_url_sealed, importUrlContext(l.channel, l.listing_id));
  const problems: string[] = [];
  for (const { value, context } of samples.values()) {
    try {
      secrets.open(value, context);
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      problems.push(error.message);
    }
  }
  return problems;
}
