/**
 * What a feed channel's listing comes to, decided from plain data. An iCal channel is sent
 * nothing: the feed server shows each change the moment it is recorded, at the feed version that
 * is the highest ledger version among the listing's nights. A change counts as synced only once
 * the channel fetched a version at or above its own (a 304 holds the current version too), and
 * its lag runs from the change to that fetch. Pure: the pusher reads the nights and the fetch,
 * and carries out what this returns.
 */
import { createHash } from 'node:crypto';
import type { AfterAnswer } from './push-plan';
import type { FetchedVersion } from '../store/feed-fetches';
import type { ListingWork, PendingNight } from '../store/sync-store';

/**
 * The listing goes back without an acknowledgement, due at once (a feed listing is claimed only
 * once a fetch carried one of its changes, so it is not taken again before):
 * `nothing_pending` no night left to acknowledge: its changes are spent;
 * `not_fetched` the channel has not fetched a version holding any of its changes yet.
 */
export interface FeedWait {
  readonly kind: 'wait';
  readonly reason: 'nothing_pending' | 'not_fetched';
  readonly releaseAt: number;
  /** Changes that no longer count as pending. */
  readonly spent: number;
}

/**
 * The nights a fetch carried are acknowledged like a push's answer (push-plan's `acknowledge`):
 * `ack` names the feed version the channel fetched, the lags run to the fetch; nights above the
 * fetched version stay pending.
 */
export type FeedAcknowledge = Extract<AfterAnswer, { readonly kind: 'acknowledge' }>;

export interface FeedAckInput {
  readonly work: ListingWork;
  readonly nights: readonly PendingNight[];
  /** The highest feed version the channel fetched of the listing; undefined when it never did. */
  readonly fetched: FetchedVersion | undefined;
  readonly nowMs: number;
}

export function planFeedAcknowledgement({ work, nights, fetched, nowMs }: FeedAckInput): FeedWait | FeedAcknowledge {
  if (nights.length === 0) return { kind: 'wait', reason: 'nothing_pending', releaseAt: nowMs, spent: work.changesPending };
  const carried = fetched === undefined ? [] : nights.filter((n) => fetchCarries(fetched, n));
  if (fetched === undefined || carried.length === 0) return { kind: 'wait', reason: 'not_fetched', releaseAt: nowMs, spent: 0 };
  const waiting = new Set(nights.filter((n) => !fetchCarries(fetched, n)).map((n) => n.changeEventId)).size;
  const completedAt = Math.max(...carried.map((n) => fetchTimeOf(fetched, n)));
  const newest = carried.reduce((a, b) => (b.version > a.version ? b : a));
  const changesCarried = Math.max(work.changesPending - waiting, 0);
  const requestId = feedAckId(work, fetched.version, carried);
  return {
    kind: 'acknowledge',
    report: {
      propertyId: work.propertyId,
      channel: work.channel,
      requestId,
      version: newest.version,
      source: newest.source,
      changeEventId: newest.changeEventId,
      correlationId: newest.correlationId,
      // One fetch: the channel took it on its own schedule, no call of ours was retried.
      attempts: 1,
      isReconciliation: carried.some((n) => n.isReconciliation),
      completedAt,
    },
    ack: `ical-feed:v${fetched.version}`,
    lagsSeconds: [...new Map(carried.map((n) => [n.changeEventId, Math.max(0, fetchTimeOf(fetched, n) - n.changedAtMs) / 1000])).values()],
    coalesced: Math.max(0, changesCarried - 1),
    nights: carried.map((n) => ({ date: n.date, version: n.version })),
    carried: changesCarried,
  };
}

/**
 * Whether the fetched version holds the night. A reconciliation's correction is at a version the
 * feed showed already (the channel lost it): only a fetch after it counts (as in the claim,
 * FETCH_CARRIES_NIGHT_SQL).
 */
function fetchCarries(fetched: FetchedVersion, night: PendingNight): boolean {
  return night.version <= fetched.version && (!night.isReconciliation || fetched.lastFetchedAtMs >= night.changedAtMs);
}

/** The fetch a night's lag runs to: the first of its version, or for a correction the latest (the one after it). */
function fetchTimeOf(fetched: FetchedVersion, night: PendingNight): number {
  return night.isReconciliation ? fetched.lastFetchedAtMs : fetched.fetchedAtMs;
}

/** The same nights acknowledged by the same fetched version are the same outcome: a repeat after a crash publishes the same result event. */
function feedAckId(work: ListingWork, fetchedVersion: number, nights: readonly PendingNight[]): string {
  const hash = createHash('sha256').update(`feed\n${work.channel}\n${work.listingId}\n${fetchedVersion}`);
  for (const n of nights) hash.update(`\n${n.date}\n${n.version}`);
  return hash.digest('hex').slice(0, 32);
}
