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
 * still being answered gets 409. A key's record lasts `retentionMs` from its first request (the
 * answer holds the guest's details): after that the key is new again, whether or not
 * `IdempotencyPurge` has deleted the record yet. Ages are read on the database's clock.
 */
export class IdempotencyKeys {
  constructor(
    private readonly db: Knex,
    private readonly options: { readonly retentionMs: number },
  ) {}

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body)}`).digest('hex');
  }

  /** Claims the key for this request, or returns the answer already given to it. */
  async claim(tenantId: string, key: string, fingerprint: string): Promise<{ claimed: true } | { claimed: false; response: StoredResponse }> {
    // A new key, or one whose record outlived the retention window: either way this request is its first.
    const inserted = await this.db.raw(
      `INSERT INTO ingest.idempotency_keys AS k (tenant_id, idempotency_key, fingerprint) VALUES (?, ?, ?)
       ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET fingerprint = excluded.fingerprint, status_code = NULL, response = NULL, created_at = now()
         WHERE k.created_at < now() - make_interval(secs => ?)
       RETURNING k.tenant_id`,
      [tenantId, key, fingerprint, this.options.retentionMs / 1000],
    );
    if (inserted.rows.length > 0) return { claimed: true };
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

/**
 * One batch of the Idempotency-Key purge (BatchedPurge runs it): records past the retention
 * window, oldest first, locked with SKIP LOCKED, so instances share the work and never wait on
 * one another (nor on a claim renewing an expired key).
 */
export function expiredIdempotencyKeys(db: Knex, retentionMs: number): (batchSize: number) => Promise<number> {
  return async (batchSize) => {
    const deleted = await db.raw(
      `DELETE FROM ingest.idempotency_keys WHERE (tenant_id, idempotency_key) IN (
         SELECT tenant_id, idempotency_key FROM ingest.idempotency_keys
         WHERE created_at < now() - make_interval(secs => ?)
         ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED)`,
      [retentionMs / 1000, batchSize],
    );
    return deleted.rowCount ?? 0;
  };
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
