import type { CalendarEntry } from '@cm/ical';
import type { AvailabilityUpdate, ListingCalendar } from './calendar';
import { nightsIn, parseDay, type NightRange } from './dates';

/**
 * What a platform does with a feed it imported: the nights the feed's events hold are closed, every
 * other night the host had closed is opened again (on an iCal listing the feed is the only way
 * nights close). Reservations are kept apart from the open flag (calendar.ts), so a night one of
 * the platform's own guests holds stays held whatever the feed says, as on the real platforms.
 */
export interface FeedApplied {
  readonly nightsChanged: number;
  readonly nightsClosed: number;
}

export function applyImportedFeed(calendar: ListingCalendar, entries: readonly CalendarEntry[]): FeedApplied {
  const closed = mergedRanges(entries);
  const updates: AvailabilityUpdate[] = [
    ...calendar.hostClosedRanges().map((range) => ({ range, available: true })),
    ...closed.map((range) => ({ range, available: false })),
  ];
  // Updates apply in order and only the nights that end up different count.
  const nightsChanged = calendar.setAvailability(updates, 'apply');
  return { nightsChanged, nightsClosed: closed.reduce((sum, range) => sum + nightsIn(range), 0) };
}

/** The nights the entries hold, as ranges merged where they touch or overlap, in date order. */
function mergedRanges(entries: readonly CalendarEntry[]): NightRange[] {
  const ranges = entries
    .map((entry) => ({ from: parseDay(entry.checkIn), to: parseDay(entry.checkOut) }))
    .filter((range): range is NightRange => range.from !== undefined && range.to !== undefined && range.to > range.from)
    .sort((a, b) => a.from - b.from);
  const merged: NightRange[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to) merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    else merged.push(range);
  }
  return merged;
}
