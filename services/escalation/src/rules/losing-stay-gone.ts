import { ChannelSymbols, type BookingEvent, type Channel } from '@cm/schemas';

/** The commands a resolution sends to cancel the losing booking (cancel_stay, and relocate once accepted). */
const RESOLUTION_CANCEL = /^review:[0-9a-f-]{36}:(cancel_stay|relocate)$/;

/**
 * What a booking event says of a channel reservation being gone from its channel, for the
 * losing-reservation gauges (TaskStore.losingReservationsConfirmed):
 * - `cancelled_on_channel`: the channel itself reported the stay CANCELLED (its guest, or the host
 *   in its extranet), whatever the ledger held before;
 * - `already_cancelled`: a resolution's own cancellation of it was ignored by the ledger because the
 *   stay was cancelled already, so no host cancellation will be asked for or land.
 * A cancellation the PMS made (a resolution, the PMS API) is not: it asks the channel for a host
 * cancellation, which is gone only once that lands (or a person resolves its SYNC_FAILED task).
 */
export type LosingStayGone =
  | { readonly kind: 'gone'; readonly how: 'cancelled_on_channel' | 'already_cancelled'; readonly channel: Channel; readonly ref: string }
  | { readonly kind: 'ignore'; readonly reason: 'not_a_channel_stay' | 'not_cancelled' | 'host_cancellation_pending' | 'not_a_cancellation' };

export function losingStayGoneOf(event: Pick<BookingEvent, 'event_type' | 'source' | 'booking_source' | 'booking_ref' | 'status' | 'reason' | 'command_id'>): LosingStayGone {
  const channel = event.booking_source;
  if (!(ChannelSymbols as readonly string[]).includes(channel)) return { kind: 'ignore', reason: 'not_a_channel_stay' };
  if (event.status !== 'CANCELLED') return { kind: 'ignore', reason: 'not_cancelled' };
  const type = event.event_type;
  switch (type) {
    case 'BOOKING_STATUS_CHANGED':
      return event.source === channel ? { kind: 'gone', how: 'cancelled_on_channel', channel: channel as Channel, ref: event.booking_ref } : { kind: 'ignore', reason: 'host_cancellation_pending' };
    case 'COMMAND_IGNORED':
      // no_change: CANCELLED already; cancellation_is_final: the same, said by the relocation's close.
      return RESOLUTION_CANCEL.test(event.command_id) && (event.reason === 'no_change' || event.reason === 'cancellation_is_final')
        ? { kind: 'gone', how: 'already_cancelled', channel: channel as Channel, ref: event.booking_ref }
        : { kind: 'ignore', reason: 'not_a_cancellation' };
    case 'BOOKING_ACCEPTED':
    case 'BOOKING_REJECTED':
    case 'BOOKING_DATES_CHANGED':
    case 'BOOKING_PRICE_CHANGED':
    case 'NIGHTS_BLOCKED':
    case 'NIGHTS_UNBLOCKED':
    case 'GUEST_UPDATED':
    case 'DISPUTE_FLAGGED':
    case 'COMMAND_REJECTED':
      return { kind: 'ignore', reason: 'not_a_cancellation' };
    /* istanbul ignore next -- unreachable */
    default:
      return type satisfies never;
  }
}
