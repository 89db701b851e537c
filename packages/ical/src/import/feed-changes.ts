import type { CalendarEntry, DateWindow, EntryKind, LocalDate } from '../calendar/types';
import { FEED_LEVEL_PROBLEMS, type FeedProblem, type ParseFeedResult } from './types';
import { seriesOfUid } from './uid';

/** An event of a channel's feed as we last took it in: it holds these nights in the ledger. */
export interface HeldEntry {
  readonly uid: string;
  readonly kind: EntryKind;
  readonly checkIn: LocalDate;
  readonly checkOut: LocalDate;
}

/**
 * When a read that would release many held events at once is not believed: a feed that lost
 * more than `maxReleasedShare` of at least `minHeld` events it held in the window (a platform
 * serving an empty or cut calendar, a listing disconnected at the channel) is more likely broken
 * than a run of cancellations, and releasing would open nights a guest still holds.
 */
export interface ShrinkGuard {
  readonly minHeld: number;
  readonly maxReleasedShare: number;
}

export const DEFAULT_SHRINK_GUARD: ShrinkGuard = { minHeld: 3, maxReleasedShare: 0.5 };

export type FeedChange =
  | { readonly change: 'appeared'; readonly entry: CalendarEntry }
  | { readonly change: 'moved'; readonly entry: CalendarEntry; readonly before: HeldEntry }
  | { readonly change: 'disappeared'; readonly before: HeldEntry };

export type FeedReading =
  /** What changed since the events held (possibly nothing). */
  | { readonly kind: 'changes'; readonly changes: readonly FeedChange[] }
  /** The feed is not a whole calendar (not one at all, or cut short): nothing can be read from it. */
  | { readonly kind: 'incomplete'; readonly problems: readonly FeedProblem[] }
  /** Too many held events vanished at once: nothing is released, a person must look. */
  | { readonly kind: 'suspicious_shrink'; readonly heldInWindow: number; readonly wouldRelease: readonly HeldEntry[] };

/**
 * What one read of a listing's feed changes in what we hold from it. Events are matched by UID.
 * A held event is judged only inside the read's window: one that ended before it is simply over,
 * and one after it was not looked at. A held event the read names in a problem (an event it could
 * not parse) is neither moved nor gone: it is kept as held.
 */
export function readFeedChanges(held: readonly HeldEntry[], read: ParseFeedResult, window: DateWindow, guard: ShrinkGuard = DEFAULT_SHRINK_GUARD): FeedReading {
  const feedLevel = read.problems.filter((p) => FEED_LEVEL_PROBLEMS.includes(p.code));
  if (feedLevel.length > 0) return { kind: 'incomplete', problems: feedLevel };

  const seen = new Map(read.entries.map((entry) => [entry.uid, entry]));
  const unreadable = new Set(read.problems.flatMap((p) => (p.uid === undefined ? [] : [p.uid])));
  const inWindow = (h: HeldEntry) => h.checkOut > window.from && h.checkIn < window.to;
  const heldUids = new Set(held.map((h) => h.uid));

  const changes: FeedChange[] = [];
  const gone: HeldEntry[] = [];
  let judged = 0;
  for (const before of held) {
    const entry = seen.get(before.uid);
    if (entry !== undefined) {
      if (entry.checkIn !== before.checkIn || entry.checkOut !== before.checkOut) changes.push({ change: 'moved', entry, before });
    } else if (inWindow(before) && !unreadable.has(before.uid) && !unreadable.has(seriesOfUid(before.uid))) {
      gone.push(before);
    }
    if (inWindow(before)) judged++;
  }
  if (judged >= guard.minHeld && gone.length > judged * guard.maxReleasedShare) {
    return { kind: 'suspicious_shrink', heldInWindow: judged, wouldRelease: gone };
  }
  for (const entry of read.entries) if (!heldUids.has(entry.uid)) changes.push({ change: 'appeared', entry });
  for (const before of gone) changes.push({ change: 'disappeared', before });
  return { kind: 'changes', changes };
}
