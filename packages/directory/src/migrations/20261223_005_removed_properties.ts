import type { Knex } from '@cm/service-runtime';

/**
 * Whose a removed property was. The ledger keeps a removed property's bookings, guests and audit
 * trail, and the channel side its pushes, all by property id: adding the id again for another
 * tenant would hand them over, so that needs --force, as a move does.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').createTable('removed_properties', (t) => {
    t.text('property_id').primary();
    t.text('tenant_id').notNullable().comment('The tenant it was removed from: adding it for another needs --force.');
    t.timestamp('removed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
