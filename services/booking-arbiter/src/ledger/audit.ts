import type { Command, Decision, RaisedConflict, Stay } from '@cm/domain';
import { eventType, factsAsDetails } from '../records';

/**
 * The audit trail of seed section 6: every decision and every conflict resolution, with who
 * decided, by which rule, the stay before and after, the sources, and the correlation and trace ids.
 */
export function auditRows(input: { command: Command; decision: Decision; before: Stay | undefined; after: Stay | undefined; traceId: string | null }): Record<string, unknown>[] {
  const { command, decision, before, after, traceId } = input;
  const common = {
    property_id: command.propertyId,
    entity_type: entityType(command),
    stay_key: `${command.bookingSource}:${command.ref}`,
    source: command.source,
    command_id: command.commandId,
    version: decision.version,
    correlation_id: command.correlationId,
    trace_id: traceId,
    resolved_by: command.actor ?? 'system',
  };
  return [
    {
      ...common,
      action: eventType(decision.event).toLowerCase(),
      rule: null,
      conflict_type: null,
      resolution: null,
      before: before ? JSON.stringify(before) : null,
      after: after && after !== before ? JSON.stringify(after) : null,
      details: JSON.stringify({ outcome: decision.outcome, reason: decision.reason }),
    },
    ...decision.conflicts.map((c: RaisedConflict) => ({
      ...common,
      action: 'conflict_resolved',
      rule: c.rule,
      conflict_type: c.facts.type,
      resolution: c.resolution,
      before: null,
      after: null,
      details: JSON.stringify({ ...factsAsDetails(c), summary: c.summary }),
    })),
  ];
}

function entityType(command: Command): string {
  switch (command.type) {
    case 'block_nights':
    case 'unblock_nights':
      return 'block';
    case 'update_guest':
      return 'guest';
    case 'report_price':
      return 'price';
    default:
      return 'booking';
  }
}
