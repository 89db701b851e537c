import type { Knex } from '@cm/service-runtime';

/**
 * What the sync-dispatcher owns, in its own schema: the state each channel listing should show,
 * night by night, with the version it was pushed at, and a lease per listing so one instance
 * pushes a listing at a time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sync').createTable('nights', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.date('night').notNullable();
    t.text('property_id').notNullable();
    t.boolean('available').notNullable();
    t.bigInteger('price_minor').nullable();
    t.specificType('currency', 'char(3)').nullable();
    t.integer('min_stay').nullable();
    t.bigInteger('version').notNullable().comment('Ledger version of the change that set this state: a lower one never overwrites it.');
    t.bigInteger('pushed_version').notNullable().defaultTo(0).comment('Version the channel acknowledged.');
    t.text('source').notNullable().comment('Where the change came from (the ledger source).');
    t.text('change_event_id').notNullable();
    t.text('correlation_id').notNullable();
    t.bigInteger('changed_at_ms').notNullable().comment('When the change happened: sync lag runs from here to the acknowledgement.');
    t.boolean('is_reconciliation').notNullable().defaultTo(false);
    t.primary(['channel', 'listing_id', 'night']);
  });
  await knex.raw('CREATE INDEX nights_pending ON sync.nights (channel, listing_id) WHERE version > pushed_version');

  await knex.schema.withSchema('sync').createTable('listing_work', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('property_id').notNullable();
    t.bigInteger('due_at_ms').notNullable().comment('Not pushed before this (backoff, rate limit).');
    t.integer('attempts').notNullable().defaultTo(0).comment('Failed attempts of the pending change so far.');
    t.integer('changes_pending').notNullable().defaultTo(0).comment('Changes recorded since the last acknowledged push: one push carries them all.');
    t.text('last_error').nullable();
    t.text('leased_by').nullable();
    t.bigInteger('leased_until_ms').nullable();
    t.primary(['channel', 'listing_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
