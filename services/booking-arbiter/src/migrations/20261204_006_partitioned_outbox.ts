import type { Knex } from '@cm/service-runtime';

/**
 * The outbox becomes the runtime's (`Outbox`): each row under the partition of the command it was
 * decided from, swept by that partition's fenced owner, with no lock across partitions. Rows left
 * from before have no partition; the owner of partition 0 publishes them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.integer('kafka_partition').nullable().comment('The partition whose owner publishes the row (null: written before the outbox was partitioned; partition 0 owns it).');
    t.index(['kafka_partition', 'id']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
