import type { Channel } from '@cm/schemas';
import { Agent, type Dispatcher } from 'undici';
import { parseRatePlans, rateUpdateBody } from './ari-rates';
import { AriReservationClient } from './ari-reservations';
import { callChannel, type CallAnswer, type CallSettings } from './http-call';
import type {
  AvailabilityRange,
  CalendarResult,
  HostDecision,
  OperationResult,
  PushedChannelAdapter,
  PushResult,
  RateCapability,
  RateRange,
  RatesResult,
  ReservationCapability,
  ReservationOperations,
} from './types';

/**
 * A platform with an ARI API (availability, rates and restrictions per night per listing), in
 * the style of Channex and the channel simulator: JSON over HTTP, an acknowledgement id per
 * accepted request, 429 with Retry-After when pacing us, request ids deduped by the platform.
 * Its reservation operations are those its platform offers (ari-reservations.ts has the table).
 */
export class AriApiAdapter implements PushedChannelAdapter, ReservationOperations {
  readonly kind = 'ari_api' as const;
  /** Every ARI API takes prices and stay rules per rate plan and shows them back. */
  readonly rateCapabilities: ReadonlySet<RateCapability> = new Set(['push_rates', 'read_rates']);
  private readonly http: CallSettings;
  private readonly reservations: AriReservationClient;

  constructor(
    readonly channel: Channel,
    /** e.g. http://127.0.0.1:9480/airbnb/api */
    private readonly baseUrl: string,
    timeoutMs: number,
    /** The connection's credentials (API key or token), sent as a Bearer token on every call; null: none. */
    credentials: string | null = null,
    now: () => number = Date.now,
    dispatcher: Dispatcher = keepAlive,
    /** The connection it calls through; null: the channel's own, for a listing whose connection is not known. */
    readonly connectionId: string | null = null,
  ) {
    this.http = { dispatcher, timeoutMs, now, credentials };
    this.reservations = new AriReservationClient(channel, baseUrl, this.http);
  }

  get capabilities(): ReadonlySet<ReservationCapability> {
    return this.reservations.capabilities;
  }

  pushAvailability(listingId: string, ranges: readonly AvailabilityRange[], requestId: string): Promise<PushResult> {
    return this.push(listingId, 'availability', { request_id: requestId, updates: ranges.map((r) => ({ from: r.from, to: r.to, available: r.available })) });
  }

  pushRates(listingId: string, ranges: readonly RateRange[], requestId: string): Promise<PushResult> {
    return this.push(listingId, 'rates', { request_id: requestId, updates: ranges.map(rateUpdateBody) });
  }

  async readRates(listingId: string, from: string, to: string): Promise<RatesResult> {
    const answer = await this.call('GET', `${this.listingUrl(listingId)}/rates?${new URLSearchParams({ from, to })}`);
    if (!answer.ok) return answer.failure;
    const ratePlans = parseRatePlans(answer.body);
    return ratePlans ? { ok: true, ratePlans } : { ok: false, outcome: 'server_error', status: answer.status, retryAfterMs: null, error: 'answered rates it could not read' };
  }

  async readCalendar(listingId: string, from: string, to: string): Promise<CalendarResult> {
    const answer = await this.call('GET', `${this.listingUrl(listingId)}/calendar?${new URLSearchParams({ from, to })}`);
    if (!answer.ok) return answer.failure;
    const body = answer.body as { nights?: { date: string; available: boolean; price: { amount_minor: number; currency: string } | null; min_stay: number | null }[] };
    return { ok: true, nights: (body.nights ?? []).map((n) => ({ date: n.date, available: n.available, price: n.price ?? null, minStay: n.min_stay ?? null })) };
  }

  readReservation(listingId: string, reservationId: string): Promise<OperationResult> {
    return this.reservations.readReservation(listingId, reservationId);
  }

  acknowledge(listingId: string, reservationId: string, revision: number, requestId: string): Promise<OperationResult> {
    return this.reservations.acknowledge(listingId, reservationId, revision, requestId);
  }

  decideRequest(listingId: string, reservationId: string, decision: HostDecision, requestId: string): Promise<OperationResult> {
    return this.reservations.decideRequest(listingId, reservationId, decision, requestId);
  }

  decideAlteration(listingId: string, reservationId: string, decision: HostDecision, requestId: string): Promise<OperationResult> {
    return this.reservations.decideAlteration(listingId, reservationId, decision, requestId);
  }

  hostCancel(listingId: string, reservationId: string, reason: string, requestId: string): Promise<OperationResult> {
    return this.reservations.hostCancel(listingId, reservationId, reason, requestId);
  }

  private async push(listingId: string, what: 'availability' | 'rates', body: unknown): Promise<PushResult> {
    const answer = await this.call('POST', `${this.listingUrl(listingId)}/${what}`, body);
    if (!answer.ok) return answer.failure;
    const ack = (answer.body as { ack_id?: unknown }).ack_id;
    return typeof ack === 'string' ? { ok: true, ack } : { ok: false, outcome: 'server_error', status: answer.status, retryAfterMs: null, error: 'answered without an ack_id' };
  }

  private listingUrl(listingId: string): string {
    return `${this.baseUrl}/listings/${encodeURIComponent(listingId)}`;
  }

  private call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<CallAnswer> {
    return callChannel(this.http, method, url, body);
  }
}

/**
 * Keep-alive connections shared by the adapters of a process. undici's request API rather than
 * fetch: a reconciliation pass of 10,000 calendars peaked at 428 MB resident with fetch (its
 * WHATWG streams allocate per call); see the reconciler's benchmark.
 */
const keepAlive = new Agent({ keepAliveTimeout: 30_000 });
