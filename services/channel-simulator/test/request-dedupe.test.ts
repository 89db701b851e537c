import { requireOk } from '../src/client';
import { registerListing, startTestSimulator, type TestSimulator } from './support/simulator';

describe('request_id dedupe (platforms apply a request once)', () => {
  let t: TestSimulator;
  beforeAll(async () => {
    t = await startTestSimulator();
  });
  afterAll(() => t.simulator.close());
  beforeEach(async () => {
    requireOk(await t.client.reset());
    await registerListing(t.client, 'vrbo', 'L1');
  });

  const close = { request_id: 'close-1', updates: [{ from: '2026-08-01', to: '2026-08-03', available: false }] };
  const open = { request_id: 'open-1', updates: [{ from: '2026-08-01', to: '2026-08-03', available: true }] };

  it('a replayed request_id gets the first ack back and is not applied again', async () => {
    const first = requireOk(await t.client.pushAvailability('vrbo', 'L1', close));
    requireOk(await t.client.pushAvailability('vrbo', 'L1', open));
    const replay = requireOk(await t.client.pushAvailability('vrbo', 'L1', close));

    expect(replay).toEqual(first);
    // Applying `close` again would have closed the nights the later `open` reopened.
    const calendar = requireOk(await t.client.readCalendar('vrbo', 'L1', '2026-08-01', '2026-08-03'));
    expect(calendar.nights.map((n) => n.available)).toEqual([true, true]);
    expect(requireOk(await t.client.stats('vrbo')).calls.availability).toMatchObject({ ok: 2, duplicate: 1 });
  });

  it('dedupes rate pushes the same way', async () => {
    const push = { request_id: 'rate-1', updates: [{ from: '2026-08-01', to: '2026-08-02', price: { amount_minor: 9_900, currency: 'EUR' } }] };
    const first = requireOk(await t.client.pushRates('vrbo', 'L1', push));
    requireOk(await t.client.pushRates('vrbo', 'L1', { request_id: 'rate-2', updates: [{ from: '2026-08-01', to: '2026-08-02', price: { amount_minor: 15_000, currency: 'EUR' } }] }));
    expect(requireOk(await t.client.pushRates('vrbo', 'L1', push))).toEqual(first);
    const night = requireOk(await t.client.readCalendar('vrbo', 'L1', '2026-08-01', '2026-08-02')).nights[0];
    expect(night?.price).toEqual({ amount_minor: 15_000, currency: 'EUR' });
  });

  it('the same request_id with other content is a caller bug: 409, nothing applied', async () => {
    requireOk(await t.client.pushAvailability('vrbo', 'L1', close));
    const reused = await t.client.pushAvailability('vrbo', 'L1', { request_id: 'close-1', updates: [{ from: '2026-09-01', to: '2026-09-02', available: false }] });
    expect(reused).toMatchObject({ status: 409, error: { error: 'request_id_reused' } });
    const night = requireOk(await t.client.readCalendar('vrbo', 'L1', '2026-09-01', '2026-09-02')).nights[0];
    expect(night?.available).toBe(true);
  });
});
