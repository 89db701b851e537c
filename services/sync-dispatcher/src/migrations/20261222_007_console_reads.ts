import type { Knex } from '@cm/service-runtime';

/**
 * What the operator console shows of the channel side (issue 23.3 to 23.5), kept where it
 * happens instead of only in an instance's metrics:
 * - `push_calls`: every availability call made to a channel and how it ended, written in the
 *   statement that records its outcome (a call whose outcome was not recorded is made again,
 *   and logged again: both calls happened). Which nights it carried (`nights`) answers "the push
 *   history of this listing-night"; the correlation ids of the changes it carried answer "the
 *   pushes made for this booking". Purged after PUSH_CALLS_KEEP_DAYS.
 * - `listing_waits`: per listing, the pushes held back by our rate (token bucket) or an open
 *   breaker, counted as they happen (a counter, not a row per wait).
 * - `breaker_states`: each instance's breaker per channel, written when it changes state: the
 *   breaker is an instance's own, so the console shows each instance's.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sync').createTable('push_calls', (t) => {
    t.bigIncrements('id');
    t.text('request_id').notNullable().comment('The id the channel saw: a retry of the same push has the same one.');
    t.integer('attempt').notNullable();
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('property_id').notNullable();
    t.jsonb('ranges').notNullable().comment('[{from, to, available}] as the channel was told them.');
    t.specificType('nights', 'datemultirange').notNullable().comment('The nights the call carried: the ranges as one value, for "pushes of this night".');
    t.specificType('correlation_ids', 'text[]').notNullable().comment('The correlation ids of the changes carried (a booking command\'s, a correction\'s).');
    t.bigInteger('newest_version').notNullable();
    t.boolean('is_reconciliation').notNullable();
    t.text('outcome').notNullable().comment('ok, rate_limited, server_error, timeout, network_error, client_error.');
    t.integer('http_status').nullable();
    t.text('error').nullable();
    t.bigInteger('answered_at_ms').notNullable();
  });
  await knex.raw('CREATE INDEX push_calls_listing ON sync.push_calls (channel, listing_id, answered_at_ms)');
  await knex.raw('CREATE INDEX push_calls_property ON sync.push_calls (property_id, answered_at_ms)');
  await knex.raw('CREATE INDEX push_calls_correlation ON sync.push_calls USING gin (correlation_ids)');
  await knex.raw('CREATE INDEX push_calls_answered ON sync.push_calls (answered_at_ms)');

  await knex.schema.withSchema('sync').createTable('listing_waits', (t) => {
    t.text('channel').notNullable();
    t.text('listing_id').notNullable();
    t.text('property_id').notNullable();
    t.bigInteger('rate_limited').notNullable().defaultTo(0).comment('Pushes held back by our token bucket of the channel.');
    t.bigInteger('circuit_open').notNullable().defaultTo(0).comment('Pushes held back by an open (or half-open, trials out) breaker.');
    t.bigInteger('last_wait_at_ms').notNullable();
    t.primary(['channel', 'listing_id']);
  });

  await knex.schema.withSchema('sync').createTable('breaker_states', (t) => {
    t.text('instance').notNullable();
    t.text('channel').notNullable();
    t.text('state').notNullable().comment('closed, open or half_open');
    t.bigInteger('since_ms').notNullable();
    t.primary(['instance', 'channel']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
