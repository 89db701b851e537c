import { ChannelSymbols } from '@cm/schemas';
import { PLATFORM_CAPABILITIES, RESERVATION_OPERATIONS, type ReservationOperation } from '../src/capabilities';
import { requireOk, type ChannelName, type SimulatorClient } from '../src/client';
import { registerListing, useTestSimulator } from './support/simulator';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from '@cm/test-harness';

/** One call of each operation on a reservation, as the platform API takes it. */
function call(client: SimulatorClient, channel: ChannelName, id: string, operation: ReservationOperation, requestId: string) {
  switch (operation) {
    case 'read_reservation':
      return client.readReservation(channel, 'L1', id);
    case 'acknowledge':
      return client.acknowledge(channel, 'L1', id, { request_id: requestId, revision: 1 });
    case 'decide_request':
      return client.decideRequest(channel, 'L1', id, { request_id: requestId, decision: 'accept' });
    case 'decide_alteration':
      return client.decideAlteration(channel, 'L1', id, { request_id: requestId, decision: 'decline' });
    case 'host_cancel':
      return client.hostCancel(channel, 'L1', id, { request_id: requestId, reason: 'maintenance' });
    default: {
      const unknown: never = operation;
      throw new Error(`unknown operation ${String(unknown)}`);
    }
  }
}

describe('reservation operations on the platform API: capabilities, request ids, faults', () => {
  const ingest = new WebhookReceiver();
  const t = useTestSimulator(ingest);
  beforeEach(async () => {
    for (const channel of ChannelSymbols) await registerListing(t.client, channel, 'L1');
  });

  it.each(ChannelSymbols.map((channel) => [channel]))('%s: the admin API lists the operations its platform offers', async (channel) => {
    expect(requireOk(await t.client.capabilities(channel))).toEqual({ channel: channel.toLowerCase(), operations: PLATFORM_CAPABILITIES[channel] });
  });

  const lacking = ChannelSymbols.flatMap((channel) => RESERVATION_OPERATIONS.filter((op) => !PLATFORM_CAPABILITIES[channel].includes(op)).map((op) => [channel, op] as const));

  it.each(lacking)('%s has no %s: 405 operation_not_supported, whatever the faults, nothing done', async (channel, operation) => {
    const id = requireOk(await t.client.createBooking(channel, 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
    requireOk(await t.client.setFaults(channel, { outage: { for_seconds: 60 } }));
    const response = await call(t.client, channel, id, operation, 'r-1');
    expect(response).toMatchObject({ status: 405, error: { error: 'operation_not_supported', operation, supported: PLATFORM_CAPABILITIES[channel] } });
    expect(!response.ok && response.error.message).toMatch(new RegExp(`^${channel.toLowerCase()} offers no '${operation}': `));
    expect(requireOk(await t.client.reservation(channel, 'L1', id))).toMatchObject({ state: 'active', revision: 1 });
    expect(requireOk(await t.client.stats(channel)).calls[operation]).toMatchObject({ rejected: 1, ok: 0 });
  });

  it('reads one reservation as the platform holds it; an unknown one is 404', async () => {
    const created = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', guests: 2 }));
    const read = requireOk(await t.client.readReservation('booking_com', 'L1', created.reservation.id));
    // The platform shows what the admin API's truth holds.
    expect(read.reservation).toEqual(requireOk(await t.client.reservation('booking_com', 'L1', created.reservation.id)));
    expect(read.reservation).toMatchObject({ state: 'active', check_in: '2026-07-10', guest_count: 2, acknowledgement: { pending: { revision: 1 } } });
    expect(await t.client.readReservation('booking_com', 'L1', 'nope')).toMatchObject({ status: 404, error: { error: 'reservation_not_found' } });
    expect(await t.client.readReservation('booking_com', 'L9', 'nope')).toMatchObject({ status: 404, error: { error: 'listing_not_found' } });
    expect(requireOk(await t.client.stats('booking_com')).calls.read_reservation).toMatchObject({ ok: 1, rejected: 2 });
  });

  describe('a request_id acts once', () => {
    it('a replayed host cancellation answers the first answer again: one cancellation, one webhook', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      const first = requireOk(await t.client.hostCancel('airbnb', 'L1', id, { request_id: 'cancel-1', reason: 'flood' }));
      const replay = requireOk(await t.client.hostCancel('airbnb', 'L1', id, { request_id: 'cancel-1', reason: 'flood' }));
      expect(replay).toEqual(first);
      await waitUntil('the cancellation webhook', () => ingest.received.length === 2);
      // A cancellation acting twice would have been refused as a 409; a second webhook would have followed the first.
      requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-08-10', check_out: '2026-08-12' }));
      await waitUntil('the next booking webhook', () => ingest.received.length === 3);
      expect(ingest.received.map((d) => d.json.type)).toEqual(['reservation.created', 'reservation.cancelled', 'reservation.created']);
      expect(requireOk(await t.client.listingStats('airbnb', 'L1')).reservations.host_cancellations).toBe(1);
      expect(requireOk(await t.client.stats('airbnb')).calls.host_cancel).toMatchObject({ ok: 1, duplicate: 1 });
    });

    it('a replayed decision gets its first answer even after the state moved on; a new request_id sees the new state', async () => {
      const id = requireOk(await t.client.createBooking('vrbo', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true })).reservation.id;
      const accepted = requireOk(await t.client.decideRequest('vrbo', 'L1', id, { request_id: 'dec-1', decision: 'accept' }));
      requireOk(await t.client.hostCancel('vrbo', 'L1', id, { request_id: 'can-1', reason: 'double booked' }));
      expect(requireOk(await t.client.decideRequest('vrbo', 'L1', id, { request_id: 'dec-1', decision: 'accept' }))).toEqual(accepted);
      expect(await t.client.decideRequest('vrbo', 'L1', id, { request_id: 'dec-2', decision: 'accept' })).toMatchObject({ status: 409, error: { state: 'cancelled' } });
    });

    it('a wrong-state answer is remembered too, and the same request_id with other content is refused', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      const refused = await t.client.decideAlteration('airbnb', 'L1', id, { request_id: 'alt-1', decision: 'accept' });
      expect(refused).toMatchObject({ status: 409, error: { error: 'no_pending_alteration' } });
      requireOk(await t.client.requestAlteration('airbnb', 'L1', id, { check_out: '2026-07-13' }));
      expect(await t.client.decideAlteration('airbnb', 'L1', id, { request_id: 'alt-1', decision: 'accept' })).toEqual(refused);
      expect(await t.client.decideAlteration('airbnb', 'L1', id, { request_id: 'alt-1', decision: 'decline' })).toMatchObject({ status: 409, error: { error: 'request_id_reused' } });
      expect(await t.client.hostCancel('airbnb', 'L1', id, { request_id: 'alt-1', reason: 'x' })).toMatchObject({ status: 409, error: { error: 'request_id_reused' } });
      expect(requireOk(await t.client.reservation('airbnb', 'L1', id))).toMatchObject({ state: 'active', alteration: { check_out: '2026-07-13' } });
    });

    it('a call refused by a fault is not remembered: its retry acts', async () => {
      const id = requireOk(await t.client.createBooking('expedia', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      requireOk(await t.client.setFaults('expedia', { server_errors: { rate: 1, status: 503, endpoints: ['acknowledge'] } }));
      expect(await t.client.acknowledge('expedia', 'L1', id, { request_id: 'ack-1', revision: 1 })).toMatchObject({ status: 503 });
      expect((await t.client.readReservation('expedia', 'L1', id)).status).toBe(200);
      requireOk(await t.client.clearFaults('expedia'));
      expect(requireOk(await t.client.acknowledge('expedia', 'L1', id, { request_id: 'ack-1', revision: 1 })).reservation.acknowledgement).toMatchObject({ pending: null });
      expect(requireOk(await t.client.stats('expedia')).calls.acknowledge).toMatchObject({ ok: 1, failed: 1, duplicate: 0 });
    });
  });

  describe('faults and limits apply as to the ARI endpoints', () => {
    it('an outage and a throttle refuse operations, nothing done', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      requireOk(await t.client.setFaults('airbnb', { outage: { for_seconds: 30 } }));
      expect(await t.client.hostCancel('airbnb', 'L1', id, { request_id: 'c', reason: 'x' })).toMatchObject({ status: 503, error: { error: 'outage' } });
      requireOk(await t.client.setFaults('airbnb', { throttle: { requests: 1, retry_after_seconds: 7 } }));
      expect(await t.client.readReservation('airbnb', 'L1', id)).toMatchObject({ status: 429, retryAfterSeconds: 7 });
      expect(requireOk(await t.client.reservation('airbnb', 'L1', id)).state).toBe('active');
      expect(requireOk(await t.client.stats('airbnb')).calls).toMatchObject({ host_cancel: { failed: 1 }, read_reservation: { throttled: 1 } });
    });

    it('reservation writes have their own per-listing limit (10 a minute by default); reads have none', async () => {
      requireOk(await t.client.setFaults('booking_com', { property_rate_limit: {} }));
      const id = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      for (let i = 0; i < 10; i++) expect((await t.client.acknowledge('booking_com', 'L1', id, { request_id: `a-${i}`, revision: 1 })).status).toBe(200);
      expect(await t.client.acknowledge('booking_com', 'L1', id, { request_id: 'a-10', revision: 1 })).toMatchObject({
        status: 429,
        retryAfterSeconds: 60,
        error: { error: 'rate_limited', message: 'more than the per-listing limit of reservations calls per minute' },
      });
      for (let i = 0; i < 12; i++) expect((await t.client.readReservation('booking_com', 'L1', id)).status).toBe(200);
      expect((await t.client.pushAvailability('booking_com', 'L1', { request_id: 'p', updates: [{ from: '2026-09-01', to: '2026-09-02', available: false }] })).status).toBe(200);
      t.clock.advance(60_000);
      expect((await t.client.acknowledge('booking_com', 'L1', id, { request_id: 'a-10', revision: 1 })).status).toBe(200);
    });
  });
});
