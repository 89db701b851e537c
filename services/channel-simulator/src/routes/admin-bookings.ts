import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StayRefusal } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import { announce, expireIfDue, scheduleExpiry } from '../announce';
import type { BookingResponse } from '../api-types';
import { bookStay, cancelStay, changeStay, requestAlteration, updateGuest, type BookingRefusal, type BookingResult } from '../bookings';
import { PLATFORM_CAPABILITIES, supports } from '../capabilities';
import { channelSegment } from '../channels';
import type { NightRange } from '../dates';
import { ApiError, InvalidRequestError, OperationNotSupportedError, ReservationNotFoundError, UnknownRatePlanError, WrongStateError } from '../errors';
import { LIMITS } from '../limits';
import type { Listing, Reservation } from '../listing';
import { DEFAULT_RATE_PLAN_ID } from '../rate-plans';
import { newReservationId } from '../reservation-ids';
import { bookingModification, bookingRequest, guestUpdate, listingIdParam, reservationIdParam } from '../requests';
import { reservationView } from '../views';
import type { RouteContext } from './context';
import { parseInput, requireListing } from './http';

/**
 * Admin: what guests do on the platform. Each change is made on the platform first, then
 * announced to ingest by a signed webhook; the answer carries the reservation and how the
 * delivery went (ingest's status and body, when it was sent). A request to book (where the
 * platform takes them) holds the nights until the host decides or it expires; an alteration
 * request (Airbnb) is announced and waits for the host; the stay moves only when accepted.
 */

type ListingRequest = FastifyRequest<{ Params: { listingId: string } }>;
type ReservationRequest = FastifyRequest<{ Params: { listingId: string; reservationId: string } }>;

export function registerAdminBookings(app: FastifyInstance, context: RouteContext, channel: Channel): void {
  const platform = context.platforms[channel];
  const segment = channelSegment(channel);
  const base = `/admin/${segment}/listings/:listingId/bookings`;

  const listingOf = (request: ListingRequest) => requireListing(platform, parseInput(listingIdParam, request.params.listingId, 'listingId'));
  const reservationOf = (request: ReservationRequest): { listing: Listing; reservation: Reservation } => {
    const listing = listingOf(request);
    const reservationId = parseInput(reservationIdParam, request.params.reservationId, 'reservationId');
    const reservation = listing.reservations.get(reservationId);
    if (!reservation) throw new ReservationNotFoundError(reservationId);
    expireIfDue(context, platform, listing, reservation);
    return { listing, reservation };
  };

  /** Sends the webhook for a change the platform made, and answers with both. */
  const announced = async (listing: Listing, result: BookingResult): Promise<BookingResponse> => {
    if (!result.ok) throw refusalError(result.refusal);
    const webhook = await announce(context, platform, listing, result.reservation, result.event);
    return { reservation: reservationView(channel, result.reservation), webhook };
  };

  /** The dates a change asks for: the stay's own where not given, checked like a booking's. */
  const rangeOf = (reservation: Reservation, body: { check_in?: number | undefined; check_out?: number | undefined }): NightRange => {
    const range = { from: body.check_in ?? reservation.range.from, to: body.check_out ?? reservation.range.to };
    if (range.to <= range.from) throw new InvalidRequestError([{ path: 'check_out', message: 'must be after check_in (check_out is exclusive)' }]);
    if (range.to - range.from > LIMITS.stayNights) throw new InvalidRequestError([{ path: 'check_out', message: `a stay is at most ${LIMITS.stayNights} nights` }]);
    return range;
  };

  app.post(base, async (request: ListingRequest, reply) => {
    const listing = listingOf(request);
    const body = parseInput(bookingRequest, request.body);
    const id = body.reservation_id ?? unusedReservationId();
    if (platform.hasReservation(id)) throw new ApiError(409, 'reservation_exists', `reservation '${id}' already exists on ${segment}`);
    if (body.request && !supports(channel, 'decide_request')) {
      throw new OperationNotSupportedError(segment, 'decide_request', PLATFORM_CAPABILITIES[channel], 'guests book at once here; it takes no requests to book');
    }
    const ratePlanId = body.rate_plan_id ?? DEFAULT_RATE_PLAN_ID;
    if (!listing.calendar.rates.has(ratePlanId)) throw new UnknownRatePlanError(ratePlanId, listing.calendar.rates.ids(), 'rate_plan_id');
    const pendingUntil = body.request ? { expiresAtMs: Date.now() + (body.request_window_ms ?? context.reservations.requestWindowMs) } : undefined;
    const stay = { id, range: { from: body.check_in, to: body.check_out }, guest: body.guest, guestCount: body.guests, ratePlanId, total: body.total, request: pendingUntil };
    const result = bookStay(listing, channel, stay, new Date().toISOString());
    if (result.ok) {
      platform.recordReservation(result.reservation);
      scheduleExpiry(context, platform, listing, result.reservation);
    }
    const answer = await announced(listing, result);
    reply.code(201);
    return answer;
  });

  app.patch(`${base}/:reservationId`, async (request: ReservationRequest) => {
    const { listing, reservation } = reservationOf(request);
    const body = parseInput(bookingModification, request.body);
    return announced(listing, changeStay(listing, channel, reservation, { range: rangeOf(reservation, body), total: body.total }, new Date().toISOString()));
  });

  app.post(`${base}/:reservationId/alteration`, async (request: ReservationRequest, reply) => {
    const { listing, reservation } = reservationOf(request);
    if (!supports(channel, 'decide_alteration')) {
      throw new OperationNotSupportedError(segment, 'decide_alteration', PLATFORM_CAPABILITIES[channel], 'guests cannot ask it for alterations (PATCH the booking to change it directly)');
    }
    const body = parseInput(bookingModification, request.body);
    const answer = await announced(listing, requestAlteration(listing, reservation, { range: rangeOf(reservation, body), total: body.total }, new Date().toISOString()));
    reply.code(201);
    return answer;
  });

  app.post(`${base}/:reservationId/cancel`, async (request: ReservationRequest) => {
    const { listing, reservation } = reservationOf(request);
    const result = cancelStay(listing, channel, reservation, new Date().toISOString());
    if (result.ok) platform.timers.cancel(`expiry:${reservation.id}`);
    return announced(listing, result);
  });

  app.patch(`${base}/:reservationId/guest`, async (request: ReservationRequest) => {
    const { listing, reservation } = reservationOf(request);
    const body = parseInput(guestUpdate, request.body);
    return announced(listing, updateGuest(reservation, body, new Date().toISOString()));
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
      return refusal.state === null
        ? new ApiError(409, refusal.code, `the night of ${refusal.night} is not available on this channel`, { night: refusal.night })
        : new WrongStateError(refusal.code, `the night of ${refusal.night} is not available on this channel`, refusal.state, { night: refusal.night });
    case 'restriction_violated': {
      const detail = { ...refusal.refusal, rate_plan_id: refusal.ratePlanId, ...(refusal.state !== null ? { state: refusal.state } : {}) };
      return new ApiError(422, refusal.code, `${describeRule(refusal.refusal)} (rate plan '${refusal.ratePlanId}')`, detail);
    }
    case 'reservation_cancelled':
      return new WrongStateError(refusal.code, 'the reservation is cancelled', 'cancelled');
    case 'request_closed':
      return new WrongStateError(refusal.code, `the request to book is ${refusal.state}`, refusal.state);
    case 'alteration_not_possible':
      return new WrongStateError(refusal.code, `${refusal.reason} (it is ${refusal.state})`, refusal.state);
    default: {
      const unknown: never = refusal;
      throw new Error(`unknown refusal ${JSON.stringify(unknown)}`);
    }
  }
}

/** The rule a stay broke, in the words a platform shows the guest. */
function describeRule(refusal: StayRefusal): string {
  switch (refusal.rule) {
    case 'stop_sell':
      return `the night of ${refusal.night} is not sold (stop-sell)`;
    case 'closed_to_arrival':
      return `no arrival on ${refusal.night} (closed to arrival)`;
    case 'closed_to_departure':
      return `no departure on ${refusal.night} (closed to departure)`;
    case 'min_stay_arrival':
      return `a stay arriving on ${refusal.night} is at least ${refusal.nights} nights (minimum stay on arrival)`;
    case 'min_stay_through':
      return `a stay through the night of ${refusal.night} is at least ${refusal.nights} nights (minimum stay through)`;
    case 'max_stay':
      return `a stay arriving on ${refusal.night} is at most ${refusal.nights} nights (maximum stay)`;
    default: {
      const unknown: never = refusal;
      throw new Error(`unknown stay rule ${JSON.stringify(unknown)}`);
    }
  }
}
