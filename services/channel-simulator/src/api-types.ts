/**
 * The simulator's HTTP API as types, for the client and for callers that read its answers.
 * Types only: importing this file loads nothing at run time.
 */
import type { NightTruth, NightView } from './calendar';
import type { ReservationOperation } from './capabilities';
import type { ChannelSegment } from './channels';
import type { FieldIssue } from './errors';
import type { ChannelStatsView, ReservationCountsView } from './stats';
import type { PollOutcomeView } from './ical-record';
import type { ListingView, RatePlanNightsView, ReservationView } from './views';
import type { DeliveryReport } from './webhooks';

export type { Money } from './money';
export type { NightTruth, NightView } from './calendar';
export type { ChannelSegment } from './channels';
export type { Ack } from './platform';
export type { DeliveryReport, DeliveryAttempt } from './webhooks';
export type { FaultPlanInput, FaultPlan } from './fault-plan';
export type { FaultsView } from './faults';
export type { ChannelStatsView, ApiEndpoint, CallOutcome, WebhookOutcome, ReservationCount, ReservationCountsView } from './stats';
export type { ListingView, IcalView, ReservationView, AcknowledgementView, NightTermsView, RatePlanNightsView } from './views';
export type { IcalExportRecordView, IcalImportRecordView, PollOutcomeView, ExportFetchOutcome, PollOutcomeKind } from './ical-record';
export type { SyncMode } from './listing';
export type { ReservationOperation } from './capabilities';
export type { ReservationState } from './listing';
export type { ListingFeed, FeedStay, FeedBlock } from './feed';
export type {
  AvailabilityRequest,
  RatesRequest,
  ListingRegistration,
  BookingRequest,
  BookingModification,
  GuestUpdate,
  AlterationRequest,
  AcknowledgeRequest,
  BookingRequestDecision,
  AlterationDecision,
  HostCancellation,
} from './requests';
export type { FieldIssue } from './errors';

/** `GET /{channel}/api/listings/{id}/calendar`: the nights as the platform shows them. */
export interface CalendarResponse {
  readonly listing_id: string;
  readonly from: string;
  readonly to: string;
  readonly nights: readonly NightView[];
}

/** `GET /admin/{channel}/listings/{id}/calendar`: the truth, with why each night is closed. */
export interface TruthCalendarResponse {
  readonly listing_id: string;
  readonly from: string;
  readonly to: string;
  readonly nights: readonly NightTruth[];
}

/**
 * `GET /{channel}/api/listings/{id}/rates` (and the admin's, without faults): every rate plan of
 * the listing, each night of [from, to) with its terms; prices are in the listing's `currency`.
 */
export interface RatesResponse {
  readonly listing_id: string;
  readonly from: string;
  readonly to: string;
  readonly currency: string;
  readonly rate_plans: readonly RatePlanNightsView[];
}

/** `GET /admin/{channel}/listings/{id}/rate-plans`, and what `PUT …/rate-plans/{ratePlanId}` answers. */
export interface RatePlansResponse {
  readonly listing_id: string;
  readonly rate_plans: readonly string[];
}

/** Every 4xx/5xx body. `retry_after_seconds` comes with 429s (and mirrors the Retry-After header). */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly issues?: readonly FieldIssue[];
  readonly retry_after_seconds?: number;
  readonly night?: string;
  readonly [detail: string]: unknown;
}

export interface ReservationsResponse {
  readonly listing_id: string;
  readonly reservations: readonly ReservationView[];
}

/**
 * What a guest action on the admin API answers: the reservation now, and how its webhook went
 * (null for an iCal-only listing, which announces nothing).
 */
export interface BookingResponse {
  readonly reservation: ReservationView;
  readonly webhook: DeliveryReport | null;
}

export interface StatsResponse extends ChannelStatsView {
  readonly channel: ChannelSegment;
}

/** `GET /{channel}/api/listings/{id}/reservations/{reservationId}`. */
export interface ReservationReadResponse {
  readonly reservation: ReservationView;
}

/**
 * What a reservation operation answers (200): the platform's id of the operation and the
 * reservation after it. A 409 instead carries `{ error, message, state, reservation }`.
 */
export interface ReservationOperationResponse {
  readonly operation_id: string;
  readonly request_id: string;
  readonly operation: ReservationOperation;
  readonly reservation: ReservationView;
}

/** `POST /admin/{channel}/listings/{id}/bookings/{reservationId}/alteration`: announced as reservation.alteration_requested. */
export type AlterationRequestResponse = BookingResponse;

/** `GET /admin/{channel}/capabilities`. */
export interface CapabilitiesResponse {
  readonly channel: ChannelSegment;
  readonly operations: readonly ReservationOperation[];
}

/** `GET /admin/{channel}/listings/{id}/stats`. */
export interface ListingStatsResponse {
  readonly listing_id: string;
  readonly reservations: ReservationCountsView;
}

/** `POST /admin/{channel}/listings/{id}/ical/poll`: how the poll went, and the listing after it. */
export interface IcalPollResponse {
  readonly listing_id: string;
  readonly poll: PollOutcomeView;
  readonly listing: ListingView;
}
