/** One second of the day on one channel: the mean lag of the changes acknowledged in it, or null when none was. */
export interface LagPoint {
  readonly second: number;
  readonly meanMs: number | null;
  readonly pushes: number;
}

export interface LagSummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly pushes: number;
  /** Per channel, a point each second sampled; null where the channel acknowledged nothing (a gap, not a zero lag). */
  readonly byChannel: Readonly<Record<string, readonly LagPoint[]>>;
}

type LagMetric = 'channel_sync_lag_seconds' | 'channel_ical_sync_lag_seconds';

/** The histogram's running sum and count per channel, as one scrape of the dispatcher's metrics shows them. */
export function lagTotalsByChannel(text: string, metric: LagMetric): Map<string, { sum: number; count: number }> {
  const totals = new Map<string, { sum: number; count: number }>();
  for (const line of text.split('\n')) {
    const field = line.startsWith(`${metric}_sum{`) ? 'sum' : line.startsWith(`${metric}_count{`) ? 'count' : undefined;
    const channel = field && /channel="([^"]+)"/.exec(line)?.[1];
    if (!field || !channel) continue;
    const total = totals.get(channel) ?? { sum: 0, count: 0 };
    total[field] += Number(line.slice(line.lastIndexOf(' ') + 1));
    totals.set(channel, total);
  }
  return totals;
}

/**
 * A sync lag as the dispatcher measures it (`channel_sync_lag_seconds`: from the change in the
 * ledger to the pushed channel's acknowledgement; `channel_ical_sync_lag_seconds`: to the iCal
 * channel's fetch of it), sampled every second per channel for the chart, and p50/p99 read off
 * the histogram's buckets at the end (upper bounds, as Prometheus's histogram_quantile would).
 */
export class LagSampler {
  private timer: NodeJS.Timeout | undefined;
  /** When sampling began: the chart's second 0, and the origin other moments of the day are placed against. */
  readonly startedAt = Date.now();
  private last = new Map<string, { sum: number; count: number }>();
  private readonly points = new Map<string, LagPoint[]>();
  private buckets: { le: number; count: number }[] = [];

  constructor(
    private readonly metricsUrl: string,
    private readonly metric: LagMetric,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 1_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Seconds since sampling began, as the chart's x axis counts them. */
  secondOf(at: number): number {
    return Math.round((at - this.startedAt) / 1000);
  }

  private async sample(): Promise<void> {
    const text = await (await fetch(this.metricsUrl).catch(() => undefined))?.text().catch(() => undefined);
    if (!text) return;
    const second = this.secondOf(Date.now());
    const totals = lagTotalsByChannel(text, this.metric);
    for (const [channel, { sum, count }] of totals) {
      const before = this.last.get(channel) ?? { sum: 0, count: 0 };
      const pushes = count - before.count;
      const series = this.points.get(channel) ?? [];
      this.points.set(channel, series);
      series.push({ second, meanMs: pushes > 0 ? Math.round(((sum - before.sum) / pushes) * 1000) : null, pushes });
    }
    this.last = totals;
    const byLe = new Map<number, number>();
    for (const line of text.split('\n').filter((l) => l.startsWith(`${this.metric}_bucket{`))) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    this.buckets = [...byLe.entries()].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  }

  summary(): LagSummary {
    const total = this.buckets[this.buckets.length - 1]?.count ?? 0;
    const quantile = (q: number) => Math.round((this.buckets.find((b) => b.count >= q * total)?.le ?? NaN) * 1000);
    return { p50Ms: quantile(0.5), p99Ms: quantile(0.99), pushes: total, byChannel: Object.fromEntries(this.points) };
  }
}
