import { createFenceTable, createOutboxTable, type Knex } from '@cm/service-runtime';

/**
 * Push and reservation-action outcomes (sync.results.v2, SYNC_FAILED conflicts) are written to the
 * runtime's outbox in the statement that records them, instead of produced before it: published
 * by the fenced owner of their property's partition (the instance assigned that partition of
 * availability.changes).
 */
export async function up(knex: Knex): Promise<void> {
  await createOutboxTable(knex, 'sync');
  await createFenceTable(knex, 'sync');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
