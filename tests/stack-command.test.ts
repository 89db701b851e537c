import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const STACK = join(__dirname, '..', 'scripts', 'stack');
// The same default as scripts/lib/common.sh.
const state = process.env.CM_STATE ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'channel-manager');
const pids = join(state, 'pids');

describe('scripts/stack', () => {
  it('up is idempotent: a second up on a running stack starts nothing and keeps the same processes', async () => {
    const before = ['kafka', 'registry'].map((n) => readFileSync(join(pids, `${n}.pid`), 'utf8'));
    const { stderr } = await run(STACK, ['up'], { timeout: 120_000 });
    expect(stderr).toContain('kafka already running');
    expect(stderr).toContain('registry already running');
    expect(stderr).not.toContain('starting kafka');
    expect(['kafka', 'registry'].map((n) => readFileSync(join(pids, `${n}.pid`), 'utf8'))).toEqual(before);
  });

  it('status reports both processes with their memory, and the machine services', async () => {
    const { stdout } = await run(STACK, ['status']);
    expect(stdout).toMatch(/kafka\s+running\s+pid \d+\s+rss \d+ MiB/);
    expect(stdout).toMatch(/registry\s+running\s+pid \d+\s+rss \d+ MiB/);
    expect(stdout).toContain('postgres   answering');
    expect(stdout).toContain('redis      answering');
  });

  it('an unknown command is a usage error', async () => {
    await expect(run(STACK, ['sideways'])).rejects.toMatchObject({ code: 64, stderr: expect.stringContaining('usage: scripts/stack up|down|status|logs') });
  });
});
