import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Channel, Conflict, ReservationAction, SyncResult } from '@cm/schemas';
import { topics } from '@cm/schemas';
import { sumMetric, freePort, stack, testKafka } from '@cm/test-harness';
import { AvroSerde, produceValues, waitFor, type RecordProducer } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import { reservationAction } from './fixtures/reservation-action';

/**
 * reservation.actions.v2 on the real stack: records produced as the arbiter's outbox does, carried
 * out by the dispatcher on the simulated platforms, outcomes read from sync.results.v2, conflicts
 * and the platforms' own state and counters.
 */
describe('sync-dispatcher: reservation actions reach their channel', () => {
  let pipeline: Pipeline;
  let producer: RecordProducer;
  let serde: AvroSerde;
  const env = {
    RETRY_MAX_ATTEMPTS: '4',
    RETRY_MAX_MS: '400',
    AFTER_FAILURE_MS: '2000',
    RESERVATION_CALLS_PER_MINUTE: '600',
    // A lease outlasts a call (its timeout), and lapses soon after a kill.
    PUSH_TIMEOUT_MS: '6000',
    LEASE_MS: '8000',
    // The killed instance leaves the groups soon, so its restart is ready soon.
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
  };

  beforeAll(async () => {
    pipeline = await startPipeline(env);
    producer = await testKafka('reservation-actions-tests').producer();
    serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [pipeline.world.topics.reservationActions], pipeline.world.namespace);
  });
  afterAll(async () => {
    await producer?.disconnect();
    await pipeline?.close();
  });

  const listingOf = (channel: Channel) => pipeline.tenant.connections[channel].listingId;

  function actionOn(channel: Channel, bookingRef: string, action: ReservationAction['action']): ReservationAction {
    return reservationAction({ id: randomUUID(), propertyId: pipeline.tenant.propertyId, channel, bookingRef, action, at: Date.now() });
  }

  async function produce(...actions: ReservationAction[]): Promise<void> {
    await produceValues(producer, serde, topics.reservationActions, actions);
  }

  const resultsOf = async (eventId: string, until: (rs: SyncResult[]) => boolean, timeoutMs = 60_000) =>
    (await syncResults(pipeline, (rs) => until(rs.filter((r) => r.change_event_id === eventId)), timeoutMs)).filter((r) => r.change_event_id === eventId);

  const syncFailedOf = async (bookingRef: string) => {
    const records = await pipeline.world.read<Conflict>(pipeline.world.topics.conflicts, (rs) => rs.some((r) => r.value.conflict_type === 'SYNC_FAILED' && r.value.booking_ref === bookingRef), 60_000);
    return records.map((r) => r.value).filter((c) => c.conflict_type === 'SYNC_FAILED' && c.booking_ref === bookingRef);
  };

  const actionRow = async (eventId: string) =>
    (await pipeline.world.db('sync.reservation_actions').where({ event_id: eventId }).first()) as { status: string; outcome: string | null; leased_by: string | null } | undefined;

  it('DECLINE_REQUEST: a request to book on Airbnb is declined there, with the reason, and never confirmed', async () => {
    const { client } = pipeline;
    const requested = requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-06-01', check_out: '2027-06-04', request: true }));
    expect(requested.reservation.state).toBe('pending');
    const action = actionOn('AIRBNB', requested.reservation.id, { kind: 'DECLINE_REQUEST', reason: 'the nights are held by another stay' });
    await produce(action);

    const [result] = await resultsOf(action.event_id, (rs) => rs.length > 0);
    expect(result).toMatchObject({ outcome: 'ACKNOWLEDGED', channel: 'AIRBNB', reservation_action: 'DECLINE_REQUEST', booking_ref: requested.reservation.id, attempts: 1, channel_ack: expect.any(String) });
    const onAirbnb = requireOk(await client.reservation('AIRBNB', listingOf('AIRBNB'), requested.reservation.id));
    expect(onAirbnb).toMatchObject({ state: 'declined', request: { decline_reason: 'the nights are held by another stay' }, cancellation: null });
    expect(requireOk(await client.listingStats('AIRBNB', listingOf('AIRBNB'))).reservations).toMatchObject({ requests_declined: 1, requests_accepted: 0 });
  });

  it("ACKNOWLEDGE on Booking.com clears the reservation's pending acknowledgement", async () => {
    const { client } = pipeline;
    const booked = requireOk(await client.createBooking('BOOKING_COM', listingOf('BOOKING_COM'), { check_in: '2027-06-10', check_out: '2027-06-12' }));
    const action = actionOn('BOOKING_COM', booked.reservation.id, { kind: 'ACKNOWLEDGE', revision: booked.reservation.revision });
    await produce(action);

    const [result] = await resultsOf(action.event_id, (rs) => rs.length > 0);
    expect(result).toMatchObject({ outcome: 'ACKNOWLEDGED', channel: 'BOOKING_COM', reservation_action: 'ACKNOWLEDGE', booking_ref: booked.reservation.id });
    const onBooking = requireOk(await client.reservation('BOOKING_COM', listingOf('BOOKING_COM'), booked.reservation.id));
    expect(onBooking.acknowledgement).toMatchObject({ acknowledged_revision: booked.reservation.revision, pending: null });
  });

  it('ACKNOWLEDGE on Airbnb (it keeps no acknowledgement queue) has nothing to do: ACKNOWLEDGED without a call, no SYNC_FAILED', async () => {
    const { client, dispatcher } = pipeline;
    const booked = requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-06-14', check_out: '2027-06-16' }));
    const action = actionOn('AIRBNB', booked.reservation.id, { kind: 'ACKNOWLEDGE', revision: booked.reservation.revision });
    await produce(action);

    const [result] = await resultsOf(action.event_id, (rs) => rs.length > 0);
    expect(result).toMatchObject({ outcome: 'ACKNOWLEDGED', reservation_action: 'ACKNOWLEDGE', channel_ack: null, error: null, attempts: 0 });
    expect(await actionRow(action.event_id)).toMatchObject({ status: 'done', outcome: 'not_needed' });
    expect(requireOk(await client.stats('AIRBNB')).calls.acknowledge).toMatchObject({ ok: 0, rejected: 0 });
    expect(sumMetric(await dispatcher.metrics(), 'cm_reservation_actions_total', { channel: 'AIRBNB', kind: 'ACKNOWLEDGE', outcome: 'not_needed' })).toBeGreaterThanOrEqual(1);
  });

  it('HOST_CANCEL on Airbnb cancels the reservation there; the outcome is ACKNOWLEDGED on sync.results.v2 and counted', async () => {
    const { client, dispatcher } = pipeline;
    const booked = requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-06-20', check_out: '2027-06-23' }));
    const action = actionOn('AIRBNB', booked.reservation.id, { kind: 'HOST_CANCEL', reason: 'overbooked: the stay went to an earlier booking' });
    await produce(action);

    const results = await resultsOf(action.event_id, (rs) => rs.length > 0);
    expect(results).toEqual([expect.objectContaining({ outcome: 'ACKNOWLEDGED', reservation_action: 'HOST_CANCEL', booking_ref: booked.reservation.id, version: 1, is_reconciliation: false })]);
    const onAirbnb = requireOk(await client.reservation('AIRBNB', listingOf('AIRBNB'), booked.reservation.id));
    expect(onAirbnb).toMatchObject({ state: 'cancelled', cancellation: { by: 'host', reason: 'overbooked: the stay went to an earlier booking' } });
    const metrics = await dispatcher.metrics();
    expect(sumMetric(metrics, 'cm_reservation_actions_total', { channel: 'AIRBNB', kind: 'HOST_CANCEL', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(sumMetric(metrics, 'cm_reservation_action_seconds_count', { channel: 'AIRBNB', kind: 'HOST_CANCEL', outcome: 'acknowledged' })).toBeGreaterThanOrEqual(1);
  });

  it('HOST_CANCEL on Booking.com (no such operation in its API) ends FAILED, raises SYNC_FAILED, and is not retried', async () => {
    const { client, dispatcher } = pipeline;
    const booked = requireOk(await client.createBooking('BOOKING_COM', listingOf('BOOKING_COM'), { check_in: '2027-07-01', check_out: '2027-07-03' }));
    const action = actionOn('BOOKING_COM', booked.reservation.id, { kind: 'HOST_CANCEL', reason: 'overbooked' });
    await produce(action);

    const [result] = await resultsOf(action.event_id, (rs) => rs.length > 0);
    expect(result).toMatchObject({ outcome: 'FAILED', reservation_action: 'HOST_CANCEL', booking_ref: booked.reservation.id, attempts: 0, error: expect.stringContaining('host_cancel') });
    const [conflict] = await syncFailedOf(booked.reservation.id);
    expect(conflict).toMatchObject({ channel: 'BOOKING_COM', booking_ref: booked.reservation.id, command_id: action.command_id, facts: expect.objectContaining({ kind: 'SYNC_FAILED', reservation_action: 'HOST_CANCEL' }) });
    expect(conflict!.summary).toContain(`HOST_CANCEL (cancel as host) of BOOKING_COM reservation ${booked.reservation.id}`);
    expect(sumMetric(await dispatcher.metrics(), 'channel_conflicts_total', { conflict_type: 'SYNC_FAILED', channel_type: 'booking_com' })).toBeGreaterThanOrEqual(1);
    expect(sumMetric(await dispatcher.metrics(), 'cm_reservation_actions_total', { channel: 'BOOKING_COM', kind: 'HOST_CANCEL', outcome: 'unsupported' })).toBe(1);
    // Over for good: never due again, and the channel was never called.
    expect(await actionRow(action.event_id)).toMatchObject({ status: 'refused', outcome: 'unsupported', leased_by: null });
    expect(requireOk(await client.stats('BOOKING_COM')).calls.host_cancel).toMatchObject({ ok: 0, rejected: 0 });
    expect(requireOk(await client.reservation('BOOKING_COM', listingOf('BOOKING_COM'), booked.reservation.id)).state).toBe('active');
  });

  it('a host cancellation Airbnb fails four times raises SYNC_FAILED, and lands once Airbnb recovers', async () => {
    const { client } = pipeline;
    const booked = requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-07-10', check_out: '2027-07-13' }));
    requireOk(await client.setFaults('AIRBNB', { server_errors: { rate: 1, status: 503, endpoints: ['host_cancel'] } }));
    const action = actionOn('AIRBNB', booked.reservation.id, { kind: 'HOST_CANCEL', reason: 'overbooked' });
    try {
      await produce(action);
      const [failed] = await resultsOf(action.event_id, (rs) => rs.some((r) => r.outcome === 'FAILED'));
      expect(failed).toMatchObject({ outcome: 'FAILED', attempts: 4, error: expect.stringContaining('503'), reservation_action: 'HOST_CANCEL' });
      const [conflict] = await syncFailedOf(booked.reservation.id);
      expect(conflict).toMatchObject({ channel: 'AIRBNB', resolution: 'RETRIES_EXHAUSTED', facts: expect.objectContaining({ kind: 'SYNC_FAILED', consecutive_failures: 4 }) });
      expect(conflict!.summary).toMatch(/HOST_CANCEL .* failed after 4 attempts/);
      expect(requireOk(await client.reservation('AIRBNB', listingOf('AIRBNB'), booked.reservation.id)).state).toBe('active');
    } finally {
      requireOk(await client.clearFaults('AIRBNB'));
    }

    const results = await resultsOf(action.event_id, (rs) => rs.some((r) => r.outcome === 'ACKNOWLEDGED'));
    expect(results.filter((r) => r.outcome === 'ACKNOWLEDGED')).toHaveLength(1);
    expect(requireOk(await client.reservation('AIRBNB', listingOf('AIRBNB'), booked.reservation.id))).toMatchObject({ state: 'cancelled', cancellation: { by: 'host' } });
    expect(requireOk(await client.stats('AIRBNB')).calls.host_cancel.failed).toBeGreaterThanOrEqual(4);
  });

  it('the same action record produced twice (a replay) cancels once on the channel; CHANGE_DATES is not supported anywhere', async () => {
    const { client } = pipeline;
    const booked = requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-08-01', check_out: '2027-08-04' }));
    const before = requireOk(await client.listingStats('AIRBNB', listingOf('AIRBNB'))).reservations.host_cancellations;
    const action = actionOn('AIRBNB', booked.reservation.id, { kind: 'HOST_CANCEL', reason: 'overbooked' });
    await produce(action, action);
    await resultsOf(action.event_id, (rs) => rs.some((r) => r.outcome === 'ACKNOWLEDGED'));
    // Replayed again after its outcome, followed by a later action on the same partition: once
    // that one's outcome is out, the replay was read before it.
    const later = actionOn('AIRBNB', booked.reservation.id, { kind: 'CHANGE_DATES', check_in: 20_666, check_out: 20_668 });
    await produce(action, later);
    const [unsupported] = await resultsOf(later.event_id, (rs) => rs.length > 0);
    expect(unsupported).toMatchObject({ outcome: 'FAILED', reservation_action: 'CHANGE_DATES', attempts: 0, error: expect.stringContaining('date change') });

    // Read up to the later action's outcome (same partition): the replays added none of their own.
    const all = await syncResults(pipeline, (rs) => rs.some((r) => r.change_event_id === later.event_id));
    expect(all.filter((r) => r.change_event_id === action.event_id)).toEqual([expect.objectContaining({ outcome: 'ACKNOWLEDGED' })]);
    expect(requireOk(await client.listingStats('AIRBNB', listingOf('AIRBNB'))).reservations.host_cancellations).toBe(before + 1);
    expect(requireOk(await client.reservation('AIRBNB', listingOf('AIRBNB'), booked.reservation.id)).state).toBe('cancelled');
  });

  it('a dispatcher SIGKILLed while a cancellation is in flight redoes it after restart with the same request id: one cancellation on the channel', async () => {
    const { client, world, dispatcher, simulator } = pipeline;
    const booked = requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-08-20', check_out: '2027-08-22' }));
    const stats = async () => requireOk(await client.stats('AIRBNB'));
    const before = await stats();
    requireOk(await client.setFaults('AIRBNB', { latency: { fixed_ms: 4_000, jitter_ms: 0 } }));
    try {
      const action = actionOn('AIRBNB', booked.reservation.id, { kind: 'HOST_CANCEL', reason: 'overbooked' });
      await produce(action);
      await waitFor('the action to be leased', async () => (await actionRow(action.event_id))?.leased_by != null, { timeoutMs: 30_000, intervalMs: 20 });
      // Its call leaves right after the lease; Airbnb answers it 4 s later, after the kill.
      await delay(1_000);
      dispatcher.child.kill('SIGKILL');
      await dispatcher.exited();

      await world.startDispatcher({ CHANNEL_API_BASE_URL: `${simulator.url}/{channel}/api`, RETRY_BASE_MS: '50', FEED_PORT: String(await freePort()), ...env });
      const results = await resultsOf(action.event_id, (rs) => rs.some((r) => r.outcome === 'ACKNOWLEDGED'), 90_000);
      expect(results.filter((r) => r.outcome === 'ACKNOWLEDGED')).toHaveLength(1);
    } finally {
      requireOk(await client.clearFaults('AIRBNB'));
    }
    const after = await stats();
    expect(after.reservations.host_cancellations - before.reservations.host_cancellations).toBe(1);
    // The call in flight at the kill was applied; the redo carried its request id and got its answer again.
    expect(after.calls.host_cancel.ok - before.calls.host_cancel.ok).toBe(1);
    expect(after.calls.host_cancel.duplicate - before.calls.host_cancel.duplicate).toBe(1);
    expect(requireOk(await client.reservation('AIRBNB', listingOf('AIRBNB'), booked.reservation.id))).toMatchObject({ state: 'cancelled', cancellation: { by: 'host' } });
  });
});
