import type { Knex } from '@cm/service-runtime';

/**
 * Every push writes a push_calls row, so each index on it is paid per push. The console reads
 * them by property (and listing) only, a listing's calls for the property they were made for:
 * one index serves every read, the correlation ids matched within one property's calls. Of the
 * four indexes it replaces, the purge's (answered_at_ms) stays.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX push_calls_of_listing ON sync.push_calls (property_id, channel, listing_id, id)');
  for (const index of ['push_calls_listing', 'push_calls_property', 'push_calls_correlation']) await knex.raw(`DROP INDEX sync.${index}`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
