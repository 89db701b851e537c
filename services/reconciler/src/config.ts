import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { exchangeRateConfig } from '@cm/exchange-rates';
import { secretsConfig } from '@cm/secrets';
import { baseConfig, databaseConfig, redisConfig } from '@cm/service-runtime';

const CHANNELS = ['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'] as const;

export const reconcilerConfig = baseConfig
  .extend(databaseConfig.shape)
  .extend(exchangeRateConfig.shape)
  .extend(redisConfig.shape)
  // SECRETS_KEYS: the key ring the connections' credentials are sealed under (@cm/secrets).
  .extend(secretsConfig.shape)
  .extend({
    OPS_PORT: baseConfig.shape.OPS_PORT.default(9404),
    CONSUMER_GROUP: z.string().min(1).default('cm.reconciler'),
    INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
    /** The on-demand endpoint (POST /v1/reconciliations): an operator's, so on loopback unless said otherwise. */
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9414),
    /** Requests a second one tenant may make to the endpoint (bursts of twice that); shared by every instance in Redis. */
    API_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(5),
    /**
     * The Unix socket of the operator's local reconcile command: no API key, every tenant's
     * properties, reachable only by who may open the file (mode 0600). Unset: see operatorSocketPath;
     * empty: no socket.
     */
    OPERATOR_SOCKET: z.string().optional(),
    /** How often a running pass renews itself in the database; one not renewed for six of these (its instance died) gives up its scope. */
    PASS_RENEW_MS: z.coerce.number().int().min(50).max(600_000).default(10_000),
    /** A pass over every listing this often (minutes; default daily); 0 turns the schedule off. */
    RECONCILE_EVERY_MINUTES: z.coerce.number().int().min(0).max(10_080).default(1_440),
    /** Nights compared from today (property-local); Booking.com expects 12 months of ARI. */
    WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(90),
    /** Calendars read at once. */
    READ_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    /** Calendar reads per minute a channel allows per property; shared with other instances in Redis. */
    CHANNEL_READS_PER_MINUTE: z.coerce.number().int().min(2).max(1_000_000).default(10),
    /** Properties read from the ledger and the directory together: memory is bounded by this, not by the portfolio. */
    BATCH_PROPERTIES: z.coerce.number().int().min(1).max(5_000).default(100),
    READ_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /**
     * How long a listing's connection and its base URL and credentials (and its time zone) are
     * kept. Every change to the directory empties these caches at once, by PostgreSQL NOTIFY: rotated
     * credentials are used from the rotation on. While that is not heard, entries are kept at most 30 s.
     */
    CONNECTIONS_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(300_000),
    /** Where each channel's ARI API is; `{channel}` becomes airbnb, booking_com, vrbo or expedia. */
    CHANNEL_API_BASE_URL: z.string().min(1).refine((s) => s.includes('{channel}'), 'must contain {channel}').default('http://127.0.0.1:9480/{channel}/api'),
    /** Channels read through their iCal feed instead of an ARI API (comma-separated). */
    ICAL_CHANNELS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))
      .pipe(z.array(z.enum(CHANNELS))),
    ICAL_IMPORT_URL_TEMPLATE: z.string().min(1).optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).default(6),
  });
export type ReconcilerConfig = z.infer<typeof reconcilerConfig>;

/**
 * Where the operator's socket is: OPERATOR_SOCKET, or by default one per HTTP port in the
 * machine's temporary directory (so instances on one machine do not take each other's), the path
 * the reconcile command looks at by default; null when OPERATOR_SOCKET is empty.
 */
export function operatorSocketPath(config: Pick<ReconcilerConfig, 'OPERATOR_SOCKET' | 'HTTP_PORT'>): string | null {
  if (config.OPERATOR_SOCKET === undefined) return defaultOperatorSocket(config.HTTP_PORT);
  return config.OPERATOR_SOCKET === '' ? null : config.OPERATOR_SOCKET;
}

export function defaultOperatorSocket(httpPort: number): string {
  return join(tmpdir(), `cm-reconciler-${httpPort}.sock`);
}
