/**
 * When to retry a push to a channel, and how long to wait first. Pure: the caller passes the clock
 * (`nowMs`) and the random number, so every delay is reproducible in a test.
 */

import type { PushOutcome } from '@cm/channel-adapters';

// The outcomes and Retry-After parsing belong to the adapters that produce them; re-exported so
// the policy reads as one piece.
export { parseRetryAfter, PUSH_OUTCOMES, type PushOutcome } from '@cm/channel-adapters';

/** How often and how patiently one push is retried. `maxAttempts` counts every call, the first included. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * The longest a channel's Retry-After is honoured. A longer one is cut to this: a push parked for
 * hours would hold its property's later changes back, and the circuit breaker already stops calls
 * to a channel that is down. Past it, the next call simply meets another 429.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export interface DelayInput {
  /** Which retry this is: 1 = the first retry (the call after the first failure). */
  readonly attempt: number;
  readonly baseMs: number;
  readonly maxMs: number;
  /** A number in [0, 1), from the caller's random source. */
  readonly random: number;
  /** The channel's Retry-After in milliseconds (see `parseRetryAfter`), if it sent one. */
  readonly retryAfterMs?: number | null;
}

/**
 * Milliseconds to wait before retry number `attempt`: "full jitter" over min(maxMs, base * 2^(attempt-1)),
 * never less than the channel's Retry-After (itself capped at MAX_RETRY_AFTER_MS). Whole milliseconds.
 *
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter": sleep = random(0, ceiling))
 * rather than equal jitter (ceiling/2 + random(0, ceiling/2)): when a channel blips, every property's
 * push to it fails at once, and full jitter spreads their retries over the whole window instead of
 * its upper half, so half as many land together; the blog's simulation found equal jitter doing
 * slightly more work and taking much longer.
 * Equal jitter's guaranteed minimum wait is not needed here: a 429 brings its own floor
 * (Retry-After), and a channel that keeps failing is stopped by the circuit breaker.
 */
export function nextDelayMs(input: DelayInput): number {
  const { attempt, baseMs, maxMs, random, retryAfterMs } = input;
  requireInteger('attempt', attempt, 1);
  requireNonNegative('baseMs', baseMs);
  requireNonNegative('maxMs', maxMs);
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  const jittered = Math.floor(random * backoffCeilingMs(attempt, baseMs, maxMs));
  if (retryAfterMs === undefined || retryAfterMs === null) return jittered;
  requireNonNegative('retryAfterMs', retryAfterMs);
  return Math.max(jittered, Math.ceil(Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)));
}

/** The largest power of two a double holds; 2 ** 1024 is Infinity, and 0 * Infinity would be NaN. */
const LARGEST_FINITE_EXPONENT = 1023;

/** min(maxMs, baseMs * 2^(attempt-1)), without overflowing for large attempt numbers. */
function backoffCeilingMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, LARGEST_FINITE_EXPONENT));
}

/**
 * Whether to call again after `outcome`. `attempt` is the call that produced it (1 = the first
 * call), which is also the retry number to pass to `nextDelayMs` when the answer is yes.
 */
export function shouldRetry(outcome: PushOutcome, attempt: number, policy: RetryPolicy): boolean {
  requireInteger('attempt', attempt, 1);
  requireInteger('policy.maxAttempts', policy.maxAttempts, 1);
  return isRetryable(outcome) && attempt < policy.maxAttempts;
}

/**
 * Whether another call could end differently. A timeout is retried although the first call may
 * have landed: availability pushes set a state rather than add to one, so a repeat is harmless.
 */
function isRetryable(outcome: PushOutcome): boolean {
  switch (outcome) {
    case 'ok':
      return false; // nothing left to do
    case 'client_error':
      return false; // a 4xx other than 429: the same request would be refused again
    case 'rate_limited':
    case 'server_error':
    case 'timeout':
    case 'network_error':
      return true;
    default:
      return assertNever(outcome);
  }
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

function assertNever(value: never): never {
  throw new Error(`unhandled push outcome: ${String(value)}`);
}
