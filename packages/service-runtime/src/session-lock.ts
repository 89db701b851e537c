import { Client, type ClientConfig } from 'pg';

/**
 * A session held for as long as its process lives must outlive idleness: no idle_session_timeout
 * may end it, and TCP keepalives begin after 30 s of silence, not the system's two hours, so a
 * connection a middlebox forgets is found out (and an idle one is not forgotten).
 */
export function lastingSession(config: ClientConfig): ClientConfig {
  return { ...config, options: `${config.options ?? ''} -c idle_session_timeout=0`.trim(), keepAlive: true, keepAliveInitialDelayMillis: 30_000 };
}

/**
 * A PostgreSQL advisory lock of the session, on a connection of its own that the holder keeps
 * for as long as it lives. The server drops the lock the moment the holder's process dies (the
 * kernel closes its socket), so whoever takes it next knows the holder is gone, not only slow:
 * what a lease tells only once its time is up. A holder frozen but alive keeps it.
 */
export class SessionLock {
  private held = false;

  private constructor(
    private readonly client: Client,
    private readonly key: string,
  ) {}

  /**
   * Connects for the lock named `key` (any text; two names may share a 64-bit hash, and then
   * one waits for the other, never both hold). `lost` is told if the connection breaks while
   * the lock is held: from then on the lock is no longer this process's.
   */
  static async connect(url: string, key: string, options: { applicationName: string; lost: (error: Error) => void }): Promise<SessionLock> {
    const client = new Client(lastingSession({ connectionString: url, application_name: options.applicationName.slice(0, 63) }));
    const lock = new SessionLock(client, key);
    client.on('error', (error) => {
      if (lock.held) options.lost(error);
      lock.held = false;
    });
    await client.connect();
    return lock;
  }

  /** Takes the lock if no other session holds it; whether this one holds it now. */
  async tryTake(): Promise<boolean> {
    if (this.held) return true;
    const { rows } = await this.client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS taken', [this.key]);
    this.held = rows[0]?.taken === true;
    return this.held;
  }

  /** Gives the lock up by closing its session. */
  async close(): Promise<void> {
    this.held = false;
    await this.client.end();
  }
}
