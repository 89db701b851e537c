import type { Command, Decision, RaisedConflict, Stay } from '@cm/domain';
import { eventType, factsAsDetails } from '../records';

/**
 * The audit trail of seed section 6: every decision and every conflict resolution, with who
 * decided, by which rule, the stay before and after, the sources, and the correlation and trace ids.
 */
export function auditRows(input: { command: Command; decision: Decision; before: Stay | undefined; after: Stay | undefined; traceId: string | null }): Record<string, unknown>[] {
  const { command, decision, before, after, traceId } = input;
  const stayKey = `${command.bookingSource}:${command.ref}`;
  const common = {
    property_id: command.propertyId,
    tenant_id: command.tenantId ?? null,
    entity_type: entityType(command),
    entity_id: stayKey,
    stay_key: stayKey,
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

/** What a row is about, in the audit trail's vocabulary: a manual block is a change of availability. */
function entityType(command: Command): 'booking' | 'guest' | 'availability' | 'price' {
  switch (command.type) {
    case 'block_nights':
    case 'unblock_nights':
      return 'availability';
    case 'update_guest':
      return 'guest';
    case 'report_price':
      return 'price';
    default:
      return 'booking';
  }
}
