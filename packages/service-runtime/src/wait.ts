import { setTimeout as delay } from 'node:timers/promises';
import { NotReadyError } from './errors';

/**
 * Polls until `probe` returns a value that is not undefined/false, or throws NotReadyError with
 * the last failure once the deadline passes. For waiting on conditions, never on time.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = 'condition never held';
  for (;;) {
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new NotReadyError(what, lastError);
    await delay(intervalMs);
  }
}
