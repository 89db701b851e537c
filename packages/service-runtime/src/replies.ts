import type { Redis } from './redis';

/**
 * Synchronous answers for callers that wait on a command's decision (direct bookings): the
 * decider stores the reply under the command id for a while and announces it; a waiter
 * subscribes first, then reads, so it cannot miss a reply published in between.
 */
export const REPLY_TTL_SECONDS = 300;
const channelOf = (commandId: string) => `cm:reply:${commandId}`;

export async function publishReply(redis: Redis, commandId: string, reply: unknown): Promise<void> {
  const text = JSON.stringify(reply);
  await redis.multi().set(channelOf(commandId), text, 'EX', REPLY_TTL_SECONDS).publish(channelOf(commandId), text).exec();
}

/**
 * Waits for replies of many commands at once over one subscriber connection: one message
 * listener dispatches to the waiters by channel, however many wait at a time.
 */
export class ReplyWaiter {
  private readonly waiting = new Map<string, Set<(text: string) => void>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly reader: Redis,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      for (const resolve of this.waiting.get(channel) ?? []) resolve(message);
    });
  }

  /** Resolves with the reply, or undefined if none came within the deadline. */
  async wait<T>(commandId: string, timeoutMs: number): Promise<T | undefined> {
    const channel = channelOf(commandId);
    let timer: NodeJS.Timeout | undefined;
    let resolveMessage: ((text: string) => void) | undefined;
    const published = new Promise<string>((resolve) => {
      resolveMessage = resolve;
    });
    const waiters = this.waiting.get(channel) ?? new Set();
    waiters.add(resolveMessage!);
    this.waiting.set(channel, waiters);
    try {
      if (waiters.size === 1) await this.subscriber.subscribe(channel);
      const stored = await this.reader.get(channel);
      if (stored !== null) return JSON.parse(stored) as T;
      const deadline = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      const text = await Promise.race([published, deadline]);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    } finally {
      clearTimeout(timer);
      waiters.delete(resolveMessage!);
      if (waiters.size === 0) {
        this.waiting.delete(channel);
        await this.subscriber.unsubscribe(channel);
      }
    }
  }

  /** The stored reply, if the decision was made (for a caller polling after its deadline). */
  async stored<T>(commandId: string): Promise<T | undefined> {
    const text = await this.reader.get(channelOf(commandId));
    return text === null ? undefined : (JSON.parse(text) as T);
  }
}

/** One wait on a connection of its own (tests and tools). */
export async function waitForReply<T>(subscriber: Redis, reader: Redis, commandId: string, timeoutMs: number): Promise<T | undefined> {
  return new ReplyWaiter(subscriber, reader).wait<T>(commandId, timeoutMs);
}
