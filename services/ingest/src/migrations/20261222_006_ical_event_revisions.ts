import type { Knex } from '@cm/service-runtime';

/**
 * Each imported feed event counts the changes taken in from it: a change's event id names that
 * count, so a stay moved back to dates it had before is a new event, while a change sent again
 * after a crash (before it was recorded) is the same one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').alterTable('ical_import_events', (t) => {
    t.integer('revision').notNullable().defaultTo(0).comment('Changes taken in from this UID so far (appeared, moved, left).');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
