import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeHttpServer } from './http-close';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves true when ready; false or a throw means not ready. */
  check(): Promise<boolean> | boolean;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The operational HTTP endpoints of a service: /health/live (the process answers),
 * /health/ready (every readiness check passes; the body names the failing ones) and /metrics.
 */
export async function startOpsServer(options: {
  port: number;
  host?: string;
  metrics: Registry;
  readiness: readonly ReadinessCheck[];
}): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, JSON.stringify({ error: 'method_not_allowed' }));
    switch (path) {
      case '/health/live':
        return reply(200, JSON.stringify({ status: 'live' }));
      case '/health/ready':
        return void runChecks(options.readiness).then(({ ready, checks }) =>
          reply(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not_ready', checks })),
        );
      case '/metrics':
        return void options.metrics.metrics().then(
          (text) => reply(200, text, options.metrics.contentType),
          (error: unknown) => reply(500, JSON.stringify({ error: 'metrics_failed', detail: String(error) })),
        );
      default:
        return reply(404, JSON.stringify({ error: 'not_found', paths: ['/health/live', '/health/ready', '/metrics'] }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => closeHttpServer(server),
  };
}

async function runChecks(checks: readonly ReadinessCheck[]) {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return [c.name, (await c.check()) ? 'ok' : 'not_ready'] as const;
      } catch (error) {
        return [c.name, `failed: ${error instanceof Error ? error.message : String(error)}`] as const;
      }
    }),
  );
  return { ready: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
}
