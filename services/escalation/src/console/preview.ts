import { fromEpochDay } from '@cm/domain';
import type { BookingCommand } from '@cm/schemas';
import { resolutionOf, type ResolveRequest, type TaskForResolution } from '../resolve/actions';
import { relocationBookingOf } from '../resolve/relocate';
import type { TaskRow } from '../store/task-store';

/** What the confirm step shows: what the action will do, worked out by the resolution rules themselves. */
export type ActionPreview =
  | { readonly kind: 'will'; readonly steps: readonly string[]; readonly commands: readonly BookingCommand[] }
  | { readonly kind: 'refused'; readonly code: string; readonly detail: string };

/**
 * Previews a resolution with the very functions the review desk applies (resolutionOf,
 * relocationBookingOf), so what the operator confirms is what happens; the desk still decides
 * when it is confirmed (a pending relocation or another operator's resolution can refuse it then).
 */
export function previewResolution(task: TaskRow, tenantId: string, request: ResolveRequest, nowMs: number): ActionPreview {
  const subject: TaskForResolution = { taskId: task.task_id, tenantId, propertyId: task.property_id, bookingRef: task.booking_ref, details: task.details };
  switch (request.action) {
    case 'relocate': {
      const booking = relocationBookingOf(subject, request, nowMs);
      if (booking.kind === 'refused') return booking;
      return {
        kind: 'will',
        steps: [
          describeCommand(booking.command),
          `Once the ledger accepts it, the losing reservation is cancelled on its channel and the task closes; if the ledger refuses it (the nights are held on ${request.property_id}), the task stays open.`,
        ],
        commands: [booking.command],
      };
    }
    case 'withdraw_relocation':
      return { kind: 'will', steps: ['Cancels the booking of the relocation still waiting for the ledger, on the property it was asked of; the task stays open for another resolution.'], commands: [] };
    case 'dismiss':
    case 'repush_availability':
    case 'cancel_stay':
    case 'accept_channel_price':
    case 'keep_channel_guest': {
      const resolution = resolutionOf(subject, request, nowMs);
      if (resolution.kind === 'refused') return resolution;
      if (resolution.kind === 'record_only') {
        const why =
          request.action === 'repush_availability'
            ? 'No command is sent: the sync-dispatcher pushes what the ledger holds on every change, and the reconciler corrects drift.'
            : 'Nothing is sent to the ledger or to any channel.';
        return { kind: 'will', steps: [`Closes the task as ${request.action}, recorded with your name and note.`, why], commands: [] };
      }
      return { kind: 'will', steps: [describeCommand(resolution.command), 'Closes the task, recorded with your name; the command goes to the ledger right after.'], commands: [resolution.command] };
    }
    /* istanbul ignore next -- unreachable */
    default:
      return request satisfies never;
  }
}

/** A ledger command in an operator's words. */
export function describeCommand(command: BookingCommand): string {
  const stay = `${command.booking_source ?? 'PMS'}:${command.booking_ref} on ${command.property_id}`;
  const body = command.command;
  switch (body.kind) {
    case 'CHANGE_STATUS': {
      const keeps = body.keeps ? `, cancelling ${body.keeps.cancels_stay} for the nights ${fromEpochDay(body.keeps.check_in)} to ${fromEpochDay(body.keeps.check_out)} in the same decision` : '';
      const onChannel = body.status === 'CANCELLED' && command.booking_source && command.booking_source !== 'PMS' ? ` (the ledger cancels it on ${command.booking_source} as the host)` : '';
      return `Tells the ledger to set ${stay} to ${body.status}${keeps}${onChannel}.`;
    }
    case 'REPORT_PRICE':
      return `Tells the ledger the reviewed price of ${stay} is ${body.price.amount_minor} ${body.price.currency} in minor units (cents for EUR), as the channel shows it.`;
    case 'CREATE_BOOKING':
      return `Books ${fromEpochDay(body.check_in)} to ${fromEpochDay(body.check_out)} on ${command.property_id} as the direct booking ${command.booking_ref}${body.guest_count ? ` for ${body.guest_count} guests` : ''}.`;
    default:
      return `Sends ${body.kind} for ${stay}.`;
  }
}
