import type { Knex } from '@cm/service-runtime';

/** The W3C trace context of the change that set a night's state: its push is made in it. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sync').alterTable('nights', (t) => {
    t.text('trace_parent').nullable().comment('traceparent of the change record (null when tracing is off)');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
