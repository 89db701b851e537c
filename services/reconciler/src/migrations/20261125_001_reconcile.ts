import type { Knex } from '@cm/service-runtime';

/**
 * What the reconciler keeps, in its own schema: each pass, and per channel listing of a pass what
 * was found and what became of its correction (fixed only when the channel acknowledged it).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('reconcile').createTable('passes', (t) => {
    t.text('pass_id').primary();
    t.text('scope').notNullable().comment('all, or the property_id of an on-demand pass');
    t.text('trigger').notNullable().comment('schedule or on_demand');
    t.integer('window_days').notNullable();
    t.text('status').notNullable().comment('running, finished or failed');
    t.bigInteger('started_at_ms').notNullable();
    t.bigInteger('finished_at_ms').nullable();
    t.text('error').nullable();
  });
  await knex.schema.withSchema('reconcile').createTable('pass_listings', (t) => {
    t.text('pass_id').notNullable().references('pass_id').inTable('reconcile.passes').onDelete('CASCADE');
    t.text('property_id').notNullable();
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.integer('compared').notNullable().defaultTo(0);
    t.integer('drift_nights').notNullable().defaultTo(0).comment('Nights whose availability differs: found.');
    t.integer('open_while_booked').notNullable().defaultTo(0);
    t.integer('correction_ranges').notNullable().defaultTo(0);
    t.bigInteger('ledger_version').notNullable().comment('The ledger version the comparison was made at, and its corrections carry.');
    t.text('outcome').notNullable().comment('in_sync, pending (corrections sent), fixed (acknowledged), failed, or unread');
    t.text('error').nullable();
    t.bigInteger('settled_at_ms').nullable();
    t.primary(['pass_id', 'channel', 'listing_id']);
  });
  await knex.raw(`CREATE INDEX pass_listings_pending ON reconcile.pass_listings (property_id, channel) WHERE outcome IN ('pending', 'failed')`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
