import type { Channel } from '@cm/schemas';
import { Agent, request, type Dispatcher } from 'undici';
import { parseRetryAfter } from './retry-after';
import type { AvailabilityRange, CalendarResult, ChannelAdapter, PushResult, RateRange } from './types';

/**
 * A platform with an ARI API (availability, rates and restrictions per night per listing), in
 * the style of Channex and the channel simulator: JSON over HTTP, an acknowledgement id per
 * accepted request, 429 with Retry-After when pacing us, request ids deduped by the platform.
 */
export class AriApiAdapter implements ChannelAdapter {
  readonly kind = 'ari_api' as const;

  constructor(
    readonly channel: Channel,
    /** e.g. http://127.0.0.1:9480/airbnb/api */
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
    private readonly dispatcher: Dispatcher = keepAlive,
  ) {}

  pushAvailability(listingId: string, ranges: readonly AvailabilityRange[], requestId: string): Promise<PushResult> {
    return this.push(listingId, 'availability', { request_id: requestId, updates: ranges.map((r) => ({ from: r.from, to: r.to, available: r.available })) });
  }

  pushRates(listingId: string, ranges: readonly RateRange[], requestId: string): Promise<PushResult> {
    return this.push(listingId, 'rates', {
      request_id: requestId,
      updates: ranges.map((r) => ({ from: r.from, to: r.to, ...(r.price ? { price: r.price } : {}), ...(r.minStay !== null ? { min_stay: r.minStay } : {}) })),
    });
  }

  async readCalendar(listingId: string, from: string, to: string): Promise<CalendarResult> {
    const answer = await this.call('GET', `${this.listingUrl(listingId)}/calendar?${new URLSearchParams({ from, to })}`);
    if (!answer.ok) return answer;
    const body = answer.body as { nights?: { date: string; available: boolean; price: { amount_minor: number; currency: string } | null; min_stay: number | null }[] };
    return { ok: true, nights: (body.nights ?? []).map((n) => ({ date: n.date, available: n.available, price: n.price ?? null, minStay: n.min_stay ?? null })) };
  }

  private async push(listingId: string, what: 'availability' | 'rates', body: unknown): Promise<PushResult> {
    const answer = await this.call('POST', `${this.listingUrl(listingId)}/${what}`, body);
    if (!answer.ok) return answer;
    const ack = (answer.body as { ack_id?: unknown }).ack_id;
    return typeof ack === 'string' ? { ok: true, ack } : { ok: false, outcome: 'server_error', status: answer.status, retryAfterMs: null, error: 'answered without an ack_id' };
  }

  private listingUrl(listingId: string): string {
    return `${this.baseUrl}/listings/${encodeURIComponent(listingId)}`;
  }

  private async call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ ok: true; status: number; body: unknown } | Extract<PushResult, { ok: false }>> {
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const answer = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = answer.statusCode;
      retryAfter = answer.headers['retry-after'];
      text = await answer.body.text().catch(() => '');
    } catch (error) {
      const name = (error as { name?: string }).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      return { ok: false, outcome: timedOut ? 'timeout' : 'network_error', status: null, retryAfterMs: null, error: timedOut ? `no answer within ${this.timeoutMs} ms` : describeFetchError(error) };
    }
    if (status >= 200 && status < 300) {
      try {
        return { ok: true, status, body: JSON.parse(text) };
      } catch {
        return { ok: false, outcome: 'server_error', status, retryAfterMs: null, error: 'answered with a body that is not JSON' };
      }
    }
    const retryAfterMs = parseRetryAfter((Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null, this.now());
    const outcome = status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : 'client_error';
    return { ok: false, outcome, status, retryAfterMs, error: `${status}: ${text.slice(0, 300)}` };
  }
}

/**
 * Keep-alive connections shared by the adapters of a process. undici's request API rather than
 * fetch: a reconciliation pass of 10,000 calendars peaked at 428 MB resident with fetch (its
 * WHATWG streams allocate per call); see the reconciler's benchmark.
 */
const keepAlive = new Agent({ keepAliveTimeout: 30_000 });

function describeFetchError(error: unknown): string {
  const { code, cause } = error as { code?: string; cause?: { code?: string; message?: string } };
  return cause?.code ?? code ?? cause?.message ?? (error as Error).message ?? String(error);
}
