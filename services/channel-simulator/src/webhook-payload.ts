import { randomUUID } from 'node:crypto';
import type { ChannelWebhookPayload } from '@cm/channel-webhooks';
import type { ReservationEventType } from './bookings';
import { formatDay } from './dates';
import type { Reservation } from './listing';

/**
 * The JSON the platform posts to ingest about a reservation, per the `channelWebhookPayload`
 * contract. The event id is random (unique across runs too), and a retried delivery reuses it.
 */
export function reservationWebhook(type: ReservationEventType, reservation: Reservation, occurredAt: string): ChannelWebhookPayload {
  return {
    event_id: `evt_${randomUUID()}`,
    type,
    listing_id: reservation.listingId,
    occurred_at: occurredAt,
    reservation: {
      id: reservation.id,
      revision: reservation.revision,
      status: reservation.statusWord,
      check_in: formatDay(reservation.range.from),
      check_out: formatDay(reservation.range.to),
      total: reservation.total,
      guest_count: reservation.guestCount,
      guest: {
        name: reservation.guest.name,
        email: reservation.guest.email,
        phone: reservation.guest.phone,
        address: reservation.guest.address,
        language: reservation.guest.language,
        updated_at: reservation.guest.updatedAt,
      },
      // The dates a guest asked for, while the request waits for the host.
      ...(reservation.alteration && {
        alteration: { check_in: formatDay(reservation.alteration.range.from), check_out: formatDay(reservation.alteration.range.to), total: reservation.alteration.total ?? null },
      }),
    },
  };
}
