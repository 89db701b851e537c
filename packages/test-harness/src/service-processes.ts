import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@cm/service-runtime';
import { sumMetric } from './metrics';
import { spawnNode } from './processes';

// The key ring every spawned service gets (spawnNode), for the main job that seals with it too.
export { TEST_SECRETS_KEYS, testKeyRing } from './test-secrets';

/** The five services, each with the topics it consumes. */
export const SERVICES = [
  { name: 'ingest', consumes: ['channel.inbound'] },
  { name: 'booking-arbiter', consumes: ['booking.commands.v2'] },
  { name: 'sync-dispatcher', consumes: ['availability.changes'] },
  { name: 'reconciler', consumes: ['sync.results.v2'] },
  { name: 'escalation', consumes: ['conflicts.v2', 'sync.results.v2'] },
] as const;
export type ServiceName = (typeof SERVICES)[number]['name'];

const WORKSPACE = join(__dirname, '..', '..', '..');

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly opsPort: number;
  readonly child: ChildProcess;
  output(): string;
  ready(): Promise<boolean>;
  /** Sum of cm_records_consumed_total for one topic and outcome, read from /metrics. */
  consumed(topic: string, outcome: 'processed' | 'dead_lettered'): Promise<number>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** The built entry point of a service, for a test that starts it with settings of its own. */
export function serviceMain(name: ServiceName): string {
  return join(WORKSPACE, 'services', name, 'dist', 'main.js');
}

export function startServiceProcess(
  name: ServiceName,
  options: { opsPort: number; env?: Record<string, string>; logFile?: string },
): ServiceProcess {
  const { child, output, exited } = spawnNode(serviceMain(name), { OPS_PORT: String(options.opsPort), ...options.env }, options.logFile ? { logFile: options.logFile } : {});
  const base = `http://127.0.0.1:${options.opsPort}`;
  return {
    name,
    opsPort: options.opsPort,
    child,
    output,
    ready: async () => (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200,
    consumed: async (topic, outcome) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return sumMetric(text, 'cm_records_consumed_total', { topic, outcome });
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited();
    },
  };
}

export async function waitUntilReady(services: readonly ServiceProcess[], timeoutMs = 90_000): Promise<void> {
  await Promise.all(
    services.map((s) =>
      waitFor(`${s.name} /health/ready`, async () => {
        if (s.child.exitCode !== null) throw new Error(`${s.name} exited with ${s.child.exitCode}:\n${s.output().slice(-2000)}`);
        return s.ready();
      }, { timeoutMs, intervalMs: 200 }),
    ),
  );
}
