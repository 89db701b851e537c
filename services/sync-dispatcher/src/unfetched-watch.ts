import type { Channel } from '@cm/schemas';
import type { Logger } from '@cm/service-runtime';
import type { DispatcherMetrics } from './metrics';
import type { FeedFetches } from './store/feed-fetches';

export interface UnfetchedWatchOptions {
  readonly channels: readonly Channel[];
  /** A change not fetched for this long is overdue. */
  readonly alertMs: number;
  readonly everyMs: number;
}

/**
 * Makes a feed channel that stops fetching visible instead of silent: its changes stay
 * unacknowledged, and every `everyMs` the age of its oldest unfetched change and the listings
 * overdue (`alertMs`) are set as gauges, read by the IcalFeedNotFetched alert. Every instance
 * reads the same table, so each reports the same values (the alert takes the max).
 */
export class UnfetchedWatch {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();
  private readonly overdue = new Map<Channel, number>();

  constructor(
    private readonly deps: { fetches: FeedFetches; metrics: DispatcherMetrics; log: Logger; now: () => number },
    private readonly options: UnfetchedWatchOptions,
  ) {
    for (const channel of options.channels) this.set(channel, 0, 0);
  }

  start(): void {
    if (this.options.channels.length === 0) return;
    this.timer = setInterval(() => void this.checkOnce(), this.options.everyMs);
    void this.checkOnce();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  private checkOnce(): Promise<void> {
    this.checking = this.checking.then(() => this.check());
    return this.checking;
  }

  private async check(): Promise<void> {
    const nowMs = this.deps.now();
    const found = await this.deps.fetches.unfetched(this.options.channels, nowMs - this.options.alertMs).catch((error: unknown) => {
      this.deps.log.warn({ err: error }, 'could not read the changes iCal channels have not fetched; the gauges keep their last values');
      return undefined;
    });
    if (!found) return;
    for (const channel of this.options.channels) {
      const unfetched = found.find((u) => u.channel === channel);
      this.set(channel, unfetched ? Math.max(0, nowMs - unfetched.oldestChangedAtMs) / 1000 : 0, unfetched?.overdueListings ?? 0);
    }
  }

  private set(channel: Channel, oldestSeconds: number, overdueListings: number): void {
    const before = this.overdue.get(channel) ?? 0;
    if (overdueListings > 0 && before === 0) this.deps.log.warn({ channel, listings: overdueListings, alertMs: this.options.alertMs, oldestSeconds }, 'an iCal channel has not fetched our feed holding a change; the change stays unacknowledged');
    this.overdue.set(channel, overdueListings);
    this.deps.metrics.icalOldestUnfetched.set({ channel }, oldestSeconds);
    this.deps.metrics.icalOverdueListings.set({ channel }, overdueListings);
  }
}
