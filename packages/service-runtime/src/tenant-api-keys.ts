import { Problem } from './problem';
import type { BucketLimits, TakeResult } from './token-bucket';

/**
 * A guard of a tenant's API beside ingest's (the review API, the reconciler's passes): a per-tenant
 * request rate shared by every instance through the Redis token bucket. The tenant of the request's
 * API key is the directory's to say (`tenantOfAuthorization` in @cm/directory).
 */

/** A tenant's rate on one API: `perSecond` requests a second, bursts of twice that. */
export function tenantRateLimits(perSecond: number): BucketLimits {
  return { rate: perSecond, burst: Math.max(1, perSecond * 2) };
}

/**
 * Takes one request from the tenant's bucket of this API (`api` names it, so each API has its
 * own); over the rate is a 429 problem with Retry-After in whole seconds.
 */
export async function withinTenantRate(
  buckets: { take(key: string, limits: BucketLimits): Promise<TakeResult> },
  api: string,
  tenantId: string,
  perSecond: number,
): Promise<void> {
  const taken = await buckets.take(`${api}:tenant:${tenantId}`, tenantRateLimits(perSecond));
  if (taken.allowed) return;
  const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
  throw new Problem(429, 'rate_limited', `over ${perSecond} requests per second for this tenant; retry after ${seconds} s`, undefined, { 'retry-after': String(seconds) });
}
