import { CURRENCY_EXPONENTS, parseMoney, type Money as DomainMoney } from '@cm/domain';

/**
 * Prices as the ARI API carries them: integer minor units of an ISO 4217 currency. Which
 * currencies exist, and their minor-unit exponents, are the domain's (@cm/domain money.ts), so
 * the simulator takes exactly the currencies the rest of the system does.
 */
export interface Money {
  readonly amount_minor: number;
  readonly currency: string;
}

export function isKnownCurrency(code: string): boolean {
  return parseMoney(0, code) !== 'unknown_currency';
}

/** Minor-unit digits of a currency the domain knows (JPY 0, EUR 2, BHD 3). */
export function currencyExponent(currency: string): number {
  const exponent = CURRENCY_EXPONENTS[currency];
  if (exponent === undefined) throw new Error(`no exponent for currency ${currency}`);
  return exponent;
}

/** `12345` EUR -> `"123.45"`: the decimal major-unit string the webhook contract carries. */
export function formatMajorUnits(amountMinor: number, currency: string): string {
  const digits = currencyExponent(currency);
  if (digits === 0) return String(amountMinor);
  const text = String(amountMinor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

export function domainMoneyOf(money: Money): DomainMoney {
  const parsed = parseMoney(money.amount_minor, money.currency);
  if (typeof parsed === 'string') throw new Error(`not money: ${parsed}`);
  return parsed;
}

/** The wire form of a stored price; one object per price pushed, as a range's nights share it (calendar reads are the hot path). */
export function toWireMoney(money: DomainMoney): Money {
  let wire = wireForms.get(money);
  if (!wire) wireForms.set(money, (wire = Object.freeze({ amount_minor: money.amountMinor, currency: money.currency })));
  return wire;
}

const wireForms = new WeakMap<DomainMoney, Money>();
