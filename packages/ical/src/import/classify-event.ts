import type { EntryKind } from '../calendar/types';

/**
 * Whether a channel's event is a guest stay or a block, from the words the platforms put in
 * SUMMARY and DESCRIPTION. The README's table is this list; keep the two in step.
 */
export interface Classification {
  readonly kind: EntryKind;
  /** The channel's reservation code, when the event carries one (Airbnb's HM… in the reservation URL). */
  readonly reservationCode?: string;
}

export interface ClassificationRule {
  readonly source: string;
  readonly matches: (summary: string, description: string) => boolean;
  readonly kind: EntryKind;
}

/** Airbnb's "Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMXXXXXXXX". */
const RESERVATION_URL = /https?:\/\/[^\s]*airbnb\.[a-z.]+\/hosting\/reservations\/details\/([A-Z0-9]+)/i;

const summaryIs =
  (pattern: RegExp) =>
  (summary: string): boolean =>
    pattern.test(summary);

/** First match wins. Block words are tried before stay words: "Reserved - Not available" holds no guest. */
export const CLASSIFICATION_RULES: readonly ClassificationRule[] = [
  { source: 'Airbnb', matches: summaryIs(/^Airbnb \(Not available\)$/i), kind: 'blocked' },
  // Booking.com publishes its bookings and its closed dates alike, so we cannot tell them apart.
  { source: 'Booking.com', matches: summaryIs(/^CLOSED - Not available$/i), kind: 'blocked' },
  { source: 'Vrbo', matches: summaryIs(/^Blocked$/i), kind: 'blocked' },
  { source: 'any', matches: summaryIs(/\b(not available|unavailable|blocked|closed|owner (stay|block)|maintenance)\b/i), kind: 'blocked' },
  { source: 'Airbnb', matches: (summary, description) => /^Reserved$/i.test(summary) || RESERVATION_URL.test(description), kind: 'reservation' },
  { source: 'Vrbo', matches: summaryIs(/^Reserved - \S/i), kind: 'reservation' },
  { source: 'any', matches: summaryIs(/\b(reserved|booked|booking|reservation)\b/i), kind: 'reservation' },
];

/** An event no rule recognises still takes the nights: treating it as free could double-book them. */
export const UNRECOGNISED_KIND: EntryKind = 'blocked';

export function classifyEvent(summary: string | undefined, description: string | undefined): Classification {
  const said = (summary ?? '').trim();
  const told = description ?? '';
  const kind = CLASSIFICATION_RULES.find((rule) => rule.matches(said, told))?.kind ?? UNRECOGNISED_KIND;
  const reservationCode = kind === 'reservation' ? RESERVATION_URL.exec(told)?.[1]?.toUpperCase() : undefined;
  return reservationCode === undefined ? { kind } : { kind, reservationCode };
}
