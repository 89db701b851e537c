import { createHash } from 'node:crypto';
import { assertNever, FIRST_EPOCH_DAY, fromEpochDay, isInvalid, LAST_EPOCH_DAY, MAX_NIGHTS, parseCommand, type StayDates } from '@cm/domain';
import type { BookingCommand, BookingStatus, Channel, ChannelEventType, ChannelInboundEvent, Money } from '@cm/schemas';
import type { DeadLetterReason } from '@cm/service-runtime';
import { horizonProblems } from './booking-horizon';

/** What one channel event becomes: exactly one of these, so nothing is lost or counted twice. */
export type ChannelEventOutcome =
  | {
      readonly kind: 'command';
      readonly command: BookingCommand;
      /**
       * A channel's modification carrying a total is also a price report (5.1 price (existing)):
       * its REPORT_PRICE, with the PMS quote for the new dates, written right after the date
       * change so the arbiter decides it second. Null for every other event.
       */
      readonly priceReport: BookingCommand | null;
    }
  /** A channel's view of its own calendar changes nothing in the ledger: the reconciler reads it. */
  | { readonly kind: 'calendar_report' }
  | { readonly kind: 'invalid'; readonly reason: DeadLetterReason; readonly problems: readonly string[] };

const COMMAND_TYPES: Readonly<Record<ChannelEventType, BookingCommand['command']['kind'] | null>> = {
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
export function channelCommandId(channel: Channel, connectionId: string, externalEventId: string, part: 'event' | 'price_report' = 'event'): string {
  // A modification's price report: `<channel>+price:...`, which no event's own command id starts with.
  const prefix = part === 'price_report' ? `${channel}+price` : channel;
  const id = `${prefix}:${connectionId.replace(/%/g, '%25').replace(/:/g, '%3A')}:${externalEventId}`;
  return id.length <= 120 ? id : `${prefix}:sha256:${createHash('sha256').update(`${connectionId}\n${externalEventId}`).digest('hex')}`;
}

/**
 * The nights a channel event's total is compared over with the PMS quote: a new reservation's,
 * or a modification's new dates when it carries a total. Not a guest's alteration request (its
 * total is still the reservation's, not one for the dates asked for), and not dates the command
 * would refuse anyway.
 */
export function stayToQuote(event: ChannelInboundEvent): StayDates | null {
  const quoted = event.event_type === 'RESERVATION_CREATED' || (event.event_type === 'RESERVATION_MODIFIED' && event.total_price !== null && !event.alteration_request);
  if (!quoted || event.check_in === null || event.check_out === null) return null;
  const { check_in: checkIn, check_out: checkOut } = event;
  if (checkIn < FIRST_EPOCH_DAY || checkOut > LAST_EPOCH_DAY || checkOut <= checkIn || checkOut - checkIn > MAX_NIGHTS) return null;
  return { checkIn: fromEpochDay(checkIn), checkOut: fromEpochDay(checkOut) };
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
 * arbiter uses, so whatever ingest lets through the arbiter can decide. `pmsQuote` is the PMS
 * quote of `stayToQuote(event)`, when there is one: a new reservation carries it, and so does a
 * modification's price report.
 */
export function channelEventToCommand(event: ChannelInboundEvent, listing: EventListing, issuedAt: number, pmsQuote: Money | null): ChannelEventOutcome {
  const commandType = COMMAND_TYPES[event.event_type];
  if (commandType === null) return { kind: 'calendar_report' };
  if (!event.external_reservation_id) return { kind: 'invalid', reason: 'VALIDATION_FAILED', problems: [`external_reservation_id: required for ${event.event_type}`] };
  const status = event.event_type === 'RESERVATION_CANCELLED' ? 'CANCELLED' : event.event_type === 'RESERVATION_CREATED' ? (event.reservation_status ?? 'CONFIRMED') : event.reservation_status;
  const variant = commandOf(commandType, event, status, listing.currency, pmsQuote);
  if (!variant.ok) return { kind: 'invalid', reason: 'VALIDATION_FAILED', problems: variant.problems };
  const command: BookingCommand = {
    command_id: channelCommandId(event.channel, listing.connectionId, event.external_event_id),
    property_id: listing.propertyId,
    tenant_id: listing.tenantId,
    source: event.channel,
    source_version: event.source_version,
    booking_ref: event.external_reservation_id,
    booking_source: null,
    occurred_at: event.occurred_at,
    issued_at: issuedAt,
    reply_requested: false,
    correlation_id: event.correlation_id || event.event_id,
    actor: null,
    command: variant.command,
  };
  const priceReport: BookingCommand | null =
    event.event_type === 'RESERVATION_MODIFIED' && event.total_price !== null && !event.alteration_request
      ? {
          ...command,
          command_id: channelCommandId(event.channel, listing.connectionId, event.external_event_id, 'price_report'),
          command: { kind: 'REPORT_PRICE', price: event.total_price, rate_plan: event.rate_plan, pms_quote: pmsQuote },
        }
      : null;
  const problems = [command, ...(priceReport ? [priceReport] : [])].flatMap((c) => {
    const parsed = parseCommand(c);
    return [...(isInvalid(parsed) ? parsed.problems : []), ...horizonProblems(c, issuedAt)];
  });
  return problems.length > 0 ? { kind: 'invalid', reason: 'VALIDATION_FAILED', problems: [...new Set(problems)] } : { kind: 'command', command, priceReport };
}

/** The commands an event's outcome writes, in the order the arbiter must decide them. */
export function commandsOf(outcome: Extract<ChannelEventOutcome, { kind: 'command' }>): BookingCommand[] {
  return outcome.priceReport ? [outcome.command, outcome.priceReport] : [outcome.command];
}

/** The command a channel event asks for, or what it lacks for it (an event's fields are all optional). */
function commandOf(kind: BookingCommand['command']['kind'], event: ChannelInboundEvent, status: BookingStatus | null, propertyCurrency: string, pmsQuote: Money | null): { ok: true; command: BookingCommand['command'] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const need = <T>(value: T | null, field: string): T => {
    if (value === null) problems.push(`${field}: required for ${kind}`);
    return value as T;
  };
  const result = (command: BookingCommand['command']) => (problems.length > 0 ? { ok: false as const, problems } : { ok: true as const, command });
  switch (kind) {
    case 'CREATE_BOOKING':
      return result({
        kind,
        status: need(status, 'status'),
        check_in: need(event.check_in, 'check_in'),
        check_out: need(event.check_out, 'check_out'),
        price: event.total_price,
        pms_quote: pmsQuote,
        rate_plan: event.rate_plan,
        guest: event.guest,
        property_currency: propertyCurrency,
        guest_count: event.guest_count,
        reason: null,
      });
    case 'MODIFY_DATES':
      return result({ kind, check_in: need(event.check_in, 'check_in'), check_out: need(event.check_out, 'check_out'), alteration_request: event.alteration_request });
    case 'CHANGE_STATUS':
      return result({ kind, status: need(status, 'status'), keeps: null, reason: null });
    case 'UPDATE_GUEST':
      return result({ kind, guest: need(event.guest, 'guest') });
    case 'REPORT_PRICE':
      return result({ kind, price: need(event.total_price, 'price'), rate_plan: event.rate_plan, pms_quote: null });
    case 'FLAG_DISPUTE':
      return result({ kind, reason: event.dispute_reason });
    case 'BLOCK_NIGHTS':
    case 'UNBLOCK_NIGHTS':
      // Blocks are the PMS's: no channel event maps to them.
      return { ok: false, problems: [`event_type: a channel does not ${kind === 'BLOCK_NIGHTS' ? 'block' : 'unblock'} nights`] };
    default:
      return assertNever(kind);
  }
}
