import type { Knex } from '@cm/service-runtime';

/**
 * Reservation actions to carry out on their channels (reservation.actions.v2): recorded before the
 * record's offset is committed, done by whichever instance leases one, kept with their outcome.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sync').createTable('reservation_actions', (t) => {
    t.text('event_id').primary().comment('The event id of the action: the request id the channel sees, and what a replay is known by.');
    t.specificType('seq', 'bigint GENERATED ALWAYS AS IDENTITY').comment('Arrival order: actions of one reservation at one ledger version are done in it.');
    t.text('property_id').notNullable();
    t.text('channel').notNullable();
    t.text('booking_ref').notNullable();
    t.bigInteger('version').notNullable().comment('Ledger version of the decision: the actions of a reservation are done in its order.');
    t.jsonb('record').notNullable().comment('The reservation.actions.v2 record, its action as the tagged variant.');
    t.text('trace_parent').nullable();
    t.text('status').notNullable().defaultTo('pending').comment('pending (to do, or tried again later), done, or refused (no retry can help).');
    t.text('outcome').nullable().comment('How it ended: done, already_done, not_needed, unsupported, refused; retries_exhausted while it waits to be tried again.');
    t.integer('attempts').notNullable().defaultTo(0).comment('Failed calls since the last reported failure.');
    t.bigInteger('due_at_ms').notNullable().comment('Not tried before this (backoff, rate limit, after a reported failure).');
    t.text('leased_by').nullable();
    t.bigInteger('leased_until_ms').nullable();
    t.text('last_error').nullable();
    t.bigInteger('finished_at_ms').nullable();
  });
  await knex.raw("CREATE INDEX reservation_actions_due ON sync.reservation_actions (due_at_ms) WHERE status = 'pending'");
  await knex.raw("CREATE INDEX reservation_actions_pending_by_reservation ON sync.reservation_actions (channel, booking_ref, version, seq) WHERE status = 'pending'");
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
