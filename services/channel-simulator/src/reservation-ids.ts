import { randomInt } from 'node:crypto';
import type { Channel } from '@cm/schemas';

/**
 * Reservation codes shaped like each platform's (Airbnb `HMXXXXXXXX`, Booking.com ten digits...).
 * Random, not seeded: ids must not repeat across runs, or a restarted simulator would hand ingest
 * reservations it has already seen.
 */
const LETTERS_AND_DIGITS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const DIGITS = '0123456789';

export function newReservationId(channel: Channel): string {
  switch (channel) {
    case 'AIRBNB':
      return `HM${pick(LETTERS_AND_DIGITS, 8)}`;
    case 'BOOKING_COM':
      return `${pick('123456789', 1)}${pick(DIGITS, 9)}`;
    case 'VRBO':
      return `HA-${pick(LETTERS_AND_DIGITS, 7)}`;
    case 'EXPEDIA':
      return `${pick('123456789', 1)}${pick(DIGITS, 8)}`;
    default: {
      const unknown: never = channel;
      throw new Error(`unknown channel ${String(unknown)}`);
    }
  }
}

function pick(alphabet: string, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[randomInt(alphabet.length)];
  return text;
}
