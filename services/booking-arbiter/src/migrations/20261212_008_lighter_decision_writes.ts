import type { Knex } from '@cm/service-runtime';

/**
 * What a decision's write checked or indexed that no read or guarantee needs (issue 22.4). On a
 * transaction of 250 decisions (EXPLAIN ANALYZE, 5 interleaved runs on two ledgers):
 * - the foreign keys stays -> properties and guests -> stays ran a lookup per written row,
 *   1.8-5.6 ms and 2.4-11.7 ms. Both parents are guaranteed by the one path that writes: a
 *   chunk's first statement upserts and locks its properties' rows before any stay is written,
 *   and a guest row is written only in the statement that writes its stay (changedRows).
 * - processed_commands(property_id): no read looks the inbox up by property (every read is by
 *   command id), yet each decision inserted into it.
 * - properties: each chunk writes a property's row twice (the lock's upsert, then the new
 *   version); with room on its page the new row version is a HOT update and leaves the primary
 *   key alone (the version update: 3.3-7.5 ms against 0.8-4.0 ms).
 * The exclusion constraint, the primary keys and the audit trail's indexes stay.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE guests DROP CONSTRAINT guests_property_id_stay_key_foreign');
  await knex.raw('ALTER TABLE stays DROP CONSTRAINT stays_property_id_foreign');
  await knex.raw('DROP INDEX processed_commands_property_id_index');
  await knex.raw('ALTER TABLE properties SET (fillfactor = 50)');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only: write a new migration instead');
}
