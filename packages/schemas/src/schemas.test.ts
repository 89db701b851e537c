import { readFileSync } from 'node:fs';
import { Type } from 'avsc';
import { avscFiles, GENERATED_FILE } from './cli/generate';
import { generateTypes } from './codegen';
import {
  BookingStatusSymbols,
  ChannelSymbols,
  ConflictTypeSymbols,
  DeadLetterReasonSymbols,
  ResolutionSymbols,
  SeveritySymbols,
  SourceSymbols,
} from './generated/records';
import { allTopics, allValueSchemas, topicByName, topics, valueSubject, wireCodec, wireCodecOf, type ReservationAction } from './index';
import { samples, type SampledTopic } from './samples';

type Field = { name: string; type: unknown; doc?: string };

/** Every field of every record, nested ones included, with the file it is in. */
function allFields(): { file: string; record: string; field: Field }[] {
  const out: { file: string; record: string; field: Field }[] = [];
  const walk = (file: string, type: unknown): void => {
    if (Array.isArray(type)) return type.forEach((t) => walk(file, t));
    if (typeof type !== 'object' || type === null) return;
    const t = type as { type: string; name?: string; fields?: Field[]; items?: unknown; values?: unknown };
    if (t.type === 'record') for (const f of t.fields!) out.push({ file, record: t.name!, field: f }), walk(file, f.type);
    if (t.type === 'array') walk(file, t.items);
    if (t.type === 'map') walk(file, t.values);
  };
  for (const { file, schema } of avscFiles()) walk(file, JSON.parse(schema));
  return out;
}

describe('the .avsc files', () => {
  it.each(allValueSchemas().map((s) => [s.subject, s] as const))('%s parses as Avro, with a namespace and a documented record', (_, { schema }) => {
    const parsed = JSON.parse(schema) as { namespace?: string; doc?: string };
    expect(parsed.namespace).toMatch(/^io\.channelmanager\./);
    expect(parsed.doc).toBeTruthy();
    expect(() => Type.forSchema(JSON.parse(schema))).not.toThrow();
  });

  it('document every field', () => {
    const undocumented = allFields().filter(({ field }) => !field.doc).map(({ file, record, field }) => `${file} ${record}.${field.name}`);
    expect(undocumented).toEqual([]);
  });

  it('keep money as integer minor units with a currency, dates as Avro dates and instants as timestamp-millis', () => {
    for (const { file, record, field } of allFields()) {
      const text = JSON.stringify(field.type);
      const where = `${file} ${record}.${field.name}`;
      if (/price|quote|amount/.test(field.name) && field.name !== 'amount_minor') expect({ where, money: text.includes('Money') }).toEqual({ where, money: true });
      if (/check_in|check_out|_date$|^date$/.test(field.name)) expect({ where, date: text.includes('"logicalType":"date"') }).toEqual({ where, date: true });
      if (/_at$/.test(field.name)) expect({ where, instant: text.includes('"logicalType":"timestamp-millis"') }).toEqual({ where, instant: true });
      expect({ where, float: /"(float|double)"/.test(text) }).toEqual({ where, float: false });
    }
  });

  it('give every event on a topic its id, property, per-property version, source and correlation id', () => {
    for (const { topic, schema } of allValueSchemas()) {
      if (topic.keyedBy !== 'property_id' || topic.name === topics.bookingCommands.name) continue;
      const names = (JSON.parse(schema) as { fields: Field[] }).fields.map((f) => f.name);
      expect({ topic: topic.name, has: ['event_id', 'property_id', 'version', 'source', 'correlation_id'].filter((n) => names.includes(n)) }).toEqual({
        topic: topic.name,
        has: ['event_id', 'property_id', 'version', 'source', 'correlation_id'],
      });
    }
  });

  it('carry the enums the rules speak in', () => {
    expect(ChannelSymbols).toEqual(['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA']);
    expect(SourceSymbols).toEqual(['PMS', ...ChannelSymbols]);
    expect(BookingStatusSymbols).toContain('CANCELLED');
    expect(SeveritySymbols).toEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
    expect(ConflictTypeSymbols.length).toBeGreaterThanOrEqual(11);
    expect(ResolutionSymbols).toContain('FLAGGED_FOR_REVIEW');
    expect(DeadLetterReasonSymbols).toContain('UNKNOWN_LISTING');
  });

  it('and the committed TypeScript types are exactly what they generate (run `pnpm --filter @cm/schemas generate`)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generateTypes(avscFiles()));
  });

  it('the generator refuses two different definitions of one named type', () => {
    const money = (doc: string) => JSON.stringify({ type: 'record', name: 'R', namespace: 'x', doc: 'r', fields: [{ name: 'm', type: { type: 'enum', name: 'E', symbols: [doc] } }] });
    expect(() => generateTypes([{ file: 'a.avsc', schema: money('A') }, { file: 'b.avsc', schema: money('B') }])).toThrow(/x\.R is defined differently in a\.avsc and b\.avsc/);
  });
});

describe('the samples', () => {
  it.each(Object.keys(samples) as SampledTopic[])('the sample of %s is a valid value of its schema', (topic) => {
    const type = Type.forSchema(JSON.parse(allValueSchemas().find((s) => s.topic.name === topic)!.schema));
    const value = samples[topic]({ id: 'x1', propertyId: 'property-1', at: Date.UTC(2026, 10, 25) });
    const errors: string[] = [];
    // As avsc writes it: a union of records wrapped under its variant's name.
    expect(type.isValid(wireCodec(topicByName(topic)).toWire(value), { errorHook: (path) => errors.push(path.join('.')) })).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('reservation actions: a union of tagged records', () => {
  const type = () => Type.forSchema(JSON.parse(allValueSchemas().find((s) => s.topic.name === 'reservation.actions.v2')!.schema));
  const base = { event_id: 'cmd-1:action:0', property_id: 'p1', version: 4, source: 'AIRBNB' as const, channel: 'AIRBNB' as const, booking_ref: 'HM1', stay_key: 'AIRBNB:HM1', command_id: 'cmd-1', occurred_at: Date.UTC(2026, 10, 25), correlation_id: 'c1' };
  it.each([
    { kind: 'ACKNOWLEDGE' as const, revision: 3 },
    { kind: 'DECLINE_REQUEST' as const, reason: 'nights taken' },
    { kind: 'HOST_CANCEL' as const, reason: 'cancelled in the PMS' },
    { kind: 'CHANGE_DATES' as const, check_in: 20_800, check_out: 20_803 },
    { kind: 'ACCEPT_ALTERATION' as const },
    { kind: 'DECLINE_ALTERATION' as const, reason: 'nights taken' },
  ])('$kind goes through Avro and comes back as the same tagged variant', (action) => {
    const value: ReservationAction = { ...base, action };
    const codec = wireCodec(topics.reservationActions);
    const wire = codec.toWire(value);
    expect(wire).toMatchObject({ action: { [`io.channelmanager.reservation.${{ ACKNOWLEDGE: 'AcknowledgeReservation', DECLINE_REQUEST: 'DeclineRequest', HOST_CANCEL: 'HostCancellation', CHANGE_DATES: 'ChangeDates', ACCEPT_ALTERATION: 'AcceptAlteration', DECLINE_ALTERATION: 'DeclineAlteration' }[action.kind]}`]: action } });
    expect(codec.fromWire(type().fromBuffer(type().toBuffer(wire)))).toEqual(value);
  });
});

describe('the wire codec, driven by the schema', () => {
  const variant = (name: string, kind: string, extra: object[] = []) => ({ type: 'record', name, fields: [{ name: 'kind', type: { type: 'enum', name: `${name}Kind`, symbols: [kind] } }, ...extra] });
  const schema = {
    type: 'record',
    name: 'Outer',
    namespace: 'x',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'maybe', type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'what', type: [variant('A', 'A', [{ name: 'n', type: 'int' }]), variant('B', 'B')] }] }], default: null },
      { name: 'many', type: { type: 'array', items: 'Inner' } },
    ],
  };
  const codec = wireCodecOf<{ id: string; maybe: { what: { kind: 'A'; n: number } | { kind: 'B' } } | null; many: { what: { kind: 'A'; n: number } | { kind: 'B' } }[] }>(schema);

  it('wraps nested unions of records, in nullable fields and arrays, and leaves the rest alone', () => {
    const value = { id: 'r1', maybe: { what: { kind: 'A' as const, n: 3 } }, many: [{ what: { kind: 'B' as const } }] };
    const wire = codec.toWire(value);
    expect(wire).toEqual({ id: 'r1', maybe: { what: { 'x.A': { kind: 'A', n: 3 } } }, many: [{ what: { 'x.B': { kind: 'B' } } }] });
    const type = Type.forSchema(schema as never);
    expect(codec.fromWire(type.fromBuffer(type.toBuffer(wire)))).toEqual(value);
    expect(codec.toWire({ ...value, maybe: null, many: [] })).toEqual({ id: 'r1', maybe: null, many: [] });
  });

  it('names a kind no variant has, and refuses a variant without its kind tag', () => {
    expect(() => codec.toWire({ id: 'r1', maybe: { what: { kind: 'C' } as never }, many: [] })).toThrow(/kind 'C'/);
    expect(() => wireCodecOf({ type: 'record', name: 'R', fields: [{ name: 'u', type: [{ type: 'record', name: 'P', fields: [] }, { type: 'record', name: 'Q', fields: [] }] }] })).toThrow(/P: a variant .* needs a field 'kind'/);
  });

  it('knows a variant named by reference, defined earlier in the schema', () => {
    const named = wireCodecOf<{ first: { kind: 'A'; n: number }; either: { kind: 'A'; n: number } | { kind: 'B' } }>({
      type: 'record',
      name: 'R',
      namespace: 'x',
      fields: [
        { name: 'first', type: variant('A', 'A', [{ name: 'n', type: 'int' }]) },
        { name: 'either', type: ['A', variant('B', 'B')] },
      ],
    });
    expect(named.toWire({ first: { kind: 'A', n: 1 }, either: { kind: 'A', n: 2 } })).toEqual({ first: { kind: 'A', n: 1 }, either: { 'x.A': { kind: 'A', n: 2 } } });
  });

  it('passes a value of a schema without unions of records through as it is', () => {
    const sample = { any: 'thing' };
    expect(wireCodec(topics.bookingEvents).toWire(sample as never)).toBe(sample);
  });
});

describe('the topic list', () => {
  it('keys everything about a property by property_id on 12 partitions', () => {
    for (const t of allTopics.filter((t) => t.keyedBy === 'property_id')) expect({ [t.name]: t.partitions }).toEqual({ [t.name]: 12 });
  });

  it('has unique names and subjects by the TopicNameStrategy', () => {
    expect(new Set(allTopics.map((t) => t.name)).size).toBe(allTopics.length);
    expect(valueSubject('booking.commands.v2')).toBe('booking.commands.v2-value');
  });

  it('refuses an unknown topic with a message saying where topics live', () => {
    expect(() => topicByName('booking.comands')).toThrow(/packages\/schemas\/src\/topics.ts/);
  });
});
