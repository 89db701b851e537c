/**
 * The services the console's read pages come from, called on the signed-in operator's behalf
 * with the tenant's own API key: each service scopes the answer to that tenant itself, exactly as
 * it does for any client, so the console can show nothing the tenant could not read.
 */
export type SourceName = 'ingest' | 'dispatcher' | 'reconciler';

/** What each source is to an operator reading a panel's error. */
export const SOURCE_TITLES: Readonly<Record<SourceName, string>> = {
  ingest: 'the ledger (ingest)',
  dispatcher: 'the channel side (sync-dispatcher)',
  reconciler: 'the reconciler',
};

/**
 * One read's answer, never thrown: a page shows each source's panel on its own, so one source
 * failing leaves the others on the page.
 * - `unconfigured`: the console was not given the source's URL;
 * - `absent`: the source answered 404 (another tenant's ids look the same as missing ones);
 * - `failed`: any other answer than 200, a timeout, or a connection refused, with the reason.
 */
export type SourceAnswer<T> =
  | { readonly kind: 'ok'; readonly body: T }
  | { readonly kind: 'unconfigured'; readonly source: SourceName }
  | { readonly kind: 'absent'; readonly source: SourceName; readonly detail: string }
  | { readonly kind: 'failed'; readonly source: SourceName; readonly reason: string };

export interface SourceUrls {
  readonly ingest?: string | undefined;
  readonly dispatcher?: string | undefined;
  readonly reconciler?: string | undefined;
}

/** Longest problem detail quoted on a page. */
const DETAIL_CHARS = 300;

export class ConsoleSources {
  constructor(
    private readonly urls: SourceUrls,
    private readonly timeoutMs: number,
  ) {}

  configured(source: SourceName): boolean {
    return this.urls[source] !== undefined;
  }

  /** GET `path` (from its leading /, already percent-encoded) of a source as the tenant whose key is given. */
  async read<T>(source: SourceName, path: string, apiKey: string): Promise<SourceAnswer<T>> {
    const base = this.urls[source];
    if (base === undefined) return { kind: 'unconfigured', source };
    let response: Response;
    try {
      // Joined, not resolved: a base behind a proxy's path prefix (https://host/ingest) keeps it.
      response = await fetch(`${base.replace(/\/+$/, '')}${path}`, { headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (error) {
      return { kind: 'failed', source, reason: reasonOfFetchError(error, this.timeoutMs) };
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      return { kind: 'failed', source, reason: response.ok ? `its answer was not JSON (${(error as Error).name})` : `it answered ${response.status} without a problem document` };
    }
    if (response.status === 200) return { kind: 'ok', body: body as T };
    const detail = problemDetail(body);
    if (response.status === 404) return { kind: 'absent', source, detail };
    return { kind: 'failed', source, reason: `it answered ${response.status}: ${detail}` };
  }
}

/** The reason a call never got an answer, in an operator's words. */
function reasonOfFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (e.cause?.code === 'ECONNREFUSED') return 'the connection was refused: the service is not listening';
  if (e.cause?.code) return `the call failed: ${e.cause.code}`;
  return `the call failed: ${(e.cause?.message ?? (error as Error).message ?? 'unknown error').slice(0, DETAIL_CHARS)}`;
}

function problemDetail(body: unknown): string {
  const problem = body as { detail?: unknown; code?: unknown };
  const text = typeof problem?.detail === 'string' ? problem.detail : typeof problem?.code === 'string' ? problem.code : 'no detail';
  return text.slice(0, DETAIL_CHARS);
}
