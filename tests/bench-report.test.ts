import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const REPORT = join(ROOT, 'scripts', 'lib', 'bench-report.mjs');

/** scripts/bench's exit status is bench-report's: 0 all met, 1 a bench failed, 2 a target missed (issue 22.6). */
describe('scripts/bench: one table, and an exit status that tells a failed bench from a missed target', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const figure = (figure: string, met: boolean | null) => ({ bench: 'sync', figure, unit: 'ms', value: 3, floor: 1, ratio: 3, target: met === null ? null : '<= 2', met });
  /** Writes each bench's figures and the runs file scripts/bench would, and runs the report on them. */
  const report = async (benches: { name: string; status: number; figures?: unknown[] }[]) => {
    const lines = benches.map(({ name, status, figures }) => {
      const result = join(dir, `${name}.json`);
      if (figures) writeFileSync(result, JSON.stringify(figures));
      else rmSync(result, { force: true });
      return [name, status, 1, result, join(dir, `${name}.log`)].join('\t');
    });
    writeFileSync(join(dir, 'runs.tsv'), `${lines.join('\n')}\n`);
    const json = join(dir, 'report.json');
    const outcome = await run(process.execPath, [REPORT, join(dir, 'runs.tsv'), json, ROOT]).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    return { ...outcome, json: JSON.parse(readFileSync(json, 'utf8')) as { failed: string[]; missed: { figure: string }[] } };
  };

  it('exits 0 when every figure with a target met it (figures without one do not count)', async () => {
    const { code, stdout } = await report([{ name: 'sync', status: 0, figures: [figure('p99', true), figure('p50', null)] }]);
    expect(code).toBe(0);
    expect(stdout).toContain('every target met');
  });

  it('exits 2 when a figure missed its target, and names it under the table', async () => {
    const { code, stdout, json } = await report([{ name: 'sync', status: 0, figures: [figure('p99', true), figure('CPU per booking', false)] }]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/CPU per booking .* NO/);
    expect(stdout).toContain('targets missed: 1 (sync: CPU per booking)');
    expect(json.missed).toEqual([{ bench: 'sync', figure: 'CPU per booking' }]);
  });

  it('exits 1 when a bench failed, even if another missed a target', async () => {
    const { code, json } = await report([
      { name: 'sync', status: 0, figures: [figure('CPU per booking', false)] },
      { name: 'arbiter', status: 1 },
    ]);
    expect(code).toBe(1);
    expect(json.failed).toEqual(['arbiter']);
  });
});
