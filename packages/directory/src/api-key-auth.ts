import type { Knex } from '@cm/service-runtime';
import { Problem } from '@cm/service-runtime';
import { hashApiKey } from './directory';

/**
 * The tenant of `Authorization: Bearer <key>` for a tenant's API beside ingest's (the review API,
 * the reconciler's passes), looked up hashed, uncached. Ingest keeps its own cached lookup
 * (`Directory.tenantOfKey`, which also reads the tenant's rate); these APIs take far fewer requests.
 */

/** The tenant whose API key this is (by the key's SHA-256), unless revoked. */
export async function tenantOfApiKey(db: Knex, apiKey: string): Promise<string | null> {
  const row = await db('ingest.api_keys').where({ key_hash: hashApiKey(apiKey) }).whereNull('revoked_at').first('tenant_id');
  return row?.tenant_id ?? null;
}

/**
 * The tenant of an API key known only by its hash, unless revoked: what outlives a sign-in with the
 * key (the operator console's session) checks with it, so revoking the key ends what it opened.
 */
export async function tenantOfLiveApiKeyHash(db: Knex, keyHash: Buffer): Promise<string | null> {
  const row = await db('ingest.api_keys').where({ key_hash: keyHash }).whereNull('revoked_at').first('tenant_id');
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
