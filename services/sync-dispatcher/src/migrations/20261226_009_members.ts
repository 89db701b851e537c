import type { Knex } from '@cm/service-runtime';

/**
 * Which process is each member (a KAFKA_GROUP_INSTANCE_ID, a pod) now: a process restarted in
 * place reads who it replaces and gives back that one's leases at once, instead of waiting
 * LEASE_MS for them to lapse (issue 22.2).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('sync').createTable('members', (t) => {
    t.text('member').primary().comment('The group instance id the process runs under.');
    t.text('owner').notNullable().comment('Its INSTANCE_ID: what its leases are held by.');
    t.bigInteger('entered_at_ms').notNullable();
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
