import { requireOk } from '../src/client';
import { registerListing, startTestSimulator, type TestSimulator } from './support/simulator';

describe('platform ARI API', () => {
  let t: TestSimulator;
  beforeAll(async () => {
    t = await startTestSimulator({ bodyLimitBytes: 4_096 });
  });
  afterAll(() => t.simulator.close());
  beforeEach(async () => {
    requireOk(await t.client.reset());
    await registerListing(t.client, 'airbnb', 'L1');
  });

  describe('POST /{channel}/api/listings/{id}/availability', () => {
    it('closes the nights [from, to) and acks with how many changed', async () => {
      const response = await t.client.pushAvailability('airbnb', 'L1', { request_id: 'a-1', updates: [{ from: '2026-07-01', to: '2026-07-04', available: false }] });
      expect(response.ok && response.value).toEqual({ ack_id: expect.stringMatching(/^ack_/), request_id: 'a-1', listing_id: 'L1', nights_changed: 3 });
      const calendar = requireOk(await t.client.readCalendar('airbnb', 'L1', '2026-06-30', '2026-07-05'));
      expect(calendar.nights.map((n) => [n.date, n.available])).toEqual([
        ['2026-06-30', true],
        ['2026-07-01', false],
        ['2026-07-02', false],
        ['2026-07-03', false],
        ['2026-07-04', true],
      ]);
    });

    it('counts only nights that really changed, applying overlapping updates in order', async () => {
      requireOk(await t.client.pushAvailability('airbnb', 'L1', { request_id: 'a-1', updates: [{ from: '2026-07-01', to: '2026-07-03', available: false }] }));
      const ack = requireOk(
        await t.client.pushAvailability('airbnb', 'L1', {
          request_id: 'a-2',
          updates: [
            { from: '2026-07-01', to: '2026-07-05', available: false },
            { from: '2026-07-04', to: '2026-07-05', available: true },
          ],
        }),
      );
      // 07-01 and 07-02 were closed already, 07-04 ends open as it was: only 07-03 changed.
      expect(ack.nights_changed).toBe(1);
    });

    it('answers 404 for a listing the channel does not know', async () => {
      const response = await t.client.pushAvailability('airbnb', 'nope', { request_id: 'a-1', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] });
      expect(response).toMatchObject({ ok: false, status: 404, error: { error: 'listing_not_found' } });
    });

    it.each([
      ['to before from', { request_id: 'x', updates: [{ from: '2026-07-05', to: '2026-07-01', available: false }] }, 'updates.0.to: must be after from (to is exclusive)'],
      ['an empty range', { request_id: 'x', updates: [{ from: '2026-07-05', to: '2026-07-05', available: false }] }, 'updates.0.to: must be after from'],
      ['a range over 731 nights', { request_id: 'x', updates: [{ from: '2026-01-01', to: '2028-01-03', available: false }] }, 'updates.0.to: range covers 732 nights, at most 731'],
      ['a date that does not exist', { request_id: 'x', updates: [{ from: '2026-02-29', to: '2026-03-02', available: false }] }, "updates.0.from: expected a date YYYY-MM-DD, got '2026-02-29'"],
      ['no updates', { request_id: 'x', updates: [] }, 'updates: '],
      ['no request_id', { updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] }, 'request_id: '],
      ['an unknown field', { request_id: 'x', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false, reason: 'x' }] }, 'updates.0: '],
    ])('answers 400 for %s, naming the field', async (_case, body, message) => {
      const response = await t.client.pushAvailability('airbnb', 'L1', body as never);
      expect(response).toMatchObject({ ok: false, status: 400, error: { error: 'invalid_request' } });
      expect(!response.ok && response.error.message).toContain(message);
    });

    it('answers 413 past the body limit and 400 for malformed JSON', async () => {
      const big = { request_id: 'x', updates: Array.from({ length: 100 }, () => ({ from: '2026-07-01', to: '2026-07-02', available: false })) };
      expect(await t.client.pushAvailability('airbnb', 'L1', big)).toMatchObject({ status: 413, error: { error: 'body_too_large' } });
      const malformed = await fetch(`${t.simulator.url}/airbnb/api/listings/L1/availability`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"request_id":' });
      expect({ status: malformed.status, body: await malformed.json() }).toMatchObject({ status: 400, body: { error: 'malformed_body' } });
    });

    it('counts refused calls as rejected in the stats', async () => {
      await t.client.pushAvailability('airbnb', 'nope', { request_id: 'a', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] });
      await t.client.pushAvailability('airbnb', 'L1', { request_id: 'b', updates: [] });
      const stats = requireOk(await t.client.stats('airbnb'));
      expect(stats.calls.availability).toEqual({ ok: 0, duplicate: 0, lost: 0, throttled: 0, failed: 0, rejected: 2 });
    });
  });

  describe('POST /{channel}/api/listings/{id}/rates', () => {
    it('sets price and min_stay, each independently', async () => {
      requireOk(
        await t.client.pushRates('airbnb', 'L1', {
          request_id: 'r-1',
          updates: [
            { from: '2026-07-01', to: '2026-07-03', price: { amount_minor: 12_500, currency: 'EUR' } },
            { from: '2026-07-02', to: '2026-07-04', min_stay: 3 },
          ],
        }),
      );
      const calendar = requireOk(await t.client.readCalendar('airbnb', 'L1', '2026-07-01', '2026-07-04'));
      expect(calendar.nights).toEqual([
        { date: '2026-07-01', available: true, price: { amount_minor: 12_500, currency: 'EUR' }, min_stay: 1 },
        { date: '2026-07-02', available: true, price: { amount_minor: 12_500, currency: 'EUR' }, min_stay: 3 },
        { date: '2026-07-03', available: true, price: null, min_stay: 3 },
      ]);
    });

    it('refuses a price in another currency than the listing', async () => {
      const response = await t.client.pushRates('airbnb', 'L1', { request_id: 'r-1', updates: [{ from: '2026-07-01', to: '2026-07-02', price: { amount_minor: 100, currency: 'USD' } }] });
      expect(response).toMatchObject({ status: 400, error: { error: 'currency_mismatch', listing_currency: 'EUR' } });
    });

    it.each([
      ['neither price nor any rule', { from: '2026-07-01', to: '2026-07-02' }, 'updates.0: give at least one of price, min_stay_arrival, min_stay_through, max_stay, closed_to_arrival, closed_to_departure, stop_sell'],
      ['a fractional amount', { from: '2026-07-01', to: '2026-07-02', price: { amount_minor: 10.5, currency: 'EUR' } }, 'updates.0.price.amount_minor'],
      ['a made-up currency', { from: '2026-07-01', to: '2026-07-02', price: { amount_minor: 1, currency: 'XYZ' } }, 'not an ISO 4217 currency'],
      ['min_stay 0', { from: '2026-07-01', to: '2026-07-02', min_stay: 0 }, 'updates.0.min_stay'],
    ])('answers 400 for %s', async (_case, update, message) => {
      const response = await t.client.pushRates('airbnb', 'L1', { request_id: 'r-1', updates: [update as never] });
      expect(response.status).toBe(400);
      expect(!response.ok && response.error.message).toContain(message);
    });

    it('answers 404 for an unknown listing', async () => {
      const response = await t.client.pushRates('airbnb', 'nope', { request_id: 'r-1', updates: [{ from: '2026-07-01', to: '2026-07-02', min_stay: 2 }] });
      expect(response).toMatchObject({ status: 404, error: { error: 'listing_not_found' } });
    });
  });

  describe('GET /{channel}/api/listings/{id}/calendar', () => {
    it('reads up to 366 nights with defaults for nights never set', async () => {
      const calendar = requireOk(await t.client.readCalendar('airbnb', 'L1', '2026-01-01', '2027-01-02'));
      expect(calendar).toMatchObject({ listing_id: 'L1', from: '2026-01-01', to: '2027-01-02' });
      expect(calendar.nights).toHaveLength(366);
      expect(calendar.nights[365]).toEqual({ date: '2027-01-01', available: true, price: null, min_stay: 1 });
    });

    it('answers 400 past 366 nights, for a reversed range and without dates', async () => {
      expect(await t.client.readCalendar('airbnb', 'L1', '2026-01-01', '2027-01-03')).toMatchObject({ status: 400, error: { message: 'query.to: range covers 367 nights, at most 366' } });
      expect(await t.client.readCalendar('airbnb', 'L1', '2026-01-02', '2026-01-01')).toMatchObject({ status: 400, error: { error: 'invalid_request' } });
      const bare = await fetch(`${t.simulator.url}/airbnb/api/listings/L1/calendar`);
      expect(bare.status).toBe(400);
    });

    it('answers 404 for an unknown listing, and for a channel the simulator does not play', async () => {
      expect(await t.client.readCalendar('airbnb', 'nope', '2026-01-01', '2026-01-02')).toMatchObject({ status: 404, error: { error: 'listing_not_found' } });
      const unknown = await fetch(`${t.simulator.url}/hometogo/api/listings/L1/calendar?from=2026-01-01&to=2026-01-02`);
      expect({ status: unknown.status, body: await unknown.json() }).toMatchObject({ status: 404, body: { error: 'unknown_channel' } });
    });
  });
});
