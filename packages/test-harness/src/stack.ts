import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { z } from 'zod';
import {
  baseConfig,
  createKafkaClient,
  createLogger,
  databaseConfig,
  parseConfig,
  redisConfig,
  waitFor,
  type AvroSerde,
  type IncomingRecord,
  type KafkaClient,
  type Logger,
} from '@cm/service-runtime';

/**
 * Where the stack of scripts/stack runs. Tests isolate by name (a fresh topic, group, subject
 * or table per test), never by mocks.
 */
export const stack = parseConfig(
  'tests',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend(redisConfig.shape).extend({ LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn') }),
);

export const testLogger: Logger = createLogger('tests', stack.LOG_LEVEL);

export function testKafka(clientId = 'tests'): KafkaClient {
  return createKafkaClient({ clientId, brokers: stack.KAFKA_BROKERS, logger: testLogger });
}

/** A name no other test or run uses: topics, groups, subjects, tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export async function createTopic(kafka: KafkaClient, name: string, partitions: number): Promise<void> {
  const admin = await kafka.admin();
  try {
    await admin.ensureTopics([{ name, partitions, config: {} }]);
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: KafkaClient, names: string[]): Promise<void> {
  const admin = await kafka.admin();
  try {
    await admin.deleteTopics(names);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A port free now, for a child process to listen on. Taken below Linux's ephemeral range
 * (32768-60999): a port the kernel hands out for listen(0) can be handed out again, before the
 * child listens, as the local port of any outgoing connection (Kafka's, PostgreSQL's). Each jest
 * worker takes its ports from its own slice of the range, one after another, so neither two
 * workers nor two calls before the first child listens can be handed the same port (a random
 * pick in one shared range made a service under test fail with EADDRINUSE now and then).
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < PORT_SLICE; tries++) {
    const port = nextPortOfThisWorker();
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in this worker's slice of ${PORT_SLICE} ports`);
}

const FIRST_PORT = 20_000;
const PORT_SLICE = 1_500;
const WORKER_SLICES = 8;
const workerSlice = (Math.max(1, Number(process.env['JEST_WORKER_ID'] ?? '1')) - 1) % WORKER_SLICES;
let portOffset = Math.floor(Math.random() * PORT_SLICE);

function nextPortOfThisWorker(): number {
  portOffset = (portOffset + 1) % PORT_SLICE;
  return FIRST_PORT + workerSlice * PORT_SLICE + portOffset;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Reads a topic from the beginning, decoding every record, until `until` holds on what came
 * (or `timeoutMs` passes); the reading consumer is stopped either way.
 */
export async function readDecoded<T>(
  kafka: KafkaClient,
  serde: AvroSerde,
  topic: string,
  until: (records: { value: T; record: IncomingRecord }[]) => boolean,
  options: { group: string; timeoutMs?: number },
): Promise<{ value: T; record: IncomingRecord }[]> {
  const records: { value: T; record: IncomingRecord }[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName(options.group), topics: [topic], partitionsConsumedConcurrently: 4, fromBeginning: true });
  await consumer.start(async (r: IncomingRecord) => {
    records.push({ value: (await serde.decode(r.value, topic)) as T, record: r });
  });
  try {
    await waitFor(`records on ${topic}`, () => until(records), { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 50 });
  } finally {
    await consumer.stop();
  }
  return records;
}
