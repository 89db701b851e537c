import { setTimeout as delay } from 'node:timers/promises';
import { commandLine, configHelp, parseCommandLine } from './command-line';
import { ConfigError, describe } from './errors';
import { databaseConfig, parseConfig } from './config';
import { createDatabase, ensureDatabaseExists, type Knex } from './postgres';

/** A service's forward-only migrations, in its own PostgreSQL schema (or the public one). */
export interface SchemaMigrations {
  /** Runs every pending migration; returns their names. */
  migrate(db: Knex): Promise<string[]>;
  /** Names of migrations the database has not run yet. */
  pending(db: Knex): Promise<string[]>;
}

export function schemaMigrations(schema: string | null, migrations: Readonly<Record<string, Knex.Migration>>): SchemaMigrations {
  const source: Knex.MigrationSource<string> = {
    getMigrations: async () => Object.keys(migrations).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => migrations[name]!,
  };
  const config = { migrationSource: source, tableName: 'knex_migrations', ...(schema ? { schemaName: schema } : {}) };
  const historyTable = schema ? `"${schema}".knex_migrations` : 'knex_migrations';
  return {
    async migrate(db) {
      if (schema) await db.raw(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      const [, applied] = (await db.migrate.latest(config)) as [number, string[]];
      return applied;
    },
    // Reads the history table and writes nothing: knex's migrate.list creates its tables when they
    // are missing, which raced the migrate command creating them ("relation knex_migrations_lock
    // already exists") when a service waited for its schema while the migrations ran.
    async pending(db) {
      const all = Object.keys(migrations).sort();
      const exists = (await db.raw('select to_regclass(?) is not null as exists', [historyTable])).rows[0].exists as boolean;
      if (!exists) return all;
      const done = new Set(((await db.raw(`select name from ${historyTable}`)).rows as { name: string }[]).map((row) => row.name));
      return all.filter((name) => !done.has(name));
    },
  };
}

/**
 * Several schemas' chains as one, run in the order given: a service's database that also holds a
 * package's schema (the arbiter's ledger and the exchange rates it reads). Each chain keeps its
 * own history, so two services running the same package's chain apply it once.
 */
export function migrationsInOrder(...chains: readonly SchemaMigrations[]): SchemaMigrations {
  return {
    async migrate(db) {
      const applied: string[] = [];
      for (const chain of chains) applied.push(...(await chain.migrate(db)));
      return applied;
    },
    async pending(db) {
      const pending: string[] = [];
      for (const chain of chains) pending.push(...(await chain.pending(db)));
      return pending;
    },
  };
}

/**
 * How long a starting service waits for its migrations (MIGRATIONS_WAIT_MS): where an orchestrator
 * starts it beside the step that migrates (a Helm upgrade without hooks, a GitOps sync), waiting
 * live but not ready beats exiting into a crash loop.
 */
export interface MigrationWait {
  readonly waitMs: number;
  readonly log: { info(fields: object, message: string): void };
  /** Between two reads of the pending list. */
  readonly pollMs?: number;
}

/**
 * Refuses to start a service whose schema is behind, naming the command that brings it up to date;
 * with a wait, first reads the pending list again until it is empty or the wait is over.
 */
export async function assertMigrated(db: Knex, migrations: SchemaMigrations, what: string, command: string, wait?: MigrationWait): Promise<void> {
  const deadline = Date.now() + (wait?.waitMs ?? 0);
  let pending = await migrations.pending(db);
  if (pending.length > 0 && wait && wait.waitMs > 0) {
    wait.log.info({ pending }, `${what} is behind by ${pending.length} migration(s): waiting up to ${wait.waitMs} ms for \`${command}\` to run them`);
    while (pending.length > 0 && Date.now() < deadline) {
      await delay(Math.min(wait.pollMs ?? 2_000, Math.max(0, deadline - Date.now())));
      pending = await migrations.pending(db);
    }
  }
  if (pending.length > 0) throw new Error(`${what} is behind by ${pending.length} migration(s) (${pending.join(', ')}): run \`${command}\``);
}

/** The body of a service's `migrate` command: creates the database if needed, then migrates. */
export function runMigrateCommand(what: string, migrations: SchemaMigrations): void {
  parseCommandLine(commandLine('migrate', `Creates the database if it is missing and applies every pending migration of ${what}; prints what it applied.`).addHelpText('after', configHelp(databaseConfig)));
  const main = async () => {
    const { DATABASE_URL } = parseConfig(`${what} migrate`, databaseConfig);
    await ensureDatabaseExists(DATABASE_URL);
    const db = createDatabase(DATABASE_URL, { pool: { min: 0, max: 1 } });
    try {
      const applied = await migrations.migrate(db);
      process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : `${what} is up to date\n`);
    } finally {
      await db.destroy();
    }
  };
  main().catch((error: unknown) => {
    process.stderr.write(`migrate failed: ${error instanceof ConfigError ? error.message : describe(error)}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  });
}
