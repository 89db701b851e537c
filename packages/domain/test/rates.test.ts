import fc from 'fast-check';
import type { ConversionRate, CurrencyCode, Money } from '../src/money';
import { applyTermsUpdate, applyTermsUpdates, channelPrice, OPEN_NIGHT, stayRefusal, stayTotal, termsOf, termsRanges, type KeptNight, type NightTerms, type TermsUpdate } from '../src/rates';
import { addDays, nightsOf, type LocalDate, type StayDates } from '../src/stay-dates';

const d = (s: string) => s as LocalDate;
/** `count` consecutive nights from `first`: a season given by its length. */
const nightsFrom = (first: LocalDate, count: number) => nightsOf({ checkIn: first, checkOut: addDays(first, count) });
const c = (s: string) => s as CurrencyCode;
const eur = (amountMinor: number): Money => ({ amountMinor, currency: c('EUR') });
const update = (from: string, to: string, version: number, set: Partial<NightTerms>): TermsUpdate => ({ from: d(from), to: d(to), version, set });
const stay = (checkIn: string, checkOut: string): StayDates => ({ checkIn: d(checkIn), checkOut: d(checkOut) });
const termsIn = (nights: Record<string, Partial<NightTerms>>) => (night: LocalDate): NightTerms => ({ ...OPEN_NIGHT, ...nights[night] });

describe('rates and restrictions: kept per night and field, the newest version wins', () => {
  it('an update sets its fields on every night of its range, and says which nights changed', () => {
    const { nights, changed } = applyTermsUpdate(new Map(), update('2027-07-01', '2027-07-04', 1, { price: eur(12_000), minStayArrival: 2 }));
    expect(changed).toEqual(['2027-07-01', '2027-07-02', '2027-07-03']);
    expect(termsOf(nights.get(d('2027-07-02')))).toEqual({ ...OPEN_NIGHT, price: eur(12_000), minStayArrival: 2 });
    expect(nights.has(d('2027-07-04'))).toBe(false);
  });

  it('an older update arriving after a newer one changes nothing it covers', () => {
    const newer = applyTermsUpdate(new Map(), update('2027-07-01', '2027-07-03', 5, { price: eur(15_000) }));
    const late = applyTermsUpdate(newer.nights, update('2027-07-01', '2027-07-03', 4, { price: eur(9_000) }));
    expect(late.changed).toEqual([]);
    expect(termsOf(late.nights.get(d('2027-07-01'))).price).toEqual(eur(15_000));
  });

  it('the same version again is a replay: nothing changes', () => {
    const first = applyTermsUpdate(new Map(), update('2027-07-01', '2027-07-02', 3, { stopSell: true }));
    expect(applyTermsUpdate(first.nights, update('2027-07-01', '2027-07-02', 3, { stopSell: false })).changed).toEqual([]);
  });

  it('fields are versioned apart: an older update of one field still sets a field a newer update did not touch', () => {
    const prices = applyTermsUpdate(new Map(), update('2027-07-01', '2027-07-02', 7, { price: eur(10_000) }));
    const rules = applyTermsUpdate(prices.nights, update('2027-07-01', '2027-07-02', 6, { closedToArrival: true, price: eur(1) }));
    expect(termsOf(rules.nights.get(d('2027-07-01')))).toEqual({ ...OPEN_NIGHT, price: eur(10_000), closedToArrival: true });
  });

  it('a newer update that sets what the night already shows is no change', () => {
    const first = applyTermsUpdate(new Map(), update('2027-07-01', '2027-07-02', 1, { maxStay: 14 }));
    expect(applyTermsUpdate(first.nights, update('2027-07-01', '2027-07-02', 2, { maxStay: 14 })).changed).toEqual([]);
  });

  it('several updates applied at once keep what applying each in turn keeps, each changed night named once, and leave the nights given untouched (property)', () => {
    const updates = fc.array(fc.record({ start: fc.integer({ min: 0, max: 20 }), length: fc.integer({ min: 1, max: 10 }), version: fc.integer({ min: 1, max: 5 }), price: fc.integer({ min: 0, max: 3 }) }), { maxLength: 12 });
    fc.assert(
      fc.property(updates, (raw) => {
        const all = raw.map((u) => update(nightsFrom(d('2027-01-01'), 31)[u.start]!, nightsFrom(d('2027-01-01'), 32)[u.start + u.length]!, u.version, { price: eur(u.price) }));
        const given = applyTermsUpdate(new Map(), update('2027-01-05', '2027-01-09', 3, { price: eur(1) })).nights;
        const snapshot = JSON.stringify([...given]);
        const inTurn = all.reduce<{ nights: Map<LocalDate, KeptNight>; changed: Set<LocalDate> }>(
          (acc, u) => {
            const applied = applyTermsUpdate(acc.nights, u);
            return { nights: applied.nights, changed: new Set([...acc.changed, ...applied.changed]) };
          },
          { nights: given, changed: new Set() },
        );
        const atOnce = applyTermsUpdates(given, all);
        expect([...atOnce.nights].sort()).toEqual([...inTurn.nights].sort());
        expect([...atOnce.changed].sort()).toEqual([...inTurn.changed].sort());
        expect(new Set(atOnce.changed).size).toBe(atOnce.changed.length);
        expect(JSON.stringify([...given])).toBe(snapshot);
      }),
    );
  });

  it('whatever order updates arrive in, every night ends with the newest value of each field (property)', () => {
    const fields = fc.record({ price: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }), minStayArrival: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }), stopSell: fc.option(fc.boolean(), { nil: undefined }) });
    const updates = fc.array(fc.record({ start: fc.integer({ min: 0, max: 20 }), length: fc.integer({ min: 1, max: 10 }), set: fields }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(updates, fc.func(fc.integer()), (raw, shuffleKey) => {
        const versioned = raw.map((u, version) => {
          const set: Partial<NightTerms> = {};
          if (u.set.price !== undefined) (set as { price: Money }).price = eur(u.set.price);
          if (u.set.minStayArrival !== undefined) (set as { minStayArrival: number }).minStayArrival = u.set.minStayArrival;
          if (u.set.stopSell !== undefined) (set as { stopSell: boolean }).stopSell = u.set.stopSell;
          const [from, to] = [nightsFrom(d('2027-01-01'), 31)[u.start]!, nightsFrom(d('2027-01-01'), 32)[u.start + u.length]!];
          return { from, to, version: version + 1, set };
        });
        const shuffled = [...versioned].sort((a, b) => shuffleKey(a.version) - shuffleKey(b.version) || a.version - b.version);
        const inOrder = versioned.reduce<Map<LocalDate, KeptNight>>((kept, u) => applyTermsUpdate(kept, u).nights, new Map());
        const anyOrder = shuffled.reduce<Map<LocalDate, KeptNight>>((kept, u) => applyTermsUpdate(kept, u).nights, new Map());
        for (const night of nightsFrom(d('2027-01-01'), 31)) expect(termsOf(anyOrder.get(night))).toEqual(termsOf(inOrder.get(night)));
      }),
    );
  });
});

describe('termsRanges: nights merged into ranges of equal terms, for one push call each', () => {
  it('merges equal consecutive nights, splits where terms differ or a night is missing', () => {
    const nights = new Map<LocalDate, NightTerms>([
      [d('2027-07-01'), { ...OPEN_NIGHT, price: eur(100) }],
      [d('2027-07-02'), { ...OPEN_NIGHT, price: eur(100) }],
      [d('2027-07-03'), { ...OPEN_NIGHT, price: eur(120) }],
      [d('2027-07-05'), { ...OPEN_NIGHT, price: eur(120) }],
    ]);
    expect(termsRanges(nights).map((r) => [r.from, r.to, r.terms.price?.amountMinor])).toEqual([
      ['2027-07-01', '2027-07-03', 100],
      ['2027-07-03', '2027-07-04', 120],
      ['2027-07-05', '2027-07-06', 120],
    ]);
  });

  it('a season of 365 equal nights is one range', () => {
    const season = new Map(nightsFrom(d('2027-01-01'), 365).map((night) => [night, { ...OPEN_NIGHT, price: eur(9_900), minStayThrough: 3 }] as const));
    expect(termsRanges(season)).toEqual([{ from: '2027-01-01', to: '2028-01-01', terms: { ...OPEN_NIGHT, price: eur(9_900), minStayThrough: 3 } }]);
  });
});

describe('stayRefusal: what a platform refuses under the terms it was sent', () => {
  it('an open calendar takes any stay', () => {
    expect(stayRefusal(stay('2027-07-01', '2027-07-05'), termsIn({}))).toBeNull();
  });
  it('stop-sell on any night of the stay refuses it; on the departure day it does not', () => {
    expect(stayRefusal(stay('2027-07-01', '2027-07-05'), termsIn({ '2027-07-03': { stopSell: true } }))).toEqual({ rule: 'stop_sell', night: '2027-07-03' });
    expect(stayRefusal(stay('2027-07-01', '2027-07-05'), termsIn({ '2027-07-05': { stopSell: true } }))).toBeNull();
  });
  it('closed to arrival refuses a stay arriving that night, not one passing through it', () => {
    expect(stayRefusal(stay('2027-07-02', '2027-07-05'), termsIn({ '2027-07-02': { closedToArrival: true } }))).toEqual({ rule: 'closed_to_arrival', night: '2027-07-02' });
    expect(stayRefusal(stay('2027-07-01', '2027-07-05'), termsIn({ '2027-07-02': { closedToArrival: true } }))).toBeNull();
  });
  it('closed to departure refuses a stay leaving that day, not one staying through it', () => {
    expect(stayRefusal(stay('2027-07-01', '2027-07-05'), termsIn({ '2027-07-05': { closedToDeparture: true } }))).toEqual({ rule: 'closed_to_departure', night: '2027-07-05' });
    expect(stayRefusal(stay('2027-07-01', '2027-07-06'), termsIn({ '2027-07-05': { closedToDeparture: true } }))).toBeNull();
  });
  it("minimum stay on arrival is the arrival night's; a shorter stay arriving there is refused", () => {
    expect(stayRefusal(stay('2027-07-01', '2027-07-03'), termsIn({ '2027-07-01': { minStayArrival: 3 } }))).toEqual({ rule: 'min_stay_arrival', night: '2027-07-01', nights: 3 });
    expect(stayRefusal(stay('2027-07-01', '2027-07-04'), termsIn({ '2027-07-01': { minStayArrival: 3 } }))).toBeNull();
    expect(stayRefusal(stay('2027-06-30', '2027-07-02'), termsIn({ '2027-07-01': { minStayArrival: 3 } }))).toBeNull();
  });
  it('minimum stay through holds for every night of the stay', () => {
    expect(stayRefusal(stay('2027-06-30', '2027-07-02'), termsIn({ '2027-07-01': { minStayThrough: 3 } }))).toEqual({ rule: 'min_stay_through', night: '2027-07-01', nights: 3 });
    expect(stayRefusal(stay('2027-06-29', '2027-07-02'), termsIn({ '2027-07-01': { minStayThrough: 3 } }))).toBeNull();
  });
  it("maximum stay is the arrival night's", () => {
    expect(stayRefusal(stay('2027-07-01', '2027-07-09'), termsIn({ '2027-07-01': { maxStay: 7 } }))).toEqual({ rule: 'max_stay', night: '2027-07-01', nights: 7 });
    expect(stayRefusal(stay('2027-07-01', '2027-07-08'), termsIn({ '2027-07-01': { maxStay: 7 } }))).toBeNull();
  });
});

describe('channelPrice: the price a channel shows', () => {
  const eurToUsd: ConversionRate = { from: c('EUR'), to: c('USD'), numerator: 108, denominator: 100 };
  const rates = (from: CurrencyCode, to: CurrencyCode) => (from === 'EUR' && to === 'USD' ? eurToUsd : undefined);

  it('same currency, a percentage markup rounded half away from zero', () => {
    expect(channelPrice(eur(10_000), { currency: c('EUR'), markup: { kind: 'percent', basisPoints: 1_500 } }, rates)).toEqual(eur(11_500));
    expect(channelPrice(eur(1), { currency: c('EUR'), markup: { kind: 'percent', basisPoints: 5_000 } }, rates)).toEqual(eur(2));
  });
  it('a fixed markup in the channel currency, after conversion', () => {
    expect(channelPrice(eur(10_000), { currency: c('USD'), markup: { kind: 'fixed', amountMinor: 500 } }, rates)).toEqual({ amountMinor: 11_300, currency: 'USD' });
  });
  it('no rate for the pair: no_rate, never a guess', () => {
    expect(channelPrice(eur(10_000), { currency: c('JPY'), markup: { kind: 'percent', basisPoints: 0 } }, rates)).toBe('no_rate');
  });
});

describe('stayTotal: what a guest pays under the nights it was sent', () => {
  it('sums the nights; null when a night has no price', () => {
    expect(stayTotal(stay('2027-07-01', '2027-07-03'), termsIn({ '2027-07-01': { price: eur(100) }, '2027-07-02': { price: eur(150) } }))).toEqual(eur(250));
    expect(stayTotal(stay('2027-07-01', '2027-07-03'), termsIn({ '2027-07-01': { price: eur(100) } }))).toBeNull();
  });
});
