import type { Knex } from '@cm/service-runtime';

/** The W3C trace context of the command a record was decided from: the relay publishes in it. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.text('trace_parent').nullable().comment('traceparent of the command the record was decided from (null when tracing is off)');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
