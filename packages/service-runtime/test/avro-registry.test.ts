import { allValueSchemas, samples, topics, wireCodec } from '@cm/schemas';
import { SchemaRejectedError } from '../src/errors';
import type { IncomingRecord } from '../src/kafka/types';
import { SUBJECT_COMPATIBILITY } from '../src/provision';
import { AvroSerde, RegistryAdmin } from '../src/schema-registry';
import { waitFor } from '../src/wait';
import { createTopic, deleteTopics, stack, testKafka, uniqueName } from '@cm/test-harness';

const registry = new RegistryAdmin(stack.SCHEMA_REGISTRY_URL);

const reservationV1 = {
  type: 'record',
  name: 'TestReservation',
  namespace: 'io.channelmanager.test',
  fields: [
    { name: 'reservation_id', type: 'string' },
    { name: 'nights', type: 'int' },
    { name: 'amount_minor', type: 'long' },
    { name: 'currency', type: 'string' },
  ],
};
const withField = (field: object) => ({ ...reservationV1, fields: [...reservationV1.fields, field] });

describe('Avro through Apicurio (Confluent wire format, ccompat API)', () => {
  const kafka = testKafka();
  const topic = uniqueName('test.avro');
  const subject = `${topic}-value`;

  beforeAll(async () => {
    await createTopic(kafka, topic, 3);
  });
  afterAll(async () => {
    await deleteTopics(kafka, [topic]);
    await registry.deleteSubject(subject);
  });

  it('a record produced with a registered schema is consumed and decoded to the same value', async () => {
    const id = await registry.register(subject, JSON.stringify(reservationV1));
    const serde = AvroSerde.withIds(stack.SCHEMA_REGISTRY_URL, new Map([[topic, id]]));
    const sent = { reservation_id: 'HMABCD1234 – Zoë’s stay 🏠', nights: 5, amount_minor: 123_456, currency: 'EUR' };
    const bytes = await serde.encodeRaw(topic, sent);
    expect(bytes[0]).toBe(0); // magic byte
    expect(bytes.readInt32BE(1)).toBe(id);

    const producer = await kafka.producer();
    await producer.send(topic, [{ key: 'property-1', value: bytes }]);
    await producer.disconnect();

    const received: IncomingRecord[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('test.avro.group'), topics: [topic] });
    await consumer.start(async (record) => {
      received.push(record);
    });
    try {
      await waitFor('the record', () => received.length === 1, { timeoutMs: 30_000 });
    } finally {
      await consumer.stop();
    }
    expect(received[0]!.key?.toString()).toBe('property-1');
    expect(await serde.decode(received[0]!.value)).toEqual(sent);
  });

  it('under FULL_TRANSITIVE an optional field is accepted; a new required field, a removed field or a changed type is refused', async () => {
    await registry.register(subject, JSON.stringify(reservationV1));
    await registry.setCompatibility(subject, 'FULL_TRANSITIVE');
    expect(await registry.compatibility(subject)).toBe('FULL_TRANSITIVE');

    const optional = withField({ name: 'channel_note', type: ['null', 'string'], default: null });
    await expect(registry.register(subject, JSON.stringify(optional))).resolves.toEqual(expect.any(Number));

    const required = withField({ name: 'guest_email', type: 'string' });
    await expect(registry.register(subject, JSON.stringify(required))).rejects.toBeInstanceOf(SchemaRejectedError);

    const removed = { ...reservationV1, fields: reservationV1.fields.filter((f) => f.name !== 'currency') };
    await expect(registry.register(subject, JSON.stringify(removed))).rejects.toMatchObject({ code: 'SCHEMA_REJECTED', status: 409 });

    const retyped = { ...reservationV1, fields: reservationV1.fields.map((f) => (f.name === 'nights' ? { ...f, type: 'string' } : f)) };
    await expect(registry.register(subject, JSON.stringify(retyped))).rejects.toMatchObject({ code: 'SCHEMA_REJECTED', status: 409 });
  });

  it('why not BACKWARD_TRANSITIVE: it accepts removing a field, which breaks consumers not yet upgraded', async () => {
    const backward = `${subject}-backward`;
    try {
      await registry.register(backward, JSON.stringify(reservationV1));
      await registry.setCompatibility(backward, 'BACKWARD_TRANSITIVE');
      const removed = { ...reservationV1, fields: reservationV1.fields.filter((f) => f.name !== 'currency') };
      await expect(registry.register(backward, JSON.stringify(removed))).resolves.toEqual(expect.any(Number));
      const retyped = { ...reservationV1, fields: reservationV1.fields.map((f) => (f.name === 'nights' ? { ...f, type: 'string' } : f)) };
      await expect(registry.register(backward, JSON.stringify(retyped))).rejects.toBeInstanceOf(SchemaRejectedError);
    } finally {
      await registry.deleteSubject(backward);
    }
  });

  it('decoding bytes that are not in the wire format is an UndecodableRecordError, not a crash', async () => {
    const serde = AvroSerde.withIds(stack.SCHEMA_REGISTRY_URL, new Map());
    await expect(serde.decode(Buffer.from('{"json":"not avro"}'))).rejects.toMatchObject({ code: 'RECORD_UNDECODABLE' });
    await expect(serde.decode(null)).rejects.toMatchObject({ code: 'RECORD_UNDECODABLE' });
    await expect(serde.decode(Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2]))).rejects.toMatchObject({ code: 'RECORD_UNDECODABLE' });
  });

  it('every topic of the topic list has its .avsc registered, under FULL_TRANSITIVE', async () => {
    for (const { subject: topicSubject, schema, topic: spec } of allValueSchemas()) {
      const id = await registry.latestId(topicSubject);
      // Registering the same text again is a no-op that returns the existing id.
      expect(await registry.register(topicSubject, schema)).toBe(id);
      expect(await registry.compatibility(topicSubject)).toBe(SUBJECT_COMPATIBILITY);
      const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [spec.name]);
      expect(serde.writerId(spec.name)).toBe(id);
    }
  });

  it('a record written before fields were added is read into this build’s schema: the new fields take their defaults', async () => {
    // booking.commands.v2 as a writer without tenant_id and actor would have it.
    const current = JSON.parse(allValueSchemas().find((s) => s.topic.name === topics.bookingCommands.name)!.schema) as { fields: { name: string }[] };
    const added = ['tenant_id', 'actor'];
    const older = { ...current, fields: current.fields.filter((f) => !added.includes(f.name)) };
    const oldSubject = `${uniqueName('test.older')}-value`;
    const id = await registry.register(oldSubject, JSON.stringify(older));
    try {
      const serde = AvroSerde.withIds(stack.SCHEMA_REGISTRY_URL, new Map([[topics.bookingCommands.name, id]]));
      const sample = wireCodec(topics.bookingCommands).toWire(samples['booking.commands.v2']({ id: 'old-1', propertyId: 'p1', at: Date.UTC(2026, 10, 25) })) as Record<string, unknown>;
      const written = Object.fromEntries(Object.entries(sample).filter(([name]) => !added.includes(name)));
      const bytes = await serde.encodeRaw(topics.bookingCommands.name, written);
      expect(await serde.decode(bytes)).not.toHaveProperty('tenant_id');
      expect(await serde.decode(bytes, topics.bookingCommands.name)).toMatchObject({ command_id: 'cmd-old-1', tenant_id: null, actor: null, command: { kind: 'CREATE_BOOKING' } });
    } finally {
      await registry.deleteSubject(oldSubject);
    }
  });

  it('a newer writer’s record holding a real U+FFFD is read into this build’s schema and kept, not taken for bytes that were not UTF-8', async () => {
    const current = JSON.parse(allValueSchemas().find((s) => s.topic.name === topics.bookingCommands.name)!.schema) as { fields: object[] };
    const newer = { ...current, fields: [...current.fields, { name: 'added_later', type: ['null', 'string'], default: null, doc: 'A field a newer build writes.' }] };
    const newSubject = `${uniqueName('test.newer')}-value`;
    const id = await registry.register(newSubject, JSON.stringify(newer));
    try {
      const serde = AvroSerde.withIds(stack.SCHEMA_REGISTRY_URL, new Map([[topics.bookingCommands.name, id]]));
      const sample = wireCodec(topics.bookingCommands).toWire(samples['booking.commands.v2']({ id: 'new-1', propertyId: 'p1', at: Date.UTC(2026, 10, 25) })) as Record<string, unknown>;
      const bytes = await serde.encodeRaw(topics.bookingCommands.name, { ...sample, actor: 'Zo\uFFFD', added_later: 'x' });
      expect(await serde.decode(bytes, topics.bookingCommands.name)).toMatchObject({ command_id: 'cmd-new-1', actor: 'Zo\uFFFD' });
    } finally {
      await registry.deleteSubject(newSubject);
    }
  });
});
