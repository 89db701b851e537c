import type { Knex } from '@cm/service-runtime';

/**
 * A tenant's review settings, set by its operators through the review API (GET/PUT /v1/settings).
 * No row means every setting at its default.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('escalation').createTable('tenant_settings', (t) => {
    t.text('tenant_id').primary();
    t.boolean('auto_cancel_instant_book_losers')
      .notNullable()
      .defaultTo(false)
      .comment('Cancel the losing confirmed channel booking of an overbooking on its channel without review. Off by default: platforms penalise host cancellations.');
    t.text('updated_by').nullable().comment('The operator who last changed a setting, when the request named one.');
    t.bigInteger('updated_at_ms').notNullable();
  });
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
