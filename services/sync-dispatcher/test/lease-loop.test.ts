import { waitFor } from '@cm/service-runtime';
import { LeaseLoop } from '../src/lease-loop';

/** A loop whose claims find nothing (or `items` once), recording when each claim ran. */
function loopRecordingClaims(items: string[] = []) {
  const claims: number[] = [];
  const done: string[] = [];
  const loop = new LeaseLoop<string>({
    owner: 'test',
    leaseMs: 1_000,
    concurrency: 2,
    now: () => Date.now(),
    claim: async (_lease, _nowMs, limit) => {
      claims.push(Date.now());
      return items.splice(0, limit);
    },
    claimFailed: () => undefined,
    work: async (item) => void done.push(item),
    workFailed: () => undefined,
    polls: { pollMs: 20, idlePollMs: 1_000, activeMs: 300 },
  });
  const claimsBetween = (from: number, to: number) => claims.filter((t) => t >= from && t < to).length;
  return { loop, claims, done, claimsBetween };
}

describe('the lease loop polls often while work is about, and seldom when nothing happened for a while', () => {
  it('slows to the idle poll once quiet, claims at once when work is announced, then polls often again', async () => {
    const { loop, claims, claimsBetween } = loopRecordingClaims();
    const started = Date.now();
    loop.start();
    try {
      await waitFor('the active window and two idle seconds', () => Date.now() - started >= 2_800, { timeoutMs: 5_000, intervalMs: 50 });
      // Active: a claim every 20 ms. Idle from 300 ms on: one a second (fast polling makes ~100 in these 2 s).
      expect(claimsBetween(started, started + 250)).toBeGreaterThanOrEqual(4);
      expect(claimsBetween(started + 800, started + 2_800)).toBeLessThanOrEqual(4);
      const announced = Date.now();
      const before = claims.length;
      loop.wake();
      await waitFor('the claim the announcement asked for', () => claims.length > before, { timeoutMs: 5_000, intervalMs: 5 });
      expect(claims[before]! - announced).toBeLessThan(500);
      await waitFor('200 ms after the announcement', () => Date.now() - announced >= 200, { timeoutMs: 5_000, intervalMs: 10 });
      expect(claimsBetween(announced, announced + 200)).toBeGreaterThanOrEqual(3);
    } finally {
      await loop.stop();
    }
  });

  it('work claimed keeps the poll fast', async () => {
    const { loop, done, claims } = loopRecordingClaims(['a', 'b', 'c']);
    loop.start();
    try {
      await waitFor('the three items', () => done.length === 3, { timeoutMs: 5_000, intervalMs: 10 });
      const finished = Date.now();
      await waitFor('200 ms after', () => Date.now() - finished >= 200, { timeoutMs: 5_000, intervalMs: 10 });
      expect(claims.filter((t) => t >= finished && t < finished + 200).length).toBeGreaterThanOrEqual(3);
    } finally {
      await loop.stop();
    }
  });
});
