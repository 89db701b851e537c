import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/** docs/configuration.md is what scripts/lib/config-reference.mjs generates from the config schemas, so it cannot drift from them. */
describe('the configuration reference', () => {
  it('docs/configuration.md equals the text generated from every program\'s config schema (regenerate: node scripts/lib/config-reference.mjs --write)', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts', 'lib', 'config-reference.mjs')], { maxBuffer: 4 * 1024 * 1024 });
    expect(readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8')).toBe(stdout);
  });

  it('names every service and its variables, the required ones marked', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    for (const service of ['ingest', 'booking-arbiter', 'sync-dispatcher', 'reconciler', 'escalation', 'channel-simulator']) expect(doc).toContain(`## ${service}\n`);
    expect(doc).toMatch(/^\| `SECRETS_KEYS` \| \*\*required\*\* \| text \| The key ring/m);
    expect(doc).toMatch(/^\| `HTTP_PORT` \| `9411` \| integer 0\.\.65535 \| The webhook and PMS API port/m);
  });

  it('the README points to it and links nothing outside the repository', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/configuration.md)');
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => /^[a-z]+:/i.test(l) || l.startsWith('..') || l.startsWith('/'))).toEqual([]);
    // Addresses on this machine, or placeholders such as http://<ingest>:9411, are not links out.
    expect(readme).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost|<)/);
  });
});
