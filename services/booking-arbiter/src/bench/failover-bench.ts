#!/usr/bin/env node
import { join } from 'node:path';
import { z } from 'zod';
import { epochDay, samples, topics, type BookingCommand, type CreateBooking, type Source } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  benchScratch,
  createKafkaClient,
  createLogger,
  databaseConfig,
  FailoverFleet,
  killRounds,
  failoverReport,
  parseConfig,
  untilSteady,
  writeBenchResult,
  type Decision,
  type DecisionsSince,
  type Knex,
  type RecordProducer,
} from '@cm/service-runtime';

/**
 * Failover of the booking-arbiter under SIGKILL, on the real stack (not a test: it prints figures).
 * N instances in one group, each with its own group instance id, decide a steady flow of commands
 * over many properties (every partition sees several a second). K times, one instance is SIGKILLed
 * and restarted at once with the same group instance id, as Kubernetes restarts a pod; then one is
 * SIGKILLed for good. Measured from processed_commands (each decision's partition, commit time and
 * instance): the time from the kill to the first decision of each partition the victim was
 * deciding, and the other partitions' longest gap around the kill; from the instances' logs, how
 * often the others rejoined the group. Targets (issue 22.2): restart p99 <= 3 s, takeover <= 10 s.
 */
const config = parseConfig(
  'failover-bench',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    BENCH_INSTANCES: z.coerce.number().int().min(2).max(12).default(3),
    BENCH_KILLS: z.coerce.number().int().min(1).default(10),
    /** Commands per second, over BENCH_PROPERTIES properties. */
    BENCH_RATE: z.coerce.number().int().min(12).default(50),
    BENCH_PROPERTIES: z.coerce.number().int().min(12).default(600),
    /** The instances' CONSUMER_SESSION_TIMEOUT_MS; unset: the service's default, as deployed. */
    BENCH_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).optional(),
  }),
);
const log = createLogger('failover-bench', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);
const SOURCES: Source[] = ['PMS', 'AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];
const PARTITIONS = 12;
const OPS_PORT_BASE = 19_420;
/** A kill is given this long to be decided again before the benchmark gives up on it. */
const KILL_TIMEOUT_MS = 180_000;

async function main(): Promise<void> {
  const kafka = createKafkaClient({ clientId: 'failover-bench', brokers: config.KAFKA_BROKERS, logger: log });
  const scratch = await benchScratch({ prefix: 'benchfail', kafka, log, serverDatabaseUrl: config.DATABASE_URL, migrators: [join(__dirname, '..', 'cli', 'migrate.js')] });
  const { namespace, names, db, databaseUrl } = scratch;
  const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [names.bookingCommands], namespace);
  const producer = await kafka.producer();
  const group = `${namespace}.arbiter`;
  const fleet = new FailoverFleet({
    script: join(__dirname, '..', 'main.js'),
    name: 'arbiter',
    opsPortBase: OPS_PORT_BASE,
    groupId: group,
    env: {
      TOPIC_NAMESPACE: namespace,
      DATABASE_URL: databaseUrl,
      CONSUMER_GROUP: group,
      ...(config.BENCH_SESSION_TIMEOUT_MS ? { CONSUMER_SESSION_TIMEOUT_MS: String(config.BENCH_SESSION_TIMEOUT_MS) } : {}),
    },
  });
  const feeder = new Feeder(producer, serde, names.bookingCommands, namespace);
  print(`arbiter failover benchmark: ${config.BENCH_INSTANCES} instances, session timeout ${config.BENCH_SESSION_TIMEOUT_MS ?? 'the default'} ms, ${config.BENCH_RATE} commands/s over ${config.BENCH_PROPERTIES} properties and ${PARTITIONS} partitions, ${config.BENCH_KILLS} kills with restart, then one without`);
  try {
    for (let slot = 0; slot < config.BENCH_INSTANCES; slot++) fleet.start(slot);
    feeder.start();
    const decisionsSince = decisionsOf(db);
    await untilSteady(fleet, decisionsSince, PARTITIONS);

    const { restarts, takeover } = await killRounds(fleet, decisionsSince, { kills: config.BENCH_KILLS, instances: config.BENCH_INSTANCES, partitions: PARTITIONS, timeoutMs: KILL_TIMEOUT_MS, steady: () => untilSteady(fleet, decisionsSince, PARTITIONS), print });

    const sent = feeder.stop();
    const lost = await undecided(db, sent);
    await fleet.stopAll();
    print();
    writeBenchResult(failoverReport('arbiter', { restarts, takeover, lost: { count: lost, unit: 'commands', what: `of ${sent.length} commands sent, not decided a minute after the last kill` } }, print));
  } finally {
    feeder.stop();
    await fleet.stopAll();
    await producer.disconnect();
    await scratch.remove();
  }
}

/** Decisions from processed_commands: the arbiter writes each with its partition and instance in the decision's transaction. */
function decisionsOf(db: Knex): DecisionsSince {
  return async (fromMs) => {
    const rows: { partition: number; at_ms: string; decided_by: string }[] = await db('processed_commands')
      .where('decided_at', '>=', db.raw('to_timestamp(?::double precision / 1000)', [fromMs]))
      .orderBy('decision_seq')
      .select('partition', 'decided_by', db.raw('(extract(epoch from decided_at) * 1000)::bigint AS at_ms'));
    return rows.map((r): Decision => ({ partition: r.partition, atMs: Number(r.at_ms), by: r.decided_by }));
  };
}

/** Bookings at a steady rate, each property in turn and each on nights of its own, so every one is applied. */
class Feeder {
  private readonly sent: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private next = 0;

  constructor(
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
    private readonly topic: string,
    private readonly prefix: string,
  ) {}

  start(): void {
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((config.BENCH_RATE * tickMs) / 1000));
    this.timer = setInterval(() => {
      const batch = Array.from({ length: perTick }, () => this.command(this.next++));
      this.sent.push(...batch.map((c) => c.command_id));
      void this.send(batch);
    }, tickMs);
  }

  /** Stops feeding; the ids of every command sent. */
  stop(): string[] {
    clearInterval(this.timer);
    return this.sent;
  }

  private async send(batch: BookingCommand[]): Promise<void> {
    const records = await Promise.all(batch.map(async (c) => ({ key: c.property_id, value: await this.serde.encode(topics.bookingCommands, c) })));
    await this.producer.send(this.topic, records).catch((error: unknown) => log.error({ err: error }, 'sending commands failed'));
  }

  private command(i: number): BookingCommand {
    const property = `${this.prefix}-p${i % config.BENCH_PROPERTIES}`;
    const checkIn = epochDay('2027-01-01') + Math.floor(i / config.BENCH_PROPERTIES) * 3;
    const sample = samples['booking.commands.v2']({ id: `${this.prefix}-${i}`, propertyId: property, at: Date.now() });
    return {
      ...sample,
      source: SOURCES[i % SOURCES.length]!,
      booking_ref: `b${i}`,
      command: { ...(sample.command as CreateBooking), check_in: checkIn, check_out: checkIn + 2, price: null, pms_quote: null },
    };
  }
}

/** Commands sent but not decided once everything had a minute to settle: lost by a failover. */
async function undecided(db: Knex, sent: readonly string[]): Promise<number> {
  const deadline = Date.now() + 60_000;
  let missing = sent.length;
  while (Date.now() < deadline) {
    const decided = new Set<string>();
    for (let i = 0; i < sent.length; i += 5_000) {
      const rows: { command_id: string }[] = await db('processed_commands').whereIn('command_id', sent.slice(i, i + 5_000)).select('command_id');
      for (const r of rows) decided.add(r.command_id);
    }
    missing = sent.length - decided.size;
    if (missing === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return missing;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`failover benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
