import { topics, wireCodec, type BookingCommand } from '@cm/schemas';
import { createFenceTable, createOutboxTable, type Knex } from '@cm/service-runtime';

/**
 * Resolution commands are published by the runtime's outbox (escalation.outbox, swept per
 * partition by the fenced owner in escalation.partition_fences) instead of the SLA timer. The old
 * command_outbox stays what it also was, the record of the commands each task issued:
 * issued_commands. Commands it still held unproduced move to the new outbox, without a partition
 * until escalation places them by their key at start.
 */
export async function up(knex: Knex): Promise<void> {
  await createOutboxTable(knex, 'escalation');
  await createFenceTable(knex, 'escalation');
  const unproduced: { command_id: string; property_id: string; command: BookingCommand }[] = await knex('escalation.command_outbox').whereNull('produced_at_ms').orderBy('created_at_ms').select('command_id', 'property_id', 'command');
  // A thousand rows a statement: well inside PostgreSQL's 65,535 bind parameters.
  for (let i = 0; i < unproduced.length; i += 1_000) {
    await knex('escalation.outbox').insert(
      unproduced.slice(i, i + 1_000).map((row) => ({ kafka_partition: null, event_id: row.command_id, topic: topics.bookingCommands.name, record_key: row.property_id, payload: JSON.stringify(wireCodec(topics.bookingCommands).toWire(row.command)) })),
    );
  }
  await knex.schema.withSchema('escalation').renameTable('command_outbox', 'issued_commands');
  await knex.schema.withSchema('escalation').alterTable('issued_commands', (t) => {
    t.dropColumn('produced_at_ms');
  });
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
