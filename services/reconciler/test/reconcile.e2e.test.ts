import { sumMetric, freePort } from '@cm/test-harness';
import type { Conflict } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import type { ServiceProcess } from '@cm/test-harness/worlds/ingest-world';
import { closedNights, startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import type { PassSummary } from '../src/store/pass-store';
import { reconciliationsApi } from './support/reconciliations';

/**
 * The reconciler on the real stack: simulated channels that lost updates or were changed behind
 * our back are found by a pass, corrected through the sync-dispatcher, and counted fixed only
 * when the channel acknowledged the correction; a channel refusing the correction counts failed.
 */
describe('reconciler: drift found and fixed', () => {
  let pipeline: Pipeline;
  let reconciler: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    pipeline = await startPipeline({ RETRY_MAX_ATTEMPTS: '2', RETRY_MAX_MS: '200', AFTER_FAILURE_MS: '1000', CHANNEL_CALLS_PER_MINUTE: '100000' });
    const port = await freePort();
    reconciler = await pipeline.world.startReconciler({
      HTTP_PORT: String(port),
      CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`,
      RECONCILE_EVERY_MINUTES: '0',
      CHANNEL_READS_PER_MINUTE: '100000',
    });
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => pipeline?.close());

  /** The endpoint with the tenant's API key. */
  const api = (path: string, init: { method?: string; body?: unknown } = {}) => reconciliationsApi(url, pipeline.tenant.apiKey).api(path, init);
  const listingOf = (channel: 'AIRBNB' | 'BOOKING_COM' | 'VRBO' | 'EXPEDIA') => pipeline.tenant.connections[channel].listingId;

  /** Starts a pass for the tenant's property and waits until it finished and its corrections settled. */
  const reconcileProperty = (settled: (s: PassSummary) => boolean = (s) => s.pending === 0) => reconciliationsApi(url, pipeline.tenant.apiKey).reconcileProperty(pipeline.tenant.propertyId, settled);

  it('a lost update (open while booked) and a night closed behind our back are found, corrected, and counted fixed on acknowledgement', async () => {
    const { client, tenant } = pipeline;
    requireOk(await client.setFaults('VRBO', { lost_updates: { next: 1 } }));
    requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2026-12-10', check_out: '2026-12-13' }));
    await syncResults(pipeline, (rs) => ['BOOKING_COM', 'VRBO', 'EXPEDIA'].every((c) => rs.some((r) => r.channel === c && r.outcome === 'ACKNOWLEDGED')));
    requireOk(await client.clearFaults('VRBO'));
    expect(await closedNights(pipeline, 'VRBO', '2026-12-01', '2027-01-01')).toEqual([]);
    // Someone closed two free nights on Expedia's extranet.
    requireOk(await client.pushAvailability('EXPEDIA', listingOf('EXPEDIA'), { request_id: 'extranet-1', updates: [{ from: '2026-12-20', to: '2026-12-22', available: false }] }));

    const { summary, listings } = await reconcileProperty();
    expect(summary).toMatchObject({ status: 'finished', listings: 4, found: { listings: 2, nights: 5, openWhileBooked: 3 }, corrected: 2, failed: 0, pending: 0, unread: 0 });
    const byChannel = Object.fromEntries(listings.map((l) => [l.channel, l]));
    expect(byChannel.VRBO).toMatchObject({ driftNights: 3, openWhileBooked: 3, correctionRanges: 1, outcome: 'fixed' });
    expect(byChannel.EXPEDIA).toMatchObject({ driftNights: 2, openWhileBooked: 0, correctionRanges: 1, outcome: 'fixed' });
    expect(byChannel.AIRBNB).toMatchObject({ driftNights: 0, outcome: 'in_sync', compared: 90 });
    expect(byChannel.BOOKING_COM).toMatchObject({ driftNights: 0, outcome: 'in_sync' });

    expect(await closedNights(pipeline, 'VRBO', '2026-12-01', '2027-01-01')).toEqual(['2026-12-10', '2026-12-11', '2026-12-12']);
    expect(await closedNights(pipeline, 'EXPEDIA', '2026-12-01', '2027-01-01')).toEqual(['2026-12-10', '2026-12-11', '2026-12-12']);

    const conflicts = await pipeline.world.read<Conflict>(pipeline.world.topics.conflicts, (rs) => rs.filter((r) => r.value.conflict_type === 'AVAILABILITY_DRIFT').length >= 2);
    const drift = conflicts.map((c) => c.value).filter((c) => c.conflict_type === 'AVAILABILITY_DRIFT');
    expect(drift.find((c) => c.channel === 'VRBO')).toMatchObject({ severity: 'CRITICAL', property_id: tenant.propertyId, requires_review: false, facts: { kind: 'AVAILABILITY_DRIFT', drift_nights: 3, open_while_booked: 3 } });
    expect(drift.find((c) => c.channel === 'EXPEDIA')).toMatchObject({ severity: 'HIGH', facts: { kind: 'AVAILABILITY_DRIFT', drift_nights: 2 } });

    const metrics = await reconciler.metrics();
    expect(sumMetric(metrics, 'channel_availability_drift_days', { channel_type: 'VRBO', property_id: tenant.propertyId })).toBe(3);
    expect(sumMetric(metrics, 'cm_reconcile_corrections_total', { outcome: 'fixed' })).toBe(2);

    // The next pass finds nothing, and the drift series are gone.
    const again = await reconcileProperty();
    expect(again.summary).toMatchObject({ found: { listings: 0, nights: 0 }, corrected: 0, failed: 0 });
    expect(await reconciler.metrics()).not.toContain('channel_availability_drift_days{');
  });

  it('a channel refusing the correction counts it failed, not fixed; it is fixed once the channel takes it', async () => {
    const { client } = pipeline;
    requireOk(await client.setFaults('EXPEDIA', { lost_updates: { next: 1 } }));
    const versionOf = async () => Number((await pipeline.world.db('properties').where({ property_id: pipeline.tenant.propertyId }).first('version'))?.version ?? 0);
    const before = await versionOf();
    requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-01-05', check_out: '2027-01-07' }));
    await waitFor('the booking decided', async () => (await versionOf()) > before, { timeoutMs: 30_000, intervalMs: 100 });
    const booked = await versionOf();
    await syncResults(pipeline, (rs) => rs.some((r) => r.channel === 'EXPEDIA' && r.outcome === 'ACKNOWLEDGED' && r.version >= booked));
    // Expedia's writes now fail; its calendar still reads.
    requireOk(await client.setFaults('EXPEDIA', { server_errors: { rate: 1, status: 503, endpoints: ['availability', 'rates'] } }));

    const failed = await reconcileProperty((s) => s.failed === 1);
    expect(failed.summary).toMatchObject({ found: { listings: 1, nights: 2, openWhileBooked: 2 }, corrected: 0, failed: 1 });
    expect(failed.listings.find((l) => l.channel === 'EXPEDIA')).toMatchObject({ outcome: 'failed', error: expect.stringContaining('503') });
    expect(await closedNights(pipeline, 'EXPEDIA', '2027-01-01', '2027-01-10')).toEqual([]);

    requireOk(await client.clearFaults('EXPEDIA'));
    await waitFor('the dispatcher to push the correction again once Expedia takes writes', async () => {
      const summary = (await (await api(`/v1/reconciliations/${failed.summary.passId}`)).json()) as PassSummary;
      return summary.corrected === 1 && summary.failed === 0;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(await closedNights(pipeline, 'EXPEDIA', '2027-01-01', '2027-01-10')).toEqual(['2027-01-05', '2027-01-06']);
  });

  it('runs a scheduled pass over every property when none ran within the interval, once across instances and restarts', async () => {
    const scheduled = () => pipeline.world.db('reconcile.passes').where({ trigger: 'schedule' }).select('pass_id', 'status', 'scope');
    const env = { CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`, RECONCILE_EVERY_MINUTES: '1440', CHANNEL_READS_PER_MINUTE: '100000' };
    const first = await pipeline.world.startReconciler({ ...env, HTTP_PORT: String(await freePort()) });
    await waitFor('the scheduled pass to finish', async () => (await scheduled()).some((p) => p.status === 'finished'), { timeoutMs: 60_000, intervalMs: 200 });
    const second = await pipeline.world.startReconciler({ ...env, HTTP_PORT: String(await freePort()) });
    await waitFor('the second instance to look at the schedule', async () => sumMetric(await second.metrics(), 'cm_reconcile_schedule_checks_total', { outcome: 'not_due' }) >= 1, { timeoutMs: 30_000, intervalMs: 200 });
    expect(sumMetric(await first.metrics(), 'cm_reconcile_schedule_checks_total', { outcome: 'started' })).toBe(1);
    expect(await scheduled()).toEqual([expect.objectContaining({ status: 'finished', scope: 'all' })]);
    for (const instance of [first, second]) {
      instance.child.kill('SIGTERM');
      expect(await instance.exited()).toBe(0);
    }
  });

  it("an iCal channel's listing is not read as a calendar in a pass: its own feed holds its reservations, not the nights our feed closed there", async () => {
    const port = await freePort();
    const icalOnly = await pipeline.world.startReconciler({
      HTTP_PORT: String(port),
      CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`,
      ICAL_CHANNELS: 'VRBO',
      ICAL_IMPORT_URL_TEMPLATE: `${pipeline.simulator.url}/{channel}/ical/{listing}.ics`,
      RECONCILE_EVERY_MINUTES: '0',
      CHANNEL_READS_PER_MINUTE: '100000',
    });
    const { summary, listings } = await reconciliationsApi(`http://127.0.0.1:${port}`, pipeline.tenant.apiKey).reconcileProperty(pipeline.tenant.propertyId);
    expect(summary).toMatchObject({ status: 'finished', listings: 3, unread: 0 });
    expect(listings.map((l) => l.channel).sort()).toEqual(['AIRBNB', 'BOOKING_COM', 'EXPEDIA']);
    icalOnly.child.kill('SIGTERM');
    expect(await icalOnly.exited()).toBe(0);
  });

  it('answers bad requests with a reason', async () => {
    const post = (body: unknown) => api('/v1/reconciliations', { method: 'POST', body });
    expect(await (await post({ property_id: 5 })).json()).toMatchObject({ status: 400, code: 'invalid_body' });
    expect(await (await post({ property: 'x' })).json()).toMatchObject({ status: 400, code: 'invalid_body' });
    expect(await (await post({ property_id: 'nobody-s-villa' })).json()).toMatchObject({ status: 404, code: 'unknown_property' });
    expect(await (await api('/v1/reconciliations/not-a-uuid')).json()).toMatchObject({ status: 400, code: 'invalid_pass_id' });
    expect(await (await api('/v1/reconciliations/8d7f6a1e-3c2b-4a59-9e0f-1b2c3d4e5f60')).json()).toMatchObject({ status: 404, code: 'unknown_pass' });
  });
});
