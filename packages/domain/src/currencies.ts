import { readFileSync } from 'node:fs';
import type { CurrencyCode } from './money';

/**
 * ISO 4217 currencies and their minor-unit exponents, from one maintained source: the ISO's own
 * list one (`iso-4217-list-one.xml`) as the `currency-codes` package ships it, read once when this
 * module loads (a data file of a pinned dependency, as deterministic as a `require` of JSON).
 *
 * The package's parsed `data` is not used for the exponents: it records the ISO's "N.A." (gold,
 * silver, SDR, bond units, test and no-currency codes) as 0 digits, which would take XAU as a
 * currency without minor units (`currencies.test.ts` shows the difference). A code without a
 * numeric minor unit is refused, as is any code not in the list.
 */
export function exponentsOfIsoList(xml: string): ReadonlyMap<string, number> {
  const exponents = new Map<string, number>();
  const refused = new Set<string>();
  for (const [, entry = ''] of xml.matchAll(/<CcyNtry>([\s\S]*?)<\/CcyNtry>/g)) {
    const code = /<Ccy>\s*([A-Z]{3})\s*<\/Ccy>/.exec(entry)?.[1];
    if (code === undefined) continue; // a territory without a universal currency (Antarctica)
    const minor = /<CcyMnrUnts>\s*([^<]*?)\s*<\/CcyMnrUnts>/.exec(entry)?.[1];
    if (minor === undefined || !/^\d$/.test(minor)) {
      refused.add(code);
      continue;
    }
    const exponent = Number(minor);
    const before = exponents.get(code);
    if (before !== undefined && before !== exponent) throw new Error(`ISO 4217 list gives ${code} both ${before} and ${exponent} minor digits`);
    exponents.set(code, exponent);
  }
  for (const code of refused) exponents.delete(code);
  if (exponents.size < 100) throw new Error(`the ISO 4217 list holds only ${exponents.size} currencies: not the list expected`);
  return exponents;
}

const ISO_LIST_PATH = require.resolve('currency-codes/iso-4217-list-one.xml');
const ISO_LIST = readFileSync(ISO_LIST_PATH, 'utf8');
const EXPONENTS = exponentsOfIsoList(ISO_LIST);

/** When the ISO published the list in use (its `Pblshd` attribute). */
export const ISO_4217_PUBLISHED: string = /<ISO_4217\s+Pblshd="([^"]+)"/.exec(ISO_LIST)?.[1] ?? 'unknown';

/**
 * Every accepted code with its exponent, frozen and without a prototype: `'constructor'` or
 * `'__proto__'` is no key of it. Prefer `currencyExponent` / `isCurrencyCode`.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze(Object.assign(Object.create(null) as Record<string, number>, Object.fromEntries(EXPONENTS)));

/** The minor-unit exponent of an accepted ISO 4217 code (JPY 0, EUR 2, BHD 3, CLF 4), else undefined. */
export function currencyExponent(code: string): number | undefined {
  return EXPONENTS.get(code);
}

/** True for an upper-case ISO 4217 code with a numeric minor unit. */
export function isCurrencyCode(code: string): code is CurrencyCode {
  return EXPONENTS.has(code);
}

/** Every accepted code, sorted. */
export function currencyCodes(): readonly string[] {
  return [...EXPONENTS.keys()].sort();
}
