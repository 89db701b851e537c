import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { samples, topics, type Conflict, type SampledTopic } from '@cm/schemas';
import {
  AvroSerde,
  baseConfig,
  createDatabase,
  createKafkaClient,
  createLogger,
  databaseConfig,
  parseConfig,
  waitFor,
  type IncomingRecord,
} from '@cm/service-runtime';
import { mapListings } from './ingest-setup';
import { bookingScenario } from './scenario';
import { SERVICES, startServiceProcess, waitUntilReady, type ServiceProcess } from './service-processes';

/**
 * The main job, as far as the product goes today: every service starts on the real stack; a
 * booking story goes through the booking-arbiter, which decides it by the conflict rules; sample
 * records reach the services whose rules are not in yet; and it prints the decisions, the
 * conflicts by type, the double bookings found in the ledger, and how each service stopped.
 */
const config = parseConfig(
  'pipeline-demo',
  baseConfig.omit({ OPS_PORT: true }).extend(databaseConfig.shape).extend({
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

  try {
    // The booking story goes to the booking-arbiter; channel events go through ingest, which maps
    // their listings to properties and turns them into commands; other samples go to topics
    // nothing produces yet.
    const inbound = Array.from({ length: config.DEMO_RECORDS_PER_TOPIC }, (_, n) => samples[topics.channelInbound.name]({ id: `${run}-${n}`, propertyId: '', at: Date.now() }));
    await mapListings(config.DATABASE_URL, `demo-${run}`, inbound.map((e, n) => ({ listingId: e.listing_id, propertyId: `demo-${run}-sample-${n}` })));
    const inboundCommandIds = inbound.map((e) => `${e.channel}:${e.external_event_id}`);
    const producer = await kafka.producer();
    const sentAt = Date.now();
    const story = bookingScenario(run, sentAt);
    const commandIds = story.map((c) => c.command_id);
    await producer.send(topics.bookingCommands.name, await Promise.all(story.map(async (c) => ({ key: c.property_id, value: await serde.encode(topics.bookingCommands.name, c) }))));
    const correlations = new Map<string, string[]>();
    await producer.send(topics.channelInbound.name, await Promise.all(inbound.map(async (e) => ({ key: e.listing_id, value: await serde.encode(topics.channelInbound.name, e) }))));
    for (const topic of [topics.syncResults.name] as const) {
      const records = [];
      for (let n = 0; n < config.DEMO_RECORDS_PER_TOPIC; n++) {
        const value = samples[topic]({ id: `${run}-${n}`, propertyId: `demo-${run}-sample-${n}`, at: sentAt });
        correlations.set(topic, [...(correlations.get(topic) ?? []), value.correlation_id]);
        records.push({ key: `demo-${run}-sample-${n}`, value: await serde.encode(topic, value) });
      }
      await producer.send(topic, records);
    }
    const malformedKey = `malformed-${run}`;
    await producer.send(topics.channelInbound.name, [{ key: malformedKey, value: Buffer.from('{"reservation": "not avro"}') }]);
    await producer.disconnect();

    const ledger = createDatabase(config.DATABASE_URL);
    try {
      const decisions: { command_id: string; outcome: string; reason: string | null }[] = await waitFor('the arbiter to decide the story', async () => {
        const rows = await ledger('processed_commands').whereIn('command_id', commandIds).select('command_id', 'outcome', 'reason');
        return rows.length === commandIds.length ? rows : undefined;
      }, { timeoutMs: 60_000, intervalMs: 50 });
      const decidedIn = Date.now() - sentAt;
      // What the arbiter published reaches the services downstream of it.
      const storyProperties = [...new Set(story.map((c) => c.property_id))];
      const escalation = services[SERVICES.findIndex((s) => s.name === 'escalation')]!;
      const dispatcher = services[SERVICES.findIndex((s) => s.name === 'sync-dispatcher')]!;
      await waitFor('the decisions to reach the sync-dispatcher and escalation', async () =>
        (await escalation.consumed(topics.conflicts.name, 'processed')) > 0 && (await dispatcher.consumed(topics.availabilityChanges.name, 'processed')) > 0,
      { timeoutMs: 60_000, intervalMs: 50 });
      const channelDecisions: { outcome: string }[] = await waitFor('ingest to turn the channel events into commands the arbiter decides', async () => {
        const rows = await ledger('processed_commands').whereIn('command_id', inboundCommandIds).select('outcome');
        return rows.length === inboundCommandIds.length ? rows : undefined;
      }, { timeoutMs: 60_000, intervalMs: 50 });
      await waitFor('the samples consumed by the reconciler and escalation', async () => {
        for (const [i, service] of SERVICES.entries()) {
          for (const topic of service.consumes) {
            const sent = correlations.get(topic)?.length ?? 0;
            if (sent > 0 && (await services[i]!.consumed(topic, 'processed')) < sent) return false;
          }
        }
        return true;
      }, { timeoutMs: 60_000, intervalMs: 50 });

      const [letter] = await readKeyed<{ reason: string; original_value: Buffer | null }>(kafka, serde, topics.channelDlq.name, [malformedKey], 1);
      const deadLetter = { reason: letter!.reason, bytes: letter!.original_value?.length ?? 0 };
      const conflicts: Pick<Conflict, 'conflict_type'>[] = await ledger('audit_log').whereIn('command_id', commandIds).whereNotNull('conflict_type').select('conflict_type');
      // Every conflict the audit log holds for the story is on the conflicts topic too.
      const reviews = (await readKeyed<Conflict>(kafka, serde, topics.conflicts.name, storyProperties, conflicts.length)).filter((c) => c.requires_review);
      await waitFor('escalation to take every conflict', async () => (await escalation.consumed(topics.conflicts.name, 'processed')) >= conflicts.length, { timeoutMs: 60_000, intervalMs: 50 });
      const openTasks: { n: number }[] = await ledger('escalation.review_tasks').whereIn('property_id', storyProperties).whereNot({ status: 'resolved' }).count({ n: '*' });
      const overlaps = await ledger.raw(DOUBLE_BOOKED_NIGHTS);

      print();
      print(`bookings and blocks decided: ${decisions.length} commands in ${decidedIn} ms from sending`);
      for (const outcome of ['applied', 'rejected', 'ignored', 'dead_lettered']) {
        const these = decisions.filter((d) => d.outcome === outcome);
        if (these.length > 0) print(`  ${outcome.padEnd(9)} ${String(these.length).padStart(3)}${these.some((d) => d.reason) ? `  (${[...new Set(these.map((d) => d.reason).filter(Boolean))].join(', ')})` : ''}`);
      }
      print('conflicts by type:');
      const byType = new Map<string, number>();
      for (const c of conflicts) byType.set(c.conflict_type, (byType.get(c.conflict_type) ?? 0) + 1);
      for (const [type, count] of [...byType.entries()].sort()) print(`  ${type.padEnd(18)} ${count}`);
      print(`conflicts a human must review: ${reviews.length}${reviews.length ? ` (${reviews.map((r) => `${r.conflict_type} ${r.severity}`).join(', ')})` : ''}; review tasks open for them in escalation: ${Number(openTasks[0]?.n ?? 0)}`);
      print(`double bookings found in the whole ledger (SQL over every property): ${overlaps.rows.length}`);
      print('sync lag to the other channels: not in this demo yet (it has no simulated channels until the demo issue; scripts/bench-sync measures it)');
      print();
      print(`channel events through ingest: ${inbound.length} on channel.inbound, listings mapped to properties, ${channelDecisions.length} commands decided (${channelDecisions.map((d) => d.outcome).join(', ')})`);
      print(`samples: ${[...correlations.values()].flat().length} records to sync.results, consumed by the reconciler and escalation`);
      print(`malformed record: on ${topics.channelDlq.name} with reason ${deadLetter.reason}, original ${deadLetter.bytes} bytes kept`);
      if (overlaps.rows.length > 0) throw new Error(`double bookings in the ledger: ${JSON.stringify(overlaps.rows)}`);
    } finally {
      await ledger.destroy();
    }
  } catch (error) {
    // Never leave the services running behind a failed run.
    await Promise.all(services.map((s) => s.stop()));
    throw error;
  }

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

const DOUBLE_BOOKED_NIGHTS = `
  SELECT a.property_id, a.stay_key, b.stay_key AS other
  FROM stays a JOIN stays b ON a.property_id = b.property_id AND a.stay_key < b.stay_key
  WHERE daterange(a.check_in, a.check_out, '[)') && daterange(b.check_in, b.check_out, '[)')
    AND ((a.kind = 'booking' AND a.status IN ('PENDING', 'CONFIRMED')) OR (a.kind = 'block' AND a.active))
    AND ((b.kind = 'booking' AND b.status IN ('PENDING', 'CONFIRMED')) OR (b.kind = 'block' AND b.active))`;

/**
 * Reads a topic from the beginning until `count` records with one of the given keys have come;
 * only those are decoded (records of earlier runs may carry schemas since retired).
 */
async function readKeyed<T>(kafka: ReturnType<typeof createKafkaClient>, serde: AvroSerde, topic: string, keys: readonly string[], count: number): Promise<T[]> {
  const found: T[] = [];
  const consumer = kafka.consumer({ groupId: `pipeline-demo.${topic}.${randomUUID()}`, topics: [topic] });
  await consumer.start(async (record: IncomingRecord) => {
    if (keys.includes(record.key?.toString() ?? '')) found.push((await serde.decode(record.value)) as T);
  });
  try {
    await waitFor(`${count} record(s) of this run on ${topic}`, () => found.length >= count, { timeoutMs: 30_000 });
  } finally {
    await consumer.stop();
  }
  return found;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
