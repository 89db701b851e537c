import type { ReservationSettings } from './routes/context';
import type { RetryPolicy } from './webhooks';

/** The one home of the simulator's defaults: config.ts and startSimulator both read them. */
export const DEFAULTS = {
  port: 9480,
  host: '127.0.0.1',
  /** Where ingest listens locally; webhooks go to `${ingestUrl}/webhooks/{channel}`. */
  ingestUrl: 'http://127.0.0.1:9411',
  seed: 1,
  bodyLimitBytes: 1_048_576,
  shutdownTimeoutMs: 10_000,
  /** Five attempts over about 3 s (0.2, 0.4, 0.8, 1.6 s apart): a platform's retries, compressed. */
  webhookRetry: { maxAttempts: 5, firstBackoffMs: 200, maxBackoffMs: 5_000, timeoutMs: 5_000 } satisfies RetryPolicy,
  /**
   * Airbnb, Booking.com and Vrbo give the host 24 h to answer a request to book. Re-delivery of
   * unacknowledged revisions is off until our pipeline acknowledges them (issue 18): on, every
   * Booking.com and Expedia booking of the demo and the benchmarks would be sent again.
   */
  reservations: { requestWindowMs: 86_400_000, redeliveryMs: 0, maxRedeliveries: 10 } satisfies ReservationSettings,
  /** How long a platform waits for our feed when it polls an iCal listing's import URL. */
  icalFetchTimeoutMs: 10_000,
  /** How often a platform polls an iCal listing's import URL unless the listing says otherwise. */
  icalPollSeconds: 300,
} as const;
