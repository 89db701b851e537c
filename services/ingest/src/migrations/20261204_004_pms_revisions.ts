import type { Knex } from '@cm/service-runtime';

/**
 * The PMS revision feed (issue 18.4): every change the ledger made, as booking.events carried it,
 * kept per tenant until the PMS acknowledges it, then deleted by the purge. `event_id` is unique,
 * and purged versions are marked per property, so a replayed topic records nothing twice;
 * `revision_id` is the feed's cursor. No guest data: booking.events carries none.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').createTable('pms_revisions', (t) => {
    t.bigIncrements('revision_id').primary().comment("The cursor: per tenant, ids are handed out in commit order (the recorder holds the tenant's advisory lock).");
    t.text('tenant_id').notNullable().references('tenant_id').inTable('ingest.tenants');
    t.text('property_id').notNullable();
    t.text('event_id').notNullable().unique().comment("booking.events' event_id: a replay of the topic records nothing new.");
    t.text('event_type').notNullable();
    t.text('stay_key').notNullable().comment("'<booking source>:<reference>'");
    t.text('source').notNullable().comment('Who caused the change: PMS or a channel.');
    t.text('command_id').notNullable();
    t.bigInteger('version').notNullable().comment("The property's ledger version after the change.");
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('changes').notNullable().comment('Status, dates, total, rate plan, reason: never guest personal data.');
    t.timestamp('acknowledged_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX pms_revisions_by_tenant ON ingest.pms_revisions (tenant_id, revision_id)');
  await knex.raw('CREATE INDEX pms_revisions_unacknowledged ON ingest.pms_revisions (tenant_id, revision_id) WHERE acknowledged_at IS NULL');
  await knex.raw('CREATE INDEX pms_revisions_acknowledged_at ON ingest.pms_revisions (acknowledged_at) WHERE acknowledged_at IS NOT NULL');
  // What the purge deleted stays known: a replay of booking.events (kept 30 days) must not bring back
  // a revision acknowledged and purged. A property's events reach the feed in version order, so an
  // event at or below the highest purged version was recorded before.
  await knex.schema.withSchema('ingest').createTable('pms_revision_purge_marks', (t) => {
    t.text('property_id').primary();
    t.bigInteger('version').notNullable().comment('The highest ledger version of this property whose revision was purged.');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
