import { hostname } from 'node:os';
import { z } from 'zod';
import { secretsConfig } from '@cm/secrets';
import { baseConfig, databaseConfig, redisConfig } from '@cm/service-runtime';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const escalationConfig = baseConfig.extend(databaseConfig.shape).extend(redisConfig.shape).extend(secretsConfig.shape).extend({
  OPS_PORT: baseConfig.shape.OPS_PORT.default(9405),
  CONSUMER_GROUP: z.string().min(1).default('cm.escalation'),
  /** Names this instance in the outbox's partition fences. */
  INSTANCE_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** Port of the review API. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9415),
  /** An operator's API: on loopback unless said otherwise (compose and Helm set 0.0.0.0 inside the container). */
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Requests a second one tenant may make to the review API (bursts of twice that); shared by every instance in Redis. */
  API_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(20),
  /** How long one SLA minute lasts: 60000 in production; tests shrink it to see SLAs pass. */
  SLA_MINUTE_MS: ms(1, 3_600_000, 60_000),
  /** How often the timer looks for passed SLAs and pending notifications. */
  TIMER_POLL_MS: ms(10, 600_000, 5_000),
  /** Who is told at each level, lowest first; an SLA passed unacknowledged moves a task one level up. */
  ESCALATION_LEVELS: z
    .string()
    .default('on-call,manager,owner')
    .transform((s) => s.split(',').map((l) => l.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[\w.-]{1,40}$/, 'level names are letters, digits, _ . -')).min(1)),
  /** Signed-webhook notifications go here when set; the log gets every notification anyway. */
  NOTIFY_WEBHOOK_URL: z.url().optional(),
  NOTIFY_WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  NOTIFY_TIMEOUT_MS: ms(100, 60_000, 5_000),
  /** Tries of one delivery (with backoff between) before the timer takes it over. */
  NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  NOTIFY_BACKOFF_MS: ms(1, 60_000, 200),
  /** A notification that failed every try is tried again by the timer this much later (doubling, capped at 32x). */
  NOTIFY_RETRY_MS: ms(10, 3_600_000, 30_000),
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(50).default(6),
  /**
   * Port of the operator console (src/console), on HTTP_HOST beside the review API; unset, no
   * console listens (compose and Helm set 9416). Opt-in, so instances that only work the queue
   * (and tests that start several) open no second port.
   */
  CONSOLE_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /**
   * The proxies in front of the console (addresses or CIDRs, comma-separated) whose
   * X-Forwarded-For names the client: sign-in tries are limited per client address, and without
   * this every operator behind the proxy shares one limit. Empty: the peer's address is the client's.
   */
  CONSOLE_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((p) => p.trim()).filter((p) => p !== ''))
    .pipe(z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'an IP address or CIDR' }))),
  /** How long a console sign-in lasts. */
  CONSOLE_SESSION_MINUTES: z.coerce.number().int().min(5).max(7 * 24 * 60).default(480),
  /** Console cookies are sent over HTTPS only (behind the TLS-terminating proxy); 'false' only for a console reached on plain HTTP, as the browser test does on 127.0.0.1. */
  CONSOLE_SECURE_COOKIES: z.enum(['true', 'false'], { error: "'true' or 'false'" }).default('true').transform((v) => v === 'true'),
  /**
   * Where the console reads the calendar, a booking's history and channel health, with the
   * signed-in tenant's own key (src/console/sources.ts). Each is optional: a page whose source is
   * unset says so instead of showing anything.
   */
  CONSOLE_INGEST_URL: z.url().optional(),
  /** The sync-dispatcher's console API (its CONSOLE_API_PORT). */
  CONSOLE_DISPATCHER_URL: z.url().optional(),
  CONSOLE_RECONCILER_URL: z.url().optional(),
  /** How long one read of those services may take before its panel shows the timeout. */
  CONSOLE_READ_TIMEOUT_MS: ms(100, 60_000, 5_000),
}).refine((c) => !c.NOTIFY_WEBHOOK_URL || c.NOTIFY_WEBHOOK_SECRET, { message: 'NOTIFY_WEBHOOK_SECRET is required with NOTIFY_WEBHOOK_URL', path: ['NOTIFY_WEBHOOK_SECRET'] });
export type EscalationConfig = z.infer<typeof escalationConfig>;
