import type { Knex } from '@cm/service-runtime';

/**
 * A pending relocation an operator withdrew (withdraw_relocation): its status `withdrawn`, and who
 * withdrew it, why, the request (a repeat answers the same) and the command cancelling its booking.
 */
export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: { conname: string }[] }>(
    `SELECT conname FROM pg_constraint WHERE conrelid = 'escalation.relocations'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%status%'`,
  );
  for (const { conname } of rows) await knex.raw('ALTER TABLE escalation.relocations DROP CONSTRAINT ??', [conname]);
  await knex.raw(`ALTER TABLE escalation.relocations ADD CONSTRAINT relocations_status_check CHECK (status IN ('pending', 'accepted', 'refused', 'withdrawn'))`);
  await knex.schema.withSchema('escalation').alterTable('relocations', (t) => {
    t.jsonb('withdrawal').nullable().comment('withdraw_relocation: the operator, the note, the request and the command that cancels the booking.');
  });
}

export async function down(): Promise<void> {
  throw new Error('forward-only: add a new migration instead');
}
