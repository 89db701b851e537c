import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPTS = join(__dirname, '..', 'scripts', 'lib');

/**
 * scripts/stack's Maven fetch (issue 24.5): a few lines of progress instead of every download;
 * Maven's own output goes to a log under the cache, printed (its tail) only when the fetch fails.
 * Maven here is a stand-in on PATH that prints what a real first fetch prints (hundreds of
 * download lines) and exits as told: the real one needs minutes and the network.
 */
describe('scripts/lib/fetch.sh: maven_fetch', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cm-fetch-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'pom'));
    writeFileSync(join(dir, 'pom', 'pom.xml'), '<project/>');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fakeMaven = (exitCode: number) => {
    const mvn = join(dir, 'bin', 'mvn');
    writeFileSync(
      mvn,
      `#!/usr/bin/env bash
echo "mvn $*" > "${join(dir, 'args')}"
for i in $(seq 1 400); do echo "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/example/lib-$i.jar (10 kB at 1 MB/s)"; done
sleep 2.5
[ ${exitCode} -eq 0 ] || echo "[ERROR] Failed to execute goal: Could not resolve dependencies for project local:thing:pom:1"
exit ${exitCode}
`,
    );
    chmodSync(mvn, 0o755);
  };

  const fetch = () =>
    run('bash', ['-c', `set -euo pipefail; . "${SCRIPTS}/common.sh"; . "${SCRIPTS}/fetch.sh"; maven_fetch "Thing 1.0" "${join(dir, 'pom')}" dependency:copy-dependencies`], {
      env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, CM_CACHE: join(dir, 'cache'), MAVEN_PROGRESS_SECONDS: '1' },
    });

  it('a fetch that succeeds shows a few lines of progress, and Maven batch mode without transfer progress; its output is in the log', async () => {
    fakeMaven(0);
    const { stderr } = await fetch();
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`[cm] fetching Thing 1.0 from Maven Central into ${join(dir, 'cache')} (first time only; Maven's log: ${join(dir, 'cache', 'logs', 'maven-pom.log')})`);
    expect(lines.at(-1)).toMatch(/^\[cm\] fetched Thing 1\.0 in \d+s$/);
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines.slice(1, -1).every((l) => /^\[cm\] {3}still fetching Thing 1\.0: nothing yet in the Maven cache after \d+s$/.test(l))).toBe(true);
    expect(stderr).not.toContain('Downloaded from');
    expect(readFileSync(join(dir, 'cache', 'logs', 'maven-pom.log'), 'utf8').split('\n').filter((l) => l.includes('Downloaded from'))).toHaveLength(400);
    expect(readFileSync(join(dir, 'args'), 'utf8')).toMatch(/^mvn -B --no-transfer-progress .*-Dmaven\.repo\.local=\S+\/cache\/m2 dependency:copy-dependencies$/m);
  });

  it('a fetch that fails prints the end of Maven\'s log and fails naming it', async () => {
    fakeMaven(1);
    const failed = await fetch().then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('  | [ERROR] Failed to execute goal: Could not resolve dependencies');
    expect(failed?.stderr).toContain(`[cm] error: Maven could not fetch Thing 1.0 (the lines above are the end of ${join(dir, 'cache', 'logs', 'maven-pom.log')})`);
    // The tail, not the whole log: 40 lines of it.
    expect(failed?.stderr.split('\n').filter((l) => l.startsWith('  | '))).toHaveLength(40);
  });
});
