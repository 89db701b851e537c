import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { waitFor } from '@cm/service-runtime';
import { OwnedProcesses } from '../src/owned-processes';

/**
 * Issue 24.5: every way out of the main job stops every process it started. Real processes:
 * children that wait for ever, one of them deaf to SIGTERM.
 */
const sleeper = (ignoreTerm = false): ChildProcess =>
  spawn(process.execPath, ['-e', `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1000); process.stdout.write('up\\n');`], { stdio: ['ignore', 'pipe', 'ignore'] });

const started = async (child: ChildProcess) => {
  await once(child.stdout!, 'data');
  return child;
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the main job stops what it started on every exit path', () => {
  it('a run that fails (the arbiter not deciding in time) stops the simulator and every service before the error goes on', async () => {
    const owned = new OwnedProcesses(500);
    const simulator = await started(owned.add('channel-simulator', sleeper()));
    const arbiter = await started(owned.add('booking-arbiter', sleeper(true)));
    const run = owned.around(async () => {
      await waitFor('the arbiter to decide', () => false, { timeoutMs: 200, intervalMs: 50 });
      return 0;
    });
    await expect(run).rejects.toThrow(/the arbiter to decide/);
    expect([simulator.exitCode ?? simulator.signalCode, arbiter.exitCode ?? arbiter.signalCode]).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('a run that succeeds stops them too, and stopping twice stops once', async () => {
    const owned = new OwnedProcesses(5_000);
    const simulator = await started(owned.add('channel-simulator', sleeper()));
    expect(await owned.around(async () => 0)).toBe(0);
    expect(simulator.signalCode).toBe('SIGTERM');
    await owned.stopAll();
  });

  /** A job that owns a simulator-like child and then does `then` (JavaScript); resolves with the child's pid once it runs. */
  const job = async (then: string) => {
    const module = join(__dirname, '..', 'dist', 'owned-processes.js');
    const child = spawn(
      process.execPath,
      ['-e', `
        const { spawn } = require('node:child_process');
        const { OwnedProcesses } = require(${JSON.stringify(module)});
        const owned = new OwnedProcesses(2000);
        owned.stopOnSignals();
        const child = owned.add('channel-simulator', spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
        process.stdout.write(child.pid + '\\n');
        setInterval(() => {}, 1000);
        ${then}
      `],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit');
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    return { process: child, exited, simulatorPid: Number(line.toString().trim()) };
  };

  it('SIGTERM to the job stops its children, then it exits 143', async () => {
    const { process: running, exited, simulatorPid } = await job('');
    expect(alive(simulatorPid)).toBe(true);
    running.kill('SIGTERM');
    expect((await exited)[0]).toBe(143);
    await waitFor('the simulator gone', () => !alive(simulatorPid), { timeoutMs: 5_000, intervalMs: 50 });
  });

  it('an error nothing caught (a promise nobody awaited) stops its children, then it exits 1', async () => {
    const { exited, simulatorPid } = await job("setTimeout(() => Promise.reject(new Error('the arbiter did not decide in time')), 300);");
    expect((await exited)[0]).toBe(1);
    await waitFor('the simulator gone', () => !alive(simulatorPid), { timeoutMs: 5_000, intervalMs: 50 });
  });
});
