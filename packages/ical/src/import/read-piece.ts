import { createHash } from 'node:crypto';
import { addDays, utcMidnight } from '../calendar/local-date';
import type { CalendarEntry, DateWindow } from '../calendar/types';
import { classifyEvent } from './classify-event';
import { parseEvents, type AdaptedEvent, type FeedTime, type Recurrence } from './node-ical-adapter';
import { firstInvalidDateValue } from './raw-dates';
import { pieceAsCalendar, type FeedPiece } from './split-calendar';
import { dayOf, stayNights } from './stay-nights';
import type { FeedProblem } from './types';
import { occurrenceUid } from './uid';

export interface PieceReading {
  readonly entries: readonly CalendarEntry[];
  readonly problems: readonly FeedProblem[];
}

interface ReadingContext {
  readonly timeZone: string;
  readonly window: DateWindow | undefined;
  readonly timeZoneBlocks: readonly (readonly string[])[];
}

/** Rules that repeat more than once a day describe meetings, not nights; expanding them only costs. */
const SUB_DAILY_FREQUENCIES: ReadonlySet<string> = new Set(['SECONDLY', 'MINUTELY', 'HOURLY']);

/** The entries of the VEVENTs sharing one UID, and what kept any of them out. */
export function readPiece(piece: FeedPiece, context: ReadingContext): PieceReading {
  const uid = piece.uid;
  const badLine = piece.events.map((event) => firstInvalidDateValue(event.lines)).find((line) => line !== undefined);
  if (badLine !== undefined) {
    return refused({ ...withUid(uid), code: 'invalid_date', reason: `not a valid DATE or DATE-TIME: '${badLine}'; the event is left out` });
  }

  let events: AdaptedEvent[];
  try {
    events = parseEvents(pieceAsCalendar(piece, context.timeZoneBlocks));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return refused({ ...withUid(uid), code: 'unparseable_event', reason: `node-ical could not parse it (${detail}); the event is left out` });
  }

  const problems: FeedProblem[] = [];
  const versions = piece.events.filter((event) => !event.isOverride).length;
  if (uid !== undefined && versions > 1) {
    problems.push({
      uid,
      code: 'duplicate_uid',
      reason: `${versions} events share this UID; kept the one with the highest SEQUENCE (the last on a tie), as RFC 5545 revisions work`,
    });
  }
  if (uid !== undefined && piece.events.some((event) => event.lines.some((line) => /^RDATE[;:]/i.test(line)))) {
    problems.push({
      uid,
      code: 'unsupported_recurrence',
      reason: 'RDATE is not expanded (node-ical does not support it); only the occurrence at DTSTART (and any RRULE ones) is read',
    });
  }
  const entries: CalendarEntry[] = [];
  for (const event of events) {
    const reading = event.recurrence ? readSeries(event, event.recurrence, context) : readSingle(event, context);
    entries.push(...reading.entries);
    problems.push(...reading.problems);
  }
  return { entries, problems };
}

function readSingle(event: AdaptedEvent, context: ReadingContext): PieceReading {
  // A cancelled event holds no nights; its absence from the entries says so.
  if (event.cancelled) return { entries: [], problems: [] };
  const nights = stayNights(event.start, event.end, context.timeZone);
  if (!nights.ok) return refused({ ...withUid(event.uid), code: nights.code, reason: nights.reason });
  const uid = event.uid ?? derivedUid(nights.checkIn, nights.checkOut, event.summary);
  return { entries: [entryOf(uid, nights.checkIn, nights.checkOut, event.summary, event.description)], problems: [] };
}

/**
 * A recurring event becomes one entry per occurrence inside the window, each with the UID
 * `<series uid>#<day the rule gave it>` so an occurrence keeps its identity when an override moves it.
 */
function readSeries(event: AdaptedEvent, recurrence: Recurrence, context: ReadingContext): PieceReading {
  if (event.cancelled) return { entries: [], problems: [] };
  const { window, timeZone } = context;
  if (!window) {
    return refused({
      ...withUid(event.uid),
      code: 'recurring_without_window',
      reason: 'a recurring event (RRULE) can only be expanded within a window, and none was given; the event is left out',
    });
  }
  if (SUB_DAILY_FREQUENCIES.has(recurrence.frequency) || recurrence.timesInADay) {
    // Refused before it is expanded: FREQ=DAILY with 24 hours and 60 minutes is 1,440 occurrences a day of the window.
    const repeats = recurrence.timesInADay ? 'lists several hours, minutes or seconds of a day' : `FREQ=${recurrence.frequency}`;
    return refused({
      ...withUid(event.uid),
      code: 'unsupported_recurrence',
      reason: `${repeats}: it repeats within a day, which no stay or block does; the event is left out`,
    });
  }
  const seriesUid = event.uid ?? derivedUid('series', String(event.start?.at.getTime()), event.summary);
  // Two days of margin each side: the rule works in instants, the window in property-local days.
  const occurrences = recurrence.occurrences(utcMidnight(addDays(window.from, -2)), utcMidnight(addDays(window.to, 2)));
  const entries: CalendarEntry[] = [];
  const problems: FeedProblem[] = [];
  for (const occurrence of occurrences) {
    if (occurrence.cancelled) continue;
    const uid = occurrenceUid(seriesUid, occurrenceDay(occurrence.recurrenceId ?? occurrence.start, timeZone));
    const nights = stayNights(occurrence.start, occurrence.end, timeZone);
    if (nights.ok) entries.push(entryOf(uid, nights.checkIn, nights.checkOut, occurrence.summary, occurrence.description));
    else problems.push({ uid, code: nights.code, reason: nights.reason });
  }
  return { entries, problems };
}

function occurrenceDay(time: FeedTime | undefined, timeZone: string): string {
  return time ? dayOf(time, timeZone) : 'unknown';
}

function entryOf(uid: string, checkIn: string, checkOut: string, summary: string | undefined, description: string | undefined): CalendarEntry {
  const { kind, reservationCode } = classifyEvent(summary, description);
  return {
    uid,
    kind,
    checkIn,
    checkOut,
    ...(summary === undefined ? {} : { summary }),
    ...(description === undefined ? {} : { description }),
    ...(reservationCode === undefined ? {} : { reservationCode }),
  };
}

/**
 * A UID for an event that has none, from what identifies it in the feed. Not from the event's
 * text: feeds re-stamp DTSTAMP on every request, and the UID must not change between two fetches.
 */
function derivedUid(...parts: (string | undefined)[]): string {
  const digest = createHash('sha256').update(parts.map((part) => part ?? '').join('\n')).digest('hex');
  return `derived-${digest.slice(0, 24)}`;
}

function withUid(uid: string | undefined): { uid?: string } {
  return uid === undefined ? {} : { uid };
}

function refused(problem: FeedProblem): PieceReading {
  return { entries: [], problems: [problem] };
}
