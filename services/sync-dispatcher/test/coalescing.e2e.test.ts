import { topics, type AvailabilityChange } from '@cm/schemas';
import { sumMetric, testKafka } from '@cm/test-harness';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { CHANNELS, closedNights, startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import { seededRandom } from '@cm/service-runtime';

const DAY_MS = 86_400_000;
const day = (iso: string) => Date.parse(iso) / DAY_MS;
const iso = (epochDay: number) => new Date(epochDay * DAY_MS).toISOString().slice(0, 10);

/** 5,000 changes of one property in 2 s: a few pushes per channel, within its limit, and the exact final calendar. */
describe('sync-dispatcher: coalescing', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ CHANNEL_CALLS_PER_MINUTE: '10' });
  });
  afterAll(async () => pipeline?.close());

  it('collapses 5,000 changes into a handful of pushes per channel, never over 10 calls a minute, and every calendar ends exact', async () => {
    const { world, tenant, client } = pipeline;
    for (const channel of CHANNELS) requireOk(await client.setFaults(channel, { property_rate_limit: { availability_per_minute: 10, rates_per_minute: 10 } }));
    const next = seededRandom(20261125);
    const first = day('2027-07-01');
    const changes: AvailabilityChange[] = Array.from({ length: 5_000 }, (_, i) => {
      const from = first + Math.floor(next() * 28);
      return {
        event_id: `coalesce-${i}`,
        property_id: tenant.propertyId,
        version: i + 1,
        source: 'PMS',
        from_date: from,
        to_date: from + 1 + Math.floor(next() * 3),
        available: next() < 0.5,
        nightly_price: null,
        reason: 'BLOCK',
        except_channel: null,
        only_channel: null,
        occurred_at: Date.now(),
        correlation_id: `coalesce-${i}`,
      };
    });
    // The newest version of each night decides what it must show.
    const expected = new Map<number, boolean>();
    for (const c of changes) for (let d = c.from_date; d < c.to_date; d++) expected.set(d, c.available);
    const expectedClosed = [...expected].filter(([, available]) => !available).map(([d]) => iso(d)).sort();

    const producer = await testKafka('coalescing').producer();
    const started = Date.now();
    for (let i = 0; i < changes.length; i += 250) {
      const slice = changes.slice(i, i + 250);
      await producer.send(world.topics.availabilityChanges, await Promise.all(slice.map(async (c) => ({ key: c.property_id, value: await world.serde.encode(topics.availabilityChanges, c) }))));
      await new Promise((resolve) => setTimeout(resolve, 80));
    }
    await producer.disconnect();
    const sentIn = Date.now() - started;
    expect(sentIn).toBeLessThan(4_000);

    await waitFor('every channel to show the final state', async () => {
      for (const channel of CHANNELS) if ((await closedNights(pipeline, channel, '2027-07-01', '2027-08-01')).join() !== expectedClosed.join()) return false;
      return true;
    }, { timeoutMs: 150_000, intervalMs: 500 });
    const minutes = (Date.now() - started) / 60_000;
    const metrics = await pipeline.dispatcher.metrics();
    for (const channel of CHANNELS) {
      const { calls } = requireOk(await client.stats(channel));
      // Never over the platform's limit (it would have answered 429), and a handful of calls for 5,000 changes.
      expect(calls.availability.throttled).toBe(0);
      expect(calls.availability.ok).toBeLessThanOrEqual(Math.min(5, 1 + Math.ceil(minutes * 9)));
      expect(calls.availability.ok).toBeGreaterThanOrEqual(1);
      expect(sumMetric(metrics, 'cm_sync_coalesced_changes_total', { channel })).toBeGreaterThan(1_000);
    }
  }, 180_000);
});
