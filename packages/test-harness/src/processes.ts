import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { waitFor } from '@cm/service-runtime';
import { TEST_SECRETS_KEYS } from './test-secrets';

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
}

/**
 * The most connections a service's main pool opens in a test (DATABASE_POOL_MAX, unless `env`
 * gives another). Two test files run at once, each with up to three instances of a service, on a
 * PostgreSQL of 100 connections: with the services' own defaults (10 to 16 each) and their LISTEN
 * sessions the full suite reached 99 and a reconciler starting then was refused.
 */
const TEST_POOL_MAX = '6';

/**
 * Runs a Node script with the environment given over this one's, the tests' key ring
 * (SECRETS_KEYS) and TEST_POOL_MAX, unless `env` gives others; `logFile` also gets its output.
 */
export function spawnNode(script: string, env: Record<string, string>, options: { logFile?: string } = {}): Spawned {
  const child = spawn(process.execPath, [script], { env: { ...process.env, SECRETS_KEYS: TEST_SECRETS_KEYS, DATABASE_POOL_MAX: TEST_POOL_MAX, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      log?.write(chunk);
    });
  }
  const exit = once(child, 'exit').then(([code]) => {
    log?.end();
    return code as number | null;
  });
  return { child, output: () => output, exited: () => exit };
}

/** Waits until a spawned service answers ready on its ops port; fails at once, with its output, if it exits first. */
export async function untilReady(spawned: Spawned, opsPort: number, name: string): Promise<void> {
  // waitFor retries a probe that throws, so an exit ends the wait as a result and is thrown after it.
  const outcome = await waitFor(`${name} ready`, async () => {
    if (spawned.child.exitCode !== null) return { exited: spawned.child.exitCode };
    return (await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => undefined))?.status === 200 ? { exited: null } : false;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  if (outcome.exited !== null) throw new Error(`${name} exited ${outcome.exited}: ${spawned.output().slice(-3000)}`);
}
