import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_MAX_RATE_AGE_DAYS } from '@cm/exchange-rates';
import { baseConfig, databaseConfig, redisConfig } from '@cm/service-runtime';

export const arbiterConfig = baseConfig
  .extend(databaseConfig.shape)
  .extend(redisConfig.shape)
  .extend({
    OPS_PORT: baseConfig.shape.OPS_PORT.default(9402),
    CONSUMER_GROUP: z.string().min(1).default('cm.booking-arbiter'),
    /** Names this process in fences and processed_commands. */
    INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
    /** Partitions decided at once; each holds one PostgreSQL connection while deciding. */
    PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(12),
    DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).default(16),
    /** A session frozen this long inside a transaction is ended by PostgreSQL, releasing its locks. */
    IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
    /** Consecutive commands of a partition decided in one transaction. */
    DECISION_CHUNK: z.coerce.number().int().min(1).max(1000).default(250),
    OUTBOX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
    /** How often the newest exchange rates are read from fx.reference_rates into memory (also once at start). */
    EXCHANGE_RATE_REFRESH_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
    /**
     * A currency whose newest reference rate is more calendar days older than today (UTC) has no
     * rate: prices in it are not converted and go to review as a currency mismatch (the ECB
     * publishes on business days; 4 covers a weekend after a Friday holiday).
     */
    EXCHANGE_RATE_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(366).default(DEFAULT_MAX_RATE_AGE_DAYS),
  });
export type ArbiterConfig = z.infer<typeof arbiterConfig>;
