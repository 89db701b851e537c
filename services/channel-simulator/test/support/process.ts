import { join } from 'node:path';
import { spawnNode, type Spawned } from '@cm/test-harness';

export const MAIN_SCRIPT = join(__dirname, '..', '..', 'dist', 'main.js');

export type SimulatorProcess = Spawned;

/** Runs the built simulator (dist/main.js: `pnpm -s build` first) with extra environment. */
export function spawnSimulator(env: Record<string, string>): SimulatorProcess {
  return spawnNode(MAIN_SCRIPT, env);
}
