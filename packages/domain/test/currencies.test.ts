import { code as packageRecord, data as packageData } from 'currency-codes';
import { currencyCodes, currencyExponent, CURRENCY_EXPONENTS, exponentsOfIsoList, isCurrencyCode, ISO_4217_PUBLISHED } from '../src/currencies';
import { convert, parseMoney, type CurrencyCode } from '../src/money';

describe('ISO 4217 currencies from the maintained list (currency-codes)', () => {
  it.each([
    ['VND', 0],
    ['COP', 2],
    ['ARS', 2],
    ['EGP', 2],
    ['BHD', 3],
    ['CLF', 4],
    ['JPY', 0],
    ['EUR', 2],
    ['KWD', 3],
    ['ISK', 0],
  ])('%s is accepted with exponent %i', (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
    expect(isCurrencyCode(code)).toBe(true);
    expect(parseMoney(100, code)).toEqual({ amountMinor: 100, currency: code });
  });

  it.each(['XAU', 'XAG', 'XDR', 'XTS', 'XXX', 'XBA'])('%s has no numeric minor unit ("N.A.") and is refused', (code) => {
    expect(currencyExponent(code)).toBeUndefined();
    expect(isCurrencyCode(code)).toBe(false);
    expect(parseMoney(100, code)).toBe('unknown_currency');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'eur', 'ZZZ', '', 'EURO'])('%j is no currency, whatever an object inherits', (code) => {
    expect(currencyExponent(code)).toBeUndefined();
    expect(isCurrencyCode(code)).toBe(false);
    expect(Object.hasOwn(CURRENCY_EXPONENTS, code)).toBe(false);
    expect(CURRENCY_EXPONENTS[code]).toBeUndefined();
    expect(parseMoney(100, code)).toBe('unknown_currency');
  });

  it('takes every code of the list: more than the old hand-kept 36, CFA francs at 0 digits', () => {
    expect(currencyCodes().length).toBeGreaterThan(150);
    expect(currencyExponent('XOF')).toBe(0);
    expect(currencyExponent('XAF')).toBe(0);
    expect(ISO_4217_PUBLISHED).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("agrees with the package's parsed data wherever the ISO gives a number, and refuses where it gives N.A. (which the data records as 0)", () => {
    for (const record of packageData) {
      const exponent = currencyExponent(record.code);
      if (exponent !== undefined) expect([record.code, exponent]).toEqual([record.code, record.digits]);
      else expect([record.code, record.digits]).toEqual([record.code, 0]);
    }
    expect(packageRecord('XAU')?.digits).toBe(0);
    expect(currencyCodes().every((code) => packageRecord(code) !== undefined)).toBe(true);
  });

  it('reading the list: a code is refused if any entry gives it no number; a contradiction or a short list fails loudly', () => {
    const entry = (code: string, minor?: string) => `<CcyNtry><CtryNm>X</CtryNm><Ccy>${code}</Ccy>${minor === undefined ? '' : `<CcyMnrUnts>${minor}</CcyMnrUnts>`}</CcyNtry>`;
    const filler = Array.from({ length: 100 }, (_, i) => entry(`Q${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`, '2')).join('');
    const list = exponentsOfIsoList(`<ISO_4217>${filler}${entry('AAA', '3')}${entry('BBB', 'N.A.')}${entry('CCC')}${entry('DDD', '2')}${entry('DDD', 'N.A.')}<CcyNtry><CtryNm>ANTARCTICA</CtryNm></CcyNtry></ISO_4217>`);
    expect([list.get('AAA'), list.has('BBB'), list.has('CCC'), list.has('DDD')]).toEqual([3, false, false, false]);
    expect(() => exponentsOfIsoList(`${filler}${entry('AAA', '2')}${entry('AAA', '3')}`)).toThrow(/AAA both 2 and 3/);
    expect(() => exponentsOfIsoList(entry('AAA', '2'))).toThrow(/only 1 currencies/);
  });

  it('converting to a code without minor units is a caller error, never a NaN amount', () => {
    const rate = { from: 'EUR' as CurrencyCode, to: 'XAU' as CurrencyCode, numerator: 1, denominator: 2000 };
    expect(() => convert({ amountMinor: 100, currency: 'EUR' as CurrencyCode }, rate)).toThrow(/'XAU' is not an ISO 4217 currency with minor units/);
  });
});
