import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Channel } from '@cm/schemas';
import { announce, expireIfDue } from '../announce';
import type { ReservationOperationResponse, ReservationReadResponse } from '../api-types';
import { PLATFORM_CAPABILITIES, supports, type ReservationOperation } from '../capabilities';
import { channelSegment } from '../channels';
import { OperationNotSupportedError, ReservationNotFoundError } from '../errors';
import { acknowledgeRevision, decideAlteration, decideRequest, hostCancel, type HostResult } from '../host-operations';
import type { Listing, Reservation } from '../listing';
import type { ChannelPlatform, OperationAnswer } from '../platform';
import { requestFingerprint } from '../request-ledger';
import { acknowledgeRequest, alterationDecision, bookingRequestDecision, hostCancellation, listingIdParam, reservationIdParam } from '../requests';
import { reservationView } from '../views';
import type { RouteContext } from './context';
import { passFaults } from './fault-gate';
import { countedErrors, parseInput, requireApiListing } from './http';

/**
 * The platform API's reservation operations, what the host's software calls once our pipeline
 * decided: read one reservation, acknowledge a revision, accept or decline a request to book or an
 * alteration, cancel as the host. Like the ARI endpoints they go through the channel's faults and
 * are counted; an operation the platform lacks answers 405 before anything else. A request_id
 * answers its first answer again (a success or a wrong-state 409) without acting twice.
 */

type ReservationRequest = FastifyRequest<{ Params: { listingId: string; reservationId: string } }>;

/** Why a platform lacks an operation, in the words of its real API (see capabilities.ts). */
const WHY_NOT: Readonly<Record<ReservationOperation, string>> = {
  acknowledge: 'it does not queue reservations for acknowledgement',
  decide_request: 'it takes no requests to book',
  decide_alteration: 'guests cannot ask it for alterations; changes arrive as modifications',
  host_cancel: 'a host cannot cancel through its API',
  read_reservation: 'it does not serve reservations to the host software',
};

export function registerPlatformReservations(app: FastifyInstance, context: RouteContext, channel: Channel): void {
  const platform = context.platforms[channel];
  const base = `/${channelSegment(channel)}/api/listings/:listingId/reservations/:reservationId`;

  /** Capability, faults, listing and reservation, in that order; null when the call was answered already. */
  const admit = async (operation: ReservationOperation, request: ReservationRequest, reply: FastifyReply): Promise<{ listing: Listing; reservation: Reservation } | null> => {
    const listingId = parseInput(listingIdParam, request.params.listingId, 'listingId');
    if (!supports(channel, operation)) throw new OperationNotSupportedError(channelSegment(channel), operation, PLATFORM_CAPABILITIES[channel], WHY_NOT[operation]);
    if (!(await passFaults(context, platform, operation, listingId, request, reply))) return null;
    const listing = requireApiListing(platform, listingId, request);
    const reservationId = parseInput(reservationIdParam, request.params.reservationId, 'reservationId');
    const reservation = listing.reservations.get(reservationId);
    if (!reservation) throw new ReservationNotFoundError(reservationId);
    expireIfDue(context, platform, listing, reservation);
    return { listing, reservation };
  };

  /** Registers a write operation: its body schema and the rule it applies. */
  const operation = <S extends z.ZodType<{ request_id: string }>>(
    path: string,
    name: Exclude<ReservationOperation, 'read_reservation'>,
    schema: S,
    apply: (listing: Listing, reservation: Reservation, body: z.output<S>, nowIso: string) => HostResult,
  ) => {
    app.post(`${base}/${path}`, { errorHandler: countedErrors(context, platform, name) }, async (request: ReservationRequest, reply) => {
      const admitted = await admit(name, request, reply);
      if (!admitted) return reply;
      const { listing, reservation } = admitted;
      const body = parseInput(schema, request.body);
      const { request_id: requestId, ...content } = body;
      const answer = once(platform, name, requestId, requestFingerprint(name, listing.id, { reservation: reservation.id, ...content }), () => {
        const result = apply(listing, reservation, body, new Date().toISOString());
        if (!result.ok) {
          const { code, message, state, night } = result.refusal;
          return { status: 409, body: { error: code, message, state, ...(night ? { night } : {}), reservation: reservationView(channel, reservation) } };
        }
        if (result.event) void announce(context, platform, listing, reservation, result.event);
        const ok: ReservationOperationResponse = { operation_id: `op_${randomUUID()}`, request_id: requestId, operation: name, reservation: reservationView(channel, reservation) };
        return { status: 200, body: ok };
      });
      return reply.code(answer.status).send(answer.body);
    });
  };

  app.get(base, { errorHandler: countedErrors(context, platform, 'read_reservation') }, async (request: ReservationRequest, reply) => {
    const admitted = await admit('read_reservation', request, reply);
    if (!admitted) return reply;
    platform.stats.countCall('read_reservation', 'ok');
    const answer: ReservationReadResponse = { reservation: reservationView(channel, admitted.reservation) };
    return answer;
  });

  operation('acknowledge', 'acknowledge', acknowledgeRequest, (listing, reservation, body) => {
    const result = acknowledgeRevision(listing, reservation, body.revision);
    if (result.ok && !reservation.acknowledgement?.pending) platform.timers.cancel(`ack:${reservation.id}`);
    return result;
  });

  operation('booking-request', 'decide_request', bookingRequestDecision, (listing, reservation, body, nowIso) => {
    const result = decideRequest(listing, channel, reservation, body.decision === 'accept' ? { accept: true } : { accept: false, reason: body.reason ?? null }, nowIso);
    if (result.ok) platform.timers.cancel(`expiry:${reservation.id}`);
    return result;
  });

  operation('alteration', 'decide_alteration', alterationDecision, (listing, reservation, body, nowIso) =>
    decideAlteration(listing, channel, reservation, body.decision === 'accept' ? { accept: true } : { accept: false, reason: body.reason ?? null }, nowIso),
  );

  operation('cancel', 'host_cancel', hostCancellation, (listing, reservation, body, nowIso) => hostCancel(listing, channel, reservation, body.reason, nowIso));
}

/**
 * Runs an operation once per request_id: a replay (same id, same content) gets the first answer
 * back and acts no more; the same id with other content is refused. Successes and wrong-state
 * refusals are remembered; faults and invalid requests never reach here, so their retries act.
 */
function once(platform: ChannelPlatform, name: ReservationOperation, requestId: string, fingerprint: string, act: () => OperationAnswer): OperationAnswer {
  const previous = platform.operationRequests.answered(requestId, fingerprint);
  if (previous) {
    platform.stats.countCall(name, 'duplicate');
    return previous;
  }
  const answer = act();
  platform.operationRequests.remember(requestId, fingerprint, answer);
  platform.stats.countCall(name, answer.status < 300 ? 'ok' : 'rejected');
  return answer;
}
