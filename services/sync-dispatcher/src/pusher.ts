import type { Channel } from '@cm/schemas';
import { inTraceOf, Waker, withinPerMinute, type Logger, type TokenBuckets } from '@cm/service-runtime';
import type { ChannelAdapter } from '@cm/channel-adapters';
import type { DispatcherMetrics } from './metrics';
import { planAfterAnswer, planCall, planPush, type AfterAnswer, type PushPolicy, type Skip } from './plan/push-plan';
import { breakerGaugeValue, initialBreaker, type BreakerState } from './policy/circuit-breaker';
import type { ResultWriter } from './results';
import { listingKeyOf, type Lease, type ListingWork, type PendingNight, type SyncStore } from './store/sync-store';

export interface PusherConfig extends PushPolicy {
  readonly owner: string;
  readonly leaseMs: number;
  /** Listings pushed at once; a slow channel holds only its own listings' slots. */
  readonly concurrency: number;
  /** Availability calls per minute a channel allows per property (Channex: 10). */
  readonly callsPerMinute: number;
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
 * is pushed, so a night changed five times while a push waited is pushed once. What a push is
 * and what its answer comes to is decided in plan/push-plan.ts; this carries it out.
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
    const { store, now } = this.deps;
    const adapter = this.deps.adapters.get(work.channel);
    const nights = known ?? (await store.pendingNightsOf([work])).get(listingKeyOf(work)) ?? [];
    const before = planPush({ work, nights, adapter, breaker: this.breaker(work.channel), nowMs: now() });
    if (before.kind === 'skip') return this.release(work, before);
    const token = await this.deps.buckets.take(before.bucket, withinPerMinute(this.config.callsPerMinute));
    const push = planCall({ work, nights, token, breaker: this.breaker(work.channel), nowMs: now(), breakerConfig: this.config.breaker });
    if (push.kind === 'skip') return this.release(work, push);
    this.setBreaker(work.channel, push.breaker);

    // In the trace of the newest change it carries: one booking's trace runs to every push.
    const result = await inTraceOf(push.newest.traceParent, () => before.adapter.pushAvailability(work.listingId, push.ranges, push.requestId));
    const completedAt = now();
    // The channel has answered: the slot goes to the next push while this outcome is recorded
    // (the listing stays leased until it is).
    freeSlot();
    this.deps.metrics.pushes.inc({ channel: work.channel, outcome: result.ok ? 'ok' : result.outcome });
    const after = planAfterAnswer({ work, nights, push, result, breaker: this.breaker(work.channel), completedAt, random: this.deps.random(), policy: this.config });
    this.setBreaker(work.channel, after.breaker);
    await this.carryOut(work, after.next);
  }

  /** Gives the listing back without a call. */
  private async release(work: ListingWork, plan: Skip): Promise<void> {
    switch (plan.reason) {
      case 'no_adapter':
        this.deps.log.warn({ channel: work.channel }, 'no adapter for this channel; its listings are not pushed');
        break;
      case 'rate_limited':
        this.deps.metrics.rateLimitedWaits.inc({ channel: work.channel });
        break;
      case 'nothing_pending':
      case 'circuit_open':
      case 'breaker_refused':
        break;
      default:
        assertNever(plan.reason);
    }
    await this.deps.store.release(work, this.config.owner, plan.releaseAt, plan.attempts, plan.error, plan.spent);
  }

  /** Records what the channel's answer came to. */
  private async carryOut(work: ListingWork, next: AfterAnswer): Promise<void> {
    const { store, metrics, results, now } = this.deps;
    const owner = this.config.owner;
    switch (next.kind) {
      case 'acknowledge': {
        // Counted as the channel answers, like the push itself: the acknowledgement is recorded
        // behind a linger, and what the channel shows must not run ahead of what the metrics say.
        for (const seconds of next.lagsSeconds) metrics.lag.observe({ channel: work.channel }, seconds);
        if (next.coalesced > 0) metrics.coalesced.inc({ channel: work.channel }, next.coalesced);
        // The result first: if recording the acknowledgement then fails, the lease lapses and the
        // same push is made again (same request id, so the platform applies it once, and the same
        // result event id, so consumers take it once); the other order could lose the result.
        await results.acknowledged(next.report, next.ack);
        const more = await store.acknowledged({ listing: work, owner, nights: next.nights, nowMs: next.report.completedAt, carried: next.carried });
        if (more) this.wake();
        return;
      }
      case 'retry':
        await store.release(work, owner, next.at, next.attempt, next.error);
        return;
      case 'report_failure':
        this.deps.log.warn({ channel: work.channel, listing: work.listingId, attempts: next.report.attempts, error: next.error }, 'push failed after its last attempt');
        await results.failed(next.report, next.error);
        // Reported, not given up: due again after the wait that follows a failure, counted from the report.
        await store.release(work, owner, now() + next.againAfterMs, 0, next.error);
        return;
      default:
        return assertNever(next);
    }
  }

  private breaker(channel: Channel): BreakerState {
    return this.breakers.get(channel) ?? initialBreaker();
  }

  private setBreaker(channel: Channel, state: BreakerState): void {
    this.breakers.set(channel, state);
    this.deps.metrics.circuit.set({ channel }, breakerGaugeValue(state));
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled push plan: ${JSON.stringify(value)}`);
}
