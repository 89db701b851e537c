import type { Logger } from './logger';
import { Waker } from './waker';

export interface BatchedPurgeOptions {
  /** What is purged, for the log. */
  readonly what: string;
  /** Pause between purges (each runs its batches until one is not full). */
  readonly intervalMs: number;
  /** Rows deleted per statement, so no purge holds many locks or runs long. */
  readonly batchSize: number;
  /** Deletes at most `batchSize` rows (with SKIP LOCKED, so instances share the work) and says how many. */
  readonly deleteBatch: (batchSize: number) => Promise<number>;
  readonly onPurged: (rows: number) => void;
  readonly log: Logger;
}

/**
 * A purge of rows past their retention, a bounded batch per statement: at start, then every
 * `intervalMs`. stop() ends the loop after the batch in flight; a failed round is logged and the
 * next one tries again.
 */
export class BatchedPurge {
  private readonly waker = new Waker();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: BatchedPurgeOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.wake();
    await this.loop;
  }

  /** One purge: batches until one is not full (or stop() was called); returns the rows deleted. */
  async purgeOnce(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const rows = await this.options.deleteBatch(this.options.batchSize);
      total += rows;
      if (rows > 0) this.options.onPurged(rows);
      if (rows < this.options.batchSize) break;
    }
    return total;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const purged = await this.purgeOnce();
        if (purged > 0) this.options.log.info({ purged }, `${this.options.what} deleted`);
      } catch (error) {
        this.options.log.error({ err: error }, `purging ${this.options.what} failed; the next round tries again`);
      }
      await this.waker.sleep(this.options.intervalMs);
    }
  }
}
