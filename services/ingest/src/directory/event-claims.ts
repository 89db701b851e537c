import type { Redis } from '@cm/service-runtime';
import type { EventRef } from './seen-events';

export type Claim = 'new' | 'duplicate' | 'in_progress';

/** A delivery being turned into a command this long is taken as lost (its process died). */
const PENDING_MS = 60_000;
/** How long a taken-in event id is remembered here; PostgreSQL keeps the lasting record. */
const DONE_MS = 7 * 24 * 3_600_000;
/**
 * How long a claim may wait to be marked done when no other claim comes to carry it. Marks ride
 * with the next claim, in its write to Redis: at a few webhooks a second a mark of its own was a
 * round trip, and a wake-up of Redis and of this process, per webhook.
 */
const DONE_LINGER_MS = 1_000;

/**
 * The webhook path's dedupe, on the hot path, in Redis: one round trip claims a channel event
 * (by its connection and the platform's event id) before its command is written, and the claim becomes "done" after. A twin arriving while the
 * first is pending is told to retry rather than dropped, so a crash between claim and write
 * loses nothing: the claim expires, and the platform's retry goes through. If Redis forgets
 * (a restart), a duplicate reaches the arbiter, which decides each command id once.
 *
 * A claim is marked done with the next claim this process makes (the commands of one tick go to
 * Redis in one write, in order, so that claim already sees the mark), or DONE_LINGER_MS later.
 * A twin reaching another instance within that time is told to retry, as if the first were
 * pending; a crash before the mark leaves the claim pending until it expires, then the retry
 * reaches the arbiter, which drops it (the command id is derived from the event).
 */
export class EventClaims {
  private readonly doneMarks: string[] = [];
  private lingering: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly onMarkFailed: (error: unknown) => void = () => undefined,
  ) {}

  /** The connection id is length-prefixed: no choice of ids makes two events share a key. */
  private key(ref: EventRef): string {
    return `cm:${this.namespace}:event:${ref.channel}:${ref.connectionId.length}:${ref.connectionId}:${ref.externalEventId}`;
  }

  async claim(ref: EventRef): Promise<Claim> {
    void this.markDone();
    const previous = await this.redis.set(this.key(ref), 'pending', 'PX', PENDING_MS, 'NX', 'GET');
    if (previous === null) return 'new';
    return previous === 'done' ? 'duplicate' : 'in_progress';
  }

  /** The claim's command was written: marked done with the next claim, or after DONE_LINGER_MS. */
  done(ref: EventRef): void {
    this.doneMarks.push(this.key(ref));
    // unref: marks waiting never keep a stopping process alive (its stop flushes them).
    this.lingering ??= setTimeout(() => void this.markDone(), DONE_LINGER_MS).unref();
  }

  /** Marks what is waiting now (a stop, before Redis goes). */
  flush(): Promise<void> {
    return this.markDone();
  }

  /** The command could not be written: the next delivery must not be taken for a duplicate. */
  async release(ref: EventRef): Promise<void> {
    await this.redis.del(this.key(ref));
  }

  /**
   * Sends the waiting marks now, in this tick (auto-pipelined with a claim sent after them in the
   * same tick). A mark that fails is told to onMarkFailed, not retried: its claim expires, as
   * after a crash. Never rejects.
   */
  private markDone(): Promise<void> {
    // Most claims find nothing waiting: nothing to clear or send.
    if (this.doneMarks.length === 0) return Promise.resolve();
    clearTimeout(this.lingering);
    this.lingering = undefined;
    const keys = this.doneMarks.splice(0);
    return Promise.all(keys.map((key) => this.redis.set(key, 'done', 'PX', DONE_MS))).then(
      () => undefined,
      (error: unknown) => this.onMarkFailed(error),
    );
  }
}
