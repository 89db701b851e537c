import { setTimeout as delay } from 'node:timers/promises';
import { deliveryBackoffMs } from './backoff';
import type { DeliveryOutcome, Notification, Notifier } from './notifier';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature';

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly now: () => number;
}

/**
 * POSTs the notification as JSON, signed (see signature.ts), trying again with backoff on a
 * network error, a 5xx or a 429; a 4xx other than 429 will not get better and is not retried.
 * Any 2xx is delivered. The body is the same on every try, so receivers can dedupe on its id.
 */
export class SignedWebhookNotifier implements Notifier {
  readonly name = 'webhook';
  constructor(private readonly options: WebhookOptions) {}

  async notify(notification: Notification): Promise<DeliveryOutcome> {
    const body = JSON.stringify(webhookBody(notification));
    let error = 'not tried';
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      if (attempt > 1) await delay(deliveryBackoffMs(attempt - 1, this.options.backoffMs));
      const timestamp = this.options.now();
      try {
        const response = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signBody(this.options.secret, timestamp, body) },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return { delivered: true };
        error = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break;
      } catch (e) {
        error = (e as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : String((e as Error).message ?? e);
      }
    }
    return { delivered: false, error };
  }
}

/** The webhook's JSON: snake_case like the rest of our APIs. */
export function webhookBody(n: Notification) {
  return {
    notification_id: n.notificationId,
    task_id: n.taskId,
    reason: n.reason,
    level: n.level,
    conflict_type: n.conflictType,
    severity: n.severity,
    property_id: n.propertyId,
    channel: n.channel,
    summary: n.summary,
    due_at: new Date(n.dueAtMs).toISOString(),
  };
}
