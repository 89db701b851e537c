import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createDatabase, type Knex } from '@cm/service-runtime';
import { stack, uniqueName } from '@cm/test-harness';

/**
 * Every command we ship (each service's main.js, every dist/cli/*.js that is a command) answers
 * `--help` with its usage and exit 0, and does nothing else (issue 24: `--help` on migrate.js ran
 * the migration, on openapi.js overwrote the file, on main.js started the service). Each runs with
 * its database named after a database that does not exist: a migrate that ran would create it.
 */
const ROOT = join(__dirname, '..');

function commands(): string[] {
  const found: string[] = [];
  for (const group of ['services', 'packages']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const dist = join(ROOT, group, name, 'dist');
      if (group === 'services' && existsSync(join(dist, 'main.js'))) found.push(join(dist, 'main.js'));
      const cli = join(dist, 'cli');
      if (!existsSync(cli)) continue;
      for (const file of readdirSync(cli).filter((f) => f.endsWith('.js'))) {
        // A command starts with its shebang; the rest of cli/ are modules they import.
        if (readFileSync(join(cli, file), 'utf8').startsWith('#!')) found.push(join(cli, file));
      }
    }
  }
  return found.sort();
}

const openapis = ['ingest', 'escalation', 'reconciler'].map((service) => join(ROOT, 'services', service, 'openapi.json'));
const generated = join(ROOT, 'packages', 'schemas', 'src', 'generated', 'records.ts');
const fingerprint = (path: string) => ({ hash: createHash('sha256').update(readFileSync(path)).digest('hex'), mtimeMs: statSync(path).mtimeMs });

describe('--help on every command prints the usage, exits 0 and does nothing else', () => {
  let admin: Knex;
  const missingDatabase = `cm_${uniqueName('help').toLowerCase()}`;
  const env = () => {
    const url = new URL(stack.DATABASE_URL);
    url.pathname = `/${missingDatabase}`;
    // Where a command that went on would go: a database that is not there, and nothing listening.
    // SECRETS_KEYS is left out: a command that read its configuration would stop with 78.
    const { SECRETS_KEYS: _left, ...inherited } = process.env;
    return { ...inherited, DATABASE_URL: url.toString(), KAFKA_BROKERS: '127.0.0.1:1', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7', REDIS_URL: 'redis://127.0.0.1:1/0', LOG_LEVEL: 'info' };
  };

  beforeAll(() => {
    admin = createDatabase(stack.DATABASE_URL, { pool: { min: 0, max: 1 } });
  });
  afterAll(async () => admin.destroy());

  it('finds every command: five services, the simulator, the migrations, openapi, admin, dead-letters, reconcile, provision, the type generator', () => {
    expect(commands().map((c) => relative(ROOT, c))).toEqual(
      expect.arrayContaining([
        'services/ingest/dist/main.js',
        'services/channel-simulator/dist/main.js',
        'services/booking-arbiter/dist/cli/migrate.js',
        'services/ingest/dist/cli/openapi.js',
        'services/escalation/dist/cli/openapi.js',
        'services/reconciler/dist/cli/openapi.js',
        'services/ingest/dist/cli/admin.js',
        'services/ingest/dist/cli/dead-letters.js',
        'services/reconciler/dist/cli/reconcile.js',
        'packages/service-runtime/dist/cli/provision.js',
        'packages/schemas/dist/cli/generate.js',
      ]),
    );
  });

  it.each(commands().map((c) => [relative(ROOT, c)]))('%s --help', async (command) => {
    const before = [...openapis, generated].map(fingerprint);
    const run = spawnSync(process.execPath, [join(ROOT, command), '--help'], { env: env(), encoding: 'utf8', timeout: 20_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Usage: /);
    expect([...openapis, generated].map(fingerprint)).toEqual(before);
    const created = await admin.raw('select 1 from pg_database where datname = ?', [missingDatabase]);
    expect(created.rows).toEqual([]);
  });

  it.each([
    ['services/ingest/dist/cli/migrate.js', '--frobnicate'],
    ['services/ingest/dist/main.js', 'extra'],
    ['services/ingest/dist/cli/openapi.js', '--out'],
  ])('%s %s: a usage error exits 64 naming it, before anything runs', (command, argument) => {
    const run = spawnSync(process.execPath, [join(ROOT, command), argument], { env: env(), encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(/error: /);
    expect(run.stdout).toBe('');
  });

  it('a service lists its configuration in its help, from its schema', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'services/ingest/dist/main.js'), '--help'], { env: env(), encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout).toMatch(/^ {2}HTTP_PORT +default 9411; integer 0\.\.65535$/m);
    expect(run.stdout).toMatch(/^ {2}SECRETS_KEYS +required; /m);
  });
});
