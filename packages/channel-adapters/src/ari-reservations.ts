import type { Channel } from '@cm/schemas';
import { callChannel, type CallAnswer, type CallSettings } from './http-call';
import {
  CHANNEL_RESERVATION_STATES,
  type ChannelReservation,
  type ChannelReservationState,
  type HostDecision,
  type OperationResult,
  type ReservationCapability,
  type ReservationOperations,
} from './types';

/**
 * What each platform's API lets a host's software do to a reservation, as the real APIs do (the
 * channel simulator offers the same; a test holds the two tables together):
 *
 * | channel     | acknowledge | decide_request | decide_alteration | host_cancel | read_reservation |
 * | ----------- | ----------- | -------------- | ----------------- | ----------- | ---------------- |
 * | AIRBNB      |             | yes            | yes               | yes         | yes              |
 * | BOOKING_COM | yes         | yes            |                   |             | yes              |
 * | VRBO        |             | yes            |                   | yes         |                  |
 * | EXPEDIA     | yes         |                |                   |             | yes              |
 *
 * - Airbnb: requests to book are accepted or declined within 24 h (then they expire), guests'
 *   alteration requests are accepted or declined through software, hosts cancel with a reason,
 *   reservations are read by code; it pushes reservations and keeps no acknowledgement queue.
 * - Booking.com: new, modified and cancelled reservations stay queued until acknowledged
 *   (OTA_HotelResNotif / OTA_HotelResModifyNotif), else they fall back to e-mail; the Request to
 *   Book API (eligible homes) approves or rejects within 24 h; one reservation is retrievable by
 *   id. No host cancellation (the Reporting API only reports no-shows and invalid cards), no
 *   alteration requests (date changes arrive as modifications).
 * - Vrbo: Quote & Hold requests are confirmed or declined within 24 h; the owner cancels with a
 *   reason. The host's software holds Vrbo bookings (Vrbo reads them from it), so there is no
 *   acknowledgement queue and nothing to read back; guests cannot ask for alterations.
 * - Expedia: Booking Retrieval + Booking Confirmation: reservations, modifications and
 *   cancellations wait for a confirmation (else they fall back to e-mail); one booking is read by
 *   id. No request to book, no alteration request, no cancellation by the hotel through the API.
 */
export const ARI_RESERVATION_CAPABILITIES: Readonly<Record<Channel, readonly ReservationCapability[]>> = {
  AIRBNB: ['decide_request', 'decide_alteration', 'host_cancel', 'read_reservation'],
  BOOKING_COM: ['acknowledge', 'decide_request', 'read_reservation'],
  VRBO: ['decide_request', 'host_cancel'],
  EXPEDIA: ['acknowledge', 'read_reservation'],
};

/**
 * The reservation operations of a platform API in the simulator's (Channex-like) style: JSON under
 * `{base}/listings/{listing}/reservations/{reservation}`, the request id in the body, a wrong-state
 * refusal as 409 with the reservation's `state`, a missing operation as 405 `operation_not_supported`.
 */
export class AriReservationClient implements ReservationOperations {
  readonly capabilities: ReadonlySet<ReservationCapability>;

  constructor(
    readonly channel: Channel,
    /** e.g. http://127.0.0.1:9480/airbnb/api */
    private readonly baseUrl: string,
    private readonly http: CallSettings,
  ) {
    this.capabilities = new Set(ARI_RESERVATION_CAPABILITIES[channel]);
  }

  readReservation(listingId: string, reservationId: string): Promise<OperationResult> {
    return this.run('read_reservation', 'GET', this.url(listingId, reservationId));
  }

  acknowledge(listingId: string, reservationId: string, revision: number, requestId: string): Promise<OperationResult> {
    return this.run('acknowledge', 'POST', `${this.url(listingId, reservationId)}/acknowledge`, { request_id: requestId, revision });
  }

  decideRequest(listingId: string, reservationId: string, decision: HostDecision, requestId: string): Promise<OperationResult> {
    return this.run('decide_request', 'POST', `${this.url(listingId, reservationId)}/booking-request`, decisionBody(decision, requestId));
  }

  decideAlteration(listingId: string, reservationId: string, decision: HostDecision, requestId: string): Promise<OperationResult> {
    return this.run('decide_alteration', 'POST', `${this.url(listingId, reservationId)}/alteration`, decisionBody(decision, requestId));
  }

  hostCancel(listingId: string, reservationId: string, reason: string, requestId: string): Promise<OperationResult> {
    return this.run('host_cancel', 'POST', `${this.url(listingId, reservationId)}/cancel`, { request_id: requestId, reason });
  }

  private async run(capability: ReservationCapability, method: 'GET' | 'POST', url: string, body?: unknown): Promise<OperationResult> {
    if (!this.capabilities.has(capability)) {
      return { ok: false, outcome: 'unsupported', status: null, retryAfterMs: null, error: `${this.channel} offers no ${capability} through its API`, code: 'operation_not_supported' };
    }
    return classify(await callChannel(this.http, method, url, body));
  }

  private url(listingId: string, reservationId: string): string {
    return `${this.baseUrl}/listings/${encodeURIComponent(listingId)}/reservations/${encodeURIComponent(reservationId)}`;
  }
}

function decisionBody(decision: HostDecision, requestId: string): Record<string, unknown> {
  if (decision.accept) return { request_id: requestId, decision: 'accept' };
  return { request_id: requestId, decision: 'decline', ...(decision.reason !== null ? { reason: decision.reason } : {}) };
}

/** An answer as an operation's outcome: the reservation after it, a conflict with the state, or a classified failure. */
function classify(answer: CallAnswer): OperationResult {
  if (answer.ok) {
    const { operation_id: ack, reservation } = answer.body as { operation_id?: unknown; reservation?: unknown };
    const parsed = parseReservation(reservation);
    if (!parsed) return { ok: false, outcome: 'server_error', status: answer.status, retryAfterMs: null, error: 'answered without a reservation it could read', code: null };
    return { ok: true, ack: typeof ack === 'string' ? ack : null, reservation: parsed };
  }
  const { failure, problem } = answer;
  const { error: code, state, reservation } = (typeof problem === 'object' && problem !== null ? problem : {}) as { error?: unknown; state?: unknown; reservation?: unknown };
  const errorCode = typeof code === 'string' ? code : null;
  const channelState = typeof state === 'string' ? stateOf(state) : null;
  if (failure.status === 409 && channelState !== null) {
    return { ok: false, outcome: 'conflict', status: 409, retryAfterMs: null, error: failure.error, code: errorCode, state: channelState, reservation: parseReservation(reservation) };
  }
  if ((failure.status === 404 || failure.status === 405) && errorCode === 'operation_not_supported') {
    return { ok: false, outcome: 'unsupported', status: failure.status, retryAfterMs: null, error: failure.error, code: errorCode };
  }
  return { ...failure, code: errorCode };
}

/** The simulator says `active` for a confirmed stay; every other state word is ours already. */
function stateOf(word: string): ChannelReservationState | null {
  if (word === 'active') return 'confirmed';
  return (CHANNEL_RESERVATION_STATES as readonly string[]).includes(word) ? (word as ChannelReservationState) : null;
}

interface ReservationBody {
  id?: unknown;
  listing_id?: unknown;
  state?: unknown;
  revision?: unknown;
  check_in?: unknown;
  check_out?: unknown;
  request?: { expires_at?: unknown } | null;
  alteration?: { check_in?: unknown; check_out?: unknown } | null;
  cancellation?: { by?: unknown } | null;
  acknowledgement?: { acknowledged_revision?: unknown; pending?: { revision?: unknown } | null; redeliveries?: unknown } | null;
}

function parseReservation(value: unknown): ChannelReservation | null {
  if (typeof value !== 'object' || value === null) return null;
  const body = value as ReservationBody;
  const state = typeof body.state === 'string' ? stateOf(body.state) : null;
  if (typeof body.id !== 'string' || typeof body.listing_id !== 'string' || state === null || typeof body.revision !== 'number') return null;
  if (typeof body.check_in !== 'string' || typeof body.check_out !== 'string') return null;
  const alteration = body.alteration;
  const ack = body.acknowledgement;
  const by = body.cancellation?.by;
  return {
    id: body.id,
    listingId: body.listing_id,
    state,
    revision: body.revision,
    checkIn: body.check_in,
    checkOut: body.check_out,
    requestExpiresAt: typeof body.request?.expires_at === 'string' ? body.request.expires_at : null,
    alteration: alteration && typeof alteration.check_in === 'string' && typeof alteration.check_out === 'string' ? { checkIn: alteration.check_in, checkOut: alteration.check_out } : null,
    cancelledBy: by === 'guest' || by === 'host' ? by : null,
    acknowledgement: ack
      ? {
          acknowledgedRevision: typeof ack.acknowledged_revision === 'number' ? ack.acknowledged_revision : 0,
          pendingRevision: typeof ack.pending?.revision === 'number' ? ack.pending.revision : null,
          redeliveries: typeof ack.redeliveries === 'number' ? ack.redeliveries : 0,
        }
      : null,
  };
}
