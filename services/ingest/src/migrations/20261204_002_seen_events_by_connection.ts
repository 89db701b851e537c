import type { Knex } from '@cm/service-runtime';

/**
 * A platform's event ids are unique per account at best: two tenants' connections can send the
 * same one. Taken-in events are known by their connection too. Rows from before keep '' as their
 * connection: they name an event of some connection of that channel, which can no longer be told.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').alterTable('seen_events', (t) => {
    t.text('connection_id').notNullable().defaultTo('').comment("The connection the event came through; '' for events taken in before connections were recorded.");
    t.dropPrimary();
  });
  await knex.schema.withSchema('ingest').alterTable('seen_events', (t) => {
    t.primary(['channel', 'connection_id', 'external_event_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
