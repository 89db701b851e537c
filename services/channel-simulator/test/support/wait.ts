import { setTimeout as sleep } from 'node:timers/promises';

/** Polls a condition until it holds or the deadline passes (then throws, naming what it waited for). */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
