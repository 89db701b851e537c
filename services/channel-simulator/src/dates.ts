/**
 * Calendar dates as the platforms speak them: `YYYY-MM-DD`, property-local, no time or zone.
 * Inside, a date is its day number (days since 1970-01-01) so ranges are integer loops.
 */

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day number of a `YYYY-MM-DD` date, or undefined if it is not a real date (2026-02-30). */
export function parseDay(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return ms / DAY_MS;
}

export function formatDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** A half-open range of nights `[from, to)`: the night of `to` is not in it. */
export interface NightRange {
  readonly from: number;
  readonly to: number;
}

export function nightsIn(range: NightRange): number {
  return range.to - range.from;
}
