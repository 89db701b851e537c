import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * The environment is read here and nowhere else. Each service declares its variables as a zod
 * object (usually `baseConfig.extend({...})`) and parses them once at start.
 */

const port = z.coerce.number().int().min(1).max(65535);

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Variables every service has. Defaults match the local stack of scripts/stack. */
export const baseConfig = z.object({
  /** Kafka's bootstrap brokers, host:port, comma-separated. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1)),
  /** The schema registry's Confluent-compatible API (Apicurio's ccompat/v7). */
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** pino's level: JSON lines on stdout. */
  LOG_LEVEL: logLevel.default('info'),
  /** Port of /health/live, /health/ready and /metrics. */
  OPS_PORT: port,
  /** On SIGTERM the process stops taking work, finishes what is in hand and exits within this. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * A consumer silent this long loses its partitions (the broker allows 6 s to 300 s). The
   * broker's least: an instance that dies and does not come back has its partitions taken over
   * in about 7 s (scripts/bench-failover), one restarted in place takes them back before it
   * expires (static membership), and heartbeats go on while a handler works, so long work does
   * not count as silence.
   */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(6_000),
  /**
   * Static membership: with it, each consumer of the process joins its group as
   * `<this>.<group>`, and a restart within the session timeout takes its partitions back without
   * a rebalance. Must be unique per process instance (a pod name) and stable across its restarts.
   */
  KAFKA_GROUP_INSTANCE_ID: z
    .string()
    // `{hostname}` is the machine's name: a pod's name in Kubernetes, a container's id in compose,
    // both kept when the orchestrator restarts the process in place, and unique per replica.
    .transform((id) => id.replaceAll('{hostname}', hostname()))
    .pipe(z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ., _ and - (or {hostname})'))
    .optional(),
  /**
   * The session timeout of background consumers: work that may wait half a minute for another
   * instance when one dies and does not come back (rates, the PMS revision feed, calendar
   * reports, relocations). They tell their group they are alive every sixth of it (5 s), not
   * every 2 s: idle, heartbeats were most of a service's wake-ups. One restarted in place still
   * takes its partitions back at once (static membership).
   */
  BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  /**
   * After a fetch that brought records, a background consumer fetches again only this much later
   * (0: at once): what arrives meanwhile comes in one fetch and is handled in one chunk. At 25
   * bookings a second, the PMS revision feed fetched and wrote once per booking; a record waits
   * at most this long more.
   */
  BACKGROUND_CONSUMER_FETCH_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** How often a consumer tells its group it is alive (default: a third of the session timeout, at most 3 s; a background consumer's, a sixth of its own). */
  CONSUMER_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(100_000).optional(),
  /** Prefix of every topic name (tests, parallel environments); empty in production. */
  TOPIC_NAMESPACE: z.string().regex(/^[a-z0-9_-]*$/, 'lower-case letters, digits, - and _').default(''),
  /** Tracing is off unless an OTLP/HTTP endpoint is given. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
});
export type BaseConfig = z.infer<typeof baseConfig>;

export const databaseConfig = z.object({
  /** PostgreSQL, postgres://user[:password]@host:port/database. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL' }).default('postgres://postgres@127.0.0.1:5432/channel_manager'),
  /**
   * How long a service starting on a schema that is behind waits (live, not ready) for its
   * migrations before it exits naming them; 0 exits at once. Compose and Helm run the migrations
   * before the services and set a wait for the cases where an orchestrator starts both together.
   */
  MIGRATIONS_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
});

export const redisConfig = z.object({
  /** Redis, redis:// or rediss:// (TLS). */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// URL' }).default('redis://127.0.0.1:6379/0'),
});

export type Env = Record<string, string | undefined>;

/** Parses the environment with a schema, or throws a ConfigError naming every bad variable. */
export function parseConfig<S extends z.ZodType>(service: string, schema: S, env: Env = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    service,
    result.error.issues.map((issue) => ({
      variable: issue.path.map(String).join('.') || '(environment)',
      problem: issue.code === 'invalid_type' && env[String(issue.path[0])] === undefined ? 'is required but not set' : issue.message,
    })),
  );
}
