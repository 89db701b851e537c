/** Prices as the ARI API carries them: integer minor units of an ISO 4217 currency. */
export interface Money {
  readonly amount_minor: number;
  readonly currency: string;
}

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const fractionDigitsCache = new Map<string, number>();

export function isKnownCurrency(code: string): boolean {
  return KNOWN_CURRENCIES.has(code);
}

/** Minor-unit digits of a currency as ICU knows them (JPY 0, EUR 2, BHD 3). */
export function currencyFractionDigits(currency: string): number {
  let digits = fractionDigitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    fractionDigitsCache.set(currency, digits);
  }
  return digits;
}

/** `12345` EUR -> `"123.45"`: the decimal major-unit string the webhook contract carries. */
export function formatMajorUnits(amountMinor: number, currency: string): string {
  const digits = currencyFractionDigits(currency);
  if (digits === 0) return String(amountMinor);
  const text = String(amountMinor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
