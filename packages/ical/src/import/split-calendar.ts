/**
 * Cuts a feed into pieces node-ical can parse one at a time, so that one broken event (node-ical
 * throws on a duplicate DTSTART or a bad RRULE, and a throw loses the whole calendar) costs only
 * that event. A piece is every VEVENT of one UID: a recurring event's RECURRENCE-ID overrides must
 * be parsed with their series. Only component boundaries and UIDs are read here; the meaning of
 * every property is node-ical's job.
 */

import { storableUid } from './uid';

export interface RawEvent {
  /** Undefined when the VEVENT has no UID (RFC 5545 requires one; some feeds omit it). */
  readonly uid: string | undefined;
  /** True for a RECURRENCE-ID override of one occurrence of a series. */
  readonly isOverride: boolean;
  /** Unfolded lines, BEGIN:VEVENT to END:VEVENT. */
  readonly lines: readonly string[];
}

/** The VEVENTs sharing one UID (or one VEVENT without a UID). */
export interface FeedPiece {
  readonly uid: string | undefined;
  readonly events: readonly RawEvent[];
}

export type SplitFeed =
  | { readonly isCalendar: false }
  | {
      readonly isCalendar: true;
      /** No END:VCALENDAR closes the feed: the body was cut short. */
      readonly truncated: boolean;
      /** VTIMEZONE blocks, given to the pieces whose TZIDs name them. */
      readonly timeZoneBlocks: readonly (readonly string[])[];
      readonly pieces: readonly FeedPiece[];
      /** VEVENTs opened and never closed; their content is not trusted. */
      readonly unterminated: readonly { readonly uid: string | undefined }[];
    };

export function splitFeed(text: string): SplitFeed {
  const lines = unfoldedLines(text);
  const first = lines.find((line) => line.trim() !== '');
  if (first === undefined || upper(first) !== 'BEGIN:VCALENDAR') return { isCalendar: false };

  const timeZoneBlocks: string[][] = [];
  const events: RawEvent[] = [];
  const unterminated: { uid: string | undefined }[] = [];
  let openCalendars = 0;
  let open: OpenBlock | undefined;

  const abandon = (block: OpenBlock): void => {
    if (block.name === 'VEVENT') unterminated.push({ uid: uidOf(block.lines) });
  };

  for (const line of lines) {
    const word = upper(line);
    if (open) {
      // A new event or the calendar's end inside an event: the event was never closed.
      if ((word === 'BEGIN:VEVENT' && open.depth === 0) || word === 'END:VCALENDAR') {
        abandon(open);
        open = undefined;
      } else {
        open.lines.push(line);
        if (word.startsWith('BEGIN:')) open.depth += 1;
        else if (word.startsWith('END:') && open.depth > 0) open.depth -= 1;
        else if (word === `END:${open.name}`) {
          if (open.name === 'VEVENT') events.push(rawEvent(open.lines));
          else timeZoneBlocks.push(open.lines);
          open = undefined;
        }
        continue;
      }
    }
    if (word === 'BEGIN:VCALENDAR') openCalendars += 1;
    else if (word === 'END:VCALENDAR') openCalendars -= 1;
    else if (word === 'BEGIN:VEVENT' || word === 'BEGIN:VTIMEZONE') {
      open = { name: word.slice('BEGIN:'.length), lines: [line], depth: 0 };
    }
  }
  if (open) abandon(open);

  return { isCalendar: true, truncated: openCalendars > 0, timeZoneBlocks, pieces: groupByUid(events), unterminated };
}

/**
 * A piece as a calendar of its own, with the VTIMEZONEs its TZIDs name. Only those: node-ical
 * reads a floating time (no TZID) in the feed's first VTIMEZONE when there is one, and we read it
 * as the property's wall clock instead (RFC 5545 §3.3.5: floating means local wherever observed).
 */
export function pieceAsCalendar(piece: FeedPiece, timeZoneBlocks: readonly (readonly string[])[]): string {
  const eventLines = piece.events.flatMap((event) => event.lines);
  const named = timeZoneBlocks.filter((block) => {
    const tzid = tzidOf(block);
    return tzid !== undefined && eventLines.some((line) => line.includes(`TZID=${tzid}`) || line.includes(`TZID="${tzid}"`));
  });
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', ...named.flat(), ...eventLines, 'END:VCALENDAR'].join('\r\n');
}

interface OpenBlock {
  readonly name: string;
  readonly lines: string[];
  /** Nesting below the block's own BEGIN (a VALARM, a STANDARD rule). */
  depth: number;
}

/** RFC 5545 §3.1: a line break followed by a space or tab continues the previous line. */
function unfoldedLines(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n|\r/g, '\n')
    .replace(/\n[ \t]/g, '')
    .split('\n');
}

function upper(line: string): string {
  return line.trim().toUpperCase();
}

function rawEvent(lines: readonly string[]): RawEvent {
  return { uid: uidOf(lines), isOverride: ownProperties(lines).some((line) => /^RECURRENCE-ID[;:]/i.test(line)), lines };
}

function tzidOf(block: readonly string[]): string | undefined {
  const line = ownProperties(block).find((candidate) => /^TZID[;:]/i.test(candidate));
  return line?.slice(line.indexOf(':') + 1).trim();
}

function uidOf(lines: readonly string[]): string | undefined {
  const line = ownProperties(lines).find((candidate) => /^UID[;:]/i.test(candidate));
  const uid = line?.slice(line.indexOf(':') + 1).trim();
  return uid === undefined || uid === '' ? undefined : storableUid(uid);
}

/** The event's own property lines, not those of a VALARM inside it (which may carry a UID too). */
function ownProperties(lines: readonly string[]): string[] {
  const own: string[] = [];
  let depth = 0;
  for (const line of lines) {
    const word = upper(line);
    if (word.startsWith('BEGIN:')) depth += 1;
    else if (word.startsWith('END:')) depth -= 1;
    else if (depth === 1) own.push(line);
  }
  return own;
}

function groupByUid(events: readonly RawEvent[]): FeedPiece[] {
  const pieces: { uid: string | undefined; events: RawEvent[] }[] = [];
  const byUid = new Map<string, { uid: string | undefined; events: RawEvent[] }>();
  for (const event of events) {
    const existing = event.uid === undefined ? undefined : byUid.get(event.uid);
    if (existing) {
      existing.events.push(event);
      continue;
    }
    const piece = { uid: event.uid, events: [event] };
    pieces.push(piece);
    if (event.uid !== undefined) byUid.set(event.uid, piece);
  }
  return pieces;
}
