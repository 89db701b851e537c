import { conflictRecord, toEpochDay, type ConflictFacts, type LocalDate, type RaisedConflict } from '@cm/domain';
import type { BookingCommand, BookingEvent, Conflict, SyncResult } from '@cm/schemas';

let seq = 0;
const unique = () => `${Date.now().toString(36)}-${++seq}`;

/** A conflict record as its producer writes it: through the domain's codec, assessed by 5.2. */
export function conflictOf(facts: ConflictFacts, overrides: Partial<Conflict> = {}): Conflict {
  const channel = 'channel' in facts ? facts.channel : null;
  const raised: RaisedConflict = { facts, resolution: 'FLAGGED_FOR_REVIEW', rule: '5.1 availability', channel, summary: 's' };
  const context = { eventId: `c-${unique()}`, propertyId: 'p1', version: 1, source: 'AIRBNB', bookingRef: 'ref1', commandId: null, detectedAt: 1_000, correlationId: 'corr' } as const;
  return { ...conflictRecord(raised, context), ...overrides };
}

/** A push outcome as the sync-dispatcher writes it. */
export function syncResult(outcome: SyncResult['outcome'], overrides: Partial<SyncResult> = {}): SyncResult {
  return { event_id: `s-${unique()}`, property_id: 'p1', version: 1, source: 'PMS', channel: 'VRBO', change_event_id: 'chg', outcome, attempts: 6, channel_ack: null, error: outcome === 'FAILED' ? 'HTTP 503' : null, is_reconciliation: false, completed_at: 2_000, correlation_id: 'corr', reservation_action: null, booking_ref: null, ...overrides };
}


/** A booking created by its source, as ingest writes it to booking.commands. */
export function createBooking(propertyId: string, source: BookingCommand['source'], ref: string, checkIn: string, checkOut: string): BookingCommand {
  const now = Date.now();
  return {
    command_id: `cmd-${unique()}`,
    property_id: propertyId,
    tenant_id: null,
    source,
    source_version: 1,
    booking_ref: ref,
    booking_source: null,
    occurred_at: now,
    issued_at: now,
    reply_requested: false,
    correlation_id: `corr-${unique()}`,
    actor: null,
    command: { kind: 'CREATE_BOOKING', status: 'CONFIRMED', check_in: toEpochDay(checkIn as LocalDate), check_out: toEpochDay(checkOut as LocalDate), price: null, pms_quote: null, rate_plan: null, guest: null, property_currency: null, guest_count: null, reason: null },
  };
}

/** A decision as the arbiter publishes it on booking.events (a stay's status change unless overridden). */
export function bookingEvent(overrides: Partial<BookingEvent> & Pick<BookingEvent, 'property_id' | 'booking_ref' | 'booking_source'>): BookingEvent {
  const commandId = overrides.command_id ?? `cmd-${unique()}`;
  return {
    event_id: `${commandId}:event`,
    version: 1,
    source: overrides.booking_source,
    command_id: commandId,
    event_type: 'BOOKING_STATUS_CHANGED',
    status: 'CANCELLED',
    check_in: null,
    check_out: null,
    previous_check_in: null,
    previous_check_out: null,
    price: null,
    rate_plan: null,
    reason: null,
    conflicting_ref: null,
    occurred_at: Date.now(),
    correlation_id: `corr-${unique()}`,
    ...overrides,
  };
}
