import type { Channel } from '@cm/schemas';
import type {
  Ack,
  AcknowledgeRequest,
  AlterationDecision,
  AlterationRequest,
  AlterationRequestResponse,
  AvailabilityRequest,
  BookingModification,
  BookingRequest,
  BookingRequestDecision,
  BookingResponse,
  DeliveryReport,
  CalendarResponse,
  CapabilitiesResponse,
  ChannelSegment,
  ErrorBody,
  FaultPlanInput,
  FaultsView,
  GuestUpdate,
  HostCancellation,
  IcalPollResponse,
  ListingFeed,
  ListingRegistration,
  ListingStatsResponse,
  ListingView,
  RatePlansResponse,
  RatesRequest,
  RatesResponse,
  ReservationOperationResponse,
  ReservationReadResponse,
  ReservationsResponse,
  ReservationView,
  StatsResponse,
  TruthCalendarResponse,
} from './api-types';
import { SimulatorApiError, SimulatorUnreachableError } from './errors';

/**
 * A typed client of the channel simulator: the platform API the sync-dispatcher and reconciler
 * call, and the admin API tests, the demo and benchmarks drive. Every call resolves with the
 * status and either the value or the error body, so callers handle 429/5xx as they would a real
 * platform's; `requireOk` turns a refusal into a SimulatorApiError. Only a call that got no
 * answer at all (connection refused or destroyed, timeout) rejects, with SimulatorUnreachableError.
 */

export type SimulatorResponse<T> =
  | { readonly ok: true; readonly status: number; readonly value: T }
  | { readonly ok: false; readonly status: number; readonly error: ErrorBody; readonly retryAfterSeconds: number | null };

/** What the iCal export answered: the body as text (an error's JSON on a 4xx/5xx) and its validators. */
export interface IcalFeedResponse {
  readonly status: number;
  readonly text: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly contentType: string | null;
}

/** A channel as the schemas spell it (`BOOKING_COM`) or as the routes do (`booking_com`). */
export type ChannelName = Channel | ChannelSegment;

export interface SimulatorClientOptions {
  /** Per call; default 30 s. */
  readonly timeoutMs?: number;
}

export class SimulatorClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: SimulatorClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  // The platform API.

  pushAvailability(channel: ChannelName, listingId: string, request: AvailabilityRequest): Promise<SimulatorResponse<Ack>> {
    return this.call('POST', `${apiPath(channel, listingId)}/availability`, request);
  }

  /** Prices and stay rules per rate plan (the default plan where an update names none). */
  pushRates(channel: ChannelName, listingId: string, request: RatesRequest): Promise<SimulatorResponse<Ack>> {
    return this.call('POST', `${apiPath(channel, listingId)}/rates`, request);
  }

  /** Every rate plan's terms for the nights `[from, to)`, at most 366. */
  readRates(channel: ChannelName, listingId: string, from: string, to: string): Promise<SimulatorResponse<RatesResponse>> {
    return this.call('GET', `${apiPath(channel, listingId)}/rates?${new URLSearchParams({ from, to })}`);
  }

  /** Nights `[from, to)`, at most 366. */
  readCalendar(channel: ChannelName, listingId: string, from: string, to: string): Promise<SimulatorResponse<CalendarResponse>> {
    return this.call('GET', `${apiPath(channel, listingId)}/calendar?${new URLSearchParams({ from, to })}`);
  }

  // The platform API: operations on one reservation (a 409 carries the reservation's `state`).

  readReservation(channel: ChannelName, listingId: string, reservationId: string): Promise<SimulatorResponse<ReservationReadResponse>> {
    return this.call('GET', reservationApiPath(channel, listingId, reservationId));
  }

  /** Acknowledges every revision up to `revision` (Booking.com, Expedia). */
  acknowledge(channel: ChannelName, listingId: string, reservationId: string, body: AcknowledgeRequest): Promise<SimulatorResponse<ReservationOperationResponse>> {
    return this.call('POST', `${reservationApiPath(channel, listingId, reservationId)}/acknowledge`, body);
  }

  /** Accepts or declines a request to book (a decline needs a reason). */
  decideRequest(channel: ChannelName, listingId: string, reservationId: string, body: BookingRequestDecision): Promise<SimulatorResponse<ReservationOperationResponse>> {
    return this.call('POST', `${reservationApiPath(channel, listingId, reservationId)}/booking-request`, body);
  }

  decideAlteration(channel: ChannelName, listingId: string, reservationId: string, body: AlterationDecision): Promise<SimulatorResponse<ReservationOperationResponse>> {
    return this.call('POST', `${reservationApiPath(channel, listingId, reservationId)}/alteration`, body);
  }

  hostCancel(channel: ChannelName, listingId: string, reservationId: string, body: HostCancellation): Promise<SimulatorResponse<ReservationOperationResponse>> {
    return this.call('POST', `${reservationApiPath(channel, listingId, reservationId)}/cancel`, body);
  }

  // The admin API: listings and what the platform really holds.

  registerListing(channel: ChannelName, listingId: string, registration: ListingRegistration): Promise<SimulatorResponse<ListingView>> {
    return this.call('PUT', adminListingPath(channel, listingId), registration);
  }

  getListing(channel: ChannelName, listingId: string): Promise<SimulatorResponse<ListingView>> {
    return this.call('GET', adminListingPath(channel, listingId));
  }

  /** Creates a rate plan on the listing (201; 200 if it exists), so ARI updates and bookings may name it. */
  createRatePlan(channel: ChannelName, listingId: string, ratePlanId: string): Promise<SimulatorResponse<RatePlansResponse>> {
    return this.call('PUT', `${adminListingPath(channel, listingId)}/rate-plans/${encodeURIComponent(ratePlanId)}`);
  }

  ratePlans(channel: ChannelName, listingId: string): Promise<SimulatorResponse<RatePlansResponse>> {
    return this.call('GET', `${adminListingPath(channel, listingId)}/rate-plans`);
  }

  /** Every rate plan's terms without faults. */
  trueRates(channel: ChannelName, listingId: string, from: string, to: string): Promise<SimulatorResponse<RatesResponse>> {
    return this.call('GET', `${adminListingPath(channel, listingId)}/rates?${new URLSearchParams({ from, to })}`);
  }

  /** The calendar without faults, with why each night is closed. */
  trueCalendar(channel: ChannelName, listingId: string, from: string, to: string): Promise<SimulatorResponse<TruthCalendarResponse>> {
    return this.call('GET', `${adminListingPath(channel, listingId)}/calendar?${new URLSearchParams({ from, to })}`);
  }

  /** The platform reports its calendar of [from, to) to ingest (a signed availability.reported webhook). */
  reportCalendar(channel: ChannelName, listingId: string, from: string, to: string): Promise<SimulatorResponse<{ listing_id: string; nights: number; webhook: DeliveryReport }>> {
    return this.call('POST', `${adminListingPath(channel, listingId)}/calendar-report`, { from, to });
  }

  reservations(channel: ChannelName, listingId: string): Promise<SimulatorResponse<ReservationsResponse>> {
    return this.call('GET', `${adminListingPath(channel, listingId)}/reservations`);
  }

  /** One reservation as the platform holds it: its state, request, alteration and acknowledgements. */
  reservation(channel: ChannelName, listingId: string, reservationId: string): Promise<SimulatorResponse<ReservationView>> {
    return this.call('GET', `${adminListingPath(channel, listingId)}/reservations/${encodeURIComponent(reservationId)}`);
  }

  /** The listing's reservation counters: requests, alterations, host cancellations, acknowledgements, re-deliveries. */
  listingStats(channel: ChannelName, listingId: string): Promise<SimulatorResponse<ListingStatsResponse>> {
    return this.call('GET', `${adminListingPath(channel, listingId)}/stats`);
  }

  /** The data an iCal export of the listing shows (stays and host blocks). */
  feed(channel: ChannelName, listingId: string): Promise<SimulatorResponse<ListingFeed>> {
    return this.call('GET', `${adminListingPath(channel, listingId)}/feed`);
  }

  // iCal: the platform's export feed, and its polls of ours.

  /** The platform's export feed of the listing, as a calendar client fetches it (a conditional GET when validators are given). */
  async icalFeed(channel: ChannelName, listingId: string, conditions: { ifNoneMatch?: string; ifModifiedSince?: string } = {}): Promise<IcalFeedResponse> {
    const url = `${this.baseUrl}/${segmentOf(channel)}/ical/${encodeURIComponent(listingId)}.ics`;
    try {
      const response = await fetch(url, {
        headers: {
          ...(conditions.ifNoneMatch === undefined ? {} : { 'if-none-match': conditions.ifNoneMatch }),
          ...(conditions.ifModifiedSince === undefined ? {} : { 'if-modified-since': conditions.ifModifiedSince }),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { status: response.status, text: await response.text(), etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified'), contentType: response.headers.get('content-type') };
    } catch (cause) {
      throw new SimulatorUnreachableError(`GET ${url}`, { cause });
    }
  }

  /** The platform polls the listing's import_url now (an iCal listing), and answers how it went. */
  pollIcal(channel: ChannelName, listingId: string): Promise<SimulatorResponse<IcalPollResponse>> {
    return this.call('POST', `${adminListingPath(channel, listingId)}/ical/poll`);
  }

  // The admin API: guests acting on the platform (each answer carries the webhook's delivery report).

  createBooking(channel: ChannelName, listingId: string, booking: BookingRequest): Promise<SimulatorResponse<BookingResponse>> {
    return this.call('POST', `${adminListingPath(channel, listingId)}/bookings`, booking);
  }

  modifyBooking(channel: ChannelName, listingId: string, reservationId: string, change: BookingModification): Promise<SimulatorResponse<BookingResponse>> {
    return this.call('PATCH', bookingPath(channel, listingId, reservationId), change);
  }

  /** The guest asks the host for new dates (Airbnb); nothing changes until the host accepts. */
  requestAlteration(channel: ChannelName, listingId: string, reservationId: string, change: AlterationRequest): Promise<SimulatorResponse<AlterationRequestResponse>> {
    return this.call('POST', `${bookingPath(channel, listingId, reservationId)}/alteration`, change);
  }

  cancelBooking(channel: ChannelName, listingId: string, reservationId: string): Promise<SimulatorResponse<BookingResponse>> {
    return this.call('POST', `${bookingPath(channel, listingId, reservationId)}/cancel`);
  }

  updateGuest(channel: ChannelName, listingId: string, reservationId: string, guest: GuestUpdate): Promise<SimulatorResponse<BookingResponse>> {
    return this.call('PATCH', `${bookingPath(channel, listingId, reservationId)}/guest`, guest);
  }

  // The admin API: faults, counters, reset.

  setFaults(channel: ChannelName, plan: FaultPlanInput): Promise<SimulatorResponse<FaultsView>> {
    return this.call('PUT', `/admin/${segmentOf(channel)}/faults`, plan);
  }

  getFaults(channel: ChannelName): Promise<SimulatorResponse<FaultsView>> {
    return this.call('GET', `/admin/${segmentOf(channel)}/faults`);
  }

  clearFaults(channel: ChannelName): Promise<SimulatorResponse<null>> {
    return this.call('DELETE', `/admin/${segmentOf(channel)}/faults`);
  }

  stats(channel: ChannelName): Promise<SimulatorResponse<StatsResponse>> {
    return this.call('GET', `/admin/${segmentOf(channel)}/stats`);
  }

  /** The reservation operations the channel's platform API offers. */
  capabilities(channel: ChannelName): Promise<SimulatorResponse<CapabilitiesResponse>> {
    return this.call('GET', `/admin/${segmentOf(channel)}/capabilities`);
  }

  /** Forgets every listing, reservation, request_id, fault and counter of every channel. */
  reset(): Promise<SimulatorResponse<null>> {
    return this.call('POST', '/admin/reset');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<SimulatorResponse<T>> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        // No content-type without a body: the server refuses an empty JSON body.
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new SimulatorUnreachableError(`${method} ${url}`, { cause });
    }
    const parsed = parseJson(text);
    if (response.ok) return { ok: true, status: response.status, value: parsed as T };
    return { ok: false, status: response.status, error: parsed as ErrorBody, retryAfterSeconds: retryAfter(response.headers.get('retry-after')) };
  }
}

/** The value of a successful call, or a SimulatorApiError carrying the status and error body. */
export function requireOk<T>(response: SimulatorResponse<T>): T {
  if (response.ok) return response.value;
  throw new SimulatorApiError(response.status, response.error, response.retryAfterSeconds);
}

function segmentOf(channel: ChannelName): ChannelSegment {
  return channel.toLowerCase() as ChannelSegment;
}

function apiPath(channel: ChannelName, listingId: string): string {
  return `/${segmentOf(channel)}/api/listings/${encodeURIComponent(listingId)}`;
}

function reservationApiPath(channel: ChannelName, listingId: string, reservationId: string): string {
  return `${apiPath(channel, listingId)}/reservations/${encodeURIComponent(reservationId)}`;
}

function adminListingPath(channel: ChannelName, listingId: string): string {
  return `/admin/${segmentOf(channel)}/listings/${encodeURIComponent(listingId)}`;
}

function bookingPath(channel: ChannelName, listingId: string, reservationId: string): string {
  return `${adminListingPath(channel, listingId)}/bookings/${encodeURIComponent(reservationId)}`;
}

/** Bodies are JSON; anything else (a proxy's page) is carried as an error message. */
function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: 'unparseable_body', message: text.slice(0, 2_000) };
  }
}

function retryAfter(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}
