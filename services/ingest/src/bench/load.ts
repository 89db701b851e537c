/**
 * The little of autocannon the benchmark uses, typed here (its own package ships no types).
 * Each request's body and headers come from `next()`, so every request is distinct.
 */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly statusCodes: Readonly<Record<string, number>>;
}

export interface LoadOptions {
  readonly url: string;
  readonly path: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second across all connections; absent: as fast as answers come (closed loop). */
  readonly overallRate?: number;
  next(): { body: string; headers: Record<string, string> };
}

interface AutocannonRequest {
  method: string;
  path: string;
  setupRequest(request: { body?: string; headers?: Record<string, string> }): { body?: string; headers?: Record<string, string> };
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}

type Autocannon = (options: { url: string; connections: number; duration: number; overallRate?: number; requests: AutocannonRequest[] }) => Promise<AutocannonResult>;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: options.path,
        setupRequest: (request) => {
          const { body, headers } = options.next();
          return { ...request, body, headers: { ...request.headers, ...headers } };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count])),
  };
}
