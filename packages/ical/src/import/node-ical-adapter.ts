import type { VEvent } from 'node-ical';
import { formatLocalDate, isTimeZone } from '../calendar/local-date';
import type { LocalDate } from '../calendar/types';
import { storableUid } from './uid';

/**
 * The one place that reads node-ical's output. node-ical types its values loosely (a DTSTART it
 * cannot read comes back as a string, SUMMARY with parameters as `{ params, val }`), and encodes a
 * DATE as the host's local midnight; this file turns all of that into plain typed values so no
 * other file depends on how node-ical represents things.
 */

/** A DTSTART or DTEND as the feed meant it. */
export type FeedTime =
  /**
   * A day as written, meant in the property's zone: a DATE (all-day), or a DATE-TIME with no zone
   * ("floating"), or with a TZID neither node-ical nor Intl knows (node-ical then keeps its wall clock).
   */
  | { readonly kind: 'local'; readonly date: LocalDate; readonly at: Date }
  /** A DATE-TIME in UTC or in a zone we know: an instant, to be placed in the property's zone. */
  | { readonly kind: 'instant'; readonly at: Date };

export interface AdaptedEvent {
  /** Undefined when the feed gave none (node-ical invents a random one, which we do not keep). */
  readonly uid: string | undefined;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly cancelled: boolean;
  /** Undefined when DTSTART is missing or unreadable. */
  readonly start: FeedTime | undefined;
  /** DTEND, else DTSTART + DURATION, else RFC 5545's default (one day for a DATE, none for a DATE-TIME). */
  readonly end: FeedTime | undefined;
  readonly recurrence: Recurrence | undefined;
}

export interface Recurrence {
  /** FREQ of the RRULE: DAILY, WEEKLY, … */
  readonly frequency: string;
  /** The rule lists more than one hour, minute or second of a day (BYHOUR=0,1,…): whatever its FREQ, it repeats within a day. */
  readonly timesInADay: boolean;
  /** Occurrences starting in [from, to], with EXDATEs removed and RECURRENCE-ID overrides applied. */
  occurrences(from: Date, to: Date): Occurrence[];
}

export interface Occurrence {
  /** The start the rule gave this occurrence before any override moved it: its identity in the series. */
  readonly recurrenceId: FeedTime | undefined;
  readonly start: FeedTime | undefined;
  readonly end: FeedTime | undefined;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly cancelled: boolean;
}

/** The VEVENTs of a calendar text. Throws whatever node-ical throws on text it cannot parse. */
export function parseEvents(calendarText: string): AdaptedEvent[] {
  return Object.values(nodeIcal().sync.parseICS(calendarText))
    .filter((component): component is VEvent => component?.type === 'VEVENT')
    .map(adaptEvent);
}

function adaptEvent(event: VEvent): AdaptedEvent {
  return {
    uid: typeof event.uid === 'string' && event.uid !== '' ? storableUid(event.uid) : undefined,
    summary: textOf(event.summary),
    description: textOf(event.description),
    cancelled: isCancelled(event),
    start: feedTime(event.start),
    end: feedTime(event.end),
    recurrence: recurrenceOf(event),
  };
}

function recurrenceOf(event: VEvent): Recurrence | undefined {
  // node-ical leaves RRULE as its raw line when it could not build a rule (no DTSTART).
  const rule: unknown = event.rrule;
  if (typeof rule !== 'object' || rule === null) return undefined;
  const text = String(rule);
  const frequency = /FREQ=([A-Z]+)/i.exec(text)?.[1]?.toUpperCase() ?? 'UNKNOWN';
  return {
    frequency,
    timesInADay: /BY(?:HOUR|MINUTE|SECOND)=[^;\s]*,/i.test(text),
    occurrences: (from, to) =>
      // expandOngoing: a stay that began before `from` still holds nights after it.
      nodeIcal().expandRecurringEvent(event, { from, to, expandOngoing: true }).map((instance) => {
        const start = feedTime(instance.start);
        return {
          recurrenceId: instance.isOverride ? feedTime(instance.event.recurrenceid) : start,
          start,
          end: feedTime(instance.end),
          summary: textOf(instance.summary),
          description: textOf(instance.event.description),
          cancelled: isCancelled(instance.event),
        };
      }),
  };
}

function isCancelled(event: VEvent): boolean {
  return textOf(event.status)?.toUpperCase() === 'CANCELLED';
}

const HALF_DAY_MS = 43_200_000;

function feedTime(value: unknown): FeedTime | undefined {
  if (!isDate(value) || Number.isNaN(value.getTime())) return undefined;
  const { dateOnly, tz } = value;
  if (dateOnly === true) {
    // node-ical builds a DATE at the host's local midnight but adds a DURATION in UTC hours, so
    // on a host that observes DST an end can sit an hour off midnight; the nearest local midnight
    // is the day meant.
    return { kind: 'local', date: hostLocalDate(new Date(value.getTime() + HALF_DAY_MS)), at: value };
  }
  if (typeof tz === 'string' && isTimeZone(tz)) return { kind: 'instant', at: value };
  // Floating, or a zone unknown to node-ical: it built the Date from the wall clock in host-local time.
  return { kind: 'local', date: hostLocalDate(value), at: value };
}

/** node-ical's Dates carry `dateOnly` and `tz`. Checked by tag, not instanceof, which fails across realms. */
function isDate(value: unknown): value is Date & { dateOnly?: unknown; tz?: unknown } {
  return Object.prototype.toString.call(value) === '[object Date]';
}

function hostLocalDate(date: Date): LocalDate {
  return formatLocalDate(date.getFullYear(), date.getMonth() + 1, date.getDate());
}

/** A TEXT value: plain, or `{ params, val }` when the property had parameters (LANGUAGE=…). */
function textOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return textOf(value[0]);
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'val' in value && typeof value.val === 'string') return value.val;
  return undefined;
}

/**
 * node-ical, required when a feed is first read, not when the module loads: with its recurrence
 * library it was about 25 ms of loading (Module._load self time) in every service that imports
 * this package for its feed writers and never reads a feed (issue 22: a restarted instance waits
 * for its own loading).
 */
function nodeIcal(): typeof import('node-ical') {
  return (loadedNodeIcal ??= require('node-ical') as typeof import('node-ical'));
}

let loadedNodeIcal: typeof import('node-ical') | undefined;
