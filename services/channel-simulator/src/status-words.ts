import type { Channel } from '@cm/schemas';

/**
 * The word each platform puts in `reservation.status` for what just happened, taken from that
 * channel's STATUS_VOCABULARY so ingest can read it (a test checks every word maps as meant).
 */
export interface StatusWords {
  readonly created: string;
  readonly modified: string;
  readonly cancelled: string;
}

export const STATUS_WORDS: Readonly<Record<Channel, StatusWords>> = {
  AIRBNB: { created: 'accepted', modified: 'accepted', cancelled: 'cancelled' },
  BOOKING_COM: { created: 'new', modified: 'modified', cancelled: 'cancelled' },
  VRBO: { created: 'booked', modified: 'booked', cancelled: 'cancelled' },
  EXPEDIA: { created: 'booked', modified: 'booked', cancelled: 'cancelled' },
};

/** The words of a request to book: waiting for the host, accepted, declined, expired unanswered. */
export interface RequestWords {
  readonly pending: string;
  readonly accepted: string;
  readonly declined: string;
  readonly expired: string;
}

/**
 * Only platforms with requests to book have them (capabilities.ts: `decide_request`). Booking.com's
 * vocabulary has no word for a refused request, so a declined or expired one is announced as
 * `cancelled`: the nights come free either way.
 */
export const REQUEST_WORDS: Readonly<Record<Channel, RequestWords | null>> = {
  AIRBNB: { pending: 'pending', accepted: 'accepted', declined: 'denied', expired: 'expired' },
  BOOKING_COM: { pending: 'request', accepted: 'confirmed', declined: 'cancelled', expired: 'cancelled' },
  VRBO: { pending: 'tentative', accepted: 'booked', declined: 'declined', expired: 'declined' },
  EXPEDIA: null,
};
