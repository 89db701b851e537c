import type { ChangeStatus } from '../commands';
import type { Decision } from '../decision';
import { channelOf, HOLDING_STATUSES, type Booking, type PropertyState } from '../property-state';
import { endOnChannel } from './end-on-channel';
import { decideKeepGuest } from './keep-guest';
import { applied, ignored, rejected, seen } from './outcomes';

/**
 * 5.1 status rows.
 * - Cancellation (or a rejection by the source) wins over any other status, from any source, and
 *   is final: the nights open on every other channel; a later non-final status is ignored.
 * - Other statuses of a channel booking are the channel's: it updates the PMS; a PMS change is refused.
 * - Other statuses of a direct booking are the PMS's: a channel's change is refused.
 * - A source's older change than the ledger has seen from it never applies (checked before this).
 */
export function decideChangeStatus(state: PropertyState, command: ChangeStatus, booking: Booking): Decision {
  const incoming = command.status;
  if (booking.status === incoming) return ignored(state, command, booking.key, 'no_change');
  const fromChannel = channelOf(command.source);

  if (booking.status === 'CANCELLED') {
    return ignored(state, command, booking.key, 'cancellation_is_final', [
      {
        facts: { type: 'STATUS_MISMATCH', key: booking.key, ledgerStatus: booking.status, incomingStatus: incoming, winner: booking.source },
        resolution: 'KEPT_LEDGER',
        rule: '5.1 status (cancellation)',
        channel: fromChannel,
        summary: `${booking.key} is cancelled; ${command.source}'s ${incoming} is not applied`,
      },
    ]);
  }
  if (command.keeps) return decideKeepGuest(state, command, booking, command.keeps);
  if (booking.status === 'REJECTED' && HOLDING_STATUSES.has(incoming)) return ignored(state, command, booking.key, 'booking_was_rejected');

  if (!HOLDING_STATUSES.has(incoming)) {
    const freesNights = HOLDING_STATUSES.has(booking.status);
    const bookingChannel = channelOf(booking.source);
    return applied(
      state,
      command,
      { type: 'booking_status_changed', key: booking.key, status: incoming, previous: booking.status, versions: seen(booking, command) },
      {
        pushes: freesNights ? [{ dates: booking.dates, available: true, reason: 'CANCELLATION', exceptChannel: fromChannel }] : [],
        // A cancellation the booking's channel did not make is made there, by the host (a waiting request is declined).
        actions: bookingChannel && bookingChannel !== fromChannel ? [endOnChannel(booking, bookingChannel, `${incoming.toLowerCase()} by ${command.source}`)] : [],
      },
    );
  }

  if (command.source !== booking.source) {
    const rule = booking.source === 'PMS' ? '5.1 status (other), direct booking' : '5.1 status (other), channel booking';
    return rejected(state, command, booking.key, 'status_set_by_booking_source', [], [
      {
        facts: { type: 'STATUS_MISMATCH', key: booking.key, ledgerStatus: booking.status, incomingStatus: incoming, winner: booking.source },
        resolution: 'KEPT_LEDGER',
        rule,
        channel: fromChannel ?? channelOf(booking.source),
        summary: `${booking.key}: ${booking.source} sets its status (${booking.status}); ${command.source}'s ${incoming} refused`,
      },
    ], seen(booking, command));
  }
  return applied(state, command, { type: 'booking_status_changed', key: booking.key, status: incoming, previous: booking.status, versions: seen(booking, command) });
}
