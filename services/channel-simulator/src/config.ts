import { z } from 'zod';
import { logLevel, parseConfig, type Env } from '@cm/service-runtime';
import { DEFAULTS } from './defaults';

/**
 * The simulator's environment, read here once. It runs no Kafka, so it does not take the
 * services' baseConfig, only the runtime's parser (a bad variable stops it with exit code 78).
 */
export const simulatorConfig = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULTS.port),
  HOST: z.string().min(1).default(DEFAULTS.host),
  /** Base URL of ingest; webhooks go to `${INGEST_URL}/webhooks/{channel}` unless a listing sets its own. */
  INGEST_URL: z.url({ protocol: /^https?$/ }).default(DEFAULTS.ingestUrl),
  /** Seeds fault injection, so a run with faults can be replayed. */
  SEED: z.coerce.number().int().min(0).max(0xffff_ffff).default(DEFAULTS.seed),
  LOG_LEVEL: logLevel.default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).max(64 * 1_048_576).default(DEFAULTS.bodyLimitBytes),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(DEFAULTS.shutdownTimeoutMs),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(DEFAULTS.webhookRetry.maxAttempts),
  WEBHOOK_FIRST_BACKOFF_MS: z.coerce.number().int().min(0).max(60_000).default(DEFAULTS.webhookRetry.firstBackoffMs),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(DEFAULTS.webhookRetry.timeoutMs),
  /** How long a request to book waits for the host before the platform declines it (at most 7 days). */
  REQUEST_WINDOW_MS: z.coerce.number().int().min(1).max(604_800_000).default(DEFAULTS.reservations.requestWindowMs),
  /** How often Booking.com and Expedia re-deliver a revision nobody acknowledged; 0 never. */
  ACK_REDELIVERY_MS: z.coerce.number().int().min(0).max(86_400_000).default(DEFAULTS.reservations.redeliveryMs),
  ACK_MAX_REDELIVERIES: z.coerce.number().int().min(0).max(1_000).default(DEFAULTS.reservations.maxRedeliveries),
});
export type SimulatorConfig = z.infer<typeof simulatorConfig>;

export const SERVICE_NAME = 'channel-simulator';

export function readSimulatorConfig(env: Env = process.env): SimulatorConfig {
  return parseConfig(SERVICE_NAME, simulatorConfig, env);
}
