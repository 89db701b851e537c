import { hostname } from 'node:os';
import { z } from 'zod';
import { exchangeRateConfig } from '@cm/exchange-rates';
import { secretsConfig } from '@cm/secrets';
import { baseConfig, databaseConfig, redisConfig } from '@cm/service-runtime';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const dispatcherConfig = baseConfig
  .extend(databaseConfig.shape)
  .extend(exchangeRateConfig.shape)
  .extend(redisConfig.shape)
  // SECRETS_KEYS: the key ring the connections' credentials are sealed under (@cm/secrets).
  .extend(secretsConfig.shape)
  .extend({
    OPS_PORT: baseConfig.shape.OPS_PORT.default(9403),
    CONSUMER_GROUP: z.string().min(1).default('cm.sync-dispatcher'),
    INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
    /** Where each channel's ARI API is; `{channel}` becomes airbnb, booking_com, vrbo or expedia. */
    CHANNEL_API_BASE_URL: z.string().min(1).refine((s) => s.includes('{channel}'), 'must contain {channel}').default('http://127.0.0.1:9480/{channel}/api'),
    /** Listings pushed at once. */
    PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
    PUSH_TIMEOUT_MS: ms(100, 120_000, 5_000),
    /** A listing leased for a push is free again after this (its instance died). With KAFKA_GROUP_INSTANCE_ID set, a dead instance's leases are given back sooner: by its restart at once, or by the instances its partitions move to. */
    LEASE_MS: ms(1_000, 600_000, 30_000),
    RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
    RETRY_BASE_MS: ms(10, 60_000, 250),
    RETRY_MAX_MS: ms(100, 600_000, 30_000),
    /** Consecutive failures (not 429s) that open a channel's breaker. */
    BREAKER_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
    BREAKER_COOL_DOWN_MS: ms(100, 600_000, 10_000),
    /** Availability calls per minute a channel allows per property (Channex: 10). */
    CHANNEL_CALLS_PER_MINUTE: z.coerce.number().int().min(2).max(1_000_000).default(10),
    /** Reservation operations (acknowledge, decline, cancel) a channel allows per property a minute: a bucket apart from pushes'. */
    RESERVATION_CALLS_PER_MINUTE: z.coerce.number().int().min(2).max(1_000_000).default(10),
    /** Price and restriction calls a channel allows per property a minute (Channex: 10): a bucket apart from availability's. */
    RATE_CALLS_PER_MINUTE: z.coerce.number().int().min(2).max(1_000_000).default(10),
    /** Ranges of nights one price and restriction call carries at most (the platforms' limit per request). */
    RATE_RANGES_PER_CALL: z.coerce.number().int().min(1).max(10_000).default(200),
    /** Listings whose rates are pushed at once. */
    RATE_PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(16),
    /** Reservation actions carried out at once. */
    RESERVATION_ACTION_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    /** How long a push's or reservation action's outcome (sync.results, conflicts) may wait to be sent with the next ones: at a few bookings a second each booking's outcomes were a produce request of their own. 0: at once. */
    OUTCOME_PUBLISH_LINGER_MS: ms(0, 10_000, 250),
    /** After a push's or reservation action's last attempt failed (and was reported), it is tried again this much later. */
    AFTER_FAILURE_MS: ms(100, 3_600_000, 30_000),
    /**
     * How long a property's listings (and their time zones and pricing) are kept. Every change to
     * the directory empties the dispatcher's caches at once, by PostgreSQL NOTIFY; while that is
     * not heard (its connection lost), entries are kept at most 30 s.
     */
    LISTINGS_CACHE_MS: ms(0, 600_000, 300_000),
    /** How long a listing's connection and its base URL and credentials are kept; emptied at once on a change to the directory, as LISTINGS_CACHE_MS. */
    CONNECTIONS_CACHE_MS: ms(0, 600_000, 300_000),
    /** Channels synced by iCal feeds instead of an ARI API (comma-separated, e.g. VRBO). */
    ICAL_CHANNELS: z
      .string()
      .default('')
      .transform((s) => s.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))
      .pipe(z.array(z.enum(['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA']))),
    /** Where a channel's own iCal feed of a listing is: `{channel}` and `{listing}` are replaced. */
    ICAL_IMPORT_URL_TEMPLATE: z.string().min(1).optional(),
    /** A change an iCal channel has not fetched for this long counts in cm_sync_ical_overdue_listings (the IcalFeedNotFetched alert). */
    ICAL_UNFETCHED_ALERT_MS: ms(1_000, 7 * 86_400_000, 6 * 3_600_000),
    /** How often the changes iCal channels have not fetched are looked at for those gauges. */
    ICAL_UNFETCHED_CHECK_MS: ms(100, 600_000, 30_000),
    /** The export feeds' server: /ical/{token}.ics, the token issued per listing (admin feeds rotate-token). */
    FEED_HOST: z.string().min(1).default('127.0.0.1'),
    FEED_PORT: z.coerce.number().int().min(0).max(65535).default(9413),
    /**
     * The operator console's reads of the channel side (docs/console-reads.md), with a tenant's API
     * key, on loopback unless configured. Off unless a port is set: instances sharing a host (the
     * failover benches, tests) would otherwise all claim one port.
     */
    CONSOLE_API_HOST: z.string().min(1).default('127.0.0.1'),
    CONSOLE_API_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** Console reads a second one tenant may make (bursts of twice that). */
    CONSOLE_API_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(20),
    /** Push calls are kept this long for the console's history, then purged. */
    PUSH_CALLS_KEEP_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),
  });
export type DispatcherConfig = z.infer<typeof dispatcherConfig>;
