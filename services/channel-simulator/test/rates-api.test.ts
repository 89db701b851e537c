import { requireOk } from '../src/client';
import type { NightTermsView } from '../src/api-types';
import { registerListing, startTestSimulator, type TestSimulator } from './support/simulator';

const open = (date: string): NightTermsView => ({
  date,
  price: null,
  min_stay_arrival: null,
  min_stay_through: null,
  max_stay: null,
  closed_to_arrival: false,
  closed_to_departure: false,
  stop_sell: false,
});
const eur = (amount_minor: number) => ({ amount_minor, currency: 'EUR' });

describe('rates and restrictions per rate plan: POST and GET /{channel}/api/listings/{id}/rates', () => {
  let t: TestSimulator;
  beforeAll(async () => {
    t = await startTestSimulator();
  });
  afterAll(() => t.simulator.close());
  beforeEach(async () => {
    requireOk(await t.client.reset());
    await registerListing(t.client, 'booking_com', 'L1');
  });

  it('a listing has the default plan; the admin creates others (201, then 200 leaving it as it is)', async () => {
    expect(requireOk(await t.client.ratePlans('booking_com', 'L1'))).toEqual({ listing_id: 'L1', rate_plans: ['default'] });
    expect(await t.client.createRatePlan('booking_com', 'L1', 'nonref')).toMatchObject({ status: 201, value: { rate_plans: ['default', 'nonref'] } });
    expect(await t.client.createRatePlan('booking_com', 'L1', 'nonref')).toMatchObject({ status: 200, value: { rate_plans: ['default', 'nonref'] } });
    expect(await t.client.createRatePlan('booking_com', 'nope', 'nonref')).toMatchObject({ status: 404, error: { error: 'listing_not_found' } });
  });

  it('sets every term of a plan for its nights and reads them back, per plan, each plan apart', async () => {
    requireOk(await t.client.createRatePlan('booking_com', 'L1', 'nonref'));
    const ack = requireOk(
      await t.client.pushRates('booking_com', 'L1', {
        request_id: 'r-1',
        updates: [
          { from: '2026-07-01', to: '2026-07-03', rate_plan_id: 'nonref', price: eur(9_000), min_stay_arrival: 2, min_stay_through: 3, max_stay: 14, closed_to_arrival: true, closed_to_departure: true, stop_sell: false },
          { from: '2026-07-02', to: '2026-07-03', price: eur(12_000), stop_sell: true },
        ],
      }),
    );
    expect(ack.nights_changed).toBe(3);
    const read = requireOk(await t.client.readRates('booking_com', 'L1', '2026-07-01', '2026-07-03'));
    const nonref = { price: eur(9_000), min_stay_arrival: 2, min_stay_through: 3, max_stay: 14, closed_to_arrival: true, closed_to_departure: true, stop_sell: false };
    expect(read).toEqual({
      listing_id: 'L1',
      from: '2026-07-01',
      to: '2026-07-03',
      currency: 'EUR',
      rate_plans: [
        { rate_plan_id: 'default', nights: [open('2026-07-01'), { ...open('2026-07-02'), price: eur(12_000), stop_sell: true }] },
        { rate_plan_id: 'nonref', nights: [{ date: '2026-07-01', ...nonref }, { date: '2026-07-02', ...nonref }] },
      ],
    });
    expect(requireOk(await t.client.trueRates('booking_com', 'L1', '2026-07-01', '2026-07-03'))).toEqual(read);
  });

  it('a field left out stays as it was, null clears it, and pushing the same terms again changes 0 nights', async () => {
    requireOk(await t.client.pushRates('booking_com', 'L1', { request_id: 'r-1', updates: [{ from: '2026-07-01', to: '2026-07-02', price: eur(10_000), max_stay: 7, closed_to_arrival: true }] }));
    requireOk(await t.client.pushRates('booking_com', 'L1', { request_id: 'r-2', updates: [{ from: '2026-07-01', to: '2026-07-02', max_stay: null }] }));
    const [night] = requireOk(await t.client.readRates('booking_com', 'L1', '2026-07-01', '2026-07-02')).rate_plans[0]!.nights;
    expect(night).toEqual({ ...open('2026-07-01'), price: eur(10_000), closed_to_arrival: true });
    expect(requireOk(await t.client.pushRates('booking_com', 'L1', { request_id: 'r-3', updates: [{ from: '2026-07-01', to: '2026-07-02', price: eur(10_000), closed_to_arrival: true }] })).nights_changed).toBe(0);
    expect(requireOk(await t.client.pushRates('booking_com', 'L1', { request_id: 'r-4', updates: [{ from: '2026-07-01', to: '2026-07-02', price: null }] })).nights_changed).toBe(1);
  });

  it('min_stay, the older name, is the minimum stay on arrival; the calendar shows the default plan\'s price and minimum stay (1 when none)', async () => {
    requireOk(await t.client.pushRates('booking_com', 'L1', { request_id: 'r-1', updates: [{ from: '2026-07-01', to: '2026-07-02', min_stay: 3, price: eur(8_000) }] }));
    const [night] = requireOk(await t.client.readRates('booking_com', 'L1', '2026-07-01', '2026-07-02')).rate_plans[0]!.nights;
    expect(night).toMatchObject({ min_stay_arrival: 3, min_stay_through: null });
    expect(requireOk(await t.client.readCalendar('booking_com', 'L1', '2026-07-01', '2026-07-03')).nights).toEqual([
      { date: '2026-07-01', available: true, price: eur(8_000), min_stay: 3 },
      { date: '2026-07-02', available: true, price: null, min_stay: 1 },
    ]);
  });

  it('an unknown rate plan is refused with 422 naming the field, and nothing of the request applies', async () => {
    const response = await t.client.pushRates('booking_com', 'L1', {
      request_id: 'r-1',
      updates: [
        { from: '2026-07-01', to: '2026-07-02', price: eur(10_000) },
        { from: '2026-07-01', to: '2026-07-02', rate_plan_id: 'weekly', price: eur(9_000) },
      ],
    });
    expect(response).toMatchObject({
      status: 422,
      error: { error: 'unknown_rate_plan', rate_plan_id: 'weekly', rate_plans: ['default'], issues: [{ path: 'updates.1.rate_plan_id' }] },
    });
    expect(requireOk(await t.client.readRates('booking_com', 'L1', '2026-07-01', '2026-07-02')).rate_plans[0]!.nights[0]!.price).toBeNull();
    expect(requireOk(await t.client.stats('booking_com')).calls.rates).toMatchObject({ ok: 0, rejected: 1 });
    // Once the plan exists, the same request applies (a refusal is not remembered against its request_id).
    requireOk(await t.client.createRatePlan('booking_com', 'L1', 'weekly'));
    expect(requireOk(await t.client.pushRates('booking_com', 'L1', { request_id: 'r-1', updates: [{ from: '2026-07-01', to: '2026-07-02', rate_plan_id: 'weekly', price: eur(9_000) }] })).nights_changed).toBe(1);
  });

  it.each([
    ['a negative minimum stay through', { min_stay_through: -1 }, 'updates.0.min_stay_through'],
    ['a maximum stay of 0', { max_stay: 0 }, 'updates.0.max_stay'],
    ['a maximum stay over 365', { max_stay: 366 }, 'updates.0.max_stay'],
    ['closed to arrival as a string', { closed_to_arrival: 'yes' }, 'updates.0.closed_to_arrival'],
    ['stop-sell null', { stop_sell: null }, 'updates.0.stop_sell'],
    ['min_stay and min_stay_arrival both', { min_stay: 2, min_stay_arrival: 3 }, 'updates.0.min_stay: is the older name of min_stay_arrival'],
    ['an empty rate plan id', { rate_plan_id: '', price: eur(1) }, 'updates.0.rate_plan_id'],
    ['a price over the largest amount', { price: eur(1_000_000_000_001) }, 'updates.0.price.amount_minor'],
    ['a price without a currency', { price: { amount_minor: 1 } }, 'updates.0.price.currency'],
    ['an unknown rule', { min_nights: 2 }, 'updates.0: '],
  ])('answers 400 for %s, naming the field', async (_case, fields, message) => {
    const response = await t.client.pushRates('booking_com', 'L1', { request_id: 'r-1', updates: [{ from: '2026-07-01', to: '2026-07-02', ...fields } as never] });
    expect(response).toMatchObject({ status: 400, error: { error: 'invalid_request' } });
    expect(!response.ok && response.error.message).toContain(message);
  });

  it('the read answers 400 past 366 nights and 404 for an unknown listing; faults apply to it and it is counted as read_rates', async () => {
    expect(await t.client.readRates('booking_com', 'L1', '2026-01-01', '2027-01-03')).toMatchObject({ status: 400, error: { message: 'query.to: range covers 367 nights, at most 366' } });
    expect(await t.client.readRates('booking_com', 'nope', '2026-01-01', '2026-01-02')).toMatchObject({ status: 404, error: { error: 'listing_not_found' } });
    requireOk(await t.client.setFaults('booking_com', { server_errors: { rate: 1, status: 503, endpoints: ['read_rates'] } }));
    expect((await t.client.readRates('booking_com', 'L1', '2026-01-01', '2026-01-02')).status).toBe(503);
    expect((await t.client.readCalendar('booking_com', 'L1', '2026-01-01', '2026-01-02')).status).toBe(200);
    expect(requireOk(await t.client.stats('booking_com')).calls.read_rates).toMatchObject({ ok: 0, failed: 1, rejected: 2 });
  });
});
