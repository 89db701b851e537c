import { hostname } from 'node:os';
import { z } from 'zod';
import { exchangeRateConfig } from '@cm/exchange-rates';
import { baseConfig, databaseConfig, redisConfig } from '@cm/service-runtime';

export const arbiterConfig = baseConfig
  .extend(databaseConfig.shape)
  .extend(exchangeRateConfig.shape)
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
  });
export type ArbiterConfig = z.infer<typeof arbiterConfig>;
