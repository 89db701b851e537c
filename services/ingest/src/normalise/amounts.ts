import { currencyExponent, isMoney, parseMoney } from '@cm/domain';
import type { Money } from '@cm/schemas';

const DECIMAL = /^(\d{1,13})(?:\.(\d{1,6}))?$/;

/**
 * A channel's decimal amount in major units ("123.45", or a JSON number as written) to integer
 * minor units of an ISO 4217 currency, exactly: no float arithmetic, and more decimals than the
 * currency has is refused rather than rounded (JPY has none; KWD has three).
 */
export function toMinorUnits(amount: string | number, currency: string): Money | string {
  const code = currency.trim().toUpperCase();
  const exponent = currencyExponent(code);
  if (exponent === undefined) return `unknown currency '${currency}' (ISO 4217 code expected)`;
  const text = typeof amount === 'number' ? numberText(amount) : amount.trim();
  if (text === undefined) return 'amount must be a finite number';
  if (text.startsWith('-')) return 'amount must not be negative';
  const match = DECIMAL.exec(text);
  if (!match) return `amount '${text.slice(0, 32)}' is not a decimal number`;
  const fraction = match[2] ?? '';
  if (fraction.replace(/0+$/, '').length > exponent) return `${code} has ${exponent} decimal places; '${text}' has more`;
  const minor = Number(match[1]) * 10 ** exponent + Number(fraction.padEnd(exponent, '0').slice(0, exponent) || '0');
  const money = parseMoney(minor, code);
  if (!isMoney(money)) return money === 'amount_too_large' ? `amount ${text} ${code} is beyond any plausible price` : `amount: ${money}`;
  return { amount_minor: money.amountMinor, currency: money.currency };
}

/** A JSON number as its author wrote it (the shortest round-trip form), or undefined if not finite. */
function numberText(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const text = String(value);
  return /e/i.test(text) ? (Math.abs(value) < 1 ? value.toFixed(20).replace(/0+$/, '') : undefined) : text;
}
