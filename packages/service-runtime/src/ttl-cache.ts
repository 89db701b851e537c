/** How long an entry is kept, in ms: fixed, or read each time an entry is stored. */
export type CacheTime = number | (() => number);

/**
 * Remembers found values for a while, so a hot path does not ask the database per request.
 * Misses are not remembered: a listing mapped a moment ago is found at once.
 *
 * The time an entry is kept may be a function, read when the entry is stored: a cache that hears
 * of changes (`clear`) keeps entries longer than one that does not.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  /** Bumped by `clear`: a load that began before it does not store what it read. */
  private generation = 0;
  private readonly ttlMs: () => number;

  constructor(
    ttlMs: CacheTime,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {
    this.ttlMs = typeof ttlMs === 'number' ? () => ttlMs : ttlMs;
  }

  /** The value if held and fresh; never loads. */
  peek(key: string): V | undefined {
    const hit = this.entries.get(key);
    return hit && hit.until > this.now() ? hit.value : undefined;
  }

  /**
   * What `put` is given as `readSince` by a caller that reads a value itself: taken before the
   * read, it keeps a value read before a `clear` from being stored after it.
   */
  mark(): number {
    return this.generation;
  }

  /** Stores a value; with `readSince` (a `mark` taken before it was read), only if no `clear` came since. */
  put(key: string, value: V, readSince?: number): void {
    if (readSince !== undefined && readSince !== this.generation) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: this.now() + this.ttlMs() });
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    const readSince = this.generation;
    const value = await load();
    if (value === undefined) {
      this.entries.delete(key);
      return undefined;
    }
    // Read before a change it was told of: given to this caller, not kept for the next.
    this.put(key, value, readSince);
    return value;
  }

  /** Forgets every entry, and what loads under way will read. */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
