import { channelStatus, channelWebhookPayload, type ChannelWebhookPayload } from '@cm/channel-webhooks';
import { ChannelSymbols } from '@cm/schemas';
import { PLATFORM_CAPABILITIES } from '../src/capabilities';
import { requireOk } from '../src/client';
import { REQUEST_WORDS } from '../src/status-words';
import { registerListing, useTestSimulator } from './support/simulator';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from '@cm/test-harness';

describe('host decisions: requests to book, alterations, host cancellations', () => {
  const ingest = new WebhookReceiver();
  const t = useTestSimulator(ingest);
  beforeEach(async () => {
    for (const channel of ['airbnb', 'booking_com', 'vrbo', 'expedia'] as const) await registerListing(t.client, channel, 'L1');
  });

  const payloads = (): ChannelWebhookPayload[] => ingest.received.map((d) => channelWebhookPayload.parse(d.json));
  const statusesOf = (reservationId: string) => payloads().filter((p) => p.reservation?.id === reservationId).map((p) => [p.type, p.reservation?.status]);
  const nightsHeldBy = async (channel: 'airbnb' | 'vrbo' | 'booking_com', from: string, to: string) =>
    requireOk(await t.client.trueCalendar(channel, 'L1', from, to)).nights.map((n) => n.reservation_id);

  it.each(ChannelSymbols.map((channel) => [channel]))('%s: request words exist exactly where requests do, and mean what they say to ingest', (channel) => {
    const words = REQUEST_WORDS[channel];
    expect(words !== null).toBe(PLATFORM_CAPABILITIES[channel].includes('decide_request'));
    if (!words) return;
    expect(channelStatus(channel, words.pending)).toBe('PENDING');
    expect(channelStatus(channel, words.accepted)).toBe('CONFIRMED');
    // Booking.com's vocabulary has no word for a refused request: its declines are cancellations.
    const refused = channel === 'BOOKING_COM' ? 'CANCELLED' : 'REJECTED';
    expect([channelStatus(channel, words.declined), channelStatus(channel, words.expired)]).toEqual([refused, refused]);
  });

  describe('requests to book', () => {
    it('a request holds its nights as pending and is announced with the pending word; accepting confirms it', async () => {
      const created = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true }));
      expect(created.reservation).toMatchObject({ state: 'pending', status_word: 'pending', revision: 1, request: { decline_reason: null } });
      expect(Date.parse(created.reservation.request!.expires_at) - Date.now()).toBeGreaterThan(23 * 3_600_000);
      expect(channelStatus('AIRBNB', payloads()[0]!.reservation!.status!)).toBe('PENDING');
      // Held: no one else books those nights while the host decides.
      expect(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-11', check_out: '2026-07-13' })).toMatchObject({ status: 409, error: { error: 'nights_unavailable' } });

      const id = created.reservation.id;
      const accepted = requireOk(await t.client.decideRequest('airbnb', 'L1', id, { request_id: 'acc-1', decision: 'accept' }));
      expect(accepted).toMatchObject({ request_id: 'acc-1', operation: 'decide_request', operation_id: expect.stringMatching(/^op_/), reservation: { state: 'active', status_word: 'accepted', revision: 2 } });
      await waitUntil('the acceptance webhook', () => ingest.received.length === 2);
      expect(statusesOf(id)).toEqual([
        ['reservation.created', 'pending'],
        ['reservation.status_changed', 'accepted'],
      ]);
      expect(await nightsHeldBy('airbnb', '2026-07-10', '2026-07-12')).toEqual([id, id]);
      expect(requireOk(await t.client.listingStats('airbnb', 'L1')).reservations).toMatchObject({ requests_received: 1, requests_accepted: 1, requests_declined: 0 });
    });

    it('declining needs a reason, frees the nights and is announced with the declined word; a declined request cannot be decided again', async () => {
      const id = requireOk(await t.client.createBooking('vrbo', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true })).reservation.id;
      expect(await t.client.decideRequest('vrbo', 'L1', id, { request_id: 'd-0', decision: 'decline' })).toMatchObject({
        status: 400,
        error: { message: 'reason: required to decline a request to book' },
      });
      const declined = requireOk(await t.client.decideRequest('vrbo', 'L1', id, { request_id: 'd-1', decision: 'decline', reason: 'dates not available' }));
      expect(declined.reservation).toMatchObject({ state: 'declined', status_word: 'declined', request: { decline_reason: 'dates not available' } });
      expect(await nightsHeldBy('vrbo', '2026-07-10', '2026-07-12')).toEqual([null, null]);
      await waitUntil('the decline webhook', () => ingest.received.length === 2);
      expect(channelStatus('VRBO', payloads()[1]!.reservation!.status!)).toBe('REJECTED');

      expect(await t.client.decideRequest('vrbo', 'L1', id, { request_id: 'd-2', decision: 'accept' })).toMatchObject({
        status: 409,
        error: { error: 'not_pending', state: 'declined', reservation: { id, state: 'declined' } },
      });
      // The guest cannot change or cancel what is no longer a request either.
      expect(await t.client.cancelBooking('vrbo', 'L1', id)).toMatchObject({ status: 409, error: { error: 'request_closed', state: 'declined' } });
    });

    it('deciding an instant booking is a wrong-state 409 carrying its state', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      expect(await t.client.decideRequest('airbnb', 'L1', id, { request_id: 'x', decision: 'decline', reason: 'no' })).toMatchObject({
        status: 409,
        error: { error: 'not_pending', state: 'active', message: 'only a pending request can be declined (it is active)' },
      });
    });

    it('a request nobody answers expires when its window passes: declined by the platform, nights free', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true, request_window_ms: 100 })).reservation.id;
      await waitUntil('the request to expire', () => ingest.received.length === 2);
      expect(statusesOf(id)).toEqual([
        ['reservation.created', 'pending'],
        ['reservation.status_changed', 'expired'],
      ]);
      expect(channelStatus('AIRBNB', 'expired')).toBe('REJECTED');
      expect(requireOk(await t.client.reservation('airbnb', 'L1', id))).toMatchObject({ state: 'expired', revision: 2 });
      expect(await nightsHeldBy('airbnb', '2026-07-10', '2026-07-12')).toEqual([null, null]);
      expect(await t.client.decideRequest('airbnb', 'L1', id, { request_id: 'late', decision: 'accept' })).toMatchObject({ status: 409, error: { state: 'expired' } });
      expect(requireOk(await t.client.listingStats('airbnb', 'L1')).reservations).toMatchObject({ requests_received: 1, requests_expired: 1, requests_accepted: 0 });
    });

    it('an accepted request does not expire afterwards', async () => {
      const id = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true, request_window_ms: 200 })).reservation.id;
      requireOk(await t.client.decideRequest('booking_com', 'L1', id, { request_id: 'a', decision: 'accept' }));
      // Another request, made later with a longer window, expires after the first one's window passed.
      const other = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-08-10', check_out: '2026-08-12', request: true, request_window_ms: 300 })).reservation.id;
      await waitUntil('the other request to expire', () => statusesOf(other).length === 2, 5_000);
      expect(requireOk(await t.client.reservation('booking_com', 'L1', id)).state).toBe('active');
      expect(statusesOf(id)).toEqual([
        ['reservation.created', 'request'],
        ['reservation.status_changed', 'confirmed'],
      ]);
    });

    it('the guest may change or withdraw a pending request; it stays pending meanwhile', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true })).reservation.id;
      expect(requireOk(await t.client.modifyBooking('airbnb', 'L1', id, { check_out: '2026-07-13' })).reservation).toMatchObject({ state: 'pending', status_word: 'pending' });
      expect(requireOk(await t.client.cancelBooking('airbnb', 'L1', id)).reservation).toMatchObject({ state: 'cancelled', cancellation: { by: 'guest', reason: null } });
      expect(await nightsHeldBy('airbnb', '2026-07-10', '2026-07-13')).toEqual([null, null, null]);
    });

    it('Expedia takes no requests to book: 405 naming what it offers', async () => {
      const response = await t.client.createBooking('expedia', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true });
      expect(response).toMatchObject({ status: 405, error: { error: 'operation_not_supported', operation: 'decide_request', supported: ['acknowledge', 'read_reservation'] } });
      expect(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request_window_ms: 5 })).toMatchObject({
        status: 400,
        error: { message: 'request_window_ms: only with request: true' },
      });
    });
  });

  describe('alterations (Airbnb)', () => {
    it('a guest asks for new dates: announced with the dates asked for, the stay keeps its own until the host accepts, then it moves', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      const asked = requireOk(await t.client.requestAlteration('airbnb', 'L1', id, { check_in: '2026-07-11', check_out: '2026-07-14' }));
      expect(asked.reservation).toMatchObject({ check_in: '2026-07-10', check_out: '2026-07-12', revision: 2, alteration: { check_in: '2026-07-11', check_out: '2026-07-14' } });
      await waitUntil('the alteration request webhook', () => ingest.received.length === 2);
      expect(payloads()[1]).toMatchObject({
        type: 'reservation.alteration_requested',
        reservation: { id, revision: 2, check_in: '2026-07-10', check_out: '2026-07-12', alteration: { check_in: '2026-07-11', check_out: '2026-07-14' } },
      });
      expect(await nightsHeldBy('airbnb', '2026-07-10', '2026-07-14')).toEqual([id, id, null, null]);
      expect(await t.client.requestAlteration('airbnb', 'L1', id, { check_out: '2026-07-15' })).toMatchObject({ status: 409, error: { error: 'alteration_not_possible', state: 'active' } });

      const accepted = requireOk(await t.client.decideAlteration('airbnb', 'L1', id, { request_id: 'alt-1', decision: 'accept' }));
      expect(accepted.reservation).toMatchObject({ check_in: '2026-07-11', check_out: '2026-07-14', revision: 3, alteration: null });
      await waitUntil('the modification webhook', () => ingest.received.length === 3);
      expect(payloads()[2]).toMatchObject({ type: 'reservation.modified', reservation: { check_in: '2026-07-11', check_out: '2026-07-14', status: 'accepted' } });
      expect(payloads()[2]!.reservation).not.toHaveProperty('alteration');
      expect(await nightsHeldBy('airbnb', '2026-07-10', '2026-07-14')).toEqual([null, id, id, id]);
    });

    it('declining keeps the stay as it was and announces nothing; deciding with no alteration waiting is a 409', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      requireOk(await t.client.requestAlteration('airbnb', 'L1', id, { check_out: '2026-07-13' }));
      await waitUntil('the alteration request webhook', () => ingest.received.length === 2);
      const declined = requireOk(await t.client.decideAlteration('airbnb', 'L1', id, { request_id: 'alt-1', decision: 'decline' }));
      expect(declined.reservation).toMatchObject({ check_out: '2026-07-12', revision: 2, alteration: null });
      expect(await t.client.decideAlteration('airbnb', 'L1', id, { request_id: 'alt-2', decision: 'accept' })).toMatchObject({
        status: 409,
        error: { error: 'no_pending_alteration', state: 'active' },
      });
      expect(ingest.received).toHaveLength(2);
      expect(requireOk(await t.client.listingStats('airbnb', 'L1')).reservations).toMatchObject({ alterations_requested: 1, alterations_declined: 1, alterations_accepted: 0 });
    });

    it('accepting when the nights were taken meanwhile is refused, and the alteration keeps waiting', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      requireOk(await t.client.requestAlteration('airbnb', 'L1', id, { check_out: '2026-07-14' }));
      requireOk(await t.client.pushAvailability('airbnb', 'L1', { request_id: 'close', updates: [{ from: '2026-07-13', to: '2026-07-14', available: false }] }));
      expect(await t.client.decideAlteration('airbnb', 'L1', id, { request_id: 'alt-1', decision: 'accept' })).toMatchObject({
        status: 409,
        error: { error: 'nights_unavailable', night: '2026-07-13', state: 'active', reservation: { alteration: { check_out: '2026-07-14' } } },
      });
    });

    it('platforms without alteration requests refuse them (405) and keep the direct change', async () => {
      const id = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      expect(await t.client.requestAlteration('booking_com', 'L1', id, { check_out: '2026-07-13' })).toMatchObject({ status: 405, error: { operation: 'decide_alteration' } });
      expect(requireOk(await t.client.modifyBooking('booking_com', 'L1', id, { check_out: '2026-07-13' })).reservation).toMatchObject({ check_out: '2026-07-13', status_word: 'modified' });
    });
  });

  describe('host cancellation', () => {
    it.each(['airbnb', 'vrbo'] as const)('%s: the host cancels a confirmed stay with a reason; its nights come free and it is announced', async (channel) => {
      const id = requireOk(await t.client.createBooking(channel, 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      expect(await t.client.hostCancel(channel, 'L1', id, { request_id: 'c-0', reason: ' ' })).toMatchObject({ status: 400 });
      const cancelled = requireOk(await t.client.hostCancel(channel, 'L1', id, { request_id: 'c-1', reason: 'the boiler broke' }));
      expect(cancelled.reservation).toMatchObject({ state: 'cancelled', status_word: 'cancelled', revision: 2, cancellation: { by: 'host', reason: 'the boiler broke' } });
      expect(await nightsHeldBy(channel, '2026-07-10', '2026-07-12')).toEqual([null, null]);
      await waitUntil('the cancellation webhook', () => ingest.received.length === 2);
      expect(payloads()[1]).toMatchObject({ type: 'reservation.cancelled', reservation: { id, status: 'cancelled', revision: 2 } });

      expect(await t.client.hostCancel(channel, 'L1', id, { request_id: 'c-2', reason: 'again' })).toMatchObject({ status: 409, error: { error: 'not_confirmed', state: 'cancelled' } });
      expect(requireOk(await t.client.listingStats(channel, 'L1')).reservations.host_cancellations).toBe(1);
    });

    it('a pending request is declined, not cancelled', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true })).reservation.id;
      const response = await t.client.hostCancel('airbnb', 'L1', id, { request_id: 'c', reason: 'x' });
      expect(response).toMatchObject({ status: 409, error: { error: 'not_confirmed', state: 'pending' } });
      expect(!response.ok && response.error.message).toContain('a pending request is declined, not cancelled');
    });

    it('cancelling drops an alteration that was waiting', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      requireOk(await t.client.requestAlteration('airbnb', 'L1', id, { check_out: '2026-07-13' }));
      expect(requireOk(await t.client.hostCancel('airbnb', 'L1', id, { request_id: 'c', reason: 'x' })).reservation.alteration).toBeNull();
    });
  });
});
