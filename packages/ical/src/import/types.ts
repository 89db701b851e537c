import type { CalendarEntry, DateWindow } from '../calendar/types';

export interface ParseFeedOptions {
  /**
   * The property's IANA zone. Events timed in another zone or in UTC become the calendar days
   * they fall on here: 2026-12-20T15:00 in New York is a 2026-12-20 check-in for a New York home.
   */
  readonly timeZone: string;
  /**
   * The nights the caller cares about, [from, to). Recurring events (RRULE) are expanded inside
   * it; without it they are refused (problem `recurring_without_window`), since a rule may repeat
   * forever. Entries wholly outside it are left out silently: past stays are normal in feeds.
   */
  readonly window?: DateWindow;
}

export interface ParseFeedResult {
  /** Ordered by check-in, then UID. */
  readonly entries: readonly CalendarEntry[];
  readonly problems: readonly FeedProblem[];
}

export interface FeedProblem {
  /** The event's UID when the problem belongs to one event and the feed gave it a UID. */
  readonly uid?: string;
  readonly code: FeedProblemCode;
  /** For a person: what was wrong and what became of the event. */
  readonly reason: string;
}

/**
 * `not_a_calendar` and `truncated_calendar` concern the whole feed: when either is present the
 * entries are not the channel's full calendar, and an entry missing from them must not be read as
 * cancelled. Every other code concerns one event, which is left out of the entries, except
 * `duplicate_uid` (one of the duplicates is kept) and `unsupported_recurrence` for an RDATE (the
 * occurrences node-ical can compute are kept).
 */
export type FeedProblemCode =
  | 'not_a_calendar'
  | 'truncated_calendar'
  | 'unterminated_event'
  | 'unparseable_event'
  | 'missing_start'
  | 'invalid_date'
  | 'end_before_start'
  | 'no_nights'
  | 'implausible_date'
  | 'recurring_without_window'
  | 'unsupported_recurrence'
  | 'duplicate_uid';

/** Problems that mean the entries are not the whole calendar. */
export const FEED_LEVEL_PROBLEMS: readonly FeedProblemCode[] = ['not_a_calendar', 'truncated_calendar'];
