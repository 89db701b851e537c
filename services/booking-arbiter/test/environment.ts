import { join } from 'node:path';
import { samples, topics, type BookingCommand } from '@cm/schemas';
import {
  AvroSerde,
  provisionTopics,
  topicNames,
  waitFor,
  type Knex,
  type TopicNames,
} from '@cm/service-runtime';
import { spawnNode, type Spawned } from '../../../packages/service-runtime/test/support/processes';
import { freePort, readDecoded, stack, testKafka, testLogger, uniqueName } from '../../../packages/service-runtime/test/support/stack';
import { scratchLedger } from '../src/ledger/migrations';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

/**
 * A private world for one test file: its own topic namespace on the real broker and its own
 * ledger database on the real PostgreSQL, both removed afterwards.
 */
export interface ArbiterWorld {
  readonly namespace: string;
  readonly topics: TopicNames;
  readonly databaseUrl: string;
  readonly db: Knex;
  readonly serde: AvroSerde;
  send(commands: readonly BookingCommand[]): Promise<void>;
  startArbiter(name: string, env?: Record<string, string>): Promise<ArbiterProcess>;
  /** Kills every arbiter still running (after a failed test, so the next starts clean). */
  killArbiters(): Promise<void>;
  /** Every decoded record on a topic of the namespace so far (read from the beginning). */
  read<T>(topic: string, until: (records: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  close(): Promise<void>;
}

export interface ArbiterProcess extends Spawned {
  readonly opsPort: number;
  metrics(): Promise<string>;
}

export async function arbiterWorld(): Promise<ArbiterWorld> {
  const namespace = uniqueName('t').toLowerCase();
  const names = topicNames(namespace);
  const kafka = testKafka('arbiter-tests');
  const admin = await kafka.admin();
  await provisionTopics(admin, testLogger, 30_000, namespace);
  await admin.disconnect();

  const ledger = await scratchLedger(stack.DATABASE_URL, namespace);
  const { url: databaseUrl, db } = ledger;

  const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [names.bookingCommands, names.bookingEvents, names.conflicts, names.availabilityChanges, names.reservationActions, names.channelDlq], namespace);
  const producer = await kafka.producer();
  const processes: Spawned[] = [];

  return {
    namespace,
    topics: names,
    databaseUrl,
    db,
    serde,
    async send(commands) {
      const records = await Promise.all(commands.map(async (c) => ({ key: c.property_id, value: await serde.encode(topics.bookingCommands, c) })));
      for (let i = 0; i < records.length; i += 500) await producer.send(names.bookingCommands, records.slice(i, i + 500));
    },
    async startArbiter(name, env = {}) {
      const opsPort = await freePort();
      const child = spawnNode(MAIN, {
        TOPIC_NAMESPACE: namespace,
        DATABASE_URL: databaseUrl,
        CONSUMER_GROUP: `cm.booking-arbiter.${namespace}`,
        INSTANCE_ID: name,
        OPS_PORT: String(opsPort),
        LOG_LEVEL: 'warn',
        SHUTDOWN_TIMEOUT_MS: '15000',
        ...env,
      });
      processes.push(child);
      const arbiter = { ...child, opsPort, metrics: async () => (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text() };
      await waitFor(`${name} ready`, async () => {
        if (child.child.exitCode !== null) throw new Error(`${name} exited ${child.child.exitCode}: ${child.output().slice(-3000)}`);
        return (await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => undefined))?.status === 200;
      }, { timeoutMs: 60_000, intervalMs: 100 });
      return arbiter;
    },
    async killArbiters() {
      const running = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      for (const p of running) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
      await Promise.all(running.map((p) => p.exited()));
    },
    async read<T>(topic: string, until: (records: T[]) => boolean, timeoutMs = 60_000) {
      const read = await readDecoded<T>(kafka, serde, topic, (records) => until(records.map((r) => r.value)), { group: `reader.${namespace}`, timeoutMs });
      return read.map((r) => r.value);
    },
    async close() {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await producer.disconnect();
      await ledger.drop();
      const cleanup = await kafka.admin();
      await cleanup.deleteTopics(Object.values(names));
      await cleanup.disconnect();
    },
  };
}

let commandSequence = 0;

/** A booking.commands record: a CREATE_BOOKING by default, with any field replaced. */
export function command(over: Partial<BookingCommand> & { property_id: string }): BookingCommand {
  const id = `c${++commandSequence}-${Math.random().toString(36).slice(2, 8)}`;
  return { ...samples['booking.commands']({ id, propertyId: over.property_id, at: Date.now() }), pms_quote: null, price: null, rate_plan: null, ...over };
}
