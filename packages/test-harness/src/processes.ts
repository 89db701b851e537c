import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '@cm/service-runtime';

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
}

export function spawnNode(script: string, env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited: () => exit };
}

export async function httpStatus(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

/** Waits until a spawned service answers ready on its ops port; fails at once, with its output, if it exits first. */
export async function untilReady(spawned: Spawned, opsPort: number, name: string): Promise<void> {
  await waitFor(`${name} ready`, async () => {
    if (spawned.child.exitCode !== null) throw new Error(`${name} exited ${spawned.child.exitCode}: ${spawned.output().slice(-3000)}`);
    return (await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => undefined))?.status === 200;
  }, { timeoutMs: 60_000, intervalMs: 100 });
}
