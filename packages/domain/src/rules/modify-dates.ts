import type { ModifyDates } from '../commands';
import type { Decision } from '../decision';
import { channelOf, staysHolding, type Booking, type PropertyState } from '../property-state';
import { formatStay, subtractNights } from '../stay-dates';
import { applied, ignored, rejected, seen } from './outcomes';

/**
 * 5.1 date change rows. A change is applied only if every new night is free, not counting the
 * booking itself. From the booking's channel: accepted and synced to the other channels, or
 * rejected for review (5.2: requested dates unavailable). From the PMS: it wins over the channel's
 * dates and is synced to every channel including the booking's own; if the nights are held it is
 * refused (nothing may double-book), and the PMS user is told at once. A guest's alteration
 * request (the channel waits for the host) changes nothing yet: the answer is the decision, and the
 * channel's modification after an accept moves the stay.
 */
export function decideModifyDates(state: PropertyState, command: ModifyDates, booking: Booking): Decision {
  if (booking.status === 'CANCELLED') return ignored(state, command, booking.key, 'cancellation_is_final');
  if (booking.status === 'REJECTED') return ignored(state, command, booking.key, 'booking_was_rejected');
  if (command.source !== 'PMS' && command.source !== booking.source) {
    return rejected(state, command, booking.key, 'not_booking_source', [], [], null);
  }
  if (booking.dates.checkIn === command.dates.checkIn && booking.dates.checkOut === command.dates.checkOut) {
    return ignored(state, command, booking.key, 'no_change');
  }

  const byPms = command.source === 'PMS';
  const holders = staysHolding(state, command.dates, booking.key);
  if (holders.length > 0) {
    return rejected(state, command, booking.key, 'nights_unavailable', holders.map((h) => h.key), [
      {
        facts: { type: 'DATE_MODIFICATION', key: booking.key, requested: command.dates, requestedBy: byPms ? 'pms' : 'channel', heldBy: holders.map((h) => h.key) },
        resolution: 'REJECTED_INCOMING',
        rule: byPms ? '5.1 date change, PMS' : '5.1 date change, channel',
        channel: channelOf(booking.source),
        summary: `${booking.key}: ${command.source} asked to move ${formatStay(booking.dates)} to ${formatStay(command.dates)}, held by ${holders.map((h) => h.key).join(', ')}`,
      },
    ], seen(booking, command));
  }

  // The guest only asks; the channel moves the reservation once the host accepts, and tells us.
  if (command.alterationRequest) return ignored(state, command, booking.key, 'alteration_to_accept');

  const exceptChannel = channelOf(command.source);
  const bookingChannel = channelOf(booking.source);
  return applied(
    state,
    command,
    { type: 'booking_dates_changed', key: booking.key, dates: command.dates, previous: booking.dates, versions: seen(booking, command) },
    {
      pushes: [
        ...subtractNights(command.dates, booking.dates).map((dates) => ({ dates, available: false, reason: 'DATE_CHANGE' as const, exceptChannel })),
        ...subtractNights(booking.dates, command.dates).map((dates) => ({ dates, available: true, reason: 'DATE_CHANGE' as const, exceptChannel })),
      ],
      actions: byPms && bookingChannel ? [{ kind: 'change_dates', channel: bookingChannel, key: booking.key, ref: booking.ref, dates: command.dates }] : [],
    },
  );
}
