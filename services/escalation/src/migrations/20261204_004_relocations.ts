import type { Knex } from '@cm/service-runtime';

/**
 * Relocations asked for by operators: the booking on the other property and what the ledger
 * decided of it (booking.events, by the command id). One per task and target property.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('escalation').createTable('relocations', (t) => {
    t.text('task_id').notNullable().references('task_id').inTable('escalation.review_tasks');
    t.text('property_id').notNullable().comment('The property the guest is relocated to (the same tenant as the task).');
    t.text('tenant_id').notNullable();
    t.text('command_id').notNullable().unique().comment('The CREATE_BOOKING on booking.commands: review:<task>:relocation:<property>.');
    t.text('booking_ref').notNullable();
    t.text('status').notNullable().checkIn(['pending', 'accepted', 'refused']);
    t.text('operator').notNullable();
    t.jsonb('request').notNullable().comment('The resolve request: it closes the task once the booking is accepted.');
    t.bigInteger('requested_at_ms').notNullable();
    t.bigInteger('decided_at_ms').nullable();
    t.text('decision_event_id').nullable().comment('The booking.events record that decided it.');
    t.jsonb('refusal').nullable().comment("The ledger's reason and the stay holding the nights.");
    t.primary(['task_id', 'property_id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX relocations_one_pending_per_task ON escalation.relocations (task_id) WHERE status = 'pending'`);
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
