import type { Knex } from '@cm/service-runtime';

/**
 * Host cancellations the channel took (a HOST_CANCEL reported ACKNOWLEDGED on sync.results.v2), so
 * the losing reservation of an overbooking counts as confirmed on its channel until then; and an
 * index for the gauge that reads the overbookings at every scrape.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('escalation').createTable('host_cancellations_landed', (t) => {
    t.text('property_id').notNullable();
    t.text('channel').notNullable();
    t.text('booking_ref').notNullable().comment("The channel's reservation id.");
    t.text('event_id').notNullable().comment('The sync.results.v2 record that reported it.');
    t.bigInteger('landed_at_ms').notNullable().comment('When the channel took it (the result completed_at).');
    t.primary(['property_id', 'channel', 'booking_ref']);
  });
  await knex.raw(`CREATE INDEX review_tasks_overbookings ON escalation.review_tasks (opened_at_ms) WHERE conflict_type = 'OVERBOOKING'`);
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
