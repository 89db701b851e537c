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

/** Resolves with the reply, or undefined if none came within the deadline. */
export async function waitForReply<T>(subscriber: Redis, reader: Redis, commandId: string, timeoutMs: number): Promise<T | undefined> {
  const channel = channelOf(commandId);
  let timer: NodeJS.Timeout | undefined;
  let onMessage: ((ch: string, message: string) => void) | undefined;
  try {
    const published = new Promise<string>((resolve) => {
      onMessage = (ch, message) => {
        if (ch === channel) resolve(message);
      };
      subscriber.on('message', onMessage);
    });
    await subscriber.subscribe(channel);
    const stored = await reader.get(channel);
    if (stored !== null) return JSON.parse(stored) as T;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const text = await Promise.race([published, deadline]);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  } finally {
    clearTimeout(timer);
    if (onMessage) subscriber.off('message', onMessage);
    await subscriber.unsubscribe(channel);
  }
}
