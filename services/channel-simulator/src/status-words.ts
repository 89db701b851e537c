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
