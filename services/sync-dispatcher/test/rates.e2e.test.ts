import { setListingPricing } from '@cm/directory';
import { termsRecord } from '@cm/rates';
import { addDays, applyTermsUpdate, channelPrice, noRates, nightsOf, termsOf, type CurrencyCode, type KeptNight, type LocalDate, type Markup, type NightTerms } from '@cm/domain';
import { requireOk, type RatesResponse, type StatsResponse } from '@cm/channel-simulator';
import type { Channel } from '@cm/schemas';
import { seededRandom, waitFor } from '@cm/service-runtime';
import { startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

const EUR = 'EUR' as CurrencyCode;
const d = (text: string) => text as LocalDate;

/** The ARI channels, each with the pricing its listing takes the PMS's rates under. */
const PRICED: readonly { channel: Channel; markup: Markup; ratePlans: Record<string, string> }[] = [
  { channel: 'AIRBNB', markup: { kind: 'percent', basisPoints: 1_500 }, ratePlans: { standard: 'AB-STD', nonref: 'AB-NR' } },
  { channel: 'BOOKING_COM', markup: { kind: 'fixed', amountMinor: 500 }, ratePlans: {} },
  { channel: 'EXPEDIA', markup: { kind: 'percent', basisPoints: 0 }, ratePlans: { standard: 'EX-1' } },
];

type Wire = { price: { amount_minor: number; currency: string } | null; min_stay_arrival: number | null; min_stay_through: number | null; max_stay: number | null; closed_to_arrival: boolean; closed_to_departure: boolean; stop_sell: boolean };

/** What a channel should show for a night of a PMS plan: its price marked up for the listing, the rules as they are. */
function onChannel(terms: NightTerms, markup: Markup): Wire {
  const price = terms.price ? channelPrice(terms.price, { currency: EUR, markup }, noRates) : null;
  if (price === 'no_rate') throw new Error('one currency here');
  return termsRecord({ ...terms, price });
}

/**
 * Issue 20.2 and 20.3 on the real stack: the PMS sets rates and restrictions through ingest's API,
 * the dispatcher pushes them to every ARI channel with each listing's markup and plan ids, within
 * the channel's price-and-restriction rate, and the simulated platforms enforce them.
 */
describe('sync-dispatcher: rates and restrictions reach every channel', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ RATE_CALLS_PER_MINUTE: '10', LISTINGS_CACHE_MS: '0' });
    const { client, tenant, world } = pipeline;
    for (const { channel, markup, ratePlans } of PRICED) {
      const listingId = tenant.connections[channel].listingId;
      await setListingPricing(world.db, { channel, listingId }, { currency: null, markup, ratePlans });
      for (const plan of Object.keys(ratePlans).length > 0 ? Object.values(ratePlans) : ['standard', 'nonref']) requireOk(await client.createRatePlan(channel, listingId, plan));
      requireOk(await client.setFaults(channel, { property_rate_limit: { availability_per_minute: 10, rates_per_minute: 10 } }));
    }
  });
  afterAll(async () => pipeline?.close());

  const setRates = async (body: unknown) => {
    const answer = await pipeline.world.pms(pipeline.ingest, 'PUT', `/v1/properties/${pipeline.tenant.propertyId}/rates`, body);
    expect(answer.status).toBe(200);
  };
  const channelRates = async (channel: Channel, from: string, to: string): Promise<RatesResponse> =>
    requireOk(await pipeline.client.readRates(channel, pipeline.tenant.connections[channel].listingId, from, to));

  /** Waits until every ARI channel shows, for every night of [from, to) of each plan it sells, what the PMS holds. */
  const untilEveryChannelShows = async (pms: ReadonlyMap<string, ReadonlyMap<LocalDate, NightTerms>>, from: string, to: string, timeoutMs: number) => {
    let last: unknown;
    await waitFor(
      'every channel to show the PMS rates',
      async () => {
        for (const { channel, markup, ratePlans } of PRICED) {
          const shown = await channelRates(channel, from, to);
          for (const [pmsPlan, nights] of pms) {
            const channelPlan = Object.keys(ratePlans).length === 0 ? pmsPlan : ratePlans[pmsPlan];
            if (channelPlan === undefined) continue;
            const plan = shown.rate_plans.find((p) => p.rate_plan_id === channelPlan);
            // Nights the PMS never set keep whatever the platform had.
            const set = nightsOf({ checkIn: d(from), checkOut: d(to) }).filter((night) => nights.has(night));
            const want = set.map((night) => ({ date: night, ...onChannel(nights.get(night)!, markup) }));
            const shownNights = new Map(plan?.nights.map((n) => [n.date, n]));
            const got = set.map((night) => shownNights.get(night)).map((n) => n && { date: n.date, price: n.price, min_stay_arrival: n.min_stay_arrival, min_stay_through: n.min_stay_through, max_stay: n.max_stay, closed_to_arrival: n.closed_to_arrival, closed_to_departure: n.closed_to_departure, stop_sell: n.stop_sell });
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              const at = want.findIndex((w, i) => JSON.stringify(w) !== JSON.stringify(got[i]));
              last = { channel, plan: channelPlan, want: want[at], got: got[at] };
              return false;
            }
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last difference: ${JSON.stringify(last)}`);
    });
  };

  it('a season of two rate plans pushed to every channel ends with each channel showing the PMS rates and restrictions, after its markup and under its plan ids', async () => {
    const updates = [
      { rate_plan: 'standard', from: '2027-01-01', to: '2028-01-01', price: { amount_minor: 12_000, currency: 'EUR' }, min_stay_arrival: 2 },
      { rate_plan: 'standard', from: '2027-07-01', to: '2027-09-01', price: { amount_minor: 18_000, currency: 'EUR' }, min_stay_through: 5 },
      { rate_plan: 'standard', from: '2027-12-24', to: '2027-12-26', stop_sell: true },
      { rate_plan: 'standard', from: '2027-03-06', to: '2027-03-07', closed_to_arrival: true, closed_to_departure: true },
      { rate_plan: 'nonref', from: '2027-01-01', to: '2028-01-01', price: { amount_minor: 10_800, currency: 'EUR' }, max_stay: 21 },
    ];
    await setRates({ version: 1, updates });
    const pms = expectedTerms([{ version: 1, updates }]);
    await untilEveryChannelShows(pms, '2027-01-01', '2027-12-31', 60_000);
  });

  it('a booking breaking a pushed restriction is refused by the platform; one within them pays the pushed price with the markup', async () => {
    const { client, tenant } = pipeline;
    const listingId = tenant.connections.AIRBNB.listingId;
    const tooShort = await client.createBooking('AIRBNB', listingId, { check_in: '2027-02-10', check_out: '2027-02-11', rate_plan_id: 'AB-STD' });
    expect(tooShort).toMatchObject({ ok: false, status: 422, error: { error: 'restriction_violated', rule: 'min_stay_arrival', night: '2027-02-10' } });
    const closed = await client.createBooking('AIRBNB', listingId, { check_in: '2027-03-06', check_out: '2027-03-09', rate_plan_id: 'AB-STD' });
    expect(closed).toMatchObject({ ok: false, status: 422, error: { error: 'restriction_violated', rule: 'closed_to_arrival' } });
    const booked = requireOk(await client.createBooking('AIRBNB', listingId, { check_in: '2027-02-10', check_out: '2027-02-13', rate_plan_id: 'AB-STD' }));
    // 3 nights of 120.00 EUR + 15% = 138.00 a night.
    expect(booked.reservation.total).toEqual({ amount: '414.00', currency: 'EUR' });
  });

  it('10,000 rate edits of one property within a minute stay within every channel’s price-call limit and end exact', async () => {
    const next = seededRandom(20261214);
    const requests = Array.from({ length: 200 }, (_, r) => ({
      version: 100 + r,
      updates: Array.from({ length: 50 }, () => {
        const from = addDays(d('2028-03-01'), Math.floor(next() * 60));
        const update: Record<string, unknown> = { rate_plan: next() < 0.5 ? 'standard' : 'nonref', from, to: addDays(from, 1 + Math.floor(next() * 4)) };
        if (next() < 0.7) update.price = { amount_minor: 9_000 + Math.floor(next() * 40) * 100, currency: 'EUR' };
        else update.min_stay_arrival = 1 + Math.floor(next() * 5);
        return update;
      }),
    }));
    const before = await Promise.all(PRICED.map(async ({ channel }) => ratesCalls(requireOk(await pipeline.client.stats(channel)))));
    const started = Date.now();
    // Sent in a shuffled order: an older version arriving later changes nothing it covers.
    const order = requests.map((_, i) => i).sort(() => next() - 0.5);
    for (let i = 0; i < order.length; i += 10) await Promise.all(order.slice(i, i + 10).map((k) => setRates(requests[k])));
    expect(Date.now() - started).toBeLessThan(60_000);

    await untilEveryChannelShows(expectedTerms(requests), '2028-03-01', '2028-05-05', 90_000);
    const minutes = (Date.now() - started) / 60_000;
    for (const [i, { channel }] of PRICED.entries()) {
      const calls = ratesCalls(requireOk(await pipeline.client.stats(channel)));
      const made = calls.total - before[i]!.total;
      // Never refused by the platform's own limit, and within 10 a minute (the first call of a window is free).
      expect({ channel, refused: calls.rateLimited - before[i]!.rateLimited }).toEqual({ channel, refused: 0 });
      expect(made).toBeLessThanOrEqual(Math.ceil(minutes * 10) + 1);
      expect(made).toBeGreaterThan(0);
    }
  });
});

/** The PMS's terms after these requests, applied in version order per night and field, as the store does. */
function expectedTerms(requests: readonly { version: number; updates: readonly Record<string, unknown>[] }[]): Map<string, Map<LocalDate, NightTerms>> {
  const kept = new Map<string, Map<LocalDate, KeptNight>>();
  for (const request of [...requests].sort((a, b) => a.version - b.version)) {
    for (const u of request.updates) {
      const plan = u.rate_plan as string;
      const set: { -readonly [F in keyof NightTerms]?: NightTerms[F] } = {};
      if (u.price) set.price = { amountMinor: (u.price as { amount_minor: number }).amount_minor, currency: EUR };
      if (u.min_stay_arrival !== undefined) set.minStayArrival = u.min_stay_arrival as number;
      if (u.min_stay_through !== undefined) set.minStayThrough = u.min_stay_through as number;
      if (u.max_stay !== undefined) set.maxStay = u.max_stay as number;
      if (u.closed_to_arrival !== undefined) set.closedToArrival = u.closed_to_arrival as boolean;
      if (u.closed_to_departure !== undefined) set.closedToDeparture = u.closed_to_departure as boolean;
      if (u.stop_sell !== undefined) set.stopSell = u.stop_sell as boolean;
      // Within a request a later entry wins: one version apart per entry keeps that order.
      kept.set(plan, applyTermsUpdate(kept.get(plan) ?? new Map(), { from: u.from as LocalDate, to: u.to as LocalDate, version: request.version * 1_000 + request.updates.indexOf(u), set }).nights);
    }
  }
  return new Map([...kept].map(([plan, nights]) => [plan, new Map([...nights].map(([night, k]) => [night, termsOf(k)]))]));
}

function ratesCalls(stats: StatsResponse): { total: number; rateLimited: number } {
  const calls: Record<string, number> = stats.calls.rates;
  return { total: Object.values(calls).reduce((a, b) => a + b, 0), rateLimited: calls.rate_limited ?? 0 };
}
