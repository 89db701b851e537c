import { addDays, conflictRecord, type LocalDate, type RaisedConflict } from '@cm/domain';
import { DEFAULT_SHRINK_GUARD, fetchFeed, localDateOfInstant, parseFeed, readFeedChanges, type FeedFetchError, type HeldEntry, type ShrinkGuard } from '@cm/ical';
import type { Channel, ChannelInboundEvent, Conflict } from '@cm/schemas';
import type { Counter, Logger } from '@cm/service-runtime';
import { feedChangeEvents } from './feed-events';
import type { ImportState, ImportStore, NextPoll } from './import-store';

/** A listing whose channel feed is imported, as the directory keeps it (its URL is a secret). */
export interface ImportFeed {
  readonly channel: Channel;
  readonly listingId: string;
  readonly propertyId: string;
  readonly tenantId: string;
  readonly connectionId: string;
  readonly url: string;
  readonly pollIntervalMs: number;
}

export interface IcalImporterDeps {
  readonly store: ImportStore;
  readonly feeds: () => Promise<readonly ImportFeed[]>;
  readonly timeZoneOf: (channel: Channel, listingId: string) => Promise<string | undefined>;
  /** Sends the feed's changes where channel events go (channel.inbound), resolved once the broker has them. */
  readonly send: (events: readonly ChannelInboundEvent[]) => Promise<void>;
  readonly raise: (conflicts: readonly Conflict[]) => Promise<void>;
  readonly metrics: { readonly reads: Counter<'channel' | 'outcome'>; readonly changes: Counter<'channel' | 'change'> };
  readonly log: Logger;
  readonly now: () => number;
}

export interface IcalImporterConfig {
  /** How often due feeds are looked for. */
  readonly tickMs: number;
  /** How long a claimed feed is left to its poller before another may read it. */
  readonly leaseMs: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** How far ahead of today (in the property's zone) a feed's events are taken. */
  readonly horizonDays: number;
}

type ReadOutcome = 'changed' | 'unchanged' | 'failed' | 'incomplete' | 'suspicious_shrink' | 'no_property';

/** Vouched for by an operator: whatever the read dropped is released. */
const NO_GUARD: ShrinkGuard = { minHeld: Number.POSITIVE_INFINITY, maxReleasedShare: 1 };

/**
 * Reads each imported listing feed when it is due (conditional GET, size cap, timeout) and sends
 * what changed since the last read as channel events, which become commands the arbiter decides
 * like any other: an event that appears holds its nights (closing them on every other channel), one
 * that leaves releases them. A feed that fails, is not a whole calendar, or drops too much at once
 * raises a conflict and releases nothing.
 */
export class IcalImporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Feeds whose state row this instance has made sure of: the others are inserted once, not every round. */
  private readonly ensured = new Set<string>();

  constructor(
    private readonly deps: IcalImporterDeps,
    private readonly config: IcalImporterConfig,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pollDue()
        .catch((error: unknown) => this.deps.log.warn({ err: error }, 'iCal import round failed; trying again'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.config.tickMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round: every due feed read, a few at a time, until none is due. */
  async pollDue(): Promise<void> {
    const feeds = await this.deps.feeds();
    if (feeds.length === 0) return;
    const byKey = new Map(feeds.map((f) => [`${f.channel}\u0000${f.listingId}`, f]));
    const unseen = [...byKey].filter(([key]) => !this.ensured.has(key));
    if (unseen.length > 0) {
      await this.deps.store.ensure(unseen.map(([, f]) => f), this.deps.now());
      for (const [key] of unseen) this.ensured.add(key);
    }
    const limit = this.config.concurrency * 4;
    for (;;) {
      const claimed = await this.deps.store.claimDue(feeds, this.deps.now(), this.config.leaseMs, limit);
      let next = 0;
      const worker = async () => {
        while (next < claimed.length && !this.stopped) {
          const state = claimed[next++]!;
          const feed = byKey.get(`${state.channel}\u0000${state.listingId}`)!;
          const outcome = await this.read(feed, state).catch(async (error: unknown) => {
            this.deps.log.error({ err: error, channel: feed.channel, listing: feed.listingId }, 'iCal import of a feed failed unexpectedly; it is read again at its next poll');
            // Counted as a failed read, so a feed that fails so at every read raises SYNC_FAILED
            // (nothing it holds is released meanwhile), not only a line in the log.
            await this.untaken(feed, state, 'the import failed on our side (the ingest log has why)', true).catch(() => undefined);
            return 'failed' as const;
          });
          this.deps.metrics.reads.inc({ channel: feed.channel, outcome });
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.concurrency, claimed.length) }, worker));
      if (claimed.length < limit || this.stopped) return;
    }
  }

  private async read(feed: ImportFeed, state: ImportState): Promise<ReadOutcome> {
    const { store, now } = this.deps;
    const zone = await this.deps.timeZoneOf(feed.channel, feed.listingId);
    if (!zone) {
      await store.recordUntaken(feed.channel, feed.listingId, 'the listing is mapped to no property', nextPoll(state, now() + feed.pollIntervalMs), false);
      return 'no_property';
    }
    const fetched = await fetchFeed(feed.url, {
      timeoutMs: this.config.timeoutMs,
      maxBytes: this.config.maxBytes,
      ...(state.etag === null ? {} : { etag: state.etag }),
      ...(state.lastModified === null ? {} : { lastModified: state.lastModified }),
    });
    if (fetched.status === 'failed') {
      await this.untaken(feed, state, fetchProblem(fetched.error), true);
      return 'failed';
    }
    const readAtMs = now();
    if (fetched.status === 'unchanged') {
      await store.recordUnchanged(feed.channel, feed.listingId, readAtMs, nextPoll(state, readAtMs + feed.pollIntervalMs));
      return 'unchanged';
    }

    const today = localDateOfInstant(new Date(readAtMs), zone);
    const window = { from: today, to: addDays(today as LocalDate, this.config.horizonDays) };
    const parsed = parseFeed(fetched.text, { timeZone: zone, window });
    const known = await store.events(feed.channel, feed.listingId, parsed.entries.map((e) => e.uid));
    const held = known.filter((e) => e.present);
    const reading = readFeedChanges(held, parsed, window, state.acceptShrink ? NO_GUARD : DEFAULT_SHRINK_GUARD);
    if (reading.kind === 'incomplete') {
      await this.untaken(feed, state, `the feed is not a whole calendar (${reading.problems.map((p) => p.code).join(', ')})`, true);
      return 'incomplete';
    }
    if (reading.kind === 'suspicious_shrink') {
      const problem = `the feed dropped ${reading.wouldRelease.length} of the ${reading.heldInWindow} events it held at once; nothing is released until it recovers or an operator accepts it`;
      const { previousProblem } = await store.recordUntaken(feed.channel, feed.listingId, problem, nextPoll(state, readAtMs + feed.pollIntervalMs), false);
      // Raised once per shrink, not at every read of the same one.
      if (previousProblem !== problem) await this.deps.raise([this.conflict(feed, readAtMs, 'shrank', shrinkConflict(feed.channel, reading.wouldRelease, reading.heldInWindow, this.config.horizonDays))]);
      return 'suspicious_shrink';
    }

    const byUid = new Map(known.map((e) => [e.uid, e]));
    const sourceVersion = Math.max(readAtMs, state.sourceVersion + 1);
    const changes = feedChangeEvents({ channel: feed.channel, listingId: feed.listingId, changes: reading.changes, known: (uid) => byUid.get(uid), sourceVersion, occurredAt: readAtMs, correlationId: `ical-import:${feed.channel}:${feed.listingId}:${sourceVersion}` });
    // Stays that ended are over, not cancelled: they stop being held without an event (unless
    // this read changed them: a stay extended on its check-out day is moved, not over).
    const changed = new Set(changes.map((c) => c.held.uid));
    const ended = held.filter((e) => e.checkOut <= window.from && !changed.has(e.uid)).map((e) => ({ ...e, present: false }));
    if (changes.length > 0) await this.deps.send(changes.map((c) => c.event));
    await store.recordRead(feed.channel, feed.listingId, {
      etag: fetched.etag ?? null,
      lastModified: fetched.lastModified ?? null,
      sourceVersion: changes.length > 0 ? sourceVersion : state.sourceVersion,
      readAtMs,
      nextPoll: nextPoll(state, readAtMs + feed.pollIntervalMs),
      events: [...changes.map((c) => c.held), ...ended],
    });
    for (const c of reading.changes) this.deps.metrics.changes.inc({ channel: feed.channel, change: c.change });
    return 'changed';
  }

  private async untaken(feed: ImportFeed, state: ImportState, problem: string, failure: boolean): Promise<void> {
    const nowMs = this.deps.now();
    const { failures } = await this.deps.store.recordUntaken(feed.channel, feed.listingId, problem, nextPoll(state, nowMs + feed.pollIntervalMs), failure);
    this.deps.log.warn({ channel: feed.channel, listing: feed.listingId, failures, problem }, 'iCal feed not taken in; nothing it held is released');
    if (!raisesFailure(failures)) return;
    await this.deps.raise([
      this.conflict(feed, nowMs, `failed-${failures}`, {
        facts: { type: 'SYNC_FAILED', channel: feed.channel, consecutiveFailures: failures },
        resolution: 'KEPT_LEDGER',
        rule: '5.2 sync failures',
        channel: feed.channel,
        summary: `${feed.channel} listing ${feed.listingId}: its iCal feed could not be read ${failures} time(s) in a row (${problem}); what it held stays held`,
      }),
    ]);
  }

  private conflict(feed: ImportFeed, atMs: number, what: string, raised: RaisedConflict): Conflict {
    const id = `ical-import:${feed.channel}:${feed.listingId}:${what}:${atMs}`;
    // Not a ledger decision: version 0, as the reconciler's drift reports are when no ledger version applies.
    return conflictRecord(raised, { eventId: id, propertyId: feed.propertyId, version: 0, source: feed.channel, bookingRef: null, commandId: null, detectedAt: atMs, correlationId: id });
  }
}

/**
 * Which failures in a row raise SYNC_FAILED: the first, the 4th (5.2.3 reviews more than 3), then
 * every tenth power, so a feed broken for a day at a one-second interval raises a handful, not
 * 86,400; escalation counts them on one task.
 */
export function raisesFailure(failures: number): boolean {
  return failures === 1 || failures === 4 || (failures >= 10 && Number.isInteger(Math.log10(failures)));
}

/** What a failed fetch says, without its URL: an import URL is a secret. */
function fetchProblem(error: FeedFetchError): string {
  switch (error.code) {
    case 'ICAL_FEED_HTTP_STATUS':
      return `the feed answered HTTP ${error.httpStatus}`;
    case 'ICAL_FEED_TIMEOUT':
      return 'the feed did not answer in time';
    case 'ICAL_FEED_TOO_LARGE':
      return 'the feed is larger than the size cap';
    case 'ICAL_FEED_NETWORK':
      return 'the feed could not be reached';
  }
}

/** A shrink nobody vouched for: the nights it would release are open on the channel while the ledger holds them. */
function shrinkConflict(channel: Channel, wouldRelease: readonly HeldEntry[], heldInWindow: number, windowDays: number): RaisedConflict {
  const nights = wouldRelease.reduce((sum, e) => sum + (Date.parse(e.checkOut) - Date.parse(e.checkIn)) / 86_400_000, 0);
  return {
    facts: { type: 'AVAILABILITY_DRIFT', channel, driftNights: nights, openWhileBooked: nights, windowDays },
    resolution: 'KEPT_LEDGER',
    rule: '5.1 availability, iCal feed shrank',
    channel,
    summary: `${channel}: its iCal feed dropped ${wouldRelease.length} of ${heldInWindow} events (${nights} nights) at once; they stay held until the feed recovers or an operator accepts it`,
  };
}

function nextPoll(state: ImportState, atMs: number): NextPoll {
  return { atMs, claimedUntilMs: state.claimedUntilMs };
}
