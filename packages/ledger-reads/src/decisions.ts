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

export interface DecisionHistoryRecord {
  command_id: string;
  property_id: string;
  outcome: string;
  reason: string | null;
  version: string | null;
  event_type: string | null;
  decided_by: string;
  decided_at: Date;
}

/** The arbiter's decisions of these commands of a property, in the order they were made. */
export function decisionsOf(db: Knex, propertyId: string, commandIds: readonly string[]): Promise<DecisionHistoryRecord[]> {
  if (commandIds.length === 0) return Promise.resolve([]);
  return db('processed_commands')
    .where({ property_id: propertyId })
    .whereIn('command_id', commandIds)
    .orderBy('decision_seq', 'asc')
    .select('command_id', 'property_id', 'outcome', 'reason', 'version', 'event_type', 'decided_by', 'decided_at');
}
