import type { Knex } from '@cm/service-runtime';

/**
 * Rates and restrictions to push (issue 20.2). `rate_dirty` holds, per listing and PMS rate plan,
 * the nights whose terms changed since they were last pushed, as one multirange (a season is one
 * range, not 365 rows); the terms themselves are read from the rates store when pushing, so a
 * night changed ten times is pushed once, as it is then. `marks` counts the markings of the row:
 * a push takes its nights out only if no marking came since it read them. `rate_work` is the
 * listing's place in the push queue, with a count of its own for the same purpose.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sync').createTable('rate_work', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('property_id').notNullable();
    t.bigInteger('due_at_ms').nullable().comment('Null: nothing to push.');
    t.bigInteger('marks').notNullable().defaultTo(0);
    t.text('leased_by').nullable();
    t.bigInteger('leased_until_ms').nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.primary(['channel', 'listing_id']);
  });
  await knex.raw('CREATE INDEX rate_work_due ON sync.rate_work (due_at_ms) WHERE due_at_ms IS NOT NULL');
  await knex.schema.withSchema('sync').createTable('rate_dirty', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('rate_plan').notNullable().comment("The PMS's rate plan id.");
    t.specificType('nights', 'datemultirange').notNullable().comment('Nights to push; empty when all were pushed.');
    t.bigInteger('marks').notNullable().defaultTo(0);
    t.primary(['channel', 'listing_id', 'rate_plan']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
