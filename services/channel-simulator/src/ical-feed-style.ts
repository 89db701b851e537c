import { createHash } from 'node:crypto';
import type { Channel } from '@cm/schemas';

/**
 * How each platform writes its iCal export, so our importer reads the simulator's feeds as it reads
 * the real ones (packages/ical's classify-event.ts tells a stay from a block by these words):
 *
 * - Airbnb: `Reserved`, with the reservation URL (its HM… code) and the phone's last 4 digits in
 *   DESCRIPTION; blocks `Airbnb (Not available)`.
 * - Booking.com: `CLOSED - Not available` for bookings and closed dates alike.
 * - Vrbo: `Reserved - <first name>`; blocks `Blocked`.
 * - Expedia offers hotels no iCal export; its listings here write as Vrbo (its sister platform) does.
 *
 * Each UID is derived from the listing and the reservation (a block: its dates), so every render
 * gives the same one, in the platform's own shape.
 */

export interface StayFacts {
  readonly reservationId: string;
  readonly guestName: string | null;
  readonly guestPhone: string | null;
}

export interface EventWords {
  readonly summary: string;
  readonly description?: string;
}

export interface FeedStyle {
  /** PRODID, `-//Company//Product//EN`. */
  readonly productId: string;
  readonly stay: (stay: StayFacts) => EventWords;
  readonly blockSummary: string;
  /** A stable UID from the listing and what the event stands for. */
  readonly uid: (listingId: string, key: string) => string;
}

const AIRBNB: FeedStyle = {
  productId: '-//Airbnb Inc//Hosting Calendar 0.8.8//EN',
  stay: ({ reservationId, guestPhone }) => {
    const lastDigits = guestPhone?.replace(/\D/g, '').slice(-4) ?? '';
    const phoneLine = lastDigits.length === 4 ? `\nPhone Number (Last 4 Digits): ${lastDigits}` : '';
    return { summary: 'Reserved', description: `Reservation URL: https://www.airbnb.com/hosting/reservations/details/${reservationId}${phoneLine}` };
  },
  blockSummary: 'Airbnb (Not available)',
  uid: (listingId, key) => {
    const hex = digest(listingId, key);
    return `${hex.slice(0, 12)}-${hex.slice(12, 44)}@airbnb.com`;
  },
};

const BOOKING_COM: FeedStyle = {
  productId: '-//Booking.com//Booking.com Calendar 1.0//EN',
  stay: () => ({ summary: 'CLOSED - Not available' }),
  blockSummary: 'CLOSED - Not available',
  uid: (listingId, key) => `${digest(listingId, key).slice(0, 32)}@booking.com`,
};

const VRBO: FeedStyle = {
  productId: '-//HomeAway.com, Inc.//EN',
  stay: ({ guestName }) => {
    const firstName = guestName?.trim().split(/\s+/)[0];
    return { summary: firstName ? `Reserved - ${firstName}` : 'Reserved' };
  },
  blockSummary: 'Blocked',
  uid: (listingId, key) => uuidShaped(digest(listingId, key)),
};

export const FEED_STYLES: Readonly<Record<Channel, FeedStyle>> = {
  AIRBNB,
  BOOKING_COM,
  VRBO,
  EXPEDIA: { ...VRBO, productId: '-//Expedia Group//Vacation Rentals Calendar//EN' },
};

function digest(listingId: string, key: string): string {
  return createHash('sha256').update(`${listingId}\n${key}`).digest('hex');
}

function uuidShaped(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
