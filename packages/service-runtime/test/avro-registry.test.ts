import { allValueSchemas, samples } from '@cm/schemas';
import { SchemaRejectedError } from '../src/errors';
import type { IncomingRecord } from '../src/kafka/types';
import { SUBJECT_COMPATIBILITY } from '../src/provision';
import { AvroSerde, RegistryAdmin } from '../src/schema-registry';
import { waitFor } from '../src/wait';
import { createTopic, deleteTopics, stack, testKafka, uniqueName } from './support/stack';

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
    // booking.commands as it was before property_currency, guest_count, tenant_id and cancels_stay.
    const current = JSON.parse(allValueSchemas().find((s) => s.topic.name === 'booking.commands')!.schema) as { fields: { name: string }[] };
    const added = ['property_currency', 'guest_count', 'tenant_id', 'cancels_stay'];
    const older = { ...current, fields: current.fields.filter((f) => !added.includes(f.name)) };
    const oldSubject = `${uniqueName('test.older')}-value`;
    const id = await registry.register(oldSubject, JSON.stringify(older));
    try {
      const serde = AvroSerde.withIds(stack.SCHEMA_REGISTRY_URL, new Map([['booking.commands', id]]));
      const sample = samples['booking.commands']({ id: 'old-1', propertyId: 'p1', at: Date.UTC(2026, 10, 25) }) as unknown as Record<string, unknown>;
      const written = Object.fromEntries(Object.entries(sample).filter(([name]) => !added.includes(name)));
      const bytes = await serde.encodeRaw('booking.commands', written);
      expect(await serde.decode(bytes)).not.toHaveProperty('cancels_stay');
      expect(await serde.decode(bytes, 'booking.commands')).toMatchObject({ command_id: 'cmd-old-1', property_currency: null, guest_count: null, tenant_id: null, cancels_stay: null });
    } finally {
      await registry.deleteSubject(oldSubject);
    }
  });

  it('a newer writer’s record holding a real U+FFFD is read into this build’s schema and kept, not taken for bytes that were not UTF-8', async () => {
    const current = JSON.parse(allValueSchemas().find((s) => s.topic.name === 'booking.commands')!.schema) as { fields: object[] };
    const newer = { ...current, fields: [...current.fields, { name: 'added_later', type: ['null', 'string'], default: null, doc: 'A field a newer build writes.' }] };
    const newSubject = `${uniqueName('test.newer')}-value`;
    const id = await registry.register(newSubject, JSON.stringify(newer));
    try {
      const serde = AvroSerde.withIds(stack.SCHEMA_REGISTRY_URL, new Map([['booking.commands', id]]));
      const sample = samples['booking.commands']({ id: 'new-1', propertyId: 'p1', at: Date.UTC(2026, 10, 25) });
      const bytes = await serde.encodeRaw('booking.commands', { ...sample, reason: 'Zo\uFFFD asked', added_later: 'x' });
      expect(await serde.decode(bytes, 'booking.commands')).toMatchObject({ command_id: 'cmd-new-1', reason: 'Zo\uFFFD asked' });
    } finally {
      await registry.deleteSubject(newSubject);
    }
  });
});
