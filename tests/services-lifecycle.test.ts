import { randomUUID } from 'node:crypto';
import { samples, topicByName, topics, wireCodec } from '@cm/schemas';
import { AvroSerde, createDatabase, waitFor, type IncomingRecord } from '@cm/service-runtime';
import { SERVICES, startServiceProcess, waitUntilReady, type ServiceProcess, freePort, stack, testKafka, uniqueName } from '@cm/test-harness';

describe('the five services', () => {
  const kafka = testKafka();
  const run = randomUUID().slice(0, 8);
  let services: ServiceProcess[] = [];

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('start, join their groups, report ready, consume and decode, dead-letter bad records, and stop cleanly on SIGTERM', async () => {
    services = await Promise.all(
      SERVICES.map(async (s) =>
        startServiceProcess(s.name, {
          opsPort: await freePort(),
          env: { CONSUMER_GROUP: uniqueName(`test.${s.name}`), LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '10000', ...(['ingest', 'reconciler', 'escalation'].includes(s.name) ? { HTTP_PORT: String(await freePort()) } : {}), ...(s.name === 'sync-dispatcher' ? { FEED_PORT: String(await freePort()) } : {}), ...(s.name === 'reconciler' ? { RECONCILE_EVERY_MINUTES: '0' } : {}) },
        }),
      ),
    );
    // Not ready before the group is joined: the first answer of a fresh process is 503 or no answer.
    expect(await services[0]!.ready()).toBe(false);
    await waitUntilReady(services, 60_000);

    const sampled = Object.keys(samples) as (keyof typeof samples)[];
    const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [...sampled, topics.channelDlq.name]);
    const producer = await kafka.producer();
    for (const topic of sampled) {
      const value = samples[topic]({ id: `${run}-${topic}`, propertyId: `property-${run}`, at: Date.now() });
      await producer.send(topic, [{ key: `property-${run}`, value: await serde.encodeRaw(topic, wireCodec(topicByName(topic)).toWire(value)) }]);
    }
    const badKey = `bad-${run}`;
    await producer.send(topics.channelInbound.name, [{ key: badKey, value: Buffer.from([0, 0, 0, 0, 1, 0xff]), headers: { origin: 'test' } }]);
    await producer.disconnect();

    // The booking-arbiter decides its command into the ledger; ingest dead-letters the channel
    // event of a listing nobody mapped; the others consume and decode what they were sent.
    const ledger = createDatabase(stack.DATABASE_URL);
    try {
      await waitFor('the arbiter decides the command', async () => (await ledger('processed_commands').where({ command_id: `cmd-${run}-${topics.bookingCommands.name}` }).first('outcome'))?.outcome, { timeoutMs: 30_000 });
    } finally {
      await ledger.destroy();
    }
    for (const [i, s] of SERVICES.entries()) {
      if (s.name === 'booking-arbiter' || s.name === 'ingest') continue;
      for (const topic of s.consumes) {
        await waitFor(`${s.name} processes the ${topic} record`, async () => (await services[i]!.consumed(topic, 'processed')) >= 1, { timeoutMs: 30_000 });
      }
    }

    const letters: Record<string, unknown>[] = [];
    const unmapped: Record<string, unknown>[] = [];
    const dlq = kafka.consumer({ groupId: uniqueName('test.dlq'), topics: [topics.channelDlq.name] });
    await dlq.start(async (record: IncomingRecord) => {
      const key = record.key?.toString();
      if (key === badKey) letters.push((await serde.decode(record.value)) as Record<string, unknown>);
      if (key === `property-${run}`) unmapped.push((await serde.decode(record.value)) as Record<string, unknown>);
    });
    try {
      await waitFor('the dead letters', () => letters.length > 0 && unmapped.length > 0, { timeoutMs: 30_000 });
    } finally {
      await dlq.stop();
    }
    expect(unmapped[0]).toMatchObject({ reason: 'UNKNOWN_LISTING', source_topic: 'channel.inbound' });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      reason: 'SCHEMA_MISMATCH',
      source_topic: 'channel.inbound',
      original_value: Buffer.from([0, 0, 0, 0, 1, 0xff]),
      original_headers: { origin: Buffer.from('test') },
    });
    // Counted too (at least ours: a fresh group also reads what earlier runs left on the topic).
    expect(await services[0]!.consumed('channel.inbound', 'dead_lettered')).toBeGreaterThanOrEqual(1);
    expect(services[0]!.child.exitCode).toBeNull(); // the bad record did not crash the consumer

    const codes = await Promise.all(services.map((s) => s.stop()));
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    for (const s of services) expect(s.output()).toContain('stopped cleanly');
  });
});
