import type { Conflict, SyncResult } from '@cm/schemas';
import { sumMetric } from '@cm/test-harness';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { startPipeline, waitForConvergence, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/** A channel down for 60 s: its breaker opens, failures are reported, and it converges once back. */
describe('sync-dispatcher: a channel outage', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ CHANNEL_CALLS_PER_MINUTE: '600', BREAKER_FAILURES: '3', BREAKER_COOL_DOWN_MS: '5000', RETRY_MAX_ATTEMPTS: '4', RETRY_MAX_MS: '2000', AFTER_FAILURE_MS: '5000' });
  });
  afterAll(async () => pipeline?.close());

  it('Expedia answers 503 for 60 s: the circuit opens, the failure is on sync.results.v2 and raises SYNC_FAILED, and Expedia ends showing the ledger', async () => {
    const { client, tenant, dispatcher, world } = pipeline;
    requireOk(await client.setFaults('EXPEDIA', { outage: { for_seconds: 60, mode: 'status_503' } }));
    const outageStarted = Date.now();
    requireOk(await client.createBooking('AIRBNB', tenant.connections.AIRBNB.listingId, { check_in: '2027-08-03', check_out: '2027-08-06' }));
    const vrbo = requireOk(await client.createBooking('VRBO', tenant.connections.VRBO.listingId, { check_in: '2027-08-10', check_out: '2027-08-12' }));

    await waitFor('the Expedia breaker to open', async () => sumMetric(await dispatcher.metrics(), 'cm_sync_circuit_state', { channel: 'EXPEDIA' }) === 2, { timeoutMs: 50_000, intervalMs: 100 });
    expect(sumMetric(await dispatcher.metrics(), 'cm_sync_circuit_state', { channel: 'AIRBNB' })).toBe(0);
    const failed = await world.read<SyncResult>(world.topics.syncResults, (rs) => rs.some((r) => r.value.channel === 'EXPEDIA' && r.value.outcome === 'FAILED'), 60_000);
    expect(failed.find((r) => r.value.channel === 'EXPEDIA' && r.value.outcome === 'FAILED')!.value).toMatchObject({ attempts: 4, error: expect.stringContaining('503') });
    const conflicts = await world.read<Conflict>(world.topics.conflicts, (rs) => rs.some((r) => r.value.conflict_type === 'SYNC_FAILED'), 30_000);
    expect(conflicts.find((r) => r.value.conflict_type === 'SYNC_FAILED')!.value).toMatchObject({ channel: 'EXPEDIA', resolution: 'RETRIES_EXHAUSTED' });
    // Counted where the seed's HighConflictRate alert looks, like the arbiter's conflicts, once each.
    const raised = conflicts.filter((r) => r.value.conflict_type === 'SYNC_FAILED').length;
    expect(sumMetric(await dispatcher.metrics(), 'channel_conflicts_total', { conflict_type: 'SYNC_FAILED', channel_type: 'expedia' })).toBeGreaterThanOrEqual(raised);

    // The other channels were not held up by the one that is down.
    await waitFor('Booking.com to show both stays', async () => {
      const { nights } = requireOk(await client.trueCalendar('BOOKING_COM', tenant.connections.BOOKING_COM.listingId, '2027-08-01', '2027-08-15'));
      return nights.filter((n) => !n.available).length === 5;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(Date.now() - outageStarted).toBeLessThan(60_000);

    // A change made while Expedia is down reaches it too, once it is back.
    requireOk(await client.cancelBooking('VRBO', tenant.connections.VRBO.listingId, vrbo.reservation.id));
    await waitForConvergence(pipeline, '2027-08-01', '2027-08-15', 120_000);
    expect(Date.now() - outageStarted).toBeGreaterThanOrEqual(58_000);
    expect(requireOk(await client.stats('EXPEDIA')).calls.availability.failed).toBeGreaterThan(0);
  });
});
