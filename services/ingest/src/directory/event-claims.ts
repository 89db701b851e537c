import type { Redis } from '@cm/service-runtime';
import type { EventRef } from './seen-events';

export type Claim = 'new' | 'duplicate' | 'in_progress';

/** A delivery being turned into a command this long is taken as lost (its process died). */
const PENDING_MS = 60_000;
/** How long a taken-in event id is remembered here; PostgreSQL keeps the lasting record. */
const DONE_MS = 7 * 24 * 3_600_000;

/**
 * The webhook path's dedupe, on the hot path, in Redis: one round trip claims a channel event
 * (by its connection and the platform's event id) before its command is written, and the claim becomes "done" after. A twin arriving while the
 * first is pending is told to retry rather than dropped, so a crash between claim and write
 * loses nothing: the claim expires, and the platform's retry goes through. If Redis forgets
 * (a restart), a duplicate reaches the arbiter, which decides each command id once.
 */
export class EventClaims {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  /** The connection id is length-prefixed: no choice of ids makes two events share a key. */
  private key(ref: EventRef): string {
    return `cm:${this.namespace}:event:${ref.channel}:${ref.connectionId.length}:${ref.connectionId}:${ref.externalEventId}`;
  }

  async claim(ref: EventRef): Promise<Claim> {
    const previous = await this.redis.set(this.key(ref), 'pending', 'PX', PENDING_MS, 'NX', 'GET');
    if (previous === null) return 'new';
    return previous === 'done' ? 'duplicate' : 'in_progress';
  }

  async done(ref: EventRef): Promise<void> {
    await this.redis.set(this.key(ref), 'done', 'PX', DONE_MS);
  }

  /** The command could not be written: the next delivery must not be taken for a duplicate. */
  async release(ref: EventRef): Promise<void> {
    await this.redis.del(this.key(ref));
  }
}
