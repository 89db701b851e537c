import { addDays, type ListingQuoteTerms, type RateLookup } from '@cm/domain';
import type { ChannelAdapters } from '@cm/channel-adapters';
import type { Channel } from '@cm/schemas';
import { withinPerMinute, type Logger, type TokenBuckets } from '@cm/service-runtime';
import { LeaseLoop } from './lease-loop';
import type { DispatcherMetrics } from './metrics';
import { planRatePush, rateRequestId, type RatePushPlan } from './plan/rate-push';
import { nextDelayMs, shouldRetry, type RetryPolicy } from './policy/backoff';
import type { DirtyPlan, MarkedNight, RateStore, RateWork } from './store/rate-store';
import { listingKeyOf } from './store/sync-store';
import type { SharedTermsReads } from './store/shared-terms-reads';

export interface RatePusherConfig {
  readonly owner: string;
  readonly leaseMs: number;
  readonly concurrency: number;
  /** Price and restriction calls a channel allows per property a minute (Channex: 10), a bucket apart from availability's. */
  readonly callsPerMinute: number;
  /** Ranges one call carries at most (the platforms' limit per request). */
  readonly rangesPerCall: number;
  readonly retry: RetryPolicy;
  readonly afterFailureMs: number;
}

export interface RatePusherDeps {
  readonly store: RateStore;
  /** The PMS's terms, read once for the property's listings pushed together. */
  readonly terms: SharedTermsReads;
  readonly pricingOf: (work: RateWork) => Promise<ListingQuoteTerms | undefined>;
  /** Each listing's adapter, through its connection. */
  readonly adapters: ChannelAdapters;
  readonly buckets: TokenBuckets;
  readonly fx: RateLookup;
  readonly metrics: DispatcherMetrics;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: () => number;
}

/**
 * Pushes the PMS's rates and restrictions to each listing's channel: leases listings with marked
 * nights, reads the nights' terms as the PMS holds them now, and sends them as the fewest ranges
 * (plan/rate-push.ts decides what), each call within the channel's price-and-restriction rate for
 * the property. A night changed many times while its listing waited is pushed once, as it is now.
 */
/** A claimed listing with its nights to push, read with the others claimed at the same time. */
interface Claimed {
  readonly work: RateWork;
  readonly dirty: readonly DirtyPlan[];
  /** When they were read, in the terms reader's time. */
  readonly readAt: number;
}

/** How long a listing whose call was refused is pushed a range a call: its refused range is found among those ranges, however long it waits for its tokens. */
const RANGE_BY_RANGE_MS = 15 * 60_000;

export class RatePusher {
  private readonly leases: LeaseLoop<Claimed>;
  /** Listings whose call a channel refused lately, until when they are pushed a range a call (in this process: a restart finds out again). */
  private readonly rangeByRange = new Map<string, number>();

  constructor(
    private readonly deps: RatePusherDeps,
    private readonly config: RatePusherConfig,
  ) {
    this.leases = new LeaseLoop<Claimed>({
      owner: config.owner,
      leaseMs: config.leaseMs,
      concurrency: config.concurrency,
      now: deps.now,
      claim: async (lease, nowMs, limit) => {
        const claimed = await deps.store.claim(lease, nowMs, limit);
        if (claimed.length === 0) return [];
        const dirty = await deps.store.dirtyPlansOf(claimed);
        const readAt = deps.terms.now();
        return claimed.map((work) => ({ work, dirty: dirty.get(listingKeyOf(work)) ?? [], readAt }));
      },
      claimFailed: (error) => deps.log.warn({ err: error }, 'could not claim listings for rate pushes; retrying'),
      work: (claimed) => this.push(claimed),
      workFailed: (error, { work }) => deps.log.error({ err: error, listing: work }, 'rate push failed unexpectedly; the lease will lapse and it is tried again'),
    });
  }

  start(): void {
    this.leases.start();
  }

  wake(): void {
    this.leases.wake();
  }

  async stop(): Promise<void> {
    await this.leases.stop();
  }

  private async push({ work, dirty, readAt }: Claimed): Promise<void> {
    const { store, metrics, log, now } = this.deps;
    const owner = this.config.owner;
    const marksOf = new Map(dirty.map((plan) => [plan.ratePlan, plan.marks]));
    /** What the channel took (or will never take), and when the listing is due again. */
    const done: MarkedNight[] = [];
    const finish = async (release: { dueAtMs: number | null; attempts: number; error: string | null }) => {
      await store.finish(work, owner, done, marksOf, { ...release, nowMs: now() });
      if (release.dueAtMs !== null) this.leases.dueAt(release.dueAtMs);
    };
    const idle = { dueAtMs: null, attempts: 0, error: null };
    if (dirty.every((plan) => plan.nights.length === 0)) return finish(idle);
    const adapter = await this.deps.adapters.of(work.channel, work.listingId);
    const pricing = await this.deps.pricingOf(work);
    if (!adapter.rateCapabilities.has('push_rates') || !pricing) {
      // No channel API to take rates, or the listing is no longer mapped: nothing to push to.
      log.warn({ channel: work.channel, listing: work.listingId }, 'rates cannot be pushed to this listing; its marked nights are dropped');
      done.push(...markedNights(dirty));
      return finish(idle);
    }
    // Only the calls outlive the planning: what it read and merged is garbage before the first call.
    const key = listingKeyOf(work);
    if ((this.rangeByRange.get(key) ?? 0) <= now()) this.rangeByRange.delete(key);
    const { plan, alone } = await this.plan(work, dirty, readAt, pricing, this.rangeByRange.has(key) ? 1 : this.config.rangesPerCall);
    done.push(...plan.unsold);
    if (plan.unconverted > 0) metrics.rateNightsWithoutPrice.inc({ channel: work.channel }, plan.unconverted);

    let refused: string | null = null;
    const calls = [...plan.calls];
    for (let call = calls.shift(); call !== undefined; call = calls.shift()) {
      const token = await this.deps.buckets.take(`rates:${work.channel}:${work.propertyId}`, withinPerMinute(this.config.callsPerMinute));
      if (!token.allowed) {
        metrics.rateLimitedWaits.inc({ channel: work.channel });
        return finish({ dueAtMs: now() + token.retryAfterMs, attempts: work.attempts, error: refused });
      }
      const result = await adapter.pushRates(work.listingId, call.ranges, rateRequestId(work, call, marksOf));
      metrics.ratePushes.inc({ channel: work.channel, outcome: result.ok ? 'ok' : result.outcome });
      if (!result.ok && refusesContent(result) && call.ranges.length > 1) {
        // Which of its ranges the channel refuses is found by sending each alone.
        // Remembered: the calls after this one may wait for tokens past this push, and the next is planned afresh.
        this.rangeByRange.set(key, now() + RANGE_BY_RANGE_MS);
        calls.unshift(...alone(call.nights));
        continue;
      }
      if (!result.ok && refusesContent(result)) {
        // The channel refuses what this range carries (a stay rule past its limit, say): sent
        // again it is refused again, and waiting on it held back every later call of the listing
        // for good. Its nights are given up, said in the log, the metric and the listing's last
        // error; the reconciler's next pass reports the channel's rates as drifted.
        log.warn({ channel: work.channel, listing: work.listingId, status: result.status, error: result.error, nights: call.nights.length }, 'the channel refused a rate push; its nights are given up, the rest go on');
        metrics.rateNightsRefused.inc({ channel: work.channel }, call.nights.length);
        refused = `refused by the channel (${result.status}): ${result.error}`.slice(0, 500);
        done.push(...call.nights);
        continue;
      }
      if (!result.ok) {
        const attempt = work.attempts + 1;
        const retry = shouldRetry(result.outcome, attempt, this.config.retry);
        const waitMs = retry ? nextDelayMs({ attempt, baseMs: this.config.retry.baseMs, maxMs: this.config.retry.maxMs, random: this.deps.random(), retryAfterMs: result.retryAfterMs }) : this.config.afterFailureMs;
        if (!retry) log.warn({ channel: work.channel, listing: work.listingId, attempts: attempt, error: result.error }, 'rate push failed after its last attempt; tried again later');
        return finish({ dueAtMs: now() + waitMs, attempts: retry ? attempt : 0, error: result.error });
      }
      done.push(...call.nights);
    }
    await finish({ ...idle, error: refused });
  }

  /** A listing's push: its marked nights' terms as the PMS holds them, for its channel, in calls; and some of them again, a range a call. */
  private async plan(work: RateWork, dirty: readonly DirtyPlan[], readAt: number, pricing: ListingQuoteTerms, rangesPerCall: number): Promise<{ plan: RatePushPlan; alone: (nights: readonly MarkedNight[]) => RatePushPlan['calls'] }> {
    const marked = markedNights(dirty);
    const terms = await this.deps.terms.terms(work.propertyId, firstNight(marked), dayAfter(lastNight(marked)), dirty.map((plan) => plan.ratePlan), readAt);
    const planOf = (nights: readonly MarkedNight[], rangesPerCall: number) => planRatePush({ marked: nights, terms: (ratePlan, night) => terms.get(ratePlan)?.get(night), pricing, fx: this.deps.fx, rangesPerCall });
    return { plan: planOf(marked, rangesPerCall), alone: (nights) => planOf(nights, 1).calls };
  }
}

/**
 * A 400, 413 or 422: the channel says what the call carries is wrong. Not a 401 or 403 (the
 * connection's credentials, which a rotation mends), a 404 (a listing not there yet), a 408 or a
 * 429: those are tried again.
 */
function refusesContent(result: { readonly outcome: string; readonly status: number | null }): boolean {
  return result.outcome === 'client_error' && (result.status === 400 || result.status === 413 || result.status === 422);
}

function markedNights(dirty: readonly DirtyPlan[]): MarkedNight[] {
  return dirty.flatMap((plan) => plan.nights.map((night) => ({ ratePlan: plan.ratePlan, night })));
}


function firstNight(nights: readonly MarkedNight[]) {
  return nights.reduce((min, n) => (n.night < min ? n.night : min), nights[0]!.night);
}

function lastNight(nights: readonly MarkedNight[]) {
  return nights.reduce((max, n) => (n.night > max ? n.night : max), nights[0]!.night);
}

function dayAfter(night: MarkedNight['night']) {
  return addDays(night, 1);
}
