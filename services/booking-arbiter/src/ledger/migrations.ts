import { exchangeRateMigrations } from '@cm/exchange-rates';
import { createScratchDatabase, migrationsInOrder, schemaMigrations, type ScratchDatabase } from '@cm/service-runtime';
import * as ledger001 from '../migrations/20261125_001_ledger';
import * as ledger002 from '../migrations/20261125_002_outbox_trace';
import * as auditWithoutGuestData003 from '../migrations/20261204_003_audit_without_guest_data';
import * as guestProfile004 from '../migrations/20261204_004_guest_profile';
import * as auditScope005 from '../migrations/20261204_005_audit_scope';
import * as partitionedOutbox006 from '../migrations/20261204_006_partitioned_outbox';
import * as priceVersions007 from '../migrations/20261212_007_price_versions';
import * as lighterDecisionWrites008 from '../migrations/20261212_008_lighter_decision_writes';

/** Every migration of the ledger (the public schema), in order. Forward-only: a change is a new file added here. */
export const ledgerMigrations = schemaMigrations(null, {
  '20261125_001_ledger': ledger001,
  '20261125_002_outbox_trace': ledger002,
  '20261204_003_audit_without_guest_data': auditWithoutGuestData003,
  '20261204_004_guest_profile': guestProfile004,
  '20261204_005_audit_scope': auditScope005,
  '20261204_006_partitioned_outbox': partitionedOutbox006,
  '20261212_007_price_versions': priceVersions007,
  '20261212_008_lighter_decision_writes': lighterDecisionWrites008,
});

/**
 * What the arbiter's database needs: the ledger, then the exchange rates it converts prices with
 * (the `fx` schema, owned by @cm/exchange-rates, which ingest's migrate runs too).
 */
export const arbiterMigrations = migrationsInOrder(ledgerMigrations, exchangeRateMigrations);

/** A ledger database of its own (tests, benchmarks): created and migrated now, dropped by `drop`. */
export type ScratchLedger = ScratchDatabase;

export function scratchLedger(serverUrl: string, name: string): Promise<ScratchLedger> {
  return createScratchDatabase(serverUrl, name, [arbiterMigrations]);
}
