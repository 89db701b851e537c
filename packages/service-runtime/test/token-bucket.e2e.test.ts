import { stack, uniqueName } from '@cm/test-harness';
import { createRedis, TokenBuckets, type Redis } from '../src';

/**
 * The shared token bucket on the real Redis: a burst is taken, the next take is refused with the
 * wait until a token returns, and two deployments (namespaces) sharing the Redis never share a
 * bucket, so one's sign-in tries or pushes cannot use up the other's.
 */
let redis: Redis;

beforeAll(async () => {
  redis = createRedis(stack.REDIS_URL);
  await redis.connect();
});
afterAll(async () => redis?.quit());

const LIMITS = { rate: 1, burst: 2 };

test('a burst is taken, then a take is refused with the wait until the next token', async () => {
  const buckets = new TokenBuckets(redis, uniqueName('bucket'));
  expect(await buckets.take('key', LIMITS)).toEqual({ allowed: true });
  expect(await buckets.take('key', LIMITS)).toEqual({ allowed: true });
  const refused = await buckets.take('key', LIMITS);
  expect(refused.allowed).toBe(false);
  if (refused.allowed) return;
  expect(refused.retryAfterMs).toBeGreaterThan(0);
  expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
});

test('the same key in two namespaces is two buckets', async () => {
  const first = new TokenBuckets(redis, uniqueName('bucket'));
  const second = new TokenBuckets(redis, uniqueName('bucket'));
  await first.take('console-sign-in:ip:127.0.0.1', LIMITS);
  await first.take('console-sign-in:ip:127.0.0.1', LIMITS);
  expect((await first.take('console-sign-in:ip:127.0.0.1', LIMITS)).allowed).toBe(false);
  expect(await second.take('console-sign-in:ip:127.0.0.1', LIMITS)).toEqual({ allowed: true });
});

test('limits a bucket cannot keep are refused before Redis is asked', async () => {
  const buckets = new TokenBuckets(redis, uniqueName('bucket'));
  await expect(buckets.take('key', { rate: 0, burst: 2 })).rejects.toThrow(RangeError);
  await expect(buckets.take('key', { rate: 1, burst: 2 }, 3)).rejects.toThrow(RangeError);
});
