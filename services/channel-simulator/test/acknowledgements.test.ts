import { channelWebhookPayload } from '@cm/channel-webhooks';
import { requireOk } from '../src/client';
import { registerListing, useTestSimulator } from './support/simulator';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from '@cm/test-harness';

describe('acknowledgements (Booking.com, Expedia): what is not acknowledged stays queued and is sent again', () => {
  const ingest = new WebhookReceiver();
  // Re-delivery every 50 ms, three times at most: a platform's schedule, compressed.
  const t = useTestSimulator(ingest, { reservations: { redeliveryMs: 50, maxRedeliveries: 3 } });
  beforeEach(async () => {
    for (const channel of ['airbnb', 'booking_com', 'expedia'] as const) await registerListing(t.client, channel, 'L1');
  });

  const deliveriesOf = (reservationId: string) =>
    ingest.received.map((d) => channelWebhookPayload.parse(d.json)).filter((p) => p.reservation?.id === reservationId);

  it('each announced revision waits for acknowledgement; acknowledging it clears it and is counted', async () => {
    const id = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
    expect(requireOk(await t.client.reservation('booking_com', 'L1', id)).acknowledgement).toMatchObject({
      acknowledged_revision: 0,
      pending: { revision: 1, event_type: 'reservation.created' },
    });
    const acked = requireOk(await t.client.acknowledge('booking_com', 'L1', id, { request_id: 'ack-1', revision: 1 }));
    expect(acked.reservation.acknowledgement).toMatchObject({ acknowledged_revision: 1, pending: null });

    requireOk(await t.client.modifyBooking('booking_com', 'L1', id, { check_out: '2026-07-13' }));
    requireOk(await t.client.cancelBooking('booking_com', 'L1', id));
    expect(requireOk(await t.client.reservation('booking_com', 'L1', id)).acknowledgement).toMatchObject({ acknowledged_revision: 1, pending: { revision: 3, event_type: 'reservation.cancelled' } });
    requireOk(await t.client.acknowledge('booking_com', 'L1', id, { request_id: 'ack-3', revision: 3 }));
    expect(requireOk(await t.client.listingStats('booking_com', 'L1')).reservations.acknowledgements).toBe(2);
    expect(requireOk(await t.client.stats('booking_com')).reservations.acknowledgements).toBe(2);
  });

  it('acknowledging a revision a newer one superseded, or one never announced, is a 409 with the state', async () => {
    const id = requireOk(await t.client.createBooking('expedia', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
    requireOk(await t.client.modifyBooking('expedia', 'L1', id, { check_out: '2026-07-13' }));
    expect(await t.client.acknowledge('expedia', 'L1', id, { request_id: 'a-1', revision: 1 })).toMatchObject({
      status: 409,
      error: { error: 'revision_superseded', state: 'active', reservation: { acknowledgement: { pending: { revision: 2 } } } },
    });
    expect(await t.client.acknowledge('expedia', 'L1', id, { request_id: 'a-5', revision: 5 })).toMatchObject({ status: 409, error: { error: 'revision_unknown', state: 'active' } });
    requireOk(await t.client.acknowledge('expedia', 'L1', id, { request_id: 'a-2', revision: 2 }));
    // Acknowledging what was acknowledged already changes nothing and is not an error.
    expect(requireOk(await t.client.acknowledge('expedia', 'L1', id, { request_id: 'a-2b', revision: 1 })).reservation.acknowledgement).toMatchObject({ acknowledged_revision: 2, pending: null });
    expect(requireOk(await t.client.listingStats('expedia', 'L1')).reservations.acknowledgements).toBe(1);
  });

  it('an unacknowledged revision is re-delivered as sent (same event_id), at most the limit, and every re-delivery is counted', async () => {
    const booked = requireOk(await t.client.createBooking('expedia', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' }));
    const id = booked.reservation.id;
    await waitUntil('three re-deliveries', () => deliveriesOf(id).length === 4);
    expect(new Set(deliveriesOf(id).map((p) => p.event_id))).toEqual(new Set([booked.webhook!.event_id]));
    const view = requireOk(await t.client.reservation('expedia', 'L1', id));
    expect(view.acknowledgement).toMatchObject({ pending: { revision: 1, redeliveries: 3 }, redeliveries: 3 });
    expect(requireOk(await t.client.listingStats('expedia', 'L1')).reservations.redeliveries).toBe(3);
    expect(requireOk(await t.client.stats('expedia')).reservations.redeliveries).toBe(3);
  });

  it('acknowledging stops the re-deliveries of that revision; a newer revision starts its own', async () => {
    const id = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
    await waitUntil('one re-delivery', () => deliveriesOf(id).length === 2);
    requireOk(await t.client.acknowledge('booking_com', 'L1', id, { request_id: 'ack-1', revision: 1 }));
    // The modification's webhook waits behind any delivery of revision 1 still under way.
    const modified = requireOk(await t.client.modifyBooking('booking_com', 'L1', id, { check_out: '2026-07-13' }));
    const revisionOneDeliveries = deliveriesOf(id).filter((p) => p.reservation?.revision === 1).length;
    // Revision 2 is re-delivered 50 ms after it was sent: a re-delivery of revision 1 would have come before.
    await waitUntil('revision 2 re-delivered', () => deliveriesOf(id).filter((p) => p.event_id === modified.webhook!.event_id).length === 2);
    expect(deliveriesOf(id).filter((p) => p.reservation?.revision === 1)).toHaveLength(revisionOneDeliveries);
    expect(requireOk(await t.client.reservation('booking_com', 'L1', id)).acknowledgement).toMatchObject({ acknowledged_revision: 1, pending: { revision: 2 } });
  });

  it('platforms without an acknowledgement queue have nothing pending and refuse acknowledgements (405)', async () => {
    const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
    expect(requireOk(await t.client.reservation('airbnb', 'L1', id)).acknowledgement).toBeNull();
    expect(await t.client.acknowledge('airbnb', 'L1', id, { request_id: 'a', revision: 1 })).toMatchObject({
      status: 405,
      error: { error: 'operation_not_supported', operation: 'acknowledge' },
    });
  });
});
