import { createScratchDatabase, type ScratchDatabase, type SchemaMigrations } from '@cm/service-runtime';
import { stack } from './stack';

export type { ScratchDatabase };

/**
 * Creates `cm_<name>` on the stack's PostgreSQL server and runs each service's migrations given,
 * in order (e.g. the ledger's, then ingest's): a test takes them from the owning service's
 * package, never from its sources.
 */
export function scratchDatabase(name: string, migrations: readonly SchemaMigrations[]): Promise<ScratchDatabase> {
  return createScratchDatabase(stack.DATABASE_URL, name, migrations);
}
