import { isLocalDate, isTimeZone } from '../calendar/local-date';
import type { CalendarEntry, DateWindow } from '../calendar/types';
import { InvalidDateWindowError, InvalidTimeZoneError } from '../errors';
import { readPiece } from './read-piece';
import { splitFeed } from './split-calendar';
import type { FeedProblem, ParseFeedOptions, ParseFeedResult } from './types';

/**
 * A channel's iCalendar feed as entries, with node-ical doing the parsing. Never throws on what
 * the feed holds: garbage, a broken event or an impossible date become problems, and every
 * other event still comes through. Throws only on bad options (an unknown zone, a reversed window).
 *
 * Cancelled events (STATUS:CANCELLED) are skipped. Each event is classified as a reservation or
 * a block from its SUMMARY and DESCRIPTION (see classify-event.ts and the README's table).
 */
export function parseFeed(text: string, options: ParseFeedOptions): ParseFeedResult {
  assertOptions(options);
  const feed = splitFeed(text);
  if (!feed.isCalendar) {
    return { entries: [], problems: [{ code: 'not_a_calendar', reason: 'the text does not begin with BEGIN:VCALENDAR; nothing was read' }] };
  }

  const problems: FeedProblem[] = [];
  if (feed.truncated) {
    problems.push({ code: 'truncated_calendar', reason: 'no END:VCALENDAR closes the feed: it was cut short, and events after the cut are missing' });
  }
  for (const event of feed.unterminated) {
    problems.push({
      ...(event.uid === undefined ? {} : { uid: event.uid }),
      code: 'unterminated_event',
      reason: 'BEGIN:VEVENT with no END:VEVENT; the event is left out',
    });
  }
  const entries: CalendarEntry[] = [];
  const context = { timeZone: options.timeZone, window: options.window, timeZoneBlocks: feed.timeZoneBlocks };
  for (const piece of feed.pieces) {
    try {
      const reading = readPiece(piece, context);
      entries.push(...reading.entries);
      problems.push(...reading.problems);
    } catch (error) {
      // Whatever a library throws on one event (expanding a rule, say) must not cost the others.
      problems.push({
        ...(piece.uid === undefined ? {} : { uid: piece.uid }),
        code: 'unparseable_event',
        reason: `reading it failed (${error instanceof Error ? error.message : String(error)}); the event is left out`,
      });
    }
  }
  return { entries: sortedUnique(entries.filter((entry) => overlaps(entry, options.window))), problems };
}

function assertOptions(options: ParseFeedOptions): void {
  if (!isTimeZone(options.timeZone)) throw new InvalidTimeZoneError(options.timeZone);
  const { window } = options;
  if (window && !(isLocalDate(window.from) && isLocalDate(window.to) && window.from < window.to)) {
    throw new InvalidDateWindowError(window.from, window.to);
  }
}

/** Whether an entry holds at least one night of the window (every entry does when there is none). */
function overlaps(entry: CalendarEntry, window: DateWindow | undefined): boolean {
  return window === undefined || (entry.checkIn < window.to && window.from < entry.checkOut);
}

/**
 * By check-in then UID, so two parses of the same feed compare equal. One entry per UID: two
 * UID-less events with the same dates and summary get the same derived UID and are one block.
 */
function sortedUnique(entries: readonly CalendarEntry[]): CalendarEntry[] {
  const byUid = new Map<string, CalendarEntry>();
  for (const entry of entries) if (!byUid.has(entry.uid)) byUid.set(entry.uid, entry);
  return [...byUid.values()].sort((a, b) => (a.checkIn !== b.checkIn ? compare(a.checkIn, b.checkIn) : compare(a.uid, b.uid)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
