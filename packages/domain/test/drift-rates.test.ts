import fc from 'fast-check';
import { DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS } from '../src/drift';
import { detectRateDrift, type ListingRatePricing, type RateDriftInput, type RatePlanNights } from '../src/drift-rates';
import { assess } from '../src/escalation';
import { noRates, type ConversionRate, type CurrencyCode, type RateLookup } from '../src/money';
import { channelPrice, OPEN_NIGHT, type NightTerms } from '../src/rates';
import { addDays, type LocalDate } from '../src/stay-dates';
import { money } from './builders';

const START = '2027-03-01' as LocalDate;
const day = (i: number) => addDays(START, i);
const EUR = 'EUR' as CurrencyCode;
const USD = 'USD' as CurrencyCode;
/** 1 USD = 0.9 EUR. */
const USD_EUR: ConversionRate = { from: USD, to: EUR, numerator: 9, denominator: 10 };
const withUsd: RateLookup = (from, to) => (from === USD && to === EUR ? USD_EUR : undefined);

const plain: ListingRatePricing = { currency: EUR, markup: { kind: 'percent', basisPoints: 0 }, ratePlans: {} };
const terms = (set: Partial<NightTerms> = {}): NightTerms => ({ ...OPEN_NIGHT, price: money(10_000), ...set });
/** One plan's nights [0, count) of the window, each with `of(i)`. */
const plan = (count: number, of: (i: number) => NightTerms | undefined): Map<LocalDate, NightTerms> =>
  new Map(Array.from({ length: count }, (_, i) => [day(i), of(i)] as const).filter((e): e is readonly [LocalDate, NightTerms] => e[1] !== undefined));
const plans = (entries: Record<string, Map<LocalDate, NightTerms>>): RatePlanNights => new Map(Object.entries(entries));

const detect = (input: Partial<RateDriftInput> & Pick<RateDriftInput, 'pms' | 'channelRates'>) =>
  detectRateDrift({ channel: 'AIRBNB', from: START, days: 30, pricing: plain, fx: noRates, ...input });

describe('rate drift: each plan the listing sells, night by night, against what the channel should show', () => {
  it('a channel showing the PMS terms, converted and marked up under its own plan ids, has no drift', () => {
    const pricing: ListingRatePricing = { currency: EUR, markup: { kind: 'percent', basisPoints: 1_000 }, ratePlans: { standard: 'AB-STD', nonref: 'AB-NR' } };
    const pms = plans({ standard: plan(30, (i) => terms({ price: money(10_000 + i * 100, 'USD'), minStayArrival: 2 })), nonref: plan(30, () => terms({ stopSell: true, price: null })) });
    const shown = (nights: Map<LocalDate, NightTerms>) =>
      new Map([...nights].map(([night, t]) => [night, { ...t, price: t.price && (channelPrice(t.price, pricing, withUsd) as typeof t.price) }] as const));
    const report = detect({ pms, channelRates: plans({ 'AB-STD': shown(pms.get('standard') as Map<LocalDate, NightTerms>), 'AB-NR': shown(pms.get('nonref') as Map<LocalDate, NightTerms>) }), pricing, fx: withUsd });
    expect(report).toMatchObject({ compared: 60, unreported: 0, unpriced: 0, mismatches: [], corrections: [], driftNights: 0, conflicts: [] });
    // USD 100.00 at 0.9 is EUR 90.00, plus 10%: 99.00.
    expect(channelPrice(money(10_000, 'USD'), pricing, withUsd)).toEqual(money(9_900));
  });

  it.each([
    ['1% above', 10_100, false],
    ['1% below', 9_900, false],
    ['half a percent above', 10_050, false],
    ['just over 1% above', 10_101, true],
    ['just over 1% below', 9_899, true],
    ['20% above', 12_000, true],
  ])('a channel price %s the PMS price (1%% tolerance, PRICE_TOLERANCE_BP): drift %s', (_, shownMinor, drifts) => {
    const report = detect({ pms: plans({ standard: plan(1, () => terms()) }), channelRates: plans({ standard: plan(1, () => terms({ price: money(shownMinor) })) }) });
    expect(report.driftNights).toBe(drifts ? 1 : 0);
    expect(report.mismatches.map((m) => m.kinds)).toEqual(drifts ? [['price']] : []);
  });

  it('the tolerance is of the price the channel should show: after conversion and markup', () => {
    const pricing: ListingRatePricing = { currency: EUR, markup: { kind: 'fixed', amountMinor: 1_000 }, ratePlans: {} };
    // USD 100.00 -> EUR 90.00 + 10.00 = EUR 100.00: EUR 100.00 is right, 101.00 within 1%, 102.00 beyond.
    const pms = plans({ standard: plan(3, () => terms({ price: money(10_000, 'USD') })) });
    const channelRates = plans({ standard: plan(3, (i) => terms({ price: money([10_000, 10_100, 10_200][i]!) })) });
    const report = detect({ pms, channelRates, pricing, fx: withUsd });
    expect(report.mismatches).toEqual([expect.objectContaining({ night: day(2), fields: ['price'], expected: terms({ price: money(10_000) }) })]);
  });

  it.each([
    ['in another currency', money(10_000, 'USD'), terms()],
    ['missing where the PMS set one', null, terms()],
    ['set where the PMS set none', money(10_000), terms({ price: null })],
  ] as const)('a channel price %s is a price mismatch', (_, shownPrice, pmsTerms) => {
    const report = detect({ pms: plans({ standard: plan(1, () => pmsTerms) }), channelRates: plans({ standard: plan(1, () => terms({ price: shownPrice })) }) });
    expect(report.mismatches).toEqual([expect.objectContaining({ kinds: ['price'], fields: ['price'] })]);
  });

  it('no price on either side is no price mismatch', () => {
    const report = detect({ pms: plans({ standard: plan(1, () => terms({ price: null })) }), channelRates: plans({ standard: plan(1, () => terms({ price: null })) }) });
    expect(report.driftNights).toBe(0);
  });

  it.each([
    ['minStayArrival', 3],
    ['minStayThrough', 5],
    ['maxStay', 14],
    ['closedToArrival', true],
    ['closedToDeparture', true],
    ['stopSell', true],
  ] as const)('a stay rule other than the PMS one (%s) is a restriction mismatch', (field, value) => {
    const report = detect({ pms: plans({ standard: plan(1, () => terms()) }), channelRates: plans({ standard: plan(1, () => terms({ [field]: value })) }) });
    expect(report.mismatches).toEqual([expect.objectContaining({ night: day(0), kinds: ['restriction'], fields: [field] })]);
    expect(report).toMatchObject({ driftNights: 1, priceNights: 0, restrictionNights: 1 });
  });

  it('a rule the PMS set and the channel lost (null there) is a mismatch too', () => {
    const report = detect({ pms: plans({ standard: plan(1, () => terms({ minStayArrival: 2, closedToArrival: true })) }), channelRates: plans({ standard: plan(1, () => terms()) }) });
    expect(report.mismatches[0]).toMatchObject({ fields: ['minStayArrival', 'closedToArrival'], shown: terms() });
  });

  it('a night with both a price and a rule off is classified both, and counted once in the drift nights', () => {
    const report = detect({ pms: plans({ standard: plan(2, () => terms()) }), channelRates: plans({ standard: plan(2, (i) => terms(i === 0 ? { price: money(20_000), stopSell: true } : { maxStay: 3 })) }) });
    expect(report.mismatches.map((m) => [m.night, m.kinds, m.fields])).toEqual([
      [day(0), ['price', 'restriction'], ['price', 'stopSell']],
      [day(1), ['restriction'], ['maxStay']],
    ]);
    expect(report).toMatchObject({ driftNights: 2, priceNights: 1, restrictionNights: 2 });
  });

  it('a night the PMS never set terms for is not compared, whatever the channel shows', () => {
    const report = detect({ pms: plans({ standard: plan(10, (i) => (i < 5 ? terms() : undefined)) }), channelRates: plans({ standard: plan(10, () => terms({ price: money(1), stopSell: true })) }) });
    expect(report).toMatchObject({ compared: 5, unreported: 0, driftNights: 5 });
    expect(report.mismatches.map((m) => m.night)).toEqual([0, 1, 2, 3, 4].map(day));
  });

  it('only the plans the listing sells are compared: an unmapped PMS plan is not', () => {
    const pricing: ListingRatePricing = { ...plain, ratePlans: { standard: 'EX-1' } };
    const report = detect({ pms: plans({ standard: plan(2, () => terms()), nonref: plan(2, () => terms()) }), channelRates: plans({ 'EX-1': plan(2, () => terms({ minStayThrough: 4 })), nonref: plan(2, () => terms({ stopSell: true })) }), pricing });
    expect(report.mismatches.map((m) => [m.ratePlan, m.channelRatePlan])).toEqual([
      ['standard', 'EX-1'],
      ['standard', 'EX-1'],
    ]);
    expect(report.compared).toBe(2);
  });

  it('a mapping is read as own keys only: a plan named like an Object property is not sold', () => {
    const pricing: ListingRatePricing = { ...plain, ratePlans: { standard: 'S' } };
    const report = detect({ pms: plans({ constructor: plan(1, () => terms()) }), channelRates: plans({}), pricing });
    expect(report).toMatchObject({ compared: 0, unreported: 0 });
  });

  it('a plan or a night the channel does not show is counted unreported, not drift', () => {
    const report = detect({ pms: plans({ standard: plan(4, () => terms()), nonref: plan(3, () => terms()) }), channelRates: plans({ standard: plan(2, () => terms()) }) });
    expect(report).toMatchObject({ compared: 2, unreported: 5, driftNights: 0, corrections: [] });
  });

  it('a night without an exchange rate has no price to compare; its stay rules still are', () => {
    const pms = plans({ standard: plan(2, () => terms({ price: money(10_000, 'USD'), minStayArrival: 2 })) });
    const channelRates = plans({ standard: plan(2, (i) => terms({ price: money(1), minStayArrival: i === 0 ? 2 : 1 })) });
    const report = detect({ pms, channelRates, fx: noRates });
    expect(report).toMatchObject({ compared: 2, unpriced: 2, driftNights: 1, priceNights: 0, restrictionNights: 1 });
    expect(report.mismatches[0]).toMatchObject({ night: day(1), fields: ['minStayArrival'], expected: { price: null, minStayArrival: 2 } });
  });

  it("corrections name each plan's drifted nights in runs of equal PMS terms, with those terms", () => {
    const pms = plans({
      standard: plan(10, (i) => terms({ price: money(i < 6 ? 10_000 : 15_000) })),
      nonref: plan(10, () => terms({ price: money(9_000) })),
    });
    const channelRates = plans({
      // nights 1-3 and 5-7 drifted: 5 and 6-7 hold other PMS prices, 4 is a gap.
      standard: plan(10, (i) => terms({ price: money(i < 6 ? 10_000 : 15_000), stopSell: [1, 2, 3, 5, 6, 7].includes(i) })),
      nonref: plan(10, (i) => terms({ price: money(i === 9 ? 1 : 9_000) })),
    });
    const report = detect({ pms, channelRates });
    expect(report.corrections).toEqual([
      { ratePlan: 'nonref', from: day(9), to: day(10), terms: terms({ price: money(9_000) }) },
      { ratePlan: 'standard', from: day(1), to: day(4), terms: terms() },
      { ratePlan: 'standard', from: day(5), to: day(6), terms: terms() },
      { ratePlan: 'standard', from: day(6), to: day(8), terms: terms({ price: money(15_000) }) },
    ]);
  });

  it('a night drifted in two plans is one night of PRICE_DRIFT (MEDIUM, corrected, no review)', () => {
    const pms = plans({ standard: plan(3, () => terms()), nonref: plan(3, () => terms()) });
    const channelRates = plans({ standard: plan(3, (i) => terms({ maxStay: i === 0 ? 2 : null })), nonref: plan(3, (i) => terms({ price: money(i < 2 ? 1 : 10_000) })) });
    const report = detect({ pms, channelRates, channel: 'EXPEDIA' });
    expect(report.mismatches).toHaveLength(3);
    expect(report).toMatchObject({ driftNights: 2, priceNights: 2, restrictionNights: 1 });
    expect(report.conflicts).toEqual([
      {
        facts: { type: 'PRICE_DRIFT', channel: 'EXPEDIA', nights: 2 },
        resolution: 'CORRECTED_CHANNEL',
        rule: '1.3 price drift',
        channel: 'EXPEDIA',
        summary: "EXPEDIA: 2 night(s) with a price or restriction other than the PMS's (2 price, 1 restriction); pushing the PMS's",
      },
    ]);
    expect(assess(report.conflicts[0]!.facts)).toMatchObject({ severity: 'MEDIUM', requiresReview: false });
  });

  it('nights outside the window are not compared, on either side', () => {
    const report = detect({ pms: plans({ standard: plan(40, () => terms()) }), channelRates: plans({ standard: plan(40, () => terms({ stopSell: true })) }), days: 10 });
    expect(report).toMatchObject({ window: { checkIn: START, checkOut: day(10) }, compared: 10, driftNights: 10 });
    expect(report.corrections).toEqual([{ ratePlan: 'standard', from: START, to: day(10), terms: terms() }]);
  });

  it('the window is DEFAULT_WINDOW_DAYS (90) unless given', () => {
    const report = detectRateDrift({ channel: 'VRBO', from: START, pms: plans({ standard: plan(100, () => terms()) }), channelRates: plans({ standard: plan(100, () => terms()) }), pricing: plain, fx: noRates });
    expect(report).toMatchObject({ window: { checkIn: START, checkOut: day(DEFAULT_WINDOW_DAYS) }, compared: DEFAULT_WINDOW_DAYS });
  });

  it.each([0, -1, 1.5, MAX_WINDOW_DAYS + 1])('refuses a window of %s days', (days) => {
    expect(() => detect({ pms: plans({}), channelRates: plans({}), days })).toThrow(RangeError);
  });

  const someTerms: fc.Arbitrary<NightTerms> = fc.record({
    price: fc.option(fc.integer({ min: 0, max: 50_000 }).map((n) => money(n)), { nil: null }),
    minStayArrival: fc.option(fc.integer({ min: 1, max: 7 }), { nil: null }),
    minStayThrough: fc.option(fc.integer({ min: 1, max: 7 }), { nil: null }),
    maxStay: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
    closedToArrival: fc.boolean(),
    closedToDeparture: fc.boolean(),
    stopSell: fc.boolean(),
  });
  const someNights = fc.array(fc.option(someTerms, { nil: undefined }), { minLength: 1, maxLength: 20 });

  it('property: a channel showing exactly what it should has no drift, and every compared night counts once', () => {
    fc.assert(
      fc.property(someNights, someNights, (a, b) => {
        const pms = plans({ a: plan(a.length, (i) => a[i]), b: plan(b.length, (i) => b[i]) });
        const report = detect({ pms, channelRates: pms });
        const set = a.filter(Boolean).length + b.filter(Boolean).length;
        return report.driftNights === 0 && report.compared === set && report.corrections.length === 0;
      }),
    );
  });

  it('property: the corrections cover exactly the drifted plan-nights, each with its PMS terms', () => {
    fc.assert(
      fc.property(someNights, someNights, (pmsNights, shownNights) => {
        const pms = plans({ standard: plan(pmsNights.length, (i) => pmsNights[i]) });
        const report = detect({ pms, channelRates: plans({ standard: plan(shownNights.length, (i) => shownNights[i]) }) });
        const covered = report.corrections.flatMap((c) => Array.from({ length: (Date.parse(c.to) - Date.parse(c.from)) / 86_400_000 }, (_, k) => [addDays(c.from, k), c.terms] as const));
        expect(covered.map(([night]) => night)).toEqual(report.mismatches.map((m) => m.night));
        for (const [night, t] of covered) expect(t).toEqual(pms.get('standard')!.get(night));
        expect(report.compared + report.unreported).toBe(pmsNights.filter(Boolean).length);
      }),
    );
  });
});
