import { createHash } from 'node:crypto';
import knex, { type Knex } from 'knex';
import { types, type Client } from 'pg';
import type { Registry } from 'prom-client';
import { withArrayLiterals } from './array-literals';
import { databaseStatementsCounter } from './metrics';
import { joinTransactionEnds } from './transaction-ends';
import type { SchemaMigrations } from './migrations';

export type { Knex };

// Dates stay the calendar dates they are (no time zone shift through JS Date), and 64-bit integers
// come back as numbers: every one we store (versions, offsets, minor units) is a safe integer.
const DATE_OID = 1082;
const INT8_OID = 20;
types.setTypeParser(DATE_OID, (value: string) => value);
types.setTypeParser(INT8_OID, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${value} does not fit a safe integer`);
  return n;
});

export interface DatabaseOptions {
  readonly pool?: { min: number; max: number };
  /**
   * PostgreSQL ends a session left idle inside a transaction this long (0: never). A process
   * frozen mid-transaction (GC pause, SIGSTOP) then cannot hold its locks, or commit, forever.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /**
   * False: a commit returns before its WAL reaches disk, so a PostgreSQL crash can lose the last
   * fraction of a second of commits (never corrupt). Only for rows that are an optimisation, whose
   * loss something else makes safe.
   */
  readonly synchronousCommit?: boolean;
  /** How the pool's prepared statements are planned; 'each execution' unless its statements' plans are tested (see Planning). */
  readonly planning?: Planning;
  /** Counts every statement the pool sends in cm_db_statements_total of this registry, labelled with `pool`. */
  readonly statements?: { readonly registry: Registry; readonly pool: string };
  /** PostgreSQL's application_name for the pool's sessions: pg_stat_activity and the server's log then say whose a session is. */
  readonly applicationName?: string;
}

/**
 * 'each execution': a prepared statement (preparedRaw) is planned on every execution, with its
 * values and the tables' sizes of the moment. PostgreSQL would otherwise settle, after five
 * executions, on a generic plan made from the sizes it saw then: planned while a table was small,
 * a lookup stayed a scan of the whole table as it grew (ledger-reads.test.ts shows it). Every
 * cached plan of the session pays, foreign key checks included: each inserted row's check is
 * planned again (20,000 rows with a foreign key: 0.8 s against 0.36 s; the arbiter's transaction
 * of 250 decisions: 143-154 ms against 126-138 ms, measured interleaved on one ledger).
 *
 * 'generic, by index': every statement of the session with values is planned once, without
 * them (plan_cache_mode=force_generic_plan), with sequential scans priced out of every plan
 * (enable_seqscan=off), so a plan made from a small table's sizes still looks rows up by an index
 * that fits its conditions as the table grows; a table no index fits is still scanned. Only for a
 * pool whose every statement has a test of its generic plan on an empty schema and a large one,
 * the statements caught as the pool sends them: the arbiter's deciders (ledger-plans.test.ts) and
 * the dispatcher's recordings and settlements (dispatcher-plans.test.ts), which took PostgreSQL
 * longer to plan than to run.
 */
export type Planning = 'each execution' | 'generic, by index';

function planningSettings(planning: Planning): string[] {
  switch (planning) {
    case 'each execution':
      return ['-c plan_cache_mode=force_custom_plan'];
    case 'generic, by index':
      return ['-c plan_cache_mode=force_generic_plan', '-c enable_seqscan=off'];
    default: {
      const unknown: never = planning;
      throw new Error(`unknown planning '${String(unknown)}'`);
    }
  }
}

/**
 * The pool looks for idle connections to close (idle for tarn's default 30 s) on a timer that runs
 * while it holds any. tarn's default of every second was a wake-up a second for each pool of an
 * idle service (issue 22); an idle connection lingering a few seconds longer costs nothing.
 */
const REAP_INTERVAL_MS = 10_000;

/** A small pool: each service is one process on a 2-core machine. */
export function createDatabase(url: string, options: DatabaseOptions = {}): Knex {
  const idle = options.idleInTransactionTimeoutMs ?? 0;
  const settings = [
    ...planningSettings(options.planning ?? 'each execution'),
    ...(idle > 0 ? [`-c idle_in_transaction_session_timeout=${idle}`] : []),
    ...(options.synchronousCommit === false ? ['-c synchronous_commit=off'] : []),
  ];
  const db = knex({
    client: 'pg',
    connection: { connectionString: url, options: settings.join(' '), ...(options.applicationName === undefined ? {} : { application_name: options.applicationName.slice(0, 63) }) },
    pool: {
      ...(options.pool ?? { min: 0, max: 5 }),
      reapIntervalMillis: REAP_INTERVAL_MS,
      afterCreate(connection: Client, done: (error: Error | null, connection: Client) => void) {
        joinTransactionEnds(connection);
        done(null, connection);
      },
    },
  });
  if (options.statements) countStatements(db, options.statements.registry, options.statements.pool);
  return db;
}

/** knex emits 'query' for each statement it sends, those of a transaction (BEGIN, COMMIT) too. */
function countStatements(db: Knex, registry: Registry, pool: string): void {
  const counter = databaseStatementsCounter(registry).labels({ pool });
  db.on('query', () => counter.inc());
}

export async function databaseAnswers(db: Knex): Promise<boolean> {
  await db.raw('select 1');
  return true;
}

/** Creates the database named in the URL if it does not exist (connecting to `postgres`). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`refusing to create database with unusual name '${name}'`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const db = createDatabase(admin.toString(), { pool: { min: 0, max: 1 } });
  try {
    const found = await db.raw('select 1 from pg_database where datname = ?', [name]);
    if (found.rows.length === 0) await db.raw(`create database "${name}"`);
  } catch (error) {
    // Another process may have created it between our check and create.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await db.destroy();
  }
}

/** A database of its own (tests, benchmarks): created and migrated now, dropped by `drop`. */
export interface ScratchDatabase {
  readonly url: string;
  readonly db: Knex;
  drop(): Promise<void>;
}

/** Creates `cm_<name>` on the server of `serverUrl` and runs each schema's migrations given, in order. */
export async function createScratchDatabase(serverUrl: string, name: string, migrations: readonly SchemaMigrations[]): Promise<ScratchDatabase> {
  const url = new URL(serverUrl);
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

/** Drops a database (for tests that made their own), ending its sessions first. */
export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const db = createDatabase(admin.toString(), { pool: { min: 0, max: 1 } });
  try {
    await db.raw('select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()', [name]);
    await db.raw(`drop database if exists "${name}"`);
  } finally {
    await db.destroy();
  }
}

/** A piece of SQL with its bindings in order: one package's value (a subquery on its own tables) for another's statement. */
export interface SqlValue {
  readonly sql: string;
  readonly bindings: readonly Knex.RawBinding[];
}

/**
 * Runs a statement whose text never varies as a prepared statement, named after its text: each
 * connection has PostgreSQL parse and analyse it once, instead of on every execution (a third
 * of the time of the arbiter's first statement, measured); it is planned as the pool's Planning
 * says. Only for fixed text, whose values all travel as bindings
 * (lists as one array binding each): text built per call, such as a VALUES row per item, would
 * prepare a new statement on every connection without bound.
 */
export function preparedRaw(db: Knex | Knex.Transaction, sql: string, bindings: readonly Knex.RawBinding[]): Knex.Raw {
  return db.raw(sql, withArrayLiterals(bindings) as Knex.RawBinding[]).options({ name: statementName(sql) });
}

const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `cm_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}
