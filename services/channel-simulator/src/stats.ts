import { RESERVATION_OPERATIONS } from './capabilities';

/**
 * What happened to a channel's API calls (the iCal export's GETs among them, as `ical_feed`) and webhooks, for tests and benchmarks to assert on.
 * Outcomes: `ok` applied (or read), `duplicate` a request_id seen before (answered with its first
 * answer), `lost` acked but silently not applied, `throttled` 429, `failed` 5xx or connection
 * destroyed, `rejected` any other 4xx.
 */
export const API_ENDPOINTS = ['availability', 'rates', 'calendar', 'read_rates', ...RESERVATION_OPERATIONS, 'ical_feed'] as const;
export type ApiEndpoint = (typeof API_ENDPOINTS)[number];

export const CALL_OUTCOMES = ['ok', 'duplicate', 'lost', 'throttled', 'failed', 'rejected'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** `delivered` 2xx; `refused` a 4xx (or 3xx), not retried; `failed` retries exhausted or the simulator stopped. */
export const WEBHOOK_OUTCOMES = ['delivered', 'refused', 'failed'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/**
 * What became of a listing's reservations: requests to book and how they ended, alteration
 * requests and how they ended, cancellations by the host, acknowledgements taken and the
 * re-deliveries of revisions left unacknowledged.
 */
export const RESERVATION_COUNTS = [
  'requests_received',
  'requests_accepted',
  'requests_declined',
  'requests_expired',
  'alterations_requested',
  'alterations_accepted',
  'alterations_declined',
  'host_cancellations',
  'acknowledgements',
  'redeliveries',
] as const;
export type ReservationCount = (typeof RESERVATION_COUNTS)[number];
export type ReservationCountsView = Readonly<Record<ReservationCount, number>>;

export type CallCounts = Record<CallOutcome, number>;

export interface ChannelStatsView {
  readonly calls: Record<ApiEndpoint, CallCounts>;
  readonly webhooks: Record<WebhookOutcome, number> & { readonly attempts: number };
  /** Summed over the channel's listings (per listing: `GET /admin/{channel}/listings/{id}/stats`). */
  readonly reservations: ReservationCountsView;
}

export class ChannelStats {
  private calls = emptyCalls();
  private webhooks = emptyWebhooks();

  countCall(endpoint: ApiEndpoint, outcome: CallOutcome): void {
    this.calls[endpoint][outcome]++;
  }

  countWebhook(outcome: WebhookOutcome, attempts: number): void {
    this.webhooks[outcome]++;
    this.webhooks.attempts += attempts;
  }

  view(listings: Iterable<{ readonly counters: ReservationCounters }>): ChannelStatsView {
    const reservations = emptyReservationCounts();
    for (const listing of listings) {
      const counts = listing.counters.view();
      for (const key of RESERVATION_COUNTS) reservations[key] += counts[key];
    }
    return structuredClone({ calls: this.calls, webhooks: this.webhooks, reservations });
  }

  reset(): void {
    this.calls = emptyCalls();
    this.webhooks = emptyWebhooks();
  }
}

/** One listing's reservation counts (a listing's counters go with it on reset). */
export class ReservationCounters {
  private readonly counts = emptyReservationCounts();

  count(what: ReservationCount): void {
    this.counts[what]++;
  }

  view(): ReservationCountsView {
    return { ...this.counts };
  }
}

function emptyCounts(): CallCounts {
  return Object.fromEntries(CALL_OUTCOMES.map((outcome) => [outcome, 0])) as CallCounts;
}

function emptyCalls(): Record<ApiEndpoint, CallCounts> {
  return Object.fromEntries(API_ENDPOINTS.map((endpoint) => [endpoint, emptyCounts()])) as Record<ApiEndpoint, CallCounts>;
}

function emptyWebhooks(): Record<WebhookOutcome, number> & { attempts: number } {
  return { delivered: 0, refused: 0, failed: 0, attempts: 0 };
}

function emptyReservationCounts(): Record<ReservationCount, number> {
  return Object.fromEntries(RESERVATION_COUNTS.map((key) => [key, 0])) as Record<ReservationCount, number>;
}
