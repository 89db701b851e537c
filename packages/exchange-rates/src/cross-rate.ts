import { fromEpochDay, toEpochDay, type ConversionRate, type CurrencyCode, type LocalDate, type RateLookup } from '@cm/domain';
import { gcd, type DecimalRate } from './decimal-rate';

/** A currency's newest reference rate: `rate` units of it for one euro, published on `date`. */
export interface NewestRate {
  readonly currency: CurrencyCode;
  readonly date: LocalDate;
  readonly rate: DecimalRate;
}

/** The newest rate of each currency the table holds (EUR is the base, never in it). */
export type RateSnapshot = ReadonlyMap<CurrencyCode, NewestRate>;

/**
 * The ECB publishes on TARGET business days only, around 16:00 CET: on a Monday morning the newest
 * rates are Friday's (3 days), after a Friday holiday Thursday's (4 days). Older than this is
 * stale. Easter (Good Friday and Easter Monday closed) leaves 5 days until Tuesday's publication:
 * those hours go to review unless the limit is raised.
 */
export const DEFAULT_MAX_RATE_AGE_DAYS = 4;

const EURO = 'EUR';

/**
 * The rule for a missing or stale rate: converting `from` into `to` needs the newest rate of each
 * (the euro's is 1), each published at most `maxAgeDays` calendar days before `today` (UTC). A
 * currency with no rate, or whose newest rate is older, gives no rate for any pair it is in, and
 * the domain then treats the pair as it treats any pair without a rate (CURRENCY_MISMATCH, to
 * review). Cross rates go through the euro as exact fractions: 1 `from` = rate(to) / rate(from)
 * `to`. A cross fraction too large for safe integers, which no ECB rate comes near, also gives no
 * rate rather than a rounded one.
 */
export function conversionRate(snapshot: RateSnapshot, from: CurrencyCode, to: CurrencyCode, today: LocalDate, maxAgeDays: number): ConversionRate | undefined {
  const perEuro = (currency: CurrencyCode): { numerator: bigint; denominator: bigint } | undefined => {
    if (currency === EURO) return { numerator: 1n, denominator: 1n };
    const newest = snapshot.get(currency);
    if (!newest || toEpochDay(today) - toEpochDay(newest.date) > maxAgeDays) return undefined;
    return { numerator: BigInt(newest.rate.numerator), denominator: BigInt(newest.rate.denominator) };
  };
  const source = perEuro(from);
  const target = perEuro(to);
  if (!source || !target) return undefined;
  const numerator = target.numerator * source.denominator;
  const denominator = target.denominator * source.numerator;
  const divisor = gcd(numerator, denominator);
  const [n, d] = [numerator / divisor, denominator / divisor];
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  if (n > safe || d > safe) return undefined;
  return { from, to, numerator: Number(n), denominator: Number(d) };
}

/** The domain's RateLookup over a snapshot, as of `today`. */
export function rateLookupOf(snapshot: RateSnapshot, today: LocalDate, maxAgeDays: number): RateLookup {
  return (from, to) => conversionRate(snapshot, from, to, today, maxAgeDays);
}

/** The UTC calendar date of an instant. */
export function utcDateOf(epochMs: number): LocalDate {
  return fromEpochDay(Math.floor(epochMs / 86_400_000));
}
