import { createDatabase, dropDatabase, ensureDatabaseExists, type Knex } from '@cm/service-runtime';
import * as ledger001 from '../migrations/20261125_001_ledger';

/** Every migration, in order. Forward-only: a change is a new file added here. */
const MIGRATIONS: Readonly<Record<string, Knex.Migration>> = {
  '20261125_001_ledger': ledger001,
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};

const config = { migrationSource: source, tableName: 'knex_migrations' };

export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  return applied;
}

/** Names of migrations the database has not run yet. */
export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(config)) as [unknown, { file: string }[]];
  return pending.map((m) => m.file);
}

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
  await migrateToLatest(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(url.toString());
    },
  };
}
