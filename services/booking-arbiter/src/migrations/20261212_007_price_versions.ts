import type { Knex } from '@cm/service-runtime';

/**
 * Per booking, the last version from each source whose price the ledger decided (the domain's
 * `Booking.priceVersions`): a channel's revision that moves a stay and changes its total arrives
 * as a date change and a price report at one version, and only this tells the second from a
 * duplicate. Rows from before keep '{}': none decided.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stays', (t) => {
    t.jsonb('price_versions').notNullable().defaultTo('{}').comment('Last version per source whose price was decided (bookings only).');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
