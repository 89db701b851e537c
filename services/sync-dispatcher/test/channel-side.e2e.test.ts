import type { Channel, Conflict } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { requireOk } from '@cm/channel-simulator';
import { CHANNELS, closedNights, heldNights, startPipeline, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';

/**
 * The channel-side rows of docs/conflict-rules.md, each through the whole path on the real stack:
 * a guest acts on a simulated platform, ingest takes the webhook, the arbiter decides, the
 * dispatcher carries the decision out on the platform, and the platform's own state proves it.
 */
describe('the channel side: the ledger’s word carried out on the reservation’s own channel', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({ RESERVATION_CALLS_PER_MINUTE: '600' });
  });
  afterAll(async () => pipeline?.close());

  const listing = (channel: Channel) => pipeline.tenant.connections[channel].listingId;
  const reservation = async (channel: Channel, id: string) => requireOk(await pipeline.client.reservation(channel, listing(channel), id));
  const held = (from: string, to: string) => heldNights(pipeline.world.db, pipeline.tenant.propertyId, from, to);
  const until = (what: string, check: () => Promise<boolean>) => waitFor(what, check, { timeoutMs: 45_000, intervalMs: 200 });
  const book = async (channel: Channel, checkIn: string, checkOut: string, request = false) =>
    requireOk(await pipeline.client.createBooking(channel, listing(channel), { check_in: checkIn, check_out: checkOut, ...(request && { request: true }) })).reservation;
  const actionsOf = async (bookingRef: string): Promise<{ kind: string; status: string }[]> =>
    (await pipeline.world.db('sync.reservation_actions').where({ booking_ref: bookingRef }).orderBy('seq')).map((row: { record: { action: { kind: string } }; status: string }) => ({ kind: row.record.action.kind, status: row.status }));
  const pms = (method: string, path: string, body?: unknown) => pipeline.world.pms(pipeline.ingest, method, `/v1/properties/${encodeURIComponent(pipeline.tenant.propertyId)}${path}`, body);

  /**
   * Airbnb acknowledges every availability push and applies none (a platform's lost updates), so
   * its calendar stays open on nights the ledger holds: how a channel booking comes to lose.
   */
  async function whileAirbnbLosesPushes(body: () => Promise<void>): Promise<void> {
    requireOk(await pipeline.client.setFaults('AIRBNB', { lost_updates: { rate: 1 } }));
    try {
      await body();
    } finally {
      requireOk(await pipeline.client.clearFaults('AIRBNB'));
    }
  }

  it('every channel reservation is acknowledged on its channel once the ledger decided it: Booking.com stops re-sending it', async () => {
    const booked = await book('BOOKING_COM', '2027-05-03', '2027-05-05');
    await until('Booking.com to hold the reservation acknowledged', async () => (await reservation('BOOKING_COM', booked.id)).acknowledgement?.acknowledged_revision === booked.revision);
    expect((await reservation('BOOKING_COM', booked.id)).acknowledgement).toMatchObject({ pending: null });
  });

  it('the losing booking of an overbooking, a request to book: declined on Airbnb at once, never confirmed', async () => {
    await whileAirbnbLosesPushes(async () => {
      await book('BOOKING_COM', '2027-05-10', '2027-05-13');
      await until('the ledger to hold the Booking.com stay', async () => (await held('2027-05-10', '2027-05-13')).length === 3);
      const asked = await book('AIRBNB', '2027-05-11', '2027-05-12', true);
      expect(asked.state).toBe('pending');
      await until('Airbnb to decline the request', async () => (await reservation('AIRBNB', asked.id)).state === 'declined');
    });
    expect(await held('2027-05-10', '2027-05-13')).toEqual(['2027-05-10', '2027-05-11', '2027-05-12']);
  });

  it('the losing booking of an overbooking, confirmed (instant book): not cancelled without review; a PMS cancellation of it then cancels it on Airbnb as the host', async () => {
    let loser = '';
    await whileAirbnbLosesPushes(async () => {
      await book('EXPEDIA', '2027-05-20', '2027-05-23');
      await until('the ledger to hold the Expedia stay', async () => (await held('2027-05-20', '2027-05-23')).length === 3);
      loser = (await book('AIRBNB', '2027-05-21', '2027-05-24')).id;
    });
    const conflicts = await pipeline.world.read<Conflict>(pipeline.world.topics.conflicts, (rs) => rs.some((r) => r.value.conflict_type === 'OVERBOOKING' && r.value.booking_ref === loser));
    expect(conflicts.find((r) => r.value.booking_ref === loser)?.value).toMatchObject({ severity: 'CRITICAL', requires_review: true, resolution: 'REJECTED_INCOMING' });
    // Its decision's actions are carried out in order: once its acknowledgement is done, nothing else was asked of Airbnb.
    await until('the losing reservation’s actions to be carried out', async () => (await actionsOf(loser)).every((a) => a.status === 'done') && (await actionsOf(loser)).length > 0);
    expect((await actionsOf(loser)).map((a) => a.kind)).toEqual(['ACKNOWLEDGE']);
    expect(await reservation('AIRBNB', loser)).toMatchObject({ state: 'active', cancellation: null });

    const cancelled = await pms('POST', `/bookings/${loser}/cancel`, { source: 'AIRBNB' });
    expect(cancelled.status).toBe(200);
    await until('Airbnb to cancel the losing reservation as the host', async () => (await reservation('AIRBNB', loser)).state === 'cancelled');
    expect((await reservation('AIRBNB', loser)).cancellation).toMatchObject({ by: 'host' });
    // The nights the Expedia guest holds stay held.
    expect(await held('2027-05-20', '2027-05-24')).toEqual(['2027-05-20', '2027-05-21', '2027-05-22']);
  });

  it("a PMS change the reservation's platform cannot carry out is refused (422) with the reason, and its nights stay held", async () => {
    const booked = await book('BOOKING_COM', '2027-05-15', '2027-05-17');
    await until('the ledger to hold the stay', async () => (await held('2027-05-15', '2027-05-17')).length === 2);
    const cancel = await pms('POST', `/bookings/${booked.id}/cancel`, { source: 'BOOKING_COM' });
    expect(cancel).toMatchObject({ status: 422, body: { code: 'not_possible_on_channel', detail: expect.stringContaining('extranet') } });
    const move = await pms('PATCH', `/bookings/${booked.id}`, { source: 'BOOKING_COM', check_in: '2027-05-16', check_out: '2027-05-18' });
    expect(move).toMatchObject({ status: 422, body: { code: 'not_possible_on_channel' } });
    expect(await held('2027-05-15', '2027-05-18')).toEqual(['2027-05-15', '2027-05-16']);
    expect(await reservation('BOOKING_COM', booked.id)).toMatchObject({ state: 'active', check_in: '2027-05-15', check_out: '2027-05-17' });
  });

  it('a PMS cancellation of a channel booking: cancelled on its channel as the host, its nights open everywhere', async () => {
    const booked = await book('AIRBNB', '2027-05-27', '2027-05-29');
    await until('the other channels to close the nights', async () => (await closedNights(pipeline, 'BOOKING_COM', '2027-05-27', '2027-05-29')).length === 2);
    expect((await pms('POST', `/bookings/${booked.id}/cancel`, { source: 'AIRBNB' })).status).toBe(200);
    await until('Airbnb to cancel it as the host', async () => (await reservation('AIRBNB', booked.id)).cancellation?.by === 'host');
    await until('every channel to open the nights again', async () => {
      for (const channel of CHANNELS) if ((await closedNights(pipeline, channel, '2027-05-27', '2027-05-29')).length > 0) return false;
      return true;
    });
  });

  it("a guest's alteration request onto free nights: the stay moves in the ledger, the other channels follow, and Airbnb accepts it", async () => {
    const booked = await book('AIRBNB', '2027-06-01', '2027-06-03');
    await until('the ledger to hold the stay', async () => (await held('2027-06-01', '2027-06-06')).length === 2);
    requireOk(await pipeline.client.requestAlteration('AIRBNB', listing('AIRBNB'), booked.id, { check_out: '2027-06-05' }));
    await until('Airbnb to accept the alteration', async () => (await reservation('AIRBNB', booked.id)).check_out === '2027-06-05');
    expect(await reservation('AIRBNB', booked.id)).toMatchObject({ state: 'active', alteration: null, check_in: '2027-06-01' });
    await until('Booking.com to close the new nights', async () => (await closedNights(pipeline, 'BOOKING_COM', '2027-06-01', '2027-06-06')).length === 4);
    expect(await held('2027-06-01', '2027-06-06')).toEqual(['2027-06-01', '2027-06-02', '2027-06-03', '2027-06-04']);
  });

  it("a channel date change the ledger refuses is declined on the channel: the guest's alteration request onto held nights", async () => {
    let own = '';
    await whileAirbnbLosesPushes(async () => {
      own = (await book('AIRBNB', '2027-06-10', '2027-06-12')).id;
      await book('BOOKING_COM', '2027-06-12', '2027-06-14');
      await until('the ledger to hold both stays', async () => (await held('2027-06-10', '2027-06-14')).length === 4);
      requireOk(await pipeline.client.requestAlteration('AIRBNB', listing('AIRBNB'), own, { check_out: '2027-06-14' }));
      await until('Airbnb to decline the alteration', async () => (await reservation('AIRBNB', own)).alteration === null);
    });
    expect(await reservation('AIRBNB', own)).toMatchObject({ state: 'active', check_in: '2027-06-10', check_out: '2027-06-12' });
    expect(requireOk(await pipeline.client.listingStats('AIRBNB', listing('AIRBNB'))).reservations).toMatchObject({ alterations_declined: 1 });
    const conflicts = await pipeline.world.read<Conflict>(pipeline.world.topics.conflicts, (rs) => rs.some((r) => r.value.conflict_type === 'DATE_MODIFICATION' && r.value.booking_ref === own));
    expect(conflicts.find((r) => r.value.conflict_type === 'DATE_MODIFICATION' && r.value.booking_ref === own)?.value).toMatchObject({ requires_review: true, severity: 'HIGH' });
  });

  it('a replay of booking.commands from the start performs no second action on any channel', async () => {
    const countActions = async () => Number((await pipeline.world.db('sync.reservation_actions').count<{ count: string }[]>('* as count'))[0]!.count);
    const settled = async () => Number((await pipeline.world.db('sync.reservation_actions').where({ status: 'pending' }).count<{ count: string }[]>('* as count'))[0]!.count) === 0;
    const platforms = async () => Promise.all(CHANNELS.map(async (channel) => requireOk(await pipeline.client.listingStats(channel, listing(channel))).reservations));
    await until('every reservation action so far to be carried out', settled);
    const before = { actions: await countActions(), platforms: await platforms() };
    expect(before.actions).toBeGreaterThan(5);

    pipeline.arbiter.child.kill('SIGTERM');
    await pipeline.arbiter.exited();
    // A new consumer group reads booking.commands from its first record.
    await pipeline.world.startArbiter({ CONSUMER_GROUP: `cm.booking-arbiter.replay.${pipeline.world.namespace}` });
    // The property's commands and its actions are one partition each, in order: the sentinel's
    // acknowledgement is recorded after anything the replay could have asked of a channel.
    const sentinel = await book('BOOKING_COM', '2027-07-01', '2027-07-02');
    await until('the sentinel to be acknowledged on Booking.com', async () => (await actionsOf(sentinel.id)).some((a) => a.kind === 'ACKNOWLEDGE' && a.status === 'done'));
    await until('the replay to settle', settled);
    expect(await countActions()).toBe(before.actions + 1);
    const after = await platforms();
    const bookingCom = CHANNELS.indexOf('BOOKING_COM');
    expect(after.map((counts, i) => (i === bookingCom ? { ...counts, acknowledgements: counts.acknowledgements - 1 } : counts))).toEqual(before.platforms);
  });
});
