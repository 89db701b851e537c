import type { Channel } from '@cm/schemas';
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

  private async call(method: string, url: string, body?: unknown): Promise<{ ok: true; status: number; body: unknown } | Extract<PushResult, { ok: false }>> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      return { ok: false, outcome: timedOut ? 'timeout' : 'network_error', status: null, retryAfterMs: null, error: timedOut ? `no answer within ${this.timeoutMs} ms` : describeFetchError(error) };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      try {
        return { ok: true, status: response.status, body: JSON.parse(text) };
      } catch {
        return { ok: false, outcome: 'server_error', status: response.status, retryAfterMs: null, error: 'answered with a body that is not JSON' };
      }
    }
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
    const outcome = response.status === 429 ? 'rate_limited' : response.status >= 500 ? 'server_error' : 'client_error';
    return { ok: false, outcome, status: response.status, retryAfterMs, error: `${response.status}: ${text.slice(0, 300)}` };
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
