import { addDays, type ConversionRate, type CurrencyCode, type ListingQuoteTerms, type LocalDate, type NightTerms, type RateLookup } from '@cm/domain';
import { MAX_RANGE_NIGHTS, planRatePush, rateRequestId } from '../src/plan/rate-push';
import type { MarkedNight } from '../src/store/rate-store';

const EUR = 'EUR' as CurrencyCode;
const USD = 'USD' as CurrencyCode;
const d = (text: string) => text as LocalDate;
const open: NightTerms = { price: null, minStayArrival: null, minStayThrough: null, maxStay: null, closedToArrival: false, closedToDeparture: false, stopSell: false };
const priced = (amountMinor: number, more: Partial<NightTerms> = {}): NightTerms => ({ ...open, price: { amountMinor, currency: EUR }, ...more });
const nights = (plan: string, from: string, count: number): MarkedNight[] => Array.from({ length: count }, (_, i) => ({ ratePlan: plan, night: addDays(d(from), i) }));
const plain: ListingQuoteTerms = { currency: EUR, markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} };
const eurToUsd: ConversionRate = { from: EUR, to: USD, numerator: 11, denominator: 10 };
const withRate: RateLookup = (from, to) => (from === EUR && to === USD ? eurToUsd : undefined);
const noRate: RateLookup = () => undefined;

describe('a listing’s rate push: its marked nights as the fewest ranges, in its currency, markup and plan ids', () => {
  it('nights of equal terms become one range; a change of terms starts the next', () => {
    const terms = (_plan: string, night: LocalDate) => (night < d('2027-01-05') ? priced(10_000) : priced(12_000, { minStayArrival: 3 }));
    const plan = planRatePush({ marked: nights('standard', '2027-01-01', 10), terms, pricing: plain, fx: noRate, rangesPerCall: 200 });
    expect(plan.calls).toHaveLength(1);
    expect(plan.calls[0]!.ranges).toEqual([
      { ...priced(10_000), from: '2027-01-01', to: '2027-01-05', ratePlanId: 'standard' },
      { ...priced(12_000, { minStayArrival: 3 }), from: '2027-01-05', to: '2027-01-11', ratePlanId: 'standard' },
    ]);
    expect(plan.calls[0]!.nights).toHaveLength(10);
  });

  it('equal terms over years go in ranges of at most a year each, every night in one, a call carrying the nights of its ranges', () => {
    const plan = planRatePush({ marked: nights('standard', '2028-01-01', 1_461), terms: () => priced(9_900), pricing: plain, fx: noRate, rangesPerCall: 2 });
    const ranges = plan.calls.flatMap((call) => call.ranges);
    expect(MAX_RANGE_NIGHTS).toBe(365);
    expect(ranges.map((r) => [r.from, r.to])).toEqual([
      ['2028-01-01', '2028-12-31'],
      ['2028-12-31', '2029-12-31'],
      ['2029-12-31', '2030-12-31'],
      ['2030-12-31', '2031-12-31'],
      ['2031-12-31', '2032-01-01'],
    ]);
    expect(plan.calls.map((call) => call.nights.length)).toEqual([730, 730, 1]);
  });

  it('one range a call when asked: how a refused call is sent again, range by range', () => {
    const terms = (_plan: string, night: LocalDate) => (night < d('2027-01-03') ? priced(10_000) : priced(12_000, { maxStay: 400 }));
    const plan = planRatePush({ marked: nights('standard', '2027-01-01', 5), terms, pricing: plain, fx: noRate, rangesPerCall: 1 });
    expect(plan.calls.map((call) => [call.ranges.map((r) => r.from), call.nights.map((n) => n.night)])).toEqual([
      [['2027-01-01'], ['2027-01-01', '2027-01-02']],
      [['2027-01-03'], ['2027-01-03', '2027-01-04', '2027-01-05']],
    ]);
  });

  it('a gap between marked nights ends a range: nights not marked are not pushed', () => {
    const marked = [...nights('standard', '2027-01-01', 2), ...nights('standard', '2027-01-10', 2)];
    const plan = planRatePush({ marked, terms: () => priced(10_000), pricing: plain, fx: noRate, rangesPerCall: 200 });
    expect(plan.calls[0]!.ranges.map((r) => [r.from, r.to])).toEqual([['2027-01-01', '2027-01-03'], ['2027-01-10', '2027-01-12']]);
  });

  it('the markup and the conversion to the listing’s currency apply to every night’s price; restrictions pass unchanged', () => {
    const pricing: ListingQuoteTerms = { currency: USD, markup: { kind: 'percent', basisPoints: 1_500 }, ratePlans: {} };
    const plan = planRatePush({ marked: nights('standard', '2027-01-01', 3), terms: () => priced(10_000, { stopSell: true }), pricing, fx: withRate, rangesPerCall: 200 });
    // 100.00 EUR -> 110.00 USD -> +15% = 126.50 USD
    expect(plan.calls[0]!.ranges).toEqual([{ ...open, stopSell: true, price: { amountMinor: 12_650, currency: USD }, from: '2027-01-01', to: '2027-01-04', ratePlanId: 'standard' }]);
    expect(plan.unconverted).toBe(0);
  });

  it('no exchange rate: the restrictions are pushed without a price, and the nights are counted', () => {
    const pricing: ListingQuoteTerms = { currency: USD, markup: { kind: 'fixed', amountMinor: 500 }, ratePlans: {} };
    const plan = planRatePush({ marked: nights('standard', '2027-01-01', 3), terms: () => priced(10_000, { closedToArrival: true }), pricing, fx: noRate, rangesPerCall: 200 });
    expect(plan.calls[0]!.ranges).toEqual([{ ...open, closedToArrival: true, from: '2027-01-01', to: '2027-01-04', ratePlanId: 'standard' }]);
    expect(plan.unconverted).toBe(3);
  });

  it('the channel’s plan ids: a mapped plan goes under the channel’s id; a plan the mapping does not name is not sold there and is cleared without a call', () => {
    const pricing: ListingQuoteTerms = { ...plain, ratePlans: { standard: 'RP-77' } };
    const marked = [...nights('standard', '2027-01-01', 2), ...nights('non_refundable', '2027-01-01', 2)];
    const plan = planRatePush({ marked, terms: () => priced(9_000), pricing, fx: noRate, rangesPerCall: 200 });
    expect(plan.calls.flatMap((c) => c.ranges.map((r) => r.ratePlanId))).toEqual(['RP-77']);
    expect(plan.unsold.map((n) => n.ratePlan)).toEqual(['non_refundable', 'non_refundable']);
  });

  it('ranges beyond the per-call limit go in further calls, each carrying the nights of its own ranges', () => {
    // Every night a different price: 7 ranges, 3 a call.
    const plan = planRatePush({ marked: nights('standard', '2027-01-01', 7), terms: (_p, night) => priced(10_000 + Number(night.slice(-2))), pricing: plain, fx: noRate, rangesPerCall: 3 });
    expect(plan.calls.map((c) => c.ranges.length)).toEqual([3, 3, 1]);
    expect(plan.calls.map((c) => c.nights.map((n) => n.night))).toEqual([
      ['2027-01-01', '2027-01-02', '2027-01-03'],
      ['2027-01-04', '2027-01-05', '2027-01-06'],
      ['2027-01-07'],
    ]);
  });

  it('a night the PMS holds no terms for is pushed open, with no price', () => {
    const plan = planRatePush({ marked: nights('standard', '2027-01-01', 1), terms: () => undefined, pricing: plain, fx: noRate, rangesPerCall: 200 });
    expect(plan.calls[0]!.ranges).toEqual([{ ...open, from: '2027-01-01', to: '2027-01-02', ratePlanId: 'standard' }]);
  });

  // Found by a review: a retry after a timeout reused the id with other prices, and a channel that dedupes kept the old ones.
  it('a call’s request id is the same for the same nights, markings and terms, and another for other terms', () => {
    const work = { channel: 'EXPEDIA', listingId: 'L1' };
    const marks = new Map([['standard', 7]]);
    const callAt = (amountMinor: number) => planRatePush({ marked: nights('standard', '2027-01-01', 3), terms: () => priced(amountMinor), pricing: plain, fx: noRate, rangesPerCall: 200 }).calls[0]!;
    expect(rateRequestId(work, callAt(10_000), marks)).toBe(rateRequestId(work, callAt(10_000), marks));
    expect(rateRequestId(work, callAt(10_000), marks)).toMatch(/^rates-[0-9a-f]{32}$/);
    expect(rateRequestId(work, callAt(11_000), marks)).not.toBe(rateRequestId(work, callAt(10_000), marks));
    expect(rateRequestId(work, callAt(10_000), new Map([['standard', 8]]))).not.toBe(rateRequestId(work, callAt(10_000), marks));
  });
});
