import { setListingPricing } from '@cm/directory';
import { termsRecord } from '@cm/rates';
import { addDays, channelPrice, noRates, toEpochDay, type CurrencyCode, type LocalDate, type Markup, type NightTerms } from '@cm/domain';
import { requireOk, type RatesResponse, type StatsResponse } from '@cm/channel-simulator';
import type { Channel, Conflict, RateChange } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { freePort, sumMetric } from '@cm/test-harness';
import type { ServiceProcess } from '@cm/test-harness/worlds/ingest-world';
import { CHANNELS, startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import type { PassListingRow, PassSummary } from '../src/store/pass-store';

const EUR = 'EUR' as CurrencyCode;

/** How each channel's listing sells the PMS's plans: its markup and the channel's plan ids (none: the PMS's own; VRBO has no pricing row at all). */
const PRICING: Readonly<Record<Channel, { markup: Markup; ratePlans: Record<string, string> } | null>> = {
  AIRBNB: { markup: { kind: 'percent', basisPoints: 1_500 }, ratePlans: { standard: 'AB-STD', nonref: 'AB-NR' } },
  BOOKING_COM: { markup: { kind: 'fixed', amountMinor: 500 }, ratePlans: {} },
  EXPEDIA: { markup: { kind: 'percent', basisPoints: 0 }, ratePlans: { standard: 'EX-1' } },
  VRBO: null,
};
const NO_MARKUP: Markup = { kind: 'percent', basisPoints: 0 };
/** The channel's plan id of a PMS plan, or undefined where the listing does not sell it. */
const channelPlan = (channel: Channel, pmsPlan: string): string | undefined => {
  const mapping = PRICING[channel]?.ratePlans ?? {};
  return Object.keys(mapping).length === 0 ? pmsPlan : mapping[pmsPlan];
};

type Wire = Omit<RatesResponse['rate_plans'][number]['nights'][number], 'date'>;
const wireOf = (terms: NightTerms, markup: Markup): Wire => {
  const price = terms.price && channelPrice(terms.price, { currency: EUR, markup }, noRates);
  if (price === 'no_rate') throw new Error('one currency here');
  return termsRecord({ ...terms, price });
};

/**
 * Issue 20.4 on the real stack: the PMS's rates reach every channel through ingest and the
 * dispatcher; then a channel's rates or stay rules are changed behind our back (straight on the
 * simulated platform), and a reconciliation pass finds it (PRICE_DRIFT for that channel only,
 * with its nights), publishes a rate.changes correction for that channel only, and the dispatcher
 * pushes the PMS's terms there again, and nowhere else. A price within 1% is not drift.
 */
describe('reconciler: rate drift found and corrected', () => {
  let pipeline: Pipeline;
  let reconciler: ServiceProcess;
  let url: string;
  // Nights [first, end) hold PMS rates: inside the pass's window (property-local today + 90), clear of its edges.
  const first = addDays(new Date().toISOString().slice(0, 10) as LocalDate, 10);
  const end = addDays(first, 30);
  const night = (i: number) => addDays(first, i);
  const PMS: Record<string, NightTerms> = {
    standard: { price: { amountMinor: 12_000, currency: EUR }, minStayArrival: 2, minStayThrough: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false },
    nonref: { price: { amountMinor: 10_800, currency: EUR }, minStayArrival: null, minStayThrough: null, maxStay: 21, closedToArrival: false, closedToDeparture: false, stopSell: false },
  };

  beforeAll(async () => {
    pipeline = await startPipeline({ RATE_CALLS_PER_MINUTE: '100000', CHANNEL_CALLS_PER_MINUTE: '100000', LISTINGS_CACHE_MS: '0' });
    const { client, tenant, world } = pipeline;
    for (const channel of CHANNELS) {
      const listingId = tenant.connections[channel].listingId;
      const pricing = PRICING[channel];
      if (pricing) await setListingPricing(world.db, { channel, listingId }, { currency: null, markup: pricing.markup, ratePlans: pricing.ratePlans });
      for (const pmsPlan of Object.keys(PMS)) {
        const plan = channelPlan(channel, pmsPlan);
        if (plan) requireOk(await client.createRatePlan(channel, listingId, plan));
      }
    }
    const port = await freePort();
    reconciler = await world.startReconciler({ HTTP_PORT: String(port), CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`, RECONCILE_EVERY_MINUTES: '0', CHANNEL_READS_PER_MINUTE: '100000' });
    url = `http://127.0.0.1:${port}`;

    const answer = await world.pms(pipeline.ingest, 'PUT', `/v1/properties/${tenant.propertyId}/rates`, {
      version: 1,
      updates: [
        { rate_plan: 'standard', from: first, to: end, price: { amount_minor: 12_000, currency: 'EUR' }, min_stay_arrival: 2 },
        { rate_plan: 'nonref', from: first, to: end, price: { amount_minor: 10_800, currency: 'EUR' }, max_stay: 21 },
      ],
    });
    expect(answer.status).toBe(200);
    await untilShowsThePms(CHANNELS);
  });
  afterAll(async () => pipeline?.close());

  const listingOf = (channel: Channel) => pipeline.tenant.connections[channel].listingId;
  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${pipeline.tenant.apiKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  /** The first night of [first, end) of a sold plan where the channel does not show the PMS's terms, or null. */
  async function firstDifference(channel: Channel): Promise<unknown> {
    const shown = requireOk(await pipeline.client.trueRates(channel, listingOf(channel), first, end));
    for (const [pmsPlan, terms] of Object.entries(PMS)) {
      const plan = channelPlan(channel, pmsPlan);
      if (!plan) continue;
      const want = wireOf(terms, PRICING[channel]?.markup ?? NO_MARKUP);
      const nights = shown.rate_plans.find((p) => p.rate_plan_id === plan)?.nights ?? [];
      for (let i = 0; i < 30; i++) {
        const got = nights.find((n) => n.date === night(i));
        const { date: _, ...gotTerms } = got ?? { date: null };
        if (JSON.stringify(gotTerms) !== JSON.stringify(want)) return { channel, plan, night: night(i), want, got };
      }
    }
    return null;
  }
  async function untilShowsThePms(channels: readonly Channel[]): Promise<void> {
    let last: unknown;
    await waitFor('the channels to show the PMS rates', async () => {
      for (const channel of channels) if ((last = await firstDifference(channel)) !== null) return false;
      return true;
    }, { timeoutMs: 60_000, intervalMs: 250 }).catch((error: unknown) => {
      throw new Error(`${String(error)}; last difference: ${JSON.stringify(last)}`);
    });
  }

  const rateCalls = async (channel: Channel) => total((requireOk(await pipeline.client.stats(channel)) as StatsResponse).calls.rates);
  const everyChannelsRateCalls = async () => Object.fromEntries(await Promise.all(CHANNELS.map(async (c) => [c, await rateCalls(c)] as const)));

  /** Starts a pass over the tenant's property and waits for it to finish. */
  async function reconcile(): Promise<{ summary: PassSummary; byChannel: Record<string, PassListingRow> }> {
    const started = await api('/v1/reconciliations', { method: 'POST', body: { property_id: pipeline.tenant.propertyId } });
    expect(started.status).toBe(202);
    const { pass_id: passId } = (await started.json()) as { pass_id: string };
    let summary: PassSummary | undefined;
    await waitFor('the pass to finish', async () => (summary = (await (await api(`/v1/reconciliations/${passId}`)).json()) as PassSummary).status !== 'running', { timeoutMs: 60_000, intervalMs: 200 });
    const { listings } = (await (await api(`/v1/reconciliations/${passId}/listings`)).json()) as { listings: PassListingRow[] };
    return { summary: summary!, byChannel: Object.fromEntries(listings.map((l) => [l.channel, l])) };
  }
  const conflictsOf = async (passId: string, until: (drift: Conflict[]) => boolean = () => true) => {
    const ofPass = (records: { value: Conflict }[]) => records.map((r) => r.value).filter((c) => c.correlation_id === `reconcile:${passId}` && c.conflict_type === 'PRICE_DRIFT');
    return ofPass(await pipeline.world.read<Conflict>(pipeline.world.topics.conflicts, (rs) => until(ofPass(rs))));
  };
  const correctionOf = async (passId: string, channel: Channel) => {
    const eventId = `reconcile:${passId}:${channel}:${listingOf(channel)}:rates`;
    const records = await pipeline.world.read<RateChange>(pipeline.world.topics.rateChanges, (rs) => rs.some((r) => r.value.event_id === eventId));
    return records.find((r) => r.value.event_id === eventId)!.value;
  };
  const range = (plan: string, from: number, to: number) => expect.objectContaining({ rate_plan: plan, from_date: toEpochDay(night(from)), to_date: toEpochDay(night(to)) });

  it('1.3 price drift: prices changed on one channel behind our back are found (PRICE_DRIFT for that channel only, its nights), corrected there by the dispatcher, and no other channel is pushed again', async () => {
    const { client } = pipeline;
    requireOk(await client.pushRates('BOOKING_COM', listingOf('BOOKING_COM'), { request_id: 'extranet-prices', updates: [{ from: night(3), to: night(6), rate_plan_id: 'standard', price: { amount_minor: 20_000, currency: 'EUR' } }] }));
    expect(await firstDifference('BOOKING_COM')).toMatchObject({ plan: 'standard', night: night(3) });
    const before = await everyChannelsRateCalls();

    const { summary, byChannel } = await reconcile();
    expect(summary).toMatchObject({ status: 'finished', listings: 4, rates: { found: { listings: 1, nights: 3 }, unread: 0 }, found: { listings: 0 } });
    expect(byChannel.BOOKING_COM).toMatchObject({ ratesOutcome: 'corrected', rateDriftNights: 3, rateCorrectionRanges: 1, ratesCompared: 60, driftNights: 0 });
    for (const channel of ['AIRBNB', 'VRBO'] as const) expect(byChannel[channel]).toMatchObject({ ratesOutcome: 'in_sync', rateDriftNights: 0, ratesCompared: 60 });
    // Expedia sells the standard plan only.
    expect(byChannel.EXPEDIA).toMatchObject({ ratesOutcome: 'in_sync', ratesCompared: 30 });

    const drift = await conflictsOf(summary.passId, (cs) => cs.length >= 1);
    expect(drift).toEqual([expect.objectContaining({ channel: 'BOOKING_COM', severity: 'MEDIUM', requires_review: false, rule: '1.3 price drift', resolution: 'CORRECTED_CHANNEL', facts: { kind: 'PRICE_DRIFT', channel: 'BOOKING_COM', nights: 3 } })]);
    expect(await correctionOf(summary.passId, 'BOOKING_COM')).toMatchObject({ property_id: pipeline.tenant.propertyId, only_channel: 'BOOKING_COM', version: 0, ranges: [range('standard', 3, 6)] });

    await untilShowsThePms(['BOOKING_COM']);
    expect(await rateCalls('BOOKING_COM')).toBeGreaterThan(before.BOOKING_COM!);
    expect(await everyChannelsRateCalls()).toEqual({ ...before, BOOKING_COM: await rateCalls('BOOKING_COM') });

    const metrics = await reconciler.metrics();
    expect(sumMetric(metrics, 'channel_price_drift_nights', { channel_type: 'BOOKING_COM', property_id: pipeline.tenant.propertyId })).toBe(3);
    expect(sumMetric(metrics, 'cm_reconcile_rate_drift_nights_total', { channel: 'BOOKING_COM', kind: 'price' })).toBe(3);
    expect(sumMetric(metrics, 'cm_reconcile_rate_checks_total', { channel: 'BOOKING_COM', outcome: 'corrected' })).toBe(1);
    expect(sumMetric(metrics, 'channel_conflicts_total', { conflict_type: 'PRICE_DRIFT', channel_type: 'booking_com' })).toBe(1);

    // The next pass finds every channel in sync, and the drift series is gone.
    const again = await reconcile();
    expect(again.summary.rates).toEqual({ found: { listings: 0, nights: 0 }, unread: 0 });
    expect(await reconciler.metrics()).not.toContain('channel_price_drift_nights{');
  });

  it('1.3 price drift, restrictions: a minimum stay and a stop-sell changed on the channel are restriction drift, corrected per plan', async () => {
    const { client } = pipeline;
    requireOk(
      await client.pushRates('AIRBNB', listingOf('AIRBNB'), {
        request_id: 'extranet-rules',
        updates: [
          { from: night(10), to: night(12), rate_plan_id: 'AB-STD', min_stay_arrival: 1 },
          { from: night(20), to: night(21), rate_plan_id: 'AB-NR', stop_sell: true },
        ],
      }),
    );
    const before = await everyChannelsRateCalls();

    const { summary, byChannel } = await reconcile();
    expect(byChannel.AIRBNB).toMatchObject({ ratesOutcome: 'corrected', rateDriftNights: 3, rateCorrectionRanges: 2 });
    expect(summary.rates.found).toEqual({ listings: 1, nights: 3 });
    expect(await conflictsOf(summary.passId, (cs) => cs.length >= 1)).toEqual([expect.objectContaining({ channel: 'AIRBNB', facts: { kind: 'PRICE_DRIFT', channel: 'AIRBNB', nights: 3 } })]);
    // Named by the PMS's plan ids: the dispatcher maps them to the listing's.
    expect((await correctionOf(summary.passId, 'AIRBNB')).ranges).toEqual([range('nonref', 20, 21), range('standard', 10, 12)]);

    await untilShowsThePms(['AIRBNB']);
    expect(await everyChannelsRateCalls()).toEqual({ ...before, AIRBNB: await rateCalls('AIRBNB') });
    const metrics = await reconciler.metrics();
    expect(sumMetric(metrics, 'cm_reconcile_rate_drift_nights_total', { channel: 'AIRBNB', kind: 'restriction' })).toBe(3);
    expect(sumMetric(metrics, 'cm_reconcile_rate_drift_nights_total', { channel: 'AIRBNB', kind: 'price' })).toBe(0);
  });

  it('1.3 price drift, tolerance: a channel price within 1% of what it should show is not drift and is left alone', async () => {
    const { client } = pipeline;
    // Expedia should show 120.00: 121.20 is exactly 1% above, 118.80 exactly 1% below.
    requireOk(
      await client.pushRates('EXPEDIA', listingOf('EXPEDIA'), {
        request_id: 'extranet-rounding',
        updates: [
          { from: night(0), to: night(2), rate_plan_id: 'EX-1', price: { amount_minor: 12_120, currency: 'EUR' } },
          { from: night(2), to: night(3), rate_plan_id: 'EX-1', price: { amount_minor: 11_880, currency: 'EUR' } },
        ],
      }),
    );
    const before = await everyChannelsRateCalls();

    const { summary, byChannel } = await reconcile();
    expect(byChannel.EXPEDIA).toMatchObject({ ratesOutcome: 'in_sync', rateDriftNights: 0, ratesCompared: 30 });
    expect(summary.rates.found).toEqual({ listings: 0, nights: 0 });
    expect(await everyChannelsRateCalls()).toEqual(before);
    const shown = requireOk(await client.trueRates('EXPEDIA', listingOf('EXPEDIA'), night(0), night(3)));
    expect(shown.rate_plans.find((p) => p.rate_plan_id === 'EX-1')!.nights.map((n) => n.price?.amount_minor)).toEqual([12_120, 12_120, 11_880]);
    expect(sumMetric(await reconciler.metrics(), 'channel_conflicts_total', { conflict_type: 'PRICE_DRIFT', channel_type: 'expedia' })).toBe(0);
  });
});

function total(calls: Readonly<Record<string, number>>): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}
