import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * Every table has one owning package; no other module names it (issue 19, point 1). A service
 * reads another's data through the owner's public entry (`@cm/directory`, `@cm/ledger-reads`), never
 * by the table's name. This reads the string literals of every package's and service's src/
 * (TypeScript's parser: quoted strings and template text, not comments) and finds the tables
 * they name: `'schema.table'` anywhere (knex calls, raw SQL, a constant holding the name), and the
 * ledger's unqualified tables as a knex call's argument (`db('stays')`, `.join('stays as s')`) or
 * after FROM / JOIN / INTO / UPDATE in raw SQL.
 */
const ROOT = join(__dirname, '..');
const PACKAGE_DIRS = ['packages', 'services'];

const DIRECTORY = 'packages/directory';
const LEDGER = 'services/booking-arbiter';

/** Whole schemas owned by one package; the default schema is the ledger's (the arbiter's migrations create it unqualified). */
const SCHEMA_OWNERS: Readonly<Record<string, string>> = {
  public: LEDGER,
  ingest: 'services/ingest',
  sync: 'services/sync-dispatcher',
  reconcile: 'services/reconciler',
  escalation: 'services/escalation',
  rates: 'packages/rates',
  fx: 'packages/exchange-rates',
};
/** Packages that may read an owner's tables besides the owner: the ledger's read side for other services. */
const READERS: Readonly<Record<string, readonly string[]>> = { [LEDGER]: ['packages/ledger-reads'] };
/** The directory's tables, in the `ingest` schema for history's sake (their migration ran there); the rest of the schema is ingest's. */
const DIRECTORY_TABLES = ['tenants', 'api_keys', 'properties', 'removed_properties', 'channel_connections', 'listings', 'listing_pricing'];

const CREATE_TABLE = /(?:withSchema\(\s*'(\w+)'\s*\)\s*)?\.createTable\(\s*'(\w+)'/g;

/** Every table the migrations create, as `schema.table` (`public.stays` for the ledger's), read from each package's src/migrations/. */
function catalogue(): Set<string> {
  const tables = new Set<string>();
  for (const file of sourceFiles().filter((f) => f.includes('/src/migrations/'))) {
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(CREATE_TABLE)) tables.add(`${m[1] ?? 'public'}.${m[2]}`);
  }
  return tables;
}

const TABLES = catalogue();
const LEDGER_TABLES = [...TABLES].filter((t) => t.startsWith('public.')).map((t) => t.slice('public.'.length));

function ownerOf(table: string): string | null {
  const qualified = table.includes('.') ? table : `public.${table}`;
  if (!TABLES.has(qualified)) return null;
  const [schema, name] = qualified.split('.') as [string, string];
  if (schema === 'ingest' && DIRECTORY_TABLES.includes(name)) return DIRECTORY;
  return SCHEMA_OWNERS[schema] ?? null;
}

/**
 * Modules that check the whole system's end state from outside, as tests do: the main job's
 * reports and the test harness's worlds. They may read any table; what they set up goes through
 * the owners' entries like anyone else's (the main job's portfolio through @cm/directory).
 */
const OBSERVERS = ['packages/pipeline-demo', 'packages/test-harness'];

/**
 * Tables of one shape that each writing service creates in its own schema with the runtime's
 * migration helpers (`createOutboxTable`, `createFenceTable`): the runtime's outbox and fences
 * name them for whichever service uses them, and no other table.
 */
const RUNTIME_SHAPES: Readonly<Record<string, readonly string[]>> = { 'packages/service-runtime': ['outbox', 'partition_fences'] };

/**
 * References the rule does not yet forbid, each with its reason. Empty this list, don't grow it
 * (the test below fails on an entry nobody needs): two benchmarks seed and watch the ledger
 * directly, and an applied migration's foreign key names the directory (a migration that ran is
 * not rewritten).
 */
const KNOWN_EXCEPTIONS: readonly { file: string; table: string; why: string }[] = [
  { file: 'services/ingest/src/migrations/20261204_004_pms_revisions.ts', table: 'ingest.tenants', why: 'foreign key of an applied migration' },
  { file: 'services/reconciler/src/bench/reconcile-bench.ts', table: 'stays', why: 'the benchmark seeds the ledger' },
  { file: 'services/reconciler/src/bench/reconcile-bench.ts', table: 'properties', why: 'the benchmark seeds the ledger' },
  { file: 'services/sync-dispatcher/src/bench/acknowledgements.ts', table: 'processed_commands', why: 'the benchmark waits on the ledger' },
];

interface TableRef {
  /** `schema.table`, or the bare name of a ledger table. */
  readonly table: string;
  /** The package (`services/ingest`) that owns it. */
  readonly owner: string;
}

const QUALIFIED = new RegExp(`\\b(?:${Object.keys(SCHEMA_OWNERS).join('|')})\\.([a-z_][a-z0-9_]*)\\b`, 'g');
const LEDGER_NAME = `(?:${LEDGER_TABLES.join('|')})`;
const RAW_SQL = new RegExp(`\\b(?:from|join|into|update|table)\\s+(?:only\\s+)?(${LEDGER_NAME})\\b(?!\\.)`, 'gi');
const BARE_CALL_ARGUMENT = new RegExp(`^(${LEDGER_NAME})(?:\\s+as\\s+\\w+)?$`);

/** The string literals of a source, each with whether it is a call's argument. */
function isSubcommandName(call: ts.CallExpression): boolean {
  return ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'command';
}

function literalsOf(source: string): { text: string; callArgument: boolean }[] {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: { text: string; callArgument: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const parent = node.parent;
      // A command-line parser's subcommand (`program.command('properties')`) is a word, not a table.
      const callArgument = parent !== undefined && ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression) && !isSubcommandName(parent);
      if (!(parent !== undefined && (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isExternalModuleReference(parent)))) found.push({ text: node.text, callArgument });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The tables a module's source names. In a migration, bare names are its own schema's (withSchema), so only qualified names count. */
function tablesReferenced(source: string, isMigration = false): TableRef[] {
  const refs = new Map<string, TableRef>();
  const add = (table: string) => {
    const owner = ownerOf(table);
    if (owner !== null) refs.set(table, { table, owner });
  };
  for (const { text, callArgument } of literalsOf(source)) {
    for (const m of text.matchAll(QUALIFIED)) add(m[0].startsWith('public.') ? (m[1] as string) : m[0]);
    if (isMigration) continue;
    for (const m of text.matchAll(RAW_SQL)) add((m[1] as string).toLowerCase());
    const bare = BARE_CALL_ARGUMENT.exec(text);
    if (callArgument && bare) add(bare[1] as string);
  }
  return [...refs.values()];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** Every module of every package's and service's src/, tests beside them left out. */
function sourceFiles(): string[] {
  return PACKAGE_DIRS.flatMap((top) =>
    readdirSync(join(ROOT, top), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => {
        try {
          return walk(join(ROOT, top, entry.name, 'src'));
        } catch {
          return [];
        }
      }),
  )
    .map((path) => relative(ROOT, path).split(sep).join('/'))
    .filter((path) => /\.ts$/.test(path) && !/\.test\.ts$/.test(path))
    .sort();
}

interface Violation {
  readonly file: string;
  readonly table: string;
  readonly owner: string;
}

function packageOf(file: string): string {
  return file.split('/').slice(0, 2).join('/');
}

function violationsIn(file: string, source: string): Violation[] {
  const here = packageOf(file);
  if (OBSERVERS.includes(here)) return [];
  return tablesReferenced(source, file.includes('/src/migrations/'))
    .filter((ref) => ref.owner !== here && !(READERS[ref.owner] ?? []).includes(here))
    .filter((ref) => !(RUNTIME_SHAPES[here] ?? []).includes(ref.table.split('.').pop()!))
    .map((ref) => ({ file, table: ref.table, owner: ref.owner }));
}

function violations(): Violation[] {
  return sourceFiles()
    .flatMap((file) => violationsIn(file, readFileSync(join(ROOT, file), 'utf8')))
    .filter((v) => !KNOWN_EXCEPTIONS.some((e) => e.file === v.file && e.table === v.table));
}

describe('architecture: every table is named only by the package that owns it', () => {
  it('finds the modules and the tables they name (the check is not passing on nothing)', () => {
    const files = sourceFiles();
    expect(files).toEqual(expect.arrayContaining(['packages/directory/src/reads.ts', 'packages/ledger-reads/src/stays.ts', 'services/booking-arbiter/src/ledger/store.ts', 'services/escalation/src/store/settings-store.ts']));
    expect(tablesReferenced(readFileSync(join(ROOT, 'packages/directory/src/reads.ts'), 'utf8')).map((r) => r.table)).toEqual(expect.arrayContaining(['ingest.listings', 'ingest.properties']));
  });

  it.each([
    ['services/reconciler/src/a.ts', "db('ingest.listings').where({ channel })", 'ingest.listings', DIRECTORY],
    ['services/escalation/src/a.ts', "trx('ingest.properties as p').first()", 'ingest.properties', DIRECTORY],
    ['packages/channel-adapters/src/a.ts', 'db.raw(`SELECT l.property_id FROM ingest.listings l WHERE l.channel = ?`, [channel])', 'ingest.listings', DIRECTORY],
    ['services/ingest/src/a.ts', "const T = 'sync.nights';", 'sync.nights', 'services/sync-dispatcher'],
    ['services/reconciler/src/a.ts', "db('escalation.review_tasks')", 'escalation.review_tasks', 'services/escalation'],
    ['services/ingest/src/a.ts', "this.db('stays').where({ property_id })", 'stays', LEDGER],
    ['services/reconciler/src/a.ts', "db.raw('SELECT version FROM properties WHERE property_id = ?', [id])", 'properties', LEDGER],
    ['services/escalation/src/a.ts', "db('reconcile.passes')", 'reconcile.passes', 'services/reconciler'],
    ['packages/ledger-reads/src/a.ts', "db('ingest.listings')", 'ingest.listings', DIRECTORY],
  ])('%s naming %s breaks the rule', (file, source, table, owner) => {
    expect(violationsIn(file, source)).toEqual([{ file, table, owner }]);
  });

  it.each([
    ['packages/directory/src/a.ts', "db('ingest.listings')"],
    ['services/ingest/src/a.ts', "db('ingest.pms_revisions')"],
    ['services/booking-arbiter/src/a.ts', "tx('stays').insert(rows)"],
    ['services/ingest/src/a.ts', "// reads ingest.listings in a comment\nconst path = '/v1/properties/{propertyId}';"],
    ['services/ingest/src/a.ts', "log.info('the properties of a tenant', { stays: 1 })"],
    ['services/escalation/src/migrations/001.ts', "knex.schema.withSchema('escalation').createTable('outbox', () => {})"],
    ['packages/ledger-reads/src/a.ts', "db('stays as s').leftJoin('guests as g', on)"],
    ['services/ingest/src/cli/a.ts', "program.command('properties').description('list, show or remove properties')"],
  ])('%s naming %s keeps it', (file, source) => {
    expect(violationsIn(file, source)).toEqual([]);
  });

  it('the known exceptions are still needed (remove one once its reference is gone)', () => {
    const all = sourceFiles().flatMap((file) => violationsIn(file, readFileSync(join(ROOT, file), 'utf8')));
    const stale = KNOWN_EXCEPTIONS.filter((e) => !all.some((v) => v.file === e.file && v.table === e.table));
    expect(stale).toEqual([]);
  });

  it("no module names a table another package owns: it uses the owner's entry", () => {
    expect(violations()).toEqual([]);
  });
});
