import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Channel, SyncResult } from '@cm/schemas';
import { topics } from '@cm/schemas';
import { freePort, stack, testKafka, type RunningService } from '@cm/test-harness';
import { AvroSerde, produceValues, waitFor, type RecordProducer } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import { reservationAction } from './fixtures/reservation-action';

/**
 * Issue 22.2 on the real stack: a dispatcher SIGKILLed with calls in flight and restarted at once
 * under its KAFKA_GROUP_INSTANCE_ID (as Kubernetes restarts a pod) carries out what its
 * predecessor had leased within seconds, not when the leases lapse; one that does not come back
 * has it carried out by the dispatcher its partitions move to. LEASE_MS is a minute here, so
 * waiting for a lapse could not pass.
 */
describe('a SIGKILLed dispatcher\'s leased work is taken back at once: by its restart in place, or by the member its partitions move to', () => {
  const LEASE_MS = 60_000;
  const member = `dispatcher-${randomUUID().slice(0, 8)}`;
  let incarnation = 1;
  const envOf = () => ({ KAFKA_GROUP_INSTANCE_ID: member, INSTANCE_ID: `${member}.${incarnation}`, LEASE_MS: String(LEASE_MS), PUSH_TIMEOUT_MS: '6000', RESERVATION_CALLS_PER_MINUTE: '600' });
  let pipeline: Pipeline;
  /** The running incarnation. */
  let dispatcher: RunningService;
  let producer: RecordProducer;
  let serde: AvroSerde;

  beforeAll(async () => {
    pipeline = await startPipeline(envOf());
    dispatcher = pipeline.dispatcher;
    producer = await testKafka('restart-in-place-tests').producer();
    serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [pipeline.world.topics.reservationActions], pipeline.world.namespace);
  });
  afterAll(async () => {
    await producer?.disconnect();
    await pipeline?.close();
  });

  const listingOf = (channel: Channel) => pipeline.tenant.connections[channel].listingId;

  /** A dispatcher on the pipeline's simulator, as startPipeline starts one, with `env` over its own. */
  const startDispatcher = async (env: Record<string, string>) =>
    pipeline.world.startDispatcher({ CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`, RETRY_BASE_MS: '50', FEED_PORT: String(await freePort()), ...env });

  /** SIGKILLs the running dispatcher and starts the next incarnation of its member; when the kill was. */
  async function killAndRestart(): Promise<number> {
    dispatcher.child.kill('SIGKILL');
    const killedAt = Date.now();
    await dispatcher.exited();
    incarnation += 1;
    dispatcher = await startDispatcher(envOf());
    return killedAt;
  }

  /** The nights a channel's listing shows closed in [from, to). */
  const closedNights = async (channel: Channel, from: string, to: string) =>
    requireOk(await pipeline.client.trueCalendar(channel, listingOf(channel), from, to)).nights.filter((n) => !n.available).map((n) => n.date);

  /** When a push to the channel was first acknowledged at or after `sinceMs` (waiting for one). */
  async function firstPushAcknowledged(channel: Channel, sinceMs: number): Promise<number> {
    const pushedSince = (r: SyncResult) => r.channel === channel && r.outcome === 'ACKNOWLEDGED' && r.reservation_action === null && r.completed_at >= sinceMs;
    const results = await syncResults(pipeline, (rs) => rs.some(pushedSince), 60_000);
    return Math.min(...results.filter(pushedSince).map((r) => r.completed_at));
  }

  it('a host cancellation in flight at the kill is carried out by the restart within seconds, with the same request id: one cancellation on the channel', async () => {
    const { client, world } = pipeline;
    const booked = requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2027-08-20', check_out: '2027-08-22' }));
    const before = requireOk(await client.stats('AIRBNB'));
    requireOk(await client.setFaults('AIRBNB', { latency: { fixed_ms: 4_000, jitter_ms: 0 } }));
    const action = reservationAction({ id: randomUUID(), propertyId: pipeline.tenant.propertyId, channel: 'AIRBNB', bookingRef: booked.reservation.id, action: { kind: 'HOST_CANCEL', reason: 'overbooked' }, at: Date.now() });
    let killedAt: number;
    try {
      await produceValues(producer, serde, topics.reservationActions, [action]);
      await waitFor('the action to be leased', async () => (await world.db('sync.reservation_actions').where({ event_id: action.event_id }).first())?.leased_by != null, { timeoutMs: 30_000, intervalMs: 20 });
      // Its call leaves right after the lease; Airbnb answers it 4 s later, after the kill.
      await delay(1_000);
      killedAt = await killAndRestart();
    } finally {
      requireOk(await client.clearFaults('AIRBNB'));
    }
    const results = (await syncResults(pipeline, (rs) => rs.some((r) => r.change_event_id === action.event_id && r.outcome === 'ACKNOWLEDGED'), 45_000)).filter((r) => r.change_event_id === action.event_id);
    const acknowledged = results.filter((r) => r.outcome === 'ACKNOWLEDGED');
    expect(acknowledged).toHaveLength(1);
    expect(acknowledged[0]!.completed_at - killedAt).toBeLessThan(LEASE_MS / 3);
    const after = requireOk(await client.stats('AIRBNB'));
    expect(after.reservations.host_cancellations - before.reservations.host_cancellations).toBe(1);
  });

  it('a listing whose push was in flight at the kill shows the booking on its channel within seconds of the restart', async () => {
    const { client } = pipeline;
    requireOk(await client.setFaults('VRBO', { latency: { fixed_ms: 4_000, jitter_ms: 0 } }));
    let killedAt: number;
    try {
      requireOk(await client.createBooking('BOOKING_COM', listingOf('BOOKING_COM'), { check_in: '2027-09-10', check_out: '2027-09-12' }));
      // Pushed to Airbnb and Expedia at once; Vrbo's push is the one still in flight.
      await firstPushAcknowledged('EXPEDIA', 0);
      killedAt = await killAndRestart();
    } finally {
      requireOk(await client.clearFaults('VRBO'));
    }
    await waitFor('Vrbo to show the booking', async () => (await closedNights('VRBO', '2027-09-01', '2027-10-01')).join() === '2027-09-10,2027-09-11', { timeoutMs: 45_000, intervalMs: 100 });
    expect((await firstPushAcknowledged('VRBO', killedAt)) - killedAt).toBeLessThan(LEASE_MS / 3);
  });

  it('a dispatcher SIGKILLed for good with a push in flight: the member its partition moves to pushes the listing within seconds of the takeover', async () => {
    const { client, world } = pipeline;
    const survivorMember = `dispatcher-${randomUUID().slice(0, 8)}`;
    const survivor = await startDispatcher({ ...envOf(), KAFKA_GROUP_INSTANCE_ID: survivorMember, INSTANCE_ID: `${survivorMember}.1` });
    const ready = async (opsPort: number) => (await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => undefined))?.status === 200;
    await waitFor('both members in the group', async () => (await ready(dispatcher.opsPort)) && (await ready(survivor.opsPort)), { timeoutMs: 30_000, intervalMs: 100 });
    requireOk(await client.setFaults('EXPEDIA', { latency: { fixed_ms: 4_000, jitter_ms: 0 } }));
    let killedAt: number;
    try {
      requireOk(await client.createBooking('BOOKING_COM', listingOf('BOOKING_COM'), { check_in: '2027-10-10', check_out: '2027-10-12' }));
      // The Expedia listing leased, its push in flight: by the member holding the property's partition.
      const leasedBy = await waitFor('the Expedia listing leased', async () => (await world.db('sync.listing_work').where({ channel: 'EXPEDIA', listing_id: listingOf('EXPEDIA') }).first())?.leased_by as string | null ?? false, { timeoutMs: 30_000, intervalMs: 20 });
      const [holder, other] = leasedBy.startsWith(`${survivorMember}.`) ? [survivor, dispatcher] : [dispatcher, survivor];
      holder.child.kill('SIGKILL');
      killedAt = Date.now();
      await holder.exited();
      dispatcher = other;
    } finally {
      requireOk(await client.clearFaults('EXPEDIA'));
    }
    await waitFor('Expedia to show the booking', async () => (await closedNights('EXPEDIA', '2027-10-01', '2027-11-01')).join() === '2027-10-10,2027-10-11', { timeoutMs: 45_000, intervalMs: 100 });
    // Pushed again by the survivor (the call in flight at the kill may have landed too): the
    // session timeout (6 s) passes before the partition moves; the lease would have held it a minute.
    expect((await firstPushAcknowledged('EXPEDIA', killedAt)) - killedAt).toBeLessThan(LEASE_MS / 3);
  });
});
