import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export const MAIN_SCRIPT = join(__dirname, '..', '..', 'dist', 'main.js');

export interface SimulatorProcess {
  readonly child: ChildProcess;
  output(): string;
  exited(): Promise<number | null>;
}

/** Runs the built simulator (dist/main.js: `pnpm -s build` first) with extra environment. */
export function spawnSimulator(env: Record<string, string>): SimulatorProcess {
  const child = spawn(process.execPath, [MAIN_SCRIPT], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited: () => exit };
}
