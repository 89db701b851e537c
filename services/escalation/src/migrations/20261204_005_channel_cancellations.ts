import type { Knex } from '@cm/service-runtime';

/**
 * Channel reservations known to be gone from their channel without a host cancellation of ours
 * (rules/losing-stay-gone.ts, read from booking.events): the losing-reservation gauges stop
 * counting them. One row per reservation; a redelivered event changes nothing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('escalation').createTable('channel_cancellations', (t) => {
    t.text('property_id').notNullable();
    t.text('channel').notNullable();
    t.text('booking_ref').notNullable().comment("The channel's reservation id.");
    t.text('how').notNullable().checkIn(['cancelled_on_channel', 'already_cancelled']);
    t.text('event_id').notNullable().comment('The booking.events record that showed it.');
    t.bigInteger('seen_at_ms').notNullable();
    t.primary(['property_id', 'channel', 'booking_ref']);
  });
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
