import { comparePrices, convert, exceeds, formatMoney, isMoney, MAX_AMOUNT_MINOR, noRates, parseMoney, type ConversionRate, type CurrencyCode } from '../src/money';
import { money } from './builders';

const c = (code: string) => code as CurrencyCode;

describe('money', () => {
  it.each([
    [1234, 'EUR', { amountMinor: 1234, currency: 'EUR' }],
    [0, 'JPY', { amountMinor: 0, currency: 'JPY' }],
    [1234, 'XXX', 'unknown_currency'],
    [1234, 'eur', 'unknown_currency'],
    [12.5, 'EUR', 'amount_not_integer'],
    [Number.NaN, 'EUR', 'amount_not_integer'],
    [-1, 'EUR', 'amount_negative'],
    [MAX_AMOUNT_MINOR + 1, 'EUR', 'amount_too_large'],
  ])('parseMoney(%s, %s) is %j', (amount, currency, expected) => {
    expect(parseMoney(amount, currency)).toEqual(expected);
  });

  it('isMoney tells money from a problem', () => {
    expect(isMoney(parseMoney(1, 'EUR'))).toBe(true);
    expect(isMoney(parseMoney(1, 'XXX'))).toBe(false);
  });

  it('never divides by zero: both zero is equal, otherwise an unbounded difference', () => {
    expect(comparePrices(money(0), money(0), noRates)).toMatchObject({ differenceBp: 0 });
    const zeroReference = comparePrices(money(0), money(1), noRates);
    expect(zeroReference).toMatchObject({ differenceBp: Number.POSITIVE_INFINITY });
    expect(exceeds(zeroReference as never, 100)).toBe(true);
  });

  it('the 1% tolerance is exact at the edge', () => {
    const at = comparePrices(money(100_000), money(101_000), noRates);
    const past = comparePrices(money(100_000), money(101_001), noRates);
    expect(exceeds(at as never, 100)).toBe(false);
    expect(exceeds(past as never, 100)).toBe(true);
  });

  it('converts with an exact rate, across minor-unit exponents, rounding half away from zero', () => {
    const usdToJpy: ConversionRate = { from: c('USD'), to: c('JPY'), numerator: 15_025, denominator: 100 };
    expect(convert(money(1_000, 'USD'), usdToJpy)).toEqual(money(1_503, 'JPY')); // 10.00 USD at 150.25 = 1502.5 JPY
    const jpyToEur: ConversionRate = { from: c('JPY'), to: c('EUR'), numerator: 1, denominator: 160 };
    expect(convert(money(16_000, 'JPY'), jpyToEur)).toEqual(money(10_000, 'EUR'));
    const eurToKwd: ConversionRate = { from: c('EUR'), to: c('KWD'), numerator: 33, denominator: 100 };
    expect(convert(money(100, 'EUR'), eurToKwd)).toEqual(money(330, 'KWD'));
    expect(() => convert(money(1, 'EUR'), usdToJpy)).toThrow(/converts USD, not EUR/);
  });

  it('a different currency without a rate cannot be compared', () => {
    expect(comparePrices(money(1, 'EUR'), money(1, 'USD'), noRates).kind).toBe('no_rate');
  });

  it('formats for people', () => {
    expect(formatMoney(money(123_456))).toBe('EUR 1234.56');
    expect(formatMoney(money(500, 'JPY'))).toBe('JPY 500');
  });
});
