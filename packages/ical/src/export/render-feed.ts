import ical, { ICalCalendarMethod } from 'ical-generator';
import { isLocalDate, isTimeZone, utcMidnight } from '../calendar/local-date';
import type { CalendarEntry, EntryKind } from '../calendar/types';
import { InvalidFeedInputError, InvalidTimeZoneError } from '../errors';

export const DEFAULT_PRODUCT_ID = '-//Channel Manager//Listing Calendar//EN';

/** The words the big platforms use, so every channel that imports our feed reads it the way it reads theirs. */
export const EXPORTED_SUMMARY: Readonly<Record<EntryKind, string>> = {
  reservation: 'Reserved',
  blocked: 'Not available',
};

export interface RenderFeedInput {
  readonly listingId: string;
  /** Shown by calendar clients (NAME, X-WR-CALNAME). */
  readonly calendarName: string;
  /** The property's IANA zone, written as X-WR-TIMEZONE: the zone in which the all-day dates are meant. */
  readonly timeZone: string;
  readonly entries: readonly CalendarEntry[];
  /**
   * When these entries last changed (the listing calendar's version time). It is every event's
   * DTSTAMP, so re-rendering unchanged entries gives the same bytes and the same ETag; a clock
   * read here would change the feed on every request and defeat conditional GETs.
   */
  readonly entriesChangedAt: Date;
  readonly productId?: string;
}

/**
 * The listing's calendar as iCalendar text: one all-day VEVENT per entry (DTSTART and DTEND as
 * VALUE=DATE, DTEND being the check-out day, exclusive, as RFC 5545 defines it for all-day events).
 *
 * The SUMMARY says only "Reserved" or "Not available": a guest's name or a channel's words never
 * leave through a feed that other channels and anyone holding the URL read. DESCRIPTION is
 * published when the entry has one. Events are ordered by check-in then UID so the text does not
 * depend on the order the entries were given in. Throws InvalidFeedInputError or
 * InvalidTimeZoneError on input that cannot be published.
 */
export function renderFeed(input: RenderFeedInput): string {
  assertRenderable(input);
  const calendar = ical({
    // ical-generator 11 writes NAME and X-WR-CALNAME without TEXT escaping (it does escape SUMMARY).
    name: escapeText(input.calendarName),
    // It also writes PRODID as '-' + what it is given, so it gets the identifier without its dash.
    prodId: (input.productId ?? DEFAULT_PRODUCT_ID).replace(/^-/, ''),
    method: ICalCalendarMethod.PUBLISH,
    // Not calendar.timezone(): ical-generator would then print DTSTAMP in the host's local time.
    // It writes these after the events (RFC 5545's grammar puts calendar properties first); the
    // all-day dates do not depend on them, and node-ical and ical.js read them there.
    x: [
      ['X-WR-TIMEZONE', input.timeZone],
      ['X-CM-LISTING-ID', input.listingId],
    ],
  });
  for (const entry of [...input.entries].sort(byCheckInThenUid)) {
    calendar.createEvent({
      id: entry.uid,
      allDay: true,
      // UTC midnights: with no zone set, ical-generator prints a date from its UTC fields, so
      // the day printed is the day given whatever zone the host runs in.
      start: utcMidnight(entry.checkIn),
      end: utcMidnight(entry.checkOut),
      stamp: input.entriesChangedAt,
      summary: EXPORTED_SUMMARY[entry.kind],
      ...(entry.description === undefined ? {} : { description: entry.description }),
    });
  }
  // RFC 5545 ends every content line with CRLF, the last one too; ical-generator stops short of it.
  return `${calendar.toString()}\r\n`;
}

function assertRenderable(input: RenderFeedInput): void {
  if (!isTimeZone(input.timeZone)) throw new InvalidTimeZoneError(input.timeZone);
  if (Number.isNaN(input.entriesChangedAt.getTime())) throw new InvalidFeedInputError('entriesChangedAt', 'not a valid date');
  if (input.productId !== undefined && !/^-\/\/[^\u0000-\u001f\u007f]+$/.test(input.productId)) {
    throw new InvalidFeedInputError('productId', "expected '-//Company//Product//EN' on one line");
  }
  const seen = new Set<string>();
  for (const entry of input.entries) {
    const problem = entryProblem(entry, seen);
    if (problem) throw new InvalidFeedInputError(`entry '${entry.uid}'`, problem);
    seen.add(entry.uid);
  }
}

function entryProblem(entry: CalendarEntry, seen: ReadonlySet<string>): string | undefined {
  // ical-generator writes the UID as given: a line break would end the property and inject another.
  if (entry.uid.trim() === '' || /[\u0000-\u001f\u007f]/.test(entry.uid)) return 'uid must be non-empty and free of control characters';
  if (seen.has(entry.uid)) return 'uid appears twice; calendar clients would keep only one of the two events';
  if (!isLocalDate(entry.checkIn)) return `checkIn '${entry.checkIn}' is not a YYYY-MM-DD day`;
  if (!isLocalDate(entry.checkOut)) return `checkOut '${entry.checkOut}' is not a YYYY-MM-DD day`;
  // ISO dates order as strings.
  if (entry.checkOut <= entry.checkIn) return `checkOut ${entry.checkOut} must be after checkIn ${entry.checkIn}`;
  if (!Object.hasOwn(EXPORTED_SUMMARY, entry.kind)) return `kind '${String(entry.kind)}' is neither reservation nor blocked`;
  return undefined;
}

/** RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma escaped, a line break as \\n. */
function escapeText(text: string): string {
  return text.replace(/[\\;,]/g, (character) => `\\${character}`).replace(/\r\n|\r|\n/g, '\\n');
}

function byCheckInThenUid(a: CalendarEntry, b: CalendarEntry): number {
  if (a.checkIn !== b.checkIn) return a.checkIn < b.checkIn ? -1 : 1;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}
