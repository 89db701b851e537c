import type { Knex } from '@cm/service-runtime';

/**
 * The console reads ingest, the dispatcher and the reconciler on the operator's behalf with the
 * tenant's own API key (src/console/sources.ts), so a session keeps it: sealed with the key ring
 * (SECRETS_KEYS) and bound to its row, so a copy of the table, or the value moved to another
 * session, opens nothing. It goes with the row at sign-out or expiry. Sessions opened before this
 * column have none: their read pages ask for a new sign-in.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('escalation').alterTable('console_sessions', (t) => {
    t.text('sealed_api_key').nullable().comment('The API key the session was opened with, sealed by @cm/secrets for console_session:<token_hash>:api_key.');
  });
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
