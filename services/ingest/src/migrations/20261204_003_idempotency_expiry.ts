import type { Knex } from '@cm/service-runtime';

/**
 * Idempotency-Key records expire (IDEMPOTENCY_RETENTION_HOURS, 24 h by default): their answers
 * hold the guest's details. The purge finds the oldest by this index, a batch at a time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema('ingest').alterTable('idempotency_keys', (t) => {
    t.index(['created_at'], 'idempotency_keys_created_at');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
