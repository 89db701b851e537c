import { requireOk } from '../src/client';
import { SimulatorApiError } from '../src/errors';
import { registerListing, startTestSimulator, type TestSimulator } from './support/simulator';
import { WebhookReceiver } from '@cm/test-harness';

describe('admin API: listings, the truth, reset', () => {
  let t: TestSimulator;
  const ingest = new WebhookReceiver();
  let ingestUrl: string;
  beforeAll(async () => {
    ingestUrl = await ingest.start();
    // A trailing slash is tolerated: webhook URLs are `${INGEST_URL}/webhooks/{channel}` all the same.
    t = await startTestSimulator({ ingestUrl: `${ingestUrl}/` });
  });
  afterAll(async () => {
    await t.simulator.close();
    await ingest.stop();
  });
  beforeEach(async () => {
    requireOk(await t.client.reset());
  });

  it('PUT registers a listing (201), PUT again updates it (200) and keeps its calendar; GET reads it without the secret', async () => {
    const created = await t.client.registerListing('vrbo', 'V1', { connection_id: 'c-1', secret: 'shh', currency: 'EUR' });
    expect(created).toMatchObject({
      status: 201,
      value: { channel: 'vrbo', listing_id: 'V1', connection_id: 'c-1', currency: 'EUR', time_zone: 'UTC', webhook_url: `${ingestUrl}/webhooks/vrbo` },
    });
    requireOk(await t.client.pushAvailability('vrbo', 'V1', { request_id: 'r', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] }));
    const updated = await t.client.registerListing('vrbo', 'V1', { connection_id: 'c-2', secret: 'shh', currency: 'EUR', time_zone: 'America/New_York', webhook_url: 'http://127.0.0.1:1234/hook' });
    expect(updated).toMatchObject({ status: 200, value: { connection_id: 'c-2', time_zone: 'America/New_York', webhook_url: 'http://127.0.0.1:1234/hook' } });
    const read = requireOk(await t.client.getListing('vrbo', 'V1'));
    expect(JSON.stringify(read)).not.toContain('shh');
    expect(requireOk(await t.client.readCalendar('vrbo', 'V1', '2026-07-01', '2026-07-02')).nights[0]!.available).toBe(false);
  });

  it.each([
    ['a lower-case currency', { connection_id: 'c', secret: 's', currency: 'eur' }, 'currency: expected an ISO 4217 code like EUR'],
    ['an unknown time zone', { connection_id: 'c', secret: 's', currency: 'EUR', time_zone: 'Mars/Olympus' }, 'time_zone: not an IANA time zone'],
    ['no secret', { connection_id: 'c', currency: 'EUR' }, 'secret: '],
    ['a webhook URL that is not http', { connection_id: 'c', secret: 's', currency: 'EUR', webhook_url: 'ftp://x/y' }, 'webhook_url: '],
  ])('PUT answers 400 for %s', async (_case, body, message) => {
    const response = await t.client.registerListing('vrbo', 'V1', body as never);
    expect(response.status).toBe(400);
    expect(!response.ok && response.error.message).toContain(message);
  });

  it("PUT refuses to change the currency of a listing that has prices (409)", async () => {
    await registerListing(t.client, 'vrbo', 'V1');
    requireOk(await t.client.registerListing('vrbo', 'V1', { connection_id: 'c', secret: 's', currency: 'GBP' }));
    requireOk(await t.client.pushRates('vrbo', 'V1', { request_id: 'r', updates: [{ from: '2026-07-01', to: '2026-07-02', price: { amount_minor: 100, currency: 'GBP' } }] }));
    expect(await t.client.registerListing('vrbo', 'V1', { connection_id: 'c', secret: 's', currency: 'EUR' })).toMatchObject({ status: 409, error: { error: 'currency_locked' } });
  });

  it('GET listing, calendar, reservations and feed answer 404 for an unknown listing', async () => {
    expect((await t.client.getListing('vrbo', 'nope')).status).toBe(404);
    expect((await t.client.trueCalendar('vrbo', 'nope', '2026-07-01', '2026-07-02')).status).toBe(404);
    expect((await t.client.reservations('vrbo', 'nope')).status).toBe(404);
    expect((await t.client.feed('vrbo', 'nope')).status).toBe(404);
  });

  it('the admin calendar is the truth: why each night is closed, and 400 for a bad range', async () => {
    await registerListing(t.client, 'vrbo', 'V1');
    requireOk(await t.client.pushAvailability('vrbo', 'V1', { request_id: 'r', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] }));
    const stay = requireOk(await t.client.createBooking('vrbo', 'V1', { check_in: '2026-07-02', check_out: '2026-07-03' })).reservation.id;
    const nights = requireOk(await t.client.trueCalendar('vrbo', 'V1', '2026-07-01', '2026-07-04')).nights;
    expect(nights.map((n) => [n.available, n.closed_by_host, n.reservation_id])).toEqual([
      [false, true, null],
      [false, false, stay],
      [true, false, null],
    ]);
    expect(await t.client.trueCalendar('vrbo', 'V1', '2026-07-04', '2026-07-01')).toMatchObject({ status: 400, error: { error: 'invalid_request' } });
  });

  it('reservations lists every stay, cancelled ones too; the feed (the iCal seam) shows active stays and host blocks', async () => {
    await registerListing(t.client, 'vrbo', 'V1');
    requireOk(await t.client.pushAvailability('vrbo', 'V1', { request_id: 'r', updates: [{ from: '2026-07-20', to: '2026-07-23', available: false }, { from: '2026-07-23', to: '2026-07-24', available: false }] }));
    requireOk(await t.client.createBooking('vrbo', 'V1', { reservation_id: 'A', check_in: '2026-07-10', check_out: '2026-07-12', guest: { name: 'Cy' } }));
    requireOk(await t.client.createBooking('vrbo', 'V1', { reservation_id: 'B', check_in: '2026-07-01', check_out: '2026-07-03' }));
    requireOk(await t.client.cancelBooking('vrbo', 'V1', 'B'));

    const listed = requireOk(await t.client.reservations('vrbo', 'V1')).reservations;
    expect(listed.map((r) => [r.id, r.state])).toEqual([
      ['A', 'active'],
      ['B', 'cancelled'],
    ]);
    const feed = requireOk(await t.client.feed('vrbo', 'V1'));
    expect(feed).toMatchObject({ channel: 'VRBO', listing_id: 'V1', time_zone: 'Europe/Lisbon' });
    expect(feed.stays).toEqual([{ reservation_id: 'A', start: '2026-07-10', end: '2026-07-12', guest_name: 'Cy', revision: 1, updated_at: expect.any(String) }]);
    expect(feed.blocks).toEqual([{ start: '2026-07-20', end: '2026-07-24' }]);
  });

  it('reset forgets listings, request_ids, faults and counters', async () => {
    await registerListing(t.client, 'vrbo', 'V1');
    requireOk(await t.client.pushAvailability('vrbo', 'V1', { request_id: 'r', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] }));
    requireOk(await t.client.setFaults('vrbo', { throttle: { requests: 100 } }));
    expect((await t.client.reset()).status).toBe(204);

    expect((await t.client.getListing('vrbo', 'V1')).status).toBe(404);
    expect(requireOk(await t.client.getFaults('vrbo')).plan).toBeNull();
    expect(requireOk(await t.client.stats('vrbo')).calls.availability).toEqual({ ok: 0, duplicate: 0, lost: 0, throttled: 0, failed: 0, rejected: 0 });
    await registerListing(t.client, 'vrbo', 'V1');
    // The request_id is new again: applied, not answered from the ledger.
    expect(requireOk(await t.client.pushAvailability('vrbo', 'V1', { request_id: 'r', updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] })).nights_changed).toBe(1);
  });

  it('unknown routes answer 404 with a JSON body; requireOk throws a SimulatorApiError saying what came back', async () => {
    const response = await fetch(`${t.simulator.url}/admin/vrbo/nothing-here`);
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 404, body: { error: 'not_found', message: 'no route GET /admin/vrbo/nothing-here' } });
    const refused = await t.client.getListing('vrbo', 'nope');
    expect(() => requireOk(refused)).toThrow(SimulatorApiError);
    expect(() => requireOk(refused)).toThrow(/simulator answered 404 listing_not_found/);
  });

  it('GET /health answers ok', async () => {
    const response = await fetch(`${t.simulator.url}/health`);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
