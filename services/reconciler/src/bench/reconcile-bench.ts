#!/usr/bin/env node
import { insertDirectoryRows } from '@cm/directory';
import { KeyRing } from '@cm/secrets';
import { join } from 'node:path';
import { z } from 'zod';
import { RECONCILER_NODE_OPTIONS } from '../node-options';
import {
  baseConfig,
  benchRow,
  assertPortsFree,
  benchScratch,
  createKafkaClient,
  createLogger,
  databaseConfig,
  parseConfig,
  residentMemoryMb,
  redisConfig,
  spawnNodeProcess,
  waitFor,
  writeBenchResult,
  type Knex,
  type NodeProcess,
} from '@cm/service-runtime';
import { operatorCall } from '../cli/operator-client';
import { defaultOperatorSocket } from '../config';
import type { PassSummary } from '../store/pass-store';

/**
 * Benchmark of a reconciliation pass (not a test: it prints figures). 10,000 channel listings
 * (2,500 properties x 4 simulated channels) compared over 90 days against the channel simulator
 * with rate limits off; a tenth of the properties hold a booking the channels never heard of,
 * so there is drift to find and corrections to send. Measured: the pass's wall time, and the
 * reconciler process's peak resident memory (VmHWM).
 */
const config = parseConfig(
  'reconcile-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend(redisConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    BENCH_PROPERTIES: z.coerce.number().int().min(1).default(2_500),
    BENCH_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(90),
    /** The reconciler's READ_CONCURRENCY (its default: 16). */
    BENCH_READ_CONCURRENCY: z.coerce.number().int().min(1).default(16),
    /** The reconciler's Node options; by default as deployed (docker-compose, Helm). */
    BENCH_RECONCILER_NODE_OPTIONS: z.string().default(RECONCILER_NODE_OPTIONS),
  }),
);
const log = createLogger('reconcile-bench', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);
const DIST = join(__dirname, '..', '..', '..');
const CHANNELS = ['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'] as const;
const PORTS = { simulator: 19_680, reconciler: 19_614, reconcilerOps: 19_615 };
const TARGET = { seconds: 60, megabytes: 300 };

async function main(): Promise<void> {
  await assertPortsFree(Object.values(PORTS));
  const kafka = createKafkaClient({ clientId: 'reconcile-bench', brokers: config.KAFKA_BROKERS, logger: log });
  const scratch = await benchScratch({
    prefix: 'benchrec',
    kafka,
    log,
    serverDatabaseUrl: config.DATABASE_URL,
    migrators: ['booking-arbiter', 'ingest', 'reconciler'].map((service) => join(DIST, service, 'dist', 'cli', 'migrate.js')),
  });
  const { namespace, db, databaseUrl } = scratch;
  const processes: NodeProcess[] = [];
  try {
    const simulatorUrl = `http://127.0.0.1:${PORTS.simulator}`;
    processes.push(await spawnNodeProcess(join(DIST, 'channel-simulator', 'dist', 'main.js'), { PORT: String(PORTS.simulator), INGEST_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn' }, async () => (await fetch(`${simulatorUrl}/health`).catch(() => undefined))?.ok === true));
    const setUpStarted = Date.now();
    const booked = await setUp(db, simulatorUrl, namespace);
    print(`reconciliation benchmark: ${config.BENCH_PROPERTIES * CHANNELS.length} listings (${config.BENCH_PROPERTIES} properties x ${CHANNELS.length} channels) x ${config.BENCH_WINDOW_DAYS} days, rate limits off, ${config.BENCH_READ_CONCURRENCY} reads at once, Node options '${config.BENCH_RECONCILER_NODE_OPTIONS}'; ${booked} properties hold a booking no channel shows (set up in ${((Date.now() - setUpStarted) / 1000).toFixed(1)} s)`);

    const reconciler = await spawnNodeProcess(
      join(DIST, 'reconciler', 'dist', 'main.js'),
      {
        TOPIC_NAMESPACE: namespace,
        DATABASE_URL: databaseUrl,
        REDIS_URL: config.REDIS_URL,
        LOG_LEVEL: 'warn',
        // The reconciler refuses to start without a key ring (since connections carry sealed credentials): the bench failed at once without it.
        SECRETS_KEYS: BENCH_KEYS.text,
        CONSUMER_GROUP: `${namespace}.reconciler`,
        HTTP_PORT: String(PORTS.reconciler),
        OPS_PORT: String(PORTS.reconcilerOps),
        CHANNEL_API_BASE_URL: `${simulatorUrl}/{channel}/api`,
        RECONCILE_EVERY_MINUTES: '0',
        WINDOW_DAYS: String(config.BENCH_WINDOW_DAYS),
        READ_CONCURRENCY: String(config.BENCH_READ_CONCURRENCY),
        CHANNEL_READS_PER_MINUTE: '1000000',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${config.BENCH_RECONCILER_NODE_OPTIONS}`,
      },
      async () => (await fetch(`http://127.0.0.1:${PORTS.reconcilerOps}/health/ready`).catch(() => undefined))?.status === 200,
    );
    processes.push(reconciler);
    const idleMb = residentMemoryMb(reconciler.pid).current;

    // Every property of the portfolio, as the operator's reconcile command starts it (the local socket, no key).
    const socket = defaultOperatorSocket(PORTS.reconciler);
    const { body: { pass_id: passId } } = await operatorCall<{ pass_id: string }>(socket, 'POST', '/v1/reconciliations', {});
    let summary: PassSummary | undefined;
    await waitFor('the pass to finish', async () => {
      summary = (await operatorCall<PassSummary>(socket, 'GET', `/v1/reconciliations/${passId}`)).body;
      return summary.status !== 'running';
    }, { timeoutMs: 600_000, intervalMs: 250 });
    const memory = residentMemoryMb(reconciler.pid);
    const seconds = (summary!.finishedAtMs! - summary!.startedAtMs) / 1000;

    print();
    print(`pass ${summary!.status}: ${summary!.listings} listings compared, ${summary!.unread} unread; drift on ${summary!.found.listings} listings (${summary!.found.nights} nights, ${summary!.found.openWhileBooked} open while booked), corrections sent for each`);
    print(`wall time ${seconds.toFixed(1)} s (${Math.round(summary!.listings / seconds)} listings/s, ${Math.round((summary!.listings * config.BENCH_WINDOW_DAYS) / seconds)} nights/s); reconciler resident memory: idle ${idleMb} MB, peak ${memory.peak} MB`);
    print(`target: under ${TARGET.seconds} s and under ${TARGET.megabytes} MB: ${seconds < TARGET.seconds && memory.peak < TARGET.megabytes && summary!.status === 'finished' && summary!.unread === 0 ? 'met' : 'NOT met'}`);
    const listings = `${summary!.listings} listings x ${config.BENCH_WINDOW_DAYS} days`;
    writeBenchResult([
      benchRow('reconcile', `pass wall time, ${listings} (lower is better)`, 's', seconds, { target: `< ${TARGET.seconds}, pass finished`, met: seconds < TARGET.seconds && summary!.status === 'finished' }),
      benchRow('reconcile', 'reconciler peak resident memory (lower is better)', 'MB', memory.peak, { target: `< ${TARGET.megabytes}`, met: memory.peak < TARGET.megabytes }),
      benchRow('reconcile', 'listings unread', 'listings', summary!.unread, { target: '0', met: summary!.unread === 0 }),
    ]);
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await scratch.remove();
  }
}


/** A key ring of this run's own: the webhook secrets of its scratch directory are sealed under it, and the services it starts get it. */
const BENCH_KEYS = KeyRing.random('bench');

/** The directory, the simulator's listings, and a booking in the ledger for every tenth property. */
async function setUp(db: Knex, simulatorUrl: string, namespace: string): Promise<number> {
  const tenantId = `${namespace}-tenant`;
  await insertDirectoryRows(db, {
    tenants: [{ tenantId, name: 'Benchmark', ratePerSecond: 100 }],
    connections: CHANNELS.map((channel) => ({ connectionId: `${tenantId}-${channel}`, tenantId, channel, webhookSecret: `secret-${channel}` })),
  }, BENCH_KEYS.ring);
  const properties = Array.from({ length: config.BENCH_PROPERTIES }, (_, i) => `${namespace}-p${String(i).padStart(5, '0')}`);
  for (let i = 0; i < properties.length; i += 500) {
    const slice = properties.slice(i, i + 500);
    await insertDirectoryRows(db, {
      properties: slice.map((propertyId) => ({ propertyId, tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' })),
      listings: slice.flatMap((propertyId, j) => CHANNELS.map((channel) => ({ channel, listingId: `${channel.toLowerCase()}-${i + j}`, propertyId, connectionId: `${tenantId}-${channel}` }))),
    });
  }
  const registrations = properties.flatMap((_, i) => CHANNELS.map((channel) => ({ channel, listingId: `${channel.toLowerCase()}-${i}` })));
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < registrations.length) {
        const { channel, listingId } = registrations[next++]!;
        const answer = await fetch(`${simulatorUrl}/admin/${channel.toLowerCase()}/listings/${listingId}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ connection_id: `${tenantId}-${channel}`, secret: `secret-${channel}`, currency: 'EUR', time_zone: 'Europe/Lisbon' }),
        });
        if (!answer.ok) throw new Error(`registering ${channel} ${listingId}: ${answer.status} ${await answer.text()}`);
      }
    }),
  );
  const bookedProperties = properties.filter((_, i) => i % 10 === 0);
  const checkIn = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  const checkOut = new Date(Date.now() + 17 * 86_400_000).toISOString().slice(0, 10);
  await db('properties').insert(bookedProperties.map((propertyId) => ({ property_id: propertyId, version: 1 })));
  await db('stays').insert(
    bookedProperties.map((propertyId) => ({ property_id: propertyId, stay_key: 'PMS:bench-1', kind: 'booking', source: 'PMS', ref: 'bench-1', status: 'CONFIRMED', check_in: checkIn, check_out: checkOut, versions: '{}', ledger_version: 1 })),
  );
  return bookedProperties.length;
}

main().catch((error: unknown) => {
  process.stderr.write(`reconciliation benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
