import { conflictsOf, pushesOf } from '../src/decision';
import { decide } from '../src/decide';
import { evolve } from '../src/evolve';
import { emptyProperty } from '../src/property-state';
import { PROPERTY, block, bookingIn, create, dispute, given, guest, key, modify, money, price, status, when } from './builders';

describe('decide, beyond the matrix', () => {
  it('refuses a command for another property: the caller routed it wrongly', () => {
    expect(() => decide(emptyProperty('other'), create())).toThrow(/is for property-1, not other/);
  });

  it.each([
    ['modify', () => modify({ ref: 'nope', dates: '2026-12-01..2026-12-02' })],
    ['status', () => status({ ref: 'nope', status: 'CANCELLED' })],
    ['guest', () => guest({ ref: 'nope', guest: {} })],
    ['price', () => price({ ref: 'nope', price: money(1) })],
  ])('a %s for an unknown booking is ignored, named', (_, command) => {
    const { decision } = when(given([]), command());
    expect(decision).toMatchObject({ outcome: 'ignored', reason: 'unknown_booking' });
    expect([pushesOf(decision), conflictsOf(decision)]).toEqual([[], []]);
  });

  it('a command about a block as if it were a booking is unknown_booking', () => {
    const state = given([block({ dates: '2026-12-01..2026-12-02' })]);
    expect(when(state, status({ source: 'PMS', ref: 'B1', version: 2, status: 'CANCELLED' })).decision.reason).toBe('unknown_booking');
  });

  it('a second create for a known booking with a newer version is ignored as booking_already_exists', () => {
    expect(when(given([create()]), create({ version: 2 })).decision.reason).toBe('booking_already_exists');
  });

  it("another channel cannot change a booking's guest or price", () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', price: money(1) })]);
    expect(when(state, guest({ source: 'VRBO', bookingSource: 'AIRBNB', ref: 'HM1', guest: { phone: { value: '+1', updatedAt: 1 } } })).decision.reason).toBe('not_booking_source');
    expect(when(state, price({ source: 'VRBO', bookingSource: 'AIRBNB', ref: 'HM1', price: money(2) })).decision.reason).toBe('not_booking_source');
  });

  it('a guest dispute opens a review for a known booking and records it was seen', () => {
    const state = given([create({ source: 'BOOKING_COM', ref: 'X' })]);
    const { decision, after } = when(state, dispute({ source: 'BOOKING_COM', ref: 'X', version: 2 }));
    expect(decision).toMatchObject({ outcome: 'applied', event: { type: 'dispute_flagged' } });
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'GUEST_DISPUTE', channel: 'BOOKING_COM' }, rule: '5.2 guest dispute' }]);
    expect(bookingIn(after, 'BOOKING_COM', 'X').versions.BOOKING_COM).toBe(2);
  });

  it('a guest dispute about a booking we do not know still reaches a human', () => {
    const { decision } = when(given([]), dispute({ source: 'VRBO', ref: 'ghost' }));
    expect(decision).toMatchObject({ outcome: 'ignored', reason: 'unknown_booking' });
    expect(conflictsOf(decision)).toHaveLength(1);
  });

  it('a dispute from the PMS raises nothing (the parser refuses it; the decider stays total)', () => {
    const state = given([create({ source: 'PMS', ref: 'D1' })]);
    expect(conflictsOf(when(state, dispute({ source: 'PMS', ref: 'D1', version: 2 })).decision)).toEqual([]);
  });

  it('every applied or rejected decision takes the next version; an ignored one keeps it', () => {
    const s1 = given([create()]);
    expect(s1.version).toBe(1);
    const rejected = when(s1, create({ source: 'VRBO', ref: 'V1' }));
    expect(rejected.after.version).toBe(2);
    const ignoredDecision = when(rejected.after, create({ source: 'VRBO', ref: 'V1' }));
    expect(ignoredDecision.after).toBe(rejected.after);
  });

  it('evolve refuses an event for a stay it does not know: decide never emits one', () => {
    const decision = decide(given([create()]), status({ version: 2, status: 'CANCELLED' }));
    expect(() => evolve(emptyProperty(PROPERTY), decision)).toThrow(/unknown stay AIRBNB:R1/);
  });

  it('evolve leaves a block alone for booking-only events and a booking alone for unblock', () => {
    const state = given([block({ dates: '2026-12-01..2026-12-02' }), create({ source: 'PMS', ref: 'D1', dates: '2027-01-01..2027-01-02' })]);
    const forBlock = evolve(state, { ...decide(state, status({ source: 'PMS', ref: 'D1', version: 2, status: 'CANCELLED' })), event: { type: 'booking_status_changed', key: key('PMS', 'B1'), status: 'CANCELLED', previous: 'CONFIRMED', versions: {} } });
    expect(forBlock.stays.get(key('PMS', 'B1'))).toEqual(state.stays.get(key('PMS', 'B1')));
    const forBooking = evolve(state, { ...decide(state, status({ source: 'PMS', ref: 'D1', version: 2, status: 'CANCELLED' })), event: { type: 'nights_unblocked', key: key('PMS', 'D1'), versions: {} } });
    expect(forBooking.stays.get(key('PMS', 'D1'))).toEqual(state.stays.get(key('PMS', 'D1')));
  });
});
