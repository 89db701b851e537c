#!/usr/bin/env node
import { createDatabase, databaseConfig, describe, ensureDatabaseExists, parseConfig, ConfigError } from '@cm/service-runtime';
import { migrateToLatest } from '../ledger/migrations';

/** Creates the ledger database if needed and runs every pending migration. */
async function main(): Promise<void> {
  const { DATABASE_URL } = parseConfig('booking-arbiter migrate', databaseConfig);
  await ensureDatabaseExists(DATABASE_URL);
  const db = createDatabase(DATABASE_URL, { pool: { min: 0, max: 1 } });
  try {
    const applied = await migrateToLatest(db);
    process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'ledger schema is up to date\n');
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${error instanceof ConfigError ? error.message : describe(error)}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
