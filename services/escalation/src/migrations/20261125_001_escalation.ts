import type { Knex } from '@cm/service-runtime';

/**
 * What the escalation service owns, in its own schema: review tasks (one unresolved per conflict
 * key), what happened to each, the 5.2.3 sync-failure streaks, the records already processed,
 * notifications still to deliver and commands still to produce. Times are epoch milliseconds.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('escalation').createTable('review_tasks', (t) => {
    t.text('task_id').primary();
    t.text('conflict_key').notNullable().comment('Type + property + stay or channel: one unresolved task per key.');
    t.text('conflict_type').notNullable();
    t.text('property_id').notNullable();
    t.text('channel').nullable();
    t.text('booking_ref').nullable();
    t.text('severity').notNullable().checkIn(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
    t.integer('sla_minutes').notNullable();
    t.text('status').notNullable().checkIn(['open', 'acknowledged', 'resolved']);
    t.integer('level').notNullable().defaultTo(0).comment('Index into ESCALATION_LEVELS: who is responsible now.');
    t.bigInteger('due_at_ms').notNullable().comment('When the SLA of the current level passes; the timer escalates an open task after it.');
    t.text('rule').notNullable();
    t.text('escalated_by').notNullable().comment('The 5.2 rule (or ours) that sent it to a human.');
    t.text('summary').notNullable();
    t.jsonb('details').notNullable();
    t.integer('occurrences').notNullable().defaultTo(1);
    t.text('first_event_id').notNullable();
    t.text('last_event_id').notNullable();
    t.bigInteger('opened_at_ms').notNullable();
    t.bigInteger('last_seen_at_ms').notNullable();
    t.text('acknowledged_by').nullable();
    t.bigInteger('acknowledged_at_ms').nullable();
    t.text('resolved_by').nullable();
    t.bigInteger('resolved_at_ms').nullable();
    t.text('resolution').nullable().comment('The action: cancel_stay, repush_availability, dismiss...');
    t.jsonb('resolve_request').nullable().comment('The request that resolved it: the same request again is answered the same.');
    t.text('command_id').nullable().comment('The booking.commands record the resolution issued, if any.');
  });
  await knex.raw(`CREATE UNIQUE INDEX review_tasks_one_unresolved_per_key ON escalation.review_tasks (conflict_key) WHERE status <> 'resolved'`);
  await knex.raw(`CREATE INDEX review_tasks_due ON escalation.review_tasks (due_at_ms) WHERE status = 'open'`);
  await knex.raw(`CREATE INDEX review_tasks_by_property ON escalation.review_tasks (property_id, opened_at_ms DESC)`);

  await knex.schema.withSchema('escalation').createTable('task_history', (t) => {
    t.bigIncrements('history_id').primary();
    t.text('task_id').notNullable().references('task_id').inTable('escalation.review_tasks');
    t.bigInteger('at_ms').notNullable();
    t.text('actor').notNullable().comment("'system', 'timer', or the operator's name.");
    t.text('action').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.index(['task_id', 'history_id']);
  });

  await knex.schema.withSchema('escalation').createTable('sync_streaks', (t) => {
    t.text('property_id').notNullable();
    t.text('channel').notNullable();
    t.integer('consecutive_failures').notNullable();
    t.text('last_event_id').notNullable();
    t.bigInteger('updated_at_ms').notNullable();
    t.primary(['property_id', 'channel']);
  });

  await knex.schema.withSchema('escalation').createTable('processed_records', (t) => {
    t.text('event_id').primary().comment('The inbox: a conflict or sync result handled once, in the transaction of its effect.');
    t.text('topic').notNullable();
    t.text('outcome').notNullable();
    t.bigInteger('processed_at_ms').notNullable();
  });

  await knex.schema.withSchema('escalation').createTable('notifications', (t) => {
    t.bigIncrements('notification_id').primary();
    t.text('task_id').notNullable().references('task_id').inTable('escalation.review_tasks');
    t.text('reason').notNullable().checkIn(['opened', 'escalated', 'reminder']);
    t.integer('level').notNullable();
    t.integer('failed_rounds').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_ms').notNullable().comment('Not tried before this: a claim by one instance, or the backoff after a failure.');
    t.bigInteger('delivered_at_ms').nullable();
    t.text('last_error').nullable();
    t.bigInteger('created_at_ms').notNullable();
  });
  await knex.raw('CREATE INDEX notifications_pending ON escalation.notifications (next_attempt_ms) WHERE delivered_at_ms IS NULL');

  await knex.schema.withSchema('escalation').createTable('command_outbox', (t) => {
    t.text('command_id').primary();
    t.text('task_id').notNullable().references('task_id').inTable('escalation.review_tasks');
    t.text('property_id').notNullable();
    t.jsonb('command').notNullable().comment('The BookingCommand record, produced to booking.commands.');
    t.bigInteger('created_at_ms').notNullable();
    t.bigInteger('produced_at_ms').nullable();
  });
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
