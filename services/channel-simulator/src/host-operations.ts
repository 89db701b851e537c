import type { Channel } from '@cm/schemas';
import { endStay, priceOfStay, touch, type ReservationEventType } from './bookings';
import { formatDay } from './dates';
import type { Listing, Reservation, ReservationState } from './listing';
import { REQUEST_WORDS, STATUS_WORDS } from './status-words';

/**
 * What the host's software does to one reservation through the platform API: decide a request to
 * book or an alteration, cancel as the host, acknowledge a revision; and the platform expiring a
 * request nobody answered. Each rule either changes the reservation and names the event to
 * announce (null: nothing to announce), or refuses because the reservation is in the wrong state.
 * Which platform offers which operation is checked before (capabilities.ts).
 */

export interface WrongState {
  readonly code: 'not_pending' | 'no_pending_alteration' | 'not_confirmed' | 'revision_unknown' | 'revision_superseded' | 'nights_unavailable';
  readonly message: string;
  readonly state: ReservationState;
  readonly night?: string;
}

export type HostResult = { readonly ok: true; readonly event: ReservationEventType | null } | { readonly ok: false; readonly refusal: WrongState };

export type HostDecision = { readonly accept: true } | { readonly accept: false; readonly reason: string | null };

/** Accepts a pending request (the nights it holds become a stay) or declines it (they come free). */
export function decideRequest(listing: Listing, channel: Channel, reservation: Reservation, decision: HostDecision, nowIso: string): HostResult {
  const words = REQUEST_WORDS[channel];
  if (!words) throw new Error(`${channel} takes no requests to book`);
  if (reservation.state !== 'pending') return wrongState('not_pending', `only a pending request can be ${decision.accept ? 'accepted' : 'declined'}`, reservation);
  if (decision.accept) {
    reservation.state = 'active';
    reservation.statusWord = words.accepted;
    listing.counters.count('requests_accepted');
  } else {
    listing.calendar.release(reservation.range, reservation.id);
    reservation.state = 'declined';
    reservation.statusWord = words.declined;
    if (reservation.request) reservation.request.declineReason = decision.reason;
    listing.counters.count('requests_declined');
  }
  touch(reservation, nowIso);
  return { ok: true, event: 'reservation.status_changed' };
}

/** The platform declines a request left unanswered past its window; false if it was no longer pending. */
export function expireRequest(listing: Listing, channel: Channel, reservation: Reservation, nowIso: string): boolean {
  const words = REQUEST_WORDS[channel];
  if (!words || reservation.state !== 'pending') return false;
  listing.calendar.release(reservation.range, reservation.id);
  reservation.state = 'expired';
  reservation.statusWord = words.expired;
  listing.counters.count('requests_expired');
  touch(reservation, nowIso);
  return true;
}

/**
 * Accepting moves the stay to the dates asked for (if their nights are still open; otherwise the
 * alteration keeps waiting); declining keeps the stay as it was and announces nothing.
 */
export function decideAlteration(listing: Listing, channel: Channel, reservation: Reservation, decision: HostDecision, nowIso: string): HostResult {
  const alteration = reservation.alteration;
  if (reservation.state !== 'active' || !alteration) return wrongState('no_pending_alteration', 'the reservation has no alteration waiting for the host', reservation);
  if (!decision.accept) {
    reservation.alteration = null;
    listing.counters.count('alterations_declined');
    return { ok: true, event: null };
  }
  const blocked = listing.calendar.firstUnbookable(alteration.range, reservation.id);
  if (blocked !== undefined) {
    return { ok: false, refusal: { code: 'nights_unavailable', message: `the night of ${formatDay(blocked)} is no longer available`, state: reservation.state, night: formatDay(blocked) } };
  }
  listing.calendar.release(reservation.range, reservation.id);
  listing.calendar.hold(alteration.range, reservation.id);
  reservation.range = alteration.range;
  reservation.total = alteration.total ?? priceOfStay(listing, reservation.ratePlanId, alteration.range) ?? reservation.total;
  reservation.statusWord = STATUS_WORDS[channel].modified;
  reservation.alteration = null;
  listing.counters.count('alterations_accepted');
  touch(reservation, nowIso);
  return { ok: true, event: 'reservation.modified' };
}

/** The host cancels a confirmed stay, giving a reason; its nights come free. */
export function hostCancel(listing: Listing, channel: Channel, reservation: Reservation, reason: string, nowIso: string): HostResult {
  if (reservation.state !== 'active') {
    const hint = reservation.state === 'pending' ? '; a pending request is declined, not cancelled' : '';
    return wrongState('not_confirmed', `only a confirmed reservation can be cancelled by the host${hint}`, reservation);
  }
  endStay(listing, channel, reservation, { by: 'host', reason, at: nowIso });
  listing.counters.count('host_cancellations');
  touch(reservation, nowIso);
  return { ok: true, event: 'reservation.cancelled' };
}

/**
 * Acknowledges every revision up to `revision`. Acknowledging an older revision than the one
 * waiting is refused (process the newer one first); acknowledging again what was acknowledged
 * already changes nothing and is not an error.
 */
export function acknowledgeRevision(listing: Listing, reservation: Reservation, revision: number): HostResult {
  const record = reservation.acknowledgement;
  if (!record) throw new Error('this platform takes no acknowledgements');
  if (revision > reservation.revision) return wrongState('revision_unknown', `revision ${revision} was never announced; the latest is ${reservation.revision}`, reservation);
  const pending = record.pending;
  if (pending && revision < pending.revision) {
    return wrongState('revision_superseded', `revision ${pending.revision} superseded revision ${revision}: acknowledge it once processed`, reservation);
  }
  record.acknowledgedRevision = Math.max(record.acknowledgedRevision, revision);
  if (pending) {
    record.pending = null;
    listing.counters.count('acknowledgements');
  }
  return { ok: true, event: null };
}

function wrongState(code: WrongState['code'], message: string, reservation: Reservation): HostResult {
  return { ok: false, refusal: { code, message: `${message} (it is ${reservation.state})`, state: reservation.state } };
}
