import { spawnNode, untilReady, type Spawned } from './processes';
import { freePort } from './stack';

/** A service started by a test, ready. */
export interface RunningService extends Spawned {
  readonly opsPort: number;
  metrics(): Promise<string>;
}

/** A service with an HTTP API of its own. */
export interface RunningHttpService extends RunningService {
  readonly url: string;
}

export interface ServiceStart {
  /** Its environment (namespace, database, group, settings), over the harness's defaults. */
  readonly env: Record<string, string>;
  /** Told of the process as soon as it is spawned, so a world can kill it even if it never turns ready. */
  readonly spawned?: (process: Spawned) => void;
}

/**
 * Starts a service's main on this worker's free ports (OPS_PORT, and HTTP_PORT with `http`), at
 * LOG_LEVEL warn unless `env` says otherwise, and waits until it answers ready.
 */
export async function startTestService(main: string, name: string, start: ServiceStart & { readonly http: true }): Promise<RunningHttpService>;
export async function startTestService(main: string, name: string, start: ServiceStart & { readonly http?: false }): Promise<RunningService>;
export async function startTestService(main: string, name: string, start: ServiceStart & { readonly http?: boolean }): Promise<RunningService | RunningHttpService> {
  const opsPort = await freePort();
  const httpPort = start.http ? await freePort() : null;
  const child = spawnNode(main, { ...(httpPort !== null ? { HTTP_PORT: String(httpPort) } : {}), OPS_PORT: String(opsPort), LOG_LEVEL: 'warn', ...start.env });
  start.spawned?.(child);
  await untilReady(child, opsPort, name);
  const running: RunningService = { ...child, opsPort, metrics: async () => (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text() };
  return httpPort === null ? running : { ...running, url: `http://127.0.0.1:${httpPort}` };
}
