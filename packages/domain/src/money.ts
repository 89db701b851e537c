import { currencyExponent, isCurrencyCode } from './currencies';

/**
 * Money as integer minor units of an ISO 4217 currency. Amounts are compared only in one
 * currency; converting needs an explicit rate, and a missing rate is a conflict of its own.
 */

export type CurrencyCode = string & { readonly __brand: 'CurrencyCode' };

export interface Money {
  readonly amountMinor: number;
  readonly currency: CurrencyCode;
}

export type MoneyProblem = 'unknown_currency' | 'amount_not_integer' | 'amount_negative' | 'amount_too_large';

/** Largest total we accept: 10^12 minor units (10 billion EUR); above that it is a unit error. */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;

export function parseMoney(amountMinor: number, currency: string): Money | MoneyProblem {
  // A lookup in the ISO list, not an object's keys: 'constructor' is no currency.
  if (!isCurrencyCode(currency)) return 'unknown_currency';
  if (!Number.isSafeInteger(amountMinor)) return 'amount_not_integer';
  if (amountMinor < 0) return 'amount_negative';
  if (amountMinor > MAX_AMOUNT_MINOR) return 'amount_too_large';
  return { amountMinor, currency: currency as CurrencyCode };
}

export function isMoney(value: Money | MoneyProblem): value is Money {
  return typeof value === 'object';
}

/**
 * A conversion rate as an exact fraction: 1 unit of `from` is `numerator / denominator` units of
 * `to` (in major units). Kept as integers so no float rounding enters a comparison.
 */
export interface ConversionRate {
  readonly from: CurrencyCode;
  readonly to: CurrencyCode;
  readonly numerator: number;
  readonly denominator: number;
}

export type RateLookup = (from: CurrencyCode, to: CurrencyCode) => ConversionRate | undefined;

export const noRates: RateLookup = () => undefined;

/** Converts to the rate's target currency, rounding half away from zero to a minor unit. */
export function convert(money: Money, rate: ConversionRate): Money {
  if (money.currency !== rate.from) throw new Error(`rate converts ${rate.from}, not ${money.currency}`);
  const exponentShift = exponentOf(rate.to) - exponentOf(rate.from);
  const scaledNumerator = BigInt(money.amountMinor) * BigInt(rate.numerator) * 10n ** BigInt(Math.max(exponentShift, 0));
  const scaledDenominator = BigInt(rate.denominator) * 10n ** BigInt(Math.max(-exponentShift, 0));
  const rounded = (2n * scaledNumerator + scaledDenominator) / (2n * scaledDenominator);
  return { amountMinor: Number(rounded), currency: rate.to };
}

/** Basis points (1/100 of a percent) of a difference, relative to the reference amount. */
export type BasisPoints = number;

export type PriceComparison =
  | {
      readonly kind: 'same_currency' | 'converted';
      readonly reference: Money;
      /** The other amount, in the reference's currency. */
      readonly other: Money;
      /** |other - reference| in minor units of the reference currency. */
      readonly difference: number;
      /** The relative difference rounded up, so `differenceBp > N` is exact for a whole N. */
      readonly differenceBp: BasisPoints;
      readonly rate: ConversionRate | null;
    }
  | { readonly kind: 'no_rate'; readonly reference: Money; readonly other: Money };

/**
 * Compares `other` with `reference` in the reference's currency. The relative difference is
 * |other - reference| / reference; a zero reference gives 0 if both are zero and an unbounded
 * difference (Infinity) otherwise, never a division by zero.
 */
export function comparePrices(reference: Money, other: Money, rates: RateLookup): PriceComparison {
  let inReferenceCurrency = other;
  let rate: ConversionRate | null = null;
  if (other.currency !== reference.currency) {
    const found = rates(other.currency, reference.currency);
    if (!found) return { kind: 'no_rate', reference, other };
    rate = found;
    inReferenceCurrency = convert(other, found);
  }
  const difference = Math.abs(inReferenceCurrency.amountMinor - reference.amountMinor);
  const differenceBp =
    reference.amountMinor === 0 ? (difference === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.ceil((difference * 10_000) / reference.amountMinor);
  return { kind: rate ? 'converted' : 'same_currency', reference, other: inReferenceCurrency, difference, differenceBp, rate };
}

/** True when the difference is more than `toleranceBp` of the reference, exactly (no rounding). */
export function exceeds(comparison: { reference: Money; difference: number }, toleranceBp: BasisPoints): boolean {
  return comparison.difference * 10_000 > toleranceBp * comparison.reference.amountMinor;
}

export function formatMoney(money: Money): string {
  const exponent = currencyExponent(money.currency) ?? 2;
  const major = money.amountMinor / 10 ** exponent;
  return `${money.currency} ${major.toFixed(exponent)}`;
}

/** A branded code passed parseMoney, so it has an exponent; anything else is a caller's bug. */
function exponentOf(code: CurrencyCode): number {
  const exponent = currencyExponent(code);
  if (exponent === undefined) throw new Error(`'${code}' is not an ISO 4217 currency with minor units`);
  return exponent;
}
