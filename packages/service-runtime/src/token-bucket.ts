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
  private readonly prefix: string;

  /** Buckets are the deployment's: two deployments (namespaces) sharing a Redis never share a bucket. */
  constructor(redis: Redis, namespace = '') {
    this.prefix = namespace === '' ? 'cm:bucket:' : `cm:${namespace}:bucket:`;
    if (!('cmTakeToken' in redis)) redis.defineCommand('cmTakeToken', { numberOfKeys: 1, lua: SCRIPT });
    this.redis = redis as Redis & WithTokenBucket;
  }

  async take(key: string, limits: BucketLimits, cost = 1): Promise<TakeResult> {
    if (!(limits.rate > 0) || !(limits.burst >= cost)) throw new RangeError(`bucket ${key}: rate must be > 0 and burst >= ${cost}`);
    const wait = Number(await this.redis.cmTakeToken(`${this.prefix}${key}`, limits.rate, limits.burst, cost));
    return wait <= 0 ? { allowed: true } : { allowed: false, retryAfterMs: wait };
  }
}

/**
 * The shared bucket, asked less often: where a rate is high, an instance takes a lease of tokens
 * (what the rate gives in 50 ms) in one Redis call and hands them out locally; where a rate is
 * low, or a lease is refused near the limit, every call asks Redis. Tokens of a lease not used
 * within a second are dropped, so an instance can be over by at most one lease.
 */
export class LeasedTokenBuckets {
  private readonly leases = new Map<string, { tokens: number; until: number }>();
  private readonly fetching = new Map<string, Promise<boolean>>();

  constructor(
    private readonly shared: TokenBuckets,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string, limits: BucketLimits): Promise<TakeResult> {
    const size = Math.min(Math.floor(limits.rate / 20), Math.floor(limits.burst));
    if (size <= 1) return this.shared.take(key, limits);
    for (let attempt = 0; attempt < 3; attempt++) {
      const lease = this.leases.get(key);
      if (lease && lease.tokens > 0 && lease.until > this.now()) {
        lease.tokens--;
        return { allowed: true };
      }
      let fetching = this.fetching.get(key);
      if (!fetching) {
        fetching = this.lease(key, limits, size).finally(() => this.fetching.delete(key));
        this.fetching.set(key, fetching);
      }
      if (!(await fetching)) break;
    }
    return this.shared.take(key, limits);
  }

  private async lease(key: string, limits: BucketLimits, size: number): Promise<boolean> {
    const taken = await this.shared.take(key, limits, size);
    if (taken.allowed) this.leases.set(key, { tokens: size, until: this.now() + 1_000 });
    return taken.allowed;
  }
}

/**
 * Bucket limits that never allow more than `perMinute` calls in any 60 s, as a channel counts
 * them (Channex's limit is a window): a bucket of burst B refilling r per second allows B + 60r
 * in a window, so B = 1 (a quiet listing's call still goes at once) and r = (N - 1) / 60, a
 * little under for the clocks of two machines.
 */
export function withinPerMinute(perMinute: number): BucketLimits {
  return { rate: (Math.max(perMinute - 1, 1) / 60) * 0.98, burst: 1 };
}

