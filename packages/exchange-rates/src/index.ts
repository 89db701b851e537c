/**
 * The European Central Bank's euro reference rates: the pure parser of its XML and the exact
 * cross-rate rule (with what a missing or stale rate means), the `fx` schema that keeps them, and
 * the typed reads and writes every service uses instead of the table's name.
 */
export * from './errors';
export { MAX_RATE_DIGITS, parseDecimalRate, type DecimalRate } from './decimal-rate';
export { EUROFXREF_NAMESPACE, FIRST_RATE_DATE, GESMES_NAMESPACE, parseEcbReferenceRates, type ParseOptions, type ParsedReferenceRates, type ReferenceRate, type ReferenceRateDay } from './ecb-xml';
export { conversionRate, DEFAULT_MAX_RATE_AGE_DAYS, rateLookupOf, utcDateOf, type NewestRate, type RateSnapshot } from './cross-rate';
export { exchangeRateMigrations } from './migrations';
export { ReferenceRates, type LoadOutcome, type RatesInForce } from './store';
export { describeLoad, loadEcbXml } from './load';
export { DEFAULT_MAX_FILE_BYTES, fetchRatesUrl, readRatesFile, utf8Text } from './sources';
export { ReferenceRateLookup } from './rate-snapshot';
export { exchangeRateConfig, startReferenceRateLookup, type ExchangeRateConfig } from './service-lookup';
