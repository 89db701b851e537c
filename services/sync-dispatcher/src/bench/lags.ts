/** Latencies in ms, sorted, and how many never completed within the wait. */
export interface Lags {
  readonly values: readonly number[];
  readonly missing: number;
  /** Where the time went, per stage, sorted. */
  readonly stages?: Readonly<Record<string, readonly number[]>>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
