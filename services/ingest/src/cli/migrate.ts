#!/usr/bin/env node
import { createDatabase, databaseConfig, describe, ensureDatabaseExists, parseConfig, ConfigError } from '@cm/service-runtime';
import { migrateIngest } from '../directory/migrations';

/** Creates ingest's schema in the database if needed and runs every pending migration. */
async function main(): Promise<void> {
  const { DATABASE_URL } = parseConfig('ingest migrate', databaseConfig);
  await ensureDatabaseExists(DATABASE_URL);
  const db = createDatabase(DATABASE_URL, { pool: { min: 0, max: 1 } });
  try {
    const applied = await migrateIngest(db);
    process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'ingest schema is up to date\n');
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${error instanceof ConfigError ? error.message : describe(error)}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
});
