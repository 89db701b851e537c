/**
 * What one push of a listing is, decided from plain data: whether a call goes out at all (and
 * when the listing is due again if not), which ranges and request id it carries, and what the
 * channel's answer comes to. Pure: the pusher reads the store, takes the rate-limit token, calls
 * the channel, the clock and the random source, and carries out what these return.
 *
 *   planPush ──skip──▶ release          planCall ──skip──▶ release
 *            └─take_token─▶ (token) ─▶           └─push─▶ (call) ─▶ planAfterAnswer
 */
import { createHash } from 'node:crypto';
import type { AvailabilityRange, PushResult } from '@cm/channel-adapters';
import type { TakeResult } from '@cm/service-runtime';
import { nextDelayMs, shouldRetry, type RetryPolicy } from '../policy/backoff';
import { breakerAllows, countsAsBreakerFailure, recordResult, type BreakerConfig, type BreakerState } from '../policy/circuit-breaker';
import type { PushReport } from '../results';
import type { ListingWork, PendingNight } from '../store/sync-store';
import { mergeIntoRanges } from './night-ranges';

/** The rules of a push that are not about leasing: retries, the breaker, the wait after a reported failure. */
export interface PushPolicy {
  readonly retry: RetryPolicy;
  readonly breaker: BreakerConfig;
  /** After the last attempt failed, the listing is tried again this much later, until it converges. */
  readonly afterFailureMs: number;
}

/** A listing whose channel has no adapter here is looked at again this much later. */
export const NO_ADAPTER_WAIT_MS = 3_600_000;
/** The least wait after the breaker refused a call the token was already taken for. */
export const BREAKER_REFUSED_MIN_WAIT_MS = 250;

/**
 * Why a listing goes back without a call:
 * `nothing_pending` no night left to push (a newer state was acknowledged already): its changes are spent;
 * `no_adapter` the channel has no adapter here;
 * `circuit_open` the breaker is open and cooling down: back when it ends, no token spent;
 * `rate_limited` the channel's rate for the property is used up: back when a token is;
 * `breaker_refused` the breaker refused the call after the token was taken (it opened meanwhile,
 * or its half-open trials are all out).
 */
export type SkipReason = 'nothing_pending' | 'no_adapter' | 'circuit_open' | 'rate_limited' | 'breaker_refused';

/** The listing is given back without a call, due again at `releaseAt`. */
export interface Skip {
  readonly kind: 'skip';
  readonly reason: SkipReason;
  readonly releaseAt: number;
  /** Failed calls counted as it is given back. */
  readonly attempts: number;
  readonly error: string | null;
  /** Changes that no longer count as pending. */
  readonly spent: number;
}

/** Nothing stands in the way but the channel's rate: a token from `bucket` is needed, then `adapter` is called. */
export interface TakeToken<Adapter> {
  readonly kind: 'take_token';
  readonly bucket: string;
  readonly adapter: Adapter;
}

/** The call to make. */
export interface Push {
  readonly kind: 'push';
  /** The pending nights merged into the fewest ranges, as the channel is told them. */
  readonly ranges: readonly AvailabilityRange[];
  readonly requestId: string;
  /** The night with the newest version: the push reports its change, and runs in its trace. */
  readonly newest: PendingNight;
  /** Which call this is (1 = the first). */
  readonly attempt: number;
  readonly isReconciliation: boolean;
  /** The breaker with this call granted: kept before the call. */
  readonly breaker: BreakerState;
}

export interface PushInput<Adapter> {
  readonly work: ListingWork;
  readonly nights: readonly PendingNight[];
  /** The channel's adapter; undefined where the channel has none here. */
  readonly adapter: Adapter | undefined;
  readonly breaker: BreakerState;
  readonly nowMs: number;
}

/**
 * Before the token: whether the listing has anything to push and a channel to push it to, and
 * whether the breaker is plainly open (then no token is spent).
 */
export function planPush<Adapter>({ work, nights, adapter, breaker, nowMs }: PushInput<Adapter>): Skip | TakeToken<Adapter> {
  if (nights.length === 0) {
    return adapter !== undefined ? skip('nothing_pending', nowMs, 0, null, work.changesPending) : skip('nothing_pending', nowMs + NO_ADAPTER_WAIT_MS, 0, 'no adapter', work.changesPending);
  }
  if (adapter === undefined) return skip('no_adapter', nowMs + NO_ADAPTER_WAIT_MS, 0, 'no adapter', 0);
  if (breaker.name === 'open' && nowMs < breaker.coolDownEndsAtMs) return skip('circuit_open', breaker.coolDownEndsAtMs, work.attempts, 'circuit open', 0);
  return { kind: 'take_token', bucket: `sync:${work.channel}:${work.propertyId}`, adapter };
}

export interface CallInput {
  readonly work: ListingWork;
  /** Not empty: `planPush` asked for the token. */
  readonly nights: readonly PendingNight[];
  readonly token: TakeResult;
  /** The breaker as it is now: other pushes may have changed it while the token was taken. */
  readonly breaker: BreakerState;
  readonly nowMs: number;
  readonly breakerConfig: BreakerConfig;
}

/**
 * After the token: the breaker is asked for the call last, right before it, so a trial it grants
 * is always used; then the call is planned.
 */
export function planCall({ work, nights, token, breaker, nowMs, breakerConfig }: CallInput): Skip | Push {
  if (!token.allowed) return skip('rate_limited', nowMs + token.retryAfterMs, work.attempts, null, 0);
  const gate = breakerAllows(breaker, nowMs);
  if (!gate.allowed) return skip('breaker_refused', nowMs + Math.max(BREAKER_REFUSED_MIN_WAIT_MS, breakerConfig.coolDownMs / 4), work.attempts, 'circuit open', 0);
  const ranges = mergeIntoRanges(nights.map((n) => ({ date: n.date, available: n.available, price: null, minStay: null, version: n.version })));
  const newest = nights.reduce((a, b) => (b.version > a.version ? b : a));
  const isReconciliation = nights.some((n) => n.isReconciliation);
  return {
    kind: 'push',
    ranges: ranges.map((r) => ({ from: r.from, to: r.to, available: r.available })),
    requestId: pushRequestId(work, JSON.stringify(ranges), isReconciliation ? newest.changeEventId : ''),
    newest,
    attempt: work.attempts + 1,
    isReconciliation,
    breaker: gate.state,
  };
}

/**
 * Stable across retries of a push, so a platform that dedupes applies it once. A correction
 * repeats the very ranges of a push the platform acknowledged and lost: it gets an id of its
 * own (`correctionOf`, its newest change), or the platform would answer it as a replay without
 * applying it. `rangesJson`: the merged ranges with their terms and versions. Versions are each
 * property's own, so the property is in it too: a listing remapped to another property may push
 * the very ranges at the very versions the old one pushed, and that is no replay.
 */
function pushRequestId(work: ListingWork, rangesJson: string, correctionOf: string): string {
  return createHash('sha256').update(`${work.channel}\n${work.listingId}\n${work.propertyId}\n${rangesJson}\n${correctionOf}`).digest('hex').slice(0, 32);
}

/**
 * What the channel's answer comes to:
 * `acknowledge` the channel took it: its result is written, then its nights acknowledged;
 * `retry` another call at `at`, with `attempt` failed calls counted;
 * `report_failure` the last attempt failed: reported, and tried again `againAfterMs` after the
 * report is written (not given up: the nights stay pending, so the channel converges once it is back).
 */
export type AfterAnswer =
  | {
      readonly kind: 'acknowledge';
      readonly report: PushReport;
      readonly ack: string;
      /** Seconds from each change the push carried to the channel's answer. */
      readonly lagsSeconds: readonly number[];
      /** Changes that went out with another change's push. */
      readonly coalesced: number;
      /** The nights at the versions the channel now shows. */
      readonly nights: readonly { date: string; version: number }[];
      /** Changes the push carried: they no longer count as pending. */
      readonly carried: number;
    }
  | { readonly kind: 'retry'; readonly at: number; readonly attempt: number; readonly error: string }
  | { readonly kind: 'report_failure'; readonly report: PushReport; readonly error: string; readonly againAfterMs: number };

export interface AnswerInput {
  readonly work: ListingWork;
  readonly nights: readonly PendingNight[];
  readonly push: Push;
  readonly result: PushResult;
  /** The breaker as it is when the answer came. */
  readonly breaker: BreakerState;
  readonly completedAt: number;
  /** A number in [0, 1), from the caller's random source: the backoff's jitter. */
  readonly random: number;
  readonly policy: PushPolicy;
}

/** The breaker after the answer, and what is to be done with it. */
export function planAfterAnswer({ work, nights, push, result, breaker, completedAt, random, policy }: AnswerInput): { breaker: BreakerState; next: AfterAnswer } {
  const failed = !result.ok && countsAsBreakerFailure(result.outcome);
  const nextBreaker = recordResult(breaker, failed ? 'failure' : 'success', completedAt, policy.breaker);
  const report: PushReport = {
    propertyId: work.propertyId,
    channel: work.channel,
    requestId: push.requestId,
    version: push.newest.version,
    source: push.newest.source,
    changeEventId: push.newest.changeEventId,
    correlationId: push.newest.correlationId,
    attempts: push.attempt,
    isReconciliation: push.isReconciliation,
    completedAt,
  };
  if (result.ok) {
    return {
      breaker: nextBreaker,
      next: {
        kind: 'acknowledge',
        report,
        ack: result.ack,
        lagsSeconds: lagsOf(nights, completedAt),
        coalesced: Math.max(0, work.changesPending - 1),
        nights: nights.map((n) => ({ date: n.date, version: n.version })),
        carried: work.changesPending,
      },
    };
  }
  if (shouldRetry(result.outcome, push.attempt, policy.retry)) {
    const delay = nextDelayMs({ attempt: push.attempt, baseMs: policy.retry.baseMs, maxMs: policy.retry.maxMs, random, retryAfterMs: result.retryAfterMs });
    return { breaker: nextBreaker, next: { kind: 'retry', at: completedAt + delay, attempt: push.attempt, error: result.error } };
  }
  return { breaker: nextBreaker, next: { kind: 'report_failure', report, error: result.error, againAfterMs: policy.afterFailureMs } };
}

/** Lag of each change the push carried (once per change, however many nights it set), from the change to the answer. */
function lagsOf(nights: readonly PendingNight[], answeredAt: number): number[] {
  const changes = new Map<string, number>();
  for (const n of nights) changes.set(n.changeEventId, n.changedAtMs);
  return [...changes.values()].map((changedAt) => Math.max(0, answeredAt - changedAt) / 1000);
}

function skip(reason: SkipReason, releaseAt: number, attempts: number, error: string | null, spent: number): Skip {
  return { kind: 'skip', reason, releaseAt, attempts, error, spent };
}
