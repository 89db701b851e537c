import type { NightTerms } from '@cm/domain';
import type { Channel, Money } from '@cm/schemas';

/** How one call to a channel ended, as the channel adapter classifies it. */
export const PUSH_OUTCOMES = ['ok', 'rate_limited', 'server_error', 'timeout', 'network_error', 'client_error'] as const;
export type PushOutcome = (typeof PUSH_OUTCOMES)[number];

/** Nights [from, to) to open or close on a channel. */
export interface AvailabilityRange {
  readonly from: string;
  readonly to: string;
  readonly available: boolean;
}

/**
 * Nights [from, to) of one of the channel's rate plans and every term they have there (the
 * domain's NightTerms): the price, already in the listing's currency and marked up as the
 * channel sells it, and the stay rules; null is no price / no rule, false a closure not set. A
 * push carries every field, so what the channel holds afterwards is exactly the range.
 */
export interface RateRange extends NightTerms {
  readonly from: string;
  readonly to: string;
  /** The channel's own id of the rate plan. */
  readonly ratePlanId: string;
}

/**
 * What a channel takes besides availability: prices and stay rules pushed per rate plan, and
 * read back (for the reconciler). Which a channel offers is its adapter's `rateCapabilities`:
 * every ARI API takes both; an iCal feed carries neither.
 */
export const RATE_CAPABILITIES = ['push_rates', 'read_rates'] as const;
export type RateCapability = (typeof RATE_CAPABILITIES)[number];

/** One night of one rate plan as the channel holds it. */
export interface ChannelNightTerms extends NightTerms {
  readonly date: string;
}

export interface ChannelRatePlan {
  /** The channel's own id of the rate plan. */
  readonly ratePlanId: string;
  /** Every night of the range read, in order. */
  readonly nights: readonly ChannelNightTerms[];
}

/** Every rate plan of a listing, as the channel holds them. */
export type RatesResult = { readonly ok: true; readonly ratePlans: readonly ChannelRatePlan[] } | Extract<PushResult, { ok: false }>;

export type PushResult =
  | { readonly ok: true; readonly ack: string }
  | {
      readonly ok: false;
      readonly outcome: Exclude<PushOutcome, 'ok'>;
      readonly status: number | null;
      /** What the channel asked us to wait (Retry-After), if it did. */
      readonly retryAfterMs: number | null;
      readonly error: string;
    };

/** A night as a channel's calendar shows it (for the reconciler); `price` and `minStay` are its default rate plan's. */
export interface ChannelNightView {
  readonly date: string;
  readonly available: boolean;
  readonly price: Money | null;
  readonly minStay: number | null;
}

export type CalendarResult = { readonly ok: true; readonly nights: readonly ChannelNightView[] } | Extract<PushResult, { ok: false }>;

/**
 * One booking platform, however it is reached. Rates and restrictions are pushed and read only
 * where `rateCapabilities` says; elsewhere the calls answer `client_error` without reaching the
 * channel. How availability reaches it is the adapter's `kind`: an ARI API is pushed to
 * (`PushedChannelAdapter`); an iCal channel fetches the feed we publish (`FeedChannelAdapter`),
 * so nothing is sent to it and it has no `pushAvailability`.
 */
interface ChannelAdapterBase {
  readonly channel: Channel;
  readonly rateCapabilities: ReadonlySet<RateCapability>;
  /** Sets every term of each range on its rate plan; the channel refuses a plan it does not have (`client_error`). */
  pushRates(listingId: string, ranges: readonly RateRange[], requestId: string): Promise<PushResult>;
  readCalendar(listingId: string, from: string, to: string): Promise<CalendarResult>;
  /** Every rate plan's terms for the nights [from, to). */
  readRates(listingId: string, from: string, to: string): Promise<RatesResult>;
}

/** A channel we push availability to. `requestId` is stable for a push and its retries, so a platform that dedupes requests applies a retried push once. */
export interface PushedChannelAdapter extends ChannelAdapterBase {
  readonly kind: 'ari_api';
  /**
   * The connection (a tenant's account on the channel) its calls go through, or null for the
   * channel's own. One connection failing (its base URL down, its account suspended) says nothing
   * of another's: callers keep their breakers per connection.
   */
  readonly connectionId: string | null;
  pushAvailability(listingId: string, ranges: readonly AvailabilityRange[], requestId: string): Promise<PushResult>;
}

/**
 * A channel that polls the export feed we publish per listing: what it shows is the desired
 * state as recorded, and a change is acknowledged only once the channel fetched a version of
 * the feed that holds it (the dispatcher's feed server records each fetch).
 */
export interface FeedChannelAdapter extends ChannelAdapterBase {
  readonly kind: 'ical';
}

export type ChannelAdapter = PushedChannelAdapter | FeedChannelAdapter;

/**
 * What a host's software may do to one reservation through a platform's API. Which a channel
 * offers is its adapter's `capabilities` (the table and its reasons: ari-reservations.ts).
 */
export const RESERVATION_CAPABILITIES = ['acknowledge', 'decide_request', 'decide_alteration', 'host_cancel', 'read_reservation'] as const;
export type ReservationCapability = (typeof RESERVATION_CAPABILITIES)[number];

/**
 * How a reservation operation ended: a push's outcomes, plus `conflict` (the reservation is in
 * another state than the operation needs; the answer carries it) and `unsupported` (the channel
 * has no such operation: asking again will not help).
 */
export const OPERATION_OUTCOMES = [...PUSH_OUTCOMES, 'conflict', 'unsupported'] as const;
export type OperationOutcome = (typeof OPERATION_OUTCOMES)[number];

/**
 * A reservation's state on its channel: `pending` a request to book waiting for the host,
 * `confirmed`, `cancelled` (by guest or host), `declined` by the host, `expired` unanswered.
 */
export const CHANNEL_RESERVATION_STATES = ['pending', 'confirmed', 'cancelled', 'declined', 'expired'] as const;
export type ChannelReservationState = (typeof CHANNEL_RESERVATION_STATES)[number];

/** One reservation as its channel shows it. Dates are property-local, `checkOut` exclusive. */
export interface ChannelReservation {
  readonly id: string;
  readonly listingId: string;
  readonly state: ChannelReservationState;
  /** The channel's revision: grows with every change it announces. */
  readonly revision: number;
  readonly checkIn: string;
  readonly checkOut: string;
  /** When a pending request expires unanswered; null for an instant booking. */
  readonly requestExpiresAt: string | null;
  /** New dates the guest asked for, waiting for the host. */
  readonly alteration: { readonly checkIn: string; readonly checkOut: string } | null;
  readonly cancelledBy: 'guest' | 'host' | null;
  /** On channels that queue revisions for acknowledgement; null elsewhere. */
  readonly acknowledgement: { readonly acknowledgedRevision: number; readonly pendingRevision: number | null; readonly redeliveries: number } | null;
}

export type OperationFailure = {
  readonly ok: false;
  readonly outcome: Exclude<OperationOutcome, 'ok' | 'conflict'>;
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  readonly error: string;
  /** The channel's error code, when it gave one. */
  readonly code: string | null;
};

/** The channel refused because of the reservation's state, which it reports. */
export type OperationConflict = {
  readonly ok: false;
  readonly outcome: 'conflict';
  readonly status: number;
  readonly retryAfterMs: null;
  readonly error: string;
  readonly code: string | null;
  readonly state: ChannelReservationState;
  readonly reservation: ChannelReservation | null;
};

export type OperationResult =
  /** `ack` is the channel's id of the operation (null for a read); `reservation` is how it stands after. */
  | { readonly ok: true; readonly ack: string | null; readonly reservation: ChannelReservation }
  | OperationConflict
  | OperationFailure;

/** The host's answer to a request to book or an alteration; platforms require a reason to decline a request. */
export type HostDecision = { readonly accept: true } | { readonly accept: false; readonly reason: string | null };

/**
 * Reservation operations on one platform, beside the ARI pushes of ChannelAdapter. Each write
 * takes a `requestId`, stable for an operation and its retries, so a retried or replayed
 * operation happens once on the channel (which answers its first result again). An operation
 * outside `capabilities` answers `unsupported` without calling the channel.
 */
export interface ReservationOperations {
  readonly channel: Channel;
  readonly capabilities: ReadonlySet<ReservationCapability>;
  /** A read changes nothing, so it takes no request id. */
  readReservation(listingId: string, reservationId: string): Promise<OperationResult>;
  /** Acknowledges every revision up to `revision`; an older one than the channel waits for is a conflict. */
  acknowledge(listingId: string, reservationId: string, revision: number, requestId: string): Promise<OperationResult>;
  decideRequest(listingId: string, reservationId: string, decision: HostDecision, requestId: string): Promise<OperationResult>;
  decideAlteration(listingId: string, reservationId: string, decision: HostDecision, requestId: string): Promise<OperationResult>;
  /** Cancels a confirmed reservation as the host; the reason goes to the channel. */
  hostCancel(listingId: string, reservationId: string, reason: string, requestId: string): Promise<OperationResult>;
}
