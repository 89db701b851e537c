import type { RateLookup } from '@cm/domain';
import type { Logger } from '@cm/service-runtime';
import { conversionRate, utcDateOf, type RateSnapshot } from './cross-rate';
import type { ReferenceRates } from './store';

/**
 * The arbiter's rates: the newest rate of each currency held in memory, so a decision's lookup
 * is synchronous and touches no database; refreshed from the table at start and on an interval.
 * Each lookup applies the staleness rule (`conversionRate`) against the clock's UTC date then, so
 * a snapshot that stops refreshing ages into "no rate" rather than converting with old rates.
 */
export class ReferenceRateLookup {
  private snapshot: RateSnapshot = new Map();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly rates: ReferenceRates,
    private readonly options: { readonly maxAgeDays: number; readonly now: () => number; readonly log: Logger },
  ) {}

  readonly lookup: RateLookup = (from, to) => conversionRate(this.snapshot, from, to, utcDateOf(this.options.now()), this.options.maxAgeDays);

  /** Reads the newest rates now; the snapshot is replaced only when the read succeeds. */
  async refresh(): Promise<void> {
    this.refreshing ??= this.rates.newest().then(
      (snapshot) => {
        this.snapshot = snapshot;
      },
    ).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Refreshes every `intervalMs`; a failed refresh is logged and the last snapshot kept (it ages by the rule). */
  startRefreshing(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.options.log.warn({ err: error }, 'refreshing the exchange rates failed; the last ones stay in use until they are stale'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** How many currencies the snapshot holds, and the newest date among them (for the start-up log). */
  describe(): { currencies: number; newestDate: string | null } {
    let newestDate: string | null = null;
    for (const rate of this.snapshot.values()) if (newestDate === null || rate.date > newestDate) newestDate = rate.date;
    return { currencies: this.snapshot.size, newestDate };
  }
}
