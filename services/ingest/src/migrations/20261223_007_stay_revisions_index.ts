import type { Knex } from '@cm/service-runtime';

/**
 * A stay's revisions (the console's booking page) by tenant, property and stay: without this index
 * each read scanned every unpurged revision of the tenant.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX pms_revisions_by_stay ON ingest.pms_revisions (tenant_id, property_id, stay_key, revision_id)');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
