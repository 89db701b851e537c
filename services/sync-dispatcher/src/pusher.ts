import type { Channel } from '@cm/schemas';
import { inTraceOf, withinPerMinute, type Logger, type TokenBuckets } from '@cm/service-runtime';
import type { ChannelAdapters } from '@cm/channel-adapters';
import { LeaseLoop } from './lease-loop';
import type { DispatcherMetrics } from './metrics';
import { planFeedAcknowledgement, type FeedAcknowledge } from './plan/feed-ack';
import { planAfterAnswer, planCall, planPush, type AfterAnswer, type PushPolicy, type Skip } from './plan/push-plan';
import { breakerGaugeValue, initialBreaker, type BreakerState } from './policy/circuit-breaker';
import type { ResultWriter } from './results';
import type { FeedFetches } from './store/feed-fetches';
import type { PushHistory } from './store/push-calls';
import type { Knex } from '@cm/service-runtime';
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
  /** What the iCal channels fetched of our feeds: their acknowledgements wait for it. */
  readonly fetches: FeedFetches;
  /** Each listing's adapter, through its connection. */
  readonly adapters: ChannelAdapters;
  readonly buckets: TokenBuckets;
  readonly results: ResultWriter;
  /** Each call, the pushes held back and the breakers' states, for the operator console. */
  readonly history: PushHistory;
  readonly metrics: DispatcherMetrics;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

/** A leased listing, with its pending nights when they were read with others claimed at the same time. */
interface Leased {
  readonly work: ListingWork;
  readonly nights: PendingNight[] | undefined;
}

/**
 * Pushes what the channels do not show yet: leases due listings, merges each one's pending nights
 * into the fewest ranges, and calls its channel within the channel's rate, behind a breaker per
 * channel, retrying with backoff that honours Retry-After. The newest state of a night is what
 * is pushed, so a night changed five times while a push waited is pushed once. What a push is
 * and what its answer comes to is decided in plan/push-plan.ts; this carries it out. An iCal
 * channel is sent nothing: its listing is acknowledged once the channel fetched a feed version
 * holding its changes (plan/feed-ack.ts).
 */
export class Pusher {
  /** Per connection: one tenant's account failing does not stop another's pushes on the same channel. */
  private readonly breakers = new Map<string, { readonly channel: Channel; readonly state: BreakerState }>();
  private readonly leases: LeaseLoop<Leased>;

  constructor(
    private readonly deps: PusherDeps,
    private readonly config: PusherConfig,
  ) {
    for (const channel of deps.adapters.byChannel.keys()) {
      deps.metrics.circuit.set({ channel }, 0);
      deps.metrics.circuitsNotClosed.set({ channel }, 0);
    }
    const { store, log, now } = deps;
    this.leases = new LeaseLoop<Leased>({
      owner: config.owner,
      leaseMs: config.leaseMs,
      concurrency: config.concurrency,
      now,
      claim: async (lease, nowMs, limit) => {
        const claimed = await store.claimDue(lease, nowMs, limit);
        const pending = claimed.length > 0 ? await store.pendingNightsOf(claimed).catch(() => undefined) : undefined;
        return claimed.map((work) => ({ work, nights: pending?.get(listingKeyOf(work)) }));
      },
      claimFailed: (error) => log.warn({ err: error }, 'could not claim listings to push; retrying'),
      // A slot is held up to the channel's answer; recording the outcome holds none.
      work: ({ work, nights }, freeSlot) => this.pushListing(work, nights, freeSlot),
      workFailed: (error, { work }) => log.error({ err: error, listing: work }, 'push failed unexpectedly; the lease will lapse and it is tried again'),
      releaseUnstarted: ({ work }) => store.release(work, config.owner, now(), work.attempts, null),
    });
  }

  start(): void {
    this.leases.start();
  }

  /** New work was recorded: look now rather than at the next poll. */
  wake(): void {
    this.leases.wake();
  }

  /**
   * A lease for this instance whose end no other lease of it shares, so the statement that takes
   * it can tell the rows it leased from rows this instance already held.
   */
  nextLease(): Lease {
    return this.leases.nextLease();
  }

  /** Pushes listings already leased (with their nights) as soon as slots are free, before any claim. */
  pushLeased(leased: readonly { work: ListingWork; nights: PendingNight[] }[]): void {
    this.leases.offer(leased);
  }

  async stop(): Promise<void> {
    await this.leases.stop();
  }

  /** `known`: its pending nights, read with the others claimed at the same time. */
  private async pushListing(work: ListingWork, known: PendingNight[] | undefined, freeSlot: () => void): Promise<void> {
    const { store, now } = this.deps;
    const adapter = await this.deps.adapters.of(work.channel, work.listingId);
    if (adapter.kind === 'ical') {
      // No call to wait for: the slot goes at once.
      freeSlot();
      return this.acknowledgeFetched(work, known);
    }
    const nights = known ?? (await store.pendingNightsOf([work])).get(listingKeyOf(work)) ?? [];
    const breakerKey = breakerKeyOf(work.channel, adapter.connectionId);
    const before = planPush({ work, nights, adapter, breaker: this.breaker(breakerKey), nowMs: now() });
    if (before.kind === 'skip') return this.release(work, before);
    const token = await this.deps.buckets.take(before.bucket, withinPerMinute(this.config.callsPerMinute));
    const push = planCall({ work, nights, token, breaker: this.breaker(breakerKey), nowMs: now(), breakerConfig: this.config.breaker });
    if (push.kind === 'skip') return this.release(work, push);
    this.setBreaker(breakerKey, work.channel, push.breaker);

    // In the trace of the newest change it carries: one booking's trace runs to every push.
    const result = await inTraceOf(push.newest.traceParent, () => before.adapter.pushAvailability(work.listingId, push.ranges, push.requestId));
    const completedAt = now();
    // The channel has answered: the slot goes to the next push while this outcome is recorded
    // (the listing stays leased until it is).
    freeSlot();
    this.deps.metrics.pushes.inc({ channel: work.channel, outcome: result.ok ? 'ok' : result.outcome });
    const after = planAfterAnswer({ work, nights, push, result, breaker: this.breaker(breakerKey), completedAt, random: this.deps.random(), policy: this.config });
    this.setBreaker(breakerKey, work.channel, after.breaker);
    const call = this.deps.history.callInsert({
      work,
      requestId: push.requestId,
      attempt: push.attempt,
      ranges: push.ranges,
      nights,
      newestVersion: push.newest.version,
      isReconciliation: push.isReconciliation,
      outcome: result.ok ? 'ok' : result.outcome,
      httpStatus: result.ok ? null : result.status,
      error: result.ok ? null : result.error,
      answeredAtMs: completedAt,
    });
    await this.carryOut(work, after.next, call);
  }

  /**
   * A feed channel's listing: acknowledges the changes the channel fetched, the same way as a
   * push's (result and acknowledgement in one statement); the rest wait for a fetch.
   */
  private async acknowledgeFetched(work: ListingWork, known: PendingNight[] | undefined): Promise<void> {
    const { store, fetches, now } = this.deps;
    const [nights, fetched] = await Promise.all([known ?? store.pendingNightsOf([work]).then((p) => p.get(listingKeyOf(work)) ?? []), fetches.fetchedVersionOf(work)]);
    const plan = planFeedAcknowledgement({ work, nights, fetched, nowMs: now() });
    switch (plan.kind) {
      case 'wait':
        return this.releaseUntil(work, plan.releaseAt, { attempts: 0, error: null, carried: plan.spent });
      case 'acknowledge':
        return this.recordFetched(work, plan);
      default:
        return assertNever(plan);
    }
  }

  private async recordFetched(work: ListingWork, ack: FeedAcknowledge): Promise<void> {
    const { store, metrics, results } = this.deps;
    for (const seconds of ack.lagsSeconds) metrics.icalLag.observe({ channel: work.channel }, seconds);
    if (ack.coalesced > 0) metrics.coalesced.inc({ channel: work.channel }, ack.coalesced);
    // Changes recorded meanwhile are in the feed already and wait for a fetch like the rest:
    // nothing to look at again now, whatever is still pending.
    await results.recordWith(results.acknowledged(ack.report, ack.ack), (writes) => store.acknowledged({ listing: work, owner: this.config.owner, nights: ack.nights, nowMs: ack.report.completedAt, carried: ack.carried, writes }));
  }

  /** Gives the listing back without a call. */
  private async release(work: ListingWork, plan: Skip): Promise<void> {
    const { history, metrics, now } = this.deps;
    let writes: Knex.Sql[] = [];
    switch (plan.reason) {
      case 'no_adapter':
        this.deps.log.warn({ channel: work.channel }, 'no adapter for this channel; its listings are not pushed');
        break;
      case 'rate_limited':
        metrics.rateLimitedWaits.inc({ channel: work.channel });
        writes = [history.waitCount(work, 'rate_limited', now())];
        break;
      case 'circuit_open':
      case 'breaker_refused':
        writes = [history.waitCount(work, 'circuit_open', now())];
        break;
      case 'nothing_pending':
        break;
      default:
        assertNever(plan.reason);
    }
    // The wait is counted in the statement that gives the listing back: no round trip of its own,
    // and a listing is never left leased because counting failed.
    await this.releaseUntil(work, plan.releaseAt, { attempts: plan.attempts, error: plan.error, carried: plan.spent }, writes);
  }

  /** Gives the listing back until `dueAtMs`, `writes` in the same statement, and claims it again then. */
  private async releaseUntil(work: ListingWork, dueAtMs: number, state: { attempts: number; error: string | null; carried: number }, writes: readonly Knex.Sql[] = []): Promise<void> {
    await this.deps.store.release(work, this.config.owner, dueAtMs, state.attempts, state.error, state.carried, writes);
    this.leases.dueAt(dueAtMs);
  }

  /** Records what the channel's answer came to, with the call's log (`call`) in the same statement. */
  private async carryOut(work: ListingWork, next: AfterAnswer, call: Knex.Sql): Promise<void> {
    const { store, metrics, results, now } = this.deps;
    const owner = this.config.owner;
    switch (next.kind) {
      case 'acknowledge': {
        // Counted as the channel answers, like the push itself: the acknowledgement is recorded
        // behind a linger, and what the channel shows must not run ahead of what the metrics say.
        for (const seconds of next.lagsSeconds) metrics.lag.observe({ channel: work.channel }, seconds);
        if (next.coalesced > 0) metrics.coalesced.inc({ channel: work.channel }, next.coalesced);
        // The result goes to the outbox in the statement that records the acknowledgement: both
        // are kept, or neither (then the lease lapses and the same push is made again, with the
        // same request id and the same result event id).
        const more = await results.recordWith(results.acknowledged(next.report, next.ack), (writes) => store.acknowledged({ listing: work, owner, nights: next.nights, nowMs: next.report.completedAt, carried: next.carried, writes: [...writes, call] }));
        if (more) this.wake();
        return;
      }
      case 'retry':
        return this.releaseUntil(work, next.at, { attempts: next.attempt, error: next.error, carried: 0 }, [call]);
      case 'report_failure':
        this.deps.log.warn({ channel: work.channel, listing: work.listingId, attempts: next.report.attempts, error: next.error }, 'push failed after its last attempt');
        // Reported, not given up: due again after the wait that follows a failure. The report goes
        // to the outbox in the statement that gives the listing back.
        return results.recordWith(results.failed(next.report, next.error), (writes) => this.releaseUntil(work, now() + next.againAfterMs, { attempts: 0, error: next.error, carried: 0 }, [...writes, call]));
      default:
        return assertNever(next);
    }
  }

  private breaker(key: string): BreakerState {
    return this.breakers.get(key)?.state ?? initialBreaker();
  }

  /**
   * Keeps a connection's breaker; one closed with no failure counted is forgotten, so only
   * connections that failed lately are held. The channel's gauges, and the state the console
   * shows for this instance, are the worst among its connections and how many are not closed.
   */
  private setBreaker(key: string, channel: Channel, state: BreakerState): void {
    const was = this.breakers.get(key)?.state.name ?? 'closed';
    // The channel's summary counts only breakers that are not closed: it can change only when a state's name does (not on every push).
    const channelWas = state.name === was ? undefined : this.channelBreakers(channel);
    if (state.name === 'closed' && state.consecutiveFailures === 0) this.breakers.delete(key);
    else this.breakers.set(key, { channel, state });
    if (!channelWas) return;
    this.deps.log.warn({ channel, breaker: key, from: was, to: state.name }, 'circuit breaker changed state');
    const channelIs = this.channelBreakers(channel);
    if (channelIs.worst !== channelWas.worst) {
      // Off the push's path: a transition the console misses is shown at the next one.
      this.deps.history.breakerEntered(channel, BREAKER_STATE_OF_GAUGE[channelIs.worst], this.deps.now()).catch((error: unknown) => this.deps.log.warn({ err: error, channel }, 'could not record the breaker state for the console'));
    }
    this.deps.metrics.circuit.set({ channel }, channelIs.worst);
    this.deps.metrics.circuitsNotClosed.set({ channel }, channelIs.notClosed);
  }

  /** The worst breaker state among the channel's connections (as the gauge counts it), and how many are not closed. */
  private channelBreakers(channel: Channel): { worst: 0 | 1 | 2; notClosed: number } {
    const values = [...this.breakers.values()].filter((b) => b.channel === channel).map((b) => breakerGaugeValue(b.state));
    return { worst: values.reduce<0 | 1 | 2>((w, v) => (v > w ? v : w), 0), notClosed: values.filter((v) => v > 0).length };
  }
}

const BREAKER_STATE_OF_GAUGE = ['closed', 'half_open', 'open'] as const;

/** A breaker's key: the connection a listing is pushed through, or the channel for a listing without one. */
function breakerKeyOf(channel: Channel, connectionId: string | null): string {
  return connectionId === null ? `channel:${channel}` : `connection:${connectionId}`;
}

function assertNever(value: never): never {
  throw new Error(`unhandled push plan: ${JSON.stringify(value)}`);
}
