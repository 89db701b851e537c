#!/usr/bin/env node
import { join } from 'node:path';
import { z } from 'zod';
import { epochDay, samples, topics, type AvailabilityChange, type SyncResult } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  benchRow,
  benchScratch,
  createKafkaClient,
  createLogger,
  databaseConfig,
  FailoverFleet,
  killRounds,
  failoverReport,
  parseConfig,
  partitionOfKey,
  percentileOf,
  redisConfig,
  RESTART_TARGET_MS,
  spawnNodeProcess,
  TAKEOVER_TARGET_MS,
  untilSteady,
  writeBenchResult,
  type BenchRow,
  type Decision,
  type DecisionsSince,
  type KillOutcome,
  type Knex,
  type NodeProcess,
  type RecordProducer,
} from '@cm/service-runtime';
import { listingsResumed, type ListingAck, type ListingsResumed } from './listings-resumed';
import { BENCH_KEYS, setUpProperties, type BenchProperty } from './properties';

/**
 * Failover of the sync-dispatcher under SIGKILL, on the real stack (not a test: it prints figures).
 * N instances in one group, each with its own group instance id, push a steady flow of
 * availability changes (produced straight onto availability.changes, over properties with a
 * listing on each of four simulated channels) to the channel simulator. K times, one instance is
 * SIGKILLed and restarted at once with the same group instance id; then one is SIGKILLed for good.
 * "Decided again", for the dispatcher, is a push acknowledged by a channel, for a property of the
 * partition, of a change produced after the kill (any instance may finish a listing's older work
 * once its lease runs out): its time is the push's completed_at on sync.results.v2. Who held a partition is read
 * from the instances' 'joined consumer group' lines (the runtime logs each assignment).
 */
const config = parseConfig(
  'dispatcher-failover-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend(redisConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    BENCH_INSTANCES: z.coerce.number().int().min(2).max(12).default(3),
    BENCH_KILLS: z.coerce.number().int().min(1).default(10),
    /** Availability changes per second, over BENCH_DISPATCHER_PROPERTIES properties; each is pushed to three channels. */
    BENCH_RATE: z.coerce.number().int().min(12).default(50),
    BENCH_DISPATCHER_PROPERTIES: z.coerce.number().int().min(12).default(60),
    /** The instances' CONSUMER_SESSION_TIMEOUT_MS; unset: the service's default, as deployed. */
    BENCH_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).optional(),
  }),
);
const log = createLogger('dispatcher-failover-bench', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);
const DIST = join(__dirname, '..', '..', '..');
const PORTS = { simulator: 19_780, opsBase: 19_690, feedBase: 19_710 };
const KILL_TIMEOUT_MS = 180_000;
/** Results are published from the dispatcher's outbox: a partition's latest acknowledgements are read a little late. */
const RESULTS_WINDOW_MS = 2_000;

async function main(): Promise<void> {
  const kafka = createKafkaClient({ clientId: 'dispatcher-failover-bench', brokers: config.KAFKA_BROKERS, logger: log });
  const scratch = await benchScratch({
    prefix: 'benchfaild',
    kafka,
    log,
    serverDatabaseUrl: config.DATABASE_URL,
    migrators: ['booking-arbiter', 'ingest', 'sync-dispatcher'].map((service) => join(DIST, service, 'dist', 'cli', 'migrate.js')),
  });
  const { namespace, names, db, databaseUrl, admin } = scratch;
  const partitions = (await admin.partitionCounts([names.availabilityChanges]))[names.availabilityChanges]!;
  const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [names.availabilityChanges, names.syncResults], namespace);
  const producer = await kafka.producer();
  const processes: NodeProcess[] = [];
  const group = `${namespace}.dispatcher`;
  const simulatorUrl = `http://127.0.0.1:${PORTS.simulator}`;
  const fleet = new FailoverFleet({
    script: join(DIST, 'sync-dispatcher', 'dist', 'main.js'),
    name: 'dispatcher',
    groupId: group,
    opsPortBase: PORTS.opsBase,
    envOf: (slot) => ({ FEED_PORT: String(PORTS.feedBase + slot) }),
    env: {
      TOPIC_NAMESPACE: namespace,
      DATABASE_URL: databaseUrl,
      REDIS_URL: config.REDIS_URL,
      SECRETS_KEYS: BENCH_KEYS.text,
      CONSUMER_GROUP: group,
      CHANNEL_API_BASE_URL: `${simulatorUrl}/{channel}/api`,
      CHANNEL_CALLS_PER_MINUTE: '1000000',
      ...(config.BENCH_SESSION_TIMEOUT_MS ? { CONSUMER_SESSION_TIMEOUT_MS: String(config.BENCH_SESSION_TIMEOUT_MS) } : {}),
    },
  });
  const acknowledged: { partition: number; listing: string; atMs: number; producedAtMs: number | undefined }[] = [];
  /** When each change was produced, by event id: an acknowledgement counts for a kill only if its change came after it. */
  const producedAt = new Map<string, number>();
  const reader = kafka.consumer({ groupId: `${namespace}.reader`, topics: [names.syncResults], partitionsConsumedConcurrently: 12, maxWaitMs: 100 });
  let feeder: Feeder | undefined;
  try {
    processes.push(await spawnNodeProcess(join(DIST, 'channel-simulator', 'dist', 'main.js'), { PORT: String(PORTS.simulator), LOG_LEVEL: 'warn' }, async () => (await fetch(`${simulatorUrl}/health`).catch(() => undefined))?.ok === true));
    const properties = await setUpProperties(db, simulatorUrl, namespace, config.BENCH_DISPATCHER_PROPERTIES);
    await reader.start(async (record) => {
      const result: SyncResult = await serde.decodeValue(topics.syncResults, record.value);
      if (result.outcome === 'ACKNOWLEDGED' && result.reservation_action === null) acknowledged.push({ partition: partitionOfKey(result.property_id, partitions), listing: `${result.property_id}/${result.channel}`, atMs: result.completed_at, producedAtMs: producedAt.get(result.change_event_id) });
    });
    print(`sync-dispatcher failover benchmark: ${config.BENCH_INSTANCES} instances, session timeout ${config.BENCH_SESSION_TIMEOUT_MS ?? 'the default'} ms, ${config.BENCH_RATE} availability changes/s over ${properties.length} properties (each pushed to 3 channels) and ${partitions} partitions, ${config.BENCH_KILLS} kills with restart, then one without`);
    for (let slot = 0; slot < config.BENCH_INSTANCES; slot++) fleet.start(slot);
    feeder = new Feeder(producer, serde, names.availabilityChanges, namespace, properties, producedAt);
    feeder.start();
    const decisionsSince: DecisionsSince = async (fromMs) =>
      acknowledged
        .filter((a) => a.atMs >= fromMs)
        // A push of a change not produced here (none is expected) counts as produced before any kill.
        .map((a): Decision => ({ partition: a.partition, atMs: a.atMs, producedAtMs: a.producedAtMs ?? 0, by: fleet.holderAt(names.availabilityChanges, a.partition, a.atMs) ?? 'nobody' }));
    const steady = () => untilSteady(fleet, decisionsSince, partitions, { windowMs: RESULTS_WINDOW_MS });
    await steady();

    const { restarts, takeover } = await killRounds(fleet, decisionsSince, { kills: config.BENCH_KILLS, instances: config.BENCH_INSTANCES, partitions, timeoutMs: KILL_TIMEOUT_MS, steady, print });
    const sent = feeder.stop();
    const unpushed = await nightsLeftUnpushed(db);
    print();
    const rows = failoverReport('sync-dispatcher', { restarts, takeover, lost: { count: unpushed, unit: 'nights', what: `listing nights still not acknowledged 90 s after the last kill (${sent} changes sent)` } }, print);
    writeBenchResult([...rows, ...listingsReport(acknowledged, restarts, takeover)]);
  } finally {
    feeder?.stop();
    await fleet.stopAll();
    await reader.stop();
    await producer.disconnect();
    for (const p of processes.reverse()) await p.stop();
    await scratch.remove();
  }
}

/**
 * A partition is decided again as soon as one of its listings is pushed: every listing, the
 * killed process's leased ones too, is the stricter figure, printed beside it per kill.
 */
function listingsReport(acks: readonly ListingAck[], restarts: readonly KillOutcome[], takeover: KillOutcome): BenchRow[] {
  const lineOf = (label: string, r: ListingsResumed) => `${label}: every listing pushed again after ${r.afterMs} ms (the last ${r.slowest})${r.never > 0 ? `; ${r.never} pushed before it never again` : ''}`;
  const afterRestarts = restarts.map((o, k) => {
    const resumed = listingsResumed(acks, o.killAtMs);
    print(lineOf(`kill ${k + 1}, restarted`, resumed));
    return resumed;
  });
  const afterTakeover = listingsResumed(acks, takeover.killAtMs);
  print(lineOf('kill, not restarted', afterTakeover));
  const p99 = percentileOf(afterRestarts.map((r) => r.afterMs), 99);
  const never = afterRestarts.reduce((n, r) => n + r.never, afterTakeover.never);
  print(`sync-dispatcher: SIGKILL + restart to every listing pushed again: p99 ${p99} ms, target <= ${RESTART_TARGET_MS} ms; without restart ${afterTakeover.afterMs} ms, target <= ${TAKEOVER_TARGET_MS} ms; ${never} listings never pushed again`);
  return [
    benchRow('failover', 'sync-dispatcher: SIGKILL + restart to every listing pushed again, p99 (lower is better)', 'ms', p99, { target: `<= ${RESTART_TARGET_MS}`, met: p99 <= RESTART_TARGET_MS && never === 0 }),
    benchRow('failover', 'sync-dispatcher: SIGKILL, no restart, to every listing pushed again (lower is better)', 'ms', afterTakeover.afterMs, { target: `<= ${TAKEOVER_TARGET_MS}`, met: afterTakeover.afterMs <= TAKEOVER_TARGET_MS && never === 0 }),
  ];
}

/**
 * Nights recorded but not acknowledged by their channel, once everything had time to settle: a
 * listing the killed instance had leased is pushed by another once its lease (LEASE_MS) runs out.
 */
async function nightsLeftUnpushed(db: Knex): Promise<number> {
  const count = async () => Number((await db('sync.nights').whereRaw('version > pushed_version').count({ n: '*' }).first())?.n ?? 0);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if ((await count()) === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return count();
}

/** Availability changes at a steady rate, each property in turn, each with the property's next version. */
class Feeder {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
    private readonly topic: string,
    private readonly prefix: string,
    private readonly properties: readonly BenchProperty[],
    private readonly producedAt: Map<string, number>,
  ) {}

  start(): void {
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((config.BENCH_RATE * tickMs) / 1000));
    this.timer = setInterval(() => void this.send(Array.from({ length: perTick }, () => this.change(this.next++))), tickMs);
  }

  /** Stops feeding; how many changes were sent. */
  stop(): number {
    clearInterval(this.timer);
    return this.next;
  }

  private async send(batch: AvailabilityChange[]): Promise<void> {
    const records = await Promise.all(batch.map(async (c) => ({ key: c.property_id, value: await this.serde.encode(topics.availabilityChanges, c) })));
    for (const c of batch) this.producedAt.set(c.event_id, c.occurred_at);
    await this.producer.send(this.topic, records).catch((error: unknown) => log.error({ err: error }, 'sending availability changes failed'));
  }

  /** Two nights closed or opened in turn, on a date of the property's own, from AIRBNB: pushed to the three other channels. */
  private change(i: number): AvailabilityChange {
    const property = this.properties[i % this.properties.length]!;
    const version = (this.versions.get(property.propertyId) ?? 0) + 1;
    this.versions.set(property.propertyId, version);
    const from = epochDay('2027-01-01') + (Math.floor(i / this.properties.length) % 300);
    const sample = samples['availability.changes']({ id: `${this.prefix}-${i}`, propertyId: property.propertyId, at: Date.now() });
    return { ...sample, version, from_date: from, to_date: from + 2, available: version % 2 === 0 };
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`dispatcher failover benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
