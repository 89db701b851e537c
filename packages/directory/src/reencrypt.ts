import type { Channel } from '@cm/schemas';
import type { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { credentialsContext, importUrlContext, webhookSecretContext } from './secret-contexts';

/** What `reencryptSecrets` did: clear secrets sealed, values resealed under the current key, values already under it. */
export interface ReencryptCount {
  readonly sealed: number;
  readonly resealed: number;
  readonly current: number;
}

/**
 * Brings every stored secret under the key ring's current key (step 3 of a key rotation, and
 * the upgrade step that seals the webhook secrets of rows from before 20261216_003): clear ones
 * are sealed and their clear column emptied, values under an older key are opened and resealed.
 * One transaction, rows locked: a concurrent rotation waits, and a value that does not open
 * (its key already dropped) rolls everything back with SecretUnreadableError naming it.
 */
export async function reencryptSecrets(db: Knex, secrets: KeyRing): Promise<ReencryptCount> {
  return db.transaction(async (trx) => {
    let sealed = 0;
    let resealed = 0;
    let current = 0;
    const reseal = (value: string, context: string): string => {
      if (secrets.isCurrent(value)) {
        current++;
        return value;
      }
      resealed++;
      return secrets.seal(secrets.open(value, context), context);
    };

    const connections: { connection_id: string; webhook_secret: string | null; webhook_secret_sealed: string | null; credentials_sealed: string | null }[] = await trx('ingest.channel_connections')
      .forUpdate()
      .select('connection_id', 'webhook_secret', 'webhook_secret_sealed', 'credentials_sealed');
    for (const c of connections) {
      const webhookContext = webhookSecretContext(c.connection_id);
      let webhookSealed: string;
      if (c.webhook_secret_sealed === null) {
        sealed++;
        webhookSealed = secrets.seal(c.webhook_secret!, webhookContext);
      } else {
        webhookSealed = reseal(c.webhook_secret_sealed, webhookContext);
      }
      const credentialsSealed = c.credentials_sealed === null ? null : reseal(c.credentials_sealed, credentialsContext(c.connection_id));
      if (webhookSealed !== c.webhook_secret_sealed || credentialsSealed !== c.credentials_sealed || c.webhook_secret !== null) {
        await trx('ingest.channel_connections').where({ connection_id: c.connection_id }).update({ webhook_secret: null, webhook_secret_sealed: webhookSealed, credentials_sealed: credentialsSealed });
      }
    }

    const listings: { channel: Channel; listing_id: string; import_url_sealed: string }[] = await trx('ingest.listings').whereNotNull('import_url_sealed').forUpdate().select('channel', 'listing_id', 'import_url_sealed');
    for (const l of listings) {
      const value = reseal(l.import_url_sealed, importUrlContext(l.channel, l.listing_id));
      if (value !== l.import_url_sealed) await trx('ingest.listings').where({ channel: l.channel, listing_id: l.listing_id }).update({ import_url_sealed: value });
    }
    return { sealed, resealed, current };
  });
}
