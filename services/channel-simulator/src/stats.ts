/**
 * What happened to a channel's API calls and webhooks, for tests and benchmarks to assert on.
 * Outcomes: `ok` applied (or read), `duplicate` a request_id seen before (answered with its first
 * ack), `lost` acked but silently not applied, `throttled` 429, `failed` 5xx or connection
 * destroyed, `rejected` any other 4xx.
 */
export const API_ENDPOINTS = ['availability', 'rates', 'calendar'] as const;
export type ApiEndpoint = (typeof API_ENDPOINTS)[number];

export const CALL_OUTCOMES = ['ok', 'duplicate', 'lost', 'throttled', 'failed', 'rejected'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** `delivered` 2xx; `refused` a 4xx (or 3xx), not retried; `failed` retries exhausted or the simulator stopped. */
export const WEBHOOK_OUTCOMES = ['delivered', 'refused', 'failed'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

export type CallCounts = Record<CallOutcome, number>;

export interface ChannelStatsView {
  readonly calls: Record<ApiEndpoint, CallCounts>;
  readonly webhooks: Record<WebhookOutcome, number> & { readonly attempts: number };
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

  view(): ChannelStatsView {
    return structuredClone({ calls: this.calls, webhooks: this.webhooks });
  }

  reset(): void {
    this.calls = emptyCalls();
    this.webhooks = emptyWebhooks();
  }
}

function emptyCounts(): CallCounts {
  return Object.fromEntries(CALL_OUTCOMES.map((outcome) => [outcome, 0])) as CallCounts;
}

function emptyCalls(): Record<ApiEndpoint, CallCounts> {
  return { availability: emptyCounts(), rates: emptyCounts(), calendar: emptyCounts() };
}

function emptyWebhooks(): Record<WebhookOutcome, number> & { attempts: number } {
  return { delivered: 0, refused: 0, failed: 0, attempts: 0 };
}
