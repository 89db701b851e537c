import { Redis } from 'ioredis';

export type { Redis };

export function createRedis(url: string): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
}

export async function redisAnswers(redis: Redis): Promise<boolean> {
  return (await redis.ping()) === 'PONG';
}
