import type { Knex } from '@cm/service-runtime';

/**
 * Which nights a pass found differing on each listing (issue 23.3: the console marks them night
 * by night), as the runs of nights with one kind of mismatch the drift report gives:
 * [{check_in, check_out, kind}], kind open_while_booked or closed_while_free. Rows from before
 * hold [] and say only how many nights drifted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('reconcile').alterTable('pass_listings', (t) => {
    t.jsonb('drift_ranges').notNullable().defaultTo('[]').comment('[{check_in, check_out, kind}]: the runs of nights found differing.');
  });
  await knex.raw('CREATE INDEX pass_listings_listing ON reconcile.pass_listings (channel, listing_id)');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
