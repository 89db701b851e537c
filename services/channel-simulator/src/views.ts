import type { WebhookAddress, WebhookAmount } from '@cm/channel-webhooks';
import type { Channel } from '@cm/schemas';
import { channelSegment, type ChannelSegment } from './channels';
import { formatDay, nightsIn, type NightRange } from './dates';
import type { IcalExportRecordView, IcalImportRecordView } from './ical-record';
import type { Listing, Reservation, SyncMode } from './listing';
import { toWireMoney, type Money } from './money';

/** How listings and reservations look on the admin API (never with the webhook secret). */

export interface ListingView {
  readonly channel: ChannelSegment;
  readonly listing_id: string;
  readonly connection_id: string;
  readonly currency: string;
  readonly time_zone: string;
  /** Where this listing's webhooks go; null for an iCal-only listing, which sends none. */
  readonly webhook_url: string | null;
  readonly sync: SyncMode;
  readonly ical: IcalView;
}

/** The listing's iCal sync: the platform's export feed, and (iCal listings) its polls of ours. */
export interface IcalView {
  /** Where the platform serves its export feed of the listing: `/{channel}/ical/{listingId}.ics`. */
  readonly export_path: string;
  readonly export: IcalExportRecordView;
  readonly import: (IcalImportRecordView & { readonly url: string | null; readonly poll_seconds: number }) | null;
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
  readonly rate_plan_id: string;
  readonly total: WebhookAmount | null;
  readonly created_at: string;
  readonly updated_at: string;
  /** A request to book: when it expires unanswered, why it was declined. Null for an instant booking. */
  readonly request: { readonly expires_at: string; readonly decline_reason: string | null } | null;
  /** New dates the guest asked for, waiting for the host. */
  readonly alteration: { readonly check_in: string; readonly check_out: string; readonly total: WebhookAmount | null; readonly requested_at: string } | null;
  readonly cancellation: { readonly by: 'guest' | 'host'; readonly reason: string | null; readonly at: string } | null;
  /** Null on platforms that take no acknowledgements. */
  readonly acknowledgement: AcknowledgementView | null;
}

export interface AcknowledgementView {
  readonly acknowledged_revision: number;
  /** The revision announced and not acknowledged yet, and how often it was re-delivered. */
  readonly pending: { readonly revision: number; readonly event_type: string; readonly since: string; readonly redeliveries: number } | null;
  /** Re-deliveries of every revision of this reservation. */
  readonly redeliveries: number;
}

export function listingView(channel: Channel, listing: Listing, webhookUrl: string | null): ListingView {
  const { connectionId, currency, timeZone, sync } = listing.settings;
  return { channel: channelSegment(channel), listing_id: listing.id, connection_id: connectionId, currency, time_zone: timeZone, webhook_url: webhookUrl, sync, ical: icalView(channel, listing) };
}

function icalView(channel: Channel, listing: Listing): IcalView {
  const { sync, importUrl, icalPollSeconds } = listing.settings;
  return {
    export_path: `/${channelSegment(channel)}/ical/${encodeURIComponent(listing.id)}.ics`,
    export: listing.ical.exportView(),
    import: sync === 'ical' ? { url: importUrl, poll_seconds: icalPollSeconds, ...listing.ical.importView() } : null,
  };
}

export function reservationView(channel: Channel, reservation: Reservation): ReservationView {
  const { guest, alteration, acknowledgement: ack } = reservation;
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
    rate_plan_id: reservation.ratePlanId,
    total: reservation.total,
    created_at: reservation.createdAt,
    updated_at: reservation.updatedAt,
    request: reservation.request ? { expires_at: new Date(reservation.request.expiresAtMs).toISOString(), decline_reason: reservation.request.declineReason } : null,
    alteration: alteration
      ? { check_in: formatDay(alteration.range.from), check_out: formatDay(alteration.range.to), total: alteration.total ?? null, requested_at: alteration.requestedAt }
      : null,
    cancellation: reservation.cancellation ? { ...reservation.cancellation } : null,
    acknowledgement: ack
      ? {
          acknowledged_revision: ack.acknowledgedRevision,
          pending: ack.pending ? { revision: ack.pending.revision, event_type: ack.pending.payload.type, since: ack.pending.since, redeliveries: ack.pending.redeliveries } : null,
          redeliveries: ack.redeliveries,
        }
      : null,
  };
}

/** One night of one rate plan: its price and stay rules as pushed (null: no price, no rule). */
export interface NightTermsView {
  readonly date: string;
  readonly price: Money | null;
  readonly min_stay_arrival: number | null;
  readonly min_stay_through: number | null;
  readonly max_stay: number | null;
  readonly closed_to_arrival: boolean;
  readonly closed_to_departure: boolean;
  readonly stop_sell: boolean;
}

export interface RatePlanNightsView {
  readonly rate_plan_id: string;
  readonly nights: readonly NightTermsView[];
}

/** Every plan of the listing, each night of the range with its terms. */
export function ratePlansView(listing: Listing, range: NightRange): RatePlanNightsView[] {
  const rates = listing.calendar.rates;
  return rates.ids().map((ratePlanId) => ({
    rate_plan_id: ratePlanId,
    nights: rates.read(ratePlanId, range).map(({ day, terms }) => ({
      date: formatDay(day),
      price: terms.price && toWireMoney(terms.price),
      min_stay_arrival: terms.minStayArrival,
      min_stay_through: terms.minStayThrough,
      max_stay: terms.maxStay,
      closed_to_arrival: terms.closedToArrival,
      closed_to_departure: terms.closedToDeparture,
      stop_sell: terms.stopSell,
    })),
  }));
}
