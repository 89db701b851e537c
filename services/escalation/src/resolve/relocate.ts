import { isInvalid, parseCommand, toEpochDay } from '@cm/domain';
import type { BookingCommand, BookingEvent } from '@cm/schemas';
import { losingStayOf, pmsCommand, type ResolveRequest, type TaskForResolution } from './actions';

export type RelocateRequest = Extract<ResolveRequest, { action: 'relocate' }>;
export type WithdrawRequest = Extract<ResolveRequest, { action: 'withdraw_relocation' }>;

/**
 * Relocating the losing guest of an overbooking is two steps, each a command for the ledger:
 * 1. a PMS CREATE_BOOKING on the other property for the losing stay's dates (this module), its id
 *    and booking ref derived from the task and the property, so a retry is the same command;
 * 2. once the ledger has accepted that booking (its BOOKING_ACCEPTED on booking.events), the
 *    losing booking is cancelled as cancel_stay does (resolutionOf's `relocate`), which closes the
 *    task. A refusal (the nights are held there) leaves the task unresolved and the loser alone.
 * The conflict carries no guest details: the booking carries the dates, the guest count when the
 * operator gives it, and a reason naming the relocated reservation.
 * A relocation the ledger ignored (COMMAND_IGNORED, say booking_already_exists) is refused like one
 * it refused. One it has not decided may be withdrawn by an operator (withdraw_relocation): its
 * booking is cancelled by a PMS command that follows it on the same partition, so a late
 * acceptance is undone in the ledger, and the task is open for another resolution.
 */
export function relocationBookingOf(task: TaskForResolution, request: RelocateRequest, nowMs: number): { kind: 'command'; command: BookingCommand } | { kind: 'refused'; code: string; detail: string } {
  const loser = losingStayOf(task);
  if (!loser) return { kind: 'refused', code: 'not_an_overbooking', detail: 'only an overbooking task names a losing guest to relocate' };
  if (request.property_id === task.propertyId) return { kind: 'refused', code: 'same_property', detail: 'relocate the guest to another property than the overbooked one' };
  const command: BookingCommand = {
    ...pmsCommand(task, request.operator, nowMs, 'relocation'),
    command_id: relocationCommandId(task.taskId, request.property_id),
    property_id: request.property_id,
    booking_ref: relocationBookingRef(task.taskId),
    booking_source: null,
    command: {
      kind: 'CREATE_BOOKING',
      status: 'CONFIRMED',
      check_in: toEpochDay(loser.checkIn),
      check_out: toEpochDay(loser.checkOut),
      price: null,
      pms_quote: null,
      rate_plan: null,
      guest: null,
      property_currency: null,
      guest_count: request.guest_count ?? null,
      reason: `relocation of ${loser.key} from ${task.propertyId} (overbooking, review task ${task.taskId}, by ${request.operator})`.slice(0, 2_000),
    },
  };
  const parsed = parseCommand(command);
  if (isInvalid(parsed)) return { kind: 'refused', code: 'invalid_command', detail: parsed.problems.join('; ').slice(0, 500) };
  return { kind: 'command', command };
}

/** The cancellation of a withdrawn relocation's booking, on the property it was asked of. */
export function relocationWithdrawalOf(
  task: TaskForResolution,
  relocation: { readonly propertyId: string; readonly bookingRef: string },
  request: WithdrawRequest,
  nowMs: number,
): { kind: 'command'; command: BookingCommand } | { kind: 'refused'; code: string; detail: string } {
  const command: BookingCommand = {
    ...pmsCommand(task, request.operator, nowMs, 'withdraw_relocation'),
    command_id: `review:${task.taskId}:withdraw_relocation:${relocation.propertyId}`,
    property_id: relocation.propertyId,
    booking_ref: relocation.bookingRef,
    booking_source: 'PMS',
    command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: `relocation withdrawn (review task ${task.taskId}, by ${request.operator})`.slice(0, 2_000) },
  };
  const parsed = parseCommand(command);
  if (isInvalid(parsed)) return { kind: 'refused', code: 'invalid_command', detail: parsed.problems.join('; ').slice(0, 500) };
  return { kind: 'command', command };
}

const RELOCATION_COMMAND = /^review:[0-9a-f-]{36}:relocation:/;

export function relocationCommandId(taskId: string, propertyId: string): string {
  return `review:${taskId}:relocation:${propertyId}`;
}

/** The PMS reference of the relocation booking: one per task, whichever property takes the guest. */
export function relocationBookingRef(taskId: string): string {
  return `relocation-${taskId}`;
}

/** What the ledger's booking event says of a relocation booking, if it is about one. */
export type RelocationDecision =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly reason: string; readonly conflictingRef: string | null }
  | { readonly kind: 'ignore'; readonly reason: 'not_a_relocation' | 'not_a_decision' };

export function relocationDecisionOf(event: Pick<BookingEvent, 'command_id' | 'event_type' | 'reason' | 'conflicting_ref'>): RelocationDecision {
  if (!RELOCATION_COMMAND.test(event.command_id)) return { kind: 'ignore', reason: 'not_a_relocation' };
  const type = event.event_type;
  switch (type) {
    case 'BOOKING_ACCEPTED':
      return { kind: 'accepted' };
    case 'BOOKING_REJECTED':
    case 'COMMAND_REJECTED':
      return { kind: 'refused', reason: event.reason ?? 'refused', conflictingRef: event.conflicting_ref };
    // The arbiter decides a command id once (a replay publishes nothing), so an ignored relocation
    // booking (booking_already_exists, ...) was never booked: refused, its reason in the history.
    case 'COMMAND_IGNORED':
      return { kind: 'refused', reason: `ignored by the ledger: ${event.reason ?? 'no reason given'}`, conflictingRef: event.conflicting_ref };
    case 'BOOKING_DATES_CHANGED':
    case 'BOOKING_STATUS_CHANGED':
    case 'BOOKING_PRICE_CHANGED':
    case 'NIGHTS_BLOCKED':
    case 'NIGHTS_UNBLOCKED':
    case 'GUEST_UPDATED':
    case 'DISPUTE_FLAGGED':
      return { kind: 'ignore', reason: 'not_a_decision' };
    /* istanbul ignore next -- unreachable */
    default:
      return type satisfies never;
  }
}
