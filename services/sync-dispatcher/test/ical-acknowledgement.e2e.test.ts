import type { SyncResult } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { sumMetric } from '@cm/test-harness';
import { startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/**
 * Issue 21.2: a change for a channel synced by iCal counts as synced only once the channel
 * fetched a version of our export feed that holds it; its lag runs to that fetch, apart from
 * the pushed channels' lag. Vrbo here fetches only when the test says so.
 */
describe('sync-dispatcher: iCal acknowledgement waits for the fetch', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ ICAL_CHANNELS: 'VRBO', ICAL_UNFETCHED_ALERT_MS: '1000', ICAL_UNFETCHED_CHECK_MS: '100' });
  });
  afterAll(async () => pipeline?.close());

  const vrboListing = () => pipeline.tenant.connections.VRBO.listingId;
  const feedUrl = () => pipeline.feedUrl('VRBO', vrboListing());
  const until = (what: string, check: () => Promise<boolean>) => waitFor(what, check, { timeoutMs: 45_000, intervalMs: 100 });
  /** Vrbo's nights as the dispatcher holds them: the desired state, its version, and the version acknowledged. */
  const vrboNights = async (from: string, to: string): Promise<{ night: string; available: boolean; version: number; pushed_version: number; changed_at_ms: number }[]> =>
    (await pipeline.world.db('sync.nights').where({ channel: 'VRBO', listing_id: vrboListing() }).whereBetween('night', [from, to]).orderBy('night').select('night', 'available', 'version', 'pushed_version', 'changed_at_ms')).map((r: Record<string, unknown>) => ({
      night: String(r.night),
      available: Boolean(r.available),
      version: Number(r.version),
      pushed_version: Number(r.pushed_version),
      changed_at_ms: Number(r.changed_at_ms),
    }));
  const metric = async (name: string, labels: Record<string, string>) => sumMetric(await pipeline.dispatcher.metrics(), name, labels);
  const vrboAcks = (rs: SyncResult[], version: number) => rs.filter((r) => r.channel === 'VRBO' && r.outcome === 'ACKNOWLEDGED' && r.version >= version);
  /** Proves the dispatcher has had the change in hand: the other channels acknowledged it, and Vrbo's listing was given back unleased. */
  async function pushedElsewhereAndVrboWaiting(version: number): Promise<SyncResult[]> {
    const results = await syncResults(pipeline, (rs) => ['BOOKING_COM', 'EXPEDIA'].every((c) => rs.some((r) => r.channel === c && r.outcome === 'ACKNOWLEDGED' && r.version >= version)));
    await until('Vrbo’s listing to be given back', async () => (await pipeline.world.db('sync.listing_work').where({ channel: 'VRBO', listing_id: vrboListing() }).whereNull('leased_by').first()) !== undefined);
    await until('the change to count as not fetched by Vrbo', async () => (await metric('cm_sync_ical_oldest_unfetched_seconds', { channel: 'VRBO' })) > 0);
    return results;
  }

  it('a booking and its cancellation leave the feed as Vrbo last fetched it: not acknowledged by the fetch before them, acknowledged by the 304 that follows', async () => {
    const { client, tenant } = pipeline;
    // Vrbo fetches the (empty) feed before anything happens: that fetch holds none of what follows.
    const before = await fetch(feedUrl());
    expect(before.status).toBe(200);
    const etag = before.headers.get('etag')!;
    await before.text();

    const booked = requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-10-05', check_out: '2027-10-08' }));
    await until('Vrbo’s nights to be closed in the desired state', async () => (await vrboNights('2027-10-05', '2027-10-07')).filter((n) => !n.available).length === 3);
    requireOk(await client.cancelBooking('AIRBNB', tenant.connections.AIRBNB.listingId, booked.reservation.id));
    await until('Vrbo’s nights to be open again in the desired state', async () => (await vrboNights('2027-10-05', '2027-10-07')).every((n) => n.available));
    const cancelled = await vrboNights('2027-10-05', '2027-10-07');
    const version = Math.max(...cancelled.map((n) => n.version));

    const results = await pushedElsewhereAndVrboWaiting(version);
    expect(vrboAcks(results, 0)).toEqual([]);
    expect(cancelled.every((n) => n.pushed_version < n.version)).toBe(true);

    // The feed shows what it showed before (no closed night): Vrbo's copy is current, and a 304 says so.
    const fetchedFrom = Date.now();
    const again = await fetch(feedUrl(), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const fetchedTo = Date.now();
    const [ack] = vrboAcks(await syncResults(pipeline, (rs) => vrboAcks(rs, version).length > 0), version);
    expect(ack).toMatchObject({ property_id: tenant.propertyId, version, channel_ack: `ical-feed:v${version}`, attempts: 1, error: null });
    expect(ack!.completed_at).toBeGreaterThanOrEqual(fetchedFrom);
    expect(ack!.completed_at).toBeLessThanOrEqual(fetchedTo);
    await until('Vrbo’s nights to be acknowledged at their version', async () => (await vrboNights('2027-10-05', '2027-10-07')).every((n) => n.pushed_version === n.version));
  });

  it('a change Vrbo has not fetched stays unacknowledged and becomes overdue; the fetch of its version acknowledges it, its lag running to the fetch and kept apart from the pushed channels’', async () => {
    const { client, tenant } = pipeline;
    const lagCount = await metric('channel_ical_sync_lag_seconds_count', { channel: 'VRBO' });
    const lagSum = await metric('channel_ical_sync_lag_seconds_sum', { channel: 'VRBO' });

    requireOk(await client.createBooking('EXPEDIA', tenant.connections.EXPEDIA.listingId, { check_in: '2027-11-03', check_out: '2027-11-05' }));
    await until('Vrbo’s nights to be closed in the desired state', async () => (await vrboNights('2027-11-03', '2027-11-04')).filter((n) => !n.available).length === 2);
    const [night] = await vrboNights('2027-11-03', '2027-11-04');
    const results = await syncResults(pipeline, (rs) => rs.some((r) => r.channel === 'BOOKING_COM' && r.outcome === 'ACKNOWLEDGED' && r.version >= night!.version));
    // Past ICAL_UNFETCHED_ALERT_MS with no fetch: visible as overdue, not acknowledged.
    await until('the listing to count as overdue', async () => (await metric('cm_sync_ical_overdue_listings', { channel: 'VRBO' })) === 1);
    expect(vrboAcks(results, night!.version)).toEqual([]);
    expect(vrboAcks(await syncResults(pipeline, () => true), night!.version)).toEqual([]);
    expect((await vrboNights('2027-11-03', '2027-11-04')).every((n) => n.pushed_version < n.version)).toBe(true);

    const fetchedFrom = Date.now();
    const fetched = await fetch(feedUrl());
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toContain('DTSTART;VALUE=DATE:20271103');
    const fetchedTo = Date.now();
    const [ack] = vrboAcks(await syncResults(pipeline, (rs) => vrboAcks(rs, night!.version).length > 0), night!.version);
    expect(ack).toMatchObject({ version: night!.version, channel_ack: `ical-feed:v${night!.version}` });
    expect(ack!.completed_at).toBeGreaterThanOrEqual(fetchedFrom);
    expect(ack!.completed_at).toBeLessThanOrEqual(fetchedTo);

    // One change, its lag from the change to the fetch (over the second it waited), on the iCal histogram only.
    expect(await metric('channel_ical_sync_lag_seconds_count', { channel: 'VRBO' })).toBe(lagCount + 1);
    const lag = (await metric('channel_ical_sync_lag_seconds_sum', { channel: 'VRBO' })) - lagSum;
    expect(lag).toBeCloseTo((ack!.completed_at - night!.changed_at_ms) / 1000, 2);
    expect(lag).toBeGreaterThan(1);
    expect(await metric('channel_sync_lag_seconds_count', { channel: 'VRBO' })).toBe(0);
    expect(await metric('channel_sync_lag_seconds_count', { channel: 'BOOKING_COM' })).toBeGreaterThanOrEqual(2);
    await until('nothing left unfetched', async () => (await metric('cm_sync_ical_overdue_listings', { channel: 'VRBO' })) === 0 && (await metric('cm_sync_ical_oldest_unfetched_seconds', { channel: 'VRBO' })) === 0);
  });
});
