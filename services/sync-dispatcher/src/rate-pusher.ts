import { createHash } from 'node:crypto';
import { addDays, type RateLookup } from '@cm/domain';
import type { ChannelAdapter } from '@cm/channel-adapters';
import type { RatesStore } from '@cm/rates';
import type { Channel } from '@cm/schemas';
import { withinPerMinute, type Logger, type TokenBuckets } from '@cm/service-runtime';
import { LeaseLoop } from './lease-loop';
import type { DispatcherMetrics } from './metrics';
import { planRatePush, type ListingPricing } from './plan/rate-push';
import { nextDelayMs, shouldRetry, type RetryPolicy } from './policy/backoff';
import type { MarkedNight, RateStore, RateWork } from './store/rate-store';

export interface RatePusherConfig {
  readonly owner: string;
  readonly leaseMs: number;
  readonly concurrency: number;
  /** Price and restriction calls a channel allows per property a minute (Channex: 10), a bucket apart from availability's. */
  readonly callsPerMinute: number;
  /** Ranges one call carries at most (the platforms' limit per request). */
  readonly rangesPerCall: number;
  /** Marked nights read for one push of a listing. */
  readonly nightsPerPush: number;
  readonly retry: RetryPolicy;
  readonly afterFailureMs: number;
}

export interface RatePusherDeps {
  readonly store: RateStore;
  readonly rates: RatesStore;
  readonly pricingOf: (work: RateWork) => Promise<ListingPricing | undefined>;
  readonly adapters: ReadonlyMap<Channel, ChannelAdapter>;
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
export class RatePusher {
  private readonly leases: LeaseLoop<RateWork>;

  constructor(
    private readonly deps: RatePusherDeps,
    private readonly config: RatePusherConfig,
  ) {
    this.leases = new LeaseLoop<RateWork>({
      owner: config.owner,
      leaseMs: config.leaseMs,
      concurrency: config.concurrency,
      now: deps.now,
      claim: (lease, nowMs, limit) => deps.store.claim(lease, nowMs, limit),
      claimFailed: (error) => deps.log.warn({ err: error }, 'could not claim listings for rate pushes; retrying'),
      work: (work) => this.push(work),
      workFailed: (error, work) => deps.log.error({ err: error, listing: work }, 'rate push failed unexpectedly; the lease will lapse and it is tried again'),
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

  private async push(work: RateWork): Promise<void> {
    const { store, rates, metrics, log, now } = this.deps;
    const owner = this.config.owner;
    const marked = await store.markedNights(work, this.config.nightsPerPush);
    const unread = marked.length === this.config.nightsPerPush;
    if (marked.length === 0) return store.release(work, owner, { dueAtMs: null, nowMs: now(), attempts: 0, error: null, unread });
    const adapter = this.deps.adapters.get(work.channel);
    const pricing = await this.deps.pricingOf(work);
    if (!adapter || !adapter.rateCapabilities.has('push_rates') || !pricing) {
      // No channel API to take rates, or the listing is no longer mapped: nothing to push to.
      log.warn({ channel: work.channel, listing: work.listingId }, 'rates cannot be pushed to this listing; its marked nights are dropped');
      await store.pushed(work, marked);
      return store.release(work, owner, { dueAtMs: null, nowMs: now(), attempts: 0, error: null, unread });
    }
    const terms = await rates.nights(work.propertyId, firstNight(marked), dayAfter(lastNight(marked)), [...new Set(marked.map((n) => n.ratePlan))]);
    const plan = planRatePush({ marked, terms: (ratePlan, night) => terms.get(ratePlan)?.get(night), pricing, fx: this.deps.fx, rangesPerCall: this.config.rangesPerCall });
    await store.pushed(work, plan.unsold);
    if (plan.unconverted > 0) metrics.rateNightsWithoutPrice.inc({ channel: work.channel }, plan.unconverted);

    for (const call of plan.calls) {
      const token = await this.deps.buckets.take(`rates:${work.channel}:${work.propertyId}`, withinPerMinute(this.config.callsPerMinute));
      if (!token.allowed) {
        metrics.rateLimitedWaits.inc({ channel: work.channel });
        return store.release(work, owner, { dueAtMs: now() + token.retryAfterMs, nowMs: now(), attempts: work.attempts, error: null, unread });
      }
      const result = await adapter.pushRates(work.listingId, call.ranges, requestIdOf(work, call.nights));
      metrics.ratePushes.inc({ channel: work.channel, outcome: result.ok ? 'ok' : result.outcome });
      if (!result.ok) {
        const attempt = work.attempts + 1;
        const retry = shouldRetry(result.outcome, attempt, this.config.retry);
        const waitMs = retry ? nextDelayMs({ attempt, baseMs: this.config.retry.baseMs, maxMs: this.config.retry.maxMs, random: this.deps.random(), retryAfterMs: result.retryAfterMs }) : this.config.afterFailureMs;
        if (!retry) log.warn({ channel: work.channel, listing: work.listingId, attempts: attempt, error: result.error }, 'rate push failed after its last attempt; tried again later');
        return store.release(work, owner, { dueAtMs: now() + waitMs, nowMs: now(), attempts: retry ? attempt : 0, error: result.error, unread });
      }
      await store.pushed(work, call.nights);
    }
    await store.release(work, owner, { dueAtMs: null, nowMs: now(), attempts: 0, error: null, unread });
  }
}

/** The same nights at the same markings are the same request: a retry is applied once by a channel that dedupes. */
function requestIdOf(work: RateWork, nights: readonly MarkedNight[]): string {
  const hash = createHash('sha256').update(`${work.channel}\n${work.listingId}`);
  for (const n of nights) hash.update(`\n${n.ratePlan}\n${n.night}\n${n.mark}`);
  return `rates-${hash.digest('hex').slice(0, 32)}`;
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
