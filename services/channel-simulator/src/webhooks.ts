import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { signedHeaders, type ChannelWebhookPayload } from '@cm/channel-webhooks';
import type { WebhookOutcome } from './stats';

/**
 * Delivers one webhook the way platforms do: signed per attempt (a fresh timestamp each time),
 * retried with exponential backoff, always with the same body and so the same event_id, on a
 * 5xx, a timeout, a network error, a 429 or a 409 event_in_progress; any other 4xx (or 3xx) is
 * an answer and is not retried.
 */

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly firstBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
}

export interface WebhookTarget {
  readonly url: string;
  readonly connectionId: string;
  readonly secret: string;
}

export interface DeliveryAttempt {
  readonly at_ms: number;
  readonly status: number | null;
  readonly error: string | null;
}

/** What happened to one webhook, as the admin API reports it. Times are wall-clock ms since epoch. */
export interface DeliveryReport {
  readonly event_id: string;
  readonly type: ChannelWebhookPayload['type'];
  readonly url: string;
  readonly outcome: WebhookOutcome;
  /** When the first attempt left: where a benchmark starts its clock. */
  readonly sent_at_ms: number;
  readonly attempts: number;
  /** The last answer ingest gave (body parsed as JSON when it is JSON), or null if none came. */
  readonly response: { readonly status: number; readonly body: unknown } | null;
  /** The last network error, if the last attempt got no answer. */
  readonly error: string | null;
  readonly attempt_log: readonly DeliveryAttempt[];
}

const MAX_RESPONSE_CHARS = 16_384;

export class WebhookSender {
  constructor(
    private readonly policy: RetryPolicy,
    /** Aborted when the simulator closes: pending backoffs and requests end at once. */
    private readonly stopping: AbortSignal,
  ) {}

  async deliver(target: WebhookTarget, payload: ChannelWebhookPayload): Promise<DeliveryReport> {
    const body = JSON.stringify(payload);
    const log: DeliveryAttempt[] = [];
    let response: DeliveryReport['response'] = null;
    let error: string | null = null;
    let outcome: WebhookOutcome = 'failed';

    for (let attempt = 1; attempt <= this.policy.maxAttempts && !this.stopping.aborted; attempt++) {
      if (attempt > 1 && !(await this.backoff(attempt))) break;
      const atMs = Date.now();
      try {
        response = await this.post(target, body, atMs);
        error = null;
        log.push({ at_ms: atMs, status: response.status, error: null });
        if (response.status >= 200 && response.status < 300) {
          outcome = 'delivered';
          break;
        }
        // 429 (over the tenant's rate) and 409 event_in_progress (a twin is being taken in) say
        // "retry later", as platforms treat them; other 4xx are final.
        if (response.status < 500 && !retriedByPlatforms(response)) {
          outcome = 'refused';
          break;
        }
      } catch (cause) {
        response = null;
        error = describeNetworkError(cause);
        log.push({ at_ms: atMs, status: null, error });
      }
    }
    // Stopping may abort a request in flight or a wait between attempts: either way, that is why.
    if (outcome === 'failed' && this.stopping.aborted) error = 'simulator stopping';

    return {
      event_id: payload.event_id,
      type: payload.type,
      url: target.url,
      outcome,
      sent_at_ms: log[0]?.at_ms ?? Date.now(),
      attempts: log.length,
      response,
      error,
      attempt_log: log,
    };
  }

  private async post(target: WebhookTarget, body: string, atMs: number): Promise<{ status: number; body: unknown }> {
    const answer = await request(target.url, {
      method: 'POST',
      dispatcher: keepAlive,
      // Signed with wall-clock time: ingest checks the timestamp against its own clock.
      headers: { 'content-type': 'application/json', ...signedHeaders(target.connectionId, target.secret, body, atMs) },
      body,
      signal: AbortSignal.any([this.stopping, AbortSignal.timeout(this.policy.timeoutMs)]),
    });
    return { status: answer.statusCode, body: parseBody((await answer.body.text()).slice(0, MAX_RESPONSE_CHARS)) };
  }

  /** Waits before attempt n (1 s, 2 s, 4 s... with the default policy); false if the simulator is stopping. */
  private async backoff(attempt: number): Promise<boolean> {
    const delayMs = Math.min(this.policy.maxBackoffMs, this.policy.firstBackoffMs * 2 ** (attempt - 2));
    try {
      await sleep(delayMs, undefined, { signal: this.stopping });
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Keep-alive connections for every delivery of the process. undici's request rather than fetch:
 * fetch's WHATWG streams and abort plumbing were a third of the simulator's CPU in the sync
 * benchmark. Like fetch with redirect 'manual', request does not follow redirects.
 */
const keepAlive = new Agent({ keepAliveTimeout: 30_000 });

function retriedByPlatforms(response: { status: number; body: unknown }): boolean {
  if (response.status === 429) return true;
  return response.status === 409 && (response.body as { code?: unknown } | null)?.code === 'event_in_progress';
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * `connect ECONNREFUSED ...`, or `timeout`. Read by shape, not instanceof: undici's
 * errors may come from another realm (jest's sandbox, for one).
 */
function describeNetworkError(error: unknown): string {
  const { name, message, cause } = fieldsOf(error);
  if (name === 'TimeoutError') return 'timeout';
  const inner = fieldsOf(cause).message;
  return inner ? `${message}: ${inner}` : message || String(error);
}

function fieldsOf(value: unknown): { name?: string; message?: string; cause?: unknown } {
  if (typeof value !== 'object' || value === null) return {};
  const { name, message, cause } = value as Record<string, unknown>;
  return { name: typeof name === 'string' ? name : undefined, message: typeof message === 'string' ? message : undefined, cause };
}
