import { createDatabase, dropDatabase, ensureDatabaseExists, schemaMigrations, type Knex } from '@cm/service-runtime';
import * as ledger001 from '../migrations/20261125_001_ledger';
import * as ledger002 from '../migrations/20261125_002_outbox_trace';
import * as auditWithoutGuestData003 from '../migrations/20261204_003_audit_without_guest_data';
import * as guestProfile004 from '../migrations/20261204_004_guest_profile';
import * as auditScope005 from '../migrations/20261204_005_audit_scope';

/** Every migration of the ledger (the public schema), in order. Forward-only: a change is a new file added here. */
export const ledgerMigrations = schemaMigrations(null, {
  '20261125_001_ledger': ledger001,
  '20261125_002_outbox_trace': ledger002,
  '20261204_003_audit_without_guest_data': auditWithoutGuestData003,
  '20261204_004_guest_profile': guestProfile004,
  '20261204_005_audit_scope': auditScope005,
});

/** A ledger database of its own (tests, benchmarks): created and migrated now, dropped by `drop`. */
export interface ScratchLedger {
  readonly url: string;
  readonly db: Knex;
  drop(): Promise<void>;
}

export async function scratchLedger(serverUrl: string, name: string): Promise<ScratchLedger> {
  const url = new URL(serverUrl);
  url.pathname = `/cm_${name}`;
  await ensureDatabaseExists(url.toString());
  const db = createDatabase(url.toString(), { pool: { min: 0, max: 4 } });
  await ledgerMigrations.migrate(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(url.toString());
    },
  };
}
