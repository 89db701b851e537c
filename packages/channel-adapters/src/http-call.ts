import { request, type Dispatcher } from 'undici';
import { parseRetryAfter } from './retry-after';
import type { PushResult } from './types';

/**
 * One JSON call to a platform API and its classification, shared by the ARI pushes and reads
 * and the reservation operations: 2xx with a JSON body is an answer; 429 is `rate_limited` (with
 * Retry-After), 5xx `server_error`, other statuses `client_error`; no answer in time is `timeout`,
 * a connection that failed `network_error`. A refusal keeps its parsed body as `problem`.
 */

export type CallFailure = Extract<PushResult, { ok: false }>;

export type CallAnswer = { readonly ok: true; readonly status: number; readonly body: unknown } | { readonly ok: false; readonly failure: CallFailure; readonly problem: unknown };

export interface CallSettings {
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly now: () => number;
  /** The connection's credentials, sent as `Authorization: Bearer …` on every call; null: none. Never part of a failure's text. */
  readonly credentials: string | null;
}

export async function callChannel(settings: CallSettings, method: 'GET' | 'POST', url: string, body?: unknown): Promise<CallAnswer> {
  let status: number;
  let text: string;
  let retryAfter: string | string[] | undefined;
  try {
    const answer = await request(url, {
      method,
      dispatcher: settings.dispatcher,
      headers: headersOf(settings, body !== undefined),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    status = answer.statusCode;
    retryAfter = answer.headers['retry-after'];
    text = await answer.body.text().catch(() => '');
  } catch (error) {
    const name = (error as { name?: string }).name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const failure: CallFailure = { ok: false, outcome: timedOut ? 'timeout' : 'network_error', status: null, retryAfterMs: null, error: timedOut ? `no answer within ${settings.timeoutMs} ms` : describeFetchError(error) };
    return { ok: false, failure, problem: null };
  }
  if (status >= 200 && status < 300) {
    try {
      return { ok: true, status, body: JSON.parse(text) };
    } catch {
      return { ok: false, failure: { ok: false, outcome: 'server_error', status, retryAfterMs: null, error: 'answered with a body that is not JSON' }, problem: null };
    }
  }
  const retryAfterMs = parseRetryAfter((Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null, settings.now());
  const outcome = status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : 'client_error';
  return { ok: false, failure: { ok: false, outcome, status, retryAfterMs, error: `${status}: ${text.slice(0, 300)}` }, problem: parseProblem(text) };
}

function headersOf(settings: CallSettings, json: boolean): Record<string, string> {
  const headers: Record<string, string> = json ? { 'content-type': 'application/json' } : {};
  if (settings.credentials !== null) headers.authorization = `Bearer ${settings.credentials}`;
  return headers;
}

function parseProblem(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function describeFetchError(error: unknown): string {
  const { code, cause } = error as { code?: string; cause?: { code?: string; message?: string } };
  return cause?.code ?? code ?? cause?.message ?? (error as Error).message ?? String(error);
}
