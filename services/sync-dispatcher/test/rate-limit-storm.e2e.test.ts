import { sumMetric } from '@cm/test-harness';
import { requireOk } from '@cm/channel-simulator';
import { startPipeline, waitForConvergence, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/** A channel answering 429 to everything for 30 s: nothing is lost, and it ends showing the ledger. */
describe('sync-dispatcher: a 429 storm', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ CHANNEL_CALLS_PER_MINUTE: '600' });
  });
  afterAll(async () => pipeline?.close());

  it('Booking.com throttles every call for 30 s while bookings and cancellations happen elsewhere; afterwards every calendar equals the ledger', async () => {
    const { client, tenant } = pipeline;
    requireOk(await client.setFaults('BOOKING_COM', { throttle: { for_seconds: 30 } }));
    const stormStarted = Date.now();
    const listing = (c: 'AIRBNB' | 'VRBO' | 'EXPEDIA') => tenant.connections[c].listingId;
    const made = [];
    for (const [i, channel] of (['AIRBNB', 'VRBO', 'EXPEDIA', 'AIRBNB', 'VRBO', 'EXPEDIA'] as const).entries()) {
      const checkIn = `2027-06-${String(1 + i * 4).padStart(2, '0')}`;
      const checkOut = `2027-06-${String(3 + i * 4).padStart(2, '0')}`;
      made.push({ channel, booking: requireOk(await client.createBooking(channel, listing(channel), { check_in: checkIn, check_out: checkOut })) });
    }
    // Two of them are cancelled while the storm lasts.
    for (const { channel, booking } of [made[1]!, made[4]!]) requireOk(await client.cancelBooking(channel, listing(channel), booking.reservation.id));

    const held = await waitForConvergence(pipeline, '2027-06-01', '2027-07-01', 120_000);
    expect(Date.now() - stormStarted).toBeGreaterThanOrEqual(30_000 - 2_000);
    expect(held).toEqual(['2027-06-01', '2027-06-02', '2027-06-09', '2027-06-10', '2027-06-13', '2027-06-14', '2027-06-21', '2027-06-22']);
    const stats = requireOk(await client.stats('BOOKING_COM'));
    expect(stats.calls.availability.throttled).toBeGreaterThan(0);
    const metrics = await pipeline.dispatcher.metrics();
    expect(sumMetric(metrics, 'cm_sync_pushes_total', { channel: 'BOOKING_COM', outcome: 'rate_limited' })).toBe(stats.calls.availability.throttled);
    // 429s pace us; they are not failures, so the breaker stayed closed.
    expect(sumMetric(metrics, 'cm_sync_circuit_state', { channel: 'BOOKING_COM' })).toBe(0);
  });
});
