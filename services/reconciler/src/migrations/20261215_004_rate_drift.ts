import type { Knex } from '@cm/service-runtime';

/**
 * What a pass found of each listing's rates and restrictions (issue 20.4), beside its availability:
 * whether the channel's rate plans were read (`rates_outcome`: in_sync, corrected, unread; null
 * where the channel shows no rates or the listing was not read), the plan-nights compared, the
 * nights that drifted and the ranges the correction named. A rate correction is not acknowledged
 * on sync.results.v2, so it settles nothing: the next pass finds the channel in sync or not.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('reconcile').alterTable('pass_listings', (t) => {
    t.text('rates_outcome').nullable().comment('in_sync, corrected (a rate.changes correction sent), unread; null: the channel shows no rates, or the listing was not read');
    t.integer('rates_compared').notNullable().defaultTo(0).comment('Plan-nights the PMS set terms for that the channel showed.');
    t.integer('rate_drift_nights').notNullable().defaultTo(0).comment('Nights whose price or stay rules differ in any plan sold: the PRICE_DRIFT nights.');
    t.integer('rate_correction_ranges').notNullable().defaultTo(0);
    t.text('rates_error').nullable().comment('Why the rates could not be read.');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
