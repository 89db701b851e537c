/**
 * Calls that arrive while a batch is in flight are run together as the next batch: under
 * concurrency, one database round trip serves many callers instead of each holding a connection
 * for its own. With no concurrency a call runs at once, alone, so nothing waits for a timer;
 * unless `lingerMs` is set, for work off any caller's critical path: then a batch starts that
 * long after its first call, gathering the calls of a burst that arrive one by one.
 */
export interface CoalescerOptions<I> {
  /** How much one batch takes at most (default 500 items); an item heavier than that still goes, alone. */
  readonly maxBatch?: number;
  /** How much of `maxBatch` an item takes (1 each by default). */
  readonly weigh?: (item: I) => number;
  /** Batches in flight at once (default 1: writes that must not overlap; reads may). */
  readonly concurrency?: number;
  /** Only for work off every caller's critical path: a batch starts this long after its first call. */
  readonly lingerMs?: number;
  /**
   * A batch starts once the event loop's turn of its first call is over (setImmediate): calls made
   * by one I/O event (the chunks of one fetch) go together, and nothing waits for a timer.
   */
  readonly lingerTurn?: boolean;
}

export class Coalescer<I, O> {
  private readonly waiting: { item: I; resolve(out: O): void; reject(error: unknown): void }[] = [];
  private running = 0;
  private readonly maxBatch: number;
  private readonly weigh: (item: I) => number;
  private readonly concurrency: number;
  private readonly lingerMs: number;
  private readonly lingerTurn: boolean;
  /** Ends the linger under way at once (`flush`). */
  private endLinger: (() => void) | undefined;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    /** Runs a batch; returns one result per item, in order. */
    private readonly runBatch: (items: readonly I[]) => Promise<readonly O[]>,
    options: CoalescerOptions<I> = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.weigh = options.weigh ?? (() => 1);
    this.concurrency = options.concurrency ?? 1;
    this.lingerMs = options.lingerMs ?? 0;
    this.lingerTurn = options.lingerTurn ?? false;
  }

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.running < this.concurrency) this.drained = this.drain();
    });
  }

  /** Runs what is waiting now, without the rest of its linger (a stop: nothing is left behind). */
  async flush(): Promise<void> {
    this.endLinger?.();
    await this.drained;
  }

  private async drain(): Promise<void> {
    this.running++;
    try {
      if (this.lingerTurn && this.lingerMs === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.lingerMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.lingerMs);
          this.endLinger = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.endLinger = undefined;
      }
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.fittingCount());
        try {
          const results = await this.runBatch(batch.map((b) => b.item));
          if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${results.length} results`);
          batch.forEach((b, i) => b.resolve(results[i]!));
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      this.running--;
    }
  }

  /** How many of the first waiting items fit in one batch: at least one. */
  private fittingCount(): number {
    let weight = this.weigh(this.waiting[0]!.item);
    let n = 1;
    while (n < this.waiting.length && weight + this.weigh(this.waiting[n]!.item) <= this.maxBatch) weight += this.weigh(this.waiting[n++]!.item);
    return n;
  }
}

/** How an item of a group fared. */
type GroupOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };
const DONE: GroupOutcome = { ok: true };

/**
 * A group commit: items handed over while a group is in flight go together in the next one
 * (`together`); if that fails, each item of the group is tried on its own (`alone`), so an item
 * that cannot succeed fails only its own caller. A group of one is tried alone.
 */
export class GroupCommit<I> {
  private readonly groups: Coalescer<I, GroupOutcome>;

  constructor(together: (items: readonly I[]) => Promise<void>, alone: (item: I) => Promise<void>, options: CoalescerOptions<I> = {}) {
    this.groups = new Coalescer(async (items) => {
      if (items.length > 1) {
        try {
          await together(items);
          return items.map(() => DONE);
        } catch {
          // Each alone below: its own error reaches its own caller.
        }
      }
      const outcomes: GroupOutcome[] = [];
      for (const item of items) outcomes.push(await alone(item).then(() => DONE, (error: unknown) => ({ ok: false, error })));
      return outcomes;
    }, options);
  }

  /** Resolves once the item's group (or the item alone) succeeded; rejects with the item's own error. */
  async call(item: I): Promise<void> {
    const outcome = await this.groups.call(item);
    if (!outcome.ok) throw outcome.error;
  }
}

/**
 * A group commit of consumed chunks: chunks of other partitions handed over while one is being
 * recorded are recorded together, up to `maxRecords` records, in one call of `record`; a failed
 * group is recorded chunk by chunk, so a bad chunk holds back only its own partition.
 */
export function chunkGroupCommit<R>(record: (items: readonly R[]) => Promise<void>, maxRecords: number, options: Pick<CoalescerOptions<readonly R[]>, 'lingerTurn'> = {}): GroupCommit<readonly R[]> {
  return new GroupCommit<readonly R[]>((chunks) => record(chunks.flat()), record, { maxBatch: maxRecords, weigh: (chunk) => chunk.length, ...options });
}
