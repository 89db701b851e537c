import {
  assertNever,
  conflictDetails,
  conflictRecord,
  toEpochDay,
  type Command,
  type Decision,
  type LedgerEvent,
  type Money,
  type PropertyState,
  type RaisedConflict,
  type ReservationAction as DomainReservationAction,
  type Stay,
  type StayDates,
  type StayKey,
} from '@cm/domain';
import { topicValueRecord, type TopicValueRecord } from '@cm/service-runtime';
import { topics, type BookingEvent, type BookingEventType, type Money as MoneyRecord, type ReservationAction, type Source, type TopicHandle } from '@cm/schemas';

/** A record a decision publishes, before the outbox places it under its command's partition. */
export interface DecisionRecord extends TopicValueRecord {
  readonly payload: { readonly event_id: string };
}

/** A value of a topic as a decision publishes it, under its own event id. */
export function outboxRecord<V extends { readonly event_id: string }>(topic: TopicHandle<V>, value: NoInfer<V>): DecisionRecord {
  // The wire form differs from the value only inside unions of records: event_id stays as it is.
  return topicValueRecord(topic, value, value.event_id) as DecisionRecord;
}

/**
 * The records a decision publishes. Event ids are derived from the command id and the record's
 * place in the decision, so deciding (or publishing) the same command again gives the same ids.
 */
export function decisionRecords(command: Command, decision: Decision, after: PropertyState, decidedAt: number): DecisionRecord[] {
  const base = { property_id: command.propertyId, version: decision.version, source: command.source, correlation_id: command.correlationId };
  const records: DecisionRecord[] = [];
  records.push(outboxRecord(topics.bookingEvents, bookingEvent(command, decision, after, decidedAt, base)));
  // Keeping a guest cancels another stay in the same decision: it gets its own event, so every
  // reader of booking.events (the PMS's revision feed) learns that stay was cancelled.
  if (decision.event.type === 'booking_reinstated') {
    const cancelled = after.stays.get(decision.event.cancelled);
    if (cancelled) {
      records.push(
        outboxRecord(topics.bookingEvents, {
          ...(base as Pick<BookingEvent, 'property_id' | 'version' | 'source' | 'correlation_id'>),
          event_id: `${command.commandId}:event:cancelled`,
          command_id: command.commandId,
          event_type: 'BOOKING_STATUS_CHANGED',
          booking_ref: cancelled.ref,
          booking_source: cancelled.source,
          ...stayFields(cancelled),
          previous_check_in: null,
          previous_check_out: null,
          reason: 'cancelled to keep another guest',
          conflicting_ref: decision.event.key,
          occurred_at: decidedAt,
        }),
      );
    }
  }
  const counts = { push: 0, action: 0, conflict: 0 };
  for (const effect of decision.effects) {
    switch (effect.kind) {
      case 'push_availability': {
        const { push } = effect;
        const eventId = `${command.commandId}:push:${counts.push++}`;
        records.push(
          outboxRecord(topics.availabilityChanges, {
            ...base,
            event_id: eventId,
            from_date: toEpochDay(push.dates.checkIn),
            to_date: toEpochDay(push.dates.checkOut),
            available: push.available,
            nightly_price: null,
            reason: push.reason,
            except_channel: push.exceptChannel,
            only_channel: null,
            occurred_at: decidedAt,
          }),
        );
        break;
      }
      case 'act_on_reservation': {
        const eventId = `${command.commandId}:action:${counts.action++}`;
        records.push(outboxRecord(topics.reservationActions, reservationAction(eventId, effect.action, command, base, decidedAt)));
        break;
      }
      case 'raise_conflict': {
        const eventId = `${command.commandId}:conflict:${counts.conflict++}`;
        records.push(outboxRecord(topics.conflicts, conflictRecord(effect.conflict, { eventId, propertyId: command.propertyId, version: decision.version, source: command.source, bookingRef: command.ref, commandId: command.commandId, detectedAt: decidedAt, correlationId: command.correlationId })));
        break;
      }
      default:
        assertNever(effect);
    }
  }
  return records;
}

/** What the ledger decided must be done to a reservation on its channel, as the topic's record. */
function reservationAction(eventId: string, action: DomainReservationAction, command: Command, base: { version: number; source: Source; correlation_id: string }, decidedAt: number): ReservationAction {
  const common = { event_id: eventId, property_id: command.propertyId, version: base.version, source: base.source, channel: action.channel, booking_ref: action.ref, stay_key: action.key, command_id: command.commandId, occurred_at: decidedAt, correlation_id: base.correlation_id };
  switch (action.kind) {
    case 'acknowledge':
      return { ...common, action: { kind: 'ACKNOWLEDGE', revision: action.revision } };
    case 'decline_request':
      return { ...common, action: { kind: 'DECLINE_REQUEST', reason: action.reason } };
    case 'host_cancel':
      return { ...common, action: { kind: 'HOST_CANCEL', reason: action.reason } };
    case 'change_dates':
      return { ...common, action: { kind: 'CHANGE_DATES', check_in: toEpochDay(action.dates.checkIn), check_out: toEpochDay(action.dates.checkOut) } };
    case 'accept_alteration':
      return { ...common, action: { kind: 'ACCEPT_ALTERATION' } };
    case 'decline_alteration':
      return { ...common, action: { kind: 'DECLINE_ALTERATION', reason: action.reason } };
    default:
      return assertNever(action);
  }
}

function bookingEvent(command: Command, decision: Decision, after: PropertyState, decidedAt: number, base: object): BookingEvent {
  const event = decision.event;
  const stayKey = keyOf(event);
  const stay = after.stays.get(stayKey);
  return {
    ...(base as Pick<BookingEvent, 'property_id' | 'version' | 'source' | 'correlation_id'>),
    event_id: `${command.commandId}:event`,
    command_id: command.commandId,
    event_type: eventType(event),
    booking_ref: command.ref,
    booking_source: command.bookingSource,
    ...stayFields(stay),
    previous_check_in: event.type === 'booking_dates_changed' ? toEpochDay(event.previous.checkIn) : null,
    previous_check_out: event.type === 'booking_dates_changed' ? toEpochDay(event.previous.checkOut) : null,
    reason: decision.reason,
    conflicting_ref: heldBy(event),
    occurred_at: decidedAt,
  };
}

/** What a booking event says of a stay as the ledger holds it after the decision. */
function stayFields(stay: Stay | undefined): Pick<BookingEvent, 'status' | 'check_in' | 'check_out' | 'price' | 'rate_plan'> {
  return {
    status: stay?.kind === 'booking' ? stay.status : null,
    ...dates(stay?.dates ?? null),
    price: stay?.kind === 'booking' ? money(stay.price) : null,
    rate_plan: stay?.kind === 'booking' ? stay.ratePlan : null,
  };
}

export function eventType(event: LedgerEvent): BookingEventType {
  switch (event.type) {
    case 'booking_accepted':
      return 'BOOKING_ACCEPTED';
    case 'booking_rejected':
      return 'BOOKING_REJECTED';
    case 'booking_dates_changed':
      return 'BOOKING_DATES_CHANGED';
    case 'booking_status_changed':
    case 'booking_reinstated':
      return 'BOOKING_STATUS_CHANGED';
    case 'booking_price_changed':
      return 'BOOKING_PRICE_CHANGED';
    case 'guest_updated':
      return 'GUEST_UPDATED';
    case 'nights_blocked':
      return 'NIGHTS_BLOCKED';
    case 'nights_unblocked':
      return 'NIGHTS_UNBLOCKED';
    case 'dispute_flagged':
      return 'DISPUTE_FLAGGED';
    case 'block_refused':
    case 'command_rejected':
      return 'COMMAND_REJECTED';
    case 'command_ignored':
      return 'COMMAND_IGNORED';
    default:
      return assertNever(event);
  }
}

function keyOf(event: LedgerEvent): StayKey {
  switch (event.type) {
    case 'booking_accepted':
    case 'booking_rejected':
      return event.booking.key;
    case 'nights_blocked':
    case 'block_refused':
      return event.block.key;
    default:
      return event.key;
  }
}

function heldBy(event: LedgerEvent): string | null {
  switch (event.type) {
    case 'booking_rejected':
      return event.heldBy;
    case 'booking_reinstated':
      // The stay the kept guest's nights were taken from, cancelled in the same decision.
      return event.cancelled;
    case 'block_refused':
    case 'command_rejected':
      return event.heldBy[0] ?? null;
    default:
      return null;
  }
}

/** The facts as strings, for the audit log. */
export function factsAsDetails(conflict: RaisedConflict): Record<string, string> {
  return conflictDetails(conflict.facts);
}

function dates(stay: StayDates | null) {
  return { check_in: stay ? toEpochDay(stay.checkIn) : null, check_out: stay ? toEpochDay(stay.checkOut) : null };
}

function money(value: Money | null): MoneyRecord | null {
  return value ? { amount_minor: value.amountMinor, currency: value.currency } : null;
}

