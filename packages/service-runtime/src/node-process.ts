import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from './wait';

export interface NodeProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/** A Node script in a process of its own (as in production), ready once `ready` holds. */
export async function spawnNodeProcess(script: string, env: Record<string, string>, ready: () => Promise<boolean>): Promise<NodeProcess> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  await waitFor(`${script} ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    return ready();
  }, { timeoutMs: 60_000, intervalMs: 100 });
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
