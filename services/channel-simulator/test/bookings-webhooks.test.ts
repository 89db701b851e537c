import { channelStatus, channelWebhookPayload, verifyWebhookSignature, WEBHOOK_HEADERS } from '@cm/channel-webhooks';
import { requireOk } from '../src/client';
import { registerListing, SECRET, useTestSimulator } from './support/simulator';
import { closedPort, WebhookReceiver, type ReceivedWebhook } from '@cm/test-harness';

describe('guest bookings announced by signed webhook', () => {
  const ingest = new WebhookReceiver();
  const t = useTestSimulator(ingest);
  beforeEach(async () => {
    ingest.answerWith({ status: 202, body: { accepted: true } });
    await registerListing(t.client, 'airbnb', 'L1');
  });

  const signatureProblem = (delivery: ReceivedWebhook) =>
    verifyWebhookSignature({
      secret: SECRET,
      rawBody: delivery.rawBody,
      timestamp: delivery.headers[WEBHOOK_HEADERS.timestamp] as string | undefined,
      signature: delivery.headers[WEBHOOK_HEADERS.signature] as string | undefined,
      nowMs: Date.now(),
    });

  it('a booking closes its nights and posts reservation.created: signed, per the contract, to /webhooks/{channel}', async () => {
    const before = Date.now();
    const answer = requireOk(
      await t.client.createBooking('airbnb', 'L1', {
        reservation_id: 'HMTEST0001',
        check_in: '2026-07-10',
        check_out: '2026-07-13',
        guest: { name: 'Ana Lima', email: 'ana@example.org', phone: '+351 900 000 000' },
        total: { amount: '450.00', currency: 'EUR' },
      }),
    );

    expect(ingest.received).toHaveLength(1);
    const delivery = ingest.received[0]!;
    expect(delivery.path).toBe('/webhooks/airbnb');
    expect(delivery.headers[WEBHOOK_HEADERS.connection]).toBe('conn-airbnb-L1');
    expect(signatureProblem(delivery)).toBeNull();
    expect(verifyWebhookSignature({ secret: 'another-secret', rawBody: delivery.rawBody, timestamp: delivery.headers[WEBHOOK_HEADERS.timestamp] as string, signature: delivery.headers[WEBHOOK_HEADERS.signature] as string, nowMs: Date.now() })).toBe('signature_mismatch');

    const payload = channelWebhookPayload.parse(delivery.json);
    expect(payload).toMatchObject({
      type: 'reservation.created',
      listing_id: 'L1',
      reservation: {
        id: 'HMTEST0001',
        revision: 1,
        status: 'accepted',
        check_in: '2026-07-10',
        check_out: '2026-07-13',
        total: { amount: '450.00', currency: 'EUR' },
        guest: { name: 'Ana Lima', email: 'ana@example.org', phone: '+351 900 000 000' },
      },
    });
    expect(channelStatus('AIRBNB', payload.reservation!.status!)).toBe('CONFIRMED');

    expect(answer.reservation).toMatchObject({ id: 'HMTEST0001', state: 'active', nights: 3, revision: 1 });
    expect(answer.webhook).toMatchObject({ event_id: payload.event_id, outcome: 'delivered', attempts: 1, response: { status: 202, body: { accepted: true } }, error: null });
    expect(answer.webhook!.sent_at_ms).toBeGreaterThanOrEqual(before);
    expect(answer.webhook!.sent_at_ms).toBeLessThanOrEqual(Date.now());

    const nights = requireOk(await t.client.trueCalendar('airbnb', 'L1', '2026-07-09', '2026-07-14')).nights;
    expect(nights.map((n) => [n.date, n.available, n.reservation_id])).toEqual([
      ['2026-07-09', true, null],
      ['2026-07-10', false, 'HMTEST0001'],
      ['2026-07-11', false, 'HMTEST0001'],
      ['2026-07-12', false, 'HMTEST0001'],
      ['2026-07-13', true, null],
    ]);
  });

  it('without a reservation_id or total, the platform makes an id of its own shape and prices the stay from its calendar', async () => {
    requireOk(await t.client.pushRates('airbnb', 'L1', { request_id: 'p', updates: [{ from: '2026-07-01', to: '2026-07-31', price: { amount_minor: 12_345, currency: 'EUR' } }] }));
    const answer = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' }));
    expect(answer.reservation.id).toMatch(/^HM[A-Z0-9]{8}$/);
    expect(answer.reservation.total).toEqual({ amount: '246.90', currency: 'EUR' });
  });

  it('refuses nights closed in its own calendar with 409, and sends no webhook', async () => {
    requireOk(await t.client.pushAvailability('airbnb', 'L1', { request_id: 'c', updates: [{ from: '2026-07-12', to: '2026-07-13', available: false }] }));
    const refused = await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-14' });
    expect(refused).toMatchObject({ status: 409, error: { error: 'nights_unavailable', night: '2026-07-12' } });

    requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-01', check_out: '2026-07-05' }));
    const overlapping = await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-04', check_out: '2026-07-06' });
    expect(overlapping).toMatchObject({ status: 409, error: { night: '2026-07-04' } });
    expect(ingest.received.map((d) => d.json.type)).toEqual(['reservation.created']);
    expect(requireOk(await t.client.reservations('airbnb', 'L1')).reservations).toHaveLength(1);
  });

  it('modify, guest update and cancel each post their event with a growing revision; cancelling reopens the nights', async () => {
    const created = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', guest: { name: 'Bo' } }));
    const id = created.reservation.id;
    const modified = requireOk(await t.client.modifyBooking('airbnb', 'L1', id, { check_out: '2026-07-14' }));
    expect(modified.reservation).toMatchObject({ check_in: '2026-07-10', check_out: '2026-07-14', revision: 2 });
    const guest = requireOk(await t.client.updateGuest('airbnb', 'L1', id, { phone: '+44 7000 000000' }));
    expect(guest.reservation.guest).toMatchObject({ name: 'Bo', phone: '+44 7000 000000' });
    const cancelled = requireOk(await t.client.cancelBooking('airbnb', 'L1', id));
    expect(cancelled.reservation).toMatchObject({ state: 'cancelled', status_word: 'cancelled', revision: 4 });

    const payloads = ingest.received.map((d) => channelWebhookPayload.parse(d.json));
    expect(payloads.map((p) => [p.type, p.reservation?.revision, p.reservation?.status, p.reservation?.check_out])).toEqual([
      ['reservation.created', 1, 'accepted', '2026-07-12'],
      ['reservation.modified', 2, 'accepted', '2026-07-14'],
      ['guest.updated', 3, 'accepted', '2026-07-14'],
      ['reservation.cancelled', 4, 'cancelled', '2026-07-14'],
    ]);
    expect(new Set(payloads.map((p) => p.event_id)).size).toBe(4);
    expect(channelStatus('AIRBNB', payloads[3]!.reservation!.status!)).toBe('CANCELLED');

    const nights = requireOk(await t.client.trueCalendar('airbnb', 'L1', '2026-07-10', '2026-07-14')).nights;
    expect(nights.every((n) => n.available && n.reservation_id === null)).toBe(true);
  });

  it('moving a stay only needs the nights it does not hold yet; nights it leaves reopen', async () => {
    const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-13' })).reservation.id;
    requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-14', check_out: '2026-07-16' }));
    expect(await t.client.modifyBooking('airbnb', 'L1', id, { check_out: '2026-07-15' })).toMatchObject({ status: 409, error: { night: '2026-07-14' } });
    requireOk(await t.client.modifyBooking('airbnb', 'L1', id, { check_in: '2026-07-11', check_out: '2026-07-14' }));
    const nights = requireOk(await t.client.trueCalendar('airbnb', 'L1', '2026-07-10', '2026-07-14')).nights;
    expect(nights.map((n) => n.reservation_id === id)).toEqual([false, true, true, true]);
    expect(nights[0]!.available).toBe(true);
  });

  it('cancelling leaves nights the host closed meanwhile closed', async () => {
    const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
    requireOk(await t.client.pushAvailability('airbnb', 'L1', { request_id: 'block', updates: [{ from: '2026-07-11', to: '2026-07-12', available: false }] }));
    requireOk(await t.client.cancelBooking('airbnb', 'L1', id));
    const nights = requireOk(await t.client.trueCalendar('airbnb', 'L1', '2026-07-10', '2026-07-12')).nights;
    expect(nights.map((n) => [n.available, n.closed_by_host])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('webhook retry on 503 keeps the event_id; each attempt is signed afresh', async () => {
    ingest.answerWith({ status: 503, body: { error: 'busy' } }, { status: 503 }, { status: 200, body: { ok: true } });
    const answer = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    expect(ingest.received).toHaveLength(3);
    const eventIds = ingest.received.map((d) => d.json.event_id);
    expect(new Set(eventIds)).toEqual(new Set([answer.webhook!.event_id]));
    expect(ingest.received.every((d) => signatureProblem(d) === null)).toBe(true);
    expect(answer.webhook).toMatchObject({ outcome: 'delivered', attempts: 3, response: { status: 200, body: { ok: true } } });
    expect(answer.webhook!.attempt_log.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(answer.webhook!.sent_at_ms).toBe(answer.webhook!.attempt_log[0]!.at_ms);
    expect(requireOk(await t.client.stats('airbnb')).webhooks).toEqual({ delivered: 1, refused: 0, failed: 0, attempts: 3 });
  });

  it('429 (over the tenant rate) and 409 event_in_progress from ingest are retried, as platforms do', async () => {
    ingest.answerWith({ status: 429, body: { code: 'rate_limited' } }, { status: 409, body: { code: 'event_in_progress' } }, { status: 202, body: { status: 'accepted' } });
    const answer = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    expect(answer.webhook).toMatchObject({ outcome: 'delivered', attempts: 3 });
    expect(answer.webhook!.attempt_log.map((a) => a.status)).toEqual([429, 409, 202]);
    expect(new Set(ingest.received.map((d) => d.json.event_id)).size).toBe(1);
  });

  it('a 4xx from ingest is an answer: not retried, reported with its body', async () => {
    ingest.answerWith({ status: 401, body: { error: 'signature_mismatch' } });
    const answer = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    expect(ingest.received).toHaveLength(1);
    expect(answer.webhook).toMatchObject({ outcome: 'refused', attempts: 1, response: { status: 401, body: { error: 'signature_mismatch' } } });
    // The platform booked the stay all the same, as a real one would.
    expect(answer.reservation.state).toBe('active');
  });

  it('5xx every time: gives up after the attempts allowed, reporting the last answer', async () => {
    ingest.answerWith({ status: 500, body: 'boom' });
    const answer = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    expect(ingest.received).toHaveLength(4);
    expect(answer.webhook).toMatchObject({ outcome: 'failed', attempts: 4, response: { status: 500, body: 'boom' } });
  });

  it('network errors are retried too, and reported', async () => {
    const deadUrl = `http://127.0.0.1:${await closedPort()}/webhooks/airbnb`;
    await registerListing(t.client, 'airbnb', 'L2', deadUrl);
    const answer = requireOk(await t.client.createBooking('airbnb', 'L2', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    expect(answer.webhook).toMatchObject({ outcome: 'failed', attempts: 4, response: null, url: deadUrl });
    expect(answer.webhook!.error).toContain('ECONNREFUSED');
  });

  it('a listing can send its webhooks to its own URL', async () => {
    await registerListing(t.client, 'airbnb', 'L3', `${t.ingestUrl}/elsewhere`);
    requireOk(await t.client.createBooking('airbnb', 'L3', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    expect(ingest.received.map((d) => d.path)).toEqual(['/elsewhere']);
  });

  describe('4xx of the booking endpoints', () => {
    it.each([
      ['check_out before check_in', { check_in: '2026-07-10', check_out: '2026-07-09' }, 'check_out: must be after check_in'],
      ['a stay over 365 nights', { check_in: '2026-01-01', check_out: '2027-01-02' }, 'check_out: range covers 366 nights, at most 365'],
      ['a bad total', { check_in: '2026-07-10', check_out: '2026-07-11', total: { amount: '1' } }, 'total.currency'],
      ['an unknown guest field', { check_in: '2026-07-10', check_out: '2026-07-11', guest: { age: 3 } }, 'guest: '],
    ])('400 for %s', async (_case, body, message) => {
      const response = await t.client.createBooking('airbnb', 'L1', body as never);
      expect(response.status).toBe(400);
      expect(!response.ok && response.error.message).toContain(message);
    });

    it('404 for an unknown listing or reservation, 409 for a reused reservation id or a cancelled stay', async () => {
      expect(await t.client.createBooking('airbnb', 'nope', { check_in: '2026-07-10', check_out: '2026-07-11' })).toMatchObject({ status: 404, error: { error: 'listing_not_found' } });
      expect(await t.client.cancelBooking('airbnb', 'L1', 'HMNOSUCH00')).toMatchObject({ status: 404, error: { error: 'reservation_not_found' } });
      expect(await t.client.modifyBooking('airbnb', 'L1', 'HMNOSUCH00', { check_out: '2026-07-12' })).toMatchObject({ status: 404 });
      expect(await t.client.updateGuest('airbnb', 'L1', 'HMNOSUCH00', { name: 'x' })).toMatchObject({ status: 404 });

      requireOk(await t.client.createBooking('airbnb', 'L1', { reservation_id: 'R1', check_in: '2026-07-10', check_out: '2026-07-11' }));
      expect(await t.client.createBooking('airbnb', 'L1', { reservation_id: 'R1', check_in: '2026-08-10', check_out: '2026-08-11' })).toMatchObject({ status: 409, error: { error: 'reservation_exists' } });
      requireOk(await t.client.cancelBooking('airbnb', 'L1', 'R1'));
      expect(await t.client.cancelBooking('airbnb', 'L1', 'R1')).toMatchObject({ status: 409, error: { error: 'reservation_cancelled' } });
      expect(await t.client.modifyBooking('airbnb', 'L1', 'R1', { check_out: '2026-07-12' })).toMatchObject({ status: 409, error: { error: 'reservation_cancelled' } });
      expect(ingest.received.map((d) => d.json.type)).toEqual(['reservation.created', 'reservation.cancelled']);
    });

    it('400 for an empty modification, a modification reversing the stay, and an empty guest update', async () => {
      const id = requireOk(await t.client.createBooking('airbnb', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12' })).reservation.id;
      expect(await t.client.modifyBooking('airbnb', 'L1', id, {})).toMatchObject({ status: 400, error: { message: 'give check_in, check_out or total' } });
      expect(await t.client.modifyBooking('airbnb', 'L1', id, { check_in: '2026-07-12' })).toMatchObject({ status: 400, error: { message: 'check_out: must be after check_in (check_out is exclusive)' } });
      expect(await t.client.updateGuest('airbnb', 'L1', id, {})).toMatchObject({ status: 400, error: { message: 'give name, email, phone, address or language' } });
    });
  });
});
