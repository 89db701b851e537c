import fc from 'fast-check';
import { createRateLimiter, MINUTE_MS, type RateDecision } from '../src/rate-limit';
import type { RateWindow } from '../src/fault-plan';

/** Feeds call times to a fresh limiter and returns each decision. */
function run(window: RateWindow, limit: number, times: readonly number[]): RateDecision[] {
  const limiter = createRateLimiter(window, limit);
  return times.map((t) => limiter.take('listing', t));
}

const callTimes = fc
  .array(fc.integer({ min: 0, max: 15_000 }), { minLength: 1, maxLength: 60 })
  .map((gaps) => gaps.reduce<number[]>((times, gap) => [...times, (times.at(-1) ?? 1_700_000_000_000) + gap], []));

describe('per-listing rate limits', () => {
  it('sliding: 10 a minute, the 11th waits until the first leaves the window', () => {
    const t0 = 1_000_000;
    const decisions = run('sliding', 10, [...Array.from({ length: 10 }, (_, i) => t0 + i * 1_000), t0 + 9_500, t0 + 59_999, t0 + 60_000]);
    expect(decisions.slice(0, 10).every((d) => d.admitted)).toBe(true);
    expect(decisions.slice(10)).toEqual([{ admitted: false, retryAfterSeconds: 51 }, { admitted: false, retryAfterSeconds: 1 }, { admitted: true }]);
  });

  it('fixed: the count restarts at each minute boundary', () => {
    const decisions = run('fixed', 2, [59_000, 59_500, 59_900, 60_000]);
    expect(decisions).toEqual([{ admitted: true }, { admitted: true }, { admitted: false, retryAfterSeconds: 1 }, { admitted: true }]);
  });

  it('keys are separate', () => {
    const limiter = createRateLimiter('sliding', 1);
    expect([limiter.take('a', 0), limiter.take('b', 0), limiter.take('a', 0)].map((d) => d.admitted)).toEqual([true, true, false]);
  });

  it.each(['sliding', 'fixed'] as const)('%s: never more than the limit admitted in one window', (window) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), callTimes, (limit, times) => {
        const admitted = times.filter((_, i) => run(window, limit, times)[i]!.admitted);
        for (const end of admitted) {
          const inWindow =
            window === 'sliding'
              ? admitted.filter((t) => t > end - MINUTE_MS && t <= end).length
              : admitted.filter((t) => Math.floor(t / MINUTE_MS) === Math.floor(end / MINUTE_MS)).length;
          expect(inWindow).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });

  it.each(['sliding', 'fixed'] as const)('%s: Retry-After is exact to the second: admitted after it, refused a second before', (window) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), callTimes, (limit, times) => {
        const decisions = run(window, limit, times);
        decisions.forEach((decision, i) => {
          if (decision.admitted) return;
          const prefix = times.slice(0, i + 1);
          const at = times[i]!;
          expect(run(window, limit, [...prefix, at + decision.retryAfterSeconds * 1_000]).at(-1)!.admitted).toBe(true);
          if (decision.retryAfterSeconds > 1) expect(run(window, limit, [...prefix, at + (decision.retryAfterSeconds - 1) * 1_000]).at(-1)!.admitted).toBe(false);
        });
      }),
      { numRuns: 60 },
    );
  });
});
