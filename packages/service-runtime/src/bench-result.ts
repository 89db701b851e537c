import { writeFileSync } from 'node:fs';

/**
 * One figure of a benchmark, as `scripts/bench` collects them from every service's benchmark.
 * `ratio` is value / floor; whether higher or lower is better is said in the figure's name.
 */
export interface BenchRow {
  readonly bench: string;
  readonly figure: string;
  readonly unit: string;
  readonly value: number | null;
  readonly floor: number | null;
  readonly ratio: number | null;
  readonly target: string | null;
  readonly met: boolean | null;
}

const finite = (x: number | undefined, digits: number): number | null =>
  x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;

export function benchRow(bench: string, figure: string, unit: string, value: number, extra: { floor?: number; target?: string; met?: boolean } = {}): BenchRow {
  const floor = finite(extra.floor, 2);
  const ratio = floor !== null && floor !== 0 && Number.isFinite(value) ? finite(value / floor, 3) : null;
  return { bench, figure, unit, value: finite(value, 2), floor, ratio, target: extra.target ?? null, met: extra.met ?? null };
}

/** Writes the rows as JSON to BENCH_RESULT_FILE when it is set; prints nothing. */
export function writeBenchResult(rows: readonly BenchRow[]): void {
  const file = process.env.BENCH_RESULT_FILE;
  if (file) writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
}
