import { createHash } from 'node:crypto';
import { isInvalid, parseCommand } from '@cm/domain';
import type { BookingCommand, BookingCommandType, Channel, ChannelEventType, ChannelInboundEvent } from '@cm/schemas';
import type { DeadLetterReason } from '@cm/service-runtime';
import { horizonProblems } from './booking-horizon';

/** What one channel event becomes: exactly one of these, so nothing is lost or counted twice. */
export type ChannelEventOutcome =
  | { readonly kind: 'command'; readonly command: BookingCommand }
  /** A channel's view of its own calendar changes nothing in the ledger: the reconciler reads it. */
  | { readonly kind: 'calendar_report' }
  | { readonly kind: 'invalid'; readonly reason: DeadLetterReason; readonly problems: readonly string[] };

const COMMAND_TYPES: Readonly<Record<ChannelEventType, BookingCommandType | null>> = {
  RESERVATION_CREATED: 'CREATE_BOOKING',
  RESERVATION_MODIFIED: 'MODIFY_DATES',
  RESERVATION_CANCELLED: 'CHANGE_STATUS',
  RESERVATION_STATUS_CHANGED: 'CHANGE_STATUS',
  GUEST_UPDATED: 'UPDATE_GUEST',
  PRICE_REPORTED: 'REPORT_PRICE',
  AVAILABILITY_REPORTED: null,
  GUEST_DISPUTE_FLAGGED: 'FLAG_DISPUTE',
};

/**
 * The command id of a channel event is derived from the channel, the connection it came through
 * and the platform's event id (unique per platform account at best, so two tenants' events can
 * share one): a platform's retry, a replayed topic and a webhook racing its own retry all name one
 * command, which the arbiter decides once. It stays readable, `AIRBNB:<connection>:<event id>`,
 * with `%` and `:` escaped in the connection id so the parts cannot run into each other.
 */
export function channelCommandId(channel: Channel, connectionId: string, externalEventId: string): string {
  const id = `${channel}:${connectionId.replace(/%/g, '%25').replace(/:/g, '%3A')}:${externalEventId}`;
  return id.length <= 120 ? id : `${channel}:sha256:${createHash('sha256').update(`${connectionId}\n${externalEventId}`).digest('hex')}`;
}

/** Where a channel event lands: the listing's property, through the listing's connection. */
export interface EventListing {
  readonly propertyId: string;
  readonly connectionId: string;
  /** The property's currency: a total in another one is recorded as a currency mismatch. */
  readonly currency: string;
  readonly tenantId: string;
}

/**
 * A channel event of a mapped listing to its booking command, checked by the same parser the
 * arbiter uses, so whatever ingest lets through the arbiter can decide.
 */
export function channelEventToCommand(event: ChannelInboundEvent, listing: EventListing, issuedAt: number): ChannelEventOutcome {
  const commandType = COMMAND_TYPES[event.event_type];
  if (commandType === null) return { kind: 'calendar_report' };
  if (!event.external_reservation_id) return { kind: 'invalid', reason: 'VALIDATION_FAILED', problems: [`external_reservation_id: required for ${event.event_type}`] };
  const status = event.event_type === 'RESERVATION_CANCELLED' ? 'CANCELLED' : event.event_type === 'RESERVATION_CREATED' ? (event.reservation_status ?? 'CONFIRMED') : event.reservation_status;
  const dated = commandType === 'CREATE_BOOKING' || commandType === 'MODIFY_DATES';
  const command: BookingCommand = {
    command_id: channelCommandId(event.channel, listing.connectionId, event.external_event_id),
    property_id: listing.propertyId,
    source: event.channel,
    source_version: event.source_version,
    command_type: commandType,
    booking_ref: event.external_reservation_id,
    booking_source: null,
    status: commandType === 'CHANGE_STATUS' || commandType === 'CREATE_BOOKING' ? status : null,
    check_in: dated ? event.check_in : null,
    check_out: dated ? event.check_out : null,
    price: commandType === 'CREATE_BOOKING' || commandType === 'REPORT_PRICE' ? event.total_price : null,
    pms_quote: null,
    rate_plan: commandType === 'CREATE_BOOKING' || commandType === 'REPORT_PRICE' ? event.rate_plan : null,
    guest: commandType === 'CREATE_BOOKING' || commandType === 'UPDATE_GUEST' ? event.guest : null,
    reason: commandType === 'FLAG_DISPUTE' ? event.dispute_reason : null,
    occurred_at: event.occurred_at,
    issued_at: issuedAt,
    reply_requested: false,
    correlation_id: event.correlation_id || event.event_id,
    actor: null,
    property_currency: listing.currency,
    guest_count: commandType === 'CREATE_BOOKING' ? event.guest_count : null,
    tenant_id: listing.tenantId,
    cancels_stay: null,
    alteration_request: commandType === 'MODIFY_DATES' && event.alteration_request,
  };
  const parsed = parseCommand(command);
  const problems = [...(isInvalid(parsed) ? parsed.problems : []), ...horizonProblems(command, issuedAt)];
  return problems.length > 0 ? { kind: 'invalid', reason: 'VALIDATION_FAILED', problems } : { kind: 'command', command };
}
