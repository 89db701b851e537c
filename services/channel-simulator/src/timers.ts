/**
 * Timers a platform runs on its own (a request expiring, an unacknowledged revision re-sent), by
 * key so setting one again replaces it. Unref'd: they never keep the process up; cleared on reset
 * and when the simulator closes.
 */
export class KeyedTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  set(key: string, delayMs: number, run: () => void): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      run();
    }, Math.min(delayMs, MAX_DELAY_MS));
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/** setTimeout's longest delay (about 24.8 days); config keeps windows well below it. */
const MAX_DELAY_MS = 2 ** 31 - 1;
