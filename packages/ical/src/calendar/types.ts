/**
 * What a listing's iCalendar feed carries, in our words: stays and blocks as property-local
 * calendar dates, half-open [checkIn, checkOut). The guest leaves on checkOut, so that night is free.
 */

/** An ISO calendar date, YYYY-MM-DD, in the property's time zone (no time, no zone). */
export type LocalDate = string;

/**
 * `reservation`: a guest stay on some channel. `blocked`: nights closed for any other reason (owner
 * block, maintenance, or a channel that does not say which of the two it is).
 */
export type EntryKind = 'reservation' | 'blocked';

export interface CalendarEntry {
  /** The event's UID: stable across renders and fetches, the key to match an entry between two reads. */
  readonly uid: string;
  readonly kind: EntryKind;
  readonly checkIn: LocalDate;
  /** The departure day, exclusive: the last night held is the one before it. */
  readonly checkOut: LocalDate;
  /** On import, the feed's SUMMARY as written. Never exported (see renderFeed). */
  readonly summary?: string;
  readonly description?: string;
  /** On import, the channel's reservation code when the feed gives one (Airbnb's HM…). */
  readonly reservationCode?: string;
}

/** A range of nights, half-open like a stay: [from, to). */
export interface DateWindow {
  readonly from: LocalDate;
  readonly to: LocalDate;
}
