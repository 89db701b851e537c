import { sumMetric } from '@cm/test-harness';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { closedNights, heldNights, startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/** A booking on one simulated channel closes its nights on the others, through the whole pipeline. */
describe('sync-dispatcher: channels follow the ledger', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(async () => pipeline?.close());

  it('a booking on Airbnb closes its nights on Booking.com, Vrbo and Expedia; each push is acknowledged on sync.results.v2', async () => {
    const { client, tenant } = pipeline;
    const booked = requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-02-10', check_out: '2027-02-13', guest: { name: 'Ines' } }));
    expect(booked.webhook).toMatchObject({ outcome: 'delivered', response: { status: 202 } });

    const results = await syncResults(pipeline, (rs) => ['BOOKING_COM', 'VRBO', 'EXPEDIA'].every((c) => rs.some((r) => r.channel === c && r.outcome === 'ACKNOWLEDGED')));
    // No push to the booking's own channel (its reservation's acknowledgement is an action, not a push).
    expect(results.filter((r) => r.channel === 'AIRBNB' && r.reservation_action === null)).toEqual([]);
    for (const channel of ['BOOKING_COM', 'VRBO', 'EXPEDIA'] as const) {
      expect(await closedNights(pipeline, channel, '2027-02-01', '2027-03-01')).toEqual(['2027-02-10', '2027-02-11', '2027-02-12']);
    }
    expect(await heldNights(pipeline.world.db, tenant.propertyId, '2027-02-01', '2027-03-01')).toEqual(['2027-02-10', '2027-02-11', '2027-02-12']);
    const metrics = await pipeline.dispatcher.metrics();
    expect(sumMetric(metrics, 'channel_sync_lag_seconds_count', { channel: 'VRBO' })).toBeGreaterThanOrEqual(1);
    expect(sumMetric(metrics, 'cm_sync_pushes_total', { channel: 'EXPEDIA', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('a cancellation opens the nights again everywhere; a second booking on Booking.com closes them on Airbnb too', async () => {
    const { client, tenant } = pipeline;
    const booked = requireOk(await client.createBooking('VRBO', tenant.connections.VRBO.listingId, { check_in: '2027-04-01', check_out: '2027-04-03' }));
    await syncResults(pipeline, (rs) => rs.filter((r) => r.outcome === 'ACKNOWLEDGED' && r.channel === 'AIRBNB').length >= 1);
    requireOk(await client.cancelBooking('VRBO', tenant.connections.VRBO.listingId, booked.reservation.id));
    // Booking.com refuses the guest until the cancellation has reopened its nights there.
    await waitFor('the cancellation to reach Booking.com', async () => (await closedNights(pipeline, 'BOOKING_COM', '2027-03-30', '2027-04-08')).length === 0, { timeoutMs: 30_000, intervalMs: 100 });
    requireOk(await client.createBooking('BOOKING_COM', tenant.connections.BOOKING_COM.listingId, { check_in: '2027-04-02', check_out: '2027-04-05' }));
    await waitFor('channels to converge', async () => {
      for (const channel of ['AIRBNB', 'VRBO', 'EXPEDIA', 'BOOKING_COM'] as const) {
        if ((await closedNights(pipeline, channel, '2027-03-30', '2027-04-08')).join() !== '2027-04-02,2027-04-03,2027-04-04') return false;
      }
      return true;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  });
});
