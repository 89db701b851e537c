#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { z } from 'zod';
import { epochDay, samples, topics, type BookingCommand, type CreateBooking, type Source } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  benchRow,
  createDatabase,
  createKafkaClient,
  createLogger,
  databaseConfig,
  parseConfig,
  provisionTopics,
  topicNames,
  waitFor,
  writeBenchResult,
  type Knex,
} from '@cm/service-runtime';
import { scratchLedger } from '../ledger/migrations';

/**
 * Benchmark of the booking-arbiter on the real stack (not a test: it prints figures).
 *  1. saturation: a backlog of commands on 12 partitions; decisions per second.
 *  2. paced load at half that rate; latency from produce to committed decision, p50 and p99.
 *  3. the floor, in the same run: a bare consumer of the same records doing one PostgreSQL insert
 *     per record, in the same chunks and transactions and with the same concurrency, measured the
 *     same two ways.
 */
const config = parseConfig(
  'arbiter-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    BENCH_COMMANDS: z.coerce.number().int().min(100).default(20_000),
    BENCH_PROPERTIES: z.coerce.number().int().min(1).default(500),
    BENCH_PACED_SECONDS: z.coerce.number().int().min(1).default(10),
    DECISION_CHUNK: z.coerce.number().int().min(1).default(250),
  }),
);
const log = createLogger('arbiter-bench', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);
const SOURCES: Source[] = ['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];

/** Mostly bookings that fit, some that collide: the arbiter does real work on both paths. */
function workload(count: number, properties: number, prefix: string, issuedAt: () => number): BookingCommand[] {
  const out: BookingCommand[] = [];
  for (let i = 0; i < count; i++) {
    const property = `${prefix}-${i % properties}`;
    const slot = Math.floor(i / properties);
    const collide = i % 10 === 0 && slot > 0;
    const checkIn = epochDay('2027-01-01') + (collide ? slot - 1 : slot) * 3;
    const sample = samples['booking.commands.v2']({ id: `${prefix}-${i}`, propertyId: property, at: issuedAt() });
    out.push({
      ...sample,
      source: SOURCES[i % SOURCES.length]!,
      booking_ref: `b${i}`,
      command: { ...(sample.command as CreateBooking), check_in: checkIn, check_out: checkIn + 2, price: null, pms_quote: null },
    });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const namespace = `bench${Date.now().toString(36)}`;
  const names = topicNames(namespace);
  const kafka = createKafkaClient({ clientId: 'arbiter-bench', brokers: config.KAFKA_BROKERS, logger: log });
  const admin = await kafka.admin();
  await provisionTopics(admin, log, 60_000, namespace);
  const floorTopic = `${namespace}.floor`;
  await admin.ensureTopics([{ name: floorTopic, partitions: 12, config: {} }]);

  const ledger = await scratchLedger(config.DATABASE_URL, namespace);
  const { url: databaseUrl, db } = ledger;
  await db.schema.createTable('floor_inserts', (t) => {
    t.text('command_id').primary();
    t.bigInteger('issued_at_ms').notNullable();
    t.timestamp('done_at', { useTz: true }).notNullable().defaultTo(db.raw('clock_timestamp()'));
  });
  const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [names.bookingCommands], namespace);
  const producer = await kafka.producer();
  const send = async (topic: string, commands: BookingCommand[]) => {
    const records = await Promise.all(commands.map(async (c) => ({ key: c.property_id, value: await serde.encode(topics.bookingCommands, c) })));
    for (let i = 0; i < records.length; i += 1000) await producer.send(topic, records.slice(i, i + 1000));
  };

  print(`arbiter benchmark: ${config.BENCH_COMMANDS} commands over ${config.BENCH_PROPERTIES} properties, 12 partitions, ${config.BENCH_PACED_SECONDS} s paced`);
  try {
    // The arbiter, as deployed: its own process.
    const saturated = workload(config.BENCH_COMMANDS, config.BENCH_PROPERTIES, 'sat', Date.now);
    await send(names.bookingCommands, saturated);
    const arbiter = spawn(process.execPath, [join(__dirname, '..', 'main.js')], {
      env: { ...process.env, TOPIC_NAMESPACE: namespace, DATABASE_URL: databaseUrl, OPS_PORT: '19402', LOG_LEVEL: 'warn', CONSUMER_GROUP: `bench.${namespace}` },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const arbiterThroughput = await throughput(db, 'processed_commands', 'decided_at', saturated.length);
    const arbiterRate = arbiterThroughput.perSecond;
    const arbiterLatency = await paced(db, 'processed_commands', 'decided_at', 'command_id', Math.max(50, Math.floor(arbiterRate / 2)), (n, at) => workload(n, config.BENCH_PROPERTIES, `paced${at}`, Date.now), (c) => send(names.bookingCommands, c));
    arbiter.kill('SIGTERM');
    await once(arbiter, 'exit');

    // The floor: the same records, the same consumer and batching, one insert each.
    const floorRecords = workload(config.BENCH_COMMANDS, config.BENCH_PROPERTIES, 'floor', Date.now);
    await send(floorTopic, floorRecords);
    const floorConsumer = kafka.consumer({ groupId: `bench.floor.${namespace}`, topics: [floorTopic], partitionsConsumedConcurrently: 12 });
    const floorDb = createDatabase(databaseUrl, { pool: { min: 1, max: 16 } });
    // The same chunks as the arbiter (DECISION_CHUNK, default 250), each in one transaction with one insert per record.
    await floorConsumer.startChunks(async (records) => {
      const commands = await Promise.all(records.map(async (r) => await serde.decodeValue(topics.bookingCommands, r.value)));
      await floorDb.transaction(async (tx) => {
        for (const command of commands) await tx('floor_inserts').insert({ command_id: command.command_id, issued_at_ms: command.issued_at });
      });
    }, config.DECISION_CHUNK);
    const floorThroughput = await throughput(db, 'floor_inserts', 'done_at', floorRecords.length);
    const floorLatency = await paced(db, 'floor_inserts', 'done_at', 'command_id', Math.max(50, Math.floor(arbiterRate / 2)), (n, at) => workload(n, config.BENCH_PROPERTIES, `floorpaced${at}`, Date.now), (c) => send(floorTopic, c));
    await floorConsumer.stop();
    await floorDb.destroy();

    print();
    print(`                         decisions/s   p50 ms   p99 ms   (paced at ${Math.max(50, Math.floor(arbiterRate / 2))}/s)`);
    print(`booking-arbiter          ${arbiterRate.toFixed(0).padStart(11)}   ${arbiterLatency.p50.toFixed(1).padStart(6)}   ${arbiterLatency.p99.toFixed(1).padStart(6)}`);
    print(`floor (consume+insert)   ${floorThroughput.perSecond.toFixed(0).padStart(11)}   ${floorLatency.p50.toFixed(1).padStart(6)}   ${floorLatency.p99.toFixed(1).padStart(6)}`);
    print(`arbiter / floor: ${((100 * arbiterRate) / floorThroughput.perSecond).toFixed(0)}% of the floor's throughput`);
    const outcomes = (await db.raw('SELECT outcome, count(*) AS n FROM processed_commands GROUP BY outcome ORDER BY outcome')).rows as { outcome: string; n: number }[];
    print(`decisions: ${outcomes.map((o) => `${o.outcome} ${o.n}`).join(', ')}`);
    // No target is stated for the arbiter: its figures are read against the floor's.
    const pacedRate = Math.max(50, Math.floor(arbiterRate / 2));
    writeBenchResult([
      benchRow('arbiter', 'decisions/s, saturated (higher is better)', 'decisions/s', arbiterRate, { floor: floorThroughput.perSecond }),
      benchRow('arbiter', `produce-to-commit p50 at ${pacedRate}/s (lower is better)`, 'ms', arbiterLatency.p50, { floor: floorLatency.p50 }),
      benchRow('arbiter', `produce-to-commit p99 at ${pacedRate}/s (lower is better)`, 'ms', arbiterLatency.p99, { floor: floorLatency.p99 }),
    ]);
  } finally {
    await producer.disconnect();
    await ledger.drop();
    await admin.deleteTopics([...Object.values(names), floorTopic]);
    await admin.disconnect();
  }
}

/** Decisions per second over a backlog: from the first to the last row written. */
async function throughput(db: Knex, table: string, column: string, expected: number): Promise<{ perSecond: number }> {
  await waitFor(`${expected} rows in ${table}`, async () => Number((await db(table).count({ n: '*' }))[0]!.n) >= expected, { timeoutMs: 600_000, intervalMs: 200 });
  const span = await db(table).select(db.raw(`extract(epoch from max(${column}) - min(${column})) AS seconds`), db.raw('count(*) AS n')).first();
  return { perSecond: Number(span.n) / Math.max(Number(span.seconds), 0.001) };
}

/** Sends at a steady rate and measures, per record, produce (issued_at) to commit. */
async function paced(
  db: Knex,
  table: string,
  column: string,
  idColumn: string,
  perSecond: number,
  make: (n: number, at: number) => BookingCommand[],
  send: (commands: BookingCommand[]) => Promise<void>,
): Promise<{ p50: number; p99: number }> {
  const ids: string[] = [];
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
  const end = Date.now() + config.BENCH_PACED_SECONDS * 1000;
  let tick = 0;
  while (Date.now() < end) {
    const started = Date.now();
    const batch = make(perTick, tick++);
    ids.push(...batch.map((c) => c.command_id));
    await send(batch);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - started))));
  }
  await waitFor('paced records done', async () => Number((await db(table).whereIn(idColumn, ids).count({ n: '*' }))[0]!.n) >= ids.length, { timeoutMs: 120_000, intervalMs: 200 });
  const rows = await db(table).whereIn(idColumn, ids).select(db.raw(`extract(epoch from ${column}) * 1000 - issued_at_ms AS ms`));
  const latencies = rows.map((r: { ms: string }) => Number(r.ms));
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
