import type { Knex } from '@cm/service-runtime';
import * as directory001 from '../migrations/20261125_001_directory';

/** Every migration of ingest's schema, in order. Forward-only: a change is a new file added here. */
const MIGRATIONS: Readonly<Record<string, Knex.Migration>> = {
  '20261125_001_directory': directory001,
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};

const config = { migrationSource: source, schemaName: 'ingest', tableName: 'knex_migrations' };

export async function migrateIngest(db: Knex): Promise<string[]> {
  await db.raw('CREATE SCHEMA IF NOT EXISTS ingest');
  const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
  return applied;
}

export async function pendingIngestMigrations(db: Knex): Promise<string[]> {
  const exists = await db.raw(`select 1 from information_schema.schemata where schema_name = 'ingest'`);
  if (exists.rows.length === 0) return Object.keys(MIGRATIONS);
  const [, pending] = (await db.migrate.list(config)) as [unknown, { file: string }[]];
  return pending.map((m) => m.file);
}
