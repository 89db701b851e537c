import { assertNever, fromEpochDay } from '@cm/domain';
import type { BookingEvent } from '@cm/schemas';
import type { NewRevision, RevisionChanges, RevisionEventType } from './types';

export type RevisionOfEvent =
  | { readonly kind: 'revision'; readonly revision: Omit<NewRevision, 'tenantId'> }
  | { readonly kind: 'skip'; readonly reason: 'not_a_change' };

/**
 * A booking.events record as a revision of the PMS feed, or why it is none: COMMAND_IGNORED (a
 * duplicate or a stale version) changed nothing in the ledger. Rejections are revisions: a
 * BOOKING_REJECTED channel booking is held by its guest on the channel, and a COMMAND_REJECTED
 * tells the PMS a change it or a channel asked for did not happen.
 */
export function revisionOfEvent(event: BookingEvent): RevisionOfEvent {
  const eventType = revisionEventType(event.event_type);
  if (eventType === undefined) return { kind: 'skip', reason: 'not_a_change' };
  return {
    kind: 'revision',
    revision: {
      propertyId: event.property_id,
      eventId: event.event_id,
      eventType,
      stayKey: `${event.booking_source}:${event.booking_ref}`,
      source: event.source,
      commandId: event.command_id,
      version: event.version,
      occurredAtMs: event.occurred_at,
      changes: changesOf(event),
    },
  };
}

function revisionEventType(type: BookingEvent['event_type']): RevisionEventType | undefined {
  switch (type) {
    case 'COMMAND_IGNORED':
      return undefined;
    case 'BOOKING_ACCEPTED':
    case 'BOOKING_REJECTED':
    case 'BOOKING_DATES_CHANGED':
    case 'BOOKING_STATUS_CHANGED':
    case 'BOOKING_PRICE_CHANGED':
    case 'NIGHTS_BLOCKED':
    case 'NIGHTS_UNBLOCKED':
    case 'GUEST_UPDATED':
    case 'DISPUTE_FLAGGED':
    case 'COMMAND_REJECTED':
      return type;
    default:
      return assertNever(type);
  }
}

/** The event's stay fields, absent ones left out. */
function changesOf(event: BookingEvent): RevisionChanges {
  return {
    ...(event.status !== null ? { status: event.status } : {}),
    ...(event.check_in !== null ? { check_in: fromEpochDay(event.check_in) } : {}),
    ...(event.check_out !== null ? { check_out: fromEpochDay(event.check_out) } : {}),
    ...(event.previous_check_in !== null ? { previous_check_in: fromEpochDay(event.previous_check_in) } : {}),
    ...(event.previous_check_out !== null ? { previous_check_out: fromEpochDay(event.previous_check_out) } : {}),
    ...(event.price !== null ? { total: { amount_minor: event.price.amount_minor, currency: event.price.currency } } : {}),
    ...(event.rate_plan !== null ? { rate_plan: event.rate_plan } : {}),
    ...(event.reason !== null ? { reason: event.reason } : {}),
    ...(event.conflicting_ref !== null ? { conflicting_stay: event.conflicting_ref } : {}),
  };
}
