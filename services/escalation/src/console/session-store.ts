import { createHash, randomBytes } from 'node:crypto';
import { hashApiKey, tenantOfLiveApiKeyHash } from '@cm/directory';
import { SecretsError, type KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';

/** Who is signed in: the tenant whose API key opened the session, and the operator's name. */
export interface ConsoleSession {
  readonly tenantId: string;
  readonly operator: string;
  readonly expiresAtMs: number;
}

const T = 'escalation.console_sessions';

/**
 * The console's server-side sessions in PostgreSQL: a random token goes to the browser in an
 * HttpOnly cookie, its hash stays here with the tenant, the operator and an expiry. Every instance
 * of the service reads the same table, so a session holds across instances and restarts, and a
 * sign-out ends it everywhere. A session lives only as long as the API key it was opened with:
 * revoking the key in the directory ends it.
 */
export class SessionStore {
  constructor(
    private readonly db: Knex,
    private readonly ttlMs: number,
    private readonly now: () => number,
    /** Seals the API key each session keeps for the console's reads of the other services. */
    private readonly keys: KeyRing,
  ) {}

  /** Opens a session and returns its token (the cookie's value); expired sessions are swept on the way. */
  async open(tenantId: string, operator: string, apiKey: string): Promise<{ token: string; expiresAtMs: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAtMs = now + this.ttlMs;
    await this.db(T).where('expires_at_ms', '<', now).delete();
    const tokenHash = hashToken(token);
    await this.db(T).insert({ token_hash: tokenHash, tenant_id: tenantId, operator, api_key_hash: hashApiKey(apiKey), created_at_ms: now, expires_at_ms: expiresAtMs, sealed_api_key: this.keys.seal(apiKey, keyContext(tokenHash)) });
    return { token, expiresAtMs };
  }

  /** The session of a cookie token, unless unknown, expired, or its API key revoked. */
  async find(token: string | undefined): Promise<ConsoleSession | null> {
    if (!token || !/^[\w-]{43}$/.test(token)) return null;
    const row = await this.db(T).where({ token_hash: hashToken(token) }).where('expires_at_ms', '>', this.now()).first('tenant_id', 'operator', 'expires_at_ms', 'api_key_hash');
    if (!row || (await tenantOfLiveApiKeyHash(this.db, row.api_key_hash)) !== row.tenant_id) return null;
    return { tenantId: row.tenant_id, operator: row.operator, expiresAtMs: Number(row.expires_at_ms) };
  }

  /** The API key a live session was opened with; null when it kept none or it no longer opens (its key left the ring): the operator signs in again. */
  async apiKeyOf(token: string | undefined): Promise<string | null> {
    if (!token || !/^[\w-]{43}$/.test(token)) return null;
    const tokenHash = hashToken(token);
    const row = await this.db(T).where({ token_hash: tokenHash }).where('expires_at_ms', '>', this.now()).first('sealed_api_key');
    if (!row?.sealed_api_key) return null;
    try {
      return this.keys.open(row.sealed_api_key, keyContext(tokenHash));
    } catch (error) {
      if (error instanceof SecretsError) return null;
      throw error;
    }
  }

  async close(token: string | undefined): Promise<void> {
    if (token) await this.db(T).where({ token_hash: hashToken(token) }).delete();
  }
}

/** What a sealed key is bound to: its own session row. */
const keyContext = (tokenHash: string) => `console_session:${tokenHash}:api_key`;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
