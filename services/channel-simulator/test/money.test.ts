import { CURRENCY_EXPONENTS, parseMoney } from '@cm/domain';
import { formatMajorUnits, isKnownCurrency } from '../src/money';

describe("currencies are the domain's", () => {
  it('a code is known exactly when the domain parses money in it', () => {
    const codes = [...Intl.supportedValuesOf('currency'), ...Object.keys(CURRENCY_EXPONENTS), 'XYZ', 'eur', 'constructor', ''];
    for (const code of codes) expect({ code, known: isKnownCurrency(code) }).toEqual({ code, known: parseMoney(0, code) !== 'unknown_currency' });
  });

  it("major units carry the domain's exponent for every currency it knows", () => {
    for (const [code, exponent] of Object.entries(CURRENCY_EXPONENTS)) {
      const text = formatMajorUnits(123_456, code);
      expect({ code, decimals: text.includes('.') ? text.split('.')[1]!.length : 0 }).toEqual({ code, decimals: exponent });
    }
    expect([formatMajorUnits(5, 'EUR'), formatMajorUnits(5, 'JPY'), formatMajorUnits(5, 'BHD')]).toEqual(['0.05', '5', '0.005']);
  });
});
