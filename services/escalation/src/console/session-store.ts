import { createHash, randomBytes } from 'node:crypto';
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
 * sign-out ends it everywhere.
 */
export class SessionStore {
  constructor(
    private readonly db: Knex,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Opens a session and returns its token (the cookie's value); expired sessions are swept on the way. */
  async open(tenantId: string, operator: string): Promise<{ token: string; expiresAtMs: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAtMs = now + this.ttlMs;
    await this.db(T).where('expires_at_ms', '<', now).delete();
    await this.db(T).insert({ token_hash: hashToken(token), tenant_id: tenantId, operator, created_at_ms: now, expires_at_ms: expiresAtMs });
    return { token, expiresAtMs };
  }

  /** The session of a cookie token, unless unknown or expired. */
  async find(token: string | undefined): Promise<ConsoleSession | null> {
    if (!token || !/^[\w-]{43}$/.test(token)) return null;
    const row = await this.db(T).where({ token_hash: hashToken(token) }).where('expires_at_ms', '>', this.now()).first('tenant_id', 'operator', 'expires_at_ms');
    return row ? { tenantId: row.tenant_id, operator: row.operator, expiresAtMs: Number(row.expires_at_ms) } : null;
  }

  async close(token: string | undefined): Promise<void> {
    if (token) await this.db(T).where({ token_hash: hashToken(token) }).delete();
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
