import { Redis } from 'ioredis';

export type { Redis };

/**
 * `autoPipelining`: commands issued in the same tick go to Redis in one write, so many concurrent
 * callers (a bucket per push, a claim per webhook) cost one round trip rather than one each.
 * Off for a subscriber connection, which takes only subscription commands.
 */
export function createRedis(url: string, options: { autoPipelining?: boolean } = {}): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false, enableAutoPipelining: options.autoPipelining ?? false });
}

export async function redisAnswers(redis: Redis): Promise<boolean> {
  return (await redis.ping()) === 'PONG';
}
