/**
 * Calls that arrive while a batch is in flight are run together as the next batch: under
 * concurrency, one database round trip serves many callers instead of each holding a connection
 * for its own. With no concurrency a call runs at once, alone, so nothing waits for a timer.
 */
export class Coalescer<I, O> {
  private readonly waiting: { item: I; resolve(out: O): void; reject(error: unknown): void }[] = [];
  private running = 0;

  constructor(
    /** Runs a batch; returns one result per item, in order. */
    private readonly runBatch: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly maxBatch = 500,
    /** Batches in flight at once (for reads that may overlap; writes that must not, keep 1). */
    private readonly concurrency = 1,
    /** How much of `maxBatch` an item takes (1 each by default); a heavier item still goes, alone. */
    private readonly weigh: (item: I) => number = () => 1,
  ) {}

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.running < this.concurrency) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running++;
    try {
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
