import { createFenceTable, createOutboxTable, type Knex } from '@cm/service-runtime';

/**
 * A pass's corrections (availability.changes) and drift (conflicts) are published by the
 * runtime's outbox: `outbox` is written in the transaction of the pass_listings rows that record
 * them, and swept per partition by the fenced owner in `partition_fences` (the reconciler whose
 * consumer holds that partition of sync.results.v2).
 */
export async function up(knex: Knex): Promise<void> {
  await createOutboxTable(knex, 'reconcile');
  await createFenceTable(knex, 'reconcile');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
