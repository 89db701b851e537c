import type { BookingStatus, Channel, Resolution, Severity, Source } from '@cm/schemas';
import type { GuestField } from './guest';
import type { BasisPoints, CurrencyCode } from './money';
import type { StayKey } from './property-state';
import type { StayDates } from './stay-dates';

/** The rule that decided, as docs/conflict-rules.md names it. */
export type RuleName =
  | '5.1 double booking'
  | '5.1 double booking, request to book'
  | '5.1 status (cancellation)'
  | '5.1 status (other), channel booking'
  | '5.1 status (other), direct booking'
  | '5.1 guest email/name'
  | '5.1 guest phone'
  | '3.3 guest language/preferences'
  | '5.1 price (new booking)'
  | '5.1 price (existing)'
  | '5.1 date change, channel'
  | '5.1 date change, PMS'
  | '5.1 availability'
  | '5.1 availability, iCal feed shrank'
  | '1.2 block overlap'
  | '1.2 stale data'
  | '1.3 price drift'
  | '1.3 currency mismatch'
  | '1.3 rate plan conflict'
  | '5.2 sync failures'
  | '5.2 guest dispute';

/** The facts of a conflict, one shape per type: what the escalation rules read. */
export type ConflictFacts =
  | { readonly type: 'OVERBOOKING'; readonly channel: Channel; readonly losingKey: StayKey; readonly winningKey: StayKey; readonly losingDates?: StayDates }
  | { readonly type: 'DOUBLE_BOOKING'; readonly losingKey: StayKey; readonly winningKey: StayKey }
  | { readonly type: 'BLOCK_OVERLAP'; readonly blockKey: StayKey; readonly heldBy: readonly StayKey[]; readonly overlapsBooking: boolean }
  | { readonly type: 'STATUS_MISMATCH'; readonly key: StayKey; readonly ledgerStatus: BookingStatus; readonly incomingStatus: BookingStatus; readonly winner: Source }
  | { readonly type: 'GUEST_DATA'; readonly key: StayKey; readonly keptFields: readonly GuestField[] }
  | { readonly type: 'PRICE_DISCREPANCY'; readonly key: StayKey; readonly differenceBp: BasisPoints; readonly bookingStatus: BookingStatus; readonly newBooking: boolean }
  | { readonly type: 'CURRENCY_MISMATCH'; readonly key: StayKey; readonly ledgerCurrency: CurrencyCode; readonly incomingCurrency: CurrencyCode; readonly rateGiven: boolean }
  | { readonly type: 'RATE_PLAN'; readonly key: StayKey; readonly ledgerPlan: string; readonly incomingPlan: string }
  | { readonly type: 'DATE_MODIFICATION'; readonly key: StayKey; readonly requested: StayDates; readonly requestedBy: 'channel' | 'pms'; readonly heldBy: readonly StayKey[] }
  | { readonly type: 'STALE_DATA'; readonly key: StayKey; readonly incomingVersion: number; readonly ledgerVersion: number }
  | { readonly type: 'AVAILABILITY_DRIFT'; readonly channel: Channel; readonly driftNights: number; readonly openWhileBooked: number; readonly windowDays: number }
  | { readonly type: 'PRICE_DRIFT'; readonly channel: Channel; readonly nights: number }
  /** `reservationAction`: the failure is of an action on a reservation (ACKNOWLEDGE, DECLINE_REQUEST, HOST_CANCEL, CHANGE_DATES, ACCEPT_ALTERATION, DECLINE_ALTERATION), not of a push. */
  | { readonly type: 'SYNC_FAILED'; readonly channel: Channel; readonly consecutiveFailures: number; readonly reservationAction?: string }
  | { readonly type: 'GUEST_DISPUTE'; readonly channel: Channel; readonly key: StayKey; readonly reason: string };

/** A conflict as a rule raised it: what happened and what the rule did. */
export interface RaisedConflict {
  readonly facts: ConflictFacts;
  readonly resolution: Resolution;
  readonly rule: RuleName;
  readonly channel: Channel | null;
  readonly summary: string;
}

/** What the escalation rules make of a conflict. */
export interface Assessment {
  readonly severity: Severity;
  readonly requiresReview: boolean;
  /** How soon a human must act on the review task; null when there is none. */
  readonly slaMinutes: number | null;
  /** log: counted and audited; review: a task in the queue; page: a task and the on-call is paged. */
  readonly route: 'log' | 'review' | 'page';
  /** The 5.2 rule (or ours) that escalated it, if one did. */
  readonly escalatedBy: string | null;
}
