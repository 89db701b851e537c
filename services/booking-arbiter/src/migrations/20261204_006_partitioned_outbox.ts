import type { Knex } from '@cm/service-runtime';

/**
 * The outbox becomes the runtime's (`Outbox`): each row under the partition of the command it was
 * decided from, swept by that partition's fenced owner, with no lock across partitions. Rows left
 * from before have no partition until the arbiter places them by their key at start.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.integer('kafka_partition').nullable().comment('The partition whose owner publishes the row (null: written before the outbox was partitioned, until the service places it by its key at start).');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
