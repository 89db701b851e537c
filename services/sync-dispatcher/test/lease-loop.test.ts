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
    pollMs: 1_000,
  });
  const claimsBetween = (from: number, to: number) => claims.filter((t) => t >= from && t < to).length;
  return { loop, claims, done, claimsBetween };
}

describe('the lease loop claims when work is announced or a wait it knows of ends, and otherwise polls seldom', () => {
  it('polls once a poll interval when nothing happens, and claims at once when work is announced', async () => {
    const { loop, claims, claimsBetween } = loopRecordingClaims();
    const started = Date.now();
    loop.start();
    try {
      await waitFor('two and a half poll intervals', () => Date.now() - started >= 2_500, { timeoutMs: 5_000, intervalMs: 50 });
      // The first claim at start, then one a second: no fast polling while work is about.
      expect(claimsBetween(started, started + 2_500)).toBeGreaterThanOrEqual(2);
      expect(claimsBetween(started, started + 2_500)).toBeLessThanOrEqual(4);
      const announced = Date.now();
      const before = claims.length;
      loop.wake();
      await waitFor('the claim the announcement asked for', () => claims.length > before, { timeoutMs: 5_000, intervalMs: 5 });
      expect(claims[before]! - announced).toBeLessThan(200);
    } finally {
      await loop.stop();
    }
  });

  it('claims when a wait it was told of ends (a retry after its backoff), not before and not a poll later', async () => {
    const { loop, claims } = loopRecordingClaims();
    loop.start();
    try {
      await waitFor('the first claim', () => claims.length >= 1, { timeoutMs: 5_000, intervalMs: 5 });
      const told = Date.now();
      const before = claims.length;
      loop.dueAt(told + 300);
      loop.dueAt(told + 150);
      await waitFor('the claims the two waits ask for', () => claims.length >= before + 2, { timeoutMs: 5_000, intervalMs: 5 });
      const [first, second] = [claims[before]! - told, claims[before + 1]! - told];
      expect(first).toBeGreaterThanOrEqual(145);
      expect(first).toBeLessThan(600);
      expect(second).toBeGreaterThanOrEqual(295);
      expect(second).toBeLessThan(800);
    } finally {
      await loop.stop();
    }
  });

  it('claims again at once while a claim fills every free slot, and carries out what it claimed', async () => {
    const { loop, done, claims } = loopRecordingClaims(['a', 'b', 'c']);
    loop.start();
    try {
      await waitFor('the three items', () => done.length === 3, { timeoutMs: 5_000, intervalMs: 10 });
      // Two slots: 'a' and 'b' filled them, so 'c' was claimed without waiting for a poll.
      expect(claims.length).toBeGreaterThanOrEqual(2);
      expect(claims[1]! - claims[0]!).toBeLessThan(500);
    } finally {
      await loop.stop();
    }
  });
});
