import { ICAL_CHANNEL, type DemoProperty, type Simulator } from './channels';

interface ListingIcalView {
  readonly ical: { readonly import: { readonly polls: { readonly changed: number; readonly unchanged: number; readonly failed: number } } | null };
}

/**
 * Vrbo's side of the iCal sync, as the simulated platform plays it: each Vrbo listing polls our
 * export feed on its own (every ICAL_POLL_SECONDS, by conditional GET) and closes the nights it
 * shows. The day asks it to poll at once before it checks the channels, as a host would press
 * "refresh calendar", and reads how its polls went.
 */
export class VrboFeeds {
  constructor(
    private readonly simulator: Simulator,
    private readonly properties: readonly DemoProperty[],
  ) {}

  /** Every Vrbo listing polls our feed now. */
  async pollAll(): Promise<void> {
    for (const property of this.properties) {
      const { status } = await this.simulator.call('POST', `${this.simulator.listing(ICAL_CHANNEL, property.listings[ICAL_CHANNEL])}/ical/poll`);
      if (status !== 200) throw new Error(`Vrbo listing ${property.listings[ICAL_CHANNEL]} could not poll our feed: ${status}`);
    }
  }

  /** Vrbo's polls of our feeds so far: changed, 304 unchanged, failed. */
  async polls(): Promise<{ changed: number; unchanged: number; failed: number }> {
    const total = { changed: 0, unchanged: 0, failed: 0 };
    for (const property of this.properties) {
      const { body } = await this.simulator.call<ListingIcalView>('GET', this.simulator.listing(ICAL_CHANNEL, property.listings[ICAL_CHANNEL]));
      const polls = body.ical.import?.polls;
      if (!polls) continue;
      total.changed += polls.changed;
      total.unchanged += polls.unchanged;
      total.failed += polls.failed;
    }
    return total;
  }
}

export function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
