#!/usr/bin/env node
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { topics, type SyncResult } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  benchRow,
  benchScratch,
  createKafkaClient,
  createLogger,
  databaseConfig,
  parseConfig,
  redisConfig,
  spawnNodeProcess,
  waitFor,
  writeBenchResult,
  type BenchRow,
  type Knex,
  type NodeProcess,
} from '@cm/service-runtime';
import { CpuAccount, type CpuPerBooking } from './cpu';
import { measureFloor } from './floor';
import { DISPATCHER_NODE_OPTIONS } from '../node-options';
import { percentile, type Lags } from './lags';
import { BENCH_KEYS, CHANNELS, setUpProperties } from './properties';

/**
 * Benchmark of the whole sync path on the real stack (not a test: it prints figures). A guest
 * books on a simulated channel; the channel announces it by signed webhook to ingest; the
 * arbiter decides; the sync-dispatcher pushes to the three other simulated channels. Measured
 * per booking: from the webhook's sending to the last of the three acknowledgements, at two
 * paced rates; and, in the same run, the floor of that path: produce, consume, PostgreSQL commit,
 * produce, consume, HTTP POST to the simulator, with nothing of ours.
 */
const config = parseConfig(
  'sync-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend(redisConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    BENCH_RATES: z.string().default('50,200').transform((s) => s.split(',').map(Number)),
    BENCH_SECONDS: z.coerce.number().int().min(1).default(10),
    BENCH_PROPERTIES: z.coerce.number().int().min(1).default(200),
    /** Bookings made at the first rate before measuring, so pools, caches and the JIT are warm. */
    BENCH_WARMUP_SECONDS: z.coerce.number().int().min(0).default(3),
    /** The dispatcher's Node options; by default as deployed (docker-compose, Helm). */
    BENCH_DISPATCHER_NODE_OPTIONS: z.string().default(DISPATCHER_NODE_OPTIONS),
  }),
);
const log = createLogger('sync-bench', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);
const DIST = join(__dirname, '..', '..', '..');
/** The bookings' connections to the simulator: undici's request, which costs the machine far less CPU than fetch. */
const keepAlive = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
const PORTS = { simulator: 19_580, ingest: 19_511, ingestOps: 19_512, arbiterOps: 19_513, dispatcherOps: 19_514, feeds: 19_515 };

interface Booking {
  readonly propertyId: string;
  readonly channel: (typeof CHANNELS)[number];
  readonly commandId: string;
  readonly sentAtMs: number;
}

async function main(): Promise<void> {
  const kafka = createKafkaClient({ clientId: 'sync-bench', brokers: config.KAFKA_BROKERS, logger: log, implementation: config.KAFKA_CLIENT });
  const scratch = await benchScratch({
    prefix: 'benchsync',
    kafka,
    log,
    serverDatabaseUrl: config.DATABASE_URL,
    migrators: ['booking-arbiter', 'ingest', 'sync-dispatcher'].map((service) => join(DIST, service, 'dist', 'cli', 'migrate.js')),
    extraTopics: ['floor.in', 'floor.out'],
  });
  const { namespace, names, db, databaseUrl, extraTopics: floorTopics } = scratch;
  const processes: NodeProcess[] = [];
  try {
    const env = { TOPIC_NAMESPACE: namespace, DATABASE_URL: databaseUrl, REDIS_URL: config.REDIS_URL, LOG_LEVEL: 'warn', SECRETS_KEYS: BENCH_KEYS.text };
    const ready = (port: number) => async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200;
    const simulatorUrl = `http://127.0.0.1:${PORTS.simulator}`;
    const simulator = await spawnNodeProcess(join(DIST, 'channel-simulator', 'dist', 'main.js'), { PORT: String(PORTS.simulator), INGEST_URL: `http://127.0.0.1:${PORTS.ingest}`, LOG_LEVEL: 'warn', WEBHOOK_FIRST_BACKOFF_MS: '50' }, async () => (await fetch(`${simulatorUrl}/health`).catch(() => undefined))?.ok === true);
    processes.push(simulator);
    const ingest = await spawnNodeProcess(join(DIST, 'ingest', 'dist', 'main.js'), { ...env, CONSUMER_GROUP: `${namespace}.ingest`, HTTP_PORT: String(PORTS.ingest), OPS_PORT: String(PORTS.ingestOps), TENANT_RATE_PER_SECOND: '100000' }, ready(PORTS.ingestOps));
    processes.push(ingest);
    const arbiter = await spawnNodeProcess(join(DIST, 'booking-arbiter', 'dist', 'main.js'), { ...env, CONSUMER_GROUP: `${namespace}.arbiter`, OPS_PORT: String(PORTS.arbiterOps) }, ready(PORTS.arbiterOps));
    processes.push(arbiter);
    const dispatcher = await spawnNodeProcess(join(DIST, 'sync-dispatcher', 'dist', 'main.js'), { ...env, CONSUMER_GROUP: `${namespace}.dispatcher`, OPS_PORT: String(PORTS.dispatcherOps), FEED_PORT: String(PORTS.feeds), CHANNEL_API_BASE_URL: `${simulatorUrl}/{channel}/api`, CHANNEL_CALLS_PER_MINUTE: '1000000', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${config.BENCH_DISPATCHER_NODE_OPTIONS}` }, ready(PORTS.dispatcherOps));
    processes.push(dispatcher);
    const cpu = new CpuAccount(new Map([['channel simulator', simulator.pid], ['ingest', ingest.pid], ['booking-arbiter', arbiter.pid], ['sync-dispatcher', dispatcher.pid]]));
    const properties = await setUpProperties(db, simulatorUrl, namespace, config.BENCH_PROPERTIES);

    print(`sync benchmark: a booking on a simulated channel to its nights closed on the three others; ${properties.length} properties, ${config.BENCH_SECONDS} s per rate after ${config.BENCH_WARMUP_SECONDS} s of warm-up (not measured)`);
    const rows: { label: string; lags: Lags }[] = [];
    const phases: { rate: number; bookings: Booking[]; cpu: CpuPerBooking }[] = [];
    let cursor = 0;
    if (config.BENCH_WARMUP_SECONDS > 0) await settled(db, await bookAtRate(simulatorUrl, properties, config.BENCH_RATES[0]!, config.BENCH_WARMUP_SECONDS, () => cursor++));
    for (const rate of config.BENCH_RATES) {
      const before = cpu.sample();
      const startedAt = Date.now();
      const bookings = await bookAtRate(simulatorUrl, properties, rate, config.BENCH_SECONDS, () => cursor++);
      await settled(db, bookings);
      phases.push({ rate, bookings, cpu: CpuAccount.perBooking(before, cpu.sample(), bookings.length, (Date.now() - startedAt) / 1000) });
    }
    // The outcomes are read from Kafka only now, once every rate has run: a reader running during
    // the load took a quarter of a core from the pipeline it measured.
    const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [names.syncResults, names.availabilityChanges], namespace);
    const results: SyncResult[] = [];
    /** When each command's availability change reached Kafka (the record's timestamp). */
    const published = new Map<string, number>();
    const reader = kafka.consumer({ groupId: `${namespace}.reader`, topics: [names.syncResults, names.availabilityChanges], partitionsConsumedConcurrently: 12 });
    await reader.start(async (record) => {
      if (record.topic === names.syncResults) results.push(await serde.decodeValue(topics.syncResults, record.value));
      else published.set((await serde.decodeValue(topics.availabilityChanges, record.value)).event_id.replace(/:push:\d+$/, ''), Number(record.timestamp));
    });
    for (const { rate, bookings } of phases) rows.push({ label: `pipeline at ${rate} bookings/s`, lags: await lagsOf(db, bookings, results, published) });
    await reader.stop();
    const floorCpu: { rate: number; cpu: CpuPerBooking }[] = [];
    for (const rate of config.BENCH_RATES) {
      const floor = await measureFloor({ kafka, databaseUrl, topics: floorTopics, simulatorUrl, listing: properties[0]!, rate, seconds: config.BENCH_SECONDS, warmupSeconds: Math.max(1, config.BENCH_WARMUP_SECONDS), namespace, cpu });
      rows.push({ label: `floor at ${rate} bookings/s`, lags: floor });
      floorCpu.push({ rate, cpu: floor.cpu });
    }

    print();
    for (const { label, lags } of rows) {
      for (const [stage, values] of Object.entries(lags.stages ?? {})) print(`  ${label}: ${stage}: p50 ${percentile(values, 50)} ms, p99 ${percentile(values, 99)} ms`);
    }
    for (const { label, lags } of rows) {
      print(`${label.padEnd(32)} n=${String(lags.values.length).padStart(5)}  p50 ${String(percentile(lags.values, 50)).padStart(5)} ms  p99 ${String(percentile(lags.values, 99)).padStart(5)} ms  max ${String(Math.max(...lags.values)).padStart(5)} ms${lags.missing ? `  (${lags.missing} not acknowledged in time)` : ''}`);
    }
    print();
    for (const { rate, cpu: spent } of phases) print(`CPU at ${rate}/s: ${CpuAccount.describe(spent)}`);
    // Our services sit idle while the floor runs (their share is what idling costs); the simulator takes the floor's POSTs.
    for (const { rate, cpu: spent } of floorCpu) print(`CPU of the floor at ${rate}/s: ${CpuAccount.describe(spent)}`);
    print();
    const figures: BenchRow[] = [];
    for (const rate of config.BENCH_RATES) {
      const pipeline = rows.find((r) => r.label === `pipeline at ${rate} bookings/s`)!.lags;
      const floor = rows.find((r) => r.label === `floor at ${rate} bookings/s`)!.lags;
      const p99 = percentile(pipeline.values, 99);
      const floorP99 = percentile(floor.values, 99);
      print(`at ${rate}/s: p99 ${p99} ms = ${(p99 / Math.max(floorP99, 1)).toFixed(2)}x the floor's ${floorP99} ms; target p99 <= 250 ms and <= 3x the floor: ${p99 <= 250 && p99 <= 3 * floorP99 && pipeline.missing === 0 ? 'met' : 'NOT met'}`);
      figures.push(
        benchRow('sync', `booking-to-closed p50 at ${rate}/s (lower is better)`, 'ms', percentile(pipeline.values, 50), { floor: percentile(floor.values, 50) }),
        benchRow('sync', `booking-to-closed p99 at ${rate}/s (lower is better)`, 'ms', p99, { floor: floorP99, target: '<= 250 and <= 3x floor, none missing', met: p99 <= 250 && p99 <= 3 * floorP99 && pipeline.missing === 0 }),
        benchRow('sync', `bookings not acknowledged in time at ${rate}/s`, 'bookings', pipeline.missing, { target: '0', met: pipeline.missing === 0 }),
        benchRow('sync', `CPU per booking at ${rate}/s, every process (lower is better)`, 'ms', Number(phases.find((p) => p.rate === rate)!.cpu.totalMs.toFixed(1))),
      );
    }
    writeBenchResult(figures);
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await scratch.remove();
  }
}

/** Books at a paced rate, each booking two nights on its own dates, so none is refused. */
async function bookAtRate(simulatorUrl: string, properties: readonly { propertyId: string; listings: Record<string, string> }[], rate: number, seconds: number, next: () => number): Promise<Booking[]> {
  const total = rate * seconds;
  const started = Date.now();
  const inFlight: Promise<Booking | undefined>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const n = next();
    const property = properties[n % properties.length]!;
    const channel = CHANNELS[n % CHANNELS.length]!;
    const slot = Math.floor(n / properties.length);
    const checkIn = new Date(Date.UTC(2027, 0, 1) + slot * 3 * 86_400_000).toISOString().slice(0, 10);
    const checkOut = new Date(Date.UTC(2027, 0, 3) + slot * 3 * 86_400_000).toISOString().slice(0, 10);
    inFlight.push(
      request(`${simulatorUrl}/admin/${channel.toLowerCase()}/listings/${property.listings[channel]}/bookings`, { method: 'POST', dispatcher: keepAlive, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ check_in: checkIn, check_out: checkOut }) })
        .then(async (answer) => {
          const body = (await answer.body.json()) as { webhook?: { event_id: string; sent_at_ms: number; outcome: string; response: { body: { command_id?: string } } | null } };
          const commandId = body.webhook?.response?.body.command_id;
          if (answer.statusCode >= 300 || body.webhook?.outcome !== 'delivered' || !commandId) return undefined;
          return { propertyId: property.propertyId, channel, commandId, sentAtMs: body.webhook.sent_at_ms };
        })
        .catch(() => undefined),
    );
  }
  return (await Promise.all(inFlight)).filter((b): b is Booking => b !== undefined);
}

/**
 * Waits until the bookings are decided and the dispatcher has nothing left to push (or 30 s
 * passed: what is still missing is counted missing later), so one rate's tail does not run into
 * the next rate's measurement.
 */
async function settled(db: Knex, bookings: readonly Booking[]): Promise<void> {
  await waitFor('every booking decided', async () => Number((await db('processed_commands').whereIn('command_id', bookings.map((b) => b.commandId)).count({ n: '*' }).first())?.n ?? 0) === bookings.length, { timeoutMs: 60_000, intervalMs: 200 });
  await waitFor('nothing left to push', async () => (await db('sync.nights').whereRaw('version > pushed_version').first('night')) === undefined, { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
}

/** Per booking: from the webhook's sending to the last acknowledgement, on the three other channels, of a version that includes it. */
async function lagsOf(db: Knex, bookings: readonly Booking[], results: readonly SyncResult[], published: ReadonlyMap<string, number>): Promise<Lags> {
  const versions = new Map<string, number>();
  const decidedAt = new Map<string, number>();
  await waitFor('every booking decided', async () => {
    const rows: { command_id: string; version: number | null; decided_ms: number }[] = await db('processed_commands')
      .whereIn('command_id', bookings.map((b) => b.commandId))
      .select('command_id', 'version', db.raw('(extract(epoch from decided_at) * 1000)::bigint as decided_ms'));
    for (const r of rows) {
      if (r.version !== null) versions.set(r.command_id, r.version);
      decidedAt.set(r.command_id, r.decided_ms);
    }
    return rows.length === bookings.length;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  const acked = (b: Booking, channel: string) =>
    results.filter((r) => r.property_id === b.propertyId && r.channel === channel && r.outcome === 'ACKNOWLEDGED' && r.version >= versions.get(b.commandId)!).reduce((min, r) => Math.min(min, r.completed_at), Infinity);
  await waitFor('every booking acknowledged on the other channels', () => bookings.every((b) => CHANNELS.filter((c) => c !== b.channel).every((c) => acked(b, c) < Infinity)), { timeoutMs: 30_000, intervalMs: 200 }).catch(() => undefined);
  const values: number[] = [];
  const toDecision: number[] = [];
  const toPublished: number[] = [];
  const fromPublished: number[] = [];
  let missing = 0;
  for (const b of bookings) {
    const last = Math.max(...CHANNELS.filter((c) => c !== b.channel).map((c) => acked(b, c)));
    if (last === Infinity) missing++;
    else {
      values.push(last - b.sentAtMs);
      toDecision.push(decidedAt.get(b.commandId)! - b.sentAtMs);
      const on = published.get(b.commandId);
      if (on !== undefined) {
        toPublished.push(on - decidedAt.get(b.commandId)!);
        fromPublished.push(last - on);
      }
    }
  }
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return { values: sorted(values), missing, stages: {
      'webhook sent to decision committed': sorted(toDecision),
      'decision committed to its change on Kafka (outbox relay)': sorted(toPublished),
      'change on Kafka to the last acknowledgement (dispatcher)': sorted(fromPublished),
    },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`sync benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
