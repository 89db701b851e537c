import { conflictsOf, pushesOf } from '../src/decision';
import { assess } from '../src/escalation';
import { detectRateDrift } from '../src/drift-rates';
import { noRates, type ConversionRate, type CurrencyCode } from '../src/money';
import type { LocalDate } from '../src/stay-dates';
import { block, bookingIn, create, given, key, modify, money, nights, price, status, unblock, when } from './builders';

/** The rows of seed section 1 that 5.1 has no sketch for, as we decided them (docs/conflict-rules.md). */

describe('1.2 block overlap: a block never takes nights a stay holds', () => {
  it('a block over a guest booking is refused, naming the booking; the booking stands', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1' })]);
    const { decision, after } = when(state, block({ dates: '2026-12-24..2026-12-28' }));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: 'nights_unavailable', event: { type: 'block_refused', heldBy: [key('AIRBNB', 'HM1')] } });
    expect(conflictsOf(decision)[0]).toMatchObject({ facts: { type: 'BLOCK_OVERLAP', overlapsBooking: true }, rule: '1.2 block overlap' });
    expect(after.stays.get(key('PMS', 'B1'))).toMatchObject({ kind: 'block', active: false });
    expect(pushesOf(decision)).toEqual([]);
    expect(bookingIn(after, 'AIRBNB', 'HM1').status).toBe('CONFIRMED');
  });

  it('a block over another block is refused as adding nothing', () => {
    const state = given([block({ ref: 'B0', dates: '2026-12-01..2026-12-10' })]);
    const { decision } = when(state, block({ ref: 'B1', dates: '2026-12-05..2026-12-06' }));
    expect(conflictsOf(decision)[0]!.facts).toMatchObject({ overlapsBooking: false });
    expect(assess(conflictsOf(decision)[0]!.facts).severity).toBe('LOW');
  });

  it('a block on free nights closes them on every channel; unblocking opens them', () => {
    const blocked = when(given([]), block({ dates: '2026-12-01..2026-12-03' }));
    expect(pushesOf(blocked.decision)).toEqual([{ dates: nights('2026-12-01..2026-12-03'), available: false, reason: 'BLOCK', exceptChannel: null }]);
    const unblocked = when(blocked.after, unblock({ version: 2 }));
    expect(pushesOf(unblocked.decision)).toEqual([{ dates: nights('2026-12-01..2026-12-03'), available: true, reason: 'UNBLOCK', exceptChannel: null }]);
    expect(when(unblocked.after, create({ source: 'VRBO', ref: 'V1', dates: '2026-12-01..2026-12-02' })).decision.outcome).toBe('applied');
  });

  it('an unblocked block can be blocked again with a newer version', () => {
    const state = given([block({ dates: '2026-12-01..2026-12-03' }), unblock({ version: 2 })]);
    expect(when(state, block({ version: 3, dates: '2026-12-02..2026-12-04' })).decision.outcome).toBe('applied');
  });

  it.each([
    ['blocking a booking key', () => given([create({ source: 'PMS', ref: 'B1' })]), () => block({ version: 2, dates: '2027-01-01..2027-01-02' }), 'booking_already_exists'],
    ['blocking an active block again', () => given([block({ dates: '2026-12-01..2026-12-03' })]), () => block({ version: 2, dates: '2027-01-01..2027-01-02' }), 'booking_already_exists'],
    ['unblocking an unknown block', () => given([]), () => unblock(), 'unknown_booking'],
    ['unblocking twice', () => given([block({ dates: '2026-12-01..2026-12-03' }), unblock({ version: 2 })]), () => unblock({ version: 3 }), 'no_change'],
  ] as const)('%s is ignored: %s', (_, state, command, reason) => {
    expect(when(state(), command()).decision).toMatchObject({ outcome: 'ignored', reason });
  });

  it('only the PMS blocks and unblocks', () => {
    expect(when(given([]), block({ source: 'AIRBNB', bookingSource: 'PMS', dates: '2026-12-01..2026-12-03' })).decision.reason).toBe('not_booking_source');
    const state = given([block({ dates: '2026-12-01..2026-12-03' })]);
    expect(when(state, unblock({ source: 'VRBO', bookingSource: 'PMS' })).decision.reason).toBe('not_booking_source');
  });
});

describe('1.2 stale data: a change older than the ledger has seen from its source is ignored with a named reason', () => {
  it('an older version is stale and counted; the same version is a duplicate and silent', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1' }), modify({ source: 'AIRBNB', ref: 'HM1', version: 5, dates: '2026-12-21..2026-12-26' })]);
    const stale = when(state, modify({ source: 'AIRBNB', ref: 'HM1', version: 4, dates: '2026-12-01..2026-12-02' }));
    expect(stale.decision).toMatchObject({ outcome: 'ignored', reason: 'stale_version', version: state.version });
    expect(conflictsOf(stale.decision)[0]).toMatchObject({ facts: { type: 'STALE_DATA', incomingVersion: 4, ledgerVersion: 5 }, resolution: 'IGNORED_STALE' });
    expect(stale.after).toBe(state);
    const duplicate = when(state, modify({ source: 'AIRBNB', ref: 'HM1', version: 5, dates: '2026-12-21..2026-12-26' }));
    expect(duplicate.decision).toMatchObject({ outcome: 'ignored', reason: 'duplicate_command' });
    expect(conflictsOf(duplicate.decision)).toEqual([]);
  });

  it('versions are per source: the PMS and the channel each count their own', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', version: 9 })]);
    expect(when(state, status({ source: 'PMS', bookingSource: 'AIRBNB', ref: 'HM1', version: 1, status: 'CANCELLED' })).decision.outcome).toBe('applied');
  });

  it('a rejected change still counts as seen, so its retry is a duplicate', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1' }), create({ source: 'VRBO', ref: 'V1', dates: '2026-12-26..2026-12-28' })]);
    const first = when(state, modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-24..2026-12-27' }));
    expect(first.decision.outcome).toBe('rejected');
    expect(when(first.after, modify({ source: 'AIRBNB', ref: 'HM1', version: 2, dates: '2026-12-24..2026-12-27' })).decision.reason).toBe('duplicate_command');
  });
});

describe('1.3 currency mismatch: its own conflict, compared only with an explicit rate', () => {
  const eur = 'EUR' as CurrencyCode;
  const usd = 'USD' as CurrencyCode;
  const usdToEur: ConversionRate = { from: usd, to: eur, numerator: 9, denominator: 10 };
  const rates = (from: CurrencyCode, to: CurrencyCode) => (from === usd && to === eur ? usdToEur : undefined);

  it('without a rate: not compared, flagged for a human', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', price: money(100_000, 'EUR') })]);
    const { decision } = when(state, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(111_111, 'USD') }));
    expect(conflictsOf(decision).map((c) => c.facts.type)).toEqual(['CURRENCY_MISMATCH']);
    expect(decision).toMatchObject({ outcome: 'rejected', reason: 'price_flagged_for_review' });
    expect(assess(conflictsOf(decision)[0]!.facts)).toMatchObject({ requiresReview: true, severity: 'HIGH' });
  });

  it('with a rate: converted and compared; equal after conversion is only logged', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', price: money(90_000, 'EUR') })]);
    const { decision } = when(state, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(100_000, 'USD') }), { rates });
    expect(decision).toMatchObject({ outcome: 'ignored', reason: 'no_change' });
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'CURRENCY_MISMATCH', rateGiven: true }, resolution: 'KEPT_LEDGER' }]);
  });

  it('a new booking priced in another currency than the property: accepted, and the mismatch is in the decision (review without a rate)', () => {
    const { decision } = when(given([]), create({ source: 'AIRBNB', ref: 'HM1', price: money(50_000, 'USD'), propertyCurrency: eur }));
    expect(decision.outcome).toBe('applied');
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'CURRENCY_MISMATCH', ledgerCurrency: 'EUR', incomingCurrency: 'USD', rateGiven: false }, resolution: 'ACCEPTED_INCOMING', rule: '1.3 currency mismatch' }]);
    expect(assess(conflictsOf(decision)[0]!.facts)).toMatchObject({ requiresReview: true, severity: 'HIGH' });
    const direct = when(given([]), create({ source: 'PMS', ref: 'D1', price: money(50_000, 'USD'), propertyCurrency: eur })).decision;
    expect(conflictsOf(direct)).toMatchObject([{ facts: { type: 'CURRENCY_MISMATCH' }, channel: null }]);
  });

  it('a new booking in another currency with a rate known: accepted, the mismatch only logged', () => {
    const { decision } = when(given([]), create({ source: 'AIRBNB', ref: 'HM1', price: money(50_000, 'USD'), propertyCurrency: eur }), { rates });
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'CURRENCY_MISMATCH', rateGiven: true }, resolution: 'ACCEPTED_INCOMING' }]);
    expect(assess(conflictsOf(decision)[0]!.facts)).toMatchObject({ requiresReview: false, severity: 'LOW' });
  });

  it('a new booking in the property currency, or with no property currency known: no conflict', () => {
    expect(conflictsOf(when(given([]), create({ source: 'AIRBNB', ref: 'HM1', price: money(50_000, 'EUR'), propertyCurrency: eur })).decision)).toEqual([]);
    expect(conflictsOf(when(given([]), create({ source: 'AIRBNB', ref: 'HM1', price: money(50_000, 'USD') })).decision)).toEqual([]);
  });

  it('with a rate: a real difference after conversion is a price discrepancy as well', () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', price: money(90_000, 'EUR') })]);
    const { decision } = when(state, price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(120_000, 'USD') }), { rates });
    expect(conflictsOf(decision).map((c) => c.facts.type)).toEqual(['CURRENCY_MISMATCH', 'PRICE_DISCREPANCY']);
  });

  it('on a new channel booking without a rate: accepted (the guest paid), and flagged', () => {
    const { decision } = when(given([]), create({ source: 'BOOKING_COM', ref: 'X', price: money(100_000, 'USD'), pmsQuote: money(90_000, 'EUR') }));
    expect(decision.outcome).toBe('applied');
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'CURRENCY_MISMATCH', rateGiven: false }, resolution: 'ACCEPTED_INCOMING' }]);
  });

  it("a reported price compared with a PMS quote in another currency (no rate where it was quoted): converted with a rate, taken within 1%; without a rate, flagged", () => {
    const state = given([create({ source: 'AIRBNB', ref: 'HM1', price: money(90_000, 'USD') })]);
    const report = price({ source: 'AIRBNB', ref: 'HM1', version: 2, price: money(100_000, 'USD'), pmsQuote: money(90_000, 'EUR') });
    const converted = when(state, report, { rates });
    expect(converted.decision).toMatchObject({ outcome: 'applied', event: { type: 'booking_price_changed', price: money(100_000, 'USD') } });
    expect(conflictsOf(converted.decision)).toMatchObject([{ facts: { type: 'CURRENCY_MISMATCH', rateGiven: true }, resolution: 'ACCEPTED_INCOMING' }]);
    const unconverted = when(state, report).decision;
    expect(unconverted).toMatchObject({ outcome: 'rejected', reason: 'price_flagged_for_review' });
    expect(conflictsOf(unconverted)).toMatchObject([{ facts: { type: 'CURRENCY_MISMATCH', rateGiven: false }, resolution: 'FLAGGED_FOR_REVIEW' }]);
    expect(conflictsOf(unconverted)[0]!.summary).toContain('PMS quote in EUR');
  });

  it('on a new channel booking with a rate: converted before comparing', () => {
    const { decision } = when(given([]), create({ source: 'BOOKING_COM', ref: 'X', price: money(100_000, 'USD'), pmsQuote: money(90_000, 'EUR') }), { rates });
    expect(conflictsOf(decision).map((c) => [c.facts.type, c.resolution])).toEqual([['CURRENCY_MISMATCH', 'ACCEPTED_INCOMING']]);
  });
});

describe('1.3 rate plan conflict: a different plan on an existing booking is flagged; the ledger keeps its plan', () => {
  it('flagged for review even when the price agrees', () => {
    const state = given([create({ source: 'VRBO', ref: 'V1', price: money(50_000), ratePlan: 'flexible' })]);
    const { decision, after } = when(state, price({ source: 'VRBO', ref: 'V1', version: 2, price: money(50_000), ratePlan: 'non-refundable' }));
    expect(decision).toMatchObject({ outcome: 'rejected', reason: 'price_flagged_for_review' });
    expect(conflictsOf(decision)).toMatchObject([{ facts: { type: 'RATE_PLAN', ledgerPlan: 'flexible', incomingPlan: 'non-refundable' }, rule: '1.3 rate plan conflict' }]);
    expect(bookingIn(after, 'VRBO', 'V1').ratePlan).toBe('flexible');
  });

  it("a new booking's plan is the channel's", () => {
    const { after } = when(given([]), create({ source: 'VRBO', ref: 'V1', ratePlan: 'non-refundable' }));
    expect(bookingIn(after, 'VRBO', 'V1').ratePlan).toBe('non-refundable');
  });
});

describe('1.3 price drift: nightly rates and restrictions on a channel that differ from the PMS are corrected', () => {
  it('nights priced more than 1% off or with other stay rules are pushed again from the PMS, grouped into runs; within 1% is no drift', () => {
    const day = (n: number) => `2026-12-0${n}` as LocalDate;
    const pmsNight = { price: money(10_000), minStayArrival: 2, minStayThrough: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false };
    const pms = new Map([['standard', new Map([1, 2, 3, 4, 5].map((n) => [day(n), pmsNight]))]]);
    const shown = new Map([[1, { price: money(12_000) }], [2, { minStayArrival: 1 }], [3, { price: money(10_100) }], [5, { stopSell: true }]] as const);
    const channelRates = new Map([['standard', new Map([1, 2, 3, 4, 5].map((n) => [day(n), { ...pmsNight, ...shown.get(n as never) }]))]]);
    const report = detectRateDrift({ channel: 'AIRBNB', from: day(1), days: 5, pms, channelRates, pricing: { currency: 'EUR' as CurrencyCode, markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} }, fx: noRates });
    expect(report.mismatches.map((m) => [m.night, m.kinds])).toEqual([
      [day(1), ['price']],
      [day(2), ['restriction']],
      [day(5), ['restriction']],
    ]);
    expect(report.corrections).toEqual([
      { ratePlan: 'standard', from: day(1), to: day(3), terms: pmsNight },
      { ratePlan: 'standard', from: day(5), to: day(6), terms: pmsNight },
    ]);
    expect(report.conflicts).toMatchObject([{ facts: { type: 'PRICE_DRIFT', nights: 3 }, rule: '1.3 price drift', resolution: 'CORRECTED_CHANNEL' }]);
  });
});
