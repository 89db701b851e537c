import { exportFeedPath } from '@cm/directory';
import { fetchFeed, parseFeed } from '@cm/ical';
import { ICAL_CHANNEL, type DemoProperty, type Simulator } from './channels';

/**
 * Plays Vrbo's side of an iCal sync: Vrbo polls the feed we export for each listing (conditional
 * GET, so an unchanged feed is a 304) and blocks the nights it shows. Here the blocks go onto the
 * simulated Vrbo's calendar, so the day can check Vrbo like the channels we push to.
 */
export class VrboPoller {
  private readonly etags = new Map<string, string | undefined>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private round = 0;
  /** Polls that found a changed feed, and those answered 304. */
  readonly counts = { changed: 0, unchanged: 0, failed: 0 };

  constructor(
    private readonly simulator: Simulator,
    private readonly feedBaseUrl: string,
    private readonly properties: readonly DemoProperty[],
    private readonly window: { from: string; to: string },
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.pollAll());
    }, everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  /** One round over every listing; also what the day calls before it checks the channels. */
  async pollAll(): Promise<void> {
    this.round++;
    for (const property of this.properties) await this.poll(property.listings[ICAL_CHANNEL], property.vrboFeedToken);
  }

  private async poll(listingId: string, feedToken: string): Promise<void> {
    const etag = this.etags.get(listingId);
    const fetched = await fetchFeed(`${this.feedBaseUrl}${exportFeedPath(feedToken)}`, { timeoutMs: 5_000, ...(etag ? { etag } : {}) });
    if (fetched.status === 'failed') {
      this.counts.failed++;
      return;
    }
    if (fetched.status === 'unchanged') {
      this.counts.unchanged++;
      return;
    }
    this.counts.changed++;
    this.etags.set(listingId, fetched.etag);
    const { entries } = parseFeed(fetched.text, { timeZone: 'Europe/Lisbon', window: this.window });
    const closed = new Set<string>();
    for (const entry of entries) for (let d = entry.checkIn; d < entry.checkOut; d = nextDay(d)) closed.add(d);
    // The host-side truth of Vrbo: every night of the window open unless the feed blocks it (a
    // night a Vrbo guest holds stays held whatever the feed says, as on the real platform).
    const updates: { from: string; to: string; available: boolean }[] = [];
    for (let d = this.window.from; d < this.window.to; d = nextDay(d)) {
      const available = !closed.has(d);
      const last = updates[updates.length - 1];
      if (last && last.available === available && last.to === d) updates[updates.length - 1] = { ...last, to: nextDay(d) };
      else updates.push({ from: d, to: nextDay(d), available });
    }
    await this.simulator.call('POST', `/vrbo/api/listings/${encodeURIComponent(listingId)}/availability`, { request_id: `vrbo-poll-${listingId}-${this.round}`, updates });
  }
}

export function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
