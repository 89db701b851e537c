import { scratchDatabase, uniqueName, type ScratchDatabase } from '@cm/test-harness';
import { assertMigrated, schemaMigrations, waitFor, type Knex } from '../src';

/**
 * A service started before its migrations ran (an orchestrator that starts both together) waits
 * for them within MIGRATIONS_WAIT_MS instead of exiting into a crash loop; past the wait, or
 * without one, it refuses naming what is pending and the command that runs it. On the real
 * PostgreSQL, in a database of this file's own.
 */
const COMMAND = 'node services/example/dist/cli/migrate.js';
const migrations = schemaMigrations('wait_test', {
  '001_table': {
    up: (knex: Knex) => knex.schema.withSchema('wait_test').createTable('things', (t) => t.text('id').primary()),
    down: async () => {
      throw new Error('forward-only');
    },
  },
});

/** What the service says while it waits. */
function recordingLog() {
  const lines: string[] = [];
  return { lines, log: { info: (_fields: object, message: string) => void lines.push(message) } };
}

let scratch: ScratchDatabase;

beforeEach(async () => {
  scratch = await scratchDatabase(uniqueName('mwait').toLowerCase(), []);
});

afterEach(async () => {
  await scratch.drop();
});

it('waits, saying so, until the migrations ran, then starts', async () => {
  const { lines, log } = recordingLog();
  const started = assertMigrated(scratch.db, migrations, 'the example schema', COMMAND, { waitMs: 30_000, log, pollMs: 50 });
  await waitFor('the service to say it waits', () => lines.length > 0);
  expect(lines).toEqual([`the example schema is behind by 1 migration(s): waiting up to 30000 ms for \`${COMMAND}\` to run them`]);
  await migrations.migrate(scratch.db);
  await expect(started).resolves.toBeUndefined();
});

it('refuses past the wait, naming the pending migration and the command', async () => {
  const { log } = recordingLog();
  const since = Date.now();
  await expect(assertMigrated(scratch.db, migrations, 'the example schema', COMMAND, { waitMs: 300, log, pollMs: 50 })).rejects.toThrow(
    `the example schema is behind by 1 migration(s) (001_table): run \`${COMMAND}\``,
  );
  expect(Date.now() - since).toBeGreaterThanOrEqual(300);
});

it('refuses at once without a wait (MIGRATIONS_WAIT_MS=0)', async () => {
  const { lines, log } = recordingLog();
  await expect(assertMigrated(scratch.db, migrations, 'the example schema', COMMAND, { waitMs: 0, log })).rejects.toThrow('behind by 1 migration(s)');
  expect(lines).toEqual([]);
});

it('reads what is pending without writing: the history tables are the migrate command\'s to create', async () => {
  // Regression: knex's migrate.list created them, racing a migrate run ("knex_migrations_lock already exists").
  await scratch.db.raw('CREATE SCHEMA wait_test');
  expect(await migrations.pending(scratch.db)).toEqual(['001_table']);
  expect((await scratch.db.raw("select to_regclass('wait_test.knex_migrations') as history")).rows[0].history).toBeNull();
  await migrations.migrate(scratch.db);
  expect(await migrations.pending(scratch.db)).toEqual([]);
});

it('starts at once on a schema that is up to date', async () => {
  await migrations.migrate(scratch.db);
  const { lines, log } = recordingLog();
  await expect(assertMigrated(scratch.db, migrations, 'the example schema', COMMAND, { waitMs: 30_000, log })).resolves.toBeUndefined();
  expect(lines).toEqual([]);
});
