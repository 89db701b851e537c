import type { RateWindow } from './fault-plan';

/**
 * Per-key call limits, the way Channex limits ARI updates per property. Only admitted calls use
 * up the window; a refused call learns in whole seconds when one will be admitted again.
 * Time comes in as an argument, so tests move it instead of waiting.
 */

export type RateDecision = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string, nowMs: number): RateDecision;
}

export const MINUTE_MS = 60_000;

/**
 * Admits a call when fewer than `limit` calls were admitted in the last `windowMs` (the window
 * `(now - windowMs, now]`). Retry-After is when the oldest of them leaves the window.
 */
export function slidingWindowLimiter(limit: number, windowMs: number): RateLimiter {
  const admittedAt = new Map<string, number[]>();
  return {
    take(key, nowMs) {
      let times = admittedAt.get(key);
      if (!times) {
        times = [];
        admittedAt.set(key, times);
      }
      while (times.length > 0 && times[0]! <= nowMs - windowMs) times.shift();
      if (times.length < limit) {
        times.push(nowMs);
        return { admitted: true };
      }
      return { admitted: false, retryAfterSeconds: wholeSecondsUntil(times[0]! + windowMs, nowMs) };
    },
  };
}

/** Admits `limit` calls per window aligned on multiples of `windowMs`; Retry-After is the next window's start. */
export function fixedWindowLimiter(limit: number, windowMs: number): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key, nowMs) {
      const start = Math.floor(nowMs / windowMs) * windowMs;
      let window = windows.get(key);
      if (!window || window.start !== start) {
        window = { start, count: 0 };
        windows.set(key, window);
      }
      if (window.count < limit) {
        window.count++;
        return { admitted: true };
      }
      return { admitted: false, retryAfterSeconds: wholeSecondsUntil(start + windowMs, nowMs) };
    },
  };
}

export function createRateLimiter(window: RateWindow, limit: number, windowMs = MINUTE_MS): RateLimiter {
  switch (window) {
    case 'sliding':
      return slidingWindowLimiter(limit, windowMs);
    case 'fixed':
      return fixedWindowLimiter(limit, windowMs);
    default: {
      const unknown: never = window;
      throw new Error(`unknown rate window ${String(unknown)}`);
    }
  }
}

/** Retry-After counts whole seconds, rounded up so a caller that waits exactly that long is admitted. */
function wholeSecondsUntil(atMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((atMs - nowMs) / 1000));
}
