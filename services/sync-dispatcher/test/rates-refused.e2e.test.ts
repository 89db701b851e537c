import { setListingPricing } from '@cm/directory';
import { requireOk } from '@cm/channel-simulator';
import { sumMetric } from '@cm/test-harness';
import { waitFor } from '@cm/service-runtime';
import { startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/**
 * What a channel refuses of a rate push holds back nothing else (found by a review): a range the
 * channel refuses was retried for ever and every later call of the listing waited behind it; and
 * equal terms over years were merged into one range longer than a channel takes.
 */
describe('sync-dispatcher: a rate range a channel refuses', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ RATE_CALLS_PER_MINUTE: '600', LISTINGS_CACHE_MS: '0', AFTER_FAILURE_MS: '600000' });
    const { client, tenant, world } = pipeline;
    const listingId = tenant.connections.EXPEDIA.listingId;
    await setListingPricing(world.db, { channel: 'EXPEDIA', listingId }, { currency: null, markup: { kind: 'percent', basisPoints: 0 }, ratePlans: { standard: 'EX-1' } });
    requireOk(await client.createRatePlan('EXPEDIA', listingId, 'EX-1'));
  });
  afterAll(async () => pipeline?.close());

  it('is given up alone, counted and said; the rest of the request reaches the channel, years of equal terms in ranges it takes', async () => {
    const { client, tenant, world, ingest } = pipeline;
    const price = { amount_minor: 9_900, currency: 'EUR' };
    const answer = await world.pms(ingest, 'PUT', `/v1/properties/${tenant.propertyId}/rates`, {
      version: 1,
      updates: [
        // Two updates of equal terms, 1,461 nights together: the simulator takes at most 731 in a range.
        { rate_plan: 'standard', from: '2028-01-01', to: '2029-12-31', price },
        { rate_plan: 'standard', from: '2029-12-31', to: '2032-01-01', price },
        // The PMS takes a max stay of 400; the simulated channel refuses one over 365.
        { rate_plan: 'standard', from: '2028-03-01', to: '2028-03-03', max_stay: 400 },
      ],
    });
    expect(answer.status).toBe(200);

    const listingId = tenant.connections.EXPEDIA.listingId;
    const shown = async (from: string, to: string) => requireOk(await client.readRates('EXPEDIA', listingId, from, to)).rate_plans.find((p) => p.rate_plan_id === 'EX-1')?.nights ?? [];
    await waitFor('every other night shown at the PMS price', async () => {
      for (const [from, to] of [['2028-01-01', '2028-12-31'], ['2029-01-01', '2029-12-31'], ['2030-01-01', '2030-12-31'], ['2031-01-01', '2032-01-01']] as const) {
        const nights = (await shown(from, to)).filter((n) => !['2028-03-01', '2028-03-02'].includes(n.date));
        if (nights.length < 300 || !nights.every((n) => n.price?.amount_minor === 9_900)) return false;
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    expect((await shown('2028-03-01', '2028-03-03')).every((n) => n.max_stay !== 400)).toBe(true);

    const metrics = await pipeline.dispatcher.metrics();
    expect(sumMetric(metrics, 'cm_sync_rate_nights_refused_total', { channel: 'EXPEDIA' })).toBe(2);
    // The call holding the refused range, then that range alone: not the same refusal over and over.
    expect(requireOk(await client.stats('EXPEDIA')).calls.rates.rejected).toBe(2);
  });
});
