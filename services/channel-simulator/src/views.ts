import type { WebhookAddress, WebhookAmount } from '@cm/channel-webhooks';
import type { Channel } from '@cm/schemas';
import { channelSegment, type ChannelSegment } from './channels';
import { formatDay, nightsIn } from './dates';
import type { Listing, Reservation } from './listing';

/** How listings and reservations look on the admin API (never with the webhook secret). */

export interface ListingView {
  readonly channel: ChannelSegment;
  readonly listing_id: string;
  readonly connection_id: string;
  readonly currency: string;
  readonly time_zone: string;
  /** Where this listing's webhooks go. */
  readonly webhook_url: string;
}

export interface ReservationView {
  readonly id: string;
  readonly listing_id: string;
  readonly channel: ChannelSegment;
  readonly state: Reservation['state'];
  readonly status_word: string;
  readonly check_in: string;
  readonly check_out: string;
  readonly nights: number;
  readonly revision: number;
  readonly guest: { readonly name: string | null; readonly email: string | null; readonly phone: string | null; readonly address: WebhookAddress | null; readonly language: string | null; readonly updated_at: string };
  readonly guest_count: number | null;
  readonly total: WebhookAmount | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export function listingView(channel: Channel, listing: Listing, webhookUrl: string): ListingView {
  const { connectionId, currency, timeZone } = listing.settings;
  return { channel: channelSegment(channel), listing_id: listing.id, connection_id: connectionId, currency, time_zone: timeZone, webhook_url: webhookUrl };
}

export function reservationView(channel: Channel, reservation: Reservation): ReservationView {
  const { guest } = reservation;
  return {
    id: reservation.id,
    listing_id: reservation.listingId,
    channel: channelSegment(channel),
    state: reservation.state,
    status_word: reservation.statusWord,
    check_in: formatDay(reservation.range.from),
    check_out: formatDay(reservation.range.to),
    nights: nightsIn(reservation.range),
    revision: reservation.revision,
    guest: { name: guest.name, email: guest.email, phone: guest.phone, address: guest.address, language: guest.language, updated_at: guest.updatedAt },
    guest_count: reservation.guestCount,
    total: reservation.total,
    created_at: reservation.createdAt,
    updated_at: reservation.updatedAt,
  };
}
