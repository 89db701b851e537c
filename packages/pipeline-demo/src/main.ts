import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { samples, topics, type SampledTopic } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  createKafkaClient,
  createLogger,
  parseConfig,
  waitFor,
  type IncomingRecord,
} from '@cm/service-runtime';
import { SERVICES, startServiceProcess, waitUntilReady, type ServiceProcess } from './service-processes';

/**
 * The main job, as far as the product goes today: every service starts on the real stack, a few
 * records of every topic go through, and it prints who consumed what, what was dead-lettered,
 * and how each service stopped. The conflict rules are not in yet, so nothing is decided.
 */
const config = parseConfig(
  'pipeline-demo',
  baseConfig.omit({ OPS_PORT: true }).extend({
    LOG_LEVEL: baseConfig.shape.LOG_LEVEL.default('warn'),
    DEMO_LOG_DIR: z.string().min(1),
    DEMO_FIRST_OPS_PORT: z.coerce.number().int().min(1).max(65530).default(9401),
    DEMO_RECORDS_PER_TOPIC: z.coerce.number().int().min(1).max(1000).default(3),
  }),
);
const log = createLogger('pipeline-demo', config.LOG_LEVEL);
const print = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const run = randomUUID().slice(0, 8);
  const kafka = createKafkaClient({ clientId: 'pipeline-demo', brokers: config.KAFKA_BROKERS, logger: log });
  const sampled = Object.keys(samples) as SampledTopic[];
  const serde = await AvroSerde.connect(config.SCHEMA_REGISTRY_URL, [...sampled, topics.channelDlq.name]);

  print(`Channel Manager demo, run ${run}: five services on Kafka ${config.KAFKA_BROKERS.join(',')} and ${config.SCHEMA_REGISTRY_URL}`);
  const started = Date.now();
  const services: ServiceProcess[] = SERVICES.map((s, i) =>
    startServiceProcess(s.name, { opsPort: config.DEMO_FIRST_OPS_PORT + i, logFile: join(config.DEMO_LOG_DIR, `${s.name}.log`) }),
  );
  try {
    await waitUntilReady(services);
  } catch (error) {
    await Promise.all(services.map((s) => s.stop()));
    throw error;
  }
  print(`all five ready (consumer groups joined, schemas resolved) in ${Date.now() - started} ms`);

  // Valid Avro records of every topic, and one malformed record that must be dead-lettered.
  const producer = await kafka.producer();
  const sentAt = Date.now();
  const correlations = new Map<string, string[]>();
  for (const topic of sampled) {
    const records = [];
    for (let n = 0; n < config.DEMO_RECORDS_PER_TOPIC; n++) {
      const value = samples[topic]({ id: `${run}-${n}`, propertyId: `property-${n}`, at: sentAt });
      correlations.set(topic, [...(correlations.get(topic) ?? []), value.correlation_id]);
      records.push({ key: `property-${n}`, value: await serde.encode(topic, value) });
    }
    await producer.send(topic, records);
  }
  const malformedKey = `malformed-${run}`;
  await producer.send(topics.channelInbound.name, [{ key: malformedKey, value: Buffer.from('{"reservation": "not avro"}') }]);
  await producer.disconnect();

  // Every record must show up in the log of every service that consumes its topic.
  await waitFor('every record logged by its consumers', () =>
    SERVICES.every((s, i) => s.consumes.every((t) => (correlations.get(t) ?? []).every((c) => services[i]!.output().includes(c)))),
  { timeoutMs: 60_000, intervalMs: 50 });
  const seenIn = Date.now() - sentAt;
  const deadLetter = await findDeadLetter(kafka, serde, malformedKey);

  print();
  print(`${'service'.padEnd(16)} ${'consumes'.padEnd(40)} ${'this run'.padStart(8)} ${'processed*'.padStart(10)} ${'dead-lettered*'.padStart(14)}`);
  for (const [i, s] of SERVICES.entries()) {
    const svc = services[i]!;
    let processed = 0;
    let dead = 0;
    for (const t of s.consumes) {
      processed += await svc.consumed(t, 'processed');
      dead += await svc.consumed(t, 'dead_lettered');
    }
    const thisRun = s.consumes.reduce((n, t) => n + (correlations.get(t)?.length ?? 0), 0);
    print(`${s.name.padEnd(16)} ${s.consumes.join(', ').padEnd(40)} ${String(thisRun).padStart(8)} ${String(processed).padStart(10)} ${String(dead).padStart(14)}`);
  }
  print('* since the service started, including records left from earlier runs');
  print();
  print(`records sent: ${[...correlations.values()].flat().length} valid Avro records over ${sampled.length} topics + 1 malformed`);
  print(`every valid record decoded and logged by each of its consumers ${seenIn} ms after sending`);
  print(`malformed record: on ${topics.channelDlq.name} with reason ${deadLetter.reason}, original ${deadLetter.bytes} bytes kept`);
  print('bookings decided: none yet. The conflict rules (double booking, status, guest, price, dates) come with issues 4 and 5;');
  print('until then no service writes commands or decisions, so conflicts by type and double bookings are not measured here.');

  print();
  let failed = 0;
  const codes = await Promise.all(services.map((s) => s.stop()));
  for (const [i, code] of codes.entries()) {
    if (code !== 0) failed++;
    print(`${services[i]!.name.padEnd(16)} stopped on SIGTERM with exit code ${code}`);
  }
  print(`logs: ${config.DEMO_LOG_DIR}`);
  return failed === 0 ? 0 : 1;
}

async function findDeadLetter(kafka: ReturnType<typeof createKafkaClient>, serde: AvroSerde, key: string) {
  const found: { reason: string; bytes: number }[] = [];
  const consumer = kafka.consumer({ groupId: `pipeline-demo.dlq.${randomUUID()}`, topics: [topics.channelDlq.name] });
  await consumer.start(async (record: IncomingRecord) => {
    if (record.key?.toString() !== key) return;
    const letter = (await serde.decode(record.value)) as { reason: string; original_value: Buffer | null };
    found.push({ reason: letter.reason, bytes: letter.original_value?.length ?? 0 });
  });
  try {
    await waitFor('the dead letter of the malformed record', () => found[0], { timeoutMs: 30_000 });
  } finally {
    await consumer.stop();
  }
  return found[0]!;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
