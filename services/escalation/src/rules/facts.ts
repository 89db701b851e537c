import { conflictDetails, isUnreadable, type ConflictFacts, type UnreadableFacts } from '@cm/domain';
import type { Conflict } from '@cm/schemas';

/**
 * What a review task keeps of a conflict's facts for the review API and the resolutions: the
 * domain's facts as strings by their names (as the audit log has them); the record's fields as
 * strings when they do not give the facts.
 */
export function detailsOfConflict(conflict: Pick<Conflict, 'conflict_type' | 'facts'>, facts: ConflictFacts | UnreadableFacts): Record<string, string> {
  if (!isUnreadable(facts)) return conflictDetails(facts);
  const details: Record<string, string> = {};
  for (const [name, value] of Object.entries(conflict.facts)) if (name !== 'kind') details[name] = typeof value === 'string' ? value : JSON.stringify(value);
  return details;
}
