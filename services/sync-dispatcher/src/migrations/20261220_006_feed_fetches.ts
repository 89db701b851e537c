import type { Knex } from '@cm/service-runtime';

/**
 * Fetches of our iCal export feeds (issue 21.2): a change for an iCal channel counts as synced
 * only once the channel fetched a version of the listing's feed that holds it. A feed's version
 * is the highest ledger version among the listing's nights as served; a 304 counts as a fetch of
 * the version the ETag names (the current one). One row per listing, so it does not grow with
 * the fetches: the highest version served, when it was first served (an acknowledgement's lag
 * runs to there), and the latest fetch.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sync').createTable('feed_fetches', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.bigInteger('version').notNullable().comment('Highest feed version a fetch got (200 or 304): every change at or below it is on the channel.');
    t.bigInteger('version_fetched_at_ms').notNullable().comment('When a fetch first got `version`.');
    t.bigInteger('last_fetched_at_ms').notNullable();
    t.smallint('last_status').notNullable().comment('200, or 304 when the channel already held the version.');
    t.primary(['channel', 'listing_id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
