import { requireOk } from '../src/client';
import { SECRET, startTestSimulator, type TestSimulator } from './support/simulator';

const API_KEY = 'key-of-the-connection-1234';

describe("a listing's API key", () => {
  let t: TestSimulator;
  beforeAll(async () => {
    t = await startTestSimulator();
  });
  afterAll(() => t.simulator.close());
  beforeEach(async () => {
    requireOk(await t.client.reset());
    requireOk(await t.client.registerListing('airbnb', 'L1', { connection_id: 'conn-1', secret: SECRET, currency: 'EUR', api_key: API_KEY }));
  });

  const push = (authorization?: string) =>
    fetch(`${t.simulator.url}/airbnb/api/listings/L1/availability`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: JSON.stringify({ request_id: `r-${Math.random()}`, updates: [{ from: '2026-07-01', to: '2026-07-02', available: false }] }),
    });
  const get = (path: string, authorization?: string) => fetch(`${t.simulator.url}/airbnb/api/listings/L1/${path}`, { headers: authorization === undefined ? {} : { authorization } });

  it('takes a call carrying it as a Bearer token', async () => {
    const answer = await push(`Bearer ${API_KEY}`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ listing_id: 'L1', nights_changed: 1 });
    expect((await get('calendar?from=2026-07-01&to=2026-07-02', `Bearer ${API_KEY}`)).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined, 'none was sent'],
    ['another key', 'Bearer key-of-another-connection', 'the key sent is not its key'],
    ['the key without the Bearer scheme', API_KEY, 'none was sent'],
  ])('answers 401 unauthorized to a call with %s, without quoting any key, and changes nothing', async (_case, authorization, why) => {
    const answer = await push(authorization);
    expect(answer.status).toBe(401);
    const body = (await answer.json()) as { error: string; message: string };
    expect(body).toMatchObject({ error: 'unauthorized', listing_id: 'L1' });
    expect(body.message).toContain(why);
    expect(JSON.stringify(body)).not.toContain(API_KEY);
    expect(JSON.stringify(body)).not.toContain('key-of-another-connection');
    const truth = requireOk(await t.client.trueCalendar('airbnb', 'L1', '2026-07-01', '2026-07-02'));
    expect(truth.nights[0]!.available).toBe(true);
  });

  it('guards reads, rates and reservation operations too, before looking the reservation up', async () => {
    expect((await get('calendar?from=2026-07-01&to=2026-07-02')).status).toBe(401);
    expect((await get('rates?from=2026-07-01&to=2026-07-02')).status).toBe(401);
    expect((await get('reservations/R-nope')).status).toBe(401);
    expect((await get('reservations/R-nope', `Bearer ${API_KEY}`)).status).toBe(404);
  });

  it('counts refused calls as rejected in the stats', async () => {
    await push();
    await push('Bearer wrong');
    await push(`Bearer ${API_KEY}`);
    const stats = requireOk(await t.client.stats('airbnb'));
    expect(stats.calls.availability).toMatchObject({ ok: 1, rejected: 2 });
  });

  it('is never shown by the admin view of the listing', async () => {
    const view = requireOk(await t.client.getListing('airbnb', 'L1'));
    expect(JSON.stringify(view)).not.toContain(API_KEY);
  });

  it('is dropped by registering the listing again without it', async () => {
    requireOk(await t.client.registerListing('airbnb', 'L1', { connection_id: 'conn-1', secret: SECRET, currency: 'EUR' }));
    expect((await push()).status).toBe(200);
  });

  it.each([
    ['on an iCal listing', { sync: 'ical', api_key: API_KEY }, 'api_key'],
    ['empty', { api_key: '' }, 'api_key'],
    ['with a space', { api_key: 'two words' }, 'api_key: printable ASCII without spaces'],
  ])('is refused %s (400, naming the field)', async (_case, extra, message) => {
    const answer = await t.client.registerListing('airbnb', 'L2', { connection_id: 'conn-2', secret: SECRET, currency: 'EUR', ...extra } as never);
    expect(answer).toMatchObject({ ok: false, status: 400, error: { error: 'invalid_request' } });
    expect(!answer.ok && answer.error.message).toContain(message);
  });
});
