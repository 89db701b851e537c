/**
 * The PMS's rates and restrictions: the `rates` schema, its migrations (run in ingest's chain),
 * and the store every service reads and writes them through (tests/sql-ownership.test.ts).
 */
export { ratesMigrationSteps } from './migrations';
export { NEW_RATE_PLANS_CHANNEL, ratePlansValue, RatesStore, type AppliedRates, type PlanNights, type PlanRange, type PlanUpdate } from './store';
export { rateChangeRecord, spansOfRecord, termsRecord } from './rate-change-record';
