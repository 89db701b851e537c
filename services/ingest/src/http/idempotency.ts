import { createHash } from 'node:crypto';
import { Problem } from '@cm/service-runtime';
import type { Knex } from '@cm/service-runtime';

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A first request still being answered this long is taken as lost (its process died) and may be retried. */
const IN_PROGRESS_LIMIT_MS = 60_000;

/**
 * `Idempotency-Key` on PMS writes (as the IETF draft and Stripe use it): the first request with a
 * key is answered and its answer kept; the same key with the same request gets that answer again;
 * the same key with a different request is refused with 422; a twin arriving while the first is
 * still being answered gets 409.
 */
export class IdempotencyKeys {
  constructor(private readonly db: Knex) {}

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body)}`).digest('hex');
  }

  /** Claims the key for this request, or returns the answer already given to it. */
  async claim(tenantId: string, key: string, fingerprint: string): Promise<{ claimed: true } | { claimed: false; response: StoredResponse }> {
    const inserted = await this.db('ingest.idempotency_keys')
      .insert({ tenant_id: tenantId, idempotency_key: key, fingerprint })
      .onConflict(['tenant_id', 'idempotency_key'])
      .ignore()
      .returning('tenant_id');
    if (inserted.length > 0) return { claimed: true };
    const row = await this.db('ingest.idempotency_keys').where({ tenant_id: tenantId, idempotency_key: key }).first();
    if (!row) return this.claim(tenantId, key, fingerprint);
    if (row.fingerprint !== fingerprint) throw new Problem(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request');
    if (row.status_code !== null) return { claimed: false, response: { status: row.status_code, body: row.response } };
    if (Date.now() - new Date(row.created_at).getTime() > IN_PROGRESS_LIMIT_MS) {
      const taken = await this.db('ingest.idempotency_keys').where({ tenant_id: tenantId, idempotency_key: key, created_at: row.created_at }).whereNull('status_code').update({ created_at: this.db.fn.now() });
      if (taken > 0) return { claimed: true };
    }
    throw new Problem(409, 'idempotent_request_in_progress', 'a request with this Idempotency-Key is still being answered', undefined, { 'retry-after': '1' });
  }

  async complete(tenantId: string, key: string, response: StoredResponse): Promise<void> {
    await this.db('ingest.idempotency_keys').where({ tenant_id: tenantId, idempotency_key: key }).update({ status_code: response.status, response: JSON.stringify(response.body) });
  }

  /** The request failed on our side: the key is freed so a retry is answered afresh. */
  async release(tenantId: string, key: string): Promise<void> {
    await this.db('ingest.idempotency_keys').where({ tenant_id: tenantId, idempotency_key: key }).whereNull('status_code').delete();
  }
}

/** JSON with object keys sorted, so the same request written in another key order has the same fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
