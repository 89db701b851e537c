import type { Channel, Money } from '@cm/schemas';

/** How one call to a channel ended, as the channel adapter classifies it. */
export const PUSH_OUTCOMES = ['ok', 'rate_limited', 'server_error', 'timeout', 'network_error', 'client_error'] as const;
export type PushOutcome = (typeof PUSH_OUTCOMES)[number];

/** Nights [from, to) to open or close on a channel. */
export interface AvailabilityRange {
  readonly from: string;
  readonly to: string;
  readonly available: boolean;
}

/** Nights [from, to) with a nightly rate and restrictions to set on a channel. */
export interface RateRange {
  readonly from: string;
  readonly to: string;
  readonly price: Money | null;
  readonly minStay: number | null;
}

export type PushResult =
  | { readonly ok: true; readonly ack: string }
  | {
      readonly ok: false;
      readonly outcome: Exclude<PushOutcome, 'ok'>;
      readonly status: number | null;
      /** What the channel asked us to wait (Retry-After), if it did. */
      readonly retryAfterMs: number | null;
      readonly error: string;
    };

/** A night as a channel shows it (for the reconciler). */
export interface ChannelNightView {
  readonly date: string;
  readonly available: boolean;
  readonly price: Money | null;
  readonly minStay: number | null;
}

export type CalendarResult = { readonly ok: true; readonly nights: readonly ChannelNightView[] } | Extract<PushResult, { ok: false }>;

/**
 * One booking platform, however it is reached. `requestId` is stable for a push and its
 * retries, so a platform that dedupes requests applies a retried push once.
 */
export interface ChannelAdapter {
  readonly channel: Channel;
  readonly kind: 'ari_api' | 'ical';
  pushAvailability(listingId: string, ranges: readonly AvailabilityRange[], requestId: string): Promise<PushResult>;
  pushRates(listingId: string, ranges: readonly RateRange[], requestId: string): Promise<PushResult>;
  readCalendar(listingId: string, from: string, to: string): Promise<CalendarResult>;
}
