import type { ChangeStatus } from '../commands';
import type { Decision } from '../decision';
import { channelOf, holdsNights, staysHolding, type Booking, type PropertyState, type StayKey } from '../property-state';
import { sameDates, sharesANight, subtractNights, type StayDates } from '../stay-dates';
import { endOnChannel } from './end-on-channel';
import { applied, ignored, rejected, seen } from './outcomes';

/**
 * An operator resolves an overbooking by keeping the channel's guest: in one decision the stay
 * that won is cancelled and the rejected channel booking holds its nights again, so those nights
 * never open on any channel in between. Refused if the kept booking was not rejected, if its
 * dates are not the ones the operator saw, or if a stay other than the cancelled one holds any of
 * its nights now. The cancelled stay, if a channel's, is ended there (declined if still a request,
 * else cancelled as the host).
 */
export function decideKeepGuest(state: PropertyState, command: ChangeStatus, booking: Booking, keeps: { readonly cancels: StayKey; readonly dates: StayDates }): Decision {
  if (booking.status !== 'REJECTED') return ignored(state, command, booking.key, booking.status === 'CONFIRMED' || booking.status === 'PENDING' ? 'no_change' : 'cancellation_is_final');
  const cancelled = state.stays.get(keeps.cancels);
  if (!cancelled || !holdsNights(cancelled) || !sameDates(booking.dates, keeps.dates)) return ignored(state, command, booking.key, 'unknown_booking');
  // A stay that moved off the kept guest's nights since the task was opened is not cancelled for them.
  if (!sharesANight(cancelled.dates, booking.dates)) return ignored(state, command, booking.key, 'stays_do_not_overlap');
  const others = staysHolding(state, booking.dates, booking.key).filter((s) => s.key !== cancelled.key);
  if (others.length > 0) return rejected(state, command, booking.key, 'nights_unavailable', others.map((s) => s.key), [], null);

  const keptChannel = channelOf(booking.source);
  const cancelledChannel = cancelled.kind === 'booking' ? channelOf(cancelled.source) : null;
  return applied(state, command, { type: 'booking_reinstated', key: booking.key, cancelled: cancelled.key, versions: seen(booking, command) }, {
    pushes: [
      // The kept guest's nights stay closed everywhere but its own channel (which holds them already).
      { dates: booking.dates, available: false, reason: 'BOOKING', exceptChannel: keptChannel },
      // The cancelled stay's other nights open.
      ...subtractNights(cancelled.dates, booking.dates).map((dates) => ({ dates, available: true, reason: 'CANCELLATION' as const, exceptChannel: null })),
    ],
    actions: cancelled.kind === 'booking' && cancelledChannel ? [endOnChannel(cancelled, cancelledChannel, `the operator kept the guest of ${booking.key}`)] : [],
  });
}
