import { fetchFeed, parseFeed } from '@cm/ical';
import type { Channel } from '@cm/schemas';
import type { CalendarResult, ChannelNightView, FeedChannelAdapter, OperationResult, PushResult, RateCapability, RatesResult, ReservationCapability, ReservationOperations } from './types';

/**
 * A channel synced by iCal (RFC 5545), as hosts do with every big platform: we publish a feed
 * per listing that the channel polls (served by the dispatcher's feed server from the desired
 * state: nothing is pushed, and a change counts as synced once the channel fetched a version of
 * the feed that holds it), and we read the channel's own feed by conditional GET. iCal carries no prices nor stay rules, so it takes no rates and restrictions
 * (`rateCapabilities` is empty; a push or a read of them answers `client_error`); nor does it
 * carry reservations, only blocked dates (no state, revision or id a host could act on), so it
 * offers no reservation operation: its capabilities are empty, and each answers `unsupported`.
 */
export class IcalFeedAdapter implements FeedChannelAdapter, ReservationOperations {
  readonly kind = 'ical' as const;
  readonly capabilities: ReadonlySet<ReservationCapability> = new Set();
  readonly rateCapabilities: ReadonlySet<RateCapability> = new Set();
  /** The last copy of each listing's feed and its validators: a poll of an unchanged feed is a 304. */
  private readonly copies = new Map<string, { text: string; etag: string | undefined; lastModified: string | undefined }>();

  constructor(
    readonly channel: Channel,
    /** The channel's export feed of a listing, if known: `{listing}` is replaced. */
    private readonly importUrlTemplate: string | null,
    private readonly timeZoneOf: (channel: Channel, listingId: string) => Promise<string | undefined>,
    private readonly timeoutMs: number,
  ) {}

  async pushRates(): Promise<PushResult> {
    return { ok: false, outcome: 'client_error', status: null, retryAfterMs: null, error: 'iCal carries no rates or restrictions' };
  }

  async readRates(): Promise<RatesResult> {
    return { ok: false, outcome: 'client_error', status: null, retryAfterMs: null, error: 'iCal carries no rates or restrictions' };
  }

  async readReservation(): Promise<OperationResult> {
    return this.unsupported('read_reservation');
  }

  async acknowledge(): Promise<OperationResult> {
    return this.unsupported('acknowledge');
  }

  async decideRequest(): Promise<OperationResult> {
    return this.unsupported('decide_request');
  }

  async decideAlteration(): Promise<OperationResult> {
    return this.unsupported('decide_alteration');
  }

  async hostCancel(): Promise<OperationResult> {
    return this.unsupported('host_cancel');
  }

  private unsupported(capability: ReservationCapability): OperationResult {
    return { ok: false, outcome: 'unsupported', status: null, retryAfterMs: null, error: `${this.channel} is synced by iCal, which carries blocked dates, not reservations: no ${capability}`, code: 'operation_not_supported' };
  }

  async readCalendar(listingId: string, from: string, to: string): Promise<CalendarResult> {
    if (!this.importUrlTemplate) return { ok: false, outcome: 'client_error', status: null, retryAfterMs: null, error: `no iCal feed URL is configured for ${this.channel}` };
    const copy = this.copies.get(listingId);
    const fetched = await fetchFeed(this.importUrlTemplate.replace('{listing}', encodeURIComponent(listingId)), {
      timeoutMs: this.timeoutMs,
      ...(copy?.etag ? { etag: copy.etag } : {}),
      ...(copy?.lastModified ? { lastModified: copy.lastModified } : {}),
    });
    if (fetched.status === 'failed') {
      const error = fetched.error;
      return { ok: false, outcome: error.code === 'ICAL_FEED_TIMEOUT' ? 'timeout' : error.retriable ? 'server_error' : 'client_error', status: null, retryAfterMs: null, error: error.message };
    }
    const text = fetched.status === 'changed' ? fetched.text : copy!.text;
    if (fetched.status === 'changed') this.copies.set(listingId, { text, etag: fetched.etag, lastModified: fetched.lastModified });
    const { entries } = parseFeed(text, { timeZone: (await this.timeZoneOf(this.channel, listingId)) ?? 'UTC', window: { from, to } });
    const closed = new Set<string>();
    for (const entry of entries) for (let d = entry.checkIn; d < entry.checkOut; d = nextDay(d)) closed.add(d);
    const nights: ChannelNightView[] = [];
    for (let d = from; d < to; d = nextDay(d)) nights.push({ date: d, available: !closed.has(d), price: null, minStay: null });
    return { ok: true, nights };
  }
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
