import { buildApp } from './app';
import { DEFAULTS } from './defaults';
import { createPlatforms } from './platform';
import type { ReservationSettings, SimulatorLog } from './routes/context';
import { WebhookSender, type RetryPolicy } from './webhooks';

export interface SimulatorOptions {
  /** 0 (the default here) picks a free port; the process entry passes PORT. */
  readonly port?: number;
  readonly host?: string;
  readonly ingestUrl?: string;
  /** Seeds every channel's fault randomness. */
  readonly seed?: number;
  readonly bodyLimitBytes?: number;
  readonly webhookRetry?: Partial<RetryPolicy>;
  /** The fault clock (outage and throttle windows, rate limits); tests move it instead of waiting. */
  readonly clock?: () => number;
  readonly log?: SimulatorLog;
  /** Request window and acknowledgement re-delivery (wall-clock milliseconds, real timers). */
  readonly reservations?: Partial<ReservationSettings>;
}

export interface RunningSimulator {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Stops taking calls, ends injected delays and webhook retries, waits for calls in hand. */
  close(): Promise<void>;
}

/** Starts the simulator in this process: what main.ts runs, and what tests and benchmarks embed. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const stopping = new AbortController();
  const log = options.log ?? SILENT;
  const platforms = createPlatforms(options.seed ?? DEFAULTS.seed);
  const app = buildApp(
    {
      platforms,
      clock: options.clock ?? Date.now,
      webhooks: new WebhookSender({ ...DEFAULTS.webhookRetry, ...options.webhookRetry }, stopping.signal),
      ingestUrl: (options.ingestUrl ?? DEFAULTS.ingestUrl).replace(/\/+$/, ''),
      stopping: stopping.signal,
      log,
      reservations: { ...DEFAULTS.reservations, ...options.reservations },
    },
    options.bodyLimitBytes ?? DEFAULTS.bodyLimitBytes,
  );
  const host = options.host ?? DEFAULTS.host;
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    close: () => {
      closing ??= (async () => {
        stopping.abort();
        for (const platform of Object.values(platforms)) {
          platform.timers.clear();
          platform.icalPolling.cancelAll();
        }
        await app.close();
        await Promise.all(Object.values(platforms).map((platform) => platform.icalPolling.settled()));
      })();
      return closing;
    },
  };
}

/** A wildcard bind is reached through loopback; IPv6 literals need brackets in a URL. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

const SILENT: SimulatorLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
