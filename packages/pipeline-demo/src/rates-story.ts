import { setListingPricing } from '@cm/directory';
import { waitFor, type Knex } from '@cm/service-runtime';
import { ARI_CHANNELS, type DemoProperty, type Portfolio, type Simulator } from './channels';

/** Each ARI channel's listing takes the PMS's rates with its own markup, under the platform's default plan. */
const MARKUPS: Readonly<Record<(typeof ARI_CHANNELS)[number], number>> = { AIRBNB: 1_500, BOOKING_COM: 0, EXPEDIA: 1_000 };
const PMS_PLAN = 'standard';
const CHANNEL_PLAN = 'default';

export interface RatesStoryReport {
  readonly season: { readonly from: string; readonly to: string; readonly updates: number };
  readonly pushedInMs: number;
  /** What Airbnb showed for a high-season night, and for a weekday night. */
  readonly shown: { readonly highSeasonNight: string; readonly highSeasonPrice: string; readonly minStay: number | null };
  readonly refused: { readonly status: number; readonly rule: string; readonly night: string };
  readonly booked: { readonly reservationId: string; readonly total: string; readonly nights: number };
  readonly priceEdit: { readonly from: string; readonly to: string; readonly conflict: string | null; readonly resolution: string | null; readonly rule: string | null };
}

interface RatesView {
  readonly rate_plans: readonly { rate_plan_id: string; nights: readonly { date: string; price: { amount_minor: number; currency: string } | null; min_stay_arrival: number | null; stop_sell: boolean }[] }[];
}

/**
 * Issue 20 on the running system: the PMS sends a season of rates and restrictions through
 * ingest's API; the dispatcher pushes it to every ARI channel with that listing's markup; a guest
 * on Airbnb is refused by a minimum stay, another books within it and pays the pushed price; then
 * the platform edits that reservation's total and the system catches it against the PMS quote.
 */
export async function ratesStory(input: { db: Knex; simulator: Simulator; portfolio: Portfolio; property: DemoProperty; ingestUrl: string; firstNight: string }): Promise<RatesStoryReport> {
  const { db, simulator, portfolio, property, ingestUrl } = input;
  for (const channel of ARI_CHANNELS) {
    await setListingPricing(db, { channel, listingId: property.listings[channel] }, { currency: null, markup: { kind: 'percent', basisPoints: MARKUPS[channel] }, ratePlans: { [PMS_PLAN]: CHANNEL_PLAN } });
  }
  const day = (offset: number) => new Date(Date.parse(`${input.firstNight}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
  const season = { from: day(0), to: day(365) };
  const high = { from: day(150), to: day(210) };
  const updates = [
    { rate_plan: PMS_PLAN, from: season.from, to: season.to, price: { amount_minor: 15_000, currency: 'EUR' }, min_stay_arrival: 2 },
    { rate_plan: PMS_PLAN, from: high.from, to: high.to, price: { amount_minor: 22_000, currency: 'EUR' }, min_stay_arrival: 4 },
    { rate_plan: PMS_PLAN, from: day(300), to: day(302), stop_sell: true },
  ];
  const pms = async <T>(method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${ingestUrl}${path}`, { method, headers: { authorization: `Bearer ${portfolio.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: answer.status, body: (await answer.json()) as T };
  };
  const sent = Date.now();
  const set = await pms('PUT', `/v1/properties/${encodeURIComponent(property.propertyId)}/rates`, { version: sent, updates });
  if (set.status !== 200) throw new Error(`the PMS's season was refused: ${set.status} ${JSON.stringify(set.body)}`);

  // Every ARI channel shows the season, the high season marked up by its own markup.
  const highNight = day(160);
  const expected = (channel: (typeof ARI_CHANNELS)[number]) => Math.round((22_000 * (10_000 + MARKUPS[channel])) / 10_000);
  let shownOnAirbnb: RatesView['rate_plans'][number]['nights'][number] | undefined;
  await waitFor('every ARI channel to show the season', async () => {
    for (const channel of ARI_CHANNELS) {
      const view = await simulator.call<RatesView>('GET', `${simulator.listing(channel, property.listings[channel])}/rates?from=${day(0)}&to=${day(366)}`);
      const nights = view.body.rate_plans?.find((p) => p.rate_plan_id === CHANNEL_PLAN)?.nights ?? [];
      const night = nights.find((n) => n.date === highNight);
      const last = nights.find((n) => n.date === day(364));
      if (night?.price?.amount_minor !== expected(channel) || night.min_stay_arrival !== 4 || last?.price === null || last?.price === undefined) return false;
      if (channel === 'AIRBNB') shownOnAirbnb = night;
    }
    return true;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  const pushedInMs = Date.now() - sent;

  const listing = simulator.listing('AIRBNB', property.listings.AIRBNB);
  const tooShort = await simulator.call<{ error: string; rule: string; night: string }>('POST', `${listing}/bookings`, { check_in: day(160), check_out: day(162), guest: { name: 'Two Nights Guest' } });
  if (tooShort.status < 400) throw new Error(`a two-night stay was booked on Airbnb against a four-night minimum: ${tooShort.status}`);
  const booked = await simulator.call<{ reservation: { id: string; total: { amount: string; currency: string } | null } }>('POST', `${listing}/bookings`, { check_in: day(160), check_out: day(165), guest: { name: 'Five Nights Guest' } });
  if (booked.status !== 201) throw new Error(`a five-night stay within the rules was refused on Airbnb: ${booked.status} ${JSON.stringify(booked.body)}`);
  const reservation = booked.body.reservation;
  const stayPath = `/v1/properties/${encodeURIComponent(property.propertyId)}/bookings/${encodeURIComponent(reservation.id)}?source=AIRBNB`;
  await waitFor('the Airbnb booking in the ledger', async () => (await pms<unknown>('GET', stayPath)).status === 200, { timeoutMs: 30_000, intervalMs: 100 });

  // The platform edits the reservation's total (a fee, a manual change): 44% above what the PMS's rates say.
  const edited = (Number(reservation.total!.amount) * 1.44).toFixed(2);
  const edit = await simulator.call('PATCH', `${listing}/bookings/${encodeURIComponent(reservation.id)}`, { total: { amount: edited, currency: 'EUR' } });
  if (edit.status !== 200) throw new Error(`the platform's price edit was refused: ${edit.status}`);
  const auditPath = `/v1/audit?booking=${encodeURIComponent(`AIRBNB:${reservation.id}`)}&conflict_type=PRICE_DISCREPANCY`;
  const flagged = await waitFor('the price edit caught as a discrepancy', async () => {
    const answer = await pms<{ entries: { conflict_type: string | null; resolution: string | null; rule: string | null }[] }>('GET', auditPath);
    return answer.status === 200 ? answer.body.entries.find((e) => e.conflict_type === 'PRICE_DISCREPANCY') : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });

  return {
    season: { ...season, updates: updates.length },
    pushedInMs,
    shown: { highSeasonNight: highNight, highSeasonPrice: money(shownOnAirbnb!.price!), minStay: shownOnAirbnb!.min_stay_arrival },
    refused: { status: tooShort.status, rule: tooShort.body.rule, night: tooShort.body.night },
    booked: { reservationId: reservation.id, total: `${reservation.total!.amount} ${reservation.total!.currency}`, nights: 5 },
    priceEdit: { from: reservation.total!.amount, to: edited, conflict: flagged.conflict_type, resolution: flagged.resolution, rule: flagged.rule },
  };
}

export function printRatesStory(report: RatesStoryReport, say: (line: string) => void): void {
  say('');
  say(`rates and restrictions: the PMS sent a season (${report.season.from} to ${report.season.to}, ${report.season.updates} ranges, one request); every ARI channel showed it ${report.pushedInMs} ms later`);
  say(`  Airbnb (15% markup) shows ${report.shown.highSeasonNight} at ${report.shown.highSeasonPrice}, minimum stay ${report.shown.minStay ?? 'none'} on arrival`);
  say(`  a guest asking for 2 nights there was refused by the platform: ${report.refused.status} ${report.refused.rule} (${report.refused.night})`);
  say(`  a guest booking ${report.booked.nights} nights paid the pushed price: ${report.booked.total} (Airbnb ${report.booked.reservationId})`);
  say(`  the platform then edited that total from ${report.priceEdit.from} to ${report.priceEdit.to}: the ledger raised ${report.priceEdit.conflict ?? 'nothing'} against the PMS quote, ${report.priceEdit.resolution ?? '?'} (${report.priceEdit.rule ?? '?'})`);
}

function money(m: { amount_minor: number; currency: string }): string {
  return `${(m.amount_minor / 100).toFixed(2)} ${m.currency}`;
}
