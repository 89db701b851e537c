import { createHash } from 'node:crypto';
import type { Knex } from './postgres';
import { Problem } from './problem';
import type { BucketLimits, TakeResult } from './token-bucket';

/**
 * The guards of a tenant's API beside ingest's (the review API, the reconciler's passes): the
 * tenant of `Authorization: Bearer <key>`, looked up hashed in ingest's directory, and a per-tenant
 * request rate shared by every instance through the Redis token bucket. Ingest keeps its own
 * cached lookup (it also reads the tenant's rate); these APIs take far fewer requests.
 */

/** The tenant whose API key this is (SHA-256 of the key in ingest.api_keys), unless revoked. */
export async function tenantOfApiKey(db: Knex, apiKey: string): Promise<string | null> {
  const hash = createHash('sha256').update(apiKey, 'utf8').digest();
  const row = await db('ingest.api_keys').where({ key_hash: hash }).whereNull('revoked_at').first('tenant_id');
  return row?.tenant_id ?? null;
}

/** The tenant of an `Authorization` header; a missing, malformed, unknown or revoked key is a 401 problem. */
export async function tenantOfAuthorization(db: Knex, authorization: string | undefined): Promise<string> {
  const match = /^Bearer\s+(\S{1,200})$/i.exec(authorization ?? '');
  if (!match) throw new Problem(401, 'missing_api_key', 'send the API key as `Authorization: Bearer <key>`', undefined, { 'www-authenticate': 'Bearer' });
  const tenant = await tenantOfApiKey(db, match[1]!);
  if (!tenant) throw new Problem(401, 'invalid_api_key', 'the API key is unknown or revoked', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
  return tenant;
}

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
