import type { Knex } from '@cm/service-runtime';

/**
 * Rates and restrictions to push (issue 20.2). `rate_nights` marks each listing's nights of a PMS
 * rate plan whose terms changed since they were last pushed (the terms themselves are read from
 * the rates store when pushing, so a night changed ten times is pushed once, as it is now);
 * `rate_work` is the listing's place in the push queue. `marks` counts the markings: a push that
 * saw another count than the one it claimed at leaves the listing due.
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
  await knex.raw('CREATE SEQUENCE sync.rate_mark_seq');
  await knex.schema.withSchema('sync').createTable('rate_nights', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('rate_plan').notNullable().comment("The PMS's rate plan id.");
    t.date('night').notNullable();
    t.bigInteger('mark').notNullable().comment('sync.rate_mark_seq at the last marking: a push clears the nights it read unless marked again since.');
    t.primary(['channel', 'listing_id', 'rate_plan', 'night']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
