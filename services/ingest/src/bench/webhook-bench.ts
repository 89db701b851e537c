#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { signedHeaders } from '@cm/channel-webhooks';
import {
  baseConfig,
  benchRow,
  createDatabase,
  createKafkaClient,
  createLogger,
  databaseConfig,
  dropDatabase,
  ensureDatabaseExists,
  parseConfig,
  provisionTopics,
  redisConfig,
  spawnNodeProcess,
  topicNames,
  waitFor,
  writeBenchResult,
  type KafkaClient,
} from '@cm/service-runtime';

import { addConnection, addProperty, createTenant, mapListing } from '@cm/directory';
import { KeyRing } from '@cm/secrets';
import { ingestDatabaseMigrations } from '../directory/migrations';
import { runLoad, type LoadResult } from './load';

/**
 * Benchmark of ingest's webhook path on the real stack (not a test: it prints figures). 50
 * concurrent clients on loopback post signed reservation webhooks, each with a new event id, to
 * an ingest process; every accepted one must be a command on booking.commands. The floor, in the
 * same run: the same server library and producer, one record per request, nothing of ours.
 */
const config = parseConfig(
  'ingest-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend(redisConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    BENCH_CONNECTIONS: z.coerce.number().int().min(1).default(50),
    BENCH_SECONDS: z.coerce.number().int().min(1).default(15),
    BENCH_LISTINGS: z.coerce.number().int().min(1).default(200),
    /** The target's rate: latency is also measured with the load paced at it. */
    BENCH_PACED_RATE: z.coerce.number().int().min(1).default(2_000),
  }),
);
const log = createLogger('ingest-bench', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);
const DIST = join(__dirname, '..');

async function main(): Promise<void> {
  const namespace = `benchingest${Date.now().toString(36)}`;
  const names = topicNames(namespace);
  const kafka = createKafkaClient({ clientId: 'ingest-bench', brokers: config.KAFKA_BROKERS, logger: log });
  const admin = await kafka.admin();
  await provisionTopics(admin, log, 60_000, namespace);
  const floorTopic = `${namespace}.floor`;
  await admin.ensureTopics([{ name: floorTopic, partitions: 12, config: {} }]);

  const url = new URL(config.DATABASE_URL);
  url.pathname = `/cm_${namespace}`;
  await ensureDatabaseExists(url.toString());
  const db = createDatabase(url.toString(), { pool: { min: 0, max: 2 } });
  await ingestDatabaseMigrations.migrate(db);
  const tenantId = 'bench-tenant';
  await createTenant(db, { tenantId, name: 'Benchmark', ratePerSecond: 1_000_000 });
  // A key ring of its own for this scratch database, given to the ingest it starts.
  const keys = KeyRing.random('bench');
  const added = await addConnection(db, keys.ring, { connectionId: 'bench-airbnb', tenantId, channel: 'AIRBNB' });
  const { connectionId } = added;
  const secret = added.secret!;
  for (let i = 0; i < config.BENCH_LISTINGS; i++) {
    await addProperty(db, { propertyId: `bench-p${i}`, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    await mapListing(db, { channel: 'AIRBNB', listingId: `bench-l${i}`, propertyId: `bench-p${i}`, connectionId });
  }

  let sequence = 0;
  const nextWebhook = () => {
    const i = sequence++;
    const checkIn = new Date(Date.UTC(2027, 0, 1) + (i % 300) * 86_400_000).toISOString().slice(0, 10);
    const checkOut = new Date(Date.UTC(2027, 0, 3) + (i % 300) * 86_400_000).toISOString().slice(0, 10);
    const body = JSON.stringify({
      event_id: `${namespace}-${i}`,
      type: 'reservation.created',
      listing_id: `bench-l${i % config.BENCH_LISTINGS}`,
      occurred_at: new Date().toISOString(),
      reservation: { id: `HM${i}`, revision: 1, status: 'accepted', check_in: checkIn, check_out: checkOut, total: { amount: '250.00', currency: 'EUR' }, guest: { name: 'Bench Guest', email: 'guest@example.com' } },
    });
    return { body, headers: { 'content-type': 'application/json', ...signedHeaders(connectionId, secret, body) } };
  };

  const ingestPort = 19_511;
  const ingest = await spawnNodeProcess(join(DIST, 'main.js'), {
    TOPIC_NAMESPACE: namespace,
    DATABASE_URL: url.toString(),
    REDIS_URL: config.REDIS_URL,
    CONSUMER_GROUP: `cm.ingest.${namespace}`,
    HTTP_PORT: String(ingestPort),
    OPS_PORT: '19512',
    LOG_LEVEL: 'warn',
    SECRETS_KEYS: keys.text,
  }, async () => (await fetch('http://127.0.0.1:19512/health/ready').catch(() => undefined))?.status === 200);
  const floor = await spawnNodeProcess(join(DIST, 'bench', 'webhook-floor.js'), { FLOOR_PORT: '19513', FLOOR_TOPIC: floorTopic }, async () => (await fetch('http://127.0.0.1:19513/').catch(() => undefined)) !== undefined);

  try {
    print(`ingest webhook benchmark: ${config.BENCH_CONNECTIONS} concurrent clients on loopback, ${config.BENCH_SECONDS} s each, ${config.BENCH_LISTINGS} listings`);
    const warmUp = await runLoad({ url: `http://127.0.0.1:${ingestPort}`, path: '/webhooks/airbnb', connections: config.BENCH_CONNECTIONS, durationSeconds: 3, next: nextWebhook });
    const measured = await runLoad({ url: `http://127.0.0.1:${ingestPort}`, path: '/webhooks/airbnb', connections: config.BENCH_CONNECTIONS, durationSeconds: config.BENCH_SECONDS, next: nextWebhook });
    const paced = await runLoad({ url: `http://127.0.0.1:${ingestPort}`, path: '/webhooks/airbnb', connections: config.BENCH_CONNECTIONS, durationSeconds: config.BENCH_SECONDS, overallRate: config.BENCH_PACED_RATE, next: nextWebhook });
    await runLoad({ url: 'http://127.0.0.1:19513', path: '/webhooks/airbnb', connections: config.BENCH_CONNECTIONS, durationSeconds: 3, next: nextWebhook });
    const floorResult = await runLoad({ url: 'http://127.0.0.1:19513', path: '/webhooks/airbnb', connections: config.BENCH_CONNECTIONS, durationSeconds: config.BENCH_SECONDS, next: nextWebhook });

    const accepted = await countRecords(kafka, names.bookingCommands, namespace);
    print();
    row('ingest (signed webhook to booking.commands)', measured);
    row(`ingest, paced at ${config.BENCH_PACED_RATE} req/s`, paced);
    row('floor (same server + producer, nothing else)', floorResult);
    print();
    print(`ratio to the floor: throughput ${(measured.requestsPerSecond / floorResult.requestsPerSecond).toFixed(2)}x, p99 ${(measured.latencyMs.p99 / Math.max(floorResult.latencyMs.p99, 1)).toFixed(2)}x`);
    print(`target: >= 2,000 req/s (saturated: ${measured.requestsPerSecond.toFixed(0)}) with p99 < 50 ms (at ${config.BENCH_PACED_RATE} req/s: ${paced.latencyMs.p99} ms; saturated: ${measured.latencyMs.p99} ms): ${measured.requestsPerSecond >= 2_000 && paced.latencyMs.p99 < 50 ? 'met' : 'NOT met'}`);
    const answered202 = (warmUp.statusCodes['202'] ?? 0) + (measured.statusCodes['202'] ?? 0) + (paced.statusCodes['202'] ?? 0);
    // A request in flight when the load generator stops is taken in but its answer not counted.
    const inFlightAtStop = accepted - answered202;
    const consistent = inFlightAtStop >= 0 && inFlightAtStop <= 3 * config.BENCH_CONNECTIONS;
    print(`commands on booking.commands: ${accepted}; answered 202: ${answered202}; in flight when the load stopped: ${inFlightAtStop} (at most ${3 * config.BENCH_CONNECTIONS})${consistent ? '' : '  NOT CONSISTENT: commands lost or doubled'}`);
    writeBenchResult([
      benchRow('ingest', `req/s, saturated at ${config.BENCH_CONNECTIONS} clients (higher is better)`, 'req/s', measured.requestsPerSecond, { floor: floorResult.requestsPerSecond, target: '>= 2000', met: measured.requestsPerSecond >= 2_000 }),
      benchRow('ingest', 'p50, saturated (lower is better)', 'ms', measured.latencyMs.p50, { floor: floorResult.latencyMs.p50 }),
      benchRow('ingest', 'p99, saturated (lower is better)', 'ms', measured.latencyMs.p99, { floor: floorResult.latencyMs.p99 }),
      // The floor is measured saturated only, so the paced figure has no floor of its own.
      benchRow('ingest', `p99, paced at ${config.BENCH_PACED_RATE} req/s (lower is better)`, 'ms', paced.latencyMs.p99, { target: '< 50', met: paced.latencyMs.p99 < 50 }),
      benchRow('ingest', 'commands in flight at stop (lost/doubled check)', 'commands', inFlightAtStop, { target: `0..${3 * config.BENCH_CONNECTIONS}`, met: consistent }),
    ]);
  } finally {
    await ingest.stop();
    await floor.stop();
    await db.destroy();
    await dropDatabase(url.toString());
    await admin.deleteTopics([...Object.values(names), floorTopic]);
    await admin.disconnect();
  }
}

function row(label: string, result: LoadResult): void {
  print(`${label.padEnd(48)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s   p50 ${String(result.latencyMs.p50).padStart(3)} ms   p90 ${String(result.latencyMs.p90).padStart(3)} ms   p99 ${String(result.latencyMs.p99).padStart(3)} ms   max ${result.latencyMs.max} ms   ${JSON.stringify(result.statusCodes)}`);
}

/** Records on every partition of a topic, counted by reading it through. */
async function countRecords(kafka: KafkaClient, topic: string, namespace: string): Promise<number> {
  let count = 0;
  let last = Date.now();
  const consumer = kafka.consumer({ groupId: `${namespace}.counter.${randomUUID().slice(0, 6)}`, topics: [topic], partitionsConsumedConcurrently: 12 });
  await consumer.start(async () => {
    count++;
    last = Date.now();
  });
  await waitFor('topic read through', () => count > 0 && Date.now() - last > 3_000, { timeoutMs: 120_000, intervalMs: 250 });
  await consumer.stop();
  return count;
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
