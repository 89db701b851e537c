import { createHash } from 'node:crypto';
import type { Channel } from '@cm/schemas';
import { inTraceOf, Waker, withinPerMinute, type Logger, type TokenBuckets } from '@cm/service-runtime';
import type { ChannelAdapter, PushResult } from '@cm/channel-adapters';
import type { DispatcherMetrics } from './metrics';
import { mergeIntoRanges } from './plan/night-ranges';
import { nextDelayMs, shouldRetry, type RetryPolicy } from './policy/backoff';
import { breakerAllows, breakerGaugeValue, countsAsBreakerFailure, initialBreaker, recordResult, type BreakerConfig, type BreakerState } from './policy/circuit-breaker';
import type { ResultWriter } from './results';
import { listingKeyOf, type Lease, type ListingWork, type PendingNight, type SyncStore } from './store/sync-store';

export interface PusherConfig {
  readonly owner: string;
  readonly leaseMs: number;
  /** Listings pushed at once; a slow channel holds only its own listings' slots. */
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly breaker: BreakerConfig;
  /** Availability calls per minute a channel allows per property (Channex: 10). */
  readonly callsPerMinute: number;
  /** After the last attempt failed, the listing is tried again this much later, until it converges. */
  readonly afterFailureMs: number;
}

export interface PusherDeps {
  readonly store: SyncStore;
  readonly adapters: ReadonlyMap<Channel, ChannelAdapter>;
  readonly buckets: TokenBuckets;
  readonly results: ResultWriter;
  readonly metrics: DispatcherMetrics;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

/** How often listings whose wait ended are looked for when nothing announced work. */
const POLL_MS = 250;

/**
 * Pushes what the channels do not show yet: leases due listings, merges each one's pending nights
 * into the fewest ranges, and calls its channel within the channel's rate, behind a breaker per
 * channel, retrying with backoff that honours Retry-After. The newest state of a night is what
 * is pushed, so a night changed five times while a push waited is pushed once.
 */
export class Pusher {
  private readonly breakers = new Map<Channel, BreakerState>();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  /** Every push not finished, bookkeeping included (stop waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Pushes holding a slot: up to the channel's answer; recording the outcome holds none. */
  private busySlots = 0;
  /** Listings leased while their changes were recorded, with their nights: pushed before any claim. */
  private readonly ready: { work: ListingWork; nights: PendingNight[] }[] = [];
  private lastLeaseUntilMs = 0;
  /** Listings may be due that no lease covers: claim at once instead of at the next poll. */
  private backlog = true;
  private lastClaimAtMs = 0;

  constructor(
    private readonly deps: PusherDeps,
    private readonly config: PusherConfig,
  ) {
    for (const channel of deps.adapters.keys()) deps.metrics.circuit.set({ channel }, 0);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** New work was recorded: look now rather than at the next poll. */
  wake(): void {
    this.backlog = true;
    this.waker.wake();
  }

  /**
   * A lease for this instance whose end no other lease of it shares, so the statement that takes
   * it can tell the rows it leased from rows this instance already held.
   */
  nextLease(): Lease {
    this.lastLeaseUntilMs = Math.max(this.deps.now() + this.config.leaseMs, this.lastLeaseUntilMs + 1);
    return { owner: this.config.owner, untilMs: this.lastLeaseUntilMs };
  }

  /** Pushes listings already leased (with their nights) as soon as slots are free. */
  pushLeased(leased: readonly { work: ListingWork; nights: PendingNight[] }[]): void {
    this.ready.push(...leased);
    this.launchReady();
  }

  private launchReady(): void {
    while (this.running && this.ready.length > 0 && this.busySlots < this.config.concurrency) {
      const { work, nights } = this.ready.shift()!;
      this.launch(work, nights);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all(this.inFlight);
    // Leased but not started: given back due now, rather than left to lapse with the lease.
    const unstarted = this.ready.splice(0);
    await Promise.all(unstarted.map(({ work }) => this.deps.store.release(work, this.config.owner, this.deps.now(), work.attempts, null).catch(() => undefined)));
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.launchReady();
      const free = this.config.concurrency - this.busySlots;
      // Claims when work was announced, and every poll interval for listings whose wait (backoff,
      // rate limit, a lapsed lease) ended; not after every push, which would query for nothing.
      if (free > 0 && (this.backlog || this.deps.now() - this.lastClaimAtMs >= POLL_MS)) {
        this.backlog = false;
        this.lastClaimAtMs = this.deps.now();
        const claimed = await this.claim(free);
        if (claimed.length === free) this.backlog = true;
        const pending = claimed.length > 0 ? await this.deps.store.pendingNightsOf(claimed).catch(() => undefined) : undefined;
        for (const work of claimed) this.launch(work, pending?.get(listingKeyOf(work)));
      }
      if (!this.backlog || this.busySlots >= this.config.concurrency) await this.waker.sleep(POLL_MS);
    }
  }

  private launch(work: ListingWork, nights: PendingNight[] | undefined): void {
    this.busySlots++;
    let held = true;
    const freeSlot = () => {
      if (!held) return;
      held = false;
      this.busySlots--;
      this.launchReady();
      if (this.backlog) this.waker.wake();
    };
    const job = this.pushListing(work, nights, freeSlot).catch((error: unknown) => this.deps.log.error({ err: error, listing: work }, 'push failed unexpectedly; the lease will lapse and it is tried again'));
    this.inFlight.add(job);
    void job.finally(() => {
      this.inFlight.delete(job);
      freeSlot();
    });
  }

  private async claim(limit: number): Promise<ListingWork[]> {
    try {
      return await this.deps.store.claimDue(this.nextLease(), this.deps.now(), limit);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'could not claim listings to push; retrying');
      return [];
    }
  }

  /** `known`: its pending nights, read with the others claimed at the same time. */
  private async pushListing(work: ListingWork, known: PendingNight[] | undefined, freeSlot: () => void): Promise<void> {
    const { store, metrics, now } = this.deps;
    const adapter = this.deps.adapters.get(work.channel);
    const nights = known ?? (await store.pendingNightsOf([work])).get(listingKeyOf(work)) ?? [];
    if (nights.length === 0 || !adapter) {
      if (!adapter && nights.length > 0) this.deps.log.warn({ channel: work.channel }, 'no adapter for this channel; its listings are not pushed');
      // No night left to push (a newer state was acknowledged already): its changes are spent.
      await store.release(work, this.config.owner, adapter ? now() : now() + 3_600_000, 0, adapter ? null : 'no adapter', nights.length === 0 ? work.changesPending : 0);
      return;
    }

    // While the breaker is plainly open, no token is spent; it is asked for a call last, right
    // before the call, so a trial it grants is always used.
    const breaker = this.breaker(work.channel);
    if (breaker.name === 'open' && now() < breaker.coolDownEndsAtMs) {
      await store.release(work, this.config.owner, breaker.coolDownEndsAtMs, work.attempts, 'circuit open');
      return;
    }
    const taken = await this.deps.buckets.take(`sync:${work.channel}:${work.propertyId}`, withinPerMinute(this.config.callsPerMinute));
    if (!taken.allowed) {
      metrics.rateLimitedWaits.inc({ channel: work.channel });
      await store.release(work, this.config.owner, now() + taken.retryAfterMs, work.attempts, null);
      return;
    }
    const gate = breakerAllows(this.breaker(work.channel), now());
    this.setBreaker(work.channel, gate.state);
    if (!gate.allowed) {
      await store.release(work, this.config.owner, now() + Math.max(250, this.config.breaker.coolDownMs / 4), work.attempts, 'circuit open');
      return;
    }

    const ranges = mergeIntoRanges(nights.map((n) => ({ date: n.date, available: n.available, price: null, minStay: null, version: n.version })));
    const newest = nights.reduce((a, b) => (b.version > a.version ? b : a));
    // Stable across retries of a push, so a platform that dedupes applies it once. A correction
    // repeats the very ranges of a push the platform acknowledged and lost: it gets an id of its
    // own, or the platform would answer it as a replay without applying it.
    const correctionOf = nights.some((n) => n.isReconciliation) ? newest.changeEventId : '';
    const requestId = createHash('sha256').update(`${work.channel}\n${work.listingId}\n${JSON.stringify(ranges)}\n${correctionOf}`).digest('hex').slice(0, 32);
    const attempt = work.attempts + 1;
    // In the trace of the newest change it carries: one booking's trace runs to every push.
    const result = await inTraceOf(newest.traceParent, () => adapter.pushAvailability(work.listingId, ranges.map((r) => ({ from: r.from, to: r.to, available: r.available })), requestId));
    const completedAt = now();
    // The channel has answered: the slot goes to the next push while this outcome is recorded
    // (the listing stays leased until it is).
    freeSlot();
    metrics.pushes.inc({ channel: work.channel, outcome: result.ok ? 'ok' : result.outcome });
    this.setBreaker(work.channel, recordResult(this.breaker(work.channel), result.ok || !countsAsBreakerFailure(result.outcome) ? 'success' : 'failure', completedAt, this.config.breaker));
    const report = {
      propertyId: work.propertyId,
      channel: work.channel,
      requestId,
      version: newest.version,
      source: newest.source,
      changeEventId: newest.changeEventId,
      correlationId: newest.correlationId,
      attempts: attempt,
      isReconciliation: nights.some((n) => n.isReconciliation),
      completedAt,
    };

    if (result.ok) {
      // Counted as the channel answers, like the push itself: the acknowledgement is recorded
      // behind a linger, and what the channel shows must not run ahead of what the metrics say.
      this.observeLag(work.channel, nights, completedAt);
      if (work.changesPending > 1) metrics.coalesced.inc({ channel: work.channel }, work.changesPending - 1);
      // The result first: if recording the acknowledgement then fails, the lease lapses and the
      // same push is made again (same request id, so the platform applies it once, and the same
      // result event id, so consumers take it once); the other order could lose the result.
      await this.deps.results.acknowledged(report, result.ack);
      const more = await store.acknowledged({ listing: work, owner: this.config.owner, nights: nights.map((n) => ({ date: n.date, version: n.version })), nowMs: completedAt, carried: work.changesPending });
      if (more) this.wake();
      return;
    }
    await this.failed(work, result, report, attempt);
  }

  private async failed(work: ListingWork, result: Extract<PushResult, { ok: false }>, report: Parameters<ResultWriter['failed']>[0], attempt: number): Promise<void> {
    const { store, now } = this.deps;
    if (shouldRetry(result.outcome, attempt, this.config.retry)) {
      const delay = nextDelayMs({ attempt, baseMs: this.config.retry.baseMs, maxMs: this.config.retry.maxMs, random: this.deps.random(), retryAfterMs: result.retryAfterMs });
      await store.release(work, this.config.owner, now() + delay, attempt, result.error);
      return;
    }
    this.deps.log.warn({ channel: work.channel, listing: work.listingId, attempts: attempt, error: result.error }, 'push failed after its last attempt');
    await this.deps.results.failed(report, result.error);
    // Reported, but not given up: the nights stay pending and are tried again later, so the
    // channel converges once it is back.
    await store.release(work, this.config.owner, now() + this.config.afterFailureMs, 0, result.error);
  }

  /** Lag of each change the push carried, from the change to the acknowledgement. */
  private observeLag(channel: Channel, nights: readonly PendingNight[], ackedAt: number): void {
    const changes = new Map<string, number>();
    for (const n of nights) changes.set(n.changeEventId, n.changedAtMs);
    for (const changedAt of changes.values()) this.deps.metrics.lag.observe({ channel }, Math.max(0, ackedAt - changedAt) / 1000);
  }

  private breaker(channel: Channel): BreakerState {
    return this.breakers.get(channel) ?? initialBreaker();
  }

  private setBreaker(channel: Channel, state: BreakerState): void {
    this.breakers.set(channel, state);
    this.deps.metrics.circuit.set({ channel }, breakerGaugeValue(state));
  }
}
