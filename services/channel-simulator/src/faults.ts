import type { FaultPlan, OutageMode } from './fault-plan';
import type { FeedBreakage } from './ical-export';
import { createRandom, type Random } from './random';
import { createRateLimiter, type RateLimiter } from './rate-limit';
import type { ApiEndpoint, CallOutcome } from './stats';

/**
 * A channel's fault plan in force, and the decision it makes for each API call. Decisions draw
 * from the channel's seeded randomness (reseeded whenever a plan is set), so the same plan, seed
 * and calls give the same failures.
 */

export type Admission =
  | { readonly kind: 'pass'; readonly delayMs: number }
  | {
      readonly kind: 'refuse';
      readonly delayMs: number;
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly retryAfterSeconds: number | null;
      readonly outcome: Extract<CallOutcome, 'throttled' | 'failed'>;
    }
  | { readonly kind: 'destroy_connection' };

export interface FaultsView {
  readonly plan: FaultPlan | null;
  /** What is left of the faults that end, as of now. */
  readonly remaining: {
    readonly outage_until: string | null;
    readonly throttle_until: string | null;
    readonly throttle_requests: number | null;
    readonly lost_next: number | null;
    readonly broken_feed_next: number | null;
  };
}

/**
 * Which per-listing limit a call uses, if any: availability, and prices and restrictions, each
 * their own (Channex: 10 a minute of each per property); reads (calendar, rates, one
 * reservation) are not limited.
 */
type LimitedBy = 'availability' | 'rates' | 'reservations';

function limitOf(endpoint: ApiEndpoint): LimitedBy | null {
  switch (endpoint) {
    case 'availability':
    case 'rates':
      return endpoint;
    case 'acknowledge':
    case 'decide_request':
    case 'decide_alteration':
    case 'host_cancel':
      return 'reservations';
    case 'calendar':
    case 'read_rates':
    case 'read_reservation':
    case 'ical_feed':
      return null;
    default: {
      const unknown: never = endpoint;
      throw new Error(`unknown endpoint ${String(unknown)}`);
    }
  }
}

export class ChannelFaults {
  private plan: FaultPlan | null = null;
  private random: Random;
  private outageUntilMs: number | null = null;
  private outageMode: OutageMode = 'status_503';
  private throttleUntilMs: number | null = null;
  private throttleRequestsLeft: number | null = null;
  private lostNextLeft: number | null = null;
  private brokenFeedNextLeft: number | null = null;
  private limiters: Partial<Record<LimitedBy, RateLimiter>> = {};

  /** `defaultSeed`: the seed used when a plan does not bring its own. */
  constructor(private readonly defaultSeed: number) {
    this.random = createRandom(defaultSeed);
  }

  set(plan: FaultPlan, nowMs: number): void {
    this.clear();
    this.plan = plan;
    this.random = createRandom(plan.seed ?? this.defaultSeed);
    if (plan.outage) {
      this.outageUntilMs = plan.outage.until !== undefined ? Date.parse(plan.outage.until) : nowMs + (plan.outage.for_seconds ?? 0) * 1000;
      this.outageMode = plan.outage.mode;
    }
    if (plan.throttle) {
      if (plan.throttle.for_seconds !== undefined) this.throttleUntilMs = nowMs + plan.throttle.for_seconds * 1000;
      if (plan.throttle.requests !== undefined) this.throttleRequestsLeft = plan.throttle.requests;
    }
    if (plan.lost_updates?.next !== undefined) this.lostNextLeft = plan.lost_updates.next;
    if (plan.broken_feed?.next !== undefined) this.brokenFeedNextLeft = plan.broken_feed.next;
    const limit = plan.property_rate_limit;
    if (limit) {
      this.limiters = {
        availability: createRateLimiter(limit.window, limit.availability_per_minute),
        rates: createRateLimiter(limit.window, limit.rates_per_minute),
        reservations: createRateLimiter(limit.window, limit.reservations_per_minute),
      };
    }
  }

  clear(): void {
    this.plan = null;
    this.random = createRandom(this.defaultSeed);
    this.outageUntilMs = null;
    this.throttleUntilMs = null;
    this.throttleRequestsLeft = null;
    this.lostNextLeft = null;
    this.brokenFeedNextLeft = null;
    this.limiters = {};
  }

  view(nowMs: number): FaultsView {
    const iso = (ms: number | null) => (ms !== null && ms > nowMs ? new Date(ms).toISOString() : null);
    return {
      plan: this.plan,
      remaining: {
        outage_until: iso(this.outageUntilMs),
        throttle_until: iso(this.throttleUntilMs),
        throttle_requests: this.throttleRequestsLeft,
        lost_next: this.lostNextLeft,
        broken_feed_next: this.brokenFeedNextLeft,
      },
    };
  }

  /**
   * How the platform treats one API call, before it reads the body: an outage answers at once;
   * otherwise latency is added and the call may be throttled, rate limited or failed, in that order.
   */
  admit(endpoint: ApiEndpoint, listingId: string, nowMs: number): Admission {
    const plan = this.plan;
    if (!plan) return PASS;
    if (this.outageUntilMs !== null && nowMs < this.outageUntilMs) {
      if (this.outageMode === 'destroy_connection') return { kind: 'destroy_connection' };
      return refuse(0, 503, 'outage', 'the channel is down', null, 'failed');
    }
    const delayMs = plan.latency ? plan.latency.fixed_ms + Math.floor(this.random() * plan.latency.jitter_ms) : 0;

    const throttled = this.throttle(plan, nowMs);
    if (throttled !== null) return refuse(delayMs, 429, 'throttled', 'too many requests', throttled, 'throttled');

    const limitedBy = limitOf(endpoint);
    const limiter = limitedBy === null ? undefined : this.limiters[limitedBy];
    if (limiter) {
      const decision = limiter.take(listingId, nowMs);
      if (!decision.admitted) {
        return refuse(delayMs, 429, 'rate_limited', `more than the per-listing limit of ${limitedBy} calls per minute`, decision.retryAfterSeconds, 'throttled');
      }
    }

    if (plan.server_errors && (!plan.server_errors.endpoints || plan.server_errors.endpoints.includes(endpoint)) && this.random() < plan.server_errors.rate) {
      return refuse(delayMs, plan.server_errors.status, 'server_error', 'injected server error', null, 'failed');
    }
    return delayMs === 0 ? PASS : { kind: 'pass', delayMs };
  }

  /** Whether this accepted write is silently dropped (acked, not applied). */
  loseUpdate(): boolean {
    const lost = this.plan?.lost_updates;
    if (!lost) return false;
    if (this.lostNextLeft !== null && this.lostNextLeft > 0) {
      this.lostNextLeft--;
      return true;
    }
    return lost.rate !== undefined && this.random() < lost.rate;
  }

  /** What an iCal export answered 200 serves instead of the feed, if the broken-feed fault picks this fetch. */
  feedBreakage(): FeedBreakage | null {
    const broken = this.plan?.broken_feed;
    if (!broken) return null;
    if (this.brokenFeedNextLeft !== null && this.brokenFeedNextLeft > 0) {
      this.brokenFeedNextLeft--;
      return broken.serve;
    }
    return broken.rate !== undefined && this.random() < broken.rate ? broken.serve : null;
  }

  /** Retry-After seconds if the throttle fault refuses this call, else null. */
  private throttle(plan: FaultPlan, nowMs: number): number | null {
    const configured = plan.throttle?.retry_after_seconds;
    if (this.throttleUntilMs !== null && nowMs < this.throttleUntilMs) {
      return configured ?? Math.max(1, Math.ceil((this.throttleUntilMs - nowMs) / 1000));
    }
    if (this.throttleRequestsLeft !== null && this.throttleRequestsLeft > 0) {
      this.throttleRequestsLeft--;
      return configured ?? 1;
    }
    return null;
  }
}

const PASS: Admission = { kind: 'pass', delayMs: 0 };

function refuse(
  delayMs: number,
  status: number,
  code: string,
  message: string,
  retryAfterSeconds: number | null,
  outcome: 'throttled' | 'failed',
): Admission {
  return { kind: 'refuse', delayMs, status, code, message, retryAfterSeconds, outcome };
}
