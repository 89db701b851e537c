import { requireOk, type ChannelName } from '../src/client';
import type { RatesRequest } from '../src/api-types';
import { registerListing, useTestSimulator } from './support/simulator';
import { WebhookReceiver } from '@cm/test-harness';

type Update = RatesRequest['updates'][number];
const eur = (amount_minor: number) => ({ amount_minor, currency: 'EUR' });

/**
 * The platform enforces the terms it was sent (issue 20, point 3): a guest's booking that breaks
 * a stay rule of its rate plan is refused, and a booking inside them pays the plan's pushed prices.
 */
describe('guest bookings under the rate plan terms the platform was sent', () => {
  const ingest = new WebhookReceiver();
  const t = useTestSimulator(ingest);
  beforeEach(async () => {
    ingest.answerWith({ status: 202, body: { accepted: true } });
    for (const channel of ['airbnb', 'booking_com'] as const) await registerListing(t.client, channel, 'L1');
  });

  let pushes = 0;
  const push = async (channel: ChannelName, ...updates: Update[]) => requireOk(await t.client.pushRates(channel, 'L1', { request_id: `terms-${++pushes}`, updates }));
  const book = (check_in: string, check_out: string, extra: { rate_plan_id?: string; channel?: ChannelName } = {}) =>
    t.client.createBooking(extra.channel ?? 'booking_com', 'L1', { check_in, check_out, ...(extra.rate_plan_id ? { rate_plan_id: extra.rate_plan_id } : {}) });

  // Each row: the terms pushed, a stay that breaks them, what the platform answers, and a stay of the same nights' neighbourhood that keeps them.
  it.each([
    ['stop-sell on a night of the stay', { from: '2026-07-11', to: '2026-07-12', stop_sell: true }, ['2026-07-10', '2026-07-13'], { rule: 'stop_sell', night: '2026-07-11' }, ['2026-07-12', '2026-07-14']],
    ['closed to arrival on the arrival day', { from: '2026-07-10', to: '2026-07-11', closed_to_arrival: true }, ['2026-07-10', '2026-07-13'], { rule: 'closed_to_arrival', night: '2026-07-10' }, ['2026-07-09', '2026-07-13']],
    ['closed to departure on the departure day', { from: '2026-07-13', to: '2026-07-14', closed_to_departure: true }, ['2026-07-10', '2026-07-13'], { rule: 'closed_to_departure', night: '2026-07-13' }, ['2026-07-10', '2026-07-14']],
    ['a minimum stay on arrival', { from: '2026-07-10', to: '2026-07-11', min_stay_arrival: 4 }, ['2026-07-10', '2026-07-13'], { rule: 'min_stay_arrival', night: '2026-07-10', nights: 4 }, ['2026-07-10', '2026-07-14']],
    ['a minimum stay through a night of the stay', { from: '2026-07-12', to: '2026-07-13', min_stay_through: 4 }, ['2026-07-10', '2026-07-13'], { rule: 'min_stay_through', night: '2026-07-12', nights: 4 }, ['2026-07-09', '2026-07-13']],
    ['a maximum stay on arrival', { from: '2026-07-10', to: '2026-07-11', max_stay: 2 }, ['2026-07-10', '2026-07-13'], { rule: 'max_stay', night: '2026-07-10', nights: 2 }, ['2026-07-10', '2026-07-12']],
  ] as const)('%s: the booking is refused with 422 naming the rule and the night, no reservation and no webhook; a stay that keeps the rule goes through', async (_rule, update, [checkIn, checkOut], broken, [okIn, okOut]) => {
    await push('booking_com', { ...update });
    const refused = await book(checkIn, checkOut);
    expect(refused).toMatchObject({ ok: false, status: 422, error: { error: 'restriction_violated', ...broken, rate_plan_id: 'default' } });
    expect(!refused.ok && refused.error.message).toContain(broken.night);
    expect(requireOk(await t.client.reservations('booking_com', 'L1')).reservations).toEqual([]);
    expect(requireOk(await t.client.trueCalendar('booking_com', 'L1', checkIn, checkOut)).nights.every((n) => n.available)).toBe(true);
    expect(ingest.received).toEqual([]);

    expect(await book(okIn, okOut)).toMatchObject({ ok: true, status: 201 });
    expect(ingest.received.map((d) => d.json.type)).toEqual(['reservation.created']);
  });

  it('a booking inside the rules pays the sum of the pushed nightly prices, in the listing currency, and the webhook carries it', async () => {
    await push('booking_com', { from: '2026-07-01', to: '2026-07-31', price: eur(12_000), min_stay_arrival: 2, max_stay: 7 }, { from: '2026-07-11', to: '2026-07-12', price: eur(15_050) });
    const booked = requireOk(await book('2026-07-10', '2026-07-13'));
    expect(booked.reservation).toMatchObject({ rate_plan_id: 'default', total: { amount: '390.50', currency: 'EUR' } });
    expect(ingest.received[0]!.json).toMatchObject({ type: 'reservation.created', reservation: { total: { amount: '390.50', currency: 'EUR' } } });
  });

  it('without a pushed price for every night the total stays as before: none (unless the guest gave one)', async () => {
    await push('booking_com', { from: '2026-07-10', to: '2026-07-11', price: eur(12_000) });
    expect(requireOk(await book('2026-07-10', '2026-07-12')).reservation.total).toBeNull();
    const given = requireOk(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-20', check_out: '2026-07-22', total: { amount: '199.00', currency: 'EUR' } }));
    expect(given.reservation.total).toEqual({ amount: '199.00', currency: 'EUR' });
  });

  it('each rate plan has its own terms and prices: the plan booked decides; a plan the listing lacks is 422', async () => {
    requireOk(await t.client.createRatePlan('booking_com', 'L1', 'nonref'));
    await push('booking_com', { from: '2026-07-10', to: '2026-07-13', price: eur(10_000), stop_sell: true }, { from: '2026-07-10', to: '2026-07-13', rate_plan_id: 'nonref', price: eur(8_500), min_stay_arrival: 3 });
    expect(await book('2026-07-10', '2026-07-12', { rate_plan_id: 'nonref' })).toMatchObject({ status: 422, error: { rule: 'min_stay_arrival', rate_plan_id: 'nonref' } });
    expect(await book('2026-07-10', '2026-07-13')).toMatchObject({ status: 422, error: { rule: 'stop_sell', rate_plan_id: 'default' } });
    const booked = requireOk(await book('2026-07-10', '2026-07-13', { rate_plan_id: 'nonref' }));
    expect(booked.reservation).toMatchObject({ rate_plan_id: 'nonref', total: { amount: '255.00', currency: 'EUR' } });
    expect(await book('2026-08-01', '2026-08-02', { rate_plan_id: 'weekly' })).toMatchObject({ status: 422, error: { error: 'unknown_rate_plan', issues: [{ path: 'rate_plan_id' }] } });
    // Each channel keeps its own terms: the same listing id on Airbnb was sent nothing.
    expect(await book('2026-07-10', '2026-07-11', { channel: 'airbnb' })).toMatchObject({ status: 201 });
  });

  it('a request to book is held to the rules as an instant booking is', async () => {
    await push('booking_com', { from: '2026-07-10', to: '2026-07-11', min_stay_arrival: 3 });
    expect(await t.client.createBooking('booking_com', 'L1', { check_in: '2026-07-10', check_out: '2026-07-12', request: true })).toMatchObject({ status: 422, error: { rule: 'min_stay_arrival' } });
    expect(ingest.received).toEqual([]);
  });

  it('moving a stay to dates that break a rule is refused (422, the stay unchanged, nothing announced); moving inside them reprices from the plan', async () => {
    await push('booking_com', { from: '2026-07-01', to: '2026-07-31', price: eur(10_000) }, { from: '2026-07-20', to: '2026-07-21', closed_to_arrival: true });
    const id = requireOk(await book('2026-07-10', '2026-07-12')).reservation.id;
    const moved = await t.client.modifyBooking('booking_com', 'L1', id, { check_in: '2026-07-20', check_out: '2026-07-22' });
    expect(moved).toMatchObject({ status: 422, error: { error: 'restriction_violated', rule: 'closed_to_arrival', night: '2026-07-20', state: 'active' } });
    expect(requireOk(await t.client.reservation('booking_com', 'L1', id))).toMatchObject({ check_in: '2026-07-10', check_out: '2026-07-12', revision: 1 });
    expect(ingest.received.map((d) => d.json.type)).toEqual(['reservation.created']);

    expect(requireOk(await t.client.modifyBooking('booking_com', 'L1', id, { check_out: '2026-07-13' })).reservation.total).toEqual({ amount: '300.00', currency: 'EUR' });
  });

  it("the channel's own price edit on a stay still goes through (the drift the reconciler is there to catch), even where the rules or the host's calendar changed since", async () => {
    await push('booking_com', { from: '2026-07-01', to: '2026-07-31', price: eur(10_000) });
    const id = requireOk(await book('2026-07-10', '2026-07-12')).reservation.id;
    await push('booking_com', { from: '2026-07-10', to: '2026-07-11', min_stay_arrival: 5, stop_sell: true });
    requireOk(await t.client.pushAvailability('booking_com', 'L1', { request_id: 'close-stay', updates: [{ from: '2026-07-10', to: '2026-07-12', available: false }] }));
    const edited = requireOk(await t.client.modifyBooking('booking_com', 'L1', id, { total: { amount: '260.00', currency: 'EUR' } }));
    expect(edited.reservation).toMatchObject({ check_in: '2026-07-10', check_out: '2026-07-12', total: { amount: '260.00', currency: 'EUR' } });
  });

  it('Airbnb: an alteration request to dates that break a rule is refused; the stay keeps its dates and no alteration waits', async () => {
    await push('airbnb', { from: '2026-07-15', to: '2026-07-16', min_stay_through: 7 });
    const id = requireOk(await book('2026-07-10', '2026-07-12', { channel: 'airbnb' })).reservation.id;
    expect(await t.client.requestAlteration('airbnb', 'L1', id, { check_out: '2026-07-16' })).toMatchObject({ status: 422, error: { rule: 'min_stay_through', night: '2026-07-15', nights: 7 } });
    expect(requireOk(await t.client.reservation('airbnb', 'L1', id))).toMatchObject({ check_out: '2026-07-12', alteration: null });
    expect(await t.client.requestAlteration('airbnb', 'L1', id, { check_out: '2026-07-14' })).toMatchObject({ status: 201 });
  });
});
