import { createDatabase, dropDatabase, ensureDatabaseExists, type Knex, type SchemaMigrations } from '@cm/service-runtime';
import { stack } from './stack';

/** A database of its own on the stack's PostgreSQL server: created and migrated now, dropped by `drop`. */
export interface ScratchDatabase {
  readonly url: string;
  readonly db: Knex;
  drop(): Promise<void>;
}

/**
 * Creates `cm_<name>` and runs each service's migrations given, in order (e.g. the ledger's, then
 * ingest's): a test takes them from the owning service's package, never from its sources.
 */
export async function scratchDatabase(name: string, migrations: readonly SchemaMigrations[]): Promise<ScratchDatabase> {
  const url = new URL(stack.DATABASE_URL);
  url.pathname = `/cm_${name}`;
  await ensureDatabaseExists(url.toString());
  const db = createDatabase(url.toString(), { pool: { min: 0, max: 4 } });
  for (const schema of migrations) await schema.migrate(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(url.toString());
    },
  };
}
