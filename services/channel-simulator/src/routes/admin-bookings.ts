import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Channel } from '@cm/schemas';
import type { BookingResponse } from '../api-types';
import { bookStay, cancelStay, changeStay, updateGuest, type BookingRefusal, type BookingResult } from '../bookings';
import { channelSegment } from '../channels';
import { ApiError, InvalidRequestError, ReservationNotFoundError } from '../errors';
import { LIMITS } from '../limits';
import type { Listing, Reservation } from '../listing';
import { newReservationId } from '../reservation-ids';
import { bookingModification, bookingRequest, guestUpdate, listingIdParam, reservationIdParam } from '../requests';
import { reservationView } from '../views';
import { reservationWebhook } from '../webhook-payload';
import type { RouteContext } from './context';
import { parseInput, requireListing } from './http';

/**
 * Admin: what guests do on the platform. Each change is made on the platform first, then
 * announced to ingest by a signed webhook; the answer carries the reservation and how the
 * delivery went (ingest's status and body, when it was sent).
 */

type ListingRequest = FastifyRequest<{ Params: { listingId: string } }>;
type ReservationRequest = FastifyRequest<{ Params: { listingId: string; reservationId: string } }>;

export function registerAdminBookings(app: FastifyInstance, context: RouteContext, channel: Channel): void {
  const platform = context.platforms[channel];
  const segment = channelSegment(channel);
  const base = `/admin/${segment}/listings/:listingId/bookings`;
  const defaultWebhookUrl = `${context.ingestUrl}/webhooks/${segment}`;

  const listingOf = (request: ListingRequest) => requireListing(platform, parseInput(listingIdParam, request.params.listingId, 'listingId'));
  const reservationOf = (request: ReservationRequest): { listing: Listing; reservation: Reservation } => {
    const listing = listingOf(request);
    const reservationId = parseInput(reservationIdParam, request.params.reservationId, 'reservationId');
    const reservation = listing.reservations.get(reservationId);
    if (!reservation) throw new ReservationNotFoundError(reservationId);
    return { listing, reservation };
  };

  /** Sends the webhook for a change the platform made, and answers with both. */
  const announce = async (listing: Listing, result: BookingResult): Promise<BookingResponse> => {
    if (!result.ok) throw refusalError(result.refusal);
    const { reservation, event } = result;
    const payload = reservationWebhook(event, reservation, new Date().toISOString());
    const settings = listing.settings;
    const target = { url: settings.webhookUrl ?? defaultWebhookUrl, connectionId: settings.connectionId, secret: settings.secret };
    const webhook = await context.webhooks.deliver(target, payload);
    platform.stats.countWebhook(webhook.outcome, webhook.attempts);
    return { reservation: reservationView(channel, reservation), webhook };
  };

  app.post(base, async (request: ListingRequest, reply) => {
    const listing = listingOf(request);
    const body = parseInput(bookingRequest, request.body);
    const id = body.reservation_id ?? unusedReservationId();
    if (platform.hasReservation(id)) throw new ApiError(409, 'reservation_exists', `reservation '${id}' already exists on ${segment}`);
    const result = bookStay(listing, channel, { id, range: { from: body.check_in, to: body.check_out }, guest: body.guest, guestCount: body.guests, total: body.total }, new Date().toISOString());
    if (result.ok) platform.recordReservation(result.reservation);
    const answer = await announce(listing, result);
    reply.code(201);
    return answer;
  });

  app.patch(`${base}/:reservationId`, async (request: ReservationRequest) => {
    const { listing, reservation } = reservationOf(request);
    const body = parseInput(bookingModification, request.body);
    const range = { from: body.check_in ?? reservation.range.from, to: body.check_out ?? reservation.range.to };
    if (range.to <= range.from) throw new InvalidRequestError([{ path: 'check_out', message: 'must be after check_in (check_out is exclusive)' }]);
    if (range.to - range.from > LIMITS.stayNights) throw new InvalidRequestError([{ path: 'check_out', message: `a stay is at most ${LIMITS.stayNights} nights` }]);
    return announce(listing, changeStay(listing, channel, reservation, { range, total: body.total }, new Date().toISOString()));
  });

  app.post(`${base}/:reservationId/cancel`, async (request: ReservationRequest) => {
    const { listing, reservation } = reservationOf(request);
    return announce(listing, cancelStay(listing, channel, reservation, new Date().toISOString()));
  });

  app.patch(`${base}/:reservationId/guest`, async (request: ReservationRequest) => {
    const { listing, reservation } = reservationOf(request);
    const body = parseInput(guestUpdate, request.body);
    return announce(listing, updateGuest(reservation, body, new Date().toISOString()));
  });

  function unusedReservationId(): string {
    for (;;) {
      const id = newReservationId(channel);
      if (!platform.hasReservation(id)) return id;
    }
  }
}

function refusalError(refusal: BookingRefusal): ApiError {
  switch (refusal.code) {
    case 'nights_unavailable':
      return new ApiError(409, refusal.code, `the night of ${refusal.night} is not available on this channel`, { night: refusal.night });
    case 'reservation_cancelled':
      return new ApiError(409, refusal.code, 'the reservation is cancelled');
    default: {
      const unknown: never = refusal;
      throw new Error(`unknown refusal ${JSON.stringify(unknown)}`);
    }
  }
}
