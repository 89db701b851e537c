import type { WebhookAddress, WebhookAmount } from '@cm/channel-webhooks';
import type { Channel } from '@cm/schemas';
import { formatDay, type NightRange } from './dates';
import type { GuestRecord, Listing, Reservation } from './listing';
import { formatMajorUnits } from './money';
import { STATUS_WORDS } from './status-words';

/**
 * What a guest can do on the platform: book, change dates, cancel, update their details. Each
 * rule takes the listing and the time, and either changes the reservation (the caller then
 * announces it by webhook) or names why it refused.
 */

export type ReservationEventType = 'reservation.created' | 'reservation.modified' | 'reservation.cancelled' | 'guest.updated';

export type BookingRefusal =
  | { readonly code: 'nights_unavailable'; readonly night: string }
  | { readonly code: 'reservation_cancelled' };

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
  readonly total?: WebhookAmount | undefined;
}

/** Books the nights if every one is open on this platform's own calendar, and holds them. */
export function bookStay(listing: Listing, channel: Channel, stay: NewStay, nowIso: string): BookingResult {
  const blocked = listing.calendar.firstUnbookable(stay.range);
  if (blocked !== undefined) return refused({ code: 'nights_unavailable', night: formatDay(blocked) });
  const reservation: Reservation = {
    id: stay.id,
    listingId: listing.id,
    state: 'active',
    statusWord: STATUS_WORDS[channel].created,
    range: stay.range,
    revision: 1,
    guest: mergeGuest(EMPTY_GUEST, stay.guest ?? {}, nowIso),
    guestCount: stay.guestCount ?? null,
    total: stay.total ?? priceOfStay(listing, stay.range),
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  listing.calendar.hold(stay.range, reservation.id);
  listing.reservations.set(reservation.id, reservation);
  return { ok: true, reservation, event: 'reservation.created' };
}

export interface StayChange {
  /** The stay's dates after the change (the same range when only the total changes). */
  readonly range: NightRange;
  readonly total?: WebhookAmount | undefined;
}

/**
 * Moves a stay to new dates if the nights it does not already hold are open. Without a new total
 * the platform reprices the new dates from its calendar, or keeps the old total if it cannot.
 */
export function changeStay(listing: Listing, channel: Channel, reservation: Reservation, change: StayChange, nowIso: string): BookingResult {
  if (reservation.state === 'cancelled') return refused({ code: 'reservation_cancelled' });
  const range = change.range;
  const blocked = listing.calendar.firstUnbookable(range, reservation.id);
  if (blocked !== undefined) return refused({ code: 'nights_unavailable', night: formatDay(blocked) });
  listing.calendar.release(reservation.range, reservation.id);
  listing.calendar.hold(range, reservation.id);
  const datesMoved = range.from !== reservation.range.from || range.to !== reservation.range.to;
  reservation.range = range;
  reservation.total = change.total ?? (datesMoved ? (priceOfStay(listing, range) ?? reservation.total) : reservation.total);
  reservation.statusWord = STATUS_WORDS[channel].modified;
  touch(reservation, nowIso);
  return { ok: true, reservation, event: 'reservation.modified' };
}

/** Cancels the stay and frees its nights (a night the host closed stays closed). */
export function cancelStay(listing: Listing, channel: Channel, reservation: Reservation, nowIso: string): BookingResult {
  if (reservation.state === 'cancelled') return refused({ code: 'reservation_cancelled' });
  listing.calendar.release(reservation.range, reservation.id);
  reservation.state = 'cancelled';
  reservation.statusWord = STATUS_WORDS[channel].cancelled;
  touch(reservation, nowIso);
  return { ok: true, reservation, event: 'reservation.cancelled' };
}

/** Changes the fields given (null clears one); the guest's updated_at becomes now. */
export function updateGuest(reservation: Reservation, guest: GuestInput, nowIso: string): BookingResult {
  reservation.guest = mergeGuest(reservation.guest, guest, nowIso);
  touch(reservation, nowIso);
  return { ok: true, reservation, event: 'guest.updated' };
}

/** The nights' prices summed, as the decimal amount the webhook carries, if every night is priced. */
function priceOfStay(listing: Listing, range: NightRange): WebhookAmount | null {
  const total = listing.calendar.totalPrice(range);
  return total ? { amount: formatMajorUnits(total.amount_minor, total.currency), currency: total.currency } : null;
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

function touch(reservation: Reservation, nowIso: string): void {
  reservation.revision++;
  reservation.updatedAt = nowIso;
}

function refused(refusal: BookingRefusal): BookingResult {
  return { ok: false, refusal };
}
