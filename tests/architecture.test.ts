import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Tests stand on the test harness and on other packages' public entries, never on another
 * package's sources or tests, nor on the main job (issue 19, point 5). This reads every test
 * file's imports (static, dynamic, require, jest.mock) with TypeScript's own pre-processor.
 */
const ROOT = join(__dirname, '..');
const PACKAGE_DIRS = ['packages', 'services'];
const SOURCE_FILE = /\.(ts|js|cjs|mjs)$/;

/** Subpaths a package declares for importers; any other `@cm/<name>/<path>` reaches past its entry. */
const DECLARED_SUBPATHS = [/^@cm\/test-harness\/service-processes$/, /^@cm\/test-harness\/worlds\/[a-z-]+$/];

interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly why: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** Test code: the root tests/, every test/ folder, co-located *.test.ts, and the harness itself. */
function isTestFile(path: string): boolean {
  const parts = path.split(sep);
  if (!SOURCE_FILE.test(path)) return false;
  return parts[0] === 'tests' || parts.includes('test') || /\.test\.ts$/.test(path) || path.startsWith(join('packages', 'test-harness', 'src') + sep);
}

function testFiles(): string[] {
  return ['tests', ...PACKAGE_DIRS]
    .flatMap((top) => walk(join(ROOT, top)))
    .map((path) => relative(ROOT, path))
    .filter(isTestFile)
    .sort();
}

/** `packages/ingest` for any path inside it, or null for the root's tests/. */
function owningPackage(path: string): string | null {
  const [top, name] = path.split(sep);
  return top !== undefined && name !== undefined && PACKAGE_DIRS.includes(top) ? join(top, name) : null;
}

const JEST_MODULE_CALL = /\bjest\.(?:mock|doMock|unmock|requireActual|requireMock)\(\s*['"]([^'"]+)['"]/g;

/** Static and dynamic imports and requires (TypeScript's pre-processor), and jest's module calls. */
function importsOf(source: string): string[] {
  const imports = ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
  return [...imports, ...[...source.matchAll(JEST_MODULE_CALL)].map((m) => m[1] as string)];
}

/** Why one import in one test file breaks the rule, or null when it keeps it. */
function violationOf(file: string, specifier: string): string | null {
  if (specifier === '@cm/pipeline-demo' || specifier.startsWith('@cm/pipeline-demo/')) return 'imports the main job';
  if (specifier.startsWith('@cm/')) {
    const deep = specifier.split('/').length > 2;
    return deep && !DECLARED_SUBPATHS.some((allowed) => allowed.test(specifier)) ? "reaches past a package's entry" : null;
  }
  if (!specifier.startsWith('.')) return null;
  const target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
  const targetPackage = owningPackage(target);
  if (targetPackage === null || targetPackage === owningPackage(file)) return null;
  const inside = target.split(sep)[2];
  return inside === 'src' || inside === 'test' ? `reaches into ${targetPackage}/${inside}/` : null;
}

function violations(): Violation[] {
  return testFiles().flatMap((file) =>
    importsOf(readFileSync(join(ROOT, file), 'utf8')).flatMap((specifier) => {
      const why = violationOf(file, specifier);
      return why === null ? [] : [{ file, specifier, why }];
    }),
  );
}

describe('architecture: tests use other packages through their entries and the test harness', () => {
  it('finds the test files and their imports (the check is not passing on nothing)', () => {
    const files = testFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files).toEqual(expect.arrayContaining([join('tests', 'architecture.test.ts'), join('packages', 'test-harness', 'src', 'worlds', 'ingest-world.ts')]));
    expect(importsOf("import { a } from '../x';\nconst b = require('./y');\nawait import('z');\njest.mock('w');")).toEqual(['../x', './y', 'z', 'w']);
  });

  it.each([
    ['services/reconciler/test/a.test.ts', '../../channel-simulator/src/client', 'reaches into services/channel-simulator/src/'],
    ['services/reconciler/test/a.test.ts', '../../sync-dispatcher/test/pipeline', 'reaches into services/sync-dispatcher/test/'],
    ['tests/a.test.ts', '../services/ingest/src/config', 'reaches into services/ingest/src/'],
    ['packages/channel-adapters/test/a.test.ts', '../../../services/channel-simulator/test/support/webhook-receiver', 'reaches into services/channel-simulator/test/'],
    ['tests/a.test.ts', '@cm/pipeline-demo/service-processes', 'imports the main job'],
    ['services/ingest/test/a.test.ts', '@cm/pipeline-demo', 'imports the main job'],
    ['services/ingest/test/a.test.ts', '@cm/booking-arbiter/ledger/migrations', "reaches past a package's entry"],
    ['services/ingest/test/a.test.ts', '../src/directory/admin', null],
    ['services/ingest/test/a.test.ts', '../openapi.json', null],
    ['services/ingest/test/a.test.ts', '@cm/booking-arbiter', null],
    ['services/ingest/test/a.test.ts', '@cm/test-harness/worlds/ingest-world', null],
    ['packages/test-harness/src/worlds/a.ts', '../stack', null],
  ])('%s importing %s: %s', (file, specifier, why) => {
    expect(violationOf(file.split('/').join(sep), specifier)).toBe(why);
  });

  it("no test imports another package's src/ or test/, a package past its entry, or the main job", () => {
    expect(violations()).toEqual([]);
  });
});
