/**
 * A rate as the ECB writes it ("1.0525": units of a currency for one euro) and as an exact
 * fraction of integers, reduced: 1.0525 is 421/400. No float ever holds a rate.
 */
export interface DecimalRate {
  /** The decimal as written, leading zeros of the whole part removed ("1.0525", "0.86185"). */
  readonly text: string;
  readonly numerator: number;
  readonly denominator: number;
}

/** Digits we keep exactly: 15 keeps numerator and denominator below 2^53 (ECB rates have at most 7). */
export const MAX_RATE_DIGITS = 15;

const POSITIVE_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** The exact rate of a positive decimal, or why it is not one. */
export function parseDecimalRate(text: string): DecimalRate | string {
  const match = POSITIVE_DECIMAL.exec(text);
  if (!match) return `'${text.slice(0, 40)}' is not a positive decimal number`;
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return `'${text}' is zero: a rate is positive`;
  if (digits.length > MAX_RATE_DIGITS || fraction.length > MAX_RATE_DIGITS) return `'${text.slice(0, 40)}' has more than ${MAX_RATE_DIGITS} digits: more than any reference rate, and more than we keep exactly`;
  const numerator = BigInt(digits);
  const denominator = 10n ** BigInt(fraction.length);
  const divisor = gcd(numerator, denominator);
  return { text: match[2] === undefined ? whole : `${whole}.${match[2]}`, numerator: Number(numerator / divisor), denominator: Number(denominator / divisor) };
}

export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}
