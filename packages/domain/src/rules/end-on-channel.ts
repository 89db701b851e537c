import type { Channel } from '@cm/schemas';
import type { ReservationAction } from '../decision';
import type { Booking } from '../property-state';

/**
 * How the ledger ends a booking on its own channel: a request to book still waiting for the host
 * is declined (a platform refuses to cancel what it never confirmed); anything else is cancelled
 * as the host.
 */
export function endOnChannel(booking: Booking, channel: Channel, reason: string): ReservationAction {
  const target = { channel, key: booking.key, ref: booking.ref, reason };
  return booking.status === 'PENDING' ? { kind: 'decline_request', ...target } : { kind: 'host_cancel', ...target };
}
