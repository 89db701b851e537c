import { Client, type ClientConfig } from 'pg';
import type { Knex } from 'knex';
import type { Logger } from './logger';
import { lastingSession } from './session-lock';
import { Waker } from './waker';

export interface ListenHandlers {
  /** A notification on one of the channels, with its payload. */
  readonly notified: (payload: string, channel: string) => void;
  /**
   * The LISTEN is in place, at start and after every reconnect. What was sent while nobody
   * listened is not heard: whatever the notifications would have told must be taken as changed.
   */
  readonly listening: () => void;
  /** The connection is gone: nothing is heard until `listening` again. */
  readonly lost?: () => void;
}

/** How long after a lost connection it connects again. */
const RECONNECT_MS = 1_000;
/** A connect or a LISTEN that takes longer is given up and tried again. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * PostgreSQL `LISTEN`s on a connection of their own, outside the pool (it is held for as long as
 * the service runs, and would take a pooled connection's place), connected again a second after
 * it is lost, for as long as it runs.
 *
 * A listener that is not told its connection died would think it hears what it does not, so
 * the session is a `lastingSession`, as `SessionLock`'s is.
 */
export class PgListener {
  private running = false;
  private loop: Promise<void> | undefined;
  private client: Client | undefined;
  /** Its pause before it connects again; a stop ends it. */
  private readonly waker = new Waker();
  private heard = false;
  private readonly config: ClientConfig;
  private readonly listens: string;

  constructor(
    db: Knex,
    private readonly channels: readonly string[],
    private readonly handlers: ListenHandlers,
    private readonly log: Logger,
    /** Named in the log when it cannot listen: what it listens for. */
    private readonly what: string,
  ) {
    this.config = sessionConfig(db);
    this.listens = channels.map((channel) => `LISTEN "${channel.replaceAll('"', '""')}"`).join('; ');
  }

  /** Whether notifications are heard now: its LISTEN is in place on a live connection. */
  get listening(): boolean {
    return this.heard;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends its connection at once (a server that stopped answering does not hold the stop). */
  async stop(): Promise<void> {
    this.running = false;
    this.client?.connection.stream.destroy();
    this.waker.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const client = new Client(this.config);
      this.client = client;
      const ended = new Promise<void>((resolve) => {
        // A lost connection emits 'error' (and 'end'): either ends this listen, neither throws.
        client.on('error', () => resolve());
        client.once('end', () => resolve());
      });
      client.on('notification', (message) => this.handlers.notified(message.payload ?? '', message.channel));
      try {
        await client.connect();
        await client.query(this.listens);
        // stop() may have come while it connected: it must not be told it listens after that.
        if (this.running) {
          this.heard = true;
          this.handlers.listening();
          await ended;
        }
      } catch (error) {
        if (this.running) this.log.warn({ err: error, channels: this.channels }, `could not listen for ${this.what}; trying again`);
      } finally {
        const wasHeard = this.heard;
        this.heard = false;
        this.client = undefined;
        client.removeAllListeners('notification');
        if (wasHeard) this.handlers.lost?.();
        client.connection.stream.destroy();
      }
      if (this.running) await this.waker.sleep(RECONNECT_MS);
    }
  }
}

/** The pool's connection settings (server, user, application name), for a session that stays. */
function sessionConfig(db: Knex): ClientConfig {
  const settings = (db.client as { connectionSettings: string | ClientConfig }).connectionSettings;
  const base: ClientConfig = typeof settings === 'string' ? { connectionString: settings } : settings;
  return { ...lastingSession(base), connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: CONNECT_TIMEOUT_MS };
}
