import type { Knex } from '@cm/service-runtime';

export interface DecisionRecord {
  property_id: string;
  outcome: string;
  reason: string | null;
  version: number | null;
  reply: Record<string, unknown> | null;
}

/** The arbiter's decision of a command, once made. */
export function decisionOf(db: Knex, commandId: string): Promise<DecisionRecord | undefined> {
  return db('processed_commands').where({ command_id: commandId }).first('property_id', 'outcome', 'reason', 'version', 'reply');
}
