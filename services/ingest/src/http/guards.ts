import type { BucketLimits, TakeResult } from '@cm/service-runtime';
import { Problem } from '@cm/service-runtime';
import type { Directory, PropertyEntry, TenantEntry } from '@cm/directory';
import type { IngestMetrics } from '../metrics';

export interface GuardDeps {
  readonly directory: Directory;
  readonly buckets: { take(key: string, limits: BucketLimits): Promise<TakeResult> };
  readonly metrics: IngestMetrics;
  /** Requests per second of a tenant with no rate of its own. */
  readonly defaultRatePerSecond: number;
}

/** The tenant of `Authorization: Bearer <key>`. */
export async function tenantOfRequest(deps: GuardDeps, authorization: string | undefined): Promise<TenantEntry> {
  const match = /^Bearer\s+(\S{1,200})$/i.exec(authorization ?? '');
  if (!match) throw new Problem(401, 'missing_api_key', 'send the API key as `Authorization: Bearer <key>`', undefined, { 'www-authenticate': 'Bearer' });
  const tenant = await deps.directory.tenantOfKey(match[1]!);
  if (!tenant) throw new Problem(401, 'invalid_api_key', 'the API key is unknown or revoked', undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
  return tenant;
}

/** A tenant over its rate is told when to come back; the bucket is shared by every ingest instance. */
export async function withinRate(deps: GuardDeps, tenant: TenantEntry): Promise<void> {
  const rate = tenant.ratePerSecond ?? deps.defaultRatePerSecond;
  const taken = await deps.buckets.take(`tenant:${tenant.tenantId}`, { rate, burst: Math.max(1, rate * 2) });
  if (taken.allowed) return;
  deps.metrics.rateLimited.inc({ tenant: tenant.tenantId });
  const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
  throw new Problem(429, 'rate_limited', `over ${rate} requests per second for this tenant; retry after ${seconds} s`, undefined, { 'retry-after': String(seconds) });
}

/** A property of this tenant. Another tenant's property is answered as absent, so its existence is not revealed. */
export async function propertyOfTenant(deps: GuardDeps, tenant: TenantEntry, propertyId: string): Promise<PropertyEntry> {
  const property = await deps.directory.property(propertyId);
  if (!property || property.tenantId !== tenant.tenantId) throw new Problem(404, 'property_not_found', `no property '${propertyId.slice(0, 200)}' for this API key`);
  return property;
}

/** The longest read of nights the PMS API answers: a year and a day. */
export const MAX_READ_DAYS = 366;

/** Refuses a read of nights [from, to) that is empty, backwards or longer than MAX_READ_DAYS. */
export function requireReadRange(from: string, to: string): void {
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
  if (!(days > 0 && days <= MAX_READ_DAYS)) throw new Problem(400, 'invalid_range', `to must be after from, at most ${MAX_READ_DAYS} days`, [{ path: 'to', message: 'out of range' }]);
}
