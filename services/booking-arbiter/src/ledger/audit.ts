import { conflictsOf, SINGLE_GUEST_FIELDS, type Command, type Decision, type FieldValue, type GuestRecord, type RaisedConflict, type Stay } from '@cm/domain';
import type { Source } from '@cm/schemas';
import { eventType, factsAsDetails } from '../records';

/**
 * The audit trail of seed section 6: every decision and every conflict resolution, with who
 * decided, by which rule, the stay before and after, the sources, and the correlation and trace ids.
 *
 * It holds no guest data (docs/data-retention.md): the stay snapshots name each guest field with
 * the time and source of its value, never the value, and a decision that changed the guest lists
 * which fields it changed. The values themselves live only in `guests`, under the row's stay key.
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
  const guestChanges = changedGuestFields(before, after);
  return [
    {
      ...common,
      action: eventType(decision.event).toLowerCase(),
      rule: null,
      conflict_type: null,
      resolution: null,
      before: before ? JSON.stringify(auditedStay(before)) : null,
      after: after && after !== before ? JSON.stringify(auditedStay(after)) : null,
      details: JSON.stringify({ outcome: decision.outcome, reason: decision.reason, ...(guestChanges.length > 0 ? { guest_fields_changed: guestChanges } : {}) }),
    },
    ...conflictsOf(decision).map((c: RaisedConflict) => ({
      ...common,
      action: 'conflict_resolved',
      rule: c.rule,
      conflict_type: c.facts.type,
      resolution: c.resolution,
      before: null,
      after: null,
      // The facts and summary name guest fields (GUEST_DATA's keptFields), never their values.
      details: JSON.stringify({ ...factsAsDetails(c), summary: c.summary }),
    })),
  ];
}

/**
 * The row for the stay a keep-guest decision cancelled: the decision is about two stays, and each
 * one's trail must show what happened to it, and who did it.
 */
export function cancelledStayRow(input: { command: Command; decision: Decision; key: string; before: Stay | undefined; after: Stay | undefined; keptKey: string; traceId: string | null }): Record<string, unknown> {
  const { command, decision, key, before, after } = input;
  return {
    property_id: command.propertyId,
    tenant_id: command.tenantId ?? null,
    entity_type: 'booking',
    entity_id: key,
    stay_key: key,
    source: command.source,
    command_id: command.commandId,
    version: decision.version,
    correlation_id: command.correlationId,
    trace_id: input.traceId,
    resolved_by: command.actor ?? 'system',
    action: 'booking_status_changed',
    rule: null,
    conflict_type: null,
    resolution: null,
    before: before ? JSON.stringify(auditedStay(before)) : null,
    after: after ? JSON.stringify(auditedStay(after)) : null,
    details: JSON.stringify({ outcome: decision.outcome, reason: `cancelled to keep the guest of ${input.keptKey}` }),
  };
}

/** A guest field as the audit trail keeps it: when its value was set and by whom, not the value. */
export interface AuditedGuestField {
  readonly updatedAt: number;
  readonly source: Source;
}

export type AuditedGuest = { readonly [F in (typeof SINGLE_GUEST_FIELDS)[number]]: AuditedGuestField | null } & {
  readonly preferences: Readonly<Record<string, AuditedGuestField>>;
};

/** A stay as the audit trail keeps it: a booking's guest reduced to its fields' times and sources. */
export function auditedStay(stay: Stay): Record<string, unknown> {
  if (stay.kind !== 'booking') return { ...stay };
  return { ...stay, guest: auditedGuest(stay.guest) };
}

function auditedGuest(guest: GuestRecord): AuditedGuest {
  const single = Object.fromEntries(SINGLE_GUEST_FIELDS.map((field) => [field, withoutValue(guest[field])])) as { [F in (typeof SINGLE_GUEST_FIELDS)[number]]: AuditedGuestField | null };
  const preferences = Object.fromEntries(Object.entries(guest.preferences).map(([key, value]) => [key, withoutValue(value)!]));
  return { ...single, preferences };
}

function withoutValue(field: FieldValue<unknown> | null): AuditedGuestField | null {
  return field ? { updatedAt: field.updatedAt, source: field.source } : null;
}

/** Which guest fields a decision changed (a preference as `preferences.<key>`), with the new value's time and source. */
function changedGuestFields(before: Stay | undefined, after: Stay | undefined): { field: string; updated_at_ms: number; source: Source }[] {
  if (after?.kind !== 'booking') return [];
  const old = before?.kind === 'booking' ? before.guest : null;
  const changes: { field: string; updated_at_ms: number; source: Source }[] = [];
  const compare = (field: string, was: FieldValue<unknown> | null | undefined, now: FieldValue<unknown> | null | undefined) => {
    if (now && (!was || was.updatedAt !== now.updatedAt || was.source !== now.source || !sameValue(was.value, now.value))) {
      changes.push({ field, updated_at_ms: now.updatedAt, source: now.source });
    }
  };
  for (const field of SINGLE_GUEST_FIELDS) compare(field, old?.[field], after.guest[field]);
  for (const [key, value] of Object.entries(after.guest.preferences)) compare(`preferences.${key}`, old && Object.hasOwn(old.preferences, key) ? old.preferences[key] : null, value);
  return changes;
}

/** Strings as they are; an address field by field, whatever order its keys were read in. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => (x[k] ?? null) === (y[k] ?? null));
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
