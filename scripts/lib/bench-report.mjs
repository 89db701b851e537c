// Collects the rows the benchmarks wrote (BENCH_RESULT_FILE), prints them as one table and writes
// the whole report as JSON. Run by scripts/bench, never alone:
//   node bench-report.mjs RUNS_TSV REPORT_JSON REPO_ROOT
// RUNS_TSV: one line per bench: name, exit status, seconds, result file, log file (tab-separated).
// Exits 1 if a bench failed or wrote no figures, else 2 if a figure missed its target, else 0.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem, release } from 'node:os';
import { join, resolve } from 'node:path';

const [runsFile, reportFile, root] = process.argv.slice(2);
if (!runsFile || !reportFile || !root) {
  process.stderr.write('usage: node bench-report.mjs RUNS_TSV REPORT_JSON REPO_ROOT\n');
  process.exit(64);
}

const failure = (bench, figure, log) => ({ bench, figure, unit: null, value: null, floor: null, ratio: null, target: null, met: false, failed: true, log });

/** The last line of a log that says something, to tell in the table why a bench failed. */
function lastWords(log) {
  if (!existsSync(log)) return '';
  const lines = readFileSync(log, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.findLast((l) => /error|failed|fail:|timed out|not ready/i.test(l)) ?? lines.at(-1) ?? '';
  return said.length > 100 ? `${said.slice(0, 97)}...` : said;
}

const runs = [];
const rows = [];
for (const line of readFileSync(runsFile, 'utf8').split('\n').filter(Boolean)) {
  const [bench, status, seconds, result, log] = line.split('\t');
  const exitStatus = Number(status);
  let written = null;
  let problem = null;
  if (existsSync(result)) {
    try {
      written = JSON.parse(readFileSync(result, 'utf8'));
      if (!Array.isArray(written)) throw new Error('not an array');
    } catch (error) {
      problem = `its figures are not readable JSON (${error.message})`;
      written = null;
    }
  }
  if (exitStatus !== 0) {
    const why = lastWords(log) || 'see its log';
    rows.push(failure(bench, exitStatus === 125 ? `NOT RUN, scripts/stack up failed: ${why}` : `FAILED (exit ${exitStatus}): ${why}`, log));
  } else if (written === null) {
    rows.push(failure(bench, `FAILED: ${problem ?? 'exited 0 but wrote no figures (stale build? pnpm -s build)'}`, log));
  } else if (written.length === 0) {
    rows.push(failure(bench, 'FAILED: wrote no figures', log));
  }
  // Figures a bench wrote before failing are kept, after the row saying it failed.
  for (const row of written ?? []) rows.push({ ...row, bench: row.bench ?? bench });
  runs.push({ bench, exitStatus, seconds: Number(seconds), log, figures: written?.length ?? 0 });
}

/** The commit checked out, read from .git without running git; null outside a checkout. */
function gitCommit(repo) {
  try {
    let gitDir = join(repo, '.git');
    if (!existsSync(join(gitDir, 'HEAD'))) {
      const pointer = /^gitdir: (.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (!pointer) return null;
      gitDir = resolve(repo, pointer[1].trim());
    }
    const common = existsSync(join(gitDir, 'commondir')) ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return { commit: head, ref: null };
    for (const dir of [gitDir, common]) {
      if (existsSync(join(dir, ref))) return { commit: readFileSync(join(dir, ref), 'utf8').trim(), ref };
    }
    const packed = join(common, 'packed-refs');
    if (existsSync(packed)) {
      const hit = readFileSync(packed, 'utf8').split('\n').find((l) => l.endsWith(` ${ref}`));
      if (hit) return { commit: hit.split(' ')[0], ref };
    }
    return { commit: null, ref };
  } catch {
    return null;
  }
}

const git = gitCommit(root);
const cpu = cpus();
const report = {
  date: new Date().toISOString(),
  commit: git?.commit ?? null,
  ref: git?.ref ?? null,
  machine: {
    hostname: hostname(),
    cores: cpu.length,
    cpu: cpu[0]?.model ?? null,
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    kernel: release(),
    node: process.version,
  },
  settings: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_RESULT_FILE').sort()),
  runs,
  failed: runs.filter((r) => r.exitStatus !== 0 || r.figures === 0).map((r) => r.bench),
  // Figures measured that missed their target (a failed bench's row is in `failed`, not here).
  missed: rows.filter((r) => r.met === false && !r.failed).map((r) => ({ bench: r.bench, figure: r.figure })),
  rows,
};
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);

const number = (x) => (x === null || x === undefined ? '-' : Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : String(Math.round(x * 100) / 100));
const table = [
  ['bench', 'figure', 'unit', 'value', 'floor', 'ratio', 'target', 'met'],
  ...rows.map((r) => [
    r.bench,
    r.figure,
    r.unit ?? '',
    number(r.value),
    number(r.floor),
    r.ratio === null || r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
    r.target ?? '-',
    r.met === null || r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
  ]),
];
const numeric = new Set([3, 4, 5]);
const widths = table[0].map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
const line = (cells) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
const out = [line(table[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)];
out.push('', `ratio = value / floor; the figure says whether higher or lower is better. Report: ${reportFile}`);
if (report.failed.length > 0) out.push(`FAILED: ${report.failed.join(', ')} (logs: ${runs.filter((r) => report.failed.includes(r.bench)).map((r) => r.log).join(', ')})`);
if (report.missed.length > 0) out.push(`targets missed: ${report.missed.length} (${report.missed.map((r) => `${r.bench}: ${r.figure}`).join('; ')})`);
else if (report.failed.length === 0) out.push(`every target met (${rows.filter((r) => r.met === true).length} figures with a target)`);
process.stdout.write(`${out.join('\n')}\n`);
// A failed bench outranks a missed target: its figures are missing, not measured short.
process.exit(report.failed.length > 0 ? 1 : report.missed.length > 0 ? 2 : 0);
