import { convert, type CurrencyCode, type LocalDate } from '@cm/domain';
import fc from 'fast-check';
import { conversionRate, DEFAULT_MAX_RATE_AGE_DAYS, parseDecimalRate, rateLookupOf, utcDateOf, type DecimalRate, type NewestRate, type RateSnapshot } from '../src';

const c = (code: string) => code as CurrencyCode;
const d = (date: string) => date as LocalDate;
const decimal = (text: string): DecimalRate => {
  const rate = parseDecimalRate(text);
  if (typeof rate === 'string') throw new Error(rate);
  return rate;
};
const snapshotOf = (rates: Record<string, [rate: string, date: string]>): RateSnapshot =>
  new Map(Object.entries(rates).map(([currency, [rate, date]]): [CurrencyCode, NewestRate] => [c(currency), { currency: c(currency), date: d(date), rate: decimal(rate) }]));

const TODAY = d('2026-12-07'); // a Monday
const SNAPSHOT = snapshotOf({ USD: ['1.0525', '2026-12-04'], JPY: ['163.24', '2026-12-04'], GBP: ['0.86185', '2026-12-03'], CHF: ['0.9316', '2026-12-02'] });
const rate = (from: string, to: string, snapshot = SNAPSHOT, today = TODAY) => conversionRate(snapshot, c(from), c(to), today, DEFAULT_MAX_RATE_AGE_DAYS);

describe('decimal rates as exact fractions', () => {
  it.each([
    ['1.0525', '1.0525', 421, 400],
    ['163.24', '163.24', 4081, 25],
    ['146.30', '146.30', 1463, 10],
    ['0.86185', '0.86185', 17237, 20000],
    ['16741.67', '16741.67', 1674167, 100],
    ['007.5', '7.5', 15, 2],
    ['25', '25', 25, 1],
    ['0.000000000000001', '0.000000000000001', 1, 1e15],
  ])('%s is %s = %i/%i', (text, kept, numerator, denominator) => {
    expect(parseDecimalRate(text)).toEqual({ text: kept, numerator, denominator });
  });
});

describe('cross rates through the euro, and the rule for a missing or stale rate', () => {
  it('EUR to a currency is its reference rate; back is its inverse', () => {
    expect(rate('EUR', 'USD')).toEqual({ from: 'EUR', to: 'USD', numerator: 421, denominator: 400 });
    expect(rate('USD', 'EUR')).toEqual({ from: 'USD', to: 'EUR', numerator: 400, denominator: 421 });
  });

  it('a cross rate is rate(to) / rate(from), exact and reduced: 1 USD = 163.24 / 1.0525 JPY', () => {
    const usdJpy = rate('USD', 'JPY')!;
    expect(usdJpy).toEqual({ from: 'USD', to: 'JPY', numerator: 65296, denominator: 421 });
    // 100.00 USD is 15,509.74... JPY: rounded half away from zero to whole yen.
    expect(convert({ amountMinor: 10_000, currency: c('USD') }, usdJpy)).toEqual({ amountMinor: 15_510, currency: 'JPY' });
  });

  it('no rate for a currency the table does not hold, on either side', () => {
    expect(rate('USD', 'BRL')).toBeUndefined();
    expect(rate('BRL', 'EUR')).toBeUndefined();
  });

  it(`a rate up to ${DEFAULT_MAX_RATE_AGE_DAYS} calendar days old is used (Friday's on Monday, Thursday's after a Friday holiday); older is stale: no rate`, () => {
    expect(rate('EUR', 'GBP')).toBeDefined(); // Thursday's on Monday: 4 days
    expect(rate('EUR', 'CHF')).toBeUndefined(); // Wednesday's on Monday: 5 days
    expect(rate('CHF', 'USD')).toBeUndefined(); // one stale side is enough
    expect(rate('EUR', 'USD', SNAPSHOT, d('2026-12-08'))).toBeDefined();
    expect(rate('EUR', 'USD', SNAPSHOT, d('2026-12-09'))).toBeUndefined();
    expect(conversionRate(SNAPSHOT, c('EUR'), c('CHF'), TODAY, 5)).toBeDefined();
  });

  it('a rate dated after today (a clock behind the publisher) is fresh', () => {
    expect(rate('EUR', 'USD', SNAPSHOT, d('2026-12-03'))).toBeDefined();
  });

  it('a cross fraction beyond safe integers is no rate, never a rounded one', () => {
    const wide = snapshotOf({ USD: ['123456789012345', '2026-12-07'], JPY: ['0.000000000000007', '2026-12-07'] });
    expect(rate('EUR', 'USD', wide)).toBeDefined();
    expect(rate('USD', 'JPY', wide)).toBeUndefined();
  });

  it('rateLookupOf is the domain RateLookup over a snapshot; the UTC date of an instant', () => {
    expect(rateLookupOf(SNAPSHOT, TODAY, 4)(c('EUR'), c('JPY'))).toEqual({ from: 'EUR', to: 'JPY', numerator: 4081, denominator: 25 });
    expect(utcDateOf(Date.parse('2026-12-07T23:59:59.999Z'))).toBe('2026-12-07');
    expect(utcDateOf(Date.parse('2026-12-08T00:00:00Z'))).toBe('2026-12-08');
  });

  const rateText = fc.tuple(fc.integer({ min: 1, max: 9_999_999 }), fc.integer({ min: 0, max: 6 })).map(([digits, scale]) => {
    const text = String(digits).padStart(scale + 1, '0');
    return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  });

  it('property: for rates of up to 7 digits (as the ECB publishes), A->B times B->A is exactly 1, and A->B equals A->EUR->B', () => {
    fc.assert(
      fc.property(rateText, rateText, (a, b) => {
        const snapshot = snapshotOf({ USD: [a, '2026-12-07'], JPY: [b, '2026-12-07'] });
        const there = rate('USD', 'JPY', snapshot)!;
        const back = rate('JPY', 'USD', snapshot)!;
        const viaEuro = [rate('USD', 'EUR', snapshot)!, rate('EUR', 'JPY', snapshot)!];
        expect(BigInt(there.numerator) * BigInt(back.numerator)).toBe(BigInt(there.denominator) * BigInt(back.denominator));
        expect(BigInt(there.numerator) * BigInt(viaEuro[0]!.denominator) * BigInt(viaEuro[1]!.denominator)).toBe(BigInt(there.denominator) * BigInt(viaEuro[0]!.numerator) * BigInt(viaEuro[1]!.numerator));
      }),
    );
  });
});
