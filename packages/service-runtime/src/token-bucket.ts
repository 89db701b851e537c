import type { Redis } from './redis';

/**
 * A token bucket in Redis, so every instance of a service draws from the same one: `rate`
 * tokens a second up to `burst`. Redis's own clock (TIME) is used, so instances with skewed
 * clocks still agree. Returns whether the call may go now, or how long until it may.
 */
const SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
else
  wait = math.ceil((cost - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait
`;

export interface BucketLimits {
  /** Tokens added per second. */
  readonly rate: number;
  /** Most tokens the bucket holds: the largest burst allowed. */
  readonly burst: number;
}

export type TakeResult = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface WithTokenBucket {
  cmTakeToken(key: string, rate: number, burst: number, cost: number): Promise<number>;
}

export class TokenBuckets {
  private readonly redis: Redis & WithTokenBucket;

  constructor(redis: Redis, private readonly prefix = 'cm:bucket:') {
    if (!('cmTakeToken' in redis)) redis.defineCommand('cmTakeToken', { numberOfKeys: 1, lua: SCRIPT });
    this.redis = redis as Redis & WithTokenBucket;
  }

  async take(key: string, limits: BucketLimits, cost = 1): Promise<TakeResult> {
    if (!(limits.rate > 0) || !(limits.burst >= cost)) throw new RangeError(`bucket ${key}: rate must be > 0 and burst >= ${cost}`);
    const wait = Number(await this.redis.cmTakeToken(`${this.prefix}${key}`, limits.rate, limits.burst, cost));
    return wait <= 0 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
  }
}
