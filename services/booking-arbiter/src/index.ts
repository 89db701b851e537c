/** For importers (other services' tests, the test harness): what this service lets others use. Starting it is `main.ts`. */
export { arbiterConfig, type ArbiterConfig } from './config';
export { arbiterMigrations, ledgerMigrations, scratchLedger, type ScratchLedger } from './ledger/migrations';
