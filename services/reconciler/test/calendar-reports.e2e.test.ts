import { sumMetric, freePort, uniqueName } from '@cm/test-harness';
import type { ChannelInboundEvent, Conflict } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import type { ServiceProcess } from '@cm/test-harness/worlds/ingest-world';
import { closedNights, startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

/**
 * A channel's own calendar report (AVAILABILITY_REPORTED on channel.inbound) is compared with the
 * ledger as it arrives, by the rules of a reconciliation pass, and what differs is corrected on
 * that channel without waiting for the daily pass (issue 17.4).
 */
describe('reconciler: calendar reports are read as they arrive', () => {
  let pipeline: Pipeline;
  let reconciler: ServiceProcess;

  beforeAll(async () => {
    pipeline = await startPipeline({ RETRY_MAX_ATTEMPTS: '2', RETRY_MAX_MS: '200', AFTER_FAILURE_MS: '1000', CHANNEL_CALLS_PER_MINUTE: '100000' });
    reconciler = await pipeline.world.startReconciler({ HTTP_PORT: String(await freePort()), CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`, RECONCILE_EVERY_MINUTES: '0' });
  });
  afterAll(async () => pipeline?.close());

  const expedia = () => pipeline.tenant.connections.EXPEDIA.listingId;
  const report = (nights: { date: string; available: boolean }[], occurredAt = Date.now()): ChannelInboundEvent => ({
    event_id: uniqueName('report'),
    channel: 'EXPEDIA',
    listing_id: expedia(),
    external_event_id: uniqueName('ext'),
    event_type: 'AVAILABILITY_REPORTED',
    external_reservation_id: null,
    source_version: 1,
    reservation_status: null,
    check_in: null,
    check_out: null,
    total_price: null,
    rate_plan: null,
    guest: null,
    nights: nights.map((n) => ({ date: day(n.date), available: n.available, price: null, min_stay: null })),
    dispute_reason: null,
    occurred_at: occurredAt,
    correlation_id: uniqueName('corr'),
    guest_count: null,
    alteration_request: false,
  });
  const send = async (event: ChannelInboundEvent) => pipeline.world.sendInbound([{ key: event.listing_id, value: await pipeline.world.encodeInbound(event) }]);
  const reports = async (outcome: string) => sumMetric(await reconciler.metrics(), 'cm_reconcile_calendar_reports_total', { channel: 'EXPEDIA', outcome });

  it('a report selling nights the ledger holds is corrected on that channel at once, and the drift is a conflict', async () => {
    const { client } = pipeline;
    requireOk(await client.createBooking('AIRBNB', pipeline.tenant.connections.AIRBNB.listingId, { check_in: '2027-02-10', check_out: '2027-02-13' }));
    await syncResults(pipeline, (rs) => rs.some((r) => r.channel === 'EXPEDIA' && r.outcome === 'ACKNOWLEDGED'));
    // Expedia lost the closure behind our back, and says so in its own calendar report.
    requireOk(await client.pushAvailability('EXPEDIA', expedia(), { request_id: 'extranet-open', updates: [{ from: '2027-02-10', to: '2027-02-13', available: true }] }));
    expect(await closedNights(pipeline, 'EXPEDIA', '2027-02-01', '2027-03-01')).toEqual([]);
    const nights = ['2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13'].map((date) => ({ date, available: true }));
    await send(report(nights));

    await waitFor('Expedia closed again', async () => (await closedNights(pipeline, 'EXPEDIA', '2027-02-01', '2027-03-01')).length === 3, { timeoutMs: 30_000, intervalMs: 200 });
    expect(await closedNights(pipeline, 'EXPEDIA', '2027-02-01', '2027-03-01')).toEqual(['2027-02-10', '2027-02-11', '2027-02-12']);
    const conflicts = await pipeline.world.read<Conflict>(pipeline.world.topics.conflicts, (rs) => rs.some((r) => r.value.conflict_type === 'AVAILABILITY_DRIFT'));
    expect(conflicts.find((r) => r.value.conflict_type === 'AVAILABILITY_DRIFT')!.value).toMatchObject({ channel: 'EXPEDIA', severity: 'CRITICAL', facts: { kind: 'AVAILABILITY_DRIFT', drift_nights: 3, open_while_booked: 3 } });
    expect(await reports('corrected')).toBe(1);
    const metrics = await reconciler.metrics();
    expect(sumMetric(metrics, 'channel_conflicts_total', { conflict_type: 'AVAILABILITY_DRIFT', channel_type: 'expedia' })).toBe(1);
    await waitFor('the correction counted fixed on acknowledgement', async () => sumMetric(await reconciler.metrics(), 'cm_reconcile_corrections_total', { channel: 'EXPEDIA', outcome: 'fixed' }) === 1, { timeoutMs: 30_000, intervalMs: 200 });
  });

  it('a report that agrees with the ledger changes nothing; nights changed in the ledger after the report was made are not held against it', async () => {
    await send(report([{ date: '2027-02-10', available: false }, { date: '2027-02-14', available: true }]));
    await waitFor('the agreeing report compared', async () => (await reports('in_sync')) === 1, { timeoutMs: 30_000, intervalMs: 100 });

    // Made before the booking of 2027-02-10..13 reached the ledger: the channel could not know of it.
    const stale = report([{ date: '2027-02-11', available: true }], Date.now() - 3_600_000);
    await send(stale);
    await waitFor('the stale report compared', async () => (await reports('in_sync')) === 2, { timeoutMs: 30_000, intervalMs: 100 });
    expect(await reports('corrected')).toBe(1);
    expect(sumMetric(await reconciler.metrics(), 'channel_conflicts_total', { conflict_type: 'AVAILABILITY_DRIFT' })).toBe(1);
    // Only the report that needed corrections left a pass behind.
    expect(await pipeline.world.db('reconcile.passes').where({ trigger: 'calendar_report' }).select('pass_id')).toHaveLength(1);
  });

  it('a platform that reports its calendar by webhook: through ingest to the reconciler, the night closed behind our back reopened', async () => {
    const { client, tenant } = pipeline;
    const booking = tenant.connections.BOOKING_COM.listingId;
    // Closed on Booking.com's extranet, not by us: the ledger has the night free.
    requireOk(await client.pushAvailability('BOOKING_COM', booking, { request_id: 'extranet-close', updates: [{ from: '2027-03-05', to: '2027-03-06', available: false }] }));
    const sent = requireOk(await client.reportCalendar('BOOKING_COM', booking, '2027-03-01', '2027-03-10'));
    expect(sent.webhook.response).toMatchObject({ status: 202, body: { outcome: 'calendar_report' } });
    await waitFor('Booking.com open again', async () => (await closedNights(pipeline, 'BOOKING_COM', '2027-03-01', '2027-03-10')).length === 0, { timeoutMs: 30_000, intervalMs: 200 });
    expect(sumMetric(await reconciler.metrics(), 'cm_reconcile_calendar_reports_total', { channel: 'BOOKING_COM', outcome: 'corrected' })).toBe(1);
  });

  it('a report of a listing nobody mapped is counted and dropped', async () => {
    await send({ ...report([{ date: '2027-02-10', available: true }]), listing_id: 'nobody-maps-me' });
    await waitFor('the unknown listing counted', async () => (await reports('unknown_listing')) === 1, { timeoutMs: 30_000, intervalMs: 100 });
    // What cannot be a key or a date is counted and skipped: the consumer goes on.
    await send({ ...report([{ date: '2027-02-10', available: true }]), listing_id: 'nul\u0000listing' });
    await send({ ...report([{ date: '2027-02-10', available: true }]), nights: [{ date: 2_000_000_000, available: true, price: null, min_stay: null }] });
    await waitFor('the bad reports counted', async () => (await reports('invalid')) === 2, { timeoutMs: 30_000, intervalMs: 100 });
    await send(report([{ date: '2027-02-14', available: true }]));
    await waitFor('a good report after them compared', async () => (await reports('in_sync')) === 3, { timeoutMs: 30_000, intervalMs: 100 });
  });
});
