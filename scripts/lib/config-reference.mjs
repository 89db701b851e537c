// The configuration reference (docs/configuration.md), generated from each program's zod config
// schema: the variables, their defaults and what they accept come from the schema itself
// (service-runtime's configVariables), their descriptions from the comment above each variable in
// the schema's source. A test keeps the checked-in file equal to what this prints.
//   node scripts/lib/config-reference.mjs            print it
//   node scripts/lib/config-reference.mjs --write    write docs/configuration.md
// Needs the workspace built (it reads the compiled schemas in dist/).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const ts = require('typescript');
const { configVariables, databaseConfig, baseConfig } = require(join(ROOT, 'packages/service-runtime/dist/index.js'));

/** Every program that reads the environment, with the schema it parses and where its variables are described. */
const PROGRAMS = [
  { name: 'ingest', command: 'node services/ingest/dist/main.js', schema: () => require(join(ROOT, 'services/ingest/dist/service.js')).ingest.configSchema, home: 'services/ingest' },
  { name: 'booking-arbiter', command: 'node services/booking-arbiter/dist/main.js', schema: () => require(join(ROOT, 'services/booking-arbiter/dist/service.js')).bookingArbiter.configSchema, home: 'services/booking-arbiter' },
  { name: 'sync-dispatcher', command: 'node services/sync-dispatcher/dist/main.js', schema: () => require(join(ROOT, 'services/sync-dispatcher/dist/service.js')).syncDispatcher.configSchema, home: 'services/sync-dispatcher' },
  { name: 'reconciler', command: 'node services/reconciler/dist/main.js', schema: () => require(join(ROOT, 'services/reconciler/dist/service.js')).reconciler.configSchema, home: 'services/reconciler' },
  { name: 'escalation', command: 'node services/escalation/dist/main.js', schema: () => require(join(ROOT, 'services/escalation/dist/service.js')).escalation.configSchema, home: 'services/escalation' },
  { name: 'channel-simulator', command: 'node services/channel-simulator/dist/main.js', schema: () => require(join(ROOT, 'services/channel-simulator/dist/config.js')).simulatorConfig, home: 'services/channel-simulator' },
  { name: 'migrate (every service)', command: 'node services/<service>/dist/cli/migrate.js', schema: () => databaseConfig, home: 'packages/service-runtime' },
  { name: 'provision', command: 'node packages/service-runtime/dist/cli/provision.js', schema: () => baseConfig.omit({ OPS_PORT: true }), home: 'packages/service-runtime' },
];

/** Every `NAME: ...` of a zod schema in the sources, with the comment above it, per folder. */
function describedVariables() {
  const found = new Map();
  const sources = [];
  for (const group of ['packages', 'services']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const src = join(ROOT, group, name, 'src');
      let files;
      try {
        files = readdirSync(src).filter((f) => /^config.*\.ts$/.test(f));
      } catch {
        continue;
      }
      for (const file of files) sources.push(join(src, file));
    }
  }
  for (const path of sources) {
    const text = readFileSync(path, 'utf8');
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const home = relative(ROOT, path).split('/').slice(0, 2).join('/');
    const visit = (node) => {
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]+$/.test(node.name.text)) {
        const comment = commentAbove(text, node);
        if (comment) found.set(`${home}:${node.name.text}`, comment);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function commentAbove(text, node) {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  return ranges
    .map((r) => text.slice(r.pos, r.end))
    .map((c) => c.replace(/^\/\*\*?|\*\/$/g, '').replace(/^\s*\*\s?/gm, '').replace(/^\s*\/\/\s?/gm, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A default computed from the machine (an instance id of host and pid) is written as its recipe, so the text is the same on every machine. */
function machineFree(value) {
  return value.replace(`${hostname()}-${process.pid}`, '<hostname>-<pid>');
}

function cell(text) {
  return text.replace(/\|/g, '\\|');
}

export function configReference() {
  const described = describedVariables();
  const describe = (home, name) => described.get(`${home}:${name}`) ?? [...described.entries()].find(([key]) => key.endsWith(`:${name}`) && key.startsWith('packages/'))?.[1] ?? [...described.entries()].find(([key]) => key.endsWith(`:${name}`))?.[1] ?? '';
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated by `node scripts/lib/config-reference.mjs --write` from each program\'s config schema; tests/config-reference.test.ts keeps it current. Do not edit by hand. -->',
    '',
    'Every program reads its configuration once, from the environment, at start. A variable that is',
    'wrong or missing stops it with exit code 78 and a message naming the variable. `--help` on each',
    'program prints the same list.',
    '',
  ];
  for (const program of PROGRAMS) {
    out.push(`## ${program.name}`, '', `\`${program.command}\``, '', '| variable | default | accepts | what it is |', '| --- | --- | --- | --- |');
    for (const v of configVariables(program.schema())) {
      const fallback = v.required ? '**required**' : v.defaultValue === undefined ? '(unset)' : v.defaultValue === '' ? "''" : `\`${machineFree(v.defaultValue)}\``;
      out.push(`| \`${v.name}\` | ${cell(fallback)} | ${cell(v.accepts)} | ${cell(describe(program.home, v.name))} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

const DOC = join(ROOT, 'docs', 'configuration.md');
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = configReference();
  if (process.argv[2] === '--write') {
    writeFileSync(DOC, text);
    process.stderr.write(`wrote ${relative(ROOT, DOC)}\n`);
  } else {
    process.stdout.write(text);
  }
}
