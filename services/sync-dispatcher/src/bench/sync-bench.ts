#!/usr/bin/env node
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { topics } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  benchRow,
  assertPortsFree,
  benchScratch,
  createKafkaClient,
  createLogger,
  databaseConfig,
  parseConfig,
  redisConfig,
  Registry,
  spawnNodeProcess,
  writeBenchResult,
  type BenchRow,
  type Knex,
  type NodeProcess,
} from '@cm/service-runtime';
import { lagsOf, Outcomes, settled, type Booking } from './acknowledgements';
import { CostMeter, type CostPerBooking } from './cost';
import { recordsConsumed, registryCounts, serviceCounts } from './cost-counters';
import { CpuAccount } from './cpu';
import { measureFloor } from './floor';
import { DISPATCHER_NODE_OPTIONS } from '../node-options';
import { percentile, type Lags } from './lags';
import { BENCH_KEYS, CHANNELS, setUpFloorProperties, setUpProperties, type BenchProperty } from './properties';
import { searchSustainedRate, type SustainedRate, type Trial } from './sustain';

/**
 * Benchmark of the whole sync path on the real stack (not a test: it prints figures). A guest
 * books on a simulated channel; the channel announces it by signed webhook to ingest; the
 * arbiter decides; the sync-dispatcher pushes to the three other simulated channels. Measured
 * per booking: from the webhook's sending to the last of the three acknowledgements, at paced
 * rates, with what each booking costs every process (CPU, wake-ups, statements, transactions,
 * Kafka fetches); the services' cost idle; the highest rate held for a minute; and, in the same
 * run, the floor of that path: the same booking and webhook from the simulator to a bare
 * receiver, produce, consume, PostgreSQL commit, produce, consume, and the same three POSTs to the
 * simulator, with nothing of ours (floor.ts).
 */
const config = parseConfig(
  'sync-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend(redisConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    /** Issue 22 measures the cost per booking at these rates: at low rates every hop pays a fetch, a transaction and a wake-up per record. */
    BENCH_RATES: z.string().default('25,50,100').transform((s) => s.split(',').map(Number)).pipe(z.array(z.number().int().min(1)).min(1)),
    BENCH_SECONDS: z.coerce.number().int().min(1).default(10),
    BENCH_PROPERTIES: z.coerce.number().int().min(1).default(200),
    /**
     * Bookings made before the first measured rate, at the highest of BENCH_RATES, on the path and
     * then on the floor, so pools, caches and the JIT are warm. Each service's code runs a few times
     * a booking, and V8 was still compiling it after 3 s at 25/s (a profile of the dispatcher's
     * V8 worker threads 20 s in: 45% compiling): the path measured at 25/s first cost 38.2 ms a
     * booking, measured after 20 s at 100/s 25.2-26.2 ms, and a second 20 s at 100/s lowered nothing.
     * Both warm before either is measured: the broker they share compiles too (a minute and more
     * after it starts), and the path, measured first, paid for it (its Kafka share at 25/s, 6.76
     * ms a booking against 4.14 ms a run later).
     */
    BENCH_WARMUP_SECONDS: z.coerce.number().int().min(0).default(20),
    /** The first of the ports the services are given (eleven from it): two runs at once need two bases. */
    BENCH_PORT_BASE: z.coerce.number().int().min(1024).max(65_000).default(19_510),
    /** The dispatcher's Node options; by default as deployed (docker-compose, Helm). */
    BENCH_DISPATCHER_NODE_OPTIONS: z.string().default(DISPATCHER_NODE_OPTIONS),
    /** Nothing flowing this long, after the warm-up, to measure what the five services cost idle (0: not measured). */
    BENCH_IDLE_SECONDS: z.coerce.number().int().min(0).default(30),
    /** 1: only the warm-up and the idle measurement, with each service's fetches and statements a second (issue 22.3's idle target, quickly). */
    BENCH_ONLY_IDLE: z.enum(['0', '1']).default('0').transform((s) => s === '1'),
    /** 0 skips the sustained-rate search (quick runs). */
    BENCH_SUSTAIN: z.enum(['0', '1']).default('1').transform((s) => s === '1'),
    /** How long a rate must hold its p99 to count as sustained (issue 22.5: 60 s). */
    BENCH_SUSTAIN_SECONDS: z.coerce.number().int().min(1).default(60),
    BENCH_SUSTAIN_FROM: z.coerce.number().int().min(1).default(100),
    BENCH_SUSTAIN_STEP: z.coerce.number().int().min(1).default(50),
    /** Twice the target: the floor held every rate up to 450/s here, a minute each; past this the search says "or more". */
    BENCH_SUSTAIN_MAX: z.coerce.number().int().min(1).default(400),
  }),
);
const log = createLogger('sync-bench', config.LOG_LEVEL);
/** Each floor run's own warm-up, at its rate: its new consumers join their group and take their first fetches. */
const FLOOR_RUN_WARMUP_SECONDS = 3;
/** Bookings at the warm-up rate after the floor's warm-up and the idle measurement, to fill the caches and pools they let lapse. */
const REWARM_SECONDS = 5;
const print = (line = '') => process.stdout.write(`${line}\n`);
const DIST = join(__dirname, '..', '..', '..');
/** The bookings' connections to the simulator: undici's request, which costs the machine far less CPU than fetch. */
const keepAlive = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
const PORTS = (() => {
  const base = config.BENCH_PORT_BASE;
  return { simulator: base + 70, floorReceiver: base + 71, ingest: base + 1, ingestOps: base + 2, arbiterOps: base + 3, dispatcherOps: base + 4, feeds: base + 5, reconciler: base + 6, reconcilerOps: base + 7, escalation: base + 8, escalationOps: base + 9 };
})();
/** Issue 22's targets. */
const TARGETS = { p99Ms: 250, p99FloorFactor: 3, costFloorFactor: 1.5, idlePercentOfCore: 2, sustainedPerSecond: 200 };
/** A rate whose bookings took longer than this share over their seconds to send was not held by the load itself. */
const PACE_SLACK = 1.05;

async function main(): Promise<void> {
  await assertPortsFree(Object.values(PORTS));
  // The floor's statements and fetches: the floor runs in this process, on this client.
  const floorStatements = new Registry();
  const kafka = createKafkaClient({ clientId: 'sync-bench', brokers: config.KAFKA_BROKERS, logger: log, metrics: floorStatements });
  const scratch = await benchScratch({
    prefix: 'benchsync',
    kafka,
    log,
    serverDatabaseUrl: config.DATABASE_URL,
    migrators: ['booking-arbiter', 'ingest', 'sync-dispatcher', 'reconciler', 'escalation'].map((service) => join(DIST, service, 'dist', 'cli', 'migrate.js')),
    extraTopics: ['floor.in', 'floor.out'],
  });
  const { namespace, names, db, databaseUrl, extraTopics: floorTopics } = scratch;
  // The benchmark's own polling is taken off the database's transactions (CostMeter).
  let ownStatements = 0;
  db.on('query', () => ownStatements++);
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
    const dispatcher = await spawnNodeProcess(join(DIST, 'sync-dispatcher', 'dist', 'main.js'), { ...env, CONSUMER_GROUP: `${namespace}.dispatcher`, OPS_PORT: String(PORTS.dispatcherOps), FEED_PORT: String(PORTS.feeds), CHANNEL_API_BASE_URL: `${simulatorUrl}/{channel}/api`, CHANNEL_CALLS_PER_MINUTE: '1000000', RESERVATION_CALLS_PER_MINUTE: '1000000', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${config.BENCH_DISPATCHER_NODE_OPTIONS}` }, ready(PORTS.dispatcherOps));
    processes.push(dispatcher);
    // The reconciler and escalation are not on the sync path: they run only for the idle
    // measurement (all five services), and are stopped before the paced rates so those stay
    // comparable with earlier runs.
    const idleOnly = config.BENCH_IDLE_SECONDS > 0
      ? {
          reconciler: await spawnNodeProcess(join(DIST, 'reconciler', 'dist', 'main.js'), { ...env, CONSUMER_GROUP: `${namespace}.reconciler`, HTTP_PORT: String(PORTS.reconciler), OPS_PORT: String(PORTS.reconcilerOps), OPERATOR_SOCKET: '', CHANNEL_API_BASE_URL: `${simulatorUrl}/{channel}/api`, RECONCILE_EVERY_MINUTES: '0' }, ready(PORTS.reconcilerOps)),
          escalation: await spawnNodeProcess(join(DIST, 'escalation', 'dist', 'main.js'), { ...env, CONSUMER_GROUP: `${namespace}.escalation`, HTTP_PORT: String(PORTS.escalation), OPS_PORT: String(PORTS.escalationOps) }, ready(PORTS.escalationOps)),
        }
      : undefined;
    if (idleOnly) processes.push(idleOnly.reconciler, idleOnly.escalation);
    const cpu = new CpuAccount(new Map([['channel simulator', simulator.pid], ['ingest', ingest.pid], ['booking-arbiter', arbiter.pid], ['sync-dispatcher', dispatcher.pid]]), true, new URL(databaseUrl).pathname.slice(1));
    const services = new Map([['ingest', () => serviceCounts(PORTS.ingestOps)], ['booking-arbiter', () => serviceCounts(PORTS.arbiterOps)], ['sync-dispatcher', () => serviceCounts(PORTS.dispatcherOps)]] as const);
    const pathCost = new CostMeter(cpu, services, db, () => ownStatements);
    // The floor's cost counts our idle services too, as its CPU always has: what they do idle
    // (polling, heartbeats) is paid whatever flows, and is set against the floor's bookings.
    const floorCost = new CostMeter(cpu, new Map([...services, ['benchmark (load and floor)', () => registryCounts(floorStatements)]]), db, () => ownStatements);
    const properties = await setUpProperties(db, simulatorUrl, namespace, config.BENCH_PROPERTIES);
    const dates = new DatesLeft(properties.length);
    // Twice as many: the floor's sustained-rate search climbs further than the path's.
    const floorProperties = await setUpFloorProperties(simulatorUrl, namespace, 2 * config.BENCH_PROPERTIES, `http://127.0.0.1:${PORTS.floorReceiver}/webhook`);
    const floorDates = new DatesLeft(floorProperties.length);
    let floorCursor = 0;
    const bookOnFloor = (rate: number, seconds: number) => bookAtRate(simulatorUrl, floorProperties, rate, seconds, () => floorDates.take(floorCursor++));

    const warmupRate = Math.max(...config.BENCH_RATES);
    const warmup = config.BENCH_WARMUP_SECONDS > 0 ? `after ${config.BENCH_WARMUP_SECONDS} s of warm-up at ${warmupRate}/s, the path's and the floor's (not measured)` : 'with no warm-up';
    print(`sync benchmark: a booking on a simulated channel to its nights closed on the three others; ${properties.length} properties, ${config.BENCH_SECONDS} s per rate ${warmup}`);
    const rows: { label: string; lags: Lags }[] = [];
    const phases: { rate: number; bookings: Booking[]; cost: CostPerBooking }[] = [];
    let cursor = 0;
    const next = () => dates.take(cursor++);
    const warmUp = async (seconds: number) => settled(db, (await bookAtRate(simulatorUrl, properties, warmupRate, seconds, next)).bookings);
    const floorRun = (rate: number, seconds: number) =>
      measureFloor({ kafka, databaseUrl, topics: floorTopics, simulatorUrl, properties: floorProperties, receiverPort: PORTS.floorReceiver, book: bookOnFloor, rate, seconds, warmupSeconds: FLOOR_RUN_WARMUP_SECONDS, namespace, cost: floorCost, statements: floorStatements });
    if (config.BENCH_WARMUP_SECONDS > 0) {
      // Both warm before either is measured: they share the broker, whose JIT compiles for a
      // minute or more after it starts, and the path, measured first, paid for all of it.
      await warmUp(config.BENCH_WARMUP_SECONDS);
      await floorRun(warmupRate, config.BENCH_WARMUP_SECONDS);
    }
    const idle = idleOnly
      ? await measureIdle(
          new Map([
            ['ingest', { pid: ingest.pid, opsPort: PORTS.ingestOps }],
            ['booking-arbiter', { pid: arbiter.pid, opsPort: PORTS.arbiterOps }],
            ['sync-dispatcher', { pid: dispatcher.pid, opsPort: PORTS.dispatcherOps }],
            ['reconciler', { pid: idleOnly.reconciler.pid, opsPort: PORTS.reconcilerOps }],
            ['escalation', { pid: idleOnly.escalation.pid, opsPort: PORTS.escalationOps }],
          ]),
        )
      : undefined;
    if (config.BENCH_ONLY_IDLE) {
      if (!idle) throw new Error('BENCH_ONLY_IDLE=1 needs BENCH_IDLE_SECONDS > 0');
      printIdle(idle);
      return;
    }
    if (idleOnly) {
      for (const p of [idleOnly.reconciler, idleOnly.escalation]) {
        await p.stop();
        processes.splice(processes.indexOf(p), 1);
      }
    }
    // Idle, or while the floor warmed, the services' caches lapse and their pools close
    // connections: the first rate would pay for filling them again.
    if (config.BENCH_WARMUP_SECONDS > 0) await warmUp(Math.min(config.BENCH_WARMUP_SECONDS, REWARM_SECONDS));
    for (const rate of config.BENCH_RATES) {
      const before = await pathCost.sample('start');
      const { bookings } = await bookAtRate(simulatorUrl, properties, rate, config.BENCH_SECONDS, next);
      await settled(db, bookings);
      phases.push({ rate, bookings, cost: CostMeter.perBooking(before, await pathCost.sample('end'), bookings.length) });
    }
    // The outcomes are read from Kafka only once the load has run: a reader running during the
    // load took a quarter of a core from the pipeline it measured.
    const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [names.syncResults, names.availabilityChanges], namespace);
    const outcomes = new Outcomes();
    /** Reads sync results and availability changes while `work` runs; one group, so each read takes up where the last stopped. */
    const readingOutcomes = async <T>(work: () => Promise<T>): Promise<T> => {
      const reader = kafka.consumer({ groupId: `${namespace}.reader`, topics: [names.syncResults, names.availabilityChanges], partitionsConsumedConcurrently: 12 });
      await reader.start(async (record) => {
        if (record.topic === names.syncResults) outcomes.add(await serde.decodeValue(topics.syncResults, record.value));
        else outcomes.published.set((await serde.decodeValue(topics.availabilityChanges, record.value)).event_id.replace(/:push:\d+$/, ''), Number(record.timestamp));
      });
      try {
        return await work();
      } finally {
        await reader.stop();
      }
    };
    await readingOutcomes(async () => {
      for (const { rate, bookings } of phases) rows.push({ label: `pipeline at ${rate} bookings/s`, lags: await lagsOf(db, bookings, outcomes) });
    });
    const floorCosts: { rate: number; cost: CostPerBooking }[] = [];
    for (const rate of config.BENCH_RATES) {
      const floor = await floorRun(rate, config.BENCH_SECONDS);
      rows.push({ label: `floor at ${rate} bookings/s`, lags: floor });
      floorCosts.push({ rate, cost: floor.cost });
    }

    let sustained: { path: SustainedRate; floor: SustainedRate } | undefined;
    if (config.BENCH_SUSTAIN) {
      const search = { start: config.BENCH_SUSTAIN_FROM, step: config.BENCH_SUSTAIN_STEP, max: config.BENCH_SUSTAIN_MAX };
      const seconds = config.BENCH_SUSTAIN_SECONDS;
      print(`sustained rate: the highest rate whose p99 stays <= ${TARGETS.p99Ms} ms for ${seconds} s, none missing; from ${search.start}/s up by ${search.step}, then once between`);
      const path = await searchSustainedRate(async (rate) => {
        const total = rate * seconds;
        if (!dates.has(cursor + total)) return { rate, held: false, untried: true, why: `not tried: no free dates left for ${total} more bookings on ${properties.length} properties (raise BENCH_PROPERTIES)` };
        const load = await bookAtRate(simulatorUrl, properties, rate, seconds, next);
        const trial = await settled(db, load.bookings, { decidedWithinMs: 300_000 })
          .then(() => readingOutcomes(() => lagsOf(db, load.bookings, outcomes)))
          .then((lags) => judged(rate, lags, total - load.bookings.length, load.seconds / seconds))
          .catch((error: unknown): Trial => ({ rate, held: false, why: `failed: ${error instanceof Error ? error.message : String(error)}` }));
        print(`  pipeline at ${rate}/s for ${seconds} s: ${trial.held ? 'held' : 'NOT held'} (${trial.why})`);
        return trial;
      }, search);
      const floor = await searchSustainedRate(async (rate) => {
        const total = rate * (FLOOR_RUN_WARMUP_SECONDS + seconds);
        if (!floorDates.has(floorCursor + total)) return { rate, held: false, untried: true, why: `not tried: no free dates left for ${total} more bookings on the floor's ${floorProperties.length} properties (raise BENCH_PROPERTIES)` };
        const run = await floorRun(rate, seconds);
        const trial = judged(rate, run, 0, run.loadSeconds / seconds);
        print(`  floor at ${rate}/s for ${seconds} s: ${trial.held ? 'held' : 'NOT held'} (${trial.why})`);
        return trial;
      }, search);
      sustained = { path, floor };
    }

    print();
    for (const { label, lags } of rows) {
      for (const [stage, values] of Object.entries(lags.stages ?? {})) print(`  ${label}: ${stage}: p50 ${percentile(values, 50)} ms, p99 ${percentile(values, 99)} ms`);
    }
    for (const { label, lags } of rows) {
      print(`${label.padEnd(32)} n=${String(lags.values.length).padStart(5)}  p50 ${String(percentile(lags.values, 50)).padStart(5)} ms  p99 ${String(percentile(lags.values, 99)).padStart(5)} ms  max ${String(Math.max(...lags.values)).padStart(5)} ms${lags.missing ? `  (${lags.missing} not acknowledged in time)` : ''}`);
    }
    print();
    for (const { rate, cost } of phases) print(`CPU at ${rate}/s: ${CpuAccount.describe(cost.cpu)}`);
    // Our services sit idle while the floor runs (their share is what idling costs); the simulator makes the floor's bookings and webhooks and takes its POSTs.
    for (const { rate, cost } of floorCosts) print(`CPU of the floor at ${rate}/s: ${CpuAccount.describe(cost.cpu)}`);
    print();
    for (const { rate, cost } of phases) {
      for (const line of CostMeter.table(`per booking at ${rate}/s`, cost)) print(line);
      for (const line of CostMeter.table(`the floor's, at ${rate}/s`, floorCosts.find((f) => f.rate === rate)!.cost)) print(line);
      print();
    }
    if (idle) printIdle(idle);
    if (sustained) {
      const { path, floor } = sustained;
      print(`sustained: ${path.rate} bookings/s${path.capped ? ' or more' : ''} (floor ${floor.rate}/s${floor.capped ? ' or more' : ''}); target >= ${TARGETS.sustainedPerSecond}/s: ${path.rate >= TARGETS.sustainedPerSecond ? 'met' : 'NOT met'}`);
    }
    const figures: BenchRow[] = [];
    for (const rate of config.BENCH_RATES) {
      const pipeline = rows.find((r) => r.label === `pipeline at ${rate} bookings/s`)!.lags;
      const floor = rows.find((r) => r.label === `floor at ${rate} bookings/s`)!.lags;
      const p99 = percentile(pipeline.values, 99);
      const floorP99 = percentile(floor.values, 99);
      const latencyMet = p99 <= TARGETS.p99Ms && p99 <= TARGETS.p99FloorFactor * floorP99 && pipeline.missing === 0;
      const cost = phases.find((p) => p.rate === rate)!.cost;
      const floorCost = floorCosts.find((f) => f.rate === rate)!.cost;
      const costRatio = cost.cpu.totalMs / floorCost.cpu.totalMs;
      print(`at ${rate}/s: p99 ${p99} ms = ${(p99 / Math.max(floorP99, 1)).toFixed(2)}x the floor's ${floorP99} ms; target p99 <= ${TARGETS.p99Ms} ms and <= ${TARGETS.p99FloorFactor}x the floor: ${latencyMet ? 'met' : 'NOT met'}; CPU per booking ${cost.cpu.totalMs.toFixed(1)} ms = ${costRatio.toFixed(2)}x the floor's ${floorCost.cpu.totalMs.toFixed(1)} ms, target <= ${TARGETS.costFloorFactor}x: ${costRatio <= TARGETS.costFloorFactor ? 'met' : 'NOT met'}`);
      const fetches = CostMeter.totalFetches(cost);
      figures.push(
        benchRow('sync', `booking-to-closed p50 at ${rate}/s (lower is better)`, 'ms', percentile(pipeline.values, 50), { floor: percentile(floor.values, 50) }),
        benchRow('sync', `booking-to-closed p99 at ${rate}/s (lower is better)`, 'ms', p99, { floor: floorP99, target: `<= ${TARGETS.p99Ms} and <= ${TARGETS.p99FloorFactor}x floor, none missing`, met: latencyMet }),
        benchRow('sync', `bookings not acknowledged in time at ${rate}/s`, 'bookings', pipeline.missing, { target: '0', met: pipeline.missing === 0 }),
        benchRow('sync', `CPU per booking at ${rate}/s, every process (lower is better)`, 'ms', Number(cost.cpu.totalMs.toFixed(1)), { floor: Number(floorCost.cpu.totalMs.toFixed(1)), target: `<= ${TARGETS.costFloorFactor}x floor`, met: costRatio <= TARGETS.costFloorFactor }),
        benchRow('sync', `wake-ups per booking at ${rate}/s, every process (lower is better)`, 'wake-ups', cost.cpu.totalWakeups, { floor: floorCost.cpu.totalWakeups }),
        benchRow('sync', `PostgreSQL statements per booking at ${rate}/s, every process (lower is better)`, 'statements', CostMeter.totalStatements(cost), { floor: CostMeter.totalStatements(floorCost) }),
        benchRow('sync', `PostgreSQL transactions per booking at ${rate}/s (lower is better)`, 'transactions', cost.transactions, { floor: floorCost.transactions }),
        ...(fetches === undefined ? [] : [benchRow('sync', `Kafka fetch requests per booking at ${rate}/s, our services (lower is better)`, 'fetches', fetches)]),
      );
    }
    if (idle) {
      figures.push(
        benchRow('sync', `idle CPU of the five services together, ${config.BENCH_IDLE_SECONDS} s (lower is better)`, '% of a core', idle.percentOfCore, { target: `< ${TARGETS.idlePercentOfCore}`, met: idle.percentOfCore < TARGETS.idlePercentOfCore }),
        benchRow('sync', `idle wake-ups of the five services together (lower is better)`, 'per second', idle.wakeupsPerSecond),
      );
    }
    if (sustained) {
      figures.push(benchRow('sync', `sustained rate, p99 <= ${TARGETS.p99Ms} ms for ${config.BENCH_SUSTAIN_SECONDS} s (higher is better)`, 'bookings/s', sustained.path.rate, { floor: sustained.floor.rate, target: `>= ${TARGETS.sustainedPerSecond}`, met: sustained.path.rate >= TARGETS.sustainedPerSecond }));
    }
    writeBenchResult(figures);
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await scratch.remove();
  }
}

/** A rate held: p99 within the target, every booking delivered and acknowledged, and the load kept its pace. */
function judged(rate: number, lags: Lags, refused: number, paceFactor: number): Trial {
  const p99 = percentile(lags.values, 99);
  const problems = [
    ...(p99 <= TARGETS.p99Ms ? [] : [`p99 ${p99} ms`]),
    ...(lags.missing === 0 ? [] : [`${lags.missing} not acknowledged`]),
    ...(refused === 0 ? [] : [`${refused} webhooks not delivered`]),
    ...(paceFactor <= PACE_SLACK ? [] : [`the load took ${paceFactor.toFixed(2)}x its time`]),
  ];
  return { rate, held: problems.length === 0, why: problems.length === 0 ? `p99 ${p99} ms, none missing` : problems.join(', ') };
}

interface IdleCost {
  readonly service: string;
  readonly percentOfCore: number;
  readonly wakeupsPerSecond: number;
  /** Kafka fetch requests a second (undefined when the service does not count them). */
  readonly fetchesPerSecond: number | undefined;
  readonly statementsPerSecond: number;
}
interface Idle {
  readonly percentOfCore: number;
  readonly wakeupsPerSecond: number;
  readonly each: readonly IdleCost[];
}

/**
 * What the services cost with nothing flowing: CPU as a share of one core and wake-ups a second,
 * together and each, with each service's Kafka fetches and PostgreSQL statements a second (counts
 * compare runs on a noisy machine better than CPU does).
 */
async function measureIdle(services: ReadonlyMap<string, { pid: number; opsPort: number }>): Promise<Idle> {
  await quiet([...services.values()].map((s) => s.opsPort));
  const account = new CpuAccount(new Map([...services].map(([service, { pid }]) => [service, pid])), false);
  const countsNow = () => Promise.all([...services].map(([, { opsPort }]) => serviceCounts(opsPort)));
  const countsBefore = await countsNow();
  const before = account.sample();
  const startedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, config.BENCH_IDLE_SECONDS * 1000));
  const after = account.sample();
  const seconds = (Date.now() - startedAt) / 1000;
  const countsAfter = await countsNow();
  const spent = CpuAccount.spent(before, after);
  const each = [...services].map(([service, { pid }], i): IdleCost => {
    const used = spent.get(service);
    if (!used || !before.has(pid)) throw new Error(`${service} exited during the idle measurement`);
    const [was, is] = [countsBefore[i]!, countsAfter[i]!];
    return {
      service,
      percentOfCore: (100 * used.cpuSeconds) / seconds,
      wakeupsPerSecond: used.wakeups / seconds,
      fetchesPerSecond: was.fetches === undefined || is.fetches === undefined ? undefined : (is.fetches - was.fetches) / seconds,
      statementsPerSecond: (is.statements - was.statements) / seconds,
    };
  });
  return { percentOfCore: each.reduce((sum, e) => sum + e.percentOfCore, 0), wakeupsPerSecond: each.reduce((sum, e) => sum + e.wakeupsPerSecond, 0), each };
}

/**
 * Waits until no service took a record for QUIET_MS: the warm-up's tail (escalation counts every
 * sync result) is not idle, and counting it made escalation look 30-50 statements a second busy.
 */
async function quiet(opsPorts: readonly number[]): Promise<void> {
  const QUIET_MS = 3_000;
  const deadline = Date.now() + 120_000;
  const total = async () => (await Promise.all(opsPorts.map(recordsConsumed))).reduce((sum, n) => sum + n, 0);
  let last = await total();
  let lastChangeAt = Date.now();
  while (Date.now() - lastChangeAt < QUIET_MS) {
    if (Date.now() > deadline) throw new Error('the services were still taking records 120 s after the warm-up');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await total();
    if (now !== last) [last, lastChangeAt] = [now, Date.now()];
  }
}

function printIdle(idle: Idle): void {
  print(`idle for ${config.BENCH_IDLE_SECONDS} s after the warm-up, the five services: ${idle.percentOfCore.toFixed(2)}% of one core, ${idle.wakeupsPerSecond.toFixed(0)} wake-ups/s; target < ${TARGETS.idlePercentOfCore}%: ${idle.percentOfCore < TARGETS.idlePercentOfCore ? 'met' : 'NOT met'}`);
  for (const e of idle.each) {
    print(`  ${e.service.padEnd(16)} ${e.percentOfCore.toFixed(2).padStart(5)}% of a core  ${e.wakeupsPerSecond.toFixed(0).padStart(4)} wake-ups/s  ${e.fetchesPerSecond === undefined ? '   -' : e.fetchesPerSecond.toFixed(1).padStart(5)} fetches/s  ${e.statementsPerSecond.toFixed(2).padStart(6)} statements/s`);
  }
}

/**
 * The bookings' dates: each property takes stays of two nights three days apart from 2027-01-01,
 * so none is refused; ingest refuses a check-in more than 3 x 366 days ahead (its
 * MAX_DAYS_AHEAD), which bounds how many bookings a run can make.
 */
class DatesLeft {
  private static readonly FIRST = Date.UTC(2027, 0, 1);
  private readonly slots: number;

  constructor(private readonly properties: number) {
    const lastCheckIn = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 3 * 366 * 86_400_000;
    this.slots = Math.floor((lastCheckIn - DatesLeft.FIRST) / (3 * 86_400_000));
  }

  /** Whether `bookings` bookings in all fit. */
  has(bookings: number): boolean {
    return bookings <= this.slots * this.properties;
  }

  /** The n-th booking's number, checked to fit. */
  take(n: number): number {
    if (!this.has(n + 1)) throw new Error(`booking ${n + 1} has no free dates left on ${this.properties} properties (raise BENCH_PROPERTIES)`);
    return n;
  }
}

/**
 * Books at a paced rate, each booking two nights on its own dates, so none is refused. Returns
 * the bookings whose webhook was delivered, and the seconds the sending took (more than asked
 * when this process could not keep the pace).
 */
async function bookAtRate(simulatorUrl: string, properties: readonly BenchProperty[], rate: number, seconds: number, next: () => number): Promise<{ bookings: Booking[]; seconds: number }> {
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
  const sendingSeconds = (Date.now() - started + 1000 / rate) / 1000;
  return { bookings: (await Promise.all(inFlight)).filter((b): b is Booking => b !== undefined), seconds: sendingSeconds };
}

main().catch((error: unknown) => {
  process.stderr.write(`sync benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
