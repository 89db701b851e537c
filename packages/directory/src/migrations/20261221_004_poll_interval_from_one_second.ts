import type { Knex } from '@cm/service-runtime';

/**
 * A connection's iCal poll interval may be as short as a second. Platforms fetch feeds every few
 * minutes to hours, and a host sets what the channel tolerates; a second serves tests and the
 * demo, where a guest's booking on an iCal-only channel must reach the ledger while one watches.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE ingest.channel_connections DROP CONSTRAINT channel_connections_poll_interval');
  await knex.raw('ALTER TABLE ingest.channel_connections ADD CONSTRAINT channel_connections_poll_interval CHECK (poll_interval_seconds BETWEEN 1 AND 86400)');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
