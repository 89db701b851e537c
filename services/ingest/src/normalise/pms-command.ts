import { ARI_RESERVATION_CAPABILITIES } from '@cm/channel-adapters';
import { isInvalid, parseCommand, toEpochDay, type LocalDate } from '@cm/domain';
import type { BookingCommand, GuestDetails, Money, Source } from '@cm/schemas';
import type { z } from 'zod';
import type { cancelBookingBody, createBlockBody, createBookingBody, guestBody, modifyBookingBody, updateGuestBody } from '../http/pms-schemas';
import { toMinorUnits } from './amounts';
import { toGuestDetails } from './guest-details';
import { horizonProblems } from './booking-horizon';
import { asFieldProblem, type FieldProblem, type Normalised } from './field-problems';

/** A PMS API write, already schema-checked: what the caller asked for, about which stay. */
export type PmsWrite =
  | { readonly kind: 'create_booking'; readonly reference: string; readonly body: z.infer<typeof createBookingBody> }
  | { readonly kind: 'modify_booking'; readonly reference: string; readonly body: z.infer<typeof modifyBookingBody> }
  | { readonly kind: 'cancel_booking'; readonly reference: string; readonly body: z.infer<typeof cancelBookingBody> }
  | { readonly kind: 'update_guest'; readonly reference: string; readonly body: z.infer<typeof updateGuestBody> }
  | { readonly kind: 'create_block'; readonly reference: string; readonly body: z.infer<typeof createBlockBody> }
  | { readonly kind: 'remove_block'; readonly reference: string };

export interface PmsCommandContext {
  readonly propertyId: string;
  readonly propertyCurrency: string;
  readonly tenantId: string;
  readonly commandId: string;
  readonly correlationId: string;
  readonly nowMs: number;
}

/**
 * A PMS write to its booking command (source PMS, a caller waiting for the decision), checked by
 * the arbiter's own parser and for dates no property manager means.
 */
export function pmsWriteToCommand(write: PmsWrite, context: PmsCommandContext): Normalised<BookingCommand> {
  const problems: FieldProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const body = write.kind === 'remove_block' ? {} : write.body;
  const base: Omit<BookingCommand, 'command'> = {
    command_id: context.commandId,
    property_id: context.propertyId,
    tenant_id: context.tenantId,
    source: 'PMS',
    source_version: ('revision' in body && body.revision !== undefined ? body.revision : undefined) ?? context.nowMs,
    booking_ref: write.reference,
    booking_source: null,
    occurred_at: context.nowMs,
    issued_at: context.nowMs,
    reply_requested: true,
    correlation_id: context.correlationId,
    actor: null,
  };
  const dates = (b: { check_in: string; check_out: string }) => ({ check_in: toEpochDay(b.check_in as LocalDate), check_out: toEpochDay(b.check_out as LocalDate) });

  let command: BookingCommand;
  switch (write.kind) {
    case 'create_booking': {
      let price: Money | null = null;
      if (write.body.total) {
        const parsed = toMinorUnits(write.body.total.amount, write.body.total.currency);
        if (typeof parsed === 'string') problems.push({ path: 'total', message: parsed });
        else price = parsed;
      }
      const guest = write.body.guest ? toGuestDetails(write.body.guest, context.nowMs, 'guest', problem) : null;
      command = {
        ...base,
        command: { kind: 'CREATE_BOOKING', status: write.body.status, ...dates(write.body), price, pms_quote: price, rate_plan: write.body.rate_plan ?? null, guest, property_currency: context.propertyCurrency, guest_count: write.body.guest_count ?? null, reason: null },
      };
      break;
    }
    case 'modify_booking':
      command = { ...base, booking_source: bookingSourceOf(write.body.source), command: { kind: 'MODIFY_DATES', ...dates(write.body), alteration_request: false } };
      break;
    case 'cancel_booking':
      command = { ...base, booking_source: bookingSourceOf(write.body.source), command: { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: null } };
      break;
    case 'update_guest':
      command = { ...base, command: { kind: 'UPDATE_GUEST', guest: toGuestDetails(write.body, context.nowMs, 'guest', problem) } };
      break;
    case 'create_block':
      command = { ...base, command: { kind: 'BLOCK_NIGHTS', ...dates(write.body), reason: write.body.reason } };
      break;
    case 'remove_block':
      command = { ...base, command: { kind: 'UNBLOCK_NIGHTS' } };
      break;
  }
  const parsed = parseCommand(command);
  if (isInvalid(parsed)) problems.push(...parsed.problems.map(asFieldProblem));
  problems.push(...horizonProblems(command, context.nowMs).map(asFieldProblem));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: command };
}

/**
 * A change to a channel's reservation that its platform's API cannot carry out (422): the ledger
 * would move a stay, or open nights, that the guest still holds on the platform. Made on the
 * channel instead, it reaches the ledger from there.
 */
export function impossibleOnChannel(write: PmsWrite): FieldProblem | null {
  switch (write.kind) {
    case 'modify_booking':
      return write.body.source === 'PMS' ? null : { path: 'source', message: `no platform lets the host change a reservation's dates through its API: change it on ${write.body.source}, and the change reaches the ledger from there` };
    case 'cancel_booking':
      return write.body.source === 'PMS' || ARI_RESERVATION_CAPABILITIES[write.body.source].includes('host_cancel')
        ? null
        : { path: 'source', message: `${write.body.source} offers no cancellation by the host through its API: cancel the reservation in its extranet, and the cancellation reaches the ledger from there` };
    default:
      return null;
  }
}

/** A command names its booking's source only when it is not the command's own (the PMS). */
function bookingSourceOf(source: Source): Source | null {
  return source === 'PMS' ? null : source;
}
