import type { WebhookAddress, WebhookAmount } from '@cm/channel-webhooks';
import type { StayRefusal } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import { formatDay, type NightRange } from './dates';
import { supports } from './capabilities';
import type { GuestRecord, Listing, Reservation, ReservationState } from './listing';
import { formatMajorUnits } from './money';
import { REQUEST_WORDS, STATUS_WORDS } from './status-words';

/**
 * What a guest can do on the platform: book (at once, or by a request the host decides), change
 * dates, ask the host for new dates, cancel, update their details. Each rule takes the listing and
 * the time, and either changes the reservation (the caller then announces it by webhook) or names
 * why it refused.
 */

export type ReservationEventType = 'reservation.created' | 'reservation.modified' | 'reservation.cancelled' | 'reservation.status_changed' | 'reservation.alteration_requested' | 'guest.updated';

export type BookingRefusal =
  /** `state` is the reservation's when an existing one asked for the nights; null for a new booking. */
  | { readonly code: 'nights_unavailable'; readonly night: string; readonly state: ReservationState | null }
  /** The rate plan's terms forbid a stay of these dates (stop-sell, closed to arrival or departure, a stay length). */
  | { readonly code: 'restriction_violated'; readonly refusal: StayRefusal; readonly ratePlanId: string; readonly state: ReservationState | null }
  | { readonly code: 'reservation_cancelled' }
  /** A request declined or expired: nothing about it can change any more. */
  | { readonly code: 'request_closed'; readonly state: ReservationState }
  /** An alteration needs a confirmed stay with no other alteration waiting. */
  | { readonly code: 'alteration_not_possible'; readonly state: ReservationState; readonly reason: string };

export type BookingResult =
  | { readonly ok: true; readonly reservation: Reservation; readonly event: ReservationEventType }
  | { readonly ok: false; readonly refusal: BookingRefusal };

export interface GuestInput {
  readonly name?: string | null | undefined;
  readonly email?: string | null | undefined;
  readonly phone?: string | null | undefined;
  readonly address?: WebhookAddress | null | undefined;
  readonly language?: string | null | undefined;
}

export interface NewStay {
  readonly id: string;
  readonly range: NightRange;
  readonly guest?: GuestInput | undefined;
  readonly guestCount?: number | undefined;
  /** A plan the listing has (the caller checked). */
  readonly ratePlanId: string;
  /** What the guest paid, when the caller says; otherwise the plan's pushed prices. */
  readonly total?: WebhookAmount | undefined;
  /** A request to book (on platforms that take them): pending until the host decides or it expires. */
  readonly request?: { readonly expiresAtMs: number } | undefined;
}

/**
 * Books the nights if every one is open on this platform's own calendar and the rate plan's terms
 * allow the stay, and holds them: a request to book holds them too while the host decides, so no
 * one else books them meanwhile. The guest pays the plan's pushed prices unless told otherwise.
 */
export function bookStay(listing: Listing, channel: Channel, stay: NewStay, nowIso: string): BookingResult {
  const blocked = listing.calendar.firstUnbookable(stay.range);
  if (blocked !== undefined) return refused({ code: 'nights_unavailable', night: formatDay(blocked), state: null });
  const restricted = listing.calendar.rates.refusal(stay.ratePlanId, stay.range);
  if (restricted) return refused({ code: 'restriction_violated', refusal: restricted, ratePlanId: stay.ratePlanId, state: null });
  const requestWords = REQUEST_WORDS[channel];
  if (stay.request && !requestWords) throw new Error(`${channel} takes no requests to book`);
  const reservation: Reservation = {
    id: stay.id,
    listingId: listing.id,
    state: stay.request ? 'pending' : 'active',
    statusWord: stay.request && requestWords ? requestWords.pending : STATUS_WORDS[channel].created,
    range: stay.range,
    revision: 1,
    guest: mergeGuest(EMPTY_GUEST, stay.guest ?? {}, nowIso),
    guestCount: stay.guestCount ?? null,
    ratePlanId: stay.ratePlanId,
    total: stay.total ?? priceOfStay(listing, stay.ratePlanId, stay.range),
    createdAt: nowIso,
    updatedAt: nowIso,
    request: stay.request ? { expiresAtMs: stay.request.expiresAtMs, declineReason: null } : null,
    alteration: null,
    cancellation: null,
    acknowledgement: supports(channel, 'acknowledge') ? { acknowledgedRevision: 0, pending: null, redeliveries: 0 } : null,
  };
  listing.calendar.hold(stay.range, reservation.id);
  listing.reservations.set(reservation.id, reservation);
  if (stay.request) listing.counters.count('requests_received');
  return { ok: true, reservation, event: 'reservation.created' };
}

export interface StayChange {
  /** The stay's dates after the change (the same range when only the total changes). */
  readonly range: NightRange;
  readonly total?: WebhookAmount | undefined;
}

/**
 * Moves a stay to new dates if the nights it does not already hold are open and its rate plan's
 * terms allow the new stay (a change of the total alone is not checked: the stay was allowed when
 * booked). Without a new total the platform reprices the new dates from the plan's prices, or
 * keeps the old total if it cannot. The platform makes the change itself (its support, or a
 * platform without alteration requests); a pending request keeps its pending word.
 */
export function changeStay(listing: Listing, channel: Channel, reservation: Reservation, change: StayChange, nowIso: string): BookingResult {
  const closed = closedRefusal(reservation);
  if (closed) return refused(closed);
  const range = change.range;
  const datesMoved = range.from !== reservation.range.from || range.to !== reservation.range.to;
  if (datesMoved) {
    const refusal = newDatesRefusal(listing, reservation, range);
    if (refusal) return refused(refusal);
  }
  listing.calendar.release(reservation.range, reservation.id);
  listing.calendar.hold(range, reservation.id);
  reservation.range = range;
  reservation.total = change.total ?? (datesMoved ? (priceOfStay(listing, reservation.ratePlanId, range) ?? reservation.total) : reservation.total);
  if (reservation.state === 'active') reservation.statusWord = STATUS_WORDS[channel].modified;
  touch(reservation, nowIso);
  return { ok: true, reservation, event: 'reservation.modified' };
}

/**
 * The guest asks the host for new dates (Airbnb's alteration request): the stay keeps its dates
 * until the host accepts, and the request is announced (a new revision carrying the dates asked
 * for) so the host's software can answer. Only a confirmed stay, one alteration at a time, for
 * dates a guest could book (open, and allowed by the plan's terms); the nights are not held meanwhile.
 */
export function requestAlteration(listing: Listing, reservation: Reservation, change: StayChange, nowIso: string): BookingResult {
  if (reservation.state !== 'active') return refused({ code: 'alteration_not_possible', state: reservation.state, reason: 'only a confirmed stay can be altered' });
  if (reservation.alteration) return refused({ code: 'alteration_not_possible', state: reservation.state, reason: 'another alteration is waiting for the host' });
  const refusal = newDatesRefusal(listing, reservation, change.range);
  if (refusal) return refused(refusal);
  reservation.alteration = { range: change.range, total: change.total, requestedAt: nowIso };
  listing.counters.count('alterations_requested');
  touch(reservation, nowIso);
  return { ok: true, reservation, event: 'reservation.alteration_requested' };
}

/** The guest cancels (or withdraws a request): the nights come free (a night the host closed stays closed). */
export function cancelStay(listing: Listing, channel: Channel, reservation: Reservation, nowIso: string): BookingResult {
  const closed = closedRefusal(reservation);
  if (closed) return refused(closed);
  endStay(listing, channel, reservation, { by: 'guest', reason: null, at: nowIso });
  touch(reservation, nowIso);
  return { ok: true, reservation, event: 'reservation.cancelled' };
}

/** Cancels a stay, by whichever side, and frees its nights; a waiting alteration goes with it. */
export function endStay(listing: Listing, channel: Channel, reservation: Reservation, cancellation: NonNullable<Reservation['cancellation']>): void {
  listing.calendar.release(reservation.range, reservation.id);
  reservation.state = 'cancelled';
  reservation.statusWord = STATUS_WORDS[channel].cancelled;
  reservation.cancellation = cancellation;
  reservation.alteration = null;
}

/** Why a reservation that has ended cannot change, if it has. */
function closedRefusal(reservation: Reservation): BookingRefusal | null {
  switch (reservation.state) {
    case 'cancelled':
      return { code: 'reservation_cancelled' };
    case 'declined':
    case 'expired':
      return { code: 'request_closed', state: reservation.state };
    case 'pending':
    case 'active':
      return null;
    default: {
      const unknown: never = reservation.state;
      throw new Error(`unknown reservation state ${String(unknown)}`);
    }
  }
}

/** Changes the fields given (null clears one); the guest's updated_at becomes now. */
export function updateGuest(reservation: Reservation, guest: GuestInput, nowIso: string): BookingResult {
  reservation.guest = mergeGuest(reservation.guest, guest, nowIso);
  touch(reservation, nowIso);
  return { ok: true, reservation, event: 'guest.updated' };
}

/** Why a stay could not move to these dates: a night taken or closed, or a rule of its plan. */
function newDatesRefusal(listing: Listing, reservation: Reservation, range: NightRange): BookingRefusal | null {
  const blocked = listing.calendar.firstUnbookable(range, reservation.id);
  if (blocked !== undefined) return { code: 'nights_unavailable', night: formatDay(blocked), state: reservation.state };
  const restricted = listing.calendar.rates.refusal(reservation.ratePlanId, range);
  return restricted ? { code: 'restriction_violated', refusal: restricted, ratePlanId: reservation.ratePlanId, state: reservation.state } : null;
}

/** The plan's pushed prices of the nights summed, as the decimal amount the webhook carries, if every night has one. */
export function priceOfStay(listing: Listing, ratePlanId: string, range: NightRange): WebhookAmount | null {
  const total = listing.calendar.rates.total(ratePlanId, range);
  return total ? { amount: formatMajorUnits(total.amountMinor, total.currency), currency: total.currency } : null;
}

const EMPTY_GUEST: GuestRecord = { name: null, email: null, phone: null, address: null, language: null, updatedAt: '' };

function mergeGuest(current: GuestRecord, change: GuestInput, nowIso: string): GuestRecord {
  return {
    name: change.name === undefined ? current.name : change.name,
    email: change.email === undefined ? current.email : change.email,
    phone: change.phone === undefined ? current.phone : change.phone,
    address: change.address === undefined ? current.address : change.address,
    language: change.language === undefined ? current.language : change.language,
    updatedAt: nowIso,
  };
}

/** A change the platform announces: a new revision. */
export function touch(reservation: Reservation, nowIso: string): void {
  reservation.revision++;
  reservation.updatedAt = nowIso;
}

function refused(refusal: BookingRefusal): BookingResult {
  return { ok: false, refusal };
}
