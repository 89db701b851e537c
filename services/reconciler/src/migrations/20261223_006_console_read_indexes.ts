import type { Knex } from '@cm/service-runtime';

/**
 * The console's reads of a property's passes (its drift row, its reconciliation health) by
 * property: without this index each read scanned every pass of every tenant.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX pass_listings_property ON reconcile.pass_listings (property_id, channel, listing_id)');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
