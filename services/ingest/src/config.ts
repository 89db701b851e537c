import { z } from 'zod';
import { exchangeRateConfig } from '@cm/exchange-rates';
import { secretsConfig } from '@cm/secrets';
import { baseConfig, databaseConfig, redisConfig } from '@cm/service-runtime';

export const ingestConfig = baseConfig
  .extend(databaseConfig.shape)
  .extend(exchangeRateConfig.shape)
  .extend(redisConfig.shape)
  // SECRETS_KEYS: the key ring the connections' webhook secrets are sealed under (@cm/secrets).
  .extend(secretsConfig.shape)
  .extend({
    OPS_PORT: baseConfig.shape.OPS_PORT.default(9401),
    CONSUMER_GROUP: z.string().min(1).default('cm.ingest'),
    /** The webhook and PMS API port; the ops endpoints stay on OPS_PORT. */
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9411),
    /** 127.0.0.1 keeps a developer machine closed; containers set 0.0.0.0. */
    HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    /** Larger bodies are refused with 413: a webhook event is a few KiB. */
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
    /** Requests per second of a tenant that has no rate of its own (burst: twice as many). */
    TENANT_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(50),
    /** How long a PMS write waits for the arbiter's decision before answering 202. */
    DECISION_DEADLINE_MS: z.coerce.number().int().min(0).max(30_000).default(3_000),
    /** A webhook signed further from our clock than this is refused. */
    WEBHOOK_REPLAY_WINDOW_SECONDS: z.coerce.number().int().min(30).max(3_600).default(300),
    /**
     * Listings, connections, API keys and properties' quoting are cached at most this long. Every
     * change to the directory (and a PMS rate plan new to its property) empties the caches at
     * once, by PostgreSQL NOTIFY: a revoked key is refused from its revocation's commit on. While
     * that is not heard (its connection lost), entries are kept at most 30 s.
     */
    DIRECTORY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(300_000),
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),
    /**
     * An Idempotency-Key's record (the PMS answer it keeps holds the guest's details) lasts this
     * long from its first request; then the key is new again and the record is deleted.
     */
    IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24),
    /** How often each instance deletes expired Idempotency-Key records, 1,000 per statement. */
    IDEMPOTENCY_PURGE_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(300_000),
    /** An acknowledged PMS revision is deleted this many days after its acknowledgement; unacknowledged ones stay. */
    REVISION_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
    /** How often each instance deletes acknowledged PMS revisions past REVISION_RETENTION_DAYS, 1,000 per statement. */
    REVISION_PURGE_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(300_000),
    /**
     * The operator's bearer token for operator data (PUT and GET /v1/exchange-rates), compared in
     * constant time. Unset (or empty), those routes answer 403 saying so.
     */
    OPERATOR_API_TOKEN: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(32, 'at least 32 characters').optional()),
    /** How often each instance looks for imported iCal feeds that are due (each feed has its connection's poll interval). */
    ICAL_IMPORT_TICK_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** Feeds one instance reads at once. */
    ICAL_IMPORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** A feed that has not answered, body included, in this long is a failed read. */
    ICAL_FEED_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
    /** A larger feed is a failed read (real feeds of a busy listing are tens of kilobytes). */
    ICAL_FEED_MAX_BYTES: z.coerce.number().int().min(1_024).max(64 * 1024 * 1024).default(5 * 1024 * 1024),
    /** How far ahead of today an imported feed's events are held (platforms open calendars about two years out). */
    ICAL_IMPORT_HORIZON_DAYS: z.coerce.number().int().min(30).max(1_000).default(730),
    /** Largest exchange-rate XML taken by PUT /v1/exchange-rates (the ECB's history file is about 7 MiB); the rest of the API keeps BODY_LIMIT_BYTES. */
    EXCHANGE_RATES_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(16 * 1024 * 1024),
  });
export type IngestConfig = z.infer<typeof ingestConfig>;
