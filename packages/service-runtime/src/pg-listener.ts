import type { Client } from 'pg';
import type { Knex } from 'knex';
import type { Logger } from './logger';

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

/**
 * PostgreSQL `LISTEN`s on a connection of their own, outside the pool (it is held for as long as
 * the service runs, and would take a pooled connection's place), connected again a second after
 * it is lost, for as long as it runs.
 */
export class PgListener {
  private running = false;
  private loop: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private retry: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private heard = false;

  constructor(
    private readonly db: Knex,
    private readonly channels: readonly string[],
    private readonly handlers: ListenHandlers,
    private readonly log: Logger,
    /** Named in the log when it cannot listen: what it listens for. */
    private readonly what: string,
  ) {}

  /** Whether notifications are heard now: its LISTEN is in place on a live connection. */
  get listening(): boolean {
    return this.heard;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.release?.();
    if (this.retry) {
      clearTimeout(this.retry.timer);
      this.retry.resolve();
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    const listens = this.channels.map((channel) => `LISTEN "${channel.replaceAll('"', '""')}"`).join('; ');
    while (this.running) {
      try {
        const connection = (await this.db.client.acquireRawConnection()) as Client;
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        this.release = release;
        // stop() may have come while the connection was being made.
        if (!this.running) release();
        // A lost connection emits 'error' (and 'end'): either ends this listen, neither throws.
        connection.on('error', release);
        connection.once('end', release);
        connection.on('notification', (message) => this.handlers.notified(message.payload ?? '', message.channel));
        try {
          await connection.query(listens);
          this.heard = true;
          this.handlers.listening();
          await released;
        } finally {
          const wasHeard = this.heard;
          this.heard = false;
          connection.removeAllListeners('notification');
          if (wasHeard) this.handlers.lost?.();
          await this.db.client.destroyRawConnection(connection).catch(() => undefined);
        }
      } catch (error) {
        this.log.warn({ err: error, channels: this.channels }, `could not listen for ${this.what}; trying again`);
      }
      if (this.running) await new Promise<void>((resolve) => (this.retry = { timer: setTimeout(resolve, RECONNECT_MS), resolve }));
      this.retry = undefined;
    }
  }
}
